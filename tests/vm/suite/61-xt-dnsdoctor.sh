#!/bin/bash
# dnsdoctor as an xtables target, the README's sequence on its network
# (setup.sh/cleanup.sh), with iptables legacy and nft: the client gets the
# private address and dig accepts it; options on the rule; -D by spec;
# save and restore of the mangle table.
# vm-timeout: 300
set -euo pipefail
. ./testlib.bash

EX=$LUNATIK_PREFIX/share/lunatik/examples/dnsdoctor
xt_cleanup() {
	iptables-legacy -t mangle -F PREROUTING 2>/dev/null || true
	iptables-nft -t mangle -F PREROUTING 2>/dev/null || true
	cleanup
	"$EX/cleanup.sh" >/dev/null 2>&1 || true
}
trap xt_cleanup EXIT
q() { dig +short +time=1 +tries=1 "$@" 2>/dev/null | grep -E '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$' || true; }

"$EX/setup.sh"
expect "public address before" 192.168.10.1 "$(q lunatik.com)"
lunatik run examples/dnsdoctor/dnsdoctor false
expect "nothing changes without a rule" 192.168.10.1 "$(q lunatik.com)"

for b in legacy nft; do
	ipt=iptables-$b
	$ipt -t mangle -A PREROUTING -p udp --sport 53 -j dnsdoctor
	expect "$b: private address for the client" 10.1.2.3 "$(q lunatik.com)"
	out=$(dig +time=1 +tries=1 lunatik.com)
	grep -q 'status: NOERROR' <<<"$out"
	grep -qE '^lunatik\.com\.[[:space:]].*IN[[:space:]]+A[[:space:]]+10\.1\.2\.3$' <<<"$out"
	echo "ok   $b: dig accepts the rewritten answer"
	expect "$b: -S" "-A PREROUTING -p udp -m udp --sport 53 -j dnsdoctor" \
		"$($ipt -t mangle -S PREROUTING | grep dnsdoctor)"

	# A second rule with options, before the first: it rewrites first.
	$ipt -t mangle -I PREROUTING -p udp --sport 53 -j dnsdoctor --domain www.lunatik.com --to 10.1.2.99
	expect "$b: --domain/--to rule" 10.1.2.99 "$(q www.lunatik.com)"
	expect "$b: other names still by the first rule" 10.1.2.3 "$(q lunatik.com)"
	saved=$($ipt-save -t mangle | grep -- '-A PREROUTING')
	expect "$b: save shows the options" "-A PREROUTING -p udp -m udp --sport 53 -j dnsdoctor --domain www.lunatik.com --to 10.1.2.99
-A PREROUTING -p udp -m udp --sport 53 -j dnsdoctor" "$saved"
	$ipt -t mangle -F PREROUTING
	expect "$b: public after flush" 192.168.10.1 "$(q lunatik.com)"
	printf '*mangle\n%s\nCOMMIT\n' "$saved" | $ipt-restore
	expect "$b: restored" 10.1.2.99 "$(q www.lunatik.com)"
	# The README's cleanup: delete by spec.
	$ipt -t mangle -D PREROUTING -p udp --sport 53 -j dnsdoctor
	expect "$b: the option rule is left" 10.1.2.99 "$(q www.lunatik.com)"
	expect "$b: and lunatik.com is public again" 192.168.10.1 "$(q lunatik.com)"
	$ipt -t mangle -D PREROUTING -p udp --sport 53 -j dnsdoctor --domain www.lunatik.com --to 10.1.2.99
	expect_fail "$b: a bad address" "getaddrinfo: Name or service not known" \
		$ipt -t mangle -A PREROUTING -j dnsdoctor --to 10.1.2.300
done

lunatik unload
"$EX/cleanup.sh"
kernel_clean
