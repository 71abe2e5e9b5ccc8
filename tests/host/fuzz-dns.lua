-- SPDX-License-Identifier: GPL-2.0
--
-- Fuzz target of examples/dns/dns.lua, on the host's Lua 5.4 (whose integer
-- arithmetic is the kernel's for this code; a float offset is caught).
--
--   lua5.4 tests/host/fuzz-dns.lua SEED SECONDS
--
-- Packets: valid IPv4/IPv6 UDP/TCP queries and answers (compression,
-- several records, extension headers), their mutations (bit flips, random
-- bytes, cuts, growth, compression pointers and lengths at the edges) and
-- random bytes. The contract checked on each (dns.lua's header): no Lua
-- error escapes, no read or write outside [0, limit) (the data stand-in
-- raises, like the kernel's), offsets are integers within bounds, names are
-- lower case, and a rewrite keeps a valid UDP checksum valid.
-- Exits 1 with the seed, iteration and packet (hex) of the first breach.
package.path = arg[0]:gsub("[^/]*$", "") .. "../../examples/dns/?.lua;" .. package.path
local dns = require("dns")

local seed, seconds = tonumber(arg[1]) or 1, tonumber(arg[2]) or 5

-- The kernel's data object: bytes, bounded; also records the highest read.
local Data = {}
Data.__index = Data
Data.__len = function (d) return d.n end
local function data(s)
	local d = setmetatable({n = #s, hi = 0}, Data)
	for i = 1, #s do d[i] = s:byte(i) end
	return d
end
local function check(d, off, n)
	if math.type(off) ~= "integer" or math.type(n) ~= "integer" or off < 0 or n < 0 or off + n > d.n then
		error("data access out of bounds: offset " .. tostring(off) .. " length " .. tostring(n), 3)
	end
	if off + n > d.hi then d.hi = off + n end
end
function Data:getbyte(off) check(self, off, 1) return self[off + 1] end
function Data:getstring(off, n)
	check(self, off, n)
	return string.char(table.unpack(self, off + 1, off + n))
end
-- Multi-byte getters in the host's byte order, as the kernel's.
function Data:getuint32(off)
	check(self, off, 4)
	return (string.unpack("=I4", string.char(table.unpack(self, off + 1, off + 4))))
end
function Data:getint64(off)
	check(self, off, 8)
	return (string.unpack("=i8", string.char(table.unpack(self, off + 1, off + 8))))
end
function Data:setbyte(off, v)
	check(self, off, 1)
	if math.type(v) ~= "integer" then error("setbyte: non-integer value " .. tostring(v), 2) end
	self[off + 1] = v & 0xff
end
function Data:tostring() return string.char(table.unpack(self, 1, self.n)) end

local function be16(v) return string.char(v >> 8 & 0xff, v & 0xff) end
local function wire(name)
	local out = {}
	for label in name:gmatch("[^.]+") do out[#out + 1] = string.char(#label) .. label end
	return table.concat(out) .. "\0"
end
local function csum(s, i, j)
	local sum = 0
	for k = i, j, 2 do sum = sum + ((s:byte(k) or 0) << 8 | (s:byte(k + 1) or 0)) end
	while sum > 0xffff do sum = (sum & 0xffff) + (sum >> 16) end
	return sum
end

local R = math.random
local names = {"github.com", "API.GitHub.com", "lunatik.com", "www.lunatik.com", "a.b", "x", "",
	("a"):rep(63) .. ".com", "notgithub.com"}
local function name() return names[R(#names)] end
local function rr(owner, t, rdata)
	return owner .. be16(t) .. be16(1) .. "\0\0\0\60" .. be16(#rdata) .. rdata
end
local FROM, TO = dns.ipv4("192.168.10.1"), dns.ipv4("10.1.2.3")
local function message()
	local answer = R(2) == 1
	local q = wire(name()) .. be16(R(2) == 1 and 1 or 28) .. be16(1)
	local an, body = 0, {}
	if answer then
		for _ = 1, R(0, 5) do
			an = an + 1
			local owner = R(2) == 1 and "\192\12" or wire(name())
			local t = ({1, 1, 5, 28})[R(4)]
			local rdata = t == 1 and string.pack(">I4", R(2) == 1 and FROM or R(0, 0xffffffff)) or
				t == 5 and "\3www\192\12" or ("\1"):rep(16)
			body[#body + 1] = rr(owner, t, rdata)
		end
	end
	return be16(R(0, 0xffff)) .. be16(answer and 0x8180 or 0x0100) .. be16(1) .. be16(an) ..
		be16(0) .. be16(0) .. q .. table.concat(body)
end
local function ipv4(proto, payload)
	local h = "\69\0" .. be16(20 + #payload) .. "\0\0\0\0\64" .. string.char(proto) .. "\0\0" ..
		"\10\1\1\3\10\1\1\2"
	return h .. payload
end
-- A UDP datagram with a valid checksum; sport/dport 53 in either direction.
local function udp4(m)
	local sport, dport = 53, 40000
	if R(2) == 1 then sport, dport = dport, sport end
	local len = 8 + #m
	local u = be16(sport) .. be16(dport) .. be16(len) .. "\0\0" .. m
	local c = csum("\10\1\1\3\10\1\1\2\0\17" .. be16(len) .. u, 1, 12 + len) ~ 0xffff
	if c == 0 then c = 0xffff end
	return ipv4(17, u:sub(1, 6) .. be16(c) .. u:sub(9))
end
local function tcp4(m)
	return ipv4(6, "\156\64\0\53" .. ("\0"):rep(8) .. "\80\24\0\0\0\0\0\0" .. be16(#m) .. m)
end
local function udp6(m)
	local ext = R(3) == 1 and "\17\0\0\0\0\0\0\0" or ""
	local u = "\0\53\156\64" .. be16(8 + #m) .. "\0\0" .. m
	return "\96\0\0\0" .. be16(#ext + #u) .. (ext ~= "" and "\0" or "\17") .. "\64" ..
		("\0"):rep(32) .. ext .. u
end
local function packet()
	local m = message()
	local k = R(5)
	if k == 1 then return udp4(m) elseif k == 2 then return tcp4(m)
	elseif k == 3 then return udp6(m) elseif k == 4 then return m end
	local t = {}
	for i = 1, R(0, 120) do t[i] = string.char(R(0, 255)) end
	return table.concat(t)
end
local edges = {0, 1, 0x3f, 0x40, 0x7f, 0x80, 0xc0, 0xc1, 0xff, 12, 20, 53}
local function mutate(s)
	local b = {s:byte(1, -1)}
	for _ = 1, R(1, 8) do
		local k, i = R(7), R(math.max(#b, 1))
		if k == 1 and #b > 0 then b[i] = b[i] ~ (1 << R(0, 7))
		elseif k == 2 and #b > 0 then b[i] = R(0, 255)
		elseif k == 3 and #b > 0 then b[i] = edges[R(#edges)]
		elseif k == 4 then for _ = 1, R(1, 4) do table.remove(b) end
		elseif k == 5 then for _ = 1, R(1, 16) do b[#b + 1] = R(0, 255) end
		elseif k == 6 and #b > 1 then b[i] = 0xc0 | R(0, 3); b[math.min(i + 1, #b)] = R(0, 255)
		elseif k == 7 and #b > 0 then b[i] = 0xff; b[math.min(i + 1, #b)] = 0xff end
	end
	local t = {}
	for i, v in ipairs(b) do t[i] = string.char(v) end
	return table.concat(t)
end

local function int(v, what)
	if math.type(v) ~= "integer" then error(what .. " is not an integer: " .. tostring(v), 2) end
	return v
end
local function reads(d, limit, what)
	if d.hi > limit then error(what .. " read up to " .. d.hi .. ", beyond limit " .. limit, 2) end
end

-- How much of the parser the inputs reached: a fuzzer that only meets garbage checks little.
local reached = {located = 0, named = 0, records = 0, rewritten = 0}

-- The contract, on one packet.
local function exercise(s)
	local d = data(s)
	for _, dir in ipairs({"dst", "src"}) do
		local msg, limit, version, proto, thoff = dns.locate(d, 0, dir)
		if msg then
			reached.located = reached.located + 1
			int(msg, "msg") int(limit, "limit") int(thoff, "thoff")
			-- msg may pass limit (a datagram cut short): then every read is refused.
			assert(msg >= 0 and limit >= 0 and limit <= d.n, "message bounds outside the packet")
			assert(version == 4 or version == 6, "version")
			d.hi = 0
			local n, qtype, qclass, after = dns.question(d, msg, limit)
			reads(d, limit, "question")
			if n then
				reached.named = reached.named + 1
				assert(n == n:lower(), "name not lower case: " .. n)
				int(qtype, "qtype") int(qclass, "qclass")
				assert(int(after, "after") <= limit, "after beyond limit")
				dns.match(n, dns.domains({"github.com", "lunatik.com"}))
			end
			d.hi = 0
			local ok = dns.records(d, msg, limit, function (section, t, class, rdoff, rdlen, owner)
				assert(section >= 1 and section <= 3, "section")
				reached.records = reached.records + 1
				int(t, "type") int(class, "class") int(owner, "owner")
				assert(int(rdoff, "rdoff") + int(rdlen, "rdlen") <= limit, "record data beyond limit")
			end)
			assert(ok == true or ok == nil, "records result")
			reads(d, limit, "records")
			if version == 4 and proto == 17 and dir == "src" then
				local ulen = math.min(limit, d.n) - thoff
				local before = d:tostring()
				local valid = (before:byte(thoff + 7) << 8 | before:byte(thoff + 8)) ~= 0 and
					csum(before:sub(13, 20) .. "\0\17" .. be16(ulen) .. before:sub(thoff + 1, thoff + ulen),
						1, 12 + ulen) == 0xffff
				local changed = dns.rewritea(d, msg, limit, FROM, TO, thoff + 6, thoff)
				assert(int(changed, "changed") >= 0, "negative count")
				local now = d:tostring()
				if valid and changed > 0 then
					reached.rewritten = reached.rewritten + 1
					assert(csum(now:sub(13, 20) .. "\0\17" .. be16(ulen) .. now:sub(thoff + 1, thoff + ulen),
						1, 12 + ulen) == 0xffff, "rewrite broke a valid checksum")
				end
			else
				dns.rewritea(d, msg, limit, FROM, TO)
			end
		end
	end
	-- Direct calls at any offset and limit within the data.
	for _ = 1, 3 do
		local limit = R(0, d.n)
		local off = R(0, limit)
		d.hi = 0
		local n, after = dns.name(d, 0, off, limit)
		if n then assert(int(after, "after") <= limit, "name end") end
		local a = dns.skipname(d, off, limit)
		if a then assert(int(a, "skipname") <= limit, "skipname end") end
		dns.question(d, off, limit)
		dns.header(d, off, limit)
		dns.record(d, off, limit)
		dns.u16(d, off, limit) dns.u32(d, off, limit)
		reads(d, limit, "direct calls")
	end
end

local corpus = {}
local function run(label, iterations, deadline)
	local i = 0
	while (not iterations or i < iterations) and (not deadline or os.time() < deadline) do
		i = i + 1
		local s
		if #corpus > 0 and R(3) > 1 then
			s = mutate(corpus[R(#corpus)])
		else
			s = packet()
			if #corpus < 200 then corpus[#corpus + 1] = s end
		end
		local ok, err = xpcall(exercise, debug.traceback, s)
		if not ok then
			print(string.format("FAIL %s (seed %d, iteration %d): %s", label, seed, i, err))
			print("packet: " .. s:gsub(".", function (c) return string.format("%02x", c:byte()) end))
			os.exit(1)
		end
	end
	return i
end

math.randomseed(seed)
-- Wall time bounds the run (os.time: whole seconds), CPU time shows the work.
local start, cpu = os.time(), os.clock()
local n = run("fixed seed", 3000)
-- The rest of the time: a seed of its own, printed on failure.
seed = os.time()
math.randomseed(seed)
n = n + run("time seed", nil, start + seconds)
print(string.format("dns fuzz: %d packets in %.1f s of CPU, no breach (%d located, %d names, %d records, %d checksummed rewrites)",
	n, os.clock() - cpu, reached.located, reached.named, reached.records, reached.rewritten))
for what, count in pairs(reached) do
	if count == 0 then
		print("FAIL no input reached: " .. what)
		os.exit(1)
	end
end
