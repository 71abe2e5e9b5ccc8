-- SPDX-License-Identifier: GPL-2.0
-- The cost of the pieces a packet script is made of, printed when the bench
-- loads this script (lunatik run bench/micro false): under -icount the
-- clock counts instructions, so nanoseconds per iteration are instructions
-- (minus the empty loop's). Lines "micro: NAME N".
local linux = require("linux")
local data = require("data")
local set = require("set")

local N = 20000
local d = data.new(64)
d:setstring(12, "\3www\7example\3com\0")
local s = set.labeled({["github.com"] = 1, ["gitlab.com"] = 1}, true)
local function f() end

local function run(name, body)
	local t0 = linux.time()
	body()
	return (linux.time() - t0) // N
end

local empty = run("empty", function () for _ = 1, N do end end)
local cases = {
	{"lua call", function () for _ = 1, N do f() end end},
	{"c call rawequal", function () local re = rawequal; for _ = 1, N do re(d, d) end end},
	{"c call math.abs", function () local abs = math.abs; for _ = 1, N do abs(1) end end},
	{"d.getbyte local", function () local g = d.getbyte; for _ = 1, N do g(d, 0) end end},
	{"d:getbyte", function () for _ = 1, N do d:getbyte(0) end end},
	{"d:getint64", function () for _ = 1, N do d:getint64(0) end end},
	{"#d", function () for _ = 1, N do local _ = #d end end},
	{"d:getname", function () for _ = 1, N do d:getname(12) end end},
	{"set:match", function () for _ = 1, N do s:match("www.example.com") end end},
}
for _, c in ipairs(cases) do
	print(string.format("micro: %s %d", c[1], run(c[1], c[2]) - empty))
end
