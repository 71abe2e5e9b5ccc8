#!/bin/bash
# Every path from the kernel into Lua ends within its budget or on a signal
# (lunatik.ko's budget_steps and budget_ms), where a count hook never
# reaches: a pattern that backtracks inside one library call, finalizers
# (packet callbacks, state close, sleepable runtimes, a closing REPL
# session), a coroutine a hook resumed, resume() into a non-sleepable
# runtime, xtables checkentry and destroy (legacy and nft). The per-CPU
# watchdog stops when idle and survives CPU hotplug.
# vm-timeout: 300
set -euo pipefail
. ./testlib.bash

P=/sys/module/lunatik/parameters
NS=vmt-bgt
budget_cleanup() {
	for t in iptables-legacy iptables-nft; do
		$t -F OUTPUT 2>/dev/null || true
	done
	[ ! -w $P/budget_steps ] || { echo 1000000 > $P/budget_steps; echo 1000 > $P/budget_ms; }
	echo 1 > /sys/devices/system/cpu/cpu1/online 2>/dev/null || true
	cleanup
	ip netns del $NS 2>/dev/null || true
}
trap budget_cleanup EXIT
ip netns add $NS
ip -n $NS link set lo up
lunatik load
# Smaller than the default, so that each case is quick under emulation.
echo 200000 > $P/budget_steps
pings() { ip netns exec $NS ping -c "$1" -i 0.2 -W 3 127.0.0.1 2>/dev/null | grep -c 'bytes from' || true; }
logged() { dmesg | grep -c -- "$1" || true; }
# at_least WHAT N PATTERN: PATTERN logged N times or more.
at_least() {
	local n
	for _ in $(seq 100); do
		n=$(logged "$3")
		[ "$n" -lt "$2" ] || break
		sleep 0.1
	done
	[ "$n" -ge "$2" ] || { echo "FAIL $1: logged $n times"; exit 1; }
	echo "ok   $1"
}

# hook_case NAME WHAT BODY: a LOCAL_OUT hook running BODY must be stopped
# with "budget exhausted" at each packet, which still passes.
hook_case() {
	local before
	put_script "budget/$1" <<EOT
local nf = require("netfilter")
hook = nf.register{pf = nf.family.IPV4, hooknum = nf.inet_hooks.LOCAL_OUT, priority = 0,
	hook = function ()
$3
	end}
EOT
	before=$(logged 'netfilter hook: .*budget exhausted (200000 steps)')
	ip netns exec $NS lunatik run "budget/$1" false
	expect "$2: packets pass" 2 "$(pings 2)"
	lunatik stop "budget/$1"
	[ "$(logged 'netfilter hook: .*budget exhausted (200000 steps)')" -gt "$before" ] ||
		{ echo "FAIL $2: no 'budget exhausted' logged"; exit 1; }
	echo "ok   $2: stopped by the budget"
}

hook_case pattern "a backtracking pattern in a hook" \
	'string.find(("a"):rep(3000), (".-"):rep(8) .. "b")'
hook_case rep "an empty string repeated 2^62 times" \
	'local s = string.rep("", 1 << 62)'
hook_case gc "a looping finalizer in a hook" \
	'setmetatable({}, {__gc = function () while true do end end})
	collectgarbage()
	for i = 1, 2 do end'
hook_case coroutine "a loop in a coroutine a hook resumed, the error caught" \
	'while true do
		coroutine.resume(coroutine.create(function () while true do end end))
	end'

# A finalizer that loops when its non-sleepable runtime closes.
put_script budget/closegc <<'EOT'
keep = setmetatable({}, {__gc = function () while true do end end})
EOT
lunatik run budget/closegc false
timeout 60 lunatik stop budget/closegc
echo "ok   a looping finalizer at state close ends"

# resume() into a non-sleepable runtime whose function loops.
put_script budget/resumeloop <<'EOT'
return function () while true do end end
EOT
expect "resume() into a looping non-sleepable runtime" \
	"false	budget exhausted (200000 steps)" \
	"$(lua 'local rt = lunatik.runtime("budget/resumeloop", false) local ok, e = pcall(rt.resume, rt) rt:stop() return ok, (tostring(e):match("budget exhausted.*"))')"

# Sleepable: a looping finalizer while a script loads ends on SIGTERM, and
# leaves /dev/lunatik usable.
put_script budget/sleepgc <<'EOT'
setmetatable({}, {__gc = function () while true do end end})
collectgarbage()
EOT
rc=0; timeout 3 lunatik run budget/sleepgc || rc=$?
expect "SIGTERM ends a looping finalizer of lunatik run" 124 "$rc"
expect "the next command works" "42" "$(timeout 30 lunatik <<<'return 42')"
lunatik stop budget/sleepgc 2>/dev/null || true

# A REPL session whose globals hold a looping finalizer: collected, on a
# budget, when the session ends.
expect "a session ends with a looping finalizer in its globals" "1" \
	"$(timeout 60 lunatik <<<'x = setmetatable({}, {__gc = function () while true do end end}) return 1')"
expect "the next command works" "42" "$(timeout 30 lunatik <<<'return 42')"

# xtables checkentry and destroy that loop, with both backends.
put_script budget/xtcheck <<'EOT'
require("xtable").match{name = "dnsblock", revision = 0,
	match = function () return false end,
	checkentry = function () while true do end end}
EOT
lunatik run budget/xtcheck false
for b in legacy nft; do
	expect_fail "$b: a looping checkentry refuses the rule" "." \
		timeout 60 iptables-$b -A OUTPUT -m dnsblock -j ACCEPT
	expect "$b: no rule was added" "" "$(iptables-$b -S OUTPUT | grep dnsblock || true)"
done
at_least "the refusals say why" 2 'dnsblock: checkentry: .*budget exhausted' 
lunatik stop budget/xtcheck

put_script budget/xtdestroy <<'EOT'
require("xtable").match{name = "dnsblock", revision = 0,
	match = function () return false end,
	destroy = function () while true do end end}
EOT
lunatik run budget/xtdestroy false
for b in legacy nft; do
	iptables-$b -A OUTPUT -m dnsblock -j ACCEPT
	timeout 60 iptables-$b -D OUTPUT -m dnsblock -j ACCEPT
	expect "$b: a looping destroy lets the rule go" "" "$(iptables-$b -S OUTPUT | grep dnsblock || true)"
done
# (nf_tables destroys rules from a worker, after the command returns)
at_least "the destroy errors are logged" 2 'dnsblock: destroy: .*budget exhausted' 
lunatik stop budget/xtdestroy

# The time backstop alone (no step limit), on CPU 1 after it went offline
# and came back; then the per-CPU timers stop once no callback runs.
echo 0 > $P/budget_steps
echo 50 > $P/budget_ms
put_script budget/spin <<'EOT'
local nf = require("netfilter")
hook = nf.register{pf = nf.family.IPV4, hooknum = nf.inet_hooks.LOCAL_OUT, priority = 0,
	hook = function () while true do end end}
EOT
ip netns exec $NS lunatik run budget/spin false
cpu1() { ip netns exec $NS taskset -c 1 ping -c 1 -W 3 127.0.0.1 2>/dev/null | grep -c 'bytes from' || true; }
expect "the time backstop on CPU 1" 1 "$(cpu1)"
echo 0 > /sys/devices/system/cpu/cpu1/online
expect "CPU 0 alone" 2 "$(pings 2)"
echo 1 > /sys/devices/system/cpu/cpu1/online
expect "CPU 1 back: the time backstop still stops a loop there" 1 "$(cpu1)"
expect "and again" 1 "$(cpu1)"
lunatik stop budget/spin
grep -q 'netfilter hook: .*budget exhausted (50 ms)' <<<"$(dmesg)"
echo "ok   the time backstop is logged"
timers() { grep -cE 'lunatik_watchdog|luapacket_watchdog' /proc/timer_list || true; }
for _ in $(seq 50); do [ "$(timers)" = 0 ] && break; sleep 0.1; done
expect "no watchdog timer runs once no callback does" 0 "$(timers)"

expect "an ordinary chunk still runs" "reachable" "$(lua 'return "reachable"')"
kernel_clean
