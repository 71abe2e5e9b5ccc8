#!/bin/bash
# A packet callback that never ends is stopped by the budget (lunatik.ko's
# budget_steps, with budget_ms as a time backstop): the packet gets the
# fail verdict, the error is logged and counted, the system stays up, and
# so does a script that catches the error and tries to go on looping.
# vm-timeout: 120
set -euo pipefail
. ./testlib.bash

P=/sys/module/lunatik/parameters
NS=vmt-bud
cleanup_net() {
	[ ! -w $P/budget_steps ] || { echo 1000000 > $P/budget_steps; echo 1000 > $P/budget_ms; }
	cleanup
	ip netns del $NS 2>/dev/null || true
}
trap cleanup_net EXIT
ip netns add $NS
ip -n $NS link set lo up
pings() { ip netns exec $NS ping -c "$1" -i 0.2 -W 3 127.0.0.1 2>/dev/null | grep -c 'bytes from' || true; }
modprobe lunatik
expect "the step budget's default" "1000000" "$(cat $P/budget_steps)"
expect "the time backstop's default" "1000" "$(cat $P/budget_ms)"

put_script budget/spin <<'EOT'
local nf = require("netfilter")
hook = nf.register{pf = nf.family.IPV4, hooknum = nf.inet_hooks.LOCAL_OUT, priority = 0,
	hook = function ()
		while true do end
	end}
EOT
ip netns exec $NS lunatik run budget/spin false
expect "packets pass (the fail verdict is ACCEPT)" "3" "$(pings 3)"
grep -q 'netfilter hook: .*budget exhausted (1000000 steps)' <<<"$(dmesg)"
echo "ok   the loop is stopped and logged"
lunatik stop budget/spin

put_script budget/stubborn <<'EOT'
local nf = require("netfilter")
hook = nf.register{pf = nf.family.IPV4, hooknum = nf.inet_hooks.LOCAL_OUT, priority = 0,
	hook = function ()
		while true do
			pcall(function () while true do end end)
		end
	end}
EOT
ip netns exec $NS lunatik run budget/stubborn false
expect "a script that catches the error is stopped too" "2" "$(pings 2)"
lunatik stop budget/stubborn

# Smaller budgets apply at once; the system answers throughout.
echo 1000 > $P/budget_steps
ip netns exec $NS lunatik run budget/spin false
expect "with 1000 steps" "3" "$(pings 3)"
grep -q 'budget exhausted (1000 steps)' <<<"$(dmesg)"
echo "ok   the step budget is a parameter"
echo 0 > $P/budget_steps
echo 20 > $P/budget_ms
expect "with no step limit, 20 ms" "3" "$(pings 3)"
grep -q 'budget exhausted (20 ms)' <<<"$(dmesg)"
echo "ok   the time backstop is a parameter"
lunatik stop budget/spin
echo 1000000 > $P/budget_steps
echo 1000 > $P/budget_ms
expect "an ordinary callback still runs" "reachable" "$(lua 'return "reachable"')"
kernel_clean
