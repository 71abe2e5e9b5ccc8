#!/bin/bash
# examples/echod as its README says: spawned, several clients echoed at
# once, each by its own worker thread; lunatik stop ends daemon and workers
# (even one blocked in receive) and leaves no socket.
# vm-timeout: 300
set -euo pipefail
. ./testlib.bash
# Clients left in the background on failure would hold the output open.
trap 'kill $(jobs -p) 2>/dev/null || true; cleanup' EXIT

listening() { ss -ltn | grep -q '127.0.0.1:1337 '; }
workers_are() { [ "$(count_tasks '^echod/worker')" = "$1" ]; }

make -C /root/lunatik examples_install >/dev/null
lunatik load
lunatik spawn examples/echod/daemon
wait_for "the daemon listens on 127.0.0.1:1337" listening
expect "list" "examples/echod/daemon" "$(lunatik list)"

# Three clients connected at once (bash's /dev/tcp), each echoed by its own worker.
exec 3<>/dev/tcp/127.0.0.1/1337 4<>/dev/tcp/127.0.0.1/1337 5<>/dev/tcp/127.0.0.1/1337
wait_for "three workers serve at once" workers_are 3
for fd in 3 4 5; do
	echo "hello from $fd" >&$fd
done
for fd in 5 4 3; do
	read -r -t 10 line <&$fd
	expect "client $fd echoed" "hello from $fd" "$line"
done
echo "second line" >&4
read -r -t 10 line <&4
expect "a session goes on" "second line" "$line"
exec 3>&- 4>&- 5>&-
expect "workers logged their peers" "3" "$(dmesg | grep -cE 'echod: worker [0-9]+ serves 127\.0\.0\.1:[0-9]+')"
wait_for "each worker ended when its client left" eval '[ "$(dmesg | grep -cE "echod: worker [0-9]+ done \(the client left\)")" = 3 ]'
expect "nc echoes" "line" "$(echo line | timeout 10 nc -N 127.0.0.1 1337)"
wait_for "no worker thread is left" workers_are 0

# A big message comes back whole.
head -c 100000 /dev/urandom | base64 >/tmp/echod.big
timeout 30 nc -N 127.0.0.1 1337 </tmp/echod.big >/tmp/echod.back
cmp /tmp/echod.big /tmp/echod.back
echo "ok   100 kB echoed whole"
rm -f /tmp/echod.big /tmp/echod.back

# Stop with a client connected and idle: its worker is blocked in receive.
exec 3<>/dev/tcp/127.0.0.1/1337
wait_for "an idle client has a worker" workers_are 1
start=${EPOCHREALTIME/./}
timeout 20 lunatik stop examples/echod/daemon
ms=$(((${EPOCHREALTIME/./} - start) / 1000))
[ "$ms" -lt 5000 ] || { echo "FAIL stop took $ms ms"; exit 1; }
echo "ok   lunatik stop returns ($ms ms)"
wait_for "no worker thread is left" workers_are 0
expect "no daemon thread" "0" "$(count_tasks '^daemon$')"
read -r -t 10 line <&3 || true
expect "the idle client was disconnected" "" "$line"
exec 3>&-
expect "no socket on 1337" "0" "$(ss -atn | grep -v TIME-WAIT | grep -c ':1337 ' || true)"
expect "list" "" "$(lunatik list)"

# Run again: the port is free.
lunatik spawn examples/echod/daemon
wait_for "spawned again" listening
expect "echo after restart" "again" "$(echo again | timeout 10 nc -N 127.0.0.1 1337)"
lunatik unload
wait_for "unload ends it all" eval '! listening && workers_are 0'
kernel_clean
