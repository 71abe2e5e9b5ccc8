#!/bin/bash
# `lunatik unload` and `reload` refuse while rules use Lua extensions,
# before they stop anything: scripts keep running and filtering, the
# device stays. And a huge checkentry error still gets a (truncated) log
# line.
# vm-timeout: 180
set -euo pipefail
. ./testlib.bash

held_cleanup() {
	for t in iptables-legacy iptables-nft; do
		$t -F OUTPUT 2>/dev/null || true
	done
	cleanup
}
trap held_cleanup EXIT

lunatik load
rules=/sys/module/luaxtable/parameters/rules
expect "no rules" 0 "$(cat $rules)"
put_script xt_held <<'EOT'
local xtable = require("xtable")
xtable.match{name = "dnsblock", revision = 0,
	match = function () return true end,
	checkentry = function (args)
		-- libxt_dnsblock's typed arguments
		if args.domain and args.domain[1] == "huge" then error(string.rep("x", 100000)) end
	end}
EOT
lunatik run xt_held false
lunatik run examples/dnsblock/nf_dnsblock false
iptables-legacy -A OUTPUT -m dnsblock -j ACCEPT
iptables-nft -A OUTPUT -m dnsblock -j ACCEPT
expect "two rules" 2 "$(cat $rules)"
running=$(lunatik list)
for verb in unload reload; do
	expect_fail "$verb refused while rules use luaxtable" \
		"^lunatik: 2 iptables/nftables rule\(s\) use Lua extensions \(luaxtable\): delete them first; nothing was stopped or unloaded$" \
		lunatik $verb
	expect "$verb refused: every script still runs" "$running" "$(lunatik list)"
	[ -c /dev/lunatik ] || { echo "FAIL $verb refused: /dev/lunatik is gone"; exit 1; }
	expect "$verb refused: every module loaded" 0 "$(lunatik status | grep -c 'not loaded' || true)"
done
echo x | socat -u - UDP:127.0.0.1:9 2>/dev/null || true
pkts=$(iptables-legacy -L OUTPUT -v -n -x | awk '/dnsblock/ { print $1 }')
[ "$pkts" -gt 0 ] || { echo "FAIL the match no longer matches"; exit 1; }
echo "ok   the match still matches ($pkts packets)"

# A 100 KB checkentry error: refused, and logged, truncated.
for b in legacy nft; do
	expect_fail "$b: a checkentry raising 100 KB is refused" "." \
		iptables-$b -A OUTPUT -m dnsblock --domain huge -j ACCEPT
done
n=$(dmesg | grep -cE "dnsblock: checkentry: .*xt_held.lua:[0-9]+: x{300,}\.\.\. \(1000[0-9]{2} bytes, truncated\)$" || true)
expect "both refusals logged, truncated" 2 "$n"

iptables-legacy -F OUTPUT
expect "one rule left" 1 "$(cat $rules)"
expect_fail "unload still refused" "1 iptables/nftables rule" lunatik unload
iptables-nft -F OUTPUT
expect "no rule left" 0 "$(cat $rules)"
lunatik reload
expect "reload stops the scripts" "" "$(lunatik list)"
lunatik unload
expect "unload then unloads" "" "$(lunatik status | grep -v 'not loaded' || true)"
kernel_clean
