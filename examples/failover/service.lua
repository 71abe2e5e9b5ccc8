-- SPDX-License-Identifier: GPL-2.0
--
-- The adaptive-routing failover service of "Scripting the Linux Routing
-- Table with Lua" (Figure 3), on this project's libraries:
--
--	sudo lunatik run examples/failover/service	(or: ip netns exec NS lunatik run ...)
--	sudo lunatik stop examples/failover/service
--
-- It starts two kernel threads, each in a runtime of its own:
-- "failover/daemon" (daemon.lua) elects the alternative gateway among the
-- nodes that advertise themselves over UDP; "failover/switch" (switch.lua)
-- adds the rule for the alternative table and tells the elected gateway
-- "up" when the WAN interface goes down, and undoes both when it comes
-- back. This runtime keeps the netdevice notifier, whose callback runs with
-- RTNL held and so only wakes the switch. The elected gateway is shared
-- through an rcu table handed to both runtimes with runtime:resume() (the
-- paper's rcu.publish is not in Lunatik's API). Configuration: config.lua.
local lunatik    = require("lunatik")
local thread     = require("thread")
local notifier   = require("notifier")
local rcu        = require("rcu")
local completion = require("completion")
local inet       = require("socket.inet")
local conf       = require("examples.failover.config")

local function check(ok, field, what)
	if not ok then
		error(string.format("failover: config.%s must be %s, not %s", field, what,
			tostring(conf[field])), 0)
	end
end

local function integer(field, min, max)
	local v = conf[field]
	check(type(v) == "number" and v >= min and v <= max, field,
		string.format("an integer from %d to %d", min, max))
end

check(type(conf.wan) == "string" and #conf.wan >= 1 and #conf.wan <= 15 and
	not string.find(conf.wan, "[/%s:]"), "wan", "an interface name")
integer("table_id", 1, 0xFFFFFFFF)
check(conf.table_id < 253 or conf.table_id > 255, "table_id",
	"another table than default, main and local (253 to 255)")
integer("priority", 0, 0xFFFFFFFF)
integer("advert_port", 1, 65535)
integer("control_port", 1, 65535)
integer("expiry", 1, 86400000)
check(conf.address == "*" or pcall(inet.aton, conf.address), "address",
	'"*" or a dotted IPv4 address')

local shared = rcu.table(8)		-- "gateway": the elected one (gateway.lua)
local wake = completion.new()		-- the WAN or the election changed

local function start(script, name)
	local runtime = lunatik.runtime(script)
	runtime:resume(shared, wake)	-- hands both over (shared, not copied)
	return {runtime = runtime, thread = thread.run(runtime, name)}
end

-- Globals of this runtime: while it runs, so do they; its stop collects
-- their handles, which stops their runtimes and threads.
failover_daemon = start("examples/failover/daemon", "failover/daemon")
failover_switch = start("examples/failover/switch", "failover/switch")

-- Process context with RTNL held (or, if this runtime was busy, a worker
-- without it): nothing here sleeps or takes RTNL, the switch does the work.
local netdev = notifier.netdev
local watched = {
	[netdev.UP] = true, [netdev.DOWN] = true, [netdev.CHANGE] = true,
	[netdev.REGISTER] = true, [netdev.UNREGISTER] = true,
}
notifier.netdevice(function (event, name)
	-- A renamed interface comes with its new name: it may have been the WAN.
	if (watched[event] and name == conf.wan) or event == netdev.CHANGENAME then
		wake:complete()
	end
end)
