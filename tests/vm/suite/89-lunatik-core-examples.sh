#!/bin/bash
# Lunatik's own socket examples, unmodified, installed where its `make
# examples_install` puts them and started as its README says: echod (its
# e1ec2c72 version: the daemon drops each worker runtime's handle after
# thread.run, the thread keeps it alive), shared and tap (789f7334).
# vm-timeout: 300
set -euo pipefail
. ./testlib.bash
WAIT_FOR_S=20

EX=$LUA_DIR/examples
for f in echod/daemon echod/worker shared tap; do
	[ -f "lunatik-examples/$f.lua" ] || {
		echo "FAIL Lunatik's $f.lua is not staged (tests/vm/lunatik-examples.sh needs Lunatik's git mirror)"
		exit 1
	}
done
# Our examples live at the same places: keep them aside, put them back at exit.
BACKUP=$(mktemp -d)
for f in echod/daemon echod/worker shared tap; do
	if [ -f "$EX/$f.lua" ]; then
		mkdir -p "$BACKUP/$(dirname "$f")"
		cp -p "$EX/$f.lua" "$BACKUP/$f.lua"
	fi
	install -D -m 0644 "lunatik-examples/$f.lua" "$EX/$f.lua"
done
restore() {
	local f
	for f in echod/daemon echod/worker shared tap; do
		if [ -f "$BACKUP/$f.lua" ]; then
			cp -p "$BACKUP/$f.lua" "$EX/$f.lua"
		else
			rm -f "$EX/$f.lua"
		fi
	done
	rm -rf "$BACKUP"
}
# Clients left in the background on failure would hold the output open.
trap 'kill $(jobs -p) 2>/dev/null || true; exec 3>&- 4>&- 5>&- 6>&- || true; restore; ip netns del tapns 2>/dev/null || true; cleanup' EXIT

lunatik load

# echod: lunatik spawn examples/echod/daemon, as Lunatik's README says.
listening() { ss -ltn | grep -q "127.0.0.1:$1 "; }
workers_are() { [ "$(count_tasks '^echod/worker')" = "$1" ]; }
lunatik spawn examples/echod/daemon
wait_for "the daemon listens on 127.0.0.1:1337" listening 1337
exec 3<>/dev/tcp/127.0.0.1/1337 4<>/dev/tcp/127.0.0.1/1337 5<>/dev/tcp/127.0.0.1/1337
wait_for "three clients, three worker threads at once" workers_are 3
# The daemon dropped each worker runtime's handle; its loop (which polls
# accept without sleeping here: it compares errors with "EAGAIN", ours are
# errno numbers as in 789f7334) has collected them many times over by now.
for fd in 3 4 5; do
	printf 'hello from %s\n' "$fd" >&$fd
done
for fd in 5 4 3; do
	read -r -t 20 line <&$fd
	expect "client $fd echoed" "hello from $fd" "$line"
done
expect "nc echoes while they are connected" "line" "$(echo line | timeout 20 nc -N 127.0.0.1 1337)"
printf 'again\n' >&4
read -r -t 20 line <&4
expect "a session goes on" "again" "$line"
exec 5>&-
wait_for "a client that leaves ends its worker" workers_are 2
# Stop with two clients connected: their workers are blocked in receive.
timeout 30 lunatik stop examples/echod/daemon
wait_for "lunatik stop ends the workers" workers_are 0
expect "and the daemon" "0" "$(count_tasks '^daemon$')"
expect "the daemon said so" "1" "$(nlog 'echod \[daemon\]: stopped')"
read -r -t 10 line <&3 || true
expect "its clients are disconnected" "" "$line"
exec 3>&- 4>&-
expect "no socket on 1337" "0" "$(ss -atn | grep -v TIME-WAIT | grep -c ':1337 ' || true)"
expect "nothing runs" "" "$(lunatik list)"

# shared: one session at a time, a key set by one client read by another.
lunatik spawn examples/shared
wait_for "shared listens on 127.0.0.1:90" listening 90
# get KEY: the answer to one request (the value, NUL-padded to 1024 bytes).
get() {
	exec 6<>/dev/tcp/127.0.0.1/90
	printf '%s\n' "$1" >&6
	timeout 20 head -c 1025 <&6 | tr -d '\0'
	exec 6>&-
}
# set KEY=VALUE: one request in a session of its own (shared answers nothing).
set_key() {
	exec 6<>/dev/tcp/127.0.0.1/90
	printf '%s\n' "$1" >&6
	exec 6>&-
}
set_key foo=bar
expect "set by one client, read by another" "bar" "$(get foo)"
set_key color=blue
expect "a second key" "blue" "$(get color)"
expect "the first one stays" "bar" "$(get foo)"
timeout 30 lunatik stop examples/shared
expect "stop ends shared" "0" "$(count_tasks '^examples/shared$|^shared$')"
expect "no socket on 90" "0" "$(ss -atn | grep -v TIME-WAIT | grep -cE ':90( |$)' || true)"

# tap: frames between a veth pair with known addresses.
tap_veth
lunatik run examples/tap
[ -c /dev/tap ]
echo "ok   /dev/tap"
timeout 60 cat /dev/tap >/tmp/tap.out &
catpid=$!
ping -c 3 -i 0.5 -W 2 10.99.0.2 >/dev/null
# dst, src, ethertype (hex), size: an ARP request, then echo requests and replies.
wait_for "the ARP request" grep -qx "$(printf 'FFFFFFFFFFFF\t20000000001\t806\t42')" /tmp/tap.out
wait_for "the echo requests" grep -qx "$(printf '20000000002\t20000000001\t800\t98')" /tmp/tap.out
wait_for "the echo replies" grep -qx "$(printf '20000000001\t20000000002\t800\t98')" /tmp/tap.out
kill $catpid
wait $catpid || true
timeout 30 lunatik stop examples/tap
[ ! -e /dev/tap ]
echo "ok   lunatik stop removes /dev/tap"
ip link del taph
ip netns del tapns
rm -f /tmp/tap.out
lunatik unload
kernel_clean
