#!/bin/bash
# The device library: /dev/<name> driven by Lua callbacks (arguments,
# results and corrections as the reference says), errors as errnos with one
# rate-limited log line, two users at once, a blocked reader when its
# script stops, rmmod and lunatik stop while the device is open, and
# create/remove cycles that leave nothing behind.
# vm-timeout: 300
set -euo pipefail
. ./testlib.bash

# wait_log PATTERN: dmesg has a line matching PATTERN (grep -E), within 10 s.
wait_log() {
	local i
	for i in $(seq 100); do
		! grep -qE -- "$1" <<<"$(dmesg)" || return 0
		sleep 0.1
	done
	printf 'FAIL no log line /%s/\n' "$1"
	exit 1
}

refcount() { awk -v m="$1" '$1 == m {print $3}' /proc/modules; }

# A store: write keeps the bytes at the offset, read returns them from the offset.
put_script devtest/store <<'EOT'
local device = require("device")
local linux = require("linux")
local s = linux.stat
local store = {name = "luastore", mode = s.IRUSR | s.IWUSR | s.IRGRP | s.IROTH, data = "", opens = 0, releases = 0}
function store:open() self.opens = self.opens + 1 end
function store:release() self.releases = self.releases + 1 end
function store:read(len, off)
	return self.data:sub(off + 1, off + len)
end
function store:write(buf, off)
	self.data = self.data:sub(1, off) .. buf .. self.data:sub(off + #buf + 1)
end
-- Counts of the store's calls, and the corrections the reference describes.
local stats = {name = "luastats"}
function stats:read(len, off)
	if off > 0 then return nil end
	return string.format("opens=%d releases=%d\n", store.opens, store.releases)
end
local long = {name = "lualong"}
function long:read(len, off)
	return string.rep("x", len + 10), off + len + 1000	-- cut to len; the offset as given
end
function long:write(buf, off)
	return #buf + 100		-- more than written: corrected to #buf
end
local offs = {name = "luaoffs", seen = ""}
function offs:write(buf, off)
	self.seen = self.seen .. off .. ","
	return #buf + 100		-- corrected to #buf: the next write comes at off + #buf
end
function offs:read(len, off)
	return self.seen:sub(off + 1, off + len)
end
local nofops = {name = "luanofops"}
local bad = {name = "luabad"}
function bad:read() error("read fails on purpose") end
function bad:write() return "x" end
local badopen = {name = "luabadopen", read = function () return "" end}
function badopen:open() error("open fails on purpose") end
local dev = device.new(store)
device.new(stats)
device.new(long)
device.new(nofops)
device.new(offs)
device.new(bad)
device.new(badopen)
local tmp = device.new{name = "luatmp"}
tmp:stop()
device.stop(tmp)	-- twice: nothing
assert(not pcall(device.new, {name = "luastore"}))
EOT

lunatik load
lunatik run devtest/store
expect "mode" "crw-r--r--" "$(stat -c %A /dev/luastore)"
expect "a device stopped at once is gone" "no" "$([ -e /dev/luatmp ] && echo yes || echo no)"
expect "empty read" "" "$(cat /dev/luastore)"
printf 'hello world' >/dev/luastore
expect "write then read" "hello world" "$(cat /dev/luastore)"
printf 'HE' | dd of=/dev/luastore bs=1 seek=3 conv=notrunc status=none
expect "write at an offset" "helHE world" "$(cat /dev/luastore)"
expect "read at an offset" "world" "$(dd if=/dev/luastore bs=1 skip=6 status=none)"
expect "read in small pieces" "helHE world" "$(dd if=/dev/luastore bs=3 status=none)"
expect "open and release called" "opens=7 releases=7" "$(cat /dev/luastats)"
expect "a longer string is cut to the length" "xxxx" "$(dd if=/dev/lualong bs=4 count=1 status=none)"
{ printf abc; printf de; } >/dev/luaoffs
expect "a longer length is corrected (the next offset)" "0,3," "$(cat /dev/luaoffs)"
expect_fail "no read callback" "No such device or address" cat /dev/luanofops
expect_fail "no write callback" "No such device or address" bash -c 'echo x > /dev/luanofops'
exec 3</dev/luanofops
exec 3<&-
echo "ok   no open/release callbacks: open and close succeed"
dmesg -c >/dev/null
expect_fail "a raising read" "Input/output error|I/O error" cat /dev/luabad
wait_log "/dev/luabad: read: .*read fails on purpose"
expect_fail "a write returning a string" "Input/output error|I/O error" sh -c 'echo x > /dev/luabad'
wait_log "/dev/luabad: write: .*must be an integer"
expect_fail "a raising open" "Input/output error|I/O error" cat /dev/luabadopen
wait_log "/dev/luabadopen: open: .*open fails on purpose"
start=$(date +%s)
for i in $(seq 40); do cat /dev/luabad 2>/dev/null || true; done
# At most 10 lines per 5 s, however long the 40 reads took under load.
ratelimited "/dev/luabad: read" 41 "$start"

# Two processes at once.
one() { local i; for i in $(seq 60); do printf "$1" | dd of=/dev/luastore bs=1 seek=$2 conv=notrunc status=none; cat /dev/luastore >/dev/null; done; }
one A 0 & a=$!
one B 1 & b=$!
wait $a
wait $b
expect "two writers at once" "AB" "$(dd if=/dev/luastore bs=2 count=1 status=none)"

# rmmod and lunatik stop while a process holds the device open.
exec 3</dev/luastore
expect_fail "rmmod while open" "in use|busy" rmmod luadevice
lunatik stop devtest/store
expect "the device is removed at stop" "no" "$([ -e /dev/luastore ] && echo yes || echo no)"
expect_fail "reading a stopped device" "No such device or address" cat <&3
exec 3<&-
expect "the module is free again" "0" "$(refcount luadevice)"

# A reader blocked in its callback when the script stops.
put_script devtest/block <<'EOT'
local device = require("device")
local completion = require("completion")
local never = completion.new()
device.new{name = "luablock", read = function ()
	local ok, why = never:wait()
	error("wait ended: " .. tostring(why))
end}
EOT
lunatik run devtest/block
cat /dev/luablock >/tmp/block.out 2>&1 & reader=$!
for i in $(seq 50); do grep -q "luablock\|completion" "/proc/$reader/wchan" 2>/dev/null && break; [ "$(cat /proc/$reader/wchan 2>/dev/null)" = "0" ] || break; sleep 0.1; done
sleep 0.5
kill -0 $reader
echo "ok   the reader blocks"
start=${EPOCHREALTIME/./}
timeout 10 lunatik stop devtest/block
ms=$(((${EPOCHREALTIME/./} - start) / 1000))
echo "ok   lunatik stop returns with a blocked reader ($ms ms)"
rc=0
wait $reader || rc=$?
[ $rc -ne 0 ] && grep -q "No such device or address" /tmp/block.out
echo "ok   the reader ends with ENXIO: $(cat /tmp/block.out)"
rm -f /tmp/block.out
expect "no device left" "no" "$([ -e /dev/luablock ] && echo yes || echo no)"

# A signal to a blocked reader ends its read; the device stays.
lunatik run devtest/block
cat /dev/luablock 2>/dev/null & reader=$!
sleep 0.5
kill -TERM $reader	# SIGINT is ignored by background jobs of a script
rc=0
wait $reader || rc=$?
[ $rc -ne 0 ]
echo "ok   a signal ends a blocked read (exit $rc)"
expect "the device is still there" "yes" "$([ -c /dev/luablock ] && echo yes || echo no)"
lunatik stop devtest/block

# Bad input.
expect_fail "no name" "driver.name must be a string" lua 'return require("device").new{}'
expect_fail "a path as name" "driver.name must be a file name" lua 'return require("device").new{name = "a/b"}'
expect_fail "a bad mode" "driver.mode must be an integer" lua 'return require("device").new{name = "luax", mode = "rw"}'
expect_fail "a mode out of range" "driver.mode must be a permission mode" lua 'return require("device").new{name = "luax", mode = 65536}'
expect_fail "not a table" "table expected" lua 'return require("device").new("x")'
expect_fail "stop of something else" "device expected" lua 'return require("device").stop({})'
put_script devtest/atomic <<'EOT'
local device = require("device")
EOT
expect_fail "a non-sleepable runtime" "needs a sleepable runtime" lunatik run devtest/atomic false
lua 'require("device").new{name = "luarepl"} return "x"' >/dev/null
# devtmpfs removes the node after the device goes: wait for it, briefly.
for _ in $(seq 50); do [ -e /dev/luarepl ] || break; sleep 0.1; done
expect "the REPL's device goes with its session" "no" "$([ -e /dev/luarepl ] && echo yes || echo no)"

# Cycles leave nothing behind.
base=$(refcount luadevice)
for i in $(seq 20); do
	lunatik run devtest/store
	[ -c /dev/luastore ] && [ -c /dev/luabad ]
	printf "%d" $i >/dev/luastore
	[ "$(cat /dev/luastore)" = "$i" ]
	lunatik stop devtest/store
	[ ! -e /dev/luastore ] && [ ! -e /dev/luabad ]
done
echo "ok   20 run/stop cycles"
expect "no /dev entries left" "" "$(ls /dev | grep '^lua' || true)"
expect "no device numbers left" "" "$(grep -E ' lua(store|stats|long|offs|bad|nofops|block)' /proc/devices || true)"
expect "no sysfs entries left" "" "$(ls /sys/class/luadevice)"
expect "module references back" "$base" "$(refcount luadevice)"
lunatik unload
expect "the module unloads" "" "$(grep '^luadevice ' /proc/modules || true)"
kernel_clean
