#!/bin/bash
# Packet-path bench, run in the guest by tests/vm/bench/run (which stages it
# as a test beside udpblast, nfnull.ko, libxt_luabench.so, lua/ and
# bench.conf). UDP from the root namespace to a receiver in a namespace over
# veth, for each case below; every case is measured ROUNDS times and the
# rounds are interleaved (a b c d e f, a b c ...), so that a slow stretch of
# the emulator hits every case alike. Every measurement gets a fresh
# namespace: tables and hooks a case leaves in a namespace (iptable_filter's
# hooks stay as long as the namespace does) must not tax the next case.
# vm-timeout: @TIMEOUT@
set -euo pipefail
cd "$(dirname "$0")"
# PACKETS, ROUNDS
. ./bench.conf

NS=bench-rx
ADDR=10.77.0.2
PORT=9000
SIZE=64
LUA_DIR=/lib/modules/lua
XTDIR=$(pkg-config --variable=xtlibdir xtables)
CASES=(a b c d e f)
declare -A TITLE=(
	[a]="no rule or hook"
	[b]="empty native hook (nfnull.ko)"
	[c]="Lua netfilter hook, ACCEPT"
	[d]="Lua xtables match, false (legacy)"
	[e]="Lua xtables match, false (nft)"
	[f]="dnsblock match, non-DNS (legacy)"
)
declare -A PPS=() GOT=()
problems=()

cleanup() {
	ip link del bench0 2>/dev/null || true
	ip netns del $NS 2>/dev/null || true
	lunatik stop bench/luahook 2>/dev/null || true
	lunatik stop bench/luabench 2>/dev/null || true
	lunatik stop examples/dnsblock/dnsblock 2>/dev/null || true
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
install -m 0644 libxt_luabench.so "$XTDIR/"
# Load everything up front: no measured case pays for loading a module.
lunatik load
modprobe -a veth x_tables ip_tables iptable_filter nf_tables nft_compat

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

# case_on X / case_off X ROUND RECEIVED: put case X in place, check that it
# saw the packets, take it away.
nfnull_before=0
case_on() {
	case $1 in
	a) ;;
	b)
		insmod ./nfnull.ko
		nfnull_before=$(cat /sys/module/nfnull/parameters/calls) ;;
	c) in_ns lunatik run bench/luahook false ;;
	d)
		lunatik run bench/luabench false
		in_ns iptables-legacy -A INPUT -m luabench -j DROP ;;
	e)
		lunatik run bench/luabench false
		in_ns iptables-nft -A INPUT -m luabench -j DROP ;;
	f)
		lunatik run examples/dnsblock/dnsblock false
		in_ns iptables-legacy -A INPUT -m dnsblock -j DROP ;;
	esac
}
case_off() {
	local x=$1 r=$2 got=$3 n ipt=iptables-legacy
	case $x in
	a) ;;
	b)
		n=$(($(cat /sys/module/nfnull/parameters/calls) - nfnull_before))
		[ "$n" -ge "$got" ] || problem "($x) round $r: nfnull saw $n packets, the receiver $got"
		rmmod nfnull ;;
	c)
		lunatik list | grep -qx 'bench/luahook' || problem "($x) round $r: the hook's script is not running"
		lunatik stop bench/luahook ;;
	d | e | f)
		[ "$x" != e ] || ipt=iptables-nft
		# the match said false to every packet: no rule hit, and (legacy
		# counts its policy) every packet went by the rule to the policy
		n=$(rule_packets $ipt)
		[ "$n" = 0 ] || problem "($x) round $r: the rule matched $n packets"
		if [ $ipt = iptables-legacy ]; then
			n=$(policy_packets $ipt)
			[ "${n:-0}" -ge "$got" ] || problem "($x) round $r: policy counted ${n:-none}, the receiver $got"
		fi
		in_ns $ipt -F INPUT
		if [ $x = f ]; then lunatik stop examples/dnsblock/dnsblock; else lunatik stop bench/luabench; fi ;;
	esac
}

# measure COUNT: send COUNT packets to the receiver; sets got and pps (the
# receiver's rate from its first packet to its last). The sender and the
# receiver are pinned to CPUs 0 and 1: the receive path of veth runs in the
# sender's softirq on CPU 0, the socket is drained on CPU 1.
measure() {
	local count=$1 out=/tmp/bench-rx.out rx rc=0
	: >$out
	in_ns ./udpblast -c 1 recv $PORT "$count" 2000 >$out &
	rx=$!
	for _ in $(seq 100); do grep -q ready $out && break; sleep 0.05; done
	./udpblast -c 0 send $ADDR $PORT "$count" $SIZE >/tmp/bench-tx.out
	wait $rx || rc=$?
	got=$(sed -n 's/^received=\([0-9]*\) .*/\1/p' $out)
	pps=$(sed -n 's/.* pps=\([0-9]*\)$/\1/p' $out)
	got=${got:-0} pps=${pps:-0}
	[ $rc -eq 0 ] || [ $rc -eq 2 ] || problem "receiver exited $rc"
}

echo "kernel $(uname -r), $(nproc) CPUs; $PACKETS packets of $SIZE bytes per measurement, $ROUNDS rounds"
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
printf '%-38s %10s %17s %8s %9s\n' case "median pps" "min..max" "vs (a)" "+us/pkt"
declare -A MED=()
for x in "${CASES[@]}"; do
	stats "${PPS[$x]}"
	MED[$x]=$med
done
base=${MED[a]}
[ "$base" -gt 0 ] || { problem "no baseline rate"; base=1; }
for x in "${CASES[@]}"; do
	stats "${PPS[$x]}"
	printf '%-38s %10d %17s %8s %9s\n' "($x) ${TITLE[$x]}" "$med" "$min..$max" \
		"$(awk -v m="$med" -v b="$base" 'BEGIN { printf "%.2f", m / b }')" \
		"$(awk -v m="$med" -v b="$base" 'BEGIN { if (m > 0) printf "%+.2f", 1e6 / m - 1e6 / b; else print "-" }')"
done
ratio() { awk -v p="${MED[$1]}" -v q="${MED[$2]}" 'BEGIN { printf "%.2f", (q > 0 ? p / q : 0) }'; }
echo "(c)/(b) = $(ratio c b)   (d)/(b) = $(ratio d b)   (e)/(b) = $(ratio e b)   (f)/(b) = $(ratio f b)"
echo "BENCH kernel=$(uname -r) packets=$PACKETS rounds=$ROUNDS" \
	"$(for x in "${CASES[@]}"; do printf '%s=%s ' $x "${MED[$x]}"; done)"
echo "rates per round (pps): $(for x in "${CASES[@]}"; do printf '%s=[%s] ' $x "${PPS[$x]% }"; done)"

if dmesg | grep -E 'WARNING:|BUG:|Oops|general protection'; then
	problem "the kernel complained"
fi
if [ ${#problems[@]} -gt 0 ]; then
	printf 'FAILED: %s\n' "${problems[@]}"
	exit 1
fi
echo "every case measured $ROUNDS times"
