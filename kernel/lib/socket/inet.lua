-- SPDX-License-Identifier: GPL-2.0
-- socket.inet: IPv4 TCP and UDP sockets with dotted addresses ("127.0.0.1").
--
--	local inet = require("socket.inet")
--	local server <close> = inet.tcp()	-- closed when the variable goes
--	server:bind(inet.localhost, 1337)	-- "*" or "0.0.0.0": any address
--	server:listen()
--	local session = server:accept()		-- a plain socket object
--
-- An inet socket is a table whose field `socket` is the socket object;
-- errors are those of the socket library (the errno, as an integer).

local socket = require("socket")

local af, sock, ipproto = socket.af, socket.sock, socket.ipproto

local inet = {localhost = "127.0.0.1"}

-- "a.b.c.d" to the address as an integer (host order).
function inet.aton(addr)
	local a, b, c, d = string.match(tostring(addr), "^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
	a, b, c, d = tonumber(a), tonumber(b), tonumber(c), tonumber(d)
	if not a or a > 255 or b > 255 or c > 255 or d > 255 then
		error(string.format("socket.inet: invalid IPv4 address '%s'", tostring(addr)), 2)
	end
	return a << 24 | b << 16 | c << 8 | d
end

-- The address as an integer to "a.b.c.d".
function inet.ntoa(ip)
	return string.format("%d.%d.%d.%d", ip >> 24 & 0xFF, ip >> 16 & 0xFF, ip >> 8 & 0xFF, ip & 0xFF)
end

local function address(addr)
	if addr == "*" then
		return 0
	end
	return inet.aton(addr)
end

function inet:new(o)
	o = o or {}
	self.__index = self
	self.__close = self.close
	return setmetatable(o, self)
end

-- inet.tcp(), inet.udp(): a new socket of that kind.
function inet:__call()
	local o = self:new()
	o.socket = socket.new(af.INET, self.type, self.proto)
	return o
end

function inet:close()
	self.socket:close()
end

-- receive(length [, flags [, from]]): with from, the sender's address is dotted.
function inet:receive(length, flags, from)
	local msg, ip, port = self.socket:receive(length, flags, from)
	if from then
		return msg, ip and inet.ntoa(ip), port
	end
	return msg
end

-- send(message [, addr, port])
function inet:send(msg, addr, port)
	if addr == nil then
		return self.socket:send(msg)
	end
	return self.socket:send(msg, address(addr), port)
end

function inet:bind(addr, port)
	return self.socket:bind(address(addr), port)
end

function inet:connect(addr, port, flags)
	return self.socket:connect(address(addr), port, flags)
end

local function name(self, what)
	local ip, port = self.socket[what](self.socket)
	return ip and inet.ntoa(ip), port
end

function inet:getsockname()
	return name(self, "getsockname")
end

function inet:getpeername()
	return name(self, "getpeername")
end

inet.tcp = inet:new{type = sock.STREAM, proto = ipproto.TCP}

function inet.tcp:listen(backlog)
	return self.socket:listen(backlog)
end

-- accept([flags]): the session, a socket object (it can be passed to another runtime).
function inet.tcp:accept(flags)
	return self.socket:accept(flags)
end

inet.udp = inet:new{type = sock.DGRAM, proto = ipproto.UDP}

-- receivefrom(length [, flags]): the message, the sender's dotted address and port.
function inet.udp:receivefrom(length, flags)
	return self:receive(length, flags, true)
end

inet.udp.sendto = inet.udp.send

return inet
