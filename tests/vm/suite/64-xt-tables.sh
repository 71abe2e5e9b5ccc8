#!/bin/bash
# The scripted extensions work from the raw and mangle tables too, with both
# backends, over IPv4 and IPv6 (the filter table is 60's).
# vm-timeout: 240
set -euo pipefail
. ./testlib.bash

t_cleanup() {
	for t in iptables-legacy iptables-nft ip6tables-legacy ip6tables-nft; do
		$t -t raw -F OUTPUT 2>/dev/null || true
		$t -t mangle -F OUTPUT 2>/dev/null || true
	done
	cleanup
}
trap t_cleanup EXIT
dns_server xt64 10.9.64 fd00:64

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
