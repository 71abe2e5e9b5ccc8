#!/bin/bash
# examples/shared (the key-value store on TCP port 90: one thread serves
# every client at once) and examples/tap (/dev/tap shows the frames an
# AF_PACKET socket sees), as their READMEs say.
# vm-timeout: 180
set -euo pipefail
. ./testlib.bash
# Clients left in the background on failure would hold the output open.
trap 'kill $(jobs -p) 2>/dev/null || true; cleanup' EXIT

# ask LINES: what shared answers to LINES (printf format) in one session.
ask() {
	printf "$1" | timeout 10 nc -N 127.0.0.1 90
}

make -C /root/lunatik examples_install >/dev/null
lunatik load

# shared
lunatik spawn examples/shared
wait_for "shared listens on 127.0.0.1:90" eval "ss -ltn | grep -q '127.0.0.1:90 '"
expect "store and read in one session" "bar" "$(ask 'foo=bar\nfoo\n')"
expect "another session reads it" "bar" "$(ask 'foo\n')"
expect "an unknown key is an empty line" "" "$(ask 'nope\n')"
expect "lines in one packet, replaced values" "$(printf 'one\ntwo')" "$(ask 'k1=one\nk1\nk1=two\nk1\n')"
expect "a malformed line" "error: expected key, key=value or key=" "$(ask 'no spaces allowed\n')"
# A client that stays connected does not stop others.
{ printf 'idle=here\n'; sleep 4; printf 'idle\nfoo\n'; } | timeout 15 nc -N 127.0.0.1 90 >/tmp/shared.idle &
wait_for "the idle client is connected" eval "ss -tn | grep -qE 'ESTAB.*127\.0\.0\.1:90( |$)'"
expect "others are served meanwhile and see its value" "here" "$(ask 'idle\n')"
expect "remove" "$(printf 'bar\n')" "$(ask 'foo\nfoo=\nfoo\n')"
wait
expect "the idle client saw foo removed" "$(printf 'here\n')" "$(cat /tmp/shared.idle)"
rm -f /tmp/shared.idle
{ printf 'x=1\n'; sleep 30; } | timeout 40 nc 127.0.0.1 90 >/dev/null &
wait_for "a client is connected" eval "ss -tn | grep -qE 'ESTAB.*127\.0\.0\.1:90( |$)'"
timeout 20 lunatik stop examples/shared
wait_for "stop ends the thread" eval '[ "$(count_tasks "^shared$")" = 0 ]'
kill %1 2>/dev/null || true
wait || true
# Closed connections on their way out (TIME-WAIT, FIN-WAIT) are no sockets of shared.
expect "no socket on port 90" "0" "$(ss -atn | grep -vE 'TIME-WAIT|FIN-WAIT|LAST-ACK|CLOSING' | grep -cE ':90( |$)' || true)"
expect "shared said it stopped" "1" "$(dmesg | grep -c 'shared: stopped')"

# tap: frames between a veth pair with known addresses.
tap_veth
packets_before=$(ss -0 -a | wc -l)
lunatik run examples/tap
[ -c /dev/tap ]
expect "mode of /dev/tap" "444" "$(stat -c %a /dev/tap)"
expect "one more packet socket" "$((packets_before + 1))" "$(ss -0 -a | wc -l)"
timeout 30 cat /dev/tap >/tmp/tap.out &
catpid=$!
sleep 0.5
ping -c 2 -W 2 10.99.0.2 >/dev/null
wait_for "an ARP request is shown" grep -q '^02:00:00:00:00:01 -> ff:ff:ff:ff:ff:ff type 0x0806 size 42$' /tmp/tap.out
wait_for "the echo requests are shown" grep -q '^02:00:00:00:00:01 -> 02:00:00:00:00:02 type 0x0800 size 98$' /tmp/tap.out
wait_for "and the replies" grep -q '^02:00:00:00:00:02 -> 02:00:00:00:00:01 type 0x0800 size 98$' /tmp/tap.out
kill $catpid
wait $catpid || true
ping -c 1 -W 1 10.99.0.2 >/dev/null
timeout 20 lunatik stop examples/tap
[ ! -e /dev/tap ]
echo "ok   /dev/tap is gone"
expect "the packet socket is gone" "$packets_before" "$(ss -0 -a | wc -l)"
ip link del taph
ip netns del tapns
rm -f /tmp/tap.out
lunatik unload
kernel_clean
