-- SPDX-License-Identifier: GPL-2.0
--
-- The Lua half of the filter example: the XDP program (https.c) hands it
-- TCP segments to port 443 with data, and the offset of that data in the
-- frame; a TLS ClientHello whose server name (SNI) is configured
-- (examples/filter/config.lua) is dropped and logged, anything else
-- passes. Every length is checked against the segment: a ClientHello
-- that does not fit in its first segment passes.
--
--   sudo lunatik run examples/filter/sni false
--   sudo ip link set dev IFACE xdpgeneric obj /usr/local/lib/bpf/lunatik/https.o sec xdp

local xdp = require("xdp")
local config = require("examples.filter.config")

local action = xdp.action

local blocked = {}
for _, name in ipairs(config.servers) do
	blocked[string.lower(name)] = true
end

-- name, or a parent domain of it, is configured
local function isblocked(name)
	name = string.lower(name)
	while name do
		if blocked[name] then
			return true
		end
		name = string.match(name, "^[^.]*%.(.+)$")
	end
	return false
end

local HANDSHAKE = 0x16
local CLIENT_HELLO = 0x01
local SERVER_NAME = 0x0000
local HOST_NAME = 0

-- The server name of the ClientHello at off in packet, or nil.
local function servername(packet, off)
	local size = #packet
	local function u8(at)
		return at < size and packet:getbyte(at) or nil
	end
	local function u16(at)
		return at + 1 < size and (packet:getbyte(at) << 8 | packet:getbyte(at + 1)) or nil
	end

	-- record: type, version (2), length (2); handshake: type, length (3)
	if u8(off) ~= HANDSHAKE or u8(off + 5) ~= CLIENT_HELLO then
		return nil
	end
	local at = off + 9 + 2 + 32		-- client version, random
	local len = u8(at)			-- session id
	if not len then return nil end
	at = at + 1 + len
	len = u16(at)				-- cipher suites
	if not len then return nil end
	at = at + 2 + len
	len = u8(at)				-- compression methods
	if not len then return nil end
	at = at + 1 + len
	len = u16(at)				-- extensions
	if not len then return nil end
	at = at + 2
	local last = math.min(at + len, size)
	while at + 4 <= last do
		local kind, extlen = u16(at), u16(at + 2)
		at = at + 4
		if kind == SERVER_NAME then
			-- list length (2), then entries: type, length (2), name
			if u8(at + 2) ~= HOST_NAME then return nil end
			local namelen = u16(at + 3)
			if not namelen or at + 5 + namelen > size then return nil end
			return packet:getstring(at + 5, namelen)
		end
		at = at + extlen
	end
	return nil
end

local function filter(packet, argument)
	local off = argument:getbyte(0) << 8 | argument:getbyte(1)
	local name = servername(packet, off)
	if name and isblocked(name) then
		print("filter: " .. name .. " DROP")
		return action.DROP
	end
	return action.PASS
end

xdp.attach(filter)
