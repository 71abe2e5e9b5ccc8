#!/bin/bash
# The demo, part 2: dnsblock drops DNS queries for listed domains (github.com
# and gitlab.com by default), as a native netfilter hook and as an iptables match.
set -euo pipefail

step() { printf '\n--- %s\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }
C=demo-client S=demo-dns
cleanup() {
	iptables -F OUTPUT 2>/dev/null || true
	lunatik unload >/dev/null 2>&1 || true
	[ -z "${dns:-}" ] || kill "$dns" 2>/dev/null || true
	ip netns del $C 2>/dev/null || true
	ip netns del $S 2>/dev/null || true
}
trap cleanup EXIT

step "a client namespace and a DNS server (dnsmasq) that knows github.com and example.com"
ip netns add $C
ip netns add $S
ip link add vc netns $C type veth peer name vs netns $S
ip -n $C addr add 10.9.9.2/24 dev vc
ip -n $S addr add 10.9.9.1/24 dev vs
ip -n $C link set vc up
ip -n $S link set vs up
ip netns exec $S dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces \
	--listen-address=10.9.9.1 --address=/github.com/192.0.2.1 --address=/example.com/192.0.2.4 &
dns=$!
ask() {
	printf '$ dig +short %s\n' "$1"
	local out
	if out=$(ip netns exec $C dig +short +time=1 +tries=1 @10.9.9.1 "$1" 2>/dev/null); then
		echo "$out"
	else
		echo "(no answer: the query was dropped)"
	fi
}
for _ in $(seq 50); do [ -n "$(ip netns exec $C dig +short +time=1 +tries=1 @10.9.9.1 example.com)" ] && break; sleep 0.1; done
ask github.com
ask api.github.com

step "the native hook: a script registering a LOCAL_OUT netfilter hook in the client"
printf '$ lunatik run examples/dnsblock/nf_dnsblock false\n'
ip netns exec $C lunatik run examples/dnsblock/nf_dnsblock false
ask github.com
ask api.github.com
ask example.com
show lunatik stop examples/dnsblock/nf_dnsblock
ask github.com

step "the iptables match: the script registers 'dnsblock', the plugin libxt_dnsblock.so parses its options"
printf '$ lunatik run examples/dnsblock/dnsblock false\n'
lunatik run examples/dnsblock/dnsblock false
printf '$ iptables -A OUTPUT -m dnsblock --domain example.com -j DROP\n'
ip netns exec $C iptables -A OUTPUT -m dnsblock --domain example.com -j DROP
printf '$ iptables -L OUTPUT -v -n\n'
ip netns exec $C dig +short +time=1 +tries=1 @10.9.9.1 example.com >/dev/null 2>&1 || true
ip netns exec $C iptables -L OUTPUT -v -n
ask example.com
ask github.com
