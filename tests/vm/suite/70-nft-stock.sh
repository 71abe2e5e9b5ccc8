#!/bin/bash
# nft-lua with stock xtables extensions (comment, mark, owner, LOG) in ip,
# ip6, inet and bridge tables: add, insert, position, list with handles,
# delete by handle, counters, stock nft list ruleset, save and restore,
# rules of iptables-nft in the same table, and every error it reports.
# vm-timeout: 300
set -euo pipefail
. ./testlib.bash
. ./nftlib.bash

nft_setup
for f in ip ip6 inet; do
	X nft add table $f t
	X nft add chain $f t out '{ type filter hook output priority 0 ; }'
done
X nft add table bridge b
X nft add chain bridge b f '{ type filter hook forward priority 0 ; }'

# ip: add, insert, position, counters
N add rule ip t out udp dport 9999 comment --comment hello counter accept
N insert rule ip t out mark --mark 0x1/0xff counter drop
h=$(handle_of 'comment --comment hello')
N add rule ip t out position "$h" udp sport 7 counter
expect "ip: list" "table ip t
	chain out { type filter hook output priority filter ; policy accept ; }
		mark --mark 0x1/0xff counter packets 0 bytes 0 drop # handle 3
		udp dport 9999 match comment --comment hello counter packets 0 bytes 0 accept # handle 2
		udp sport 7 counter packets 0 bytes 0 # handle 4" "$(N list ip t)"
udp_send 127.0.0.1 9999 3
expect "ip: counter counts" "udp dport 9999 match comment --comment hello counter packets 3 bytes 93 accept # handle 2" \
	"$(N list ip t out | grep hello | sed 's/^\t*//')"
out=$(X nft list ruleset)
grep -q 'udp dport 9999 .*counter packets 3 bytes 93 accept' <<<"$out"
grep -q 'mark and 0xff == 0x1 counter packets 0 bytes 0 drop' <<<"$out"
echo "ok   ip: nft list ruleset shows the rules"
N delete rule ip t out handle 3
expect_fail "ip: delete a deleted handle" "no rule with that handle" N delete rule ip t out handle 3
expect "ip: deleted by handle" "" "$(N list ip t | grep 'mark --mark' || true)"

# A target: LOG logs with its prefix (from a namespace only when allowed)
modprobe nf_log_syslog
sysctl -qw net.netfilter.nf_log_all_netns=1
N add rule ip t out udp dport 9998 LOG --log-prefix "nftlua-v4: "
udp_send 127.0.0.1 9998 1
grep -q 'nftlua-v4: .*DPT=9998' <<<"$(dmesg)"
echo "ok   ip: LOG target logs"

# ip6
N add rule ip6 t out udp dport 9999 comment --comment six counter
N add rule ip6 t out udp dport 9998 LOG --log-prefix "nftlua-v6: "
udp_send ::1 9999 2
udp_send ::1 9998 1
expect "ip6: counter counts" "udp dport 9999 match comment --comment six counter packets 2 bytes 102" \
	"$(N list ip6 t out | grep six | sed 's/^\t*//; s/ # handle.*//')"
grep -q 'nftlua-v6: .*DPT=9998' <<<"$(dmesg)"
echo "ok   ip6: LOG target logs"
sysctl -qw net.netfilter.nf_log_all_netns=0

# inet: a family-independent match sees IPv4 and IPv6
N add rule inet t out udp dport 9997 comment --comment both counter
udp_send 127.0.0.1 9997 1
udp_send ::1 9997 1
expect "inet: counts IPv4 and IPv6" "counter packets 2 bytes 82" \
	"$(N list inet t out | grep -o 'counter packets [0-9]* bytes [0-9]*')"
expect_fail "inet: LOG is IPv4/IPv6 only" "not found for inet tables" \
	N add rule inet t out LOG

# bridge
N add rule bridge b f comment --comment br counter
expect "bridge: list" "match comment --comment br counter packets 0 bytes 0" \
	"$(N list bridge b | grep 'comment br' | sed 's/^\t*//; s/ # handle.*//')"

out=$(X nft list ruleset)
for f in "ip t" "ip6 t" "inet t" "bridge b"; do
	grep -q "^table $f {" <<<"$out"
done
echo "ok   nft list ruleset succeeds with every family"

# save and restore: the same ruleset back, counters included
saved=$(N save)
X nft flush ruleset
expect "flushed" "" "$(X nft list ruleset)"
N -f - <<<"$saved"
expect "save, restore, save" "$saved" "$(N save)"
N restore <<<"$saved"
expect "restore again replaces" "$saved" "$(N save)"
udp_send 127.0.0.1 9999 1
grep -q 'counter packets 4 bytes 124' <<<"$(N list ip t out)"
echo "ok   restored rules count on"

# a restore file fails as a whole
before=$(N save)
expect_fail "restore: error on a later line" "line 2: add rule ip t nosuch: no such chain ip t nosuch" \
	N -f - <<<"add rule ip t out counter
add rule ip t nosuch accept"
expect "restore: nothing applied" "$before" "$(N save)"
expect_fail "restore: bad words on a line" "line 1: mark: option \"--nope\"|line 1: .*--nope" \
	N -f - <<<"add rule ip t out mark --nope"

# iptables-nft in the same table
X iptables-nft -A OUTPUT -p udp --dport 7777 -j ACCEPT
N add rule ip filter OUTPUT udp dport 7778 comment --comment mixed counter accept
out=$(X iptables-nft -S OUTPUT)
grep -q -- '-A OUTPUT -p udp -m udp --dport 7777 -j ACCEPT' <<<"$out"
grep -q -- '-A OUTPUT -p udp -m udp --dport 7778 -m comment --comment mixed -j ACCEPT' <<<"$out"
echo "ok   iptables-nft -S shows both"
expect "nft-lua lists the iptables-nft rule" "udp dport 7777 counter packets 0 bytes 0 accept" \
	"$(N list ip filter | grep 7777 | sed 's/^\t*//; s/ # handle.*//')"
X iptables-nft -A OUTPUT -s 192.0.2.9 -j DROP
expect "a rule outside the grammar" "1" "$(N list ip filter | grep -c 'not in nft-lua.s grammar')"
expect_fail "save says what it left out" "1 rule\(s\) not saved" N save
X iptables-nft -D OUTPUT -s 192.0.2.9 -j DROP
X nft list ruleset >/dev/null
echo "ok   nft list ruleset with both"

# errors
expect_fail "no such table" "no such table ip nosuch" N add rule ip nosuch out accept
expect_fail "no such chain" "no such chain ip t nosuch" N add rule ip t nosuch accept
expect_fail "no such plugin" "unknown word or extension \"nosuchext\"" N add rule ip t out nosuchext
expect_fail "nft's own syntax points to nft" "\"ip\" is nft's own syntax, which nft-lua leaves to nft" \
	N add rule ip t out ip saddr 1.2.3.4 drop
expect_fail "restore from a directory" "/tmp: Is a directory" N -f /tmp
expect_fail "bad argument" "mark" N add rule ip t out mark --mark zz
expect_fail "unknown option" "unknown option \"--nope\"" N add rule ip t out comment --nope x
expect_fail "unsupported family" "unknown or unsupported family" N add rule netdev t out accept
X nft add chain ip t in '{ type filter hook input priority 0 ; }'
expect_fail "hook the extension refuses" "refused match owner: .*hook" \
	N add rule ip t in owner --uid-owner 0
expect_fail "no privileges" "permission denied" \
	X setpriv --reuid=1000 --regid=1000 --clear-groups "$NFT_LUA" list
expect_fail "no privileges to add" "permission denied" \
	X setpriv --reuid=1000 --regid=1000 --clear-groups "$NFT_LUA" add rule ip t out accept
kernel_clean
