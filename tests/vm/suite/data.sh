#!/bin/bash
# require("data"): every method, in and out of bounds (negative offsets,
# exactly at the end, length overflow), value truncation, native byte order,
# in a sleepable and in a non-sleepable runtime, and exact REPL outputs.
set -euo pipefail
. ./testlib.bash
install_testlib

script=/lib/modules/lua/test_data.lua
SCRIPTS+=("$script")	# removed at exit, by testlib.bash

cat >"$script" <<'EOF'
local data = require("data")

local testlib = require("testlib")
local MAXINT, MININT = testlib.MAXINT, testlib.MININT
local raises, eq = testlib.raises, testlib.eq

-- data.new
local d = data.new(16)
eq(#d, 16, "#d")
eq(tostring(d), "data: 16 bytes", "tostring")
eq(d:getstring(0), string.rep("\0", 16), "new data is zeroed")
raises("out of range", data.new, -1)
raises("out of range", data.new, MININT)
raises("out of range", data.new, 64 * 1024 * 1024 + 1)
raises("number expected", data.new, "x")
raises("number expected", data.new)

local z = data.new(0)
eq(#z, 0, "#z")
eq(tostring(z), "data: 0 bytes", "tostring z")
eq(z:getstring(0), "", "z:getstring(0)")
eq(z:getstring(0, 0), "", "z:getstring(0, 0)")
z:setstring(0, "")
raises("out of bounds", z.getbyte, z, 0)
raises("out of bounds", z.getstring, z, 1)
raises("out of bounds", z.getstring, z, 0, 1)
raises("out of bounds", z.setstring, z, 0, "a")
raises("out of bounds", z.getnumber, z, 0)

-- every fixed-width accessor: in bounds at both ends, out of bounds around them
local widths = {
	byte = 1, int8 = 1, uint8 = 1, int16 = 2, uint16 = 2,
	int32 = 4, uint32 = 4, int64 = 8, number = 8,
}
for name, w in pairs(widths) do
	local get, set = d["get" .. name], d["set" .. name]
	assert(get and set, name)
	for _, off in ipairs({0, 1, 16 - w}) do
		set(d, off, 5)
		eq(get(d, off), 5, name .. " at " .. off)
		set(d, off, 0)
	end
	for _, off in ipairs({-1, -w, 16 - w + 1, 16, 17, MAXINT, MININT, MAXINT - w + 1}) do
		raises("out of bounds", get, d, off)
		raises("out of bounds", set, d, off, 1)
	end
	raises("number expected", get, d, "x")
	raises("number expected", set, d, 0, "x")
	raises("number expected", set, d, 0)
	raises("data expected", get, {}, 0)
	raises("data expected", get, 1, 0)
	-- the library table has the methods too
	data["set" .. name](d, 16 - w, 3)
	eq(data["get" .. name](d, 16 - w), 3, "data.get" .. name)
	set(d, 16 - w, 0)
end
eq(d:getstring(0), string.rep("\0", 16), "failed writes changed nothing")

-- values: signedness and truncation to the width (low bits are stored)
d:setint8(0, -1)
eq(d:getint8(0), -1, "int8 -1")
eq(d:getuint8(0), 255, "uint8 of int8 -1")
eq(d:getbyte(0), 255, "byte is unsigned")
d:setuint8(0, 0x1ff)
eq(d:getuint8(0), 0xff, "uint8 truncates")
d:setint8(0, 128)
eq(d:getint8(0), -128, "int8 128 wraps")
d:setbyte(0, 0x141)
eq(d:getbyte(0), 0x41, "byte truncates")
eq(d:getstring(0, 1), "A", "byte as string")
d:setint16(2, -2)
eq(d:getint16(2), -2, "int16")
eq(d:getuint16(2), 0xfffe, "uint16 of int16 -2")
d:setuint16(2, 0x12345)
eq(d:getuint16(2), 0x2345, "uint16 truncates")
d:setint16(2, 0x8000)
eq(d:getint16(2), -0x8000, "int16 wraps")
d:setint32(4, -3)
eq(d:getint32(4), -3, "int32")
eq(d:getuint32(4), 0xfffffffd, "uint32 of int32 -3")
d:setuint32(4, 0x123456789)
eq(d:getuint32(4), 0x23456789, "uint32 truncates")
d:setint32(4, 0x80000000)
eq(d:getint32(4), -0x80000000, "int32 wraps")
d:setint64(8, MININT)
eq(d:getint64(8), MININT, "int64 min")
d:setint64(8, MAXINT)
eq(d:getint64(8), MAXINT, "int64 max")
eq(d:getnumber(8), MAXINT, "number reads int64")
d:setnumber(8, -5)
eq(d:getint64(8), -5, "int64 reads number")

-- native byte order (x86_64: little endian), unaligned accesses
d:setstring(0, string.rep("\0", 16))
d:setuint32(1, 0x01020304)
eq(d:getstring(0, 6), "\0\4\3\2\1\0", "uint32 is little endian")
eq(d:getuint32(1), 0x01020304, "unaligned uint32")
eq(d:getuint16(1), 0x0304, "uint16 low half")
eq(d:getbyte(1), 4, "first byte")
d:setnumber(7, 0x0102030405060708)
eq(d:getstring(7, 8), "\8\7\6\5\4\3\2\1", "number is little endian")
eq(d:getint64(7), 0x0102030405060708, "unaligned int64")

-- strings
d:setstring(0, "0123456789abcdef")
eq(d:getstring(0), "0123456789abcdef", "getstring all")
eq(d:getstring(4), "456789abcdef", "getstring to the end")
eq(d:getstring(15), "f", "getstring last byte")
eq(d:getstring(16), "", "getstring at the end")
eq(d:getstring(0, 16), "0123456789abcdef", "getstring exact")
eq(d:getstring(3, 2), "34", "getstring middle")
eq(d:getstring(16, 0), "", "getstring empty at the end")
eq(d:getstring(5, 0), "", "getstring empty")
eq(d:getstring(5, nil), "56789abcdef", "getstring nil length")
for _, args in ipairs({
	{17}, {-1}, {MAXINT}, {MININT},
	{17, 0}, {-1, 1}, {-1, 0}, {0, 17}, {15, 2}, {16, 1}, {0, -1},
	{1, MAXINT}, {MAXINT, MAXINT}, {MAXINT, 1}, {MININT, 1}, {8, MININT},
}) do
	raises("out of bounds", d.getstring, d, args[1], args[2])
end
raises("number expected", d.getstring, d, 0, "x")
d:setstring(13, "XYZ")
eq(d:getstring(12), "cXYZ", "setstring at the end")
d:setstring(16, "")
d:setstring(0, "")
for _, args in ipairs({
	{14, "XYZ"}, {16, "a"}, {17, ""}, {-1, "a"}, {-1, ""},
	{MAXINT, "a"}, {MININT, "a"}, {0, string.rep("x", 17)},
}) do
	raises("out of bounds", d.setstring, d, args[1], args[2])
end
eq(d:getstring(0), "0123456789abcXYZ", "failed setstring changed nothing")
raises("string expected", d.setstring, d, 0, {})
d:setstring(0, 12)	-- numbers are strings to Lua
eq(d:getstring(0, 2), "12", "setstring of a number")
data.setstring(d, 0, "ab")
eq(data.getstring(d, 0, 2), "ab", "data.getstring")

-- a <close> variable closes nothing the data still needs
do
	local c <close> = data.new(4)
	c:setuint32(0, 7)
end

-- data larger than a kmalloc (4 MiB) needs vmalloc: sleepable runtimes only
local ok, big = pcall(data.new, 8 * 1024 * 1024)
if SLEEPABLE then
	assert(ok, big)
	eq(#big, 8 * 1024 * 1024, "big data")
	big:setuint8(#big - 1, 9)
	eq(big:getuint8(#big - 1), 9, "big data last byte")
	raises("out of bounds", big.getuint8, big, #big)
else
	assert(not ok and string.find(big, "not enough memory", 1, true), tostring(big))
end
big = nil
collectgarbage()
EOF

# A sleepable runtime (the default), then a non-sleepable one (GFP_ATOMIC).
sed -i '1i SLEEPABLE = true' "$script"
lunatik run test_data
lunatik stop test_data
sed -i '1s/.*/SLEEPABLE = false/' "$script"
lunatik run test_data false
lunatik stop test_data
echo "ok: test_data in sleepable and non-sleepable runtimes"

# Exact outputs through the REPL.
repl_is 'local d = require("data").new(4); d:setuint32(0, 0x01020304); return d:getbyte(0), #d, tostring(d)' \
	"$(printf '4\t4\tdata: 4 bytes')"
repl_is 'local d = require("data").new(8); d:setint64(0, -1); return d:getuint32(4), d:getint16(0), d:getuint8(7)' \
	"$(printf '4294967295\t-1\t255')"
repl_is 'local d = require("data").new(8); d:setstring(2, "hi"); return d:getstring(2, 2), d:getuint16(2), #d:getstring(2)' \
	"$(printf 'hi\t26984\t6')"
repl_is 'local d = require("data").new(2); return select(2, pcall(function() return d:getuint16(1) end))' \
	"lunatik:1: bad argument #1 to 'getuint16' (out of bounds)"
repl_is 'local d = require("data").new(3); return pcall(function() return d:getstring(1, 0x7fffffffffffffff) end)' \
	"$(printf "false\tlunatik:1: bad argument #1 to 'getstring' (out of bounds)")"
repl_is 'local d = require("data").new(3); return pcall(function() return d:setstring(-1, "") end)' \
	"$(printf "false\tlunatik:1: bad argument #1 to 'setstring' (out of bounds)")"
