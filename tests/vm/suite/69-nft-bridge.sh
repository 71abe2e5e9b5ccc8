#!/bin/bash
# nft-lua's bridge tables: chain priorities by nft's bridge names (filter
# is -200, out 100 at the output hook), printed back by name by nft-lua and
# nft alike. (A Lua target in a bridge chain is still refused by the kernel
# with ENOENT: not covered here yet.)
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

kernel_clean
