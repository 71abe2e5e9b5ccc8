#!/bin/bash
# Stopping a runtime releases everything it made: 100 cycles of scripts that
# make a device, sockets (listening, connected both ways, UDP, AF_UNIX,
# AF_PACKET), a fifo, rcu entries, a completion and threads (one of them in
# a runtime whose handle the script dropped, as echod does), each ended by
# `lunatik stop` or (every 50th) `lunatik unload`, leave no /dev entry, no
# socket, no module reference and no memory behind.
# vm-timeout: 900
set -euo pipefail
. ./testlib.bash

CYCLES=${CYCLES:-100}

put_script cycle/objects <<'EOT'
local device     = require("device")
local socket     = require("socket")
local inet       = require("socket.inet")
local fifo       = require("fifo")
local rcu        = require("rcu")
local data       = require("data")
local completion = require("completion")

local driver = {name = "lunacycle"}
function driver:read() return "cycle\n" end
device.new(driver)	-- the handle is dropped: the runtime keeps the device

local server = inet.tcp()
server:bind(inet.localhost, 7878)
server:listen()
local client = inet.tcp()
client:connect(inet.localhost, 7878)
local session = server:accept()
client:send("ping")
assert(session:receive(4) == "ping")
local udp = inet.udp()
udp:bind(inet.localhost, 7879)
local unix = socket.new(socket.af.UNIX, socket.sock.DGRAM, 0)
unix:bind("\0lunacycle")
local packet = socket.new(socket.af.PACKET, socket.sock.RAW, 0)
packet:bind(string.pack(">I2", 0x0003))

local queue = fifo.new(4096)
queue:push(string.rep("x", 1000))
local entries = rcu.table()
for i = 1, 32 do
	local d = data.new(256)
	d:setstring(0, "value " .. i)
	entries["key" .. i] = d
end
local done = completion.new()

-- Held by the script until its runtime stops.
held = {server, client, session, udp, unix, packet, queue, entries, done}
EOT

# A thread blocked in receive, with a completion and an rcu table of its own.
put_script cycle/worker <<'EOT'
local thread     = require("thread")
local inet       = require("socket.inet")
local completion = require("completion")
local rcu        = require("rcu")
local data       = require("data")

local udp = inet.udp()
udp:bind(inet.localhost, 7880)
local done = completion.new()
local entries = rcu.table()
entries.worker = data.new(64)

return function ()
	while not thread.shouldstop() do
		pcall(udp.receive, udp, 100)
	end
	done:complete()
end
EOT

# Spawned: starts a worker runtime and thread and drops the handle, waits on a completion.
put_script cycle/parent <<'EOT'
local lunatik    = require("lunatik")
local thread     = require("thread")
local completion = require("completion")

thread.run(lunatik.runtime("cycle/worker"), "lunacycleworker")
local never = completion.new()

return function ()
	while not thread.shouldstop() do
		never:wait(1000)
	end
end
EOT

# Sockets of every family, but closed TCP connections on their way out.
CLOSING='TIME-WAIT|FIN-WAIT|LAST-ACK|CLOSING'
sockets() { ss -a -n -A all 2>/dev/null | grep -vcE "$CLOSING" || true; }
ours() { ss -a -n -A inet,unix 2>/dev/null | grep -E ':(7878|7879|7880) |@lunacycle' | grep -vE "$CLOSING" || true; }
# The kernel's memory at rest: slab caches (objects of each, and the
# total) and free memory, after reclaiming what can be.
settle() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	sleep 1
	echo 3 >/proc/sys/vm/drop_caches
}
slab_kb() { awk '/^Slab:/ {print $2}' /proc/meminfo; }
objects() { awk -v c="$1" '$1 == c {print $2}' /proc/slabinfo; }
CACHES="TCP UDP UNIX PACKET sock_inode_cache task_struct"

# One cycle: what `lunatik run cycle/objects` and `lunatik spawn
# cycle/parent` do, in one session (the command sends these chunks; one
# process instead of two keeps 100 cycles short under emulation), the
# device read, then `lunatik stop` of both the same way, or every 50th
# cycle `lunatik unload` (which stops every runtime) and `lunatik load`.
one_cycle() {
	local i=$1 n
	lua 'runner.run("cycle/objects") runner.spawn("cycle/parent")' >/dev/null
	[ "$(head -n 1 /dev/lunacycle)" = cycle ] || { echo "FAIL cycle $i: /dev/lunacycle"; exit 1; }
	if [ $((i % 50)) = 0 ]; then
		lunatik unload
		lunatik load
	else
		lua 'runner.stop("cycle/parent") runner.stop("cycle/objects")' >/dev/null
	fi
	# devtmpfs removes the node just after the device goes.
	for n in $(seq 50); do [ -e /dev/lunacycle ] || break; sleep 0.1; done
	[ ! -e /dev/lunacycle ] || { echo "FAIL cycle $i: /dev/lunacycle stays"; exit 1; }
	# Every 5th cycle (fewer processes per cycle: they are slow under emulation).
	[ $((i % 5)) = 0 ] || return 0
	[ "$(count_tasks '^(parent|lunacycleworker)$')" = 0 ] ||
		{ echo "FAIL cycle $i: a thread stays"; exit 1; }
	[ -z "$(ours)" ] || { echo "FAIL cycle $i: sockets stay: $(ours)"; exit 1; }
	[ $((i % 10)) != 0 ] || echo "     $i cycles, $(($(date +%s) - start)) s"
}

lunatik load
# Warm up: caches the first cycles fill (module text, slabs, devtmpfs) stay.
start=$(date +%s)
for i in 1 2 3 4 5; do one_cycle $i; done
echo "ok   5 cycles to warm up ($(($(date +%s) - start)) s)"
lunatik unload
settle
sockets_before=$(sockets)
slab_before=$(slab_kb)
declare -A before
for c in $CACHES; do before[$c]=$(objects "$c"); done

lunatik load
start=$(date +%s)
for i in $(seq "$CYCLES"); do one_cycle "$i"; done
echo "ok   $CYCLES cycles ($(( $(date +%s) - start )) s): no device left after each, no thread or socket (checked every 5th)"
lunatik unload
settle

expect "no /dev entry" "" "$(ls /dev | grep lunacycle || true)"
expect "no sysfs device" "" "$(ls /sys/class/luadevice 2>/dev/null | grep lunacycle || true)"
expect "no socket of ours (ss -a)" "" "$(ours)"
expect "as many sockets as before" "$sockets_before" "$(sockets)"
expect "no Lunatik module left" "" "$(grep -E '^(lua|lunatik)' /proc/modules || true)"
# The caches of sockets and tasks: a cycle that leaks one adds at least one
# object, 100 cycles 100 or more. Other activity moves counts by a few:
# allow less than a third of the cycles.
for c in $CACHES; do
	now=$(objects "$c")
	[ -n "${before[$c]}" ] || continue	# not a cache of this kernel
	grew=$((now - before[$c]))
	echo "     $c: ${before[$c]} -> $now objects"
	[ "$grew" -lt $((CYCLES / 3)) ] || { echo "FAIL $c grew by $grew objects in $CYCLES cycles"; exit 1; }
done
echo "ok   slab caches are back (within $((CYCLES / 3)) objects)"
# A runtime's Lua state is some 20 kB of small allocations (slab), and a
# cycle makes five (two sessions, three scripts): one state leaked per
# cycle would add 2 MB; allow 1 MB of noise.
slab_now=$(slab_kb)
echo "     Slab: $slab_before -> $slab_now kB"
[ $((slab_now - slab_before)) -lt 1024 ] ||
	{ echo "FAIL the slab grew by $((slab_now - slab_before)) kB in $CYCLES cycles"; exit 1; }
echo "ok   slab memory is back (within 1 MB)"
kernel_clean
