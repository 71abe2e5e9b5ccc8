#!/bin/bash
# Lunatik's spyglass example, unmodified, started as its README says: keys
# typed on a keyboard are logged to /dev/spyglass (enable=false stops it,
# enable=true brings it back), and sent over UDP once net= is set.
set -euo pipefail
. ./testlib.bash
. ./uhidkbd.bash

[ -f lunatik-examples/spyglass.lua ] || {
	echo "FAIL Lunatik's spyglass.lua is not staged (tests/vm/lunatik-examples.sh needs Lunatik's git mirror)"
	exit 1
}
install -D -m 0644 lunatik-examples/spyglass.lua "$LUA_DIR/examples/spyglass.lua"
SCRIPTS+=("$LUA_DIR/examples/spyglass.lua")

lunatik load
kbd_create
trap 'kbd_destroy; cleanup' EXIT
sudo lunatik run examples/spyglass	# runs spyglass
kbd_tap l u a backspace	# backspace is the keysym 127: <del>
expect "the keys are logged" "lua<del>" "$(cat /dev/spyglass)"
expect "a read takes the log" "" "$(cat /dev/spyglass)"
sudo sh -c "echo 'enable=false' > /dev/spyglass"	# disable the key logging
kbd_tap x
expect "nothing logged while disabled" "" "$(cat /dev/spyglass)"
sudo sh -c "echo 'enable=true' > /dev/spyglass"	# enable the key logging
kbd_tap b 1 space
expect "logged again" "b1 " "$(cat /dev/spyglass)"
ip link set lo up
sudo sh -c "echo 'net=127.0.0.1:1337' > /dev/spyglass"	# enable network support
timeout 20 nc -lu 127.0.0.1 1337 >/tmp/spyglass.udp &	# listen to UDP 127.0.0.1:1337
nc_pid=$!
for i in $(seq 100); do ss -Hlun 'sport = :1337' | grep -q . && break; sleep 0.1; done
kbd_tap u a
expect "with net=, a read sends the log" "" "$(cat /dev/spyglass)"
for i in $(seq 50); do [ -s /tmp/spyglass.udp ] && break; sleep 0.1; done
kill $nc_pid 2>/dev/null || true
expect "the log came over UDP" "ua" "$(cat /tmp/spyglass.udp)"
rm -f /tmp/spyglass.udp
lunatik unload
kernel_clean
