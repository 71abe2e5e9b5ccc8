#!/bin/bash
# The filter example: the XDP program https.o (make ebpf, make ebpf_install
# into /usr/local; or the lunatik-examples package's, in /usr) in generic
# mode on the server's veth hands TLS ClientHellos to port 443 to
# examples/filter/sni, which drops those naming a configured server (and
# logs them) and lets the others reach the server, over IPv4 and IPv6; after
# `lunatik stop` everything passes again. Then the same with Lunatik's own
# https.c and sni.lua (read from the mirror, unmodified; build-bpf.sh).
# vm-timeout: 300
set -euo pipefail
. ./testlib.bash

C=vmt-flc S=vmt-fls
HTTPS=$LUNATIK_PREFIX/lib/bpf/lunatik/https.o
SNI=$LUA_DIR/examples/filter/sni.lua
L=lunatik-examples/filter
[ -f $HTTPS ] || { echo "FAIL $HTTPS is not installed (make ebpf_install, or lunatik-examples)"; exit 1; }
[ -f $L/https.o ] && [ -f $L/sni.lua ] ||
	{ echo "FAIL Lunatik's filter example is not staged (tests/vm/build-bpf.sh needs the mirror and clang)"; exit 1; }
cleanup_net() {
	# the server and its children (a dropped hello leaves one waiting): they hold our output
	kill $(ip netns pids $S 2>/dev/null) $(ip netns pids $C 2>/dev/null) 2>/dev/null || true
	[ ! -f "$SNI.ours" ] || mv -f "$SNI.ours" "$SNI"
	ip netns del $C 2>/dev/null || true
	ip netns del $S 2>/dev/null || true
	cleanup
}
trap cleanup_net EXIT
veth_pair $C $S 8

# The server: every connection to 443 appends what it got to one file.
got=$(mktemp)
ip netns exec $S socat -u TCP6-LISTEN:443,ipv6only=0,reuseaddr,fork OPEN:"$got",append \
	>/dev/null 2>&1 &
# hello ADDR NAME: a ClientHello naming NAME, sent from C
hello() {
	local a=$1
	[[ $a != *:* ]] || a="[$a]"
	lua5.4 tls-hello.lua "$2" | ip netns exec $C timeout 5 socat -u - TCP:"$a":443 >/dev/null 2>&1 || true
}
arrived() { grep -ac -- "$1" "$got" || true; }
# reaches NAME: the server got a hello naming NAME (waits for it)
reaches() {
	for _ in $(seq 50); do [ "$(arrived "$1")" -ge 1 ] && return 0; sleep 0.1; done
	return 1
}
for _ in $(seq 50); do ip netns exec $S ss -ltn | grep -q ':443 ' && break; sleep 0.1; done

lunatik load
ip -n $S link set dev vs xdpgeneric obj $HTTPS sec xdp
hello 10.9.8.1 before.blocked.example
reaches before.blocked.example
echo "ok   without the script, the program lets hellos through"

dmesg -c >/dev/null
lunatik run examples/filter/sni false
hello 10.9.8.1 www.allowed.example
hello fd00:98::1 v6.allowed.example
reaches www.allowed.example && reaches v6.allowed.example ||
	{ echo "FAIL an allowed hello did not reach the server"; exit 1; }
echo "ok   allowed server names reach the server (IPv4, IPv6)"
echo "plain text, not TLS" | ip netns exec $C timeout 5 socat -u - TCP:10.9.8.1:443
reaches "plain text, not TLS"
echo "ok   data that is no ClientHello passes"
# (each right after its hello: print from XDP is rate-limited, and every
# retransmission of a dropped segment is dropped and logged again)
hello 10.9.8.1 a1.blocked.example
wait_log "filter: a1.blocked.example DROP"
hello fd00:98::1 a2.blocked.example
wait_log "filter: a2.blocked.example DROP"
hello 10.9.8.1 EBPF.io
wait_log "filter: EBPF.io DROP"
hello 10.9.8.1 after.allowed.example
reaches after.allowed.example
expect "configured names are dropped (IPv4, IPv6, any case, subdomains)" "0 0 0" \
	"$(arrived a1.blocked.example) $(arrived a2.blocked.example) $(arrived EBPF.io)"
expect "the allowed ones are not logged" 0 "$(nlog 'filter: .*allowed')"

lunatik stop examples/filter/sni
hello 10.9.8.1 a3.blocked.example
hello fd00:98::1 a4.blocked.example
reaches a3.blocked.example && reaches a4.blocked.example ||
	{ echo "FAIL after lunatik stop a hello was still dropped"; exit 1; }
echo "ok   after lunatik stop everything passes"
ip -n $S link set dev vs xdpgeneric off

# Lunatik's example, unmodified: its https.c (IPv4) and sni.lua, which
# drops ebpf.io and logs every name it sees.
mv "$SNI" "$SNI.ours"
install -m 0644 $L/sni.lua "$SNI"
ip -n $S link set dev vs xdpgeneric obj $L/https.o sec xdp
echo "ok   Lunatik's https.o loads"
dmesg -c >/dev/null
sudo lunatik run examples/filter/sni false
hello 10.9.8.1 ebpf.io
wait_log "filter_sni: ebpf.io DROP"
hello 10.9.8.1 lunatik.allowed.example
reaches lunatik.allowed.example
wait_log "filter_sni: lunatik.allowed.example PASS"
expect "Lunatik's sni.lua drops ebpf.io" 0 "$(arrived 'ebpf\.io')"
sudo lunatik stop examples/filter/sni
hello 10.9.8.1 ebpf.io
reaches 'ebpf\.io'
echo "ok   after lunatik stop ebpf.io passes"
ip -n $S link set dev vs xdpgeneric off
mv -f "$SNI.ours" "$SNI"

lunatik unload
kernel_clean
