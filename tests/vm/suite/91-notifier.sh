#!/bin/bash
# The notifier library, netdevice chain: events of the script's namespace
# only (replayed at registration), return values that veto, errors that
# never veto, fib called from a callback (RTNL held) without deadlock, a
# busy runtime that does not block RTNL, and stop/run cycles under events.
# The keyboard chain is 95-keyboard.sh.
# vm-timeout: 300
set -euo pipefail
. ./testlib.bash


put_script nd_watch <<'EOT'
local notifier = require("notifier")
local netdev, notify = notifier.netdev, notifier.notify
local names = {}
for k, v in pairs(netdev) do names[v] = k end
notifier.netdevice(function (event, name)
	print("ndwatch " .. names[event] .. " " .. name)
	if event == netdev.PRE_UP and name == "veto0" then
		return notify.BAD
	end
	if name:match("^oops") then
		error("callback failure")
	end
	if name == "odd0" then
		return "nonsense"
	end
	return notify.DONE
end)
EOT

lunatik load
expect "notifier constants" "0 1 32770 32769 1 4 1 2 3 4 5" "$(lua 'local n = require("notifier"); return table.concat({n.notify.DONE, n.notify.OK, n.notify.BAD, n.notify.STOP, n.netdev.UP, n.netdev.CHANGE, n.kbd.KEYCODE, n.kbd.UNBOUND_KEYCODE, n.kbd.UNICODE, n.kbd.KEYSYM, n.kbd.POST_KEYSYM}, " ")')"

ip netns add ndA
ip -n ndA link set lo up
ip netns exec ndA lunatik run nd_watch
wait_log "ndwatch REGISTER lo"
echo "ok   existing devices are replayed at registration"
ip -n ndA link add dum0 type dummy
ip -n ndA link set dum0 up
ip link add rootdum0 type dummy
ip link set rootdum0 up
wait_log "ndwatch UP dum0"
expect "events of other namespaces are not seen" 0 "$(nlog 'ndwatch .* rootdum0')"
ip link del rootdum0

ip -n ndA link add veto0 type dummy
expect_fail "a callback returning BAD vetoes PRE_UP" "." ip -n ndA link set veto0 up
expect "veto0 stays down" "" "$(ip -n ndA link show veto0 up)"

ip -n ndA link add oops0 type dummy
ip -n ndA link set oops0 up
expect "a raising callback does not veto" 1 "$(ip -n ndA link show oops0 up | grep -c oops0)"
wait_log "luanotifier: netdevice callback: .*callback failure"
ip -n ndA link add odd0 type dummy
ip -n ndA link set odd0 up
expect "a callback returning nonsense does not veto" 1 "$(ip -n ndA link show odd0 up | grep -c odd0)"
wait_log "luanotifier: netdevice callback: .*not a notifier.notify value"
start=$(date +%s)
for i in $(seq 50); do echo "link add oops$i type dummy"; done | ip -n ndA -batch -
ratelimited "callback failure" 50 "$start"
expect "fewer lines than errors" 1 "$(($(nlog 'callback failure') < 50))"
lunatik stop nd_watch
ip -n ndA link set dum0 down
sleep 0.2
expect "no event after stop" 0 "$(nlog 'ndwatch DOWN dum0')"

# fib from a callback: RTNL is held by the caller, fib must not take it again.
put_script nd_fib <<'EOT'
local notifier = require("notifier")
local fib = require("fib")
local netdev = notifier.netdev
notifier.netdevice(function (event, name)
	if name ~= "wan0" then return end
	if event == netdev.DOWN then
		fib.newrule(200, 2000)
		print("ndfib rule added")
	elseif event == netdev.UP then
		local ok, err = pcall(fib.delrule, 200, 2000)
		print("ndfib rule removed " .. tostring(ok) .. " " .. tostring(err))
	end
end)
EOT
ip -n ndA link add wan0 type dummy
ip -n ndA link set wan0 up
ip netns exec ndA lunatik run nd_fib
timeout 20 ip -n ndA link set wan0 down
wait_log "ndfib rule added"
expect "the callback's rule is in the namespace" 1 "$(ip -n ndA rule | grep -c '2000:.*lookup 200')"
expect "not in the root namespace" 0 "$(ip rule | grep -c 'lookup 200' || true)"
timeout 20 ip -n ndA link set wan0 up
wait_log "ndfib rule removed true"
expect "the rule is gone" 0 "$(ip -n ndA rule | grep -c 'lookup 200' || true)"
lunatik stop nd_fib

# A runtime busy elsewhere (its thread holds it) must not block RTNL.
put_script nd_busy <<'EOT'
local notifier = require("notifier")
local thread = require("thread")
local linux = require("linux")
notifier.netdevice(function (event, name)
	print("ndbusy " .. event .. " " .. name)
end)
return function ()
	while not thread.shouldstop() do linux.schedule(50) end
end
EOT
ip netns exec ndA lunatik spawn nd_busy
ip -n ndA link add busy0 type dummy
timeout 20 ip -n ndA link set busy0 up
echo "ok   RTNL is not held hostage by a busy runtime"
lunatik stop nd_busy
timeout 20 ip -n ndA link set busy0 down

# 100 stop/run cycles with events flowing, a sleepable and a packet runtime.
ip -n ndA link add flap0 type dummy
( for i in $(seq 2000); do ip -n ndA link set flap0 up; ip -n ndA link set flap0 down; done ) \
	>/dev/null 2>&1 &
flapper=$!
expect "100 stop/run cycles" "100" "$(printf '%s\n' 'local n = 0; for i = 1, 50 do lunatik.runtime("nd_watch"):stop(); lunatik.runtime("nd_watch", false):stop(); n = n + 2 end; return n' | ip netns exec ndA lunatik)"
kill $flapper 2>/dev/null || true
wait $flapper 2>/dev/null || true
ip netns exec ndA lunatik run nd_watch
lunatik unload
ip -n ndA link set flap0 up
ip -n ndA link set flap0 down
echo "ok   unload with a notifier registered"
ip netns del ndA
kernel_clean
