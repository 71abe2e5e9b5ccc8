-- SPDX-License-Identifier: GPL-2.0
--
-- The failover service's daemon, in the kernel thread "failover/daemon"
-- that service.lua starts: receives the candidates' UDP advertisements
-- (config.advert_port), each the latency of the node's alternative route in
-- microseconds as decimal text ("2500"), and elects the candidate with the
-- lowest latency among those heard within config.expiry ms (a tie keeps the
-- one elected). A candidate that stops advertising expires and loses the
-- election at the next advertisement of another. The elected gateway goes
-- to the service through the shared rcu table (gateway.lua), and a change
-- of it wakes the service's thread.
local thread     = require("thread")
local linux      = require("linux")
local rcu        = require("rcu")		-- the classes of the objects
local completion = require("completion")	-- service.lua hands over
local inet       = require("socket.inet")
local conf       = require("examples.failover.config")
local gateway    = require("examples.failover.gateway")

local MAXLEN = 64

-- Bound while the script loads: in the network namespace of `lunatik run`,
-- and a port in use makes the service fail to start.
local server = inet.udp()
server:bind(conf.address, conf.advert_port)

local shared, wake	-- from service.lua
local candidates = {}	-- address (integer) -> {latency =, heard =}
local elected		-- its address

-- The best candidate not expired at time t; the expired ones go.
local function best(t)
	local address, latency
	for a, c in pairs(candidates) do
		if t - c.heard >= conf.expiry then
			candidates[a] = nil
			print(string.format("failover: %s expired", inet.ntoa(a)))
		elseif not address or c.latency < latency or
		       (c.latency == latency and (a == elected or (address ~= elected and a < address))) then
			address, latency = a, c.latency
		end
	end
	return address
end

local function advertised(address, latency)
	local t = gateway.now()
	local c = candidates[address]
	if not c then
		c = {}
		candidates[address] = c
		print(string.format("failover: candidate %s (latency %d us)", inet.ntoa(address), latency))
	end
	c.latency, c.heard = latency, t
	local choice = best(t)
	if choice == address or choice ~= elected then
		local g = candidates[choice]
		shared.gateway = gateway.new(choice, g.latency, g.heard)
	end
	if choice ~= elected then
		elected = choice
		print(string.format("failover: %s elected (latency %d us)", inet.ntoa(choice),
			candidates[choice].latency))
		wake:complete()
	end
end

-- "2500", with blanks around it at most; up to 9 digits (a latency below 1000 s).
local function parse(message)
	local digits = string.match(message, "^%s*(%d+)%s*$")
	return digits and #digits <= 9 and tonumber(digits) or nil
end

local lastwarning = 0
local function malformed(from)
	local t = gateway.now()
	if t - lastwarning >= 1000 then		-- at most a line per second
		lastwarning = t
		print(string.format("failover: malformed advertisement from %s", from))
	end
end

local function serve()
	print(string.format("failover: daemon receiving advertisements on %s:%d", conf.address,
		conf.advert_port))
	while not thread.shouldstop() do
		-- Blocks until one comes; the service's stop interrupts it (EINTR).
		local ok, message, from = pcall(server.receivefrom, server, MAXLEN)
		if ok then
			local latency = parse(message)
			if latency then
				advertised(inet.aton(from), latency)
			else
				malformed(from)
			end
		elseif message ~= linux.errno.INTR then
			print("failover: receive failed with errno " .. tostring(message))
			linux.schedule(100)
		end
	end
end

-- A stop interrupts the thread and every step it would take after that:
-- this finalizer runs when the runtime closes, in the task that stops it.
failover_closing = setmetatable({}, {__gc = function ()
	server:close()
	print("failover: daemon stopped")
end})

-- service.lua first resumes the runtime with the shared table and the
-- completion, then runs it in a thread.
return function (...)
	if shared then
		return serve()
	end
	shared, wake = ...
end
