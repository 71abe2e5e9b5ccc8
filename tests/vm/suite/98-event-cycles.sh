#!/bin/bash
# Every registration is undone with its runtime: 100 run/stop cycles of a
# script holding a netdevice notifier (while a link goes up and down), a
# keyboard notifier (while keys are typed), a probe (while uname runs), a
# device and a fib rule, 50 more in non-sleepable runtimes, then an unload
# with all of it registered, leave no rule, no kprobe, no device, no module
# reference and no slab memory behind.
# vm-timeout: 900
set -euo pipefail
. ./testlib.bash
. ./uhidkbd.bash

put_script ev_all <<'EOT'
local notifier = require("notifier")
local probe = require("probe")
local device = require("device")
local fib = require("fib")
local notify = notifier.notify
local function nop() end

notifier.netdevice(function (event, name) return notify.DONE end)
notifier.keyboard(function (event, down, shift, key) return notify.OK end)
probe.new("__x64_sys_newuname", {pre = nop, post = nop})
device.new({name = "evcycle", open = nop, release = nop, read = function () return "" end})
-- fib rules are not objects (as `ip rule add`): the script removes its own
-- when its runtime closes, from a finalizer
fib.newrule(4242, 4242)
evguard = setmetatable({}, {__gc = function () fib.delrule(4242, 4242) end})
-- and registrations undone by stop() at once
notifier.netdevice(nop):stop()
notifier.keyboard(nop):delete()
probe.new("__x64_sys_newuname", {pre = nop}):stop()
device.new({name = "evstopped", open = nop, release = nop}):stop()
print("evall heap " .. collectgarbage("count") // 1)
EOT

put_script ev_atomic <<'EOT'
local notifier = require("notifier")
local probe = require("probe")
local function nop() end
notifier.netdevice(function () return notifier.notify.DONE end)
notifier.keyboard(function () return notifier.notify.OK end)
probe.new("__x64_sys_newuname", {pre = nop, post = nop})
EOT

# Keeps the probed function's ftrace site armed: arming and disarming it
# while another CPU calls the function crashes this VM's kernel without any
# of our modules (see 93-probe.sh and the README).
put_script ev_anchor <<'EOT'
require("probe").new("__x64_sys_newuname", {pre = function () end})
EOT

mods="luanotifier luaprobe luafib luadevice"
refs() { local m; for m in $mods; do printf '%s=%s ' $m "$(cat /sys/module/$m/refcnt)"; done; }
sunreclaim() { awk '/^SUnreclaim:/ {print $2}' /proc/meminfo; }
cycles() {	# cycles SCRIPT N SLEEP: N run/stop cycles in namespace evA
	printf '%s\n' "local n = 0; for i = 1, $2 do lunatik.runtime('$1', $3):stop(); n = n + 1 end; return n" |
		ip netns exec evA lunatik
}

flapper= typer= caller=
lunatik load
ip netns add evA
ip -n evA link add ev0 type dummy
kbd_create
trap 'kill $flapper $typer $caller 2>/dev/null || true; kbd_destroy; ip netns del evA 2>/dev/null || true; cleanup' EXIT
base_refs=$(refs)
lunatik run ev_anchor

( while :; do ip -n evA link set ev0 up; ip -n evA link set ev0 down; done ) >/dev/null 2>&1 &
flapper=$!
( while :; do kbd_burst u 10; sleep 0.05; done ) >/dev/null 2>&1 &
typer=$!
( while :; do uname; done ) >/dev/null 2>&1 &
caller=$!

# Warm up the caches, then measure.
expect "warm-up cycles" 5 "$(cycles ev_all 5 true)"
sync
before=$(sunreclaim)
expect "100 run/stop cycles under events" 100 "$(cycles ev_all 100 true)"
expect "50 run/stop cycles under events, non-sleepable" 50 "$(cycles ev_atomic 50 false)"
kill $flapper $typer $caller
wait $flapper $typer $caller 2>/dev/null || true
heap=$(dmesg | awk '/evall heap/ {h = $NF} END {print int(h / 1024)}')	# KiB

expect "no rule left" 0 "$(ip -n evA rule | grep -c 'lookup 4242' || true)"
[ ! -e /dev/evcycle ] && [ ! -e /dev/evstopped ] || { echo "FAIL a device is left"; exit 1; }
echo "ok   no device left"
lunatik stop ev_anchor
expect "no module reference left" "$base_refs" "$(refs)"
if [ -r /sys/kernel/debug/kprobes/list ]; then
	expect "no kprobe left" 0 "$(grep -c __x64_sys_newuname /sys/kernel/debug/kprobes/list || true)"
fi
# A runtime left behind keeps at least its Lua heap (collectgarbage("count")
# is in bytes here; the script prints it): 150 of them would be 150 heaps.
# The margin, 50 heaps, is far above what the rest of the system allocates
# meanwhile (under 100 KiB in our runs) and far below a leak of every run.
for i in $(seq 50); do
	after=$(sunreclaim)
	[ $((after - before)) -lt $((heap * 50)) ] && break
	sleep 0.2	# RCU-deferred frees
done
echo "     unreclaimable slab: $before KiB -> $after KiB (a script's heap: $heap KiB)"
[ "$heap" -gt 0 ] && [ $((after - before)) -lt $((heap * 50)) ] ||
	{ echo "FAIL unreclaimable slab grew by $((after - before)) KiB"; exit 1; }
echo "ok   no memory left behind"

# Unload with everything registered, while links and keys keep changing
# (not uname: the last probe disarms the site, see ev_anchor).
ip netns exec evA lunatik run ev_all
ip netns exec evA lunatik run ev_atomic false
expect "the script's rule is there" 1 "$(ip -n evA rule | grep -c 'lookup 4242' || true)"
( while :; do ip -n evA link set ev0 up; ip -n evA link set ev0 down; done ) >/dev/null 2>&1 &
flapper=$!
( while :; do kbd_burst u 10; sleep 0.05; done ) >/dev/null 2>&1 &
typer=$!
uname >/dev/null
lunatik unload
kill $flapper $typer
wait $flapper $typer 2>/dev/null || true
expect "unload removes the rule" 0 "$(ip -n evA rule | grep -c 'lookup 4242' || true)"
[ ! -e /dev/evcycle ] || { echo "FAIL /dev/evcycle is left"; exit 1; }
if [ -r /sys/kernel/debug/kprobes/list ]; then
	expect "unload removes the kprobes" 0 "$(grep -c __x64_sys_newuname /sys/kernel/debug/kprobes/list || true)"
fi
ip -n evA link set ev0 up
kbd_tap a
uname >/dev/null
echo "ok   events after unload"
kernel_clean
