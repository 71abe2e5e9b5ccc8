#!/bin/bash
# dnsblock as an xtables match, as the README runs it, with iptables legacy
# and nft, IPv4 and IPv6: blocking, options, rules with different args
# deleted by spec, save and restore, counters, stopping the script while
# rules exist, and rmmod refused while rules hold the module.
# vm-timeout: 400
set -euo pipefail
. ./testlib.bash

xt_cleanup() {
	for t in iptables-legacy iptables-nft ip6tables-legacy ip6tables-nft; do
		$t -F OUTPUT 2>/dev/null || true
	done
	cleanup
}
trap xt_cleanup EXIT
dns_server xtdns 10.9.0 fd00:9

# The README: run the script, then name the extension in a rule.
lunatik run examples/dnsblock/dnsblock false

for b in legacy nft; do
	ipt=iptables-$b ip6t=ip6tables-$b
	$ipt -A OUTPUT -m dnsblock -j DROP
	expect "$b: github.com blocked" blocked "$(ask $S github.com)"
	expect "$b: API.GitHub.com blocked" blocked "$(ask $S API.GitHub.com)"
	expect "$b: notgithub.com passes" 192.0.2.1 "$(ask $S notgithub.com)"
	expect "$b: example.org passes" 192.0.2.1 "$(ask $S example.org)"

	$ipt -A OUTPUT -m dnsblock --domain example.org --domain foo.test -j DROP
	$ipt -A OUTPUT -p udp -m dnsblock ! --domain keep.test -j ACCEPT
	expect "$b: example.org blocked by --domain" blocked "$(ask $S www.example.org)"
	expect "$b: -S" "-P OUTPUT ACCEPT
-A OUTPUT -m dnsblock -j DROP
-A OUTPUT -m dnsblock --domain example.org --domain foo.test -j DROP
-A OUTPUT -p udp -m dnsblock ! --domain keep.test -j ACCEPT" "$($ipt -S OUTPUT)"
	list=$($ipt -L OUTPUT -v -n)
	grep -q "dnsblock domains example.org,foo.test" <<<"$list"
	pkts=$($ipt -L OUTPUT -v -n -x | awk '/domains example.org/ { print $1 }')
	[ "$pkts" -ge 1 ] || { echo "FAIL $b: counter $pkts"; exit 1; }
	echo "ok   $b: -L -v shows the rule and counts ($pkts)"

	# Deleted by its arguments: the other dnsblock rules stay.
	$ipt -D OUTPUT -m dnsblock --domain example.org --domain foo.test -j DROP
	expect "$b: example.org passes after -D" 192.0.2.1 "$(ask $S example.org)"
	expect "$b: github.com still blocked" blocked "$(ask $S github.com)"
	expect_fail "$b: -D of a rule that is not there" "." \
		$ipt -D OUTPUT -m dnsblock --domain nothere.test -j DROP

	# Save and restore round-trip.
	saved=$($ipt-save -t filter | grep -- '-A OUTPUT')
	$ipt -F OUTPUT
	expect "$b: flushed" 192.0.2.1 "$(ask $S github.com)"
	printf '*filter\n%s\nCOMMIT\n' "$saved" | $ipt-restore
	expect "$b: restored" "$saved" "$($ipt-save -t filter | grep -- '-A OUTPUT')"
	expect "$b: github.com blocked after restore" blocked "$(ask $S github.com)"
	$ipt -F OUTPUT

	# IPv6
	$ip6t -A OUTPUT -m dnsblock -j DROP
	expect "$b: v6 github.com blocked" blocked "$(ask $S6 github.com)"
	expect "$b: v6 example.org passes" 192.0.2.1 "$(ask $S6 example.org)"
	$ip6t -F OUTPUT
	expect "$b: v6 after flush" 192.0.2.1 "$(ask $S6 github.com)"
done

# Rules keep the module: rmmod is refused, nothing breaks.
iptables-nft -A OUTPUT -m dnsblock -j DROP
iptables-legacy -A OUTPUT -m dnsblock -j DROP
expect_fail "rmmod luaxtable while rules exist" "in use" rmmod luaxtable
expect_fail "rmmod luanetfilter while rules exist" "in use" rmmod luanetfilter

# Stopping the script: its rules stay and no longer match.
lunatik stop examples/dnsblock/dnsblock
log=$(dmesg)
grep -q "dnsblock: script stopped while 2 rule(s) use it: they do not match" <<<"$log"
expect "after stop: github.com passes" 192.0.2.1 "$(ask $S github.com)"
expect_fail "no new rule without the script" "." iptables-legacy -A OUTPUT -m dnsblock -j DROP
# Running it again rebinds the rules.
lunatik run examples/dnsblock/dnsblock false
expect "after rerun: github.com blocked" blocked "$(ask $S github.com)"
iptables-legacy -F OUTPUT
iptables-nft -F OUTPUT
lunatik stop examples/dnsblock/dnsblock
lunatik unload
expect "modules unloaded" "" "$(lsmod | grep -E '^lua(xtable|netfilter) ' || true)"
kernel_clean
