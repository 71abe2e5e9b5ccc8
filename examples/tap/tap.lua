-- SPDX-License-Identifier: GPL-2.0
-- tap: a sniffer. /dev/tap gives one line per Ethernet frame seen on any
-- interface of the script's network namespace (an AF_PACKET socket):
-- source -> destination MAC addresses, ethertype and size.
--	sudo lunatik run examples/tap
--	cat /dev/tap
--	52:54:00:12:34:56 -> ff:ff:ff:ff:ff:ff type 0x0806 size 42

local device = require("device")
local socket = require("socket")
local linux  = require("linux")

local ETH_P_ALL = 0x0003
local FRAME = 65535	-- the largest frame; longer ones are cut (the size says so)

-- bind's address for AF_PACKET is the sockaddr_ll after its family:
-- the protocol in network order first (interface index 0: every one).
local sniffer = socket.new(socket.af.PACKET, socket.sock.RAW, 0)
sniffer:bind(string.pack(">I2", ETH_P_ALL))

local function mac(bytes)
	return string.format("%02x:%02x:%02x:%02x:%02x:%02x", string.byte(bytes, 1, 6))
end

local function describe(frame, size)
	if #frame < 14 then
		return string.format("short frame size %d\n", size)
	end
	local ethertype = string.unpack(">I2", frame, 13)
	return string.format("%s -> %s type 0x%04x size %d\n",
		mac(frame:sub(7, 12)), mac(frame:sub(1, 6)), ethertype, size)
end

local tap = {name = "tap", mode = linux.stat.IRUGO}

-- Each read waits for the next frame and returns its line.
function tap:read(length, offset)
	local frame = sniffer:receive(FRAME)
	return describe(frame, #frame)
end

tap.device = device.new(tap)
