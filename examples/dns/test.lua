-- SPDX-License-Identifier: GPL-2.0
--
-- Unit tests of examples/dns/dns.lua, on the host with a stand-in for the
-- kernel's data object (same bounds rule: any access outside [0, #data)
-- raises), and in the kernel (a non-sleepable runtime) on real data
-- objects, where dns.lua takes its C paths (netfilter.transport,
-- data:getname, set):
--   lua5.4 examples/dns/test.lua
--   lunatik run examples/dns/test false	(raises if a case fails)
local kdata = (function ()
	local ok, data = pcall(require, "data")
	return ok and type(data) == "table" and data.new and data or nil
end)()
local dns
if kdata then
	dns = require("examples.dns")
else
	package.path = arg[0]:gsub("[^/]*$", "") .. "?.lua;" .. package.path
	dns = require("dns")
end

local Data = {}
Data.__index = Data
Data.__len = function (d) return #d.s end
local function data(s)
	if kdata then
		local d = kdata.new(#s)
		if #s > 0 then
			d:setstring(0, s)
		end
		return d
	end
	return setmetatable({s = s}, Data)
end
-- The bytes of a data object, as a string.
local function bytes(d)
	return kdata and d:getstring(0) or d.s
end
local function check(d, off, n)
	if math.type(off) ~= "integer" or off < 0 or off + n > #d.s then
		error("out of bounds", 3)
	end
end
function Data:getbyte(off) check(self, off, 1) return self.s:byte(off + 1) end
function Data:getstring(off, n) check(self, off, n) return self.s:sub(off + 1, off + n) end
-- Multi-byte getters read in the host's byte order, as the kernel's do.
function Data:getuint32(off) check(self, off, 4) return (string.unpack("=I4", self.s, off + 1)) end
function Data:getint64(off) check(self, off, 8) return (string.unpack("=i8", self.s, off + 1)) end
function Data:setbyte(off, v)
	check(self, off, 1)
	self.s = self.s:sub(1, off) .. string.char(v & 0xff) .. self.s:sub(off + 2)
end

local passed, failed = 0, 0
local function expect(what, want, got)
	if want == got then
		passed = passed + 1
	else
		failed = failed + 1
		print(string.format("FAIL %s: expected %s, got %s", what, tostring(want), tostring(got)))
	end
end

local function wire(name)
	local out = {}
	for label in name:gmatch("[^.]+") do out[#out + 1] = string.char(#label) .. label end
	return table.concat(out) .. "\0"
end
local function be16(v) return string.char(v >> 8 & 0xff, v & 0xff) end
local function query(name, id)
	return be16(id or 0x1234) .. be16(0x0100) .. be16(1) .. be16(0) .. be16(0) .. be16(0) ..
		wire(name) .. be16(1) .. be16(1)
end

-- Internet checksum of a string.
local function csum(s)
	if #s % 2 == 1 then s = s .. "\0" end
	local sum = 0
	for i = 1, #s, 2 do sum = sum + (s:byte(i) << 8 | s:byte(i + 1)) end
	while sum > 0xffff do sum = (sum & 0xffff) + (sum >> 16) end
	return sum ~ 0xffff
end
local function ipv4(src, dst, proto, payload)
	local total = 20 + #payload
	local h = "\69\0" .. be16(total) .. "\0\0\0\0\64" .. string.char(proto) .. "\0\0" ..
		string.pack(">I4I4", src, dst)
	h = h:sub(1, 10) .. be16(csum(h)) .. h:sub(13)
	return h .. payload
end
local function udp(src, dst, sport, dport, payload)
	local len = 8 + #payload
	local pseudo = string.pack(">I4I4", src, dst) .. "\0\17" .. be16(len)
	local u = be16(sport) .. be16(dport) .. be16(len) .. "\0\0" .. payload
	local c = csum(pseudo .. u)
	if c == 0 then c = 0xffff end
	return ipv4(src, dst, 17, u:sub(1, 6) .. be16(c) .. u:sub(9))
end
local function udpok(s)
	local ihl = (s:byte(1) & 15) * 4
	local u = s:sub(ihl + 1)
	local pseudo = s:sub(13, 20) .. "\0\17" .. be16(#u)
	return csum(pseudo .. u) == 0
end

local CLIENT, SERVER = dns.ipv4("10.1.1.2"), dns.ipv4("10.1.1.3")

-- names, case, label boundaries
local set = dns.domains({"github.com", "GitLab.com."})
for _, c in ipairs({{"github.com", "github.com"}, {"API.GitHub.com", "github.com"},
	{"notgithub.com", nil}, {"github.com.evil", nil}, {"gitlab.com", "gitlab.com"}, {"com", nil}}) do
	local d = data(query(c[1]))
	local name = dns.question(d, 0, #d)
	expect("match " .. c[1], c[2], dns.match(name, set))
	expect("inset " .. c[1], c[2] ~= nil, dns.inset(d, 0, #d, set))
end
do
	local d = data(query("api.github.com"))
	expect("inset of a cut question", "question truncated", select(2, dns.inset(d, 0, #d - 1, set)))
	expect("inset of a cut name", "label truncated", select(2, dns.inset(d, 0, 18, set)))
	local none = data(be16(1) .. be16(0x100) .. be16(0):rep(4))
	expect("inset without a question", false, dns.inset(none, 0, #none, set))
	-- a header counting no question, then a member's name: still no question
	local noq = data(be16(1) .. be16(0x100) .. be16(0):rep(4) .. wire("github.com") .. be16(1) .. be16(1))
	expect("inset: a name where no question is counted", false, dns.inset(noq, 0, #noq, set))
	local noqother = data(be16(1) .. be16(0x100) .. be16(0):rep(4) .. wire("example.com") .. be16(1) .. be16(1))
	expect("inset: another name where no question is counted", false, dns.inset(noqother, 0, #noqother, set))
	local dotted = data(be16(1) .. be16(0x100) .. be16(1) .. be16(0):rep(3) .. "\10github.com\0" .. be16(1) .. be16(1))
	expect("a label with a dot in it is not the domain", false, dns.inset(dotted, 0, #dotted, set))
end
do
	local d = data(query("A.b.C"))
	local name, qtype, qclass, after = dns.question(d, 0, #d)
	expect("name lower-cased", "a.b.c", name)
	expect("qtype", 1, qtype)
	expect("qclass", 1, qclass)
	expect("after", #d, after)
	expect("qname", "a.b.c", dns.qname(d, 0, #d))
	expect("qname of a cut question", "question truncated", select(2, dns.qname(d, 0, #d - 1)))
	local dotted = data(be16(1) .. be16(0x100) .. be16(1) .. be16(0):rep(3) .. "\10github.com\0" .. be16(1) .. be16(1))
	expect("a dot inside a label is escaped", "github\\.com", (dns.question(dotted, 0, #dotted)))
end

-- locating DNS in packets
do
	local pkt = data(udp(CLIENT, SERVER, 40000, 53, query("github.com")))
	local msg, limit, version, proto = dns.locate(pkt, 0, "dst")
	expect("udp query located", 28, msg)
	expect("udp query limit", #pkt, limit)
	expect("version", 4, version)
	expect("proto", 17, proto)
	expect("not an answer", nil, (dns.locate(pkt, 0, "src")))
	local m = query("github.com")
	local tcp = "\0\53\0\53" .. "\0\0\0\0\0\0\0\0" .. "\80\24\0\0\0\0\0\0" .. be16(#m) .. m
	tcp = ipv4(CLIENT, SERVER, 6, tcp:sub(1, 0) .. "\156\64\0\53" .. tcp:sub(5))
	local d = data(tcp)
	local tmsg, tlimit = dns.locate(d, 0, "dst")
	expect("tcp query located", 20 + 20 + 2, tmsg)
	expect("tcp name", "github.com", (dns.question(d, tmsg, tlimit)))
	local v6 = "\96\0\0\0" .. be16(8 + #m) .. "\17\64" .. ("\0"):rep(32) ..
		"\156\64\0\53" .. be16(8 + #m) .. "\0\0" .. m
	local d6 = data(v6)
	local m6, l6, ver6 = dns.locate(d6, 0, "dst")
	expect("ipv6 version", 6, ver6)
	expect("ipv6 name", "github.com", (dns.question(d6, m6, l6)))
	local frag = data(ipv4(CLIENT, SERVER, 17, ("x"):rep(30)):sub(1, 6) .. "\0\10" ..
		ipv4(CLIENT, SERVER, 17, ("x"):rep(30)):sub(9))
	expect("later fragments are not parsed", nil, (dns.locate(frag, 0, "dst")))

	-- the quick look at the port turns other traffic away, and only that
	expect("udp to another port", nil, (dns.locate(data(udp(CLIENT, SERVER, 40000, 5353, m)), 0, "dst")))
	expect("udp to port 53 + 256", nil, (dns.locate(data(udp(CLIENT, SERVER, 40000, 53 + 256, m)), 0, "dst")))
	expect("an answer is located from its source port", 28,
		(dns.locate(data(udp(SERVER, CLIENT, 53, 40000, m)), 0, "src")))
	expect("another port given", 28, (dns.locate(data(udp(CLIENT, SERVER, 40000, 5353, m)), 0, "dst", 5353)))
	local v6other = v6:sub(1, 40) .. "\156\64\0\54" .. v6:sub(45)
	expect("ipv6 to another port", nil, (dns.locate(data(v6other), 0, "dst")))
	local hbh = "\96\0\0\0" .. be16(8 + 8 + #m) .. "\0\64" .. ("\0"):rep(32) ..
		"\17\0\0\0\0\0\0\0" .. "\156\64\0\53" .. be16(8 + #m) .. "\0\0" .. m
	local dh = data(hbh)
	local mh, lh = dns.locate(dh, 0, "dst")
	expect("ipv6 behind a hop-by-hop header is still located", "github.com", mh and (dns.question(dh, mh, lh)))
	local function v6behind(next, ext)
		return data("\96\0\0\0" .. be16(#ext + 8 + #m) .. string.char(next, 64) .. ("\0"):rep(32) ..
			ext .. "\156\64\0\53" .. be16(8 + #m) .. "\0\0" .. m)
	end
	local df = v6behind(44, "\17\0\0\1\0\0\0\1")
	local mf, lf = dns.locate(df, 0, "dst")
	expect("ipv6 first fragment is located", "github.com", mf and (dns.question(df, mf, lf)))
	expect("ipv6 later fragment is not", nil, (dns.locate(v6behind(44, "\17\0\0\9\0\0\0\1"), 0, "dst")))
	local da = v6behind(51, "\17\1" .. ("\0"):rep(10))
	local ma, la = dns.locate(da, 0, "dst")
	expect("ipv6 behind AH (4-byte words) is located", "github.com", ma and (dns.question(da, ma, la)))
	local v4first = udp(CLIENT, SERVER, 40000, 53, m)
	v4first = data(v4first:sub(1, 6) .. "\32\0" .. v4first:sub(9))
	expect("ipv4 first fragment is located", 28, (dns.locate(v4first, 0, "dst")))
	local icmp6 = "\96\0\0\0" .. be16(8) .. "\58\64" .. ("\0"):rep(32) .. "\128\0\0\0\0\0\0\0"
	expect("icmpv6", nil, (dns.locate(data(icmp6), 0, "dst")))
	local whole = udp(CLIENT, SERVER, 40000, 53, m)
	for _, n in ipairs({1, 19, 20, 22, 23, 24}) do
		expect("ipv4 cut at " .. n .. " bytes", nil, (dns.locate(data(whole:sub(1, n)), 0, "dst")))
	end
	expect("ipv6 cut at 39 bytes", nil, (dns.locate(data(v6:sub(1, 39)), 0, "dst")))
	expect("not IP", nil, (dns.locate(data("\32" .. whole:sub(2)), 0, "dst")))
end

-- malformed input never raises
local malformed = {
	"", "\69", ("\0"):rep(11),
	be16(1) .. be16(0x100) .. be16(1) .. be16(0):rep(3) .. "\64" .. ("a"):rep(64) .. "\0\0\1\0\1",
	be16(1) .. be16(0x100) .. be16(1) .. be16(0):rep(3) .. "\192\12",	-- pointer to itself
	be16(1) .. be16(0x100) .. be16(1) .. be16(0):rep(3) .. "\3abc\192\16",	-- pointer forward
	be16(1) .. be16(0x100) .. be16(1) .. be16(0):rep(3) .. "\6github\192\12",	-- back to its own start: a loop
	be16(1) .. be16(0x8180) .. be16(1) .. be16(5) .. be16(0):rep(2) .. wire("x.com") .. be16(1) .. be16(1),	-- ancount lies
	be16(1) .. be16(0x100) .. be16(60000) .. be16(0):rep(3),
	be16(1) .. be16(0x100) .. be16(1) .. be16(0):rep(3) .. ("\63" .. ("a"):rep(63)):rep(5) .. "\0\0\1\0\1",	-- too long
	be16(1) .. be16(0x100) .. be16(1) .. be16(0):rep(3) .. "\128x\0\0\1\0\1",	-- reserved label type
	be16(1) .. be16(0x100) .. be16(1) .. be16(0):rep(3) .. "\5ab",	-- truncated label
}
for i, m in ipairs(malformed) do
	local ok, err = pcall(function ()
		for _, s in ipairs({m, udp(CLIENT, SERVER, 53, 53, m)}) do
			local d = data(s)
			local msg, limit = dns.locate(d, 0, "dst")
			if msg then
				dns.question(d, msg, limit)
				dns.rewritea(d, msg, limit, 1, 2)
				dns.records(d, msg, limit, function () end)
			end
			dns.question(d, 0, #d)
			dns.rewritea(d, 0, #d, 1, 2)
		end
	end)
	expect("malformed " .. i .. " gives nil, no error", true, ok or err)
end

-- answers: compression, record order, other types, checksum
do
	local FROM, TO = dns.ipv4("192.168.10.1"), dns.ipv4("10.1.2.3")
	local hdr = be16(0x1234) .. be16(0x8180) .. be16(1) .. be16(4) .. be16(1) .. be16(1)
	local q = wire("lunatik.com") .. be16(1) .. be16(1)
	local ptr = "\192\12"
	local rr = function (name, t, rdata) return name .. be16(t) .. be16(1) .. "\0\0\0\60" .. be16(#rdata) .. rdata end
	local answers = rr(ptr, 5, "\3www" .. ptr) ..	-- a CNAME first
		rr(ptr, 28, ("\1"):rep(16)) ..		-- an AAAA
		rr(wire("lunatik.com"), 1, string.pack(">I4", FROM)) ..	-- uncompressed owner
		rr("\3www" .. ptr, 1, string.pack(">I4", dns.ipv4("192.168.10.2")))	-- another address
	local auth = rr(ptr, 2, "\2ns" .. ptr)
	local add = rr("\2ns" .. ptr, 1, string.pack(">I4", FROM))	-- additional: left alone
	local m = hdr .. q .. answers .. auth .. add
	for _, odd in ipairs({false, true}) do
		-- an odd offset of the DNS message checks the byte-swapped checksum update
		local pkt = odd and udp(SERVER, CLIENT, 53, 40000, m .. "\0") or udp(SERVER, CLIENT, 53, 40000, m)
		local d = data(pkt)
		local msg, limit = dns.locate(d, 0, "src")
		if odd then
			-- shift the message by one: rebuild with a leading pad byte in a larger UDP payload
			local body = "\0" .. m
			d = data(udp(SERVER, CLIENT, 53, 40000, body))
			msg, limit = 20 + 8 + 1, #d
		end
		expect("answer is valid before", true, udpok(bytes(d)))
		local n, err = dns.rewritea(d, msg, limit, FROM, TO, 20 + 6, 20)
		expect("one A record rewritten (odd=" .. tostring(odd) .. ")", 1, n)
		expect("no error", nil, err)
		expect("checksum right after rewrite (odd=" .. tostring(odd) .. ")", true, udpok(bytes(d)))
		local seen = {}
		dns.records(d, msg, limit, function (section, t, class, rdoff, rdlen)
			if t == 1 then seen[#seen + 1] = section .. ":" .. dns.ipv4tostring(dns.u32(d, rdoff, limit)) end
		end)
		expect("records after", "1:10.1.2.3,1:192.168.10.2,3:192.168.10.1", table.concat(seen, ","))
	end
	-- a lying ancount: the record that is there is still rewritten, the error reported
	local lying = hdr:sub(1, 6) .. be16(9) .. be16(0) .. be16(0) .. q .. rr(ptr, 1, string.pack(">I4", FROM))
	local d = data(lying)
	local n, err = dns.rewritea(d, 0, #d, FROM, TO)
	expect("lying count: rewrites what is there", 1, n)
	expect("lying count: says why it stopped", "name truncated", err)
	-- no checksum (0) stays 0
	local pkt = udp(SERVER, CLIENT, 53, 40000, m)
	pkt = pkt:sub(1, 26) .. "\0\0" .. pkt:sub(29)
	d = data(pkt)
	dns.rewritea(d, 28, #d, FROM, TO, 26, 20)
	expect("zero checksum stays zero", 0, dns.u16(d, 26, #d))
end

print(string.format("%d passed, %d failed", passed, failed))
if kdata then
	assert(failed == 0, "examples/dns/test: " .. failed .. " failed")
else
	os.exit(failed == 0 and 0 or 1)
end
