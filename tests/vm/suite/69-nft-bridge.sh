#!/bin/bash
# nft-lua's bridge tables: chain priorities by nft's bridge names (filter
# is -200, out 100 at the output hook), printed back by name by nft-lua and nft alike; and
# a Lua target in a bridge chain, whose verdicts nf_tables reads as
# ebtables' there: CONTINUE goes on to the next rule (it would accept if
# given as is), DROP drops, ACCEPT accepts.
# vm-timeout: 300
set -euo pipefail
. ./testlib.bash
. ./nftlib.bash

nft_setup
ip netns add nfpeer
trap 'ip netns del nfpeer 2>/dev/null || true; nft_cleanup' EXIT
X ip link add br0 type bridge
X ip link add veth0 type veth peer name veth1 netns nfpeer
X ip link set veth0 master br0
X sysctl -qw net.ipv6.conf.all.disable_ipv6=1	# only our datagrams go out
X ip link set veth0 up
X ip link set br0 up
X ip addr add 10.9.69.1/24 dev br0
ip -n nfpeer addr add 10.9.69.2/24 dev veth1
ip -n nfpeer link set veth1 up

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

# A Lua target: the verdict comes from --domain (dnsdoctor's plugin).
put_script xt_brverdict <<'EOT'
local nf = require("netfilter")
local verdicts = {accept = nf.action.ACCEPT, drop = nf.action.DROP, continue = nf.action.CONTINUE}
require("xtable").target{name = "dnsdoctor", revision = 0, target = function (skb, par, args)
	return verdicts[args.domain] or nf.action.CONTINUE
end}
EOT
lunatik run xt_brverdict false
send() { X bash -c 'for i in 1 2 3; do echo hi >/dev/udp/10.9.69.2/9; done' 2>/dev/null || true; }
# counted: packets of the counter rule after the target
counted() { N list bridge b out | sed -n 's/.*udp dport 9 counter packets \([0-9]*\) .*/\1/p'; }
for v in continue accept drop; do
	N flush chain bridge b out
	N add rule bridge b out target dnsdoctor --domain $v
	N add rule bridge b out udp dport 9 counter
	send
	case $v in continue) want=3 ;; *) want=0 ;; esac
	expect "bridge: a Lua target's $v" "$want" "$(counted)"
done
# DROP really drops: the peer sees nothing
N flush chain bridge b out
N add rule bridge b out target dnsdoctor --domain drop
ip netns exec nfpeer timeout 10 socat -u UDP-RECV:9 - >/tmp/vmt69.out 2>/dev/null &
for _ in $(seq 50); do ip netns exec nfpeer ss -lun | grep -q ':9 ' && break; sleep 0.1; done
send
N flush chain bridge b out
send
for _ in $(seq 50); do [ "$(wc -l </tmp/vmt69.out)" -lt 3 ] || break; sleep 0.1; done
expect "bridge: dropped datagrams never arrive, later ones do" 3 "$(wc -l </tmp/vmt69.out)"
rm -f /tmp/vmt69.out
lunatik stop xt_brverdict
lunatik unload
kernel_clean
