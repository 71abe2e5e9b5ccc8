#!/bin/bash
# Per-CPU runtimes (lunatik run <script> softirq percpu): one state per
# possible CPU, each running the script; a netfilter hook and an xtables
# match registered once, each CPU's packets calling its own state. Pings
# pinned to each CPU (taskset) are counted by each state's own globals; a
# UDP datagram from each CPU makes that CPU's state report its counts, and
# the hook's stats() sum the calls of both. checkentry and destroy run in
# every state. A script that registers differently on one CPU fails as a
# whole and leaves nothing; stop leaves nothing either.
# vm-timeout: 240
set -euo pipefail
. ./testlib.bash

NS=pcpu
t_cleanup() {
	ip netns exec $NS iptables-legacy -F INPUT 2>/dev/null || true
	ip link del pcpu-h 2>/dev/null || true
	ip netns del $NS 2>/dev/null || true
	cleanup
}
trap t_cleanup EXIT

ncpus=$(nproc --all)
possible=$(cat /sys/devices/system/cpu/possible)
[ "$ncpus" -ge 2 ] || { echo "FAIL this test needs 2 CPUs, the VM has $ncpus"; exit 1; }
echo "CPUs: $ncpus online, possible $possible"
last=${possible##*-}

lunatik load
ip netns add $NS
ip link add pcpu-h type veth peer name pcpu-s netns $NS
ip addr add 10.248.0.1/24 dev pcpu-h
ip -n $NS addr add 10.248.0.2/24 dev pcpu-s
ip link set pcpu-h up
ip -n $NS link set pcpu-s up

# The state's CPU, its own counts, and what the shared hook counted in all.
put_script pcpu/counters <<'EOF'
local lunatik = require("lunatik")
local nf = require("netfilter")
local xtable = require("xtable")
local cpu = lunatik.cpu()
local pings, matched, rules, hook = 0, 0, 0

hook = nf.register{
	pf = nf.family.IPV4,
	hooknum = nf.inet_hooks.LOCAL_IN,
	priority = nf.ip_priority.FILTER,
	hook = function (skb)
		local proto = skb:getuint8(9)
		if proto == 1 then
			pings = pings + 1
		elseif proto == 17 then
			local calls, errors = hook:stats()
			print(string.format("pcpu hook: state %d: pings %d, calls %d, errors %d",
				cpu, pings, calls, errors))
		end
		return nf.action.ACCEPT
	end,
}

-- Borrows libxt_dnsblock's name and options: --domain count|report.
xtable.match{
	name = "dnsblock",
	revision = 0,
	checkentry = function (args)
		rules = rules + 1
	end,
	destroy = function (args)
		rules = rules - 1
		print(string.format("pcpu destroy: state %d: %s", cpu, args.domain[1]))
	end,
	match = function (skb, par, args)
		if args.domain[1] == "count" then
			matched = matched + 1
		else
			print(string.format("pcpu match: state %d: matched %d, rules %d",
				cpu, matched, rules))
		end
		return true
	end,
}
print(string.format("pcpu loaded: state %d", cpu))
EOF

ip netns exec $NS lunatik run pcpu/counters softirq percpu
for c in $(seq 0 "$last"); do
	expect "state $c loaded" 1 "$(nlog "pcpu loaded: state $c\$")"
done
expect "listed once, by name" "pcpu/counters" "$(lunatik list)"
expect_fail "a second run" "already running" lunatik run pcpu/counters softirq percpu
expect "lunatik.cpu() outside a per-CPU runtime" "nil" "$(lua 'return lunatik.cpu()')"

ipt() { ip netns exec $NS iptables-legacy "$@"; }
ipt -A INPUT -p icmp -m dnsblock --domain count -j ACCEPT
# ACCEPT: iptables' hook (newer, same priority) runs before the Lua hook, which must see it too.
ipt -A INPUT -p udp --dport 9 -m dnsblock --domain report -j ACCEPT

# Pings from CPU 0 and CPU 1: veth receives in the sender's softirq, on its CPU.
taskset -c 0 ping -q -c 7 -i 0.02 -W 2 10.248.0.2 >/dev/null
taskset -c 1 ping -q -c 12 -i 0.02 -W 2 10.248.0.2 >/dev/null
report() { taskset -c "$1" bash -c 'echo report >/dev/udp/10.248.0.2/9'; }
report 0
wait_log "pcpu hook: state 0:"
wait_log "pcpu match: state 0:"
report 1
wait_log "pcpu hook: state 1:"
wait_log "pcpu match: state 1:"
dmesg | grep "pcpu \(hook\|match\)"
# The second report came after 19 pings and the first report: 21 calls in all.
expect "CPU 0's state counted CPU 0's pings" "pcpu hook: state 0: pings 7, calls 20, errors 0" \
	"$(dmesg | grep -o 'pcpu hook: state 0:.*')"
expect "CPU 1's state counted CPU 1's pings, stats() sum both CPUs" \
	"pcpu hook: state 1: pings 12, calls 21, errors 0" "$(dmesg | grep -o 'pcpu hook: state 1:.*')"
expect "CPU 0's match" "pcpu match: state 0: matched 7, rules 2" \
	"$(dmesg | grep -o 'pcpu match: state 0:.*')"
expect "CPU 1's match" "pcpu match: state 1: matched 12, rules 2" \
	"$(dmesg | grep -o 'pcpu match: state 1:.*')"
expect "the rule counted the pings of both CPUs" 19 \
	"$(ipt -L INPUT -v -n -x | awk 'NR == 3 { print $1 }')"

# iptables-legacy replaced the table for the second rule: the first one's
# copy was destroyed then (once per state), both rules now.
ipt -F INPUT
for c in $(seq 0 "$last"); do
	expect "destroy ran in state $c for the count rule (twice)" 2 \
		"$(nlog "pcpu destroy: state $c: count")"
	expect "destroy ran in state $c for the report rule" 1 \
		"$(nlog "pcpu destroy: state $c: report")"
done

lunatik stop pcpu/counters
expect "stopped: nothing listed" "" "$(lunatik list)"
expect_fail "the match went with the script" "." ipt -A INPUT -m dnsblock --domain x -j ACCEPT
before=$(nlog "pcpu hook:")
taskset -c 1 ping -q -c 2 -i 0.02 -W 2 10.248.0.2 >/dev/null
report 1
report 0
sleep 0.5
expect "the hook went with the script" "$before" "$(nlog "pcpu hook:")"

# Registering another hook on CPU 1 than on CPU 0: the run fails, nothing stays.
put_script pcpu/uneven <<'EOF'
local lunatik = require("lunatik")
local nf = require("netfilter")
nf.register{
	pf = nf.family.IPV4,
	hooknum = nf.inet_hooks.LOCAL_IN,
	priority = nf.ip_priority.FILTER + lunatik.cpu(),
	hook = function (skb)
		print("pcpu uneven: called")
		return nf.action.ACCEPT
	end,
}
EOF
expect_fail "a script registering another hook on CPU 1" "CPU 1 registers another hook" \
	ip netns exec $NS lunatik run pcpu/uneven false percpu
expect "the failed run left nothing listed" "" "$(lunatik list)"
taskset -c 0 ping -q -c 2 -i 0.02 -W 2 10.248.0.2 >/dev/null
expect "the first CPU's hook was removed" 0 "$(nlog "pcpu uneven: called")"

# A sleepable per-CPU runtime cannot take packet callbacks.
expect_fail "packet hooks in a sleepable per-CPU runtime" "non-sleepable" \
	ip netns exec $NS lunatik run pcpu/counters percpu
expect "nothing listed" "" "$(lunatik list)"

lunatik unload
expect "every module unloaded" 0 "$(lsmod | grep -c '^lua\|^lunatik' || true)"
kernel_clean
echo "per-CPU runtimes: ok"
