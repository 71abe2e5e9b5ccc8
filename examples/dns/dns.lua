-- SPDX-License-Identifier: GPL-2.0
--
-- DNS over a packet, for the dnsblock and dnsdoctor examples (both the
-- native-hook and the xtables variants): locating the DNS message in an
-- IPv4/IPv6 packet carried by UDP or TCP, reading names (with compression),
-- matching them against domain sets, walking and rewriting A records, and
-- keeping the UDP checksum right.
--
-- Installed as /lib/modules/lua/examples/dns.lua: local dns = require("examples.dns")
--
-- Every function takes a data object and offsets into it, and never reads
-- outside [0, limit), with limit <= #data: a malformed or truncated message
-- gives nil plus a reason, never a Lua error. Multi-byte fields are read in
-- network byte order. Nothing here allocates a table per packet; names are
-- the only strings made.
--
-- Cost: every data method call is a call into C, which is most of what a
-- packet costs here; so in the kernel the IP and transport headers are
-- located in one call (netfilter.transport), other headers are read 8
-- bytes at a time (getint64, in the host's byte order, taken apart below),
-- a name in one call (data:getname) and domain sets are C sets
-- (require("set")) looked up once per name. A host test's data objects
-- have none of these and take the Lua paths.

local dns = {}

local PORT = 53
dns.PORT = PORT
dns.TYPE_A = 1
dns.TYPE_CNAME = 5
dns.TYPE_AAAA = 28
dns.CLASS_IN = 1

local MAXNAME = 255	-- octets of a name in wire form
local MAXLABEL = 63

local function min(a, b)
	return a < b and a or b
end

-- The data getters read in the host's byte order: where byte k of a 4 or
-- 8-byte read lands. R8[k] shifts byte k of an int64 down to bits 0..7.
local LITTLE = string.pack("=I2", 1):byte() == 1
local function at8(k) return LITTLE and 8 * k or 56 - 8 * k end
local function at4(k) return LITTLE and 8 * k or 24 - 8 * k end
local B0, B1, B2, B3, B4, B5, B6, B7 = at8(0), at8(1), at8(2), at8(3), at8(4), at8(5), at8(6), at8(7)
local W0, W1, W2, W3 = at4(0), at4(1), at4(2), at4(3)
-- v as the 16-bit network-order field at bytes k, k + 1 of an int64 read:
-- a field is compared with one mask and one comparison, not taken apart.
local function field16(k, v)
	return (v >> 8 & 0xff) << at8(k) | (v & 0xff) << at8(k + 1)
end
local QDCOUNT = field16(4, 0xffff)	-- of a DNS header

-- In the kernel, the data methods themselves: C functions that check their
-- object, so calling one directly saves the method lookup of data:m(...),
-- about a third of a read's cost. A host test's stand-in data objects keep
-- method calls.
local kdata = (function ()
	local ok, data = pcall(require, "data")
	return ok and type(data) == "table" and data.new and data.new(1) or nil
end)()
local getint64 = kdata and kdata.getint64 or function (d, off) return d:getint64(off) end
local length = kdata and kdata.__len or function (d) return #d end

-- netfilter.transport, when the kernel has it (a host test has not).
local transport = (function ()
	local ok, nf = pcall(require, "netfilter")
	return ok and type(nf) == "table" and nf.transport or nil
end)()

-- The C set library, when the kernel has it (a host test has not).
local cset = (function ()
	local ok, set = pcall(require, "set")
	return ok and type(set) == "table" and set or nil
end)()

-- 16 and 32-bit fields in network order; nil when [off, off + n) is not below limit.
function dns.u16(data, off, limit)
	if off < 0 or off + 2 > limit then
		return nil
	end
	return data:getbyte(off) << 8 | data:getbyte(off + 1)
end
local u16 = dns.u16

function dns.u32(data, off, limit)
	if off < 0 or off + 4 > limit then
		return nil
	end
	return data:getbyte(off) << 24 | data:getbyte(off + 1) << 16 |
		data:getbyte(off + 2) << 8 | data:getbyte(off + 3)
end
local u32 = dns.u32

local function setu32(data, off, v)
	data:setbyte(off, v >> 24 & 0xff)
	data:setbyte(off + 1, v >> 16 & 0xff)
	data:setbyte(off + 2, v >> 8 & 0xff)
	data:setbyte(off + 3, v & 0xff)
end

-- "10.1.2.3" -> 0x0a010203 (raises on anything else: for configuration, not packets).
function dns.ipv4(s)
	local a, b, c, d = string.match(s, "^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
	a, b, c, d = tonumber(a), tonumber(b), tonumber(c), tonumber(d)
	assert(a and a < 256 and b < 256 and c < 256 and d < 256, "invalid IPv4 address: " .. tostring(s))
	return a << 24 | b << 16 | c << 8 | d
end

function dns.ipv4tostring(v)
	return string.format("%d.%d.%d.%d", v >> 24 & 0xff, v >> 16 & 0xff, v >> 8 & 0xff, v & 0xff)
end

-- IPv6 extension headers stepped over to reach the transport header (as
-- netfilter.transport does): hop-by-hop, routing, destination options,
-- fragment (the first fragment only) and AH (counted in 4-byte words).
local IPV6_EXT = {[0] = true, [43] = true, [60] = true, [44] = true, [51] = true}
local IPV6_MAXEXT = 16
local IPPROTO_TCP, IPPROTO_UDP = 6, 17

--[[
dns.ip(data, off): the IP packet whose header starts at off.
Returns version (4 or 6), protocol, transport offset, end of the IP packet
(bounded by #data); nil when it is not IP, not the first fragment, or too short.
]]
function dns.ip(data, off)
	local limit = length(data)
	if off < 0 or off + 20 > limit then
		return nil	-- shorter than any IP header
	end
	local w = getint64(data, off)
	local first = w >> B0 & 0xff
	local version = first >> 4
	if version == 4 then
		local ihl = (first & 0x0f) * 4
		local total = (w >> B2 & 0xff) << 8 | w >> B3 & 0xff
		local frag = (w >> B6 & 0x1f) << 8 | w >> B7 & 0xff
		if total == 0 then
			total = limit - off	-- a GSO packet over 64 KiB: to the end
		end
		if ihl < 20 or frag ~= 0 or total < ihl or off + ihl > limit then
			return nil	-- a later fragment has no transport header
		end
		return 4, getint64(data, off + 8) >> B1 & 0xff, off + ihl, min(limit, off + total)
	elseif version == 6 then
		if off + 40 > limit then
			return nil
		end
		local payload = (w >> B4 & 0xff) << 8 | w >> B5 & 0xff
		local iplimit = payload == 0 and limit or min(limit, off + 40 + payload)
		local proto, thoff = w >> B6 & 0xff, off + 40
		-- A bounded walk: each header is at least 8 bytes.
		for i = 0, IPV6_MAXEXT do
			if not IPV6_EXT[proto] then
				if thoff > iplimit then
					return nil
				end
				return 6, proto, thoff, iplimit
			end
			if i == IPV6_MAXEXT or thoff + 8 > iplimit then
				return nil
			end
			local len = data:getbyte(thoff + 1)
			if proto == 44 then
				if (data:getbyte(thoff + 2) << 8 | data:getbyte(thoff + 3)) & 0xfff8 ~= 0 then
					return nil	-- a later fragment
				end
				len = 8
			elseif proto == 51 then
				len = (len + 2) * 4
			else
				len = (len + 1) * 8
			end
			proto = data:getbyte(thoff)
			thoff = thoff + len
		end
		return nil
	end
	return nil
end

--[[
dns.message(data, proto, thoff, limit, port, dir): where the DNS message of a
UDP datagram or TCP segment is, when its destination port (dir == "dst",
queries) or source port (dir == "src", answers) is port.
Returns the offset of the DNS header and the end of the message (bounded by
limit); nil otherwise, and for TCP segments without a whole length prefix.
]]
function dns.message(data, proto, thoff, limit, port, dir)
	if proto == IPPROTO_UDP then
		if thoff < 0 or thoff + 8 > limit then
			return nil
		end
		local u = getint64(data, thoff)
		local p = dir == "src" and ((u >> B0 & 0xff) << 8 | u >> B1 & 0xff) or
			((u >> B2 & 0xff) << 8 | u >> B3 & 0xff)
		local len = (u >> B4 & 0xff) << 8 | u >> B5 & 0xff
		if len < 8 or p ~= port then
			return nil
		end
		return thoff + 8, min(limit, thoff + len)
	elseif proto == IPPROTO_TCP then
		local portoff = dir == "src" and thoff or thoff + 2
		if thoff + 20 > limit or u16(data, portoff, limit) ~= port then
			return nil
		end
		local payload = thoff + (data:getbyte(thoff + 12) >> 4) * 4
		local len = u16(data, payload, limit)	-- DNS over TCP: a 2-byte length first
		if not len then
			return nil
		end
		return payload + 2, min(limit, payload + 2 + len)
	end
	return nil
end

--[[
dns.locate(data, off, dir [, port]): dns.ip then dns.message.
Returns msg, msglimit, version, proto, thoff; nil when the packet carries no DNS.
In the kernel, netfilter.transport does the IP and transport part in one
call (the Lua below is for a host test's data objects).
]]
function dns.locate(data, off, dir, port)
	port = port or PORT
	if transport then
		local proto, thoff, limit, sport, dport, payload, version = transport(data, off)
		if (dir == "src" and sport or dport) ~= port then
			return nil	-- not DNS, or no ports: not TCP nor UDP, or nothing to follow
		end
		if proto == IPPROTO_UDP then
			return payload, limit, version, proto, thoff
		end
		local msg, msglimit = dns.message(data, proto, thoff, limit, port, dir)
		if not msg then
			return nil
		end
		return msg, msglimit, version, proto, thoff
	end
	local version, proto, thoff, iplimit = dns.ip(data, off)
	if not version then
		return nil
	end
	local msg, msglimit = dns.message(data, proto, thoff, iplimit, port, dir)
	if not msg then
		return nil
	end
	return msg, msglimit, version, proto, thoff
end

-- Reused between calls (a runtime runs one call at a time): no table per packet.
local labels = {}

--[[
dns.name(data, msg, off, limit): the name at off in the message that starts
at msg, following compression pointers (each must point strictly before
where the name, or the part reached by the previous pointer, started: the
positions decrease, so loops end). Labels longer than 63 octets, reserved
label types and names over 255 octets are malformed.
Returns the name in lower case, dotted, without the final dot ("" for the
root), and the offset just after the name where it sits; nil, reason if malformed.
]]
function dns.name(data, msg, off, limit)
	local getname = data.getname
	if getname then	-- the kernel's data objects: the same, in one call
		return getname(data, off, limit, msg)
	end
	local n, total, after = 0, 0, nil
	local pos, floor = off, off
	while true do
		if pos >= limit then
			return nil, "name truncated"
		end
		local len = data:getbyte(pos)
		if len == 0 then
			after = after or pos + 1
			break
		elseif len & 0xc0 == 0xc0 then
			if pos + 2 > limit then
				return nil, "pointer truncated"
			end
			local target = msg + ((len & 0x3f) << 8 | data:getbyte(pos + 1))
			if target >= floor then
				return nil, "compression pointer does not point back"
			end
			after = after or pos + 2
			pos, floor = target, target
		elseif len > MAXLABEL then
			return nil, "bad label length"
		else
			total = total + len + 1
			if total + 1 > MAXNAME then
				return nil, "name too long"
			end
			if pos + 1 + len > limit then
				return nil, "label truncated"
			end
			local label = data:getstring(pos + 1, len)
			-- A dot inside a label is not a separator: keep names unambiguous.
			if string.find(label, ".", 1, true) then
				label = string.gsub(label, "%.", "\\.")
			end
			n = n + 1
			labels[n] = label
			pos = pos + 1 + len
		end
	end
	local name = string.lower(table.concat(labels, ".", 1, n))
	for i = n, 1, -1 do
		labels[i] = nil
	end
	return name, after
end

--[[
dns.skipname(data, off, limit): the offset after the name at off, without
reading it (a pointer ends a name); nil, reason when malformed.
]]
function dns.skipname(data, off, limit)
	local pos, total = off, 0
	while true do
		if pos >= limit then
			return nil, "name truncated"
		end
		local len = data:getbyte(pos)
		if len == 0 then
			return pos + 1
		elseif len & 0xc0 == 0xc0 then
			if pos + 2 > limit then
				return nil, "pointer truncated"
			end
			return pos + 2
		elseif len > MAXLABEL then
			return nil, "bad label length"
		end
		total = total + len + 1
		if total + 1 > MAXNAME then
			return nil, "name too long"
		end
		pos = pos + 1 + len
	end
end

--[[
dns.header(data, msg, limit): id, flags, qdcount, ancount, nscount, arcount;
nil (alone) when the 12-byte header does not fit. dns.isresponse(flags) tells QR.
]]
function dns.header(data, msg, limit)
	if msg < 0 or msg + 12 > limit then
		return nil
	end
	local w, t = getint64(data, msg), data:getuint32(msg + 8)
	return (w >> B0 & 0xff) << 8 | w >> B1 & 0xff, (w >> B2 & 0xff) << 8 | w >> B3 & 0xff,
		(w >> B4 & 0xff) << 8 | w >> B5 & 0xff, (w >> B6 & 0xff) << 8 | w >> B7 & 0xff,
		(t >> W0 & 0xff) << 8 | t >> W1 & 0xff, (t >> W2 & 0xff) << 8 | t >> W3 & 0xff
end

function dns.isresponse(flags)
	return flags & 0x8000 ~= 0
end

--[[
dns.question(data, msg, limit): the first question: name, qtype, qclass and
the offset after it; nil, reason when there is none or it is malformed.
]]
function dns.question(data, msg, limit)
	if msg < 0 or msg + 12 > limit then
		return nil, "header truncated"
	end
	-- qdcount: tested for zero, in whatever byte order
	if getint64(data, msg) & QDCOUNT == 0 then
		return nil, "no question"
	end
	local name, off = dns.name(data, msg, msg + 12, limit)
	if not name then
		return nil, off
	end
	if off + 4 > limit then
		return nil, "question truncated"
	end
	local t = data:getuint32(off)
	return name, (t >> W0 & 0xff) << 8 | t >> W1 & 0xff, (t >> W2 & 0xff) << 8 | t >> W3 & 0xff, off + 4
end

--[[
dns.qname(data, msg, limit): the first question's name alone; nil, reason
as dns.question. (A blocker asks dns.inset, which makes no string.)
]]
function dns.qname(data, msg, limit)
	local name, why = dns.question(data, msg, limit)
	if not name then
		return nil, why
	end
	return name
end

--[[
dns.domains(list): a set of domains for dns.match, from a list such as
{"github.com", "GitLab.com."} (any case, a final dot ignored). In the
kernel a C set (require("set"): set.labeled, case-folded), looked up with
one call per name; else a Lua table. Either way, the domains are in
set.names (name -> true).
]]
function dns.domains(list)
	local names = {}
	for _, d in ipairs(list) do
		d = string.lower(d):gsub("%.$", "")
		if d ~= "" then
			names[d] = true
		end
	end
	local set = {names = names}
	if cset then
		local labels = {}
		for d in pairs(names) do
			labels[d] = 1
		end
		set.c = cset.labeled(labels, true)
		set.match = set.c.match	-- called as set.match(set.c, ...): no method lookup
	end
	return set
end

--[[
dns.match(name, set): the domain of set that name is or is under, matching
whole labels ("api.github.com" is under "github.com", "notgithub.com" is
not); nil if none. name comes lower-cased from dns.name. With a C set, a
name under no domain costs one call; the domain is looked up only when
there is one.
]]
function dns.match(name, set)
	if set.c and set.c:match(name) == 0 then
		return nil
	end
	local names = set.names
	local n = name
	while n do
		if names[n] then
			return n
		end
		local dot = string.find(n, ".", 1, true)
		n = dot and string.sub(n, dot + 1) or nil
	end
	return nil
end

--[[
dns.inset(data, msg, limit, set): whether the first question's name is a
domain of set (dns.domains) or under one; false for a message without a
question (it asks for no name of the set); nil, reason when the question is
malformed or truncated. What a blocker asks of each query: in the kernel one
call (the C set reads the name where it lies in the packet,
set:match(data, ...)), no string made.
]]
function dns.inset(data, msg, limit, set)
	local c = set.c
	if not c then	-- no C set (a host test): its data objects have no getname either
		local name, why = dns.qname(data, msg, limit)
		if not name then
			if why == "no question" then
				return false
			end
			return nil, why
		end
		return dns.match(name, set) ~= nil
	end
	if msg < 0 or msg + 12 > limit then
		return nil, "header truncated"
	end
	-- The name first: most queries ask for a name outside the set, and
	-- then whether the header counts a question does not change the
	-- answer (a read less a query). It does when the bytes after the
	-- header are a member's name, or no name at all.
	local labels, after = set.match(c, data, msg + 12, limit, msg)
	if labels == 0 and after + 4 <= limit then
		return false
	end
	if getint64(data, msg) & QDCOUNT == 0 then
		return false	-- no question
	end
	if not labels then
		return nil, after
	end
	if after + 4 > limit then
		return nil, "question truncated"
	end
	return labels ~= 0
end

-- Offset after the questions of the message; nil, reason when malformed.
local function skipquestions(data, msg, qdcount, limit)
	local off = msg + 12
	for _ = 1, qdcount do
		local after, err = dns.skipname(data, off, limit)
		if not after then
			return nil, err
		end
		off = after + 4
	end
	return off
end

--[[
dns.record(data, off, limit): the resource record at off: type, class,
offset and length of its data, and the offset after it; nil, reason when
it does not fit before limit.
]]
function dns.record(data, off, limit)
	local after, err = dns.skipname(data, off, limit)
	if not after then
		return nil, err
	end
	if after + 10 > limit then
		return nil, "record truncated"
	end
	local rdlen = u16(data, after + 8, limit)
	local rdoff = after + 10
	if rdoff + rdlen > limit then
		return nil, "record data truncated"
	end
	return u16(data, after, limit), u16(data, after + 2, limit), rdoff, rdlen, rdoff + rdlen
end

--[[
dns.records(data, msg, limit, fn): calls fn(section, type, class, rdoff,
rdlen, owneroff) for each resource record, section 1 = answer, 2 =
authority, 3 = additional, in message order. fn returning true stops the
walk. Returns true when the walk ended well (every record the header counts,
or fn stopped it), nil, reason when the message ends early or is malformed.
]]
function dns.records(data, msg, limit, fn)
	local _, _, qd, an, ns, ar = dns.header(data, msg, limit)
	if not qd then
		return nil, "header truncated"
	end
	local off, err = skipquestions(data, msg, qd, limit)
	if not off then
		return nil, err
	end
	for section = 1, 3 do
		local count = section == 1 and an or section == 2 and ns or ar
		for _ = 1, count do
			local rtype, class, rdoff, rdlen, after = dns.record(data, off, limit)
			if not rtype then
				return nil, class
			end
			if fn(section, rtype, class, rdoff, rdlen, off) then
				return true
			end
			off = after
		end
	end
	return true
end

-- The sum of a 32-bit value's bytes as 16-bit words whose alignment is set by odd.
local function wordsum(v, odd)
	local s = 0
	for i = 0, 3 do
		local byte = v >> (24 - 8 * i) & 0xff
		s = s + (((i + odd) % 2 == 0) and byte << 8 or byte)
	end
	return s
end

local function fold(s)
	while s > 0xffff do
		s = (s & 0xffff) + (s >> 16)
	end
	return s
end

--[[
dns.csumreplace(data, csumoff, base, off, old, new): updates the 16-bit
Internet checksum at csumoff, computed over bytes from base (the UDP or TCP
header), for the 32-bit value at off changing from old to new (RFC 1624:
HC' = ~(~HC + ~m + m')). off - base may be odd. A UDP checksum of 0 (none,
IPv4) stays 0.
]]
function dns.csumreplace(data, csumoff, base, off, old, new)
	local check = u16(data, csumoff, #data)
	if not check or check == 0 then
		return
	end
	local odd = (off - base) % 2
	local s = (check ~ 0xffff) + (fold(wordsum(old, odd)) ~ 0xffff) + fold(wordsum(new, odd))
	s = fold(s) ~ 0xffff
	if s == 0 then
		s = 0xffff	-- 0 means "no checksum" in UDP
	end
	data:setbyte(csumoff, s >> 8)
	data:setbyte(csumoff + 1, s & 0xff)
end

--[[
dns.rewritea(data, msg, limit, from, to [, csumoff, base]): in a message,
changes every A record (class IN) of the answer section whose address is
from into to (IPv4 addresses as integers), keeping the checksum at csumoff
(over bytes from base) right. Records of other types, classes or addresses
are left alone. Returns how many were changed, and a reason if the walk
stopped early (records before that point may have been changed).
]]
function dns.rewritea(data, msg, limit, from, to, csumoff, base)
	local _, _, qd, an = dns.header(data, msg, limit)
	if not qd then
		return 0, "header truncated"
	end
	local off, err = skipquestions(data, msg, qd, limit)
	if not off then
		return 0, err
	end
	local changed = 0
	for _ = 1, an do
		local rtype, class, rdoff, rdlen, after = dns.record(data, off, limit)
		if not rtype then
			return changed, class
		end
		if rtype == dns.TYPE_A and class == dns.CLASS_IN and rdlen == 4 and u32(data, rdoff, limit) == from then
			setu32(data, rdoff, to)
			if csumoff then
				dns.csumreplace(data, csumoff, base, rdoff, from, to)
			end
			changed = changed + 1
		end
		off = after
	end
	return changed
end

return dns
