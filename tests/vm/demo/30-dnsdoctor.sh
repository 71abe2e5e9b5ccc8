#!/bin/bash
# The demo, part 3: dnsdoctor rewrites the A record of lunatik.com from its
# public address to a private one for one client, as an iptables target in the
# mangle table (the reference README's sequence) and as a native hook.
set -euo pipefail

step() { printf '\n--- %s\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }
EX=/usr/local/share/lunatik/examples/dnsdoctor
cleanup() {
	iptables -t mangle -F PREROUTING 2>/dev/null || true
	lunatik unload >/dev/null 2>&1 || true
	"$EX/cleanup.sh" >/dev/null 2>&1 || true
}
trap cleanup EXIT
ask() {
	printf '$ dig +short lunatik.com\n'
	dig +short +time=1 +tries=1 lunatik.com
}

step "the reference network: dnsmasq answers lunatik.com with 192.168.10.1; we are the client 10.1.1.2"
show "$EX/setup.sh"
ask

step "the iptables target"
show lunatik run examples/dnsdoctor/dnsdoctor false
show iptables -t mangle -A PREROUTING -p udp --sport 53 -j dnsdoctor
ask
show iptables -t mangle -D PREROUTING -p udp --sport 53 -j dnsdoctor
show lunatik stop examples/dnsdoctor/dnsdoctor
ask

step "the native hook"
show lunatik run examples/dnsdoctor/nf_dnsdoctor false
ask
show lunatik stop examples/dnsdoctor/nf_dnsdoctor
show "$EX/cleanup.sh"
