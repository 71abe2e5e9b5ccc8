#!/bin/bash
# The examples keep each rule's parsed arguments only while the rule lives
# (evicted in destroy): 8,000 distinct dnsblock rules added and deleted,
# in batches, with legacy and nft, in a runtime limited to 2 MiB, and the
# standing `-m dnsblock -j DROP` still drops (it fails open once the
# runtime is out of memory). Then the same for dnsdoctor's rules.
# vm-timeout: 400
set -euo pipefail
. ./testlib.bash

LIMIT=/sys/module/lunatik/parameters/memory_limit
t_cleanup() {
	for t in iptables-legacy iptables-nft; do
		$t -F OUTPUT 2>/dev/null || true
		$t -F churn 2>/dev/null || true
		$t -X churn 2>/dev/null || true
		$t -t mangle -F churn 2>/dev/null || true
		$t -t mangle -X churn 2>/dev/null || true
	done
	[ -z "${old:-}" ] || echo "$old" >$LIMIT 2>/dev/null || true
	cleanup
}
trap t_cleanup EXIT
trap 'lunatik list; dmesg | grep -E "xtable|lunatik" | tail -20' ERR
t_cleanup 2>/dev/null	# whatever an earlier test left in these chains
dns_server xtchurn 10.9.68 fd00:68
modprobe lunatik
old=$(cat $LIMIT)
echo $((2 << 20)) >$LIMIT
lunatik run examples/dnsblock/dnsblock false
lunatik run examples/dnsdoctor/dnsdoctor false

# batch TABLE TARGET ROUND N: N distinct rules for chain churn
batch() {
	local i
	printf '*%s\n' "$1"
	for i in $(seq "$4"); do
		printf -- '-A churn -p udp --dport 9 %s r%d-%d.test\n' "$2" "$3" "$i"
	done
	printf 'COMMIT\n'
}
for b in legacy nft; do
	ipt=iptables-$b
	$ipt -A OUTPUT -m dnsblock -j DROP
	$ipt -N churn
	$ipt -t mangle -N churn
	for round in 1 2 3 4 5 6 7 8; do
		batch filter "-m dnsblock --domain" "$round" 500 | $ipt-restore --noflush
		$ipt -F churn
	done
	for round in 1 2 3 4; do
		batch mangle "-j dnsdoctor --domain" "$round" 250 | $ipt-restore --noflush
		$ipt -t mangle -F churn
	done
	echo "ok   $b: 4,000 dnsblock and 1,000 dnsdoctor rules added and deleted"
	expect "$b: the standing rule still drops" blocked "$(ask $S github.com)"
	expect "$b: other names pass" 192.0.2.1 "$(ask $S example.org)"
	$ipt -F OUTPUT
	$ipt -X churn
	$ipt -t mangle -X churn
done
if dmesg | grep -E "xtable dns(block|doctor).*not enough memory"; then
	echo "FAIL the runtime ran out of memory"
	exit 1
fi
echo "ok   no memory error logged"
lunatik unload
kernel_clean
