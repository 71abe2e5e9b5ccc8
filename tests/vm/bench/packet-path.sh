#!/bin/bash
# Packet-path bench, run in the guest by tests/vm/bench/run (which stages it
# as a test beside udpblast, nfnull.ko, libxt_luabench.so, lua/ and
# bench.conf). Each case puts CALLS hooks or rules in the packet's way
# (bench.conf; 1 unless --calls), so that one call's cost can be lifted
# above the emulator's noise (cases with one hook, or whose first rule
# drops, make one call). UDP from a sender namespace to a receiver
# namespace over veth, for each case below; every case is measured ROUNDS times and the
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
TX=bench-tx
ADDR=10.77.0.2
PORT=9000
SIZE=64
DNS_PORT=53
# DNS queries: a name dnsblock does not block, and one it does (config.lua)
PASSNAME=www.example.com
BLOCKNAME=api.github.com
STRING="|06|github|03|com|"
LUA_DIR=/lib/modules/lua
# the receiver on the second CPU when there is one
RXCPU=$(($(nproc) > 1 ? 1 : 0))
XTDIR=$(pkg-config --variable=xtlibdir xtables)
CASES=(a b c d e f g h i j k l m n o q r)
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
	[h]="DNS queries, no rule or hook"
	[i]="dnsblock match, DNS passed (legacy)"
	[j]="nf_dnsblock hook, DNS passed"
	[k]="native -m string, DNS passed (legacy)"
	[l]="dnsblock match, DNS blocked (legacy)"
	[m]="native -m string, DNS blocked (legacy)"
	[n]="native DROP at OUTPUT, DNS"
	[o]="nf_dnsblock hook, DNS blocked (DROP)"
	# XDP (generic) on the receiver's veth: one program, one call a packet
	[q]="XDP program, PASS (no kfunc call)"
	[r]="XDP program, Lua callback PASS"
	[p]="Lua netfilter hook per-CPU, ACCEPT"
)
# What each case is measured against, and how many calls a packet makes.
# Blocked queries: the matches run in rules without a target (every rule
# is evaluated, the packet goes on), so the receiver still counts them;
# nf_dnsblock really drops them at OUTPUT, so (o) is timed at the sender
# against a native DROP at the same place (n).
declare -A BASE=([a]=a [b]=a [c]=a [d]=a [e]=a [f]=a [g]=a
	[h]=h [i]=h [j]=h [k]=h [l]=h [m]=h [n]=n [o]=n
	[p]=a [q]=a [r]=q)
declare -A NCALLS=([a]=1 [b]=$CALLS [c]=$CALLS [d]=$CALLS [e]=$CALLS [f]=$CALLS [g]=$CALLS
	[h]=1 [i]=$CALLS [j]=1 [k]=$CALLS [l]=$CALLS [m]=$CALLS [n]=1 [o]=1
	[p]=$CALLS [q]=1 [r]=1)
declare -A PPS=() GOT=()
problems=()

cleanup() {
	ip netns del $TX 2>/dev/null || true
	ip netns del $NS 2>/dev/null || true
	lunatik stop bench/luahook 2>/dev/null || true
	lunatik stop bench/luabench 2>/dev/null || true
	lunatik stop bench/micro 2>/dev/null || true
	lunatik stop examples/dnsblock/dnsblock 2>/dev/null || true
	lunatik stop bench/xdp 2>/dev/null || true
	lunatik stop examples/dnsblock/nf_dnsblock 2>/dev/null || true
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
modprobe -a veth x_tables ip_tables iptable_filter nf_tables nft_compat xt_mark xt_string \
	ts_bm xt_tcpudp

ns_up() {
	ip netns add $NS
	ip netns add $TX
	ip -n $TX link add bench0 type veth peer name bench1 netns $NS
	ip -n $TX addr add 10.77.0.1/24 dev bench0
	ip -n $NS addr add $ADDR/24 dev bench1
	ip -n $TX link set bench0 up
	ip -n $TX link set lo up
	ip -n $NS link set bench1 up
	ip -n $NS link set lo up
}

# Deleting the link first: the namespaces themselves go asynchronously.
ns_down() {
	ip -n $TX link del bench0
	ip netns del $TX
	ip netns del $NS
}

in_ns() { ip netns exec $NS "$@"; }
in_tx() { ip netns exec $TX "$@"; }

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
# counting CMD MATCH...: CALLS rules "-m MATCH..." without a target: each
# matching rule counts the packet, which goes on to the next.
counting() {
	local ipt=$1 i
	shift
	for i in $(seq "$CALLS"); do in_ns "$ipt" -A INPUT -m "$@"; done
}
# rules_total CMD: the packets counted by all INPUT rules together.
rules_total() {
	in_ns "$1" -L INPUT -n -v -x | awk 'NR > 2 { n += $1 } END { print n + 0 }'
}

# case_on X / case_off X ROUND RECEIVED: put case X in place, check that it
# saw the packets, take it away.
nfnull_before=0 xdp_before=0
case_on() {
	local target=1
	[ "$1" != m ] || target=
	case $1 in
	a | h | n) ;;
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
	f | i | l) lunatik run examples/dnsblock/dnsblock false ;;&
	f | i) rules iptables-legacy dnsblock ;;
	l) counting iptables-legacy dnsblock ;;
	g) rules iptables-legacy mark --mark 0x1b ;;
	j | o) in_tx lunatik run examples/dnsblock/nf_dnsblock false ;;
	k | m)
		# the issue's native rule, one per domain; (m) without its DROP
		for _ in $(seq "$CALLS"); do
			in_ns iptables-legacy -A INPUT -p udp --dport $DNS_PORT -m string --algo bm \
				--hex-string "$STRING" ${target:+-j DROP}
		done ;;
	q) in_ns ip link set dev bench1 xdpgeneric obj xdp_pass.o sec xdp ;;
	r)
		lunatik run bench/xdp false
		xdp_before=$(cat /sys/module/luaxdp/parameters/calls)
		in_ns ip link set dev bench1 xdpgeneric obj xdp_lua.o sec xdp ;;
	esac
	case $1 in
	n) in_tx iptables-legacy -A OUTPUT -p udp --dport $DNS_PORT -j DROP ;;
	esac
}
case_off() {
	local x=$1 r=$2 got=$3 n ipt=iptables-legacy
	case $x in
	a | h | n | o) ;;
	b)
		n=$(($(cat /sys/module/nfnull/parameters/calls) - nfnull_before))
		[ "$n" -ge $((got * CALLS)) ] ||
			problem "($x) round $r: nfnull's $CALLS hooks saw $n packets, the receiver $got"
		rmmod nfnull ;;
	c | p)
		lunatik list | grep -qx 'bench/luahook' || problem "($x) round $r: the hook's script is not running"
		lunatik stop bench/luahook ;;
	q) in_ns ip link set dev bench1 xdpgeneric off ;;
	r)
		in_ns ip link set dev bench1 xdpgeneric off
		n=$(($(cat /sys/module/luaxdp/parameters/calls) - xdp_before))
		[ "$n" -ge "$got" ] || problem "($x) round $r: the XDP callback ran $n times, the receiver got $got"
		lunatik stop bench/xdp ;;
	d | e | f | g | i | k)
		[ "$x" != e ] || ipt=iptables-nft
		# the match said false to every packet: no rule hit, and (legacy
		# counts its policy) every packet went by the rules to the policy
		n=$(rule_packets $ipt)
		[ "$n" = 0 ] || problem "($x) round $r: the rule matched $n packets"
		if [ $ipt = iptables-legacy ]; then
			n=$(policy_packets $ipt)
			[ "${n:-0}" -ge "$got" ] || problem "($x) round $r: policy counted ${n:-none}, the receiver $got"
		fi
		in_ns $ipt -F INPUT ;;
	l | m)
		# every rule matched every query
		n=$(rules_total iptables-legacy)
		[ "$n" -ge $((got * CALLS)) ] || problem "($x) round $r: the rules matched $n, want $((got * CALLS))"
		in_ns iptables-legacy -F INPUT ;;
	j) lunatik list | grep -qx 'examples/dnsblock/nf_dnsblock' || problem "($x) round $r: nf_dnsblock is not running" ;;
	esac
	case $x in
	d | e) lunatik stop bench/luabench ;;
	f | i | l) lunatik stop examples/dnsblock/dnsblock ;;
	j | o) lunatik stop examples/dnsblock/nf_dnsblock ;;
	esac
}

# measure X COUNT: send COUNT packets of case X to the receiver; sets got
# and pps (the receiver's rate from its first packet to its last), spps
# (the sender's) and dropped (sends refused by an OUTPUT drop). The sender
# and the receiver are pinned to CPUs 0 and 1: the receive path of veth
# runs in the sender's softirq on CPU 0, the socket is drained on CPU 1. A
# case whose packets never arrive (o, n) has no receiver: got is COUNT
# when every send was dropped.
measure() {
	local x=$1 count=$2 out=/tmp/bench-rx.out rx='' rc=0 port=$PORT payload=$SIZE
	case $x in
	[h-o]) port=$DNS_PORT payload=dns:$PASSNAME ;;&
	[lmno]) payload=dns:$BLOCKNAME ;;
	esac
	: >$out
	if [ "$x" != n ] && [ "$x" != o ]; then
		in_ns ./udpblast -c "$RXCPU" recv $port "$count" 2000 >$out &
		rx=$!
		for _ in $(seq 100); do grep -q ready $out && break; sleep 0.05; done
	fi
	in_tx ./udpblast -c 0 send $ADDR $port "$count" $payload >/tmp/bench-tx.out || problem "($x) sender failed"
	spps=$(sed -n 's/^sent=.* pps=\([0-9]*\)$/\1/p' /tmp/bench-tx.out)
	dropped=$(sed -n 's/^dropped=\([0-9]*\)$/\1/p' /tmp/bench-tx.out)
	spps=${spps:-0} dropped=${dropped:-0}
	if [ -n "$rx" ]; then
		wait $rx || rc=$?
		got=$(sed -n 's/^received=\([0-9]*\) .*/\1/p' $out)
		pps=$(sed -n 's/.* pps=\([0-9]*\)$/\1/p' $out)
		got=${got:-0} pps=${pps:-0}
		[ $rc -eq 0 ] || [ $rc -eq 2 ] || problem "receiver exited $rc"
	else
		got=$dropped pps=$spps
	fi
}

# --profile (the last case is profiled): the counting window of case $1,
# 0 for the profiled case's baseline, 1 for the case, none for others.
profile_window() {
	[ -n "${PROFILE:-}" ] || return 0
	local p=${CASES[-1]}
	if [ "$1" = "${BASE[$p]}" ]; then echo 0; elif [ "$1" = "$p" ]; then echo 1; fi
}

echo "kernel $(uname -r), $(nproc) CPUs; $PACKETS packets of $SIZE bytes per measurement," \
	"$ROUNDS rounds, $CALLS hooks or rules per case, clock: $CLOCK"
# Warm up (ARP, page cache, first-use paths) and discard.
ns_up
measure a $((PACKETS / 4))
ns_down
echo "warm-up: $got packets, $pps pps"

for r in $(seq 1 "$ROUNDS"); do
	line="round $r:"
	for x in "${CASES[@]}"; do
		ns_up
		case_on $x
		window=$(profile_window $x)
		[ -z "$window" ] || ./qprof-mark open $window
		measure $x "$PACKETS"
		[ -z "$window" ] || ./qprof-mark close $window
		case_off $x "$r" "$got"
		ns_down
		PPS[$x]+="$pps " GOT[$x]+="$got "
		# every case accepts every packet (n and o drop every one): a loss
		# of more than 10% means the path or the receiver is broken, not slow
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
printf '%-42s %10s %17s %7s %9s %9s\n' case "median pps" "min..max" "vs base" "+us/pkt" "+us/call"
declare -A MED=() US=()
for x in "${CASES[@]}"; do
	stats "${PPS[$x]}"
	MED[$x]=$med
done
for x in "${CASES[@]}"; do
	[ "${MED[$x]}" -gt 0 ] || problem "($x) no rate"
done
for x in "${CASES[@]}"; do
	stats "${PPS[$x]}"
	b=${BASE[$x]}
	base=${MED[$b]}
	[ "$base" -gt 0 ] || base=1
	# what one hook or rule adds to a packet, in microseconds
	US[$x]=$(awk -v m="$med" -v b="$base" -v n="${NCALLS[$x]}" 'BEGIN { if (m > 0) printf "%.2f", (1e6 / m - 1e6 / b) / n; else print "-" }')
	printf '%-42s %10d %17s %7s %9s %9s\n' "($x) ${TITLE[$x]}" "$med" "$min..$max" \
		"$(awk -v m="$med" -v b="$base" 'BEGIN { printf "%.2f", m / b }')($b)" \
		"$(awk -v m="$med" -v b="$base" 'BEGIN { if (m > 0) printf "%+.2f", 1e6 / m - 1e6 / b; else print "-" }')" \
		"${US[$x]}"
done
# per call: a Lua hook against an empty C hook, a Lua match against a C match
# and against a Lua hook
per() { awk -v p="${US[$1]}" -v q="${US[$2]}" 'BEGIN { if (q > 0) printf "%.2f", p / q; else print "-" }'; }
# XDP: one call a packet, against the same program without it
[ -z "${US[r]:-}" ] || echo "XDP: one Lua callback a packet, (r) against (q) = +${US[r]} us a call"
[ -n "${ONLY:-}" ] ||
	echo "per call: (c)/(b) = $(per c b)   (d)/(g) = $(per d g)   (d)/(c) = $(per d c)   (e)/(c) = $(per e c)" \
		"  (i)/(k) = $(per i k)   (l)/(m) = $(per l m)"
[ -z "${US[p]:-}" ] || [ -z "${US[c]:-}" ] || echo "per call: (p)/(c) = $(per p c) (per-CPU runtime against the locked one, one CPU sending)"
[ "$CLOCK" != icount ] || echo "icount: +us are thousands of instructions (+us/call 1.00 = 1000 instructions a call)"
echo "BENCH kernel=$(uname -r) packets=$PACKETS rounds=$ROUNDS" \
	"$(for x in "${CASES[@]}"; do printf '%s=%s ' $x "${MED[$x]}"; done)"
echo "rates per round (pps): $(for x in "${CASES[@]}"; do printf '%s=[%s] ' $x "${PPS[$x]% }"; done)"
# The pieces of a packet script, timed in a loop (lua/micro.lua); not
# when profiling, where they would count in with the cases.
if [ "$CLOCK" = icount ] && [ -z "${PROFILE:-}" ]; then
	lunatik run bench/micro false
	lunatik stop bench/micro
	echo "instructions per operation (a loop of them, less the empty loop):"
	dmesg | sed -n 's/.*micro: /    /p'
fi
# For the chart (tests/vm/bench/run): one line per case.
for x in "${CASES[@]}"; do
	[ "$x" = "${BASE[$x]}" ] || echo "RESULT $x ${US[$x]} ${TITLE[$x]}"
done

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
		in_tx ./udpblast -c 0 send $ADDR $PORT "$PACKETS" $SIZE >$out0 &
		tx0=$!
		in_tx ./udpblast -c 1 send $ADDR $PORT "$PACKETS" $SIZE >$out1
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

# --profile: the kernel's and modules' functions, for symbolize.py
# (KASLR is off then, so they are where the plugin saw them run).
if [ -n "${PROFILE:-}" ]; then
	echo PROFILE-SYMBOLS-BEGIN
	grep ' [tT] ' /proc/kallsyms | gzip -1 | base64
	echo PROFILE-SYMBOLS-END
fi
if dmesg | grep -E 'WARNING:|BUG:|Oops|general protection'; then
	problem "the kernel complained"
fi
if [ ${#problems[@]} -gt 0 ]; then
	printf 'FAILED: %s\n' "${problems[@]}"
	exit 1
fi
echo "every case measured $ROUNDS times"
