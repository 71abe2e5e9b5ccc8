#!/bin/bash
# xtables extensions that go wrong: a match that raises (fail verdict,
# bounded logging, the system stays up), checkentry rejecting a rule, an
# extension no script registered, a sleepable runtime, duplicate and
# native names, target verdicts (RETURN under nft, bad values). Test
# scripts borrow the names of the example plugins.
# vm-timeout: 300
set -euo pipefail
. ./testlib.bash

xt_cleanup() {
	for t in iptables-legacy iptables-nft; do
		$t -F OUTPUT 2>/dev/null || true
		$t -F xtchain 2>/dev/null || true
		$t -X xtchain 2>/dev/null || true
	done
	cleanup
}
trap xt_cleanup EXIT
lunatik load

for b in legacy nft; do
	expect_fail "$b: no script registered dnsblock" "dnsblock revision 0 not supported, missing kernel module|Couldn't load match .dnsblock." \
		iptables-$b -A OUTPUT -m dnsblock -j DROP
done
expect_fail "no plugin for the name" "Couldn't load match .nosuchext." iptables -A OUTPUT -m nosuchext -j DROP

put_script xt_raise <<'EOT'
local xtable = require("xtable")
xtable.match{name = "dnsblock", revision = 0, match = function (skb, par, args)
	error("boom " .. par.hooknum)
end}
EOT
lunatik run xt_raise false
for b in legacy nft; do
	iptables-$b -A OUTPUT -o lo -p udp -m dnsblock -j DROP
	for i in $(seq 40); do echo x; done | socat -u - UDP:127.0.0.1:9,ttl=1 2>/dev/null || true
	for _ in $(seq 40); do echo x | socat -u - UDP:127.0.0.1:9 2>/dev/null || true; done
	pkts=$(iptables-$b -L OUTPUT -v -n -x | awk '/dnsblock/ { print $1 }')
	expect "$b: a raising match never matches" 0 "$pkts"
	iptables-$b -F OUTPUT
done
log=$(dmesg)
n=$(grep -c "xtable dnsblock: .*boom 3" <<<"$log" || true)
# 10 lines per 5 s per extension: well under one per packet here.
[ "$n" -ge 1 ] && [ "$n" -lt 60 ] || { echo "FAIL errors logged $n times"; exit 1; }
echo "ok   errors are logged at a bounded rate ($n lines for 80 packets)"
lunatik stop xt_raise

put_script xt_check <<'EOT'
local xtable = require("xtable")
xtable.match{name = "dnsblock", revision = 0,
	match = function () return true end,
	checkentry = function (args)	-- libxt_dnsblock's typed arguments
		if next(args) then error("no arguments, got '" .. args.domain[1] .. "'") end
	end}
EOT
lunatik run xt_check false
for b in legacy nft; do
	iptables-$b -A OUTPUT -m dnsblock -j ACCEPT
	expect_fail "$b: checkentry rejects" "." iptables-$b -A OUTPUT -m dnsblock --domain x.test -j ACCEPT
	expect "$b: the accepted rule is there" "-A OUTPUT -m dnsblock -j ACCEPT" "$(iptables-$b -S OUTPUT | grep dnsblock)"
	iptables-$b -F OUTPUT
done
log=$(dmesg)
grep -q "dnsblock: checkentry: .*no arguments, got 'x.test'" <<<"$log"
echo "ok   the rejection is logged with the script's message"

put_script xt_dup <<'EOT'
require("xtable").match{name = "dnsblock", revision = 0, match = function () return false end}
EOT
expect_fail "the same extension twice" "already registered" lunatik run xt_dup false
expect_fail "a sleepable runtime" "non-sleepable" lunatik run xt_dup
lunatik stop xt_check
modprobe xt_mark
put_script xt_native <<'EOT'
require("xtable").match{name = "mark", revision = 0, match = function () return false end}
EOT
expect_fail "a native extension's name" "already named" lunatik run xt_native false
put_script xt_badname <<'EOT'
require("xtable").match{name = "a b", match = function () return false end}
EOT
expect_fail "a bad name" "invalid name" lunatik run xt_badname false

# Targets: RETURN leaves a user chain under nft (legacy x_tables cannot
# return from a target: there it continues); DROP drops; a value that is no
# verdict continues, counted and logged. The verdict comes from --domain.
put_script xt_verdict <<'EOT'
local nf = require("netfilter")
local verdicts = {["return"] = nf.action.RETURN, drop = nf.action.DROP, bad = 12345, str = "x"}
require("xtable").target{name = "dnsdoctor", revision = 0, target = function (skb, par, args)
	return verdicts[args.domain] or nf.action.CONTINUE	-- libxt_dnsdoctor's typed arguments
end}
EOT
lunatik run xt_verdict false
send() { for _ in $(seq 5); do echo x | socat -u - UDP:127.0.0.1:9 2>/dev/null || true; done; }
# counted ipt CHAIN: packets of the last rule of CHAIN (a rule without target).
counted() { $1 -L "$2" -v -n -x | awk 'NR > 2 { n = $1 } END { print n }'; }
for b in legacy nft; do
	ipt=iptables-$b
	$ipt -N xtchain
	$ipt -A OUTPUT -o lo -p udp --dport 9 -j xtchain
	$ipt -A xtchain -j dnsdoctor --domain return
	$ipt -A xtchain
	send
	if [ $b = nft ]; then want=0; else want=5; fi
	expect "$b: RETURN" "$want" "$(counted $ipt xtchain)"
	$ipt -F xtchain
	$ipt -A xtchain -j dnsdoctor --domain drop
	$ipt -A xtchain
	send
	expect "$b: DROP" 0 "$(counted $ipt xtchain)"
	$ipt -F xtchain
	$ipt -A xtchain -j dnsdoctor --domain bad
	$ipt -A xtchain -j dnsdoctor --domain str
	$ipt -A xtchain
	send
	expect "$b: unusable verdicts continue" 5 "$(counted $ipt xtchain)"
	$ipt -F OUTPUT
	$ipt -F xtchain
	$ipt -X xtchain
done
log=$(dmesg)
grep -q "xtable dnsdoctor: .*verdict 12345, which a target cannot give" <<<"$log"
grep -q "xtable dnsdoctor: .*target returned string, not a netfilter.action" <<<"$log"
echo "ok   unusable verdicts are logged"
lunatik stop xt_verdict
lunatik unload
kernel_clean
