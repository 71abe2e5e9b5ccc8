-- SPDX-License-Identifier: GPL-2.0
--
-- The failover service's switch, in the kernel thread "failover/switch"
-- that service.lua starts: woken by the WAN interface's events (the
-- service's notifier) and by a new election (the daemon), it reads the
-- WAN's state and makes the routing follow it:
--   WAN down: adds the rule `ip rule add lookup TABLE priority PRIORITY`
--     and sends "up" over TCP to the elected gateway (config.control_port);
--   WAN up: removes the rule and sends "down" to the gateway told "up".
-- While the WAN is down, a newly elected gateway is told "up" and the one
-- before it "down"; the service's stop removes the rule and tells the
-- gateway "down". This work is not done in the notifier's callback, which
-- runs with RTNL held: rtnetlink, asked about the WAN, would take RTNL
-- again, and the TCP message may wait for seconds (see the README).
local fib        = require("fib")
local thread     = require("thread")
local rcu        = require("rcu")		-- the classes of the objects
local completion = require("completion")	-- service.lua hands over
local data       = require("data")		-- gateway records
local inet       = require("socket.inet")
local conf       = require("examples.failover.config")
local gateway    = require("examples.failover.gateway")
local link       = require("examples.failover.link")

local shared, wake	-- from service.lua
local failed = false	-- the WAN is down and the rule is in place
local active		-- the address of the gateway told "up"

-- The elected gateway's address, unless it has expired since.
local function elected()
	local record = shared.gateway
	if not record then
		return nil
	end
	local address, _, heard = gateway.read(record)
	if gateway.now() - heard >= conf.expiry then
		return nil
	end
	return address
end

-- Sends "up" or "down" to the gateway's control service, through client
-- if given (it is closed then): true if it went.
local function tell(address, state, client)
	local ok, err = pcall(function ()
		local c <close> = client or inet.tcp()
		c:connect(inet.ntoa(address), conf.control_port)
		c:send(state)
	end)
	if ok then
		print(string.format("failover: told %s %s", inet.ntoa(address), state))
	else
		print(string.format("failover: could not tell %s %s (errno %s)", inet.ntoa(address),
			state, tostring(err)))
	end
	return ok
end

local function rule(add)
	local ok, err = pcall(add and fib.newrule or fib.delrule, conf.table_id, conf.priority)
	-- Someone else's rule of the same table and priority counts as ours.
	if not ok and not string.find(tostring(err), add and "EEXIST" or "ENOENT", 1, true) then
		error(err, 0)
	end
end

local function reconcile()
	local up, why = link.up(conf.wan)
	if failed == up then
		rule(not up)
		failed = not up
		if failed then
			print(string.format("failover: %s is down (%s): rule to table %d at priority %d added",
				conf.wan, why, conf.table_id, conf.priority))
		else
			print(string.format("failover: %s is up: rule removed", conf.wan))
		end
	end
	local want = failed and elected() or nil
	if failed and not want and not active then
		print("failover: no gateway is elected: traffic waits for one")
	end
	if want ~= active then
		local previous = active
		if not want then
			active = nil
		elseif tell(want, "up") then
			active = want
		end
		if previous and active ~= previous then
			tell(previous, "down")
		end
	end
end

local function run()
	print(string.format("failover: watching %s", conf.wan))
	repeat
		local ok, err = pcall(reconcile)
		if not ok then
			print("failover: " .. tostring(err))
		end
	until not wake:wait() or thread.shouldstop()
end

-- A stop interrupts the thread, and every step it would take after that:
-- the routing is put back when the runtime closes, by this finalizer, in
-- the task that stops the service. New objects made while a runtime closes
-- are never finalized (they would leak): the socket for "down" is made now.
local spare = inet.tcp()
failover_closing = setmetatable({}, {__gc = function ()
	if failed then
		local ok, err = pcall(rule, false)
		print(ok and "failover: stopped, rule removed" or "failover: stopped: " .. tostring(err))
	else
		print("failover: stopped")
	end
	if active then
		tell(active, "down", spare)
	else
		spare:close()
	end
end})

-- service.lua first resumes the runtime with the shared table and the
-- completion, then runs it in a thread.
return function (...)
	if shared then
		return run()
	end
	shared, wake = ...
end
