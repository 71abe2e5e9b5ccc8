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

-- A DNS query as dnsblock sees it: IPv4, UDP to port 53, "www.example.com" A.
local dns = require("examples.dns")
local blocked = dns.domains({"github.com", "gitlab.com"})
local question = "\3www\7example\3com\0\0\1\0\1"
local udplen = 8 + 12 + #question
local query = string.pack(">BBI2I2I2BBI2I4I4", 0x45, 0, 20 + udplen, 1, 0, 64, 17, 0, 0x0a000001, 0x0a000002) ..
	string.pack(">I2I2I2I2", 40000, 53, udplen, 0) ..
	string.pack(">I2I2I2I2I2I2", 1, 0x0100, 1, 0, 0, 0) .. question
local q = data.new(#query)
q:setstring(0, query)
local msg, limit = dns.locate(q, 0, "dst")
assert(msg == 28 and limit == #query and dns.inset(q, msg, limit, blocked) == false)

local function run(name, body)
	local t0 = linux.time()
	body()
	return (linux.time() - t0) // N
end

local empty = run("empty", function () for _ = 1, N do end end)
local cases = {
	{"lua call", function () for _ = 1, N do f() end end},
	{"pcall(lua function)", function () local pc = pcall; for _ = 1, N do pc(f) end end},
	{"c call rawequal", function () local re = rawequal; for _ = 1, N do re(d, d) end end},
	{"c call math.abs", function () local abs = math.abs; for _ = 1, N do abs(1) end end},
	{"d.getbyte local", function () local g = d.getbyte; for _ = 1, N do g(d, 0) end end},
	{"d:getbyte", function () for _ = 1, N do d:getbyte(0) end end},
	{"d:getint64", function () for _ = 1, N do d:getint64(0) end end},
	{"#d", function () for _ = 1, N do local _ = #d end end},
	{"d:getname", function () for _ = 1, N do d:getname(12) end end},
	{"set:match", function () for _ = 1, N do s:match("www.example.com") end end},
	{"netfilter.transport (IPv4 UDP)", function ()
		local transport = require("netfilter").transport
		for _ = 1, N do transport(q) end
	end},
	{"dns.locate (IPv4 UDP query)", function () for _ = 1, N do dns.locate(q, 0, "dst") end end},
	{"dns.inset", function () for _ = 1, N do dns.inset(q, msg, limit, blocked) end end},
	{"set:match(q, offset, limit, origin)", function ()
		local c = blocked.c
		for _ = 1, N do c:match(q, msg + 12, limit, msg) end
	end},
}
for _, c in ipairs(cases) do
	print(string.format("micro: %s %d", c[1], run(c[1], c[2]) - empty))
end
