-- SPDX-License-Identifier: GPL-2.0
--
-- Is a network interface up? Asks rtnetlink (RTM_GETLINK by name) in the
-- network namespace the script runs in, as `ip link show NAME` does: up
-- means administratively up and operational (IFF_UP and IFF_RUNNING, so a
-- link without carrier is down). The netdevice chain says something
-- happened to the interface, not whether its carrier is there (a CHANGE
-- event is carrier lost or back, or another flag), so the service asks.
--
-- rtnetlink handles the request under RTNL: never call this from a
-- netdevice notifier's callback, which runs with RTNL held (it would wait
-- for itself); the service calls it from its thread.
local socket = require("socket")

local link = {}

local NETLINK_ROUTE = 0
local NLMSG_ERROR, RTM_NEWLINK, RTM_GETLINK = 2, 16, 18
local NLM_F_REQUEST = 1
local IFLA_IFNAME = 3
local IFF_UP, IFF_RUNNING = 0x1, 0x40
local ENODEV = 19

-- nlmsghdr (len, type, flags, seq, pid), then ifinfomsg (family, pad, type,
-- index, flags, change), then the attribute IFLA_IFNAME, NUL-terminated and
-- padded to 4 bytes. Native byte order, as netlink is.
local function request(name)
	local attr = string.pack("=I2I2z", 4 + #name + 1, IFLA_IFNAME, name)
	attr = attr .. string.rep("\0", -#attr % 4)
	local body = string.pack("=BxI2i4I4I4", 0, 0, 0, 0, 0) .. attr
	return string.pack("=I4I2I2I4I4", 16 + #body, RTM_GETLINK, NLM_F_REQUEST, 1, 0) .. body
end

-- link.up(name): true, or false and why ("administratively down", "no
-- carrier", "no such device"). Raises the errno of a failed socket call.
function link.up(name)
	local nl <close> = socket.new(socket.af.NETLINK, socket.sock.RAW, NETLINK_ROUTE)
	nl:send(request(name))
	-- The header and ifinfomsg are enough: the rest of the answer is dropped.
	local reply = nl:receive(64)
	if #reply < 20 then
		error("link: short rtnetlink answer (" .. #reply .. " bytes)")
	end
	local kind = string.unpack("=I2", reply, 5)
	if kind == NLMSG_ERROR then
		local err = -string.unpack("=i4", reply, 17)
		if err == ENODEV then
			return false, "no such device"
		end
		error("link: RTM_GETLINK " .. name .. " failed with errno " .. err)
	end
	if kind ~= RTM_NEWLINK or #reply < 32 then
		error("link: unexpected rtnetlink answer (type " .. kind .. ")")
	end
	local flags = string.unpack("=I4", reply, 25)
	if flags & IFF_UP == 0 then
		return false, "administratively down"
	elseif flags & IFF_RUNNING == 0 then
		return false, "no carrier"
	end
	return true
end

return link
