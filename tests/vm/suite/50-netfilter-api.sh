#!/bin/bash
# require("netfilter"): constants, argument checks, where registration is
# allowed, verdicts and marks, unregister, stop, errors kept safe and logged
# at a bounded rate.
# vm-timeout: 180
set -euo pipefail
. ./testlib.bash

NS=vmt-nf PEER=vmt-nfp
cleanup_net() {
	cleanup
	ip netns del $NS 2>/dev/null || true
	ip netns del $PEER 2>/dev/null || true
}
trap cleanup_net EXIT
ip netns add $NS
ip netns add $PEER
ip link add va netns $NS type veth peer name vb netns $PEER
ip -n $NS addr add 10.9.0.1/24 dev va
ip -n $PEER addr add 10.9.0.2/24 dev vb
ip -n $NS link set va up
ip -n $PEER link set vb up
ip -n $NS link set lo up
in_ns() { ip netns exec $NS "$@"; }
pings() { in_ns ping -c 1 -W 1 10.9.0.2 >/dev/null 2>&1 && echo reachable || echo unreachable; }
expect "peer reachable" reachable "$(pings)"

expect "constants" "$(printf '1\t2\t3\t5\t7\t10\t0\t1\t3\t4294967295\t-5\t3\t5\t2\t1\t0\t-150\t-200\t-2147483648')" \
	"$(lua 'local nf = require("netfilter") local f, a = nf.family, nf.action return f.INET, f.IPV4, f.ARP, f.NETDEV, f.BRIDGE, f.IPV6, a.DROP, a.ACCEPT, a.QUEUE, a.CONTINUE, a.RETURN,
nf.inet_hooks.LOCAL_OUT, nf.inet_hooks.INGRESS, nf.arp_hooks.FORWARD, nf.netdev_hooks.EGRESS, nf.bridge_hooks.PRE_ROUTING, nf.ip_priority.MANGLE, nf.bridge_priority.FILTER_BRIDGED, nf.ip_priority.FIRST')"

reg() { lua "local nf = require('netfilter') return nf.register{$1}"; }
expect_fail "pf required" "'pf' is required" reg 'hooknum = 0, priority = 0, hook = print'
expect_fail "priority required" "'priority' is required" reg 'pf = 2, hooknum = 0, hook = print'
expect_fail "integer fields" "'hooknum' must be an integer" reg 'pf = 2, hooknum = "x", priority = 0, hook = print'
expect_fail "hook required" "'hook' must be a function" reg 'pf = 2, hooknum = 0, priority = 0'
expect_fail "ipv4 hook number" "hook 5 is not available for family 2" reg 'pf = 2, hooknum = 5, priority = 0, hook = print'
expect_fail "bridge has no BROUTING here" "hook 5 is not available for family 7" reg 'pf = 7, hooknum = 5, priority = 0, hook = print'
expect_fail "arp hook number" "hook 3 is not available for family 3" reg 'pf = 3, hooknum = 3, priority = 0, hook = print'
expect_fail "netdev needs a device" "without a device" reg 'pf = 5, hooknum = 0, priority = 0, hook = print'
expect_fail "ipv4 takes no device" "with a device" reg 'pf = 2, hooknum = 0, priority = 0, hook = print, dev = "lo"'
expect_fail "unknown family" "not available for family 4" reg 'pf = 4, hooknum = 0, priority = 0, hook = print'
expect_fail "mark range" "'mark' out of range" reg 'pf = 2, hooknum = 0, priority = 0, hook = print, mark = -1'
expect_fail "sleepable runtime" "need a non-sleepable runtime" reg 'pf = 2, hooknum = 0, priority = 0, hook = print'

put_script nftest/nodev <<'EOF2'
local nf = require("netfilter")
nf.register{pf = nf.family.NETDEV, hooknum = nf.netdev_hooks.INGRESS, priority = 0,
	dev = "nosuchdev0", hook = function () return nf.action.ACCEPT end}
EOF2
expect_fail "unknown device" "no device 'nosuchdev0' in this namespace" lunatik run nftest/nodev false
expect "nothing left running" "" "$(lunatik list)"

# Drop ICMP to the peer; stopping the script restores it.
put_script nftest/drop <<'EOF2'
local nf = require("netfilter")
local function icmp(d) return d:getbyte(0) >> 4 == 4 and d:getbyte(9) == 1 end
-- registered and unregistered at once: it must not act
local gone = nf.register{pf = nf.family.IPV4, hooknum = nf.inet_hooks.LOCAL_OUT, priority = 0,
	hook = function () return nf.action.DROP end}
gone:unregister()
gone:unregister()
hook = nf.register{pf = nf.family.IPV4, hooknum = nf.inet_hooks.LOCAL_OUT, priority = 0,
	hook = function (d) return icmp(d) and nf.action.DROP or nf.action.ACCEPT end}
return function (what)
	if what == "unregister" then
		return pcall(hook.unregister, hook)
	end
	return hook:stats()
end
EOF2
in_ns lunatik run nftest/drop false
expect "DROP drops" unreachable "$(pings)"
expect "the init namespace is not touched" reachable "$(ping -c 1 -W 1 127.0.0.1 >/dev/null 2>&1 && echo reachable)"
lunatik stop nftest/drop
expect "stop restores" reachable "$(pings)"

# resume runs under the runtime's spinlock: unregister must refuse there.
expect "unregister refused in atomic context" "$(printf 'false\tnetfilter: cannot unregister a hook in atomic context')" \
	"$(printf 'rt = lunatik.runtime("nftest/drop", false)\nreturn rt:resume("unregister")\nrt:stop()\n' | ip netns exec $NS lunatik | sed 's/^false\t.*: netfilter/false\tnetfilter/')"

# A new mark, and mark filtering: only the marked packets reach the second hook.
put_script nftest/mark <<'EOF2'
local nf = require("netfilter")
local A = nf.action
local function icmp(d) return d:getbyte(0) >> 4 == 4 and d:getbyte(9) == 1 end
local marked, unmarked = 0, 0
nf.register{pf = nf.family.IPV4, hooknum = nf.inet_hooks.LOCAL_OUT, priority = -10,
	hook = function (d) if icmp(d) then return A.ACCEPT, 7 end return A.ACCEPT end}
nf.register{pf = nf.family.IPV4, hooknum = nf.inet_hooks.LOCAL_OUT, priority = 10, mark = 7,
	hook = function (d) if icmp(d) then marked = marked + 1 end return A.CONTINUE end}
nf.register{pf = nf.family.IPV4, hooknum = nf.inet_hooks.LOCAL_OUT, priority = 20,
	hook = function (d) if icmp(d) then unmarked = unmarked + 1 end return A.ACCEPT end}
print("nftest ready")
return function () return marked, unmarked end
EOF2
# ready: how many scripts said so in the kernel log (a script prints "nftest ready" last).
ready() { dmesg | grep -c 'nftest ready' || true; }
# wait_ready N: until more than N have; the runtime's hooks act once its script has returned.
wait_ready() { for _ in $(seq 100); do [ "$(ready)" -gt "$1" ] && break; sleep 0.1; done; sleep 0.3; }
# session SCRIPT CMD...: start SCRIPT from a REPL in the namespace, run CMD, print rt:resume().
session() { local n; n=$(ready); { echo "rt = lunatik.runtime('$1', false)"; wait_ready "$n"; shift; "$@" >/dev/null 2>&1 || true; echo 'return rt:resume()'; echo 'rt:stop()'; } | in_ns lunatik 2>&1; }
expect "and the runtime is gone with it" reachable "$(pings)"
expect "marked packets reach the mark hook only" "$(printf '3\t0')" "$(session nftest/mark in_ns ping -c 3 -i 0.2 -W 1 10.9.0.2)"

# Errors and bad results: the packet goes on, the log is bounded, the counters count.
put_script nftest/errors <<'EOF2'
local nf = require("netfilter")
local n = 0
local results = {
	function () error("nftest boom") end,
	function () return "x" end,
	function () return 7 end,
	function () return nf.action.STOLEN end,
	function () return nf.action.ACCEPT, "m" end,
	function () end,
}
local h = nf.register{pf = nf.family.IPV4, hooknum = nf.inet_hooks.LOCAL_OUT, priority = 0,
	hook = function (d)
		if d:getbyte(9) ~= 1 then return nf.action.ACCEPT end
		n = n + 1
		return results[n % #results + 1]()
	end}
local hdr = nf.register{pf = nf.family.IPV4, hooknum = nf.inet_hooks.LOCAL_IN, priority = 0,
	hook = function (d) return d:getbyte(100000) end}
print("nftest ready")
return function () local c, e = h:stats() local c2, e2 = hdr:stats() return c, e, c2 == e2 and c2 > 0 end
EOF2
dmesg -c >/dev/null
expect "errors keep the packets flowing, each counted" "$(printf '30\t30\ttrue')" \
	"$(session nftest/errors in_ns ping -c 30 -i 0.2 -W 1 10.9.0.2)"
sleep 1
logged=$(dmesg | grep -c 'netfilter hook:' || true)
echo "log lines: $logged"
# 60 errors in about 6 s from 2 hooks: at most 10 lines per 5 s per hook, so 40.
[ "$logged" -ge 10 ] && [ "$logged" -le 40 ] || { echo "FAIL log lines not bounded: $logged"; exit 1; }
echo "ok   log lines bounded ($logged for 60 errors)"
grep -q 'netfilter hook: .*nftest boom' <<<"$(dmesg)"
echo "ok   the error is logged"
grep -q 'not a verdict\|invalid verdict' <<<"$(dmesg)"
echo "ok   bad verdicts are logged"
# each kind of bad result, named (the first six errors cycle through them)
for m in 'hook returned string, not a verdict' 'hook returned nil, not a verdict' \
	'hook returned an invalid verdict (7)' 'hook returned an invalid verdict (2)' \
	'hook returned string, not a mark'; do
	grep -qF "$m" <<<"$(dmesg)" || { echo "FAIL not logged: $m"; exit 1; }
done
echo "ok   each bad result is named"
expect "peer still reachable" reachable "$(pings)"
kernel_clean
