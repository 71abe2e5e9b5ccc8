#!/bin/bash
# math and debug as Lunatik has them: the integer part of math, debug without
# debug.debug (and without debug.sethook, which would drop the runtime's hook).
# vm-timeout: 240
set -euo pipefail
. ./testlib.bash

lunatik load
expect "math functions" "abs,max,maxinteger,min,mininteger,tointeger,ult" \
	"$(lua 'local t = {} for k in pairs(math) do t[#t + 1] = k end table.sort(t) return table.concat(t, ",")')"
expect "abs" "$(printf '5\t5\t0\t%s\t7' -9223372036854775808)" \
	"$(lua "return math.abs(-5), math.abs(5), math.abs(0), math.abs(math.mininteger), math.abs('-7')")"
expect "max/min" "$(printf '9\t-3\tb\ta\t4')" \
	"$(lua "return math.max(1, 9, 3), math.min(4, -3, 8), math.max('a', 'b'), math.min('b', 'a'), math.max(4)")"
expect "maxinteger/mininteger" "$(printf '%s\t%s\ttrue' 9223372036854775807 -9223372036854775808)" \
	"$(lua 'return math.maxinteger, math.mininteger, math.maxinteger + 1 == math.mininteger')"
expect "tointeger" "$(printf '3\t12\tnil\tnil')" \
	"$(lua "return math.tointeger(3), math.tointeger('12'), math.tointeger('x'), math.tointeger({})")"
expect "ult" "$(printf 'true\tfalse\ttrue')" "$(lua 'return math.ult(1, 2), math.ult(-1, 2), math.ult(2, -1)')"
expect_fail "max without arguments" "bad argument #1 to 'max' \(value expected\)" lua 'return math.max()'
expect_fail "abs of a table" "bad argument #1 to 'abs' \(number expected, got table\)" lua 'return math.abs({})'
expect_fail "ult of a string" "bad argument #2 to 'ult' \(number expected, got string\)" lua 'return math.ult(1, "x")'
expect_fail "max of mixed types" "attempt to compare number with string" lua 'return math.max(1, "x")'
expect "no float functions" "nil nil nil nil nil nil" \
	"$(lua 'return table.concat({tostring(math.sqrt), tostring(math.floor), tostring(math.pi), tostring(math.huge), tostring(math.random), tostring(math.type)}, " ")')"

expect "debug functions" "gethook,getinfo,getlocal,getmetatable,getregistry,getupvalue,getuservalue,setcstacklimit,setlocal,setmetatable,setupvalue,setuservalue,traceback,upvalueid,upvaluejoin" \
	"$(lua 'local t = {} for k in pairs(debug) do t[#t + 1] = k end table.sort(t) return table.concat(t, ",")')"
expect "traceback" "true" "$(lua 'return debug.traceback("here"):find("^here\nstack traceback:") ~= nil')"
expect "getinfo" "$(printf 'Lua\t1')" "$(lua 'local function f() return debug.getinfo(1, "Sl") end local i = f() return i.what, i.currentline')"
expect "getlocal" "$(printf 'x\t42')" "$(lua 'local x = 42 return debug.getlocal(1, 1)')"
expect "setupvalue" "$(printf 'n\t7')" "$(lua 'local n = 1 local function f() return n end return debug.setupvalue(f, 1, 7), f()')"
expect "getmetatable of a string" "true" "$(lua 'return debug.getmetatable("").__index == string')"

# byteorder: linux's conversions under Lunatik 4's name.
expect "byteorder functions" "be16toh,be32toh,be64toh,htobe16,htobe32,htobe64,htole16,htole32,htole64,hton16,hton32,hton64,le16toh,le32toh,le64toh,ntoh16,ntoh32,ntoh64" \
	"$(lua 'local t = {} for k in pairs(require("byteorder")) do t[#t + 1] = k end table.sort(t) return table.concat(t, ",")')"
expect "byteorder conversions" "$(printf '0x3412\t0x78563412\t0x0807060504030201\t0x1234\t0xbeef')" \
	"$(lua 'local b = require("byteorder") return string.format("0x%x", b.hton16(0x1234)), string.format("0x%x", b.ntoh32(0x12345678)), string.format("0x%016x", b.hton64(0x0102030405060708)), string.format("0x%x", b.htole16(0x1234)), string.format("0x%x", b.ntoh16(0xefbe))')"
expect "the same as linux's" "true" "$(lua 'local b, l = require("byteorder"), require("linux") for _, v in ipairs({0, 1, -1, 0x1234, 0x7fffffff, math.mininteger}) do for _, f in ipairs({"hton16", "ntoh32", "hton64", "le64toh"}) do assert(b[f](v) == l[f](v), f) end end return true')"
expect "low bits are converted" "0x3412" "$(lua 'return string.format("0x%x", require("byteorder").hton16(0xff1234))')"
expect_fail "byteorder of a string" "number expected, got string" lua 'return require("byteorder").hton16("x")'
expect_fail "byteorder without argument" "number expected, got no value" lua 'return require("byteorder").ntoh64()'

# A script that uses both, as Lunatik's do.
put_script mathdebug <<'EOT'
local clamp = function (v) return math.max(0, math.min(v, 255)) end
assert(clamp(300) == 255 and clamp(-4) == 0)
local ok, err = xpcall(function () error("boom") end, debug.traceback)
assert(not ok and err:find("stack traceback"))
return function () end
EOT
lunatik run mathdebug
expect "a script using math and debug runs" "mathdebug" "$(lunatik list)"
lunatik stop mathdebug
kernel_clean
