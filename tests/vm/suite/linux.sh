#!/bin/bash
# require("linux"): random (ranges, full span, bias), schedule (states,
# errors, non-sleepable runtimes), time, the stat/task/errno tables and every
# byte order function, with exact values.
set -euo pipefail
. ./testlib.bash
install_testlib

script=/lib/modules/lua/test_linux.lua
atomic=/lib/modules/lua/test_linux_atomic.lua
SCRIPTS+=("$script" "$atomic")	# removed at exit, by testlib.bash

cat >"$script" <<'EOF'
local linux = require("linux")

local testlib = require("testlib")
local MAXINT, MININT = testlib.MAXINT, testlib.MININT
local raises, eq = testlib.raises, testlib.eq

-- random(): all 64 bits random, so both signs and odd/even show up
local seen, neg, odd = {}, 0, 0
for _ = 1, 1000 do
	local r = linux.random()
	seen[r] = true
	if r < 0 then neg = neg + 1 end
	if r % 2 == 1 then odd = odd + 1 end
end
local distinct = 0
for _ in pairs(seen) do distinct = distinct + 1 end
assert(distinct >= 999, "random() repeats: " .. distinct)
assert(neg > 350 and neg < 650, "random() sign bit: " .. neg)
assert(odd > 350 and odd < 650, "random() low bit: " .. odd)

-- random(m, n) and random(n) stay in range and reach every value
local function cover(m, n, draws, ...)
	local hit = {}
	for _ = 1, draws do
		local r = linux.random(...)
		assert(r >= m and r <= n, "random out of [" .. m .. ", " .. n .. "]: " .. r)
		hit[r] = (hit[r] or 0) + 1
	end
	for v = m, n do
		assert(hit[v], "random never gave " .. v .. " in [" .. m .. ", " .. n .. "]")
	end
	return hit
end
local hit = cover(1, 3, 3000, 1, 3)
for v = 1, 3 do
	assert(hit[v] > 850 and hit[v] < 1150, "random(1, 3) is biased: " .. v .. " x" .. hit[v])
end
cover(1, 6, 600, 6)
cover(-3, -1, 300, -3, -1)
cover(-2, 2, 500, -2, 2)
cover(MAXINT - 1, MAXINT, 100, MAXINT - 1, MAXINT)
cover(MININT, MININT + 1, 100, MININT, MININT + 1)
eq(linux.random(1), 1, "random(1)")
eq(linux.random(7, 7), 7, "random(7, 7)")
eq(linux.random(MININT, MININT), MININT, "random(MININT, MININT)")
eq(linux.random(MAXINT, MAXINT), MAXINT, "random(MAXINT, MAXINT)")

-- the full span and the spans wider than MAXINT work
neg = 0
for _ = 1, 1000 do
	if linux.random(MININT, MAXINT) < 0 then neg = neg + 1 end
	local r = linux.random(-1, MAXINT)
	assert(r >= -1, "random(-1, MAXINT): " .. r)
	r = linux.random(MININT, 1)
	assert(r <= 1, "random(MININT, 1): " .. r)
	r = linux.random(MAXINT)
	assert(r >= 1, "random(MAXINT): " .. r)
end
assert(neg > 350 and neg < 650, "random(MININT, MAXINT) sign: " .. neg)

-- no modulo bias: [MININT, 2^62 - 1] has 3 * 2^62 values, and a plain
-- modulo of a 64-bit draw would give its first quarter half of the time
local low = 0
for _ = 1, 3000 do
	if linux.random(MININT, 0x3fffffffffffffff) < MININT + 0x4000000000000000 then
		low = low + 1
	end
end
assert(low > 850 and low < 1150, "random is biased: first quarter x" .. low .. " of 3000")

raises("interval is empty", linux.random, 0)
raises("interval is empty", linux.random, -5)
raises("interval is empty", linux.random, 2, 1)
raises("interval is empty", linux.random, MAXINT, MININT)
raises("wrong number of arguments", linux.random, 1, 2, 3)
raises("number expected", linux.random, "x")
raises("number expected", linux.random, 1, "x")

-- time(): nanoseconds since the epoch, moving forward
local t0 = linux.time()
assert(t0 > 1600000000 * 1000000000, "time() is not in ns since the epoch: " .. t0)

-- schedule(): sleeps about the time asked and returns what is left
eq(linux.schedule(100), 0, "schedule(100)")
local slept = linux.time() - t0
assert(slept >= 100000000, "schedule(100) slept only " .. slept .. " ns")
assert(slept < 10000000000, "schedule(100) slept " .. slept .. " ns")
eq(linux.schedule(0), 0, "schedule(0)")
eq(linux.schedule(1, linux.task.INTERRUPTIBLE), 0, "schedule INTERRUPTIBLE")
eq(linux.schedule(1, linux.task.UNINTERRUPTIBLE), 0, "schedule UNINTERRUPTIBLE")
eq(linux.schedule(1, linux.task.KILLABLE), 0, "schedule KILLABLE")
eq(linux.schedule(1, linux.task.IDLE), 0, "schedule IDLE")
local left = linux.schedule(50, linux.task.RUNNING)
assert(left >= 0 and left <= 100, "schedule RUNNING left " .. left)
eq(linux.schedule(nil, linux.task.RUNNING) >= 0, true, "schedule(nil, RUNNING)")
raises("invalid task state", linux.schedule, 1, 12345)
raises("invalid task state", linux.schedule, 1, -1)
raises("invalid task state", linux.schedule, 1, 3)
raises("out of range", linux.schedule, -1)
raises("out of range", linux.schedule, MININT)
raises("number expected", linux.schedule, "x")
raises("number expected", linux.schedule, 1, "x")

-- constant tables
local errnos = {
	"PERM", "NOENT", "SRCH", "INTR", "IO", "NXIO", "2BIG", "NOEXEC", "BADF",
	"CHILD", "AGAIN", "NOMEM", "ACCES", "FAULT", "NOTBLK", "BUSY", "EXIST",
	"XDEV", "NODEV", "NOTDIR", "ISDIR", "INVAL", "NFILE", "MFILE", "NOTTY",
	"TXTBSY", "FBIG", "NOSPC", "SPIPE", "ROFS", "MLINK", "PIPE", "DOM", "RANGE",
}
for value, name in ipairs(errnos) do
	eq(linux.errno[name], value, "errno." .. name)
end
local n = 0
for _ in pairs(linux.errno) do n = n + 1 end
eq(n, #errnos, "number of errno names")

local stat = {
	IRWXUGO = 0x1ff, IRUGO = 0x124, IWUGO = 0x92, IXUGO = 0x49,
	IALLUGO = 0xfff, IRWXU = 0x1c0, IRUSR = 0x100, IWUSR = 0x80, IXUSR = 0x40,
	IRWXG = 0x38, IRGRP = 0x20, IWGRP = 0x10, IXGRP = 0x8,
	IRWXO = 0x7, IROTH = 0x4, IWOTH = 0x2, IXOTH = 0x1,
	ISUID = 0x800, ISGID = 0x400, ISVTX = 0x200,
}
for name, value in pairs(stat) do
	eq(linux.stat[name], value, "stat." .. name)
end

local task = {RUNNING = 0, INTERRUPTIBLE = 1, UNINTERRUPTIBLE = 2, KILLABLE = 0x102, IDLE = 0x402}
n = 0
for name, value in pairs(task) do
	eq(linux.task[name], value, "task." .. name)
	n = n + 1
end
for _ in pairs(linux.task) do n = n - 1 end
eq(n, 0, "number of task states")

-- byte order: 16 and 32-bit results are unsigned, 64-bit ones round-trip
local function swaps(f, g, bits)
	local cases = {
		[16] = {{0x1234, 0x3412}, {0x12345, 0x4523}, {-1, 0xffff}, {0x80, 0x8000}, {0, 0}},
		[32] = {{0x12345678, 0x78563412}, {0x123456789, 0x89674523}, {-1, 0xffffffff},
			{0x80, 0x80000000}, {0, 0}},
		[64] = {{0x0102030405060708, 0x0807060504030201}, {-1, -1}, {0x80, MININT},
			{MININT, 0x80}, {0, 0}, {0x00000000000000ff, -0x100000000000000}},
	}
	for _, c in ipairs(cases[bits]) do
		eq(f(c[1]), c[2], "swap" .. bits .. "(" .. c[1] .. ")")
		eq(g(c[1]), c[2], "unswap" .. bits .. "(" .. c[1] .. ")")
	end
	raises("number expected", f, "x")
	raises("number expected", g)
end
swaps(linux.hton16, linux.ntoh16, 16)
swaps(linux.hton32, linux.ntoh32, 32)
swaps(linux.hton64, linux.ntoh64, 64)
swaps(linux.htobe16, linux.be16toh, 16)
swaps(linux.htobe32, linux.be32toh, 32)
swaps(linux.htobe64, linux.be64toh, 64)
for _, x in ipairs({0x0123456789abcdef, MININT, MAXINT, -1, 0, 42}) do
	eq(linux.ntoh64(linux.hton64(x)), x, "64-bit round trip")
	eq(linux.be64toh(linux.htobe64(x)), x, "64-bit be round trip")
	eq(linux.le64toh(linux.htole64(x)), x, "64-bit le round trip")
end

-- x86_64 is little endian: the le functions only truncate
local le = {
	{linux.htole16, 0x12345, 0x2345}, {linux.le16toh, -1, 0xffff},
	{linux.htole32, 0x123456789, 0x23456789}, {linux.le32toh, -1, 0xffffffff},
	{linux.htole64, MININT, MININT}, {linux.le64toh, -1, -1},
	{linux.htole16, 0x1234, 0x1234}, {linux.le16toh, 0x1234, 0x1234},
	{linux.htole32, 0x12345678, 0x12345678}, {linux.le32toh, 0x12345678, 0x12345678},
	{linux.htole64, 0x0102030405060708, 0x0102030405060708},
	{linux.le64toh, 0x0102030405060708, 0x0102030405060708},
}
for i, c in ipairs(le) do
	eq(c[1](c[2]), c[3], "le case " .. i)
end
EOF

# A non-sleepable runtime may use linux but not sleep.
cat >"$atomic" <<'EOF'
local linux = require("linux")
local ok, err = pcall(linux.schedule, 1)
assert(not ok, "schedule slept in a non-sleepable runtime")
assert(string.find(err, "linux.schedule: cannot sleep in a non-sleepable runtime", 1, true), err)
ok, err = pcall(linux.schedule)
assert(not ok and string.find(err, "cannot sleep", 1, true), tostring(err))
local r = linux.random(10, 20)
assert(r >= 10 and r <= 20, r)
assert(linux.time() > 0)
assert(linux.hton16(1) == 256)
EOF

lunatik run test_linux
lunatik stop test_linux
echo "ok: test_linux"
lunatik run test_linux_atomic false
lunatik stop test_linux_atomic
echo "ok: test_linux_atomic"

# Exact outputs through the REPL.
repl_is 'local l = require("linux"); return l.hton16(0x1234), l.hton32(1), l.ntoh64(1)' \
	"$(printf '13330\t16777216\t72057594037927936')"
repl_is 'local l = require("linux"); return l.htobe16(0xff00), l.be32toh(0xff), l.htobe64(0xff)' \
	"$(printf '255\t4278190080\t-72057594037927936')"
repl_is 'local l = require("linux"); return l.htole16(-2), l.le32toh(-2), l.le64toh(-2)' \
	"$(printf '65534\t4294967294\t-2')"
repl_is 'local l = require("linux"); return l.errno.NOENT, l.errno["2BIG"], l.errno.RANGE, l.stat.IRWXUGO, l.stat.IRUGO' \
	"$(printf '2\t7\t34\t511\t292')"
repl_is 'local l = require("linux"); return l.task.INTERRUPTIBLE, l.task.KILLABLE, l.task.IDLE' \
	"$(printf '1\t258\t1026')"
repl_is 'return require("linux").random(5, 5), require("linux").random(1)' "$(printf '5\t1')"
repl_is 'local l = require("linux"); return pcall(function() return l.random(3, 2) end)' \
	"$(printf "false\tlunatik:1: bad argument #2 to 'random' (interval is empty)")"
repl_is 'return require("linux").schedule(20)' "0"

# The kernel's clock agrees with the guest's to within 5 seconds.
kt=$(printf 'return require("linux").time() // 1000000000' | lunatik)
ut=$(date +%s)
diff=$((ut - kt))
[ "${diff#-}" -le 5 ] || { echo "FAIL: linux.time() $kt s vs date $ut s"; exit 1; }
echo "ok: linux.time() ($kt s) is within 5 s of date"

# An endless interruptible sleep ends with the signal that kills the caller.
printf 'return require("linux").schedule()' | lunatik &
pid=$!
sleep 1
kill -0 "$pid" || { echo "FAIL: schedule() did not sleep"; exit 1; }
kill -TERM "$pid"	# bash makes background jobs ignore SIGINT
for _ in $(seq 50); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$pid" 2>/dev/null; then
	echo "FAIL: schedule() did not wake on a signal"
	kill -KILL "$pid"
	exit 1
fi
wait "$pid" || true
echo "ok: schedule() wakes on a signal"
