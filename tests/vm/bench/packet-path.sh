#!/bin/bash
# Packet-path bench, run in the guest by tests/vm/bench/run (which stages it
# as a test beside udpblast, nfnull.ko, libxt_luabench.so, lua/ and
# bench.conf). Each case puts CALLS hooks or rules in the packet's way
# (bench.conf; 1 unless --calls), so that one call's cost can be lifted
# above the emulator's noise. UDP from the root namespace to a receiver in a namespace over
# veth, for each case below; every case is measured ROUNDS times and the
# rounds are interleaved (a b c d e f, a b c ...), so that a slow stretch of
# the emulator hits every case alike. Every measurement gets a fresh
# namespace: tables and hooks a case leaves in a namespace (iptable_filter's
# hooks stay as long as the namespace does) must not tax the next case.
# vm-timeout: @TIMEOUT@
set -euo pipefail
cd "$(dirname "$0")"
# PACKETS, ROUNDS, CALLS, CLOCK (icount: a guest nanosecond is an instruction)
. ./bench.conf

NS=bench-rx
ADDR=10.77.0.2
PORT=9000
SIZE=64
LUA_DIR=/lib/modules/lua
# the receiver on the second CPU when there is one
RXCPU=$(($(nproc) > 1 ? 1 : 0))
XTDIR=$(pkg-config --variable=xtlibdir xtables)
CASES=(a b c d e f g h i)
CASES+=(p)	# the per-CPU runtime (TITLE[p], case_on/case_off p)
[ -z "${ONLY:-}" ] || read -ra CASES <<<"$ONLY"	# tests/vm/bench/run --cases
declare -A TITLE=(
	[a]="no rule or hook"
	[b]="empty native hook (nfnull.ko)"
	[c]="Lua netfilter hook, ACCEPT"
	[d]="Lua xtables match, false (legacy)"
	[e]="Lua xtables match, false (nft)"
	[f]="dnsblock match, non-DNS (legacy)"
	[g]="native match -m mark, false (legacy)"
	# XDP (generic) on the receiver's veth: one program, one call a packet
	[h]="XDP program, PASS (no kfunc call)"
	[i]="XDP program, Lua callback PASS"
	[p]="Lua netfilter hook per-CPU, ACCEPT"
)
declare -A PPS=() GOT=()
problems=()

cleanup() {
	ip link del bench0 2>/dev/null || true
	ip netns del $NS 2>/dev/null || true
	lunatik stop bench/luahook 2>/dev/null || true
	lunatik stop bench/luabench 2>/dev/null || true
	lunatik stop examples/dnsblock/dnsblock 2>/dev/null || true
	lunatik stop bench/xdp 2>/dev/null || true
	lunatik unload 2>/dev/null || true
	rmmod nfnull 2>/dev/null || true
	rm -rf "$LUA_DIR/bench" "$XTDIR/libxt_luabench.so"
}
trap cleanup EXIT

# problem TEXT: note a failed check; the bench goes on and fails at the end,
# so that one bad case still leaves the numbers of the others.
problem() {
	problems+=("$1")
	echo "PROBLEM $1"
}

install -d "$LUA_DIR/bench"
install -m 0644 lua/*.lua "$LUA_DIR/bench/"
echo "return $CALLS" >"$LUA_DIR/bench/calls.lua"
install -m 0644 libxt_luabench.so "$XTDIR/"
# Load everything up front: no measured case pays for loading a module.
lunatik load
modprobe -a veth x_tables ip_tables iptable_filter nf_tables nft_compat xt_mark

ns_up() {
	ip netns add $NS
	ip link add bench0 type veth peer name bench1 netns $NS
	ip addr add 10.77.0.1/24 dev bench0
	ip -n $NS addr add $ADDR/24 dev bench1
	ip link set bench0 up
	ip -n $NS link set bench1 up
	ip -n $NS link set lo up
}

# Deleting the link first: the namespace itself goes asynchronously, and the
# next ns_up must find the name bench0 free.
ns_down() {
	ip link del bench0
	ip netns del $NS
}

in_ns() { ip netns exec $NS "$@"; }

# policy_packets CMD: the INPUT policy counter of CMD (iptables-legacy/-nft).
policy_packets() {
	in_ns "$1" -L INPUT -n -v -x | sed -n '1s/.*policy ACCEPT \([0-9]*\) packets.*/\1/p'
}
# rule_packets CMD: the first INPUT rule's counter.
rule_packets() {
	in_ns "$1" -L INPUT -n -v -x | awk 'NR == 3 { print $1 }'
}

# rules CMD MATCH...: CALLS rules "-m MATCH... -j DROP" in the namespace's INPUT.
rules() {
	local ipt=$1 i
	shift
	for i in $(seq "$CALLS"); do in_ns "$ipt" -A INPUT -m "$@" -j DROP; done
}

# case_on X / case_off X ROUND RECEIVED: put case X in place, check that it
# saw the packets, take it away.
nfnull_before=0 xdp_before=0
case_on() {
	case $1 in
	a) ;;
	b)
		insmod ./nfnull.ko hooks="$CALLS"
		nfnull_before=$(cat /sys/module/nfnull/parameters/calls) ;;
	c) in_ns lunatik run bench/luahook false ;;
	p) in_ns lunatik run bench/luahook softirq percpu ;;
	d)
		lunatik run bench/luabench false
		rules iptables-legacy luabench ;;
	e)
		lunatik run bench/luabench false
		rules iptables-nft luabench ;;
	f)
		lunatik run examples/dnsblock/dnsblock false
		rules iptables-legacy dnsblock ;;
	g) rules iptables-legacy mark --mark 0x1b ;;
	h) in_ns ip link set dev bench1 xdpgeneric obj xdp_pass.o sec xdp ;;
	i)
		lunatik run bench/xdp false
		xdp_before=$(cat /sys/module/luaxdp/parameters/calls)
		in_ns ip link set dev bench1 xdpgeneric obj xdp_lua.o sec xdp ;;
	esac
}
case_off() {
	local x=$1 r=$2 got=$3 n ipt=iptables-legacy
	case $x in
	a) ;;
	b)
		n=$(($(cat /sys/module/nfnull/parameters/calls) - nfnull_before))
		[ "$n" -ge $((got * CALLS)) ] ||
			problem "($x) round $r: nfnull's $CALLS hooks saw $n packets, the receiver $got"
		rmmod nfnull ;;
	c | p)
		lunatik list | grep -qx 'bench/luahook' || problem "($x) round $r: the hook's script is not running"
		lunatik stop bench/luahook ;;
	h) in_ns ip link set dev bench1 xdpgeneric off ;;
	i)
		in_ns ip link set dev bench1 xdpgeneric off
		n=$(($(cat /sys/module/luaxdp/parameters/calls) - xdp_before))
		[ "$n" -ge "$got" ] || problem "($x) round $r: the XDP callback ran $n times, the receiver got $got"
		lunatik stop bench/xdp ;;
	d | e | f | g)
		[ "$x" != e ] || ipt=iptables-nft
		# the match said false to every packet: no rule hit, and (legacy
		# counts its policy) every packet went by the rules to the policy
		n=$(rule_packets $ipt)
		[ "$n" = 0 ] || problem "($x) round $r: the rule matched $n packets"
		if [ $ipt = iptables-legacy ]; then
			n=$(policy_packets $ipt)
			[ "${n:-0}" -ge "$got" ] || problem "($x) round $r: policy counted ${n:-none}, the receiver $got"
		fi
		in_ns $ipt -F INPUT
		case $x in
		d | e) lunatik stop bench/luabench ;;
		f) lunatik stop examples/dnsblock/dnsblock ;;
		esac ;;
	esac
}

# measure COUNT: send COUNT packets to the receiver; sets got and pps (the
# receiver's rate from its first packet to its last). The sender and the
# receiver are pinned to CPUs 0 and 1: the receive path of veth runs in the
# sender's softirq on CPU 0, the socket is drained on CPU 1.
measure() {
	local count=$1 out=/tmp/bench-rx.out rx rc=0
	: >$out
	in_ns ./udpblast -c "$RXCPU" recv $PORT "$count" 2000 >$out &
	rx=$!
	for _ in $(seq 100); do grep -q ready $out && break; sleep 0.05; done
	./udpblast -c 0 send $ADDR $PORT "$count" $SIZE >/tmp/bench-tx.out
	wait $rx || rc=$?
	got=$(sed -n 's/^received=\([0-9]*\) .*/\1/p' $out)
	pps=$(sed -n 's/.* pps=\([0-9]*\)$/\1/p' $out)
	got=${got:-0} pps=${pps:-0}
	[ $rc -eq 0 ] || [ $rc -eq 2 ] || problem "receiver exited $rc"
}

echo "kernel $(uname -r), $(nproc) CPUs; $PACKETS packets of $SIZE bytes per measurement," \
	"$ROUNDS rounds, $CALLS hooks or rules per case, clock: $CLOCK"
# Warm up (ARP, page cache, first-use paths) and discard.
ns_up
measure $((PACKETS / 4))
ns_down
echo "warm-up: $got packets, $pps pps"

for r in $(seq 1 "$ROUNDS"); do
	line="round $r:"
	for x in "${CASES[@]}"; do
		ns_up
		case_on $x
		measure "$PACKETS"
		case_off $x "$r" "$got"
		ns_down
		PPS[$x]+="$pps " GOT[$x]+="$got "
		# every case accepts every packet: a loss of more than 10% means
		# the path or the receiver is broken, not slow
		[ "$got" -ge $((PACKETS * 9 / 10)) ] ||
			problem "($x) round $r: received $got of $PACKETS"
		line+=" $x=$pps"
	done
	echo "$line"
done

# median/min/max of a list of integers
stats() {
	local v
	# no process substitution: the guest has no /dev/fd
	mapfile -t v <<<"$(printf '%s\n' $1 | sort -n)"
	local n=${#v[@]}
	if [ $((n % 2)) = 1 ]; then med=${v[n / 2]}; else med=$(((v[n / 2 - 1] + v[n / 2]) / 2)); fi
	min=${v[0]} max=${v[n - 1]}
}

echo
printf '%-38s %10s %17s %7s %9s %9s\n' case "median pps" "min..max" "vs (a)" "+us/pkt" "+us/call"
declare -A MED=() US=()
for x in "${CASES[@]}"; do
	stats "${PPS[$x]}"
	MED[$x]=$med
done
base=${MED[a]}
[ "$base" -gt 0 ] || { problem "no baseline rate"; base=1; }
for x in "${CASES[@]}"; do
	stats "${PPS[$x]}"
	# what one hook or rule adds to a packet, in microseconds
	n=$CALLS
	case $x in h | i) n=1 ;; esac	# one XDP program, one call a packet
	US[$x]=$(awk -v m="$med" -v b="$base" -v n="$n" 'BEGIN { if (m > 0) printf "%.2f", (1e6 / m - 1e6 / b) / n; else print "-" }')
	printf '%-38s %10d %17s %7s %9s %9s\n' "($x) ${TITLE[$x]}" "$med" "$min..$max" \
		"$(awk -v m="$med" -v b="$base" 'BEGIN { printf "%.2f", m / b }')" \
		"$(awk -v m="$med" -v b="$base" 'BEGIN { if (m > 0) printf "%+.2f", 1e6 / m - 1e6 / b; else print "-" }')" \
		"${US[$x]}"
done
# per call: a Lua hook against an empty C hook, a Lua match against a C match
# and against a Lua hook
per() { awk -v p="${US[$1]}" -v q="${US[$2]}" 'BEGIN { if (q > 0) printf "%.2f", p / q; else print "-" }'; }
# XDP: one call a packet, against the same program without it
xdpcall=$(awk -v i="${MED[i]}" -v h="${MED[h]}" 'BEGIN { if (i > 0 && h > 0) printf "%.2f", 1e6 / i - 1e6 / h; else print "-" }')
echo "XDP: one Lua callback a packet, (i) - (h) = +$xdpcall us a call"
[ -n "${ONLY:-}" ] ||
	echo "per call: (c)/(b) = $(per c b)   (d)/(g) = $(per d g)   (d)/(c) = $(per d c)   (e)/(c) = $(per e c)"
[ -z "${US[p]:-}" ] || [ -z "${US[c]:-}" ] || echo "per call: (p)/(c) = $(per p c) (per-CPU runtime against the locked one, one CPU sending)"
[ "$CLOCK" != icount ] || echo "icount: +us are thousands of instructions (+us/call 1.00 = 1000 instructions a call)"
echo "BENCH kernel=$(uname -r) packets=$PACKETS rounds=$ROUNDS" \
	"$(for x in "${CASES[@]}"; do printf '%s=%s ' $x "${MED[$x]}"; done)"
echo "rates per round (pps): $(for x in "${CASES[@]}"; do printf '%s=[%s] ' $x "${PPS[$x]% }"; done)"

# Per-CPU against locked, 2 CPUs sending at once (--wallclock on 2 vCPUs):
# CALLS Lua hooks at LOCAL_IN, each packet's hooks run in its sender's
# softirq, so with one runtime both CPUs take its lock CALLS times a
# packet, and with per-CPU runtimes each CPU calls its own state. The rate
# is both senders' packets over the time until the slower one is done; a
# receiver drains the socket on whatever CPU is free (it is not counted).
# Modes alternate within a round; the ratio per-CPU/locked is per round.
if [ "$CLOCK" != icount ] && [ "$(nproc)" -ge 2 ]; then
	declare -A PAR=()
	ratios=()
	par_measure() {
		local out0=/tmp/bench-tx0.out out1=/tmp/bench-tx1.out rx tx0
		in_ns ./udpblast recv $PORT $((2 * PACKETS)) 1000 >/dev/null &
		rx=$!
		sleep 0.2
		./udpblast -c 0 send $ADDR $PORT "$PACKETS" $SIZE >$out0 &
		tx0=$!
		./udpblast -c 1 send $ADDR $PORT "$PACKETS" $SIZE >$out1
		wait $tx0
		kill $rx 2>/dev/null || true
		wait $rx 2>/dev/null || true
		# both senders' packets over the longer of their two times
		pps=$(cat $out0 $out1 | sed -n 's/^sent=\([0-9]*\) usecs=\([0-9]*\) .*/\1 \2/p' |
			awk '{ n += $1; if ($2 > t) t = $2 } END { if (t > 0) printf "%d", n * 1e6 / t; else print 0 }')
	}
	echo
	echo "2 CPUs sending at once, $CALLS Lua hooks: locked runtime against per-CPU runtimes"
	for r in $(seq 1 "$ROUNDS"); do
		for m in locked percpu; do
			ns_up
			if [ $m = locked ]; then
				in_ns lunatik run bench/luahook false
			else
				in_ns lunatik run bench/luahook softirq percpu
			fi
			par_measure
			lunatik list | grep -qx 'bench/luahook' || problem "(2 CPUs, $m) round $r: not running"
			lunatik stop bench/luahook
			ns_down
			PAR[$m]+="$pps "
			[ "$pps" -gt 0 ] || problem "(2 CPUs, $m) round $r: no rate"
		done
		set -- ${PAR[locked]}
		lk=${!#}
		set -- ${PAR[percpu]}
		pc=${!#}
		ratios+=("$(awk -v a="$pc" -v b="$lk" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print 0 }')")
		echo "round $r: locked=$lk percpu=$pc pps, per-CPU/locked=${ratios[-1]}"
	done
	stats "${PAR[locked]}"
	echo "locked, 2 senders:   median $med pps ($min..$max)"
	stats "${PAR[percpu]}"
	echo "per-CPU, 2 senders:  median $med pps ($min..$max)"
	# ratios are decimals: sort them as such
	mapfile -t rs <<<"$(printf '%s\n' "${ratios[@]}" | sort -g)"
	n=${#rs[@]}
	rmed=$(awk -v a="${rs[(n - 1) / 2]}" -v b="${rs[n / 2]}" 'BEGIN { printf "%.2f", (a + b) / 2 }')
	echo "PERCPU ratio per-CPU/locked over $n rounds: median $rmed (min ${rs[0]}, max ${rs[n - 1]})"
fi

if dmesg | grep -E 'WARNING:|BUG:|Oops|general protection'; then
	problem "the kernel complained"
fi
if [ ${#problems[@]} -gt 0 ]; then
	printf 'FAILED: %s\n' "${problems[@]}"
	exit 1
fi
echo "every case measured $ROUNDS times"
