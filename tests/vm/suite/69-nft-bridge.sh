#!/bin/bash
# nft-lua's bridge tables: chain priorities by nft's bridge names (filter
# is -200, out 100 at the output hook), printed back by name by nft-lua and
# nft alike. A Lua target in a bridge table is refused with a clear
# message (nft-lua, kernel log); a Lua match filters bridged packets.
set -euo pipefail
. ./testlib.bash
. ./nftlib.bash

nft_setup

N add table bridge b
N add chain bridge b out '{ type filter hook output priority out ; }'
N add chain bridge b fwd '{ type filter hook forward priority filter ; }'
N add chain bridge b pre '{ type filter hook prerouting priority dstnat + 5 ; }'
expect_fail "bridge out is for the output hook, as in nft" 'not a bridge chain priority' \
	N add chain bridge b fwd2 '{ type filter hook forward priority out ; }'
expect "nft-lua lists bridge priorities by name" \
"	chain out { type filter hook output priority out ; policy accept ; }
	chain fwd { type filter hook forward priority filter ; policy accept ; }
	chain pre { type filter hook prerouting priority dstnat + 5 ; policy accept ; }" \
	"$(N list bridge b | grep chain)"
expect "nft reads them as the same priorities" \
"type filter hook output priority out; policy accept;
type filter hook forward priority filter; policy accept;
type filter hook prerouting priority dstnat + 5; policy accept;" \
	"$(X nft list table bridge b | sed -n 's/^[[:space:]]*\(type filter hook\)/\1/p')"
X nft add chain bridge b nftmade '{ type filter hook input priority -200 ; }'
expect "a chain nft made at -200 is filter to nft-lua" \
	"	chain nftmade { type filter hook input priority filter ; policy accept ; }" \
	"$(N list bridge b | grep 'chain nftmade')"
X nft add table ip t4
X nft add chain ip t4 c '{ type filter hook input priority -150 ; }'
expect "ip -150 is mangle" "	chain c { type filter hook input priority mangle ; policy accept ; }" \
	"$(N list ip t4 | grep chain)"
expect_fail "ip has no out priority" 'not a ip chain priority' \
	N add chain ip t4 d '{ type filter hook input priority out ; }'

# The bridge: two hosts (namespaces vmt69a, vmt69b) on br0 in $NS.
br_cleanup() {
	ip netns del vmt69a 2>/dev/null || true
	ip netns del vmt69b 2>/dev/null || true
	nft_cleanup
}
trap br_cleanup EXIT
X ip link add br0 type bridge
X ip link set br0 up
for h in a b; do
	ip netns add vmt69$h
	ip -n vmt69$h link set lo up
	X ip link add ${h}0 type veth peer name ${h}1 netns vmt69$h
	X ip link set ${h}0 master br0 up
	ip -n vmt69$h link set ${h}1 up
done
ip -n vmt69a addr add 10.69.0.1/24 dev a1
ip -n vmt69b addr add 10.69.0.2/24 dev b1
# the first ping learns the neighbours (and waits for the bridge port to forward)
for _ in $(seq 30); do ip netns exec vmt69a ping -c 1 -W 1 10.69.0.2 >/dev/null 2>&1 && break; done
pings() { ip netns exec vmt69a ping -c 1 -W 1 10.69.0.2 >/dev/null 2>&1 && echo passes || echo dropped; }
expect "the bridge forwards" passes "$(pings)"

put_script vmt69_tg <<'EOT'
local nf = require("netfilter")
local verdicts = {["continue.test"] = nf.action.CONTINUE, ["accept.test"] = nf.action.ACCEPT,
	["drop.test"] = nf.action.DROP, ["return.test"] = nf.action.RETURN}
require("xtable").target{name = "dnsdoctor", revision = 0, target = function (skb, par, args)
	return verdicts[args.domain]	-- the verdict comes from libxt_dnsdoctor's --domain
end}
EOT
lunatik run vmt69_tg false
N add chain bridge b lua '{ type filter hook forward priority filter ; }'
# nf_tables reads a bridge target's result as ebtables' and its bridge
# chains refuse a Lua target's rules at validation ("No such file or
# directory" before): refused at once, with a message from nft-lua and a
# kernel log line, in base and regular chains alike.
expect_fail "a Lua target in a bridge base chain is refused" \
	"cannot run in bridge tables" \
	N add rule bridge b lua dnsdoctor --domain continue.test
N add chain bridge b regular
expect_fail "and in a regular chain" "cannot run in bridge tables" \
	N add rule bridge b regular dnsdoctor --domain continue.test
wait_log "dnsdoctor: refused: Lua targets cannot run in nftables bridge tables"
expect "no rule was added" 0 "$(X nft list table bridge b | grep -c dnsdoctor || true)"
# A Lua match and nft's verdicts do the job.
lunatik stop vmt69_tg
put_script vmt69_mt <<'EOT'
require("xtable").match{name = "dnsblock", revision = 0, match = function (skb, par, args)
	return args.domain and args.domain[1] == "drop.test"	-- libxt_dnsblock's typed arguments
end}
EOT
lunatik run vmt69_mt false
N add rule bridge b lua dnsblock --domain drop.test drop
expect "a Lua match in a bridge chain: drop" dropped "$(pings)"
X nft flush chain bridge b lua
N add rule bridge b lua dnsblock --domain keep.test drop
expect "a Lua match in a bridge chain: no match" passes "$(pings)"
X nft flush chain bridge b lua

kernel_clean
