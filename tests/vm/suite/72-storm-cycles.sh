#!/bin/bash
# Figures for the README's "Guarantees and limits": (1) a storm of
# malformed DNS (random bytes and lengths, truncated headers, bad label
# lengths, compression loops, lying counts, flipped bits; tests/vm/suite/
# dnsstorm.py) through every example backend at once: dnsblock as an
# xtables match (legacy and nft rules), nf_dnsblock, dnsdoctor as an
# xtables target (legacy and nft rules) and nf_dnsdoctor; no error is
# logged, nothing oopses, and each backend, alone, still filters or
# rewrites afterwards; nf_dnsdoctor's log lines are rate-limited while its
# counter counts every rewrite. (2) stop/run/rule cycles under traffic,
# filtering checked right after each start. VMT72_STORM (5,000) and
# VMT72_CYCLES (20) change the sizes. It prints packets sent,
# cycles, MemAvailable and Slab before and after, and each runtime's
# memory (collectgarbage("count"), after a full collection) before and
# after the storm.
# vm-timeout: 600
set -euo pipefail
. ./testlib.bash

STORM=${VMT72_STORM:-5000}	# malformed packets per direction
CYCLES=${VMT72_CYCLES:-20}
storm_cleanup() {
	set +e
	[ -z "${traffic_pid:-}" ] || kill "$traffic_pid" 2>/dev/null
	exec 7>&- 2>/dev/null
	[ -z "${repl_pid:-}" ] || wait "$repl_pid" 2>/dev/null
	for t in iptables-legacy iptables-nft; do
		$t -F OUTPUT 2>/dev/null
		$t -t mangle -F PREROUTING 2>/dev/null
	done
	ip addr del 10.1.1.2/32 dev lo 2>/dev/null
	rm -f /tmp/vmt72.*
	cleanup
}
trap storm_cleanup EXIT
py() { python3 ./dnsstorm.py "$@"; }
meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
mem() {	# mem LABEL: MemAvailable and Slab (kB), after dropping caches
	sync
	echo 3 >/proc/sys/vm/drop_caches
	echo "figures: $1: MemAvailable $(meminfo MemAvailable) kB, Slab $(meminfo Slab) kB" \
		"(SUnreclaim $(meminfo SUnreclaim) kB)"
}
errors() { nlog '(xtable (dnsblock|dnsdoctor)|netfilter hook): |budget exhausted|not enough memory'; }

lunatik load
ip link set lo up
ip addr add 10.1.1.2/32 dev lo	# dnsdoctor's client (config.lua), reached over lo
mem "start"
err0=$(errors)

# The four runtimes, made by one REPL session that reads its lines from a
# fifo, so that it can resume them (their memory, nf_dnsdoctor's
# counters) and print to the log as it goes.
for s in dnsblock/dnsblock dnsblock/nf_dnsblock dnsdoctor/dnsdoctor dnsdoctor/nf_dnsdoctor; do
	put_script "vmt72/${s#*/}" <<EOT
local count = require("examples.${s/\//.}")
-- resume() goes on from the last yield
return function ()
	while true do
		collectgarbage()
		local m = collectgarbage("count")
		if type(count) == "function" then
			coroutine.yield(m, count())
		else
			coroutine.yield(m)
		end
	end
end
EOT
done
mkfifo /tmp/vmt72.repl
lunatik </tmp/vmt72.repl >/tmp/vmt72.replout 2>&1 &
repl_pid=$!
exec 7>/tmp/vmt72.repl
R() { printf '%s\n' "$1" >&7; }
rtmem() {	# rtmem TAG: each runtime's memory to the log, in one line
	R "print(string.format('vmt72 $1 dnsblock %d nf_dnsblock %d dnsdoctor %d nf_dnsdoctor %d', rt.dnsblock:resume(), rt.nf_dnsblock:resume(), rt.dnsdoctor:resume(), (rt.nf_dnsdoctor:resume())))"
	wait_log "vmt72 $1 "
	echo "figures: runtimes $1 the storm (bytes):$(dmesg | sed -n "s/.*vmt72 $1//p" | tail -1)"
}
R 'rt = {}'
for s in dnsblock nf_dnsblock dnsdoctor nf_dnsdoctor; do
	R "rt.$s = lunatik.runtime('vmt72/$s', false)"
done
R "print('vmt72 ready')"
wait_log "vmt72 ready"
rtmem before
for b in legacy nft; do
	iptables-$b -A OUTPUT -p udp --dport 53 -m dnsblock -j DROP
	iptables-$b -t mangle -A PREROUTING -p udp --sport 53 -j dnsdoctor
done
expect "blocked before the storm" blocked "$(py ask github.com)"
expect "rewritten before the storm" 10.1.2.3 "$(py rewrite)"

# (1) the storm
t0=$(date +%s)
q=$(py query "$STORM" 1)
t1=$(date +%s)
a=$(py answer "$STORM" 2)
t2=$(date +%s)
echo "figures: storm: queries $q in $((t1 - t0)) s, answers $a in $((t2 - t1)) s"
for b in legacy nft; do
	echo "figures: $b rule counters: dnsblock DROP $(iptables-$b -L OUTPUT -v -n -x 2>/dev/null | awk '/dnsblock/ { print $1 }')," \
		"dnsdoctor $(iptables-$b -t mangle -L PREROUTING -v -n -x 2>/dev/null | awk '/dnsdoctor/ { print $1 }')"
done
read -r _ qsent _ qrefused <<<"$q"
expect "every malformed query went out or was dropped" "$STORM" $((qsent + qrefused))
expect "every malformed answer went out" "sent $STORM refused 0" "$a"
expect "no Lua error, budget or memory error logged" "$err0" "$(errors)"
kernel_clean
rtmem after	# all four still run

# Each backend alone still filters.
blk() { expect "after the storm, $1 alone blocks" blocked "$(py ask api.github.com)"; }
iptables-legacy -D OUTPUT -p udp --dport 53 -m dnsblock -j DROP
iptables-nft -D OUTPUT -p udp --dport 53 -m dnsblock -j DROP
blk nf_dnsblock
R "rt.nf_dnsblock:stop() print('vmt72 stopped nf_dnsblock')"
wait_log "vmt72 stopped nf_dnsblock"
expect "nothing blocks then" passed "$(py ask api.github.com)"
for b in legacy nft; do
	iptables-$b -A OUTPUT -p udp --dport 53 -m dnsblock -j DROP
	blk "the $b rule"
	iptables-$b -D OUTPUT -p udp --dport 53 -m dnsblock -j DROP
done
rw() { expect "after the storm, $1 alone rewrites" 10.1.2.3 "$(py rewrite)"; }
for b in legacy nft; do iptables-$b -t mangle -D PREROUTING -p udp --sport 53 -j dnsdoctor; done
rw nf_dnsdoctor
# nf_dnsdoctor's log: rate-limited (10 lines per 5 s), its counter has them all.
counted() {	# counted TAG: nf_dnsdoctor's counters (answers, records)
	R "print(string.format('vmt72 counted $1 %d %d', select(2, rt.nf_dnsdoctor:resume())))"
	wait_log "vmt72 counted $1 "
	dmesg | sed -n "s/.*vmt72 counted $1 //p" | tail -1
}
c0=$(counted a)
pat='dnsdoctor: lunatik.com 192.168.10.1 -> 10.1.2.3'
l0=$(nlog "$pat")
t1=$(date +%s)
expect "300 answers rewritten in a row" 10.1.2.3 "$(py rewrite 300)"
c1=$(counted b)
expect "nf_dnsdoctor counts every rewritten answer and record" "$((${c0% *} + 300)) $((${c0#* } + 300))" "$c1"
lines=$(($(nlog "$pat") - l0)) allowed=$((10 * (($(date +%s) - t1) / 5 + 2)))
[ "$lines" -ge 1 ] && [ "$lines" -le "$allowed" ] ||
	{ echo "FAIL $lines log lines for 300 rewrites (at most $allowed)"; exit 1; }
echo "ok   nf_dnsdoctor logged $lines lines for 300 rewrites (rate-limited), counted them all ($c1)"
R "rt.nf_dnsdoctor:stop() print('vmt72 stopped nf_dnsdoctor')"
wait_log "vmt72 stopped nf_dnsdoctor"
expect "nothing rewrites then" 192.168.10.1 "$(py rewrite)"
for b in legacy nft; do
	iptables-$b -t mangle -A PREROUTING -p udp --sport 53 -j dnsdoctor
	rw "the $b rule"
	iptables-$b -t mangle -D PREROUTING -p udp --sport 53 -j dnsdoctor
done
exec 7>&-
wait "$repl_pid" || { cat /tmp/vmt72.replout; exit 1; }
repl_pid=
mem "after the storm"

# (2) stop/run/rule cycles under traffic: a query for a blocked name must
# be dropped right after each start.
q_gh='\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x06github\x03com\x00\x00\x01\x00\x01'
dropped() {	# the write fails with EPERM: dropped at OUTPUT
	local out
	out=$( (exec 4>/dev/udp/127.0.0.1/53 && printf "$q_gh" >&4) 2>&1 ) || true
	[[ $out == *"Operation not permitted"* ]]
}
# python3 itself in the background, so that kill reaches it
python3 ./dnsstorm.py traffic >/tmp/vmt72.traffic 2>&1 &
traffic_pid=$!
t0=$(date +%s)
for i in $(seq "$CYCLES"); do
	b=legacy
	[ $((i % 2)) -eq 0 ] || b=nft
	lunatik run examples/dnsblock/nf_dnsblock false
	dropped || { echo "FAIL cycle $i: nf_dnsblock did not block right after its start"; dmesg | tail; exit 1; }
	lunatik stop examples/dnsblock/nf_dnsblock
	! dropped || { echo "FAIL cycle $i: still blocked after the stop"; exit 1; }
	lunatik run examples/dnsblock/dnsblock false
	iptables-$b -A OUTPUT -p udp --dport 53 -m dnsblock -j DROP
	dropped || { echo "FAIL cycle $i: the $b rule did not block"; exit 1; }
	lunatik stop examples/dnsblock/dnsblock	# the rule stays, unbound
	lunatik run examples/dnsblock/dnsblock false
	dropped || { echo "FAIL cycle $i: the $b rule did not block right after the script's restart"; exit 1; }
	iptables-$b -D OUTPUT -p udp --dport 53 -m dnsblock -j DROP
	lunatik stop examples/dnsblock/dnsblock
done
secs=$(($(date +%s) - t0))
kill "$traffic_pid"
wait "$traffic_pid" || true
traffic_pid=
echo "ok   $CYCLES cycles, each blocking right after every start"
echo "figures: cycles: $CYCLES (each: nf_dnsblock run/stop, dnsblock run, rule added, stop, run, rule deleted, stop) in ${secs} s, under $(sed "s/^sent //" /tmp/vmt72.traffic) background queries"
expect "no Lua error, budget or memory error logged" "$err0" "$(errors)"
expect "no rule holds luaxtable" 0 "$(cat /sys/module/luaxtable/parameters/rules)"
mem "after the cycles"
kernel_clean
