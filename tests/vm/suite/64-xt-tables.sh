#!/bin/bash
# The scripted extensions work from the raw and mangle tables too, with both
# backends, over IPv4 and IPv6 (the filter table is 60's).
# vm-timeout: 240
set -euo pipefail
. ./testlib.bash

S=10.9.64.2 S6=fd00:64::2
t_cleanup() {
	for t in iptables-legacy iptables-nft ip6tables-legacy ip6tables-nft; do
		$t -t raw -F OUTPUT 2>/dev/null || true
		$t -t mangle -F OUTPUT 2>/dev/null || true
	done
	[ ! -f /run/xt64.pid ] || kill "$(cat /run/xt64.pid)" 2>/dev/null || true
	ip netns del xt64 2>/dev/null || true
	cleanup
}
trap t_cleanup EXIT

ip netns add xt64
ip link add x64a type veth peer name x64b netns xt64
ip addr add 10.9.64.1/24 dev x64a
ip -6 addr add fd00:64::1/64 dev x64a nodad
ip -n xt64 addr add $S/24 dev x64b
ip -n xt64 -6 addr add $S6/64 dev x64b nodad
ip link set x64a up
ip -n xt64 link set x64b up
ip netns exec xt64 dnsmasq --no-resolv --no-hosts --bind-interfaces \
	--listen-address=$S --listen-address=$S6 --pid-file=/run/xt64.pid --address=/#/192.0.2.1

# ask SERVER NAME: the answer, or "blocked" when none comes.
ask() {
	local a
	a=$(dig +short +time=1 +tries=1 @"$1" "$2" A 2>/dev/null) || a=
	echo "${a:-blocked}"
}
for _ in $(seq 50); do [ "$(ask $S example.org)" = blocked ] || break; sleep 0.1; done
expect "server answers" 192.0.2.1 "$(ask $S example.org)"

lunatik run examples/dnsblock/dnsblock false
for b in legacy nft; do
	for table in raw mangle; do
		for v in 4 6; do
			if [ $v = 4 ]; then ipt=iptables-$b srv=$S; else ipt=ip6tables-$b srv=$S6; fi
			$ipt -t $table -A OUTPUT -m dnsblock --domain example.org -j DROP
			expect "$b $table IPv$v: blocked" blocked "$(ask $srv www.example.org)"
			expect "$b $table IPv$v: others pass" 192.0.2.1 "$(ask $srv example.com)"
			expect "$b $table IPv$v: counted" 1 "$($ipt -t $table -L OUTPUT -v -n -x | awk '/dnsblock/ {print $1}')"
			$ipt -t $table -D OUTPUT -m dnsblock --domain example.org -j DROP
			expect "$b $table IPv$v: deleted" 192.0.2.1 "$(ask $srv www.example.org)"
		done
	done
done
kernel_clean
