#!/bin/bash
# The issue's examples with nft-lua: dnsblock in an inet table blocks over
# IPv4 and IPv6 and counts, its rule deleted by handle; dnsdoctor in an ip
# mangle prerouting chain rewrites; nft list ruleset shows both; save and
# restore; and the error when the script is not running.
# vm-timeout: 300
set -euo pipefail
. ./testlib.bash
NFT_LUA=$(command -v nft-lua) || { echo "FAIL nft-lua is not installed"; exit 1; }
EX=$LUNATIK_PREFIX/share/lunatik/examples/dnsdoctor

t_cleanup() {
	nft delete table inet nftlua 2>/dev/null || true
	nft delete table ip mangle 2>/dev/null || true
	cleanup
	"$EX/cleanup.sh" >/dev/null 2>&1 || true
}
trap t_cleanup EXIT
N() { "$NFT_LUA" "$@"; }
dns_server nftdns 10.8.0 fd00:8

N add table inet nftlua
N add chain inet nftlua output '{ type filter hook output priority 0 ; policy accept ; }'
expect_fail "script not running" "extension \"dnsblock\" is not registered in the kernel.*lunatik run" \
	N add rule inet nftlua output dnsblock --domain example.com counter drop

lunatik run examples/dnsblock/dnsblock false
N add rule inet nftlua output dnsblock --domain example.com counter drop
N add rule inet nftlua output udp dport 53 dnsblock counter drop
expect "v4: example.com blocked" blocked "$(ask $S www.example.com)"
expect "v6: example.com blocked" blocked "$(ask $S6 example.com)"
expect "v4: github.com blocked by the script's list" blocked "$(ask $S github.com)"
expect "v4: example.org passes" 192.0.2.1 "$(ask $S example.org)"
expect "v6: example.org passes" 192.0.2.1 "$(ask $S6 example.org)"
list=$(N list inet nftlua)
grep -q 'dnsblock --domain example.com counter packets 2 bytes [0-9]* drop # handle' <<<"$list"
echo "ok   counter of the --domain rule counts IPv4 and IPv6"
out=$(nft list ruleset)
grep -q 'table inet nftlua' <<<"$out"
grep -q 'dnsblock' <<<"$out"
echo "ok   nft list ruleset shows the rules"
expect_fail "bad argument" "invalid domain" N add rule inet nftlua output dnsblock --domain 'a..b'

saved=$(N save inet nftlua)
N flush table inet nftlua
expect "flushed: example.com passes" 192.0.2.1 "$(ask $S example.com)"
N -f - <<<"$saved"
expect "restored: example.com blocked" blocked "$(ask $S example.com)"
nocount() { sed 's/ packets [0-9]* bytes [0-9]*//'; }
expect "save after restore (the query above counted)" "$(nocount <<<"$saved")" "$(N save inet nftlua | nocount)"

h=$(N list inet nftlua | sed -n 's/.*--domain example.com .*# handle \([0-9]*\)$/\1/p')
N delete rule inet nftlua output handle "$h"
expect "deleted by handle: example.com passes" 192.0.2.1 "$(ask $S example.com)"
expect "github.com still blocked" blocked "$(ask $S github.com)"
nft delete table inet nftlua
lunatik stop examples/dnsblock/dnsblock

# dnsdoctor, the README's network
q() { dig +short +time=1 +tries=1 "$@" 2>/dev/null | grep -E '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$' || true; }
"$EX/setup.sh"
expect "public address before" 192.168.10.1 "$(q lunatik.com)"
lunatik run examples/dnsdoctor/dnsdoctor false
N add table ip mangle
N add chain ip mangle prerouting '{ type filter hook prerouting priority mangle ; }'
N add rule ip mangle prerouting udp sport 53 dnsdoctor
expect "dnsdoctor: private address" 10.1.2.3 "$(q lunatik.com)"
N insert rule ip mangle prerouting udp sport 53 dnsdoctor --domain www.lunatik.com --to 10.1.2.99
expect "dnsdoctor: --domain/--to" 10.1.2.99 "$(q www.lunatik.com)"
expect "dnsdoctor: list" "udp sport 53 dnsdoctor --domain www.lunatik.com --to 10.1.2.99
udp sport 53 dnsdoctor" "$(N list ip mangle | grep dnsdoctor | sed 's/^\t*//; s/ # handle.*//')"
grep -q dnsdoctor <<<"$(nft list ruleset)"
echo "ok   nft list ruleset shows dnsdoctor"
nft delete table ip mangle
expect "public after delete" 192.168.10.1 "$(q lunatik.com)"
lunatik unload
kernel_clean
