#!/bin/bash
# A packet callback that never ends is stopped by the time budget (the
# luapacket module's time_budget_ms): the packet gets the fail verdict, the
# error is logged and counted, the system stays up, and so does a script that
# catches the error and tries to go on looping.
# vm-timeout: 120
set -euo pipefail
. ./testlib.bash

NS=vmt-bud
cleanup_net() {
	cleanup
	ip netns del $NS 2>/dev/null || true
}
trap cleanup_net EXIT
ip netns add $NS
ip -n $NS link set lo up
pings() { ip netns exec $NS ping -c "$1" -i 0.2 -W 2 127.0.0.1 2>/dev/null | grep -c 'bytes from' || true; }
expect "the budget's default" "100" "$(cat /sys/module/luanetfilter/parameters/time_budget_ms 2>/dev/null || { modprobe luanetfilter; cat /sys/module/luanetfilter/parameters/time_budget_ms; })"

put_script budget/spin <<'EOT'
local nf = require("netfilter")
hook = nf.register{pf = nf.family.IPV4, hooknum = nf.inet_hooks.LOCAL_OUT, priority = 0,
	hook = function ()
		while true do end
	end}
EOT
ip netns exec $NS lunatik run budget/spin false
expect "packets pass (the fail verdict is ACCEPT)" "3" "$(pings 3)"
grep -q 'time budget exhausted (100 ms)' <<<"$(dmesg)"
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

# A smaller budget applies at once; the system answers throughout.
echo 20 > /sys/module/luanetfilter/parameters/time_budget_ms
ip netns exec $NS lunatik run budget/spin false
expect "with 20 ms" "3" "$(pings 3)"
grep -q 'time budget exhausted (20 ms)' <<<"$(dmesg)"
echo "ok   the budget is a parameter"
lunatik stop budget/spin
echo 100 > /sys/module/luanetfilter/parameters/time_budget_ms
expect "an ordinary callback still runs" "reachable" "$(lua 'return "reachable"')"
kernel_clean
