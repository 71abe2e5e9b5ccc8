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

local dns = {}

dns.PORT = 53
dns.TYPE_A = 1
dns.TYPE_CNAME = 5
dns.TYPE_AAAA = 28
dns.CLASS_IN = 1

local MAXNAME = 255	-- octets of a name in wire form
local MAXLABEL = 63

local function min(a, b)
	return a < b and a or b
end

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

-- IPv6 extension headers that we step over to reach the transport header.
local IPV6_EXT = {[0] = true, [43] = true, [60] = true}
local IPPROTO_TCP, IPPROTO_UDP = 6, 17

--[[
dns.ip(data, off): the IP packet whose header starts at off.
Returns version (4 or 6), protocol, transport offset, end of the IP packet
(bounded by #data); nil when it is not IP, not the first fragment, or too short.
]]
function dns.ip(data, off)
	local limit = #data
	if off < 0 or off >= limit then
		return nil
	end
	local version = data:getbyte(off) >> 4
	if version == 4 then
		if off + 20 > limit then
			return nil
		end
		local ihl = (data:getbyte(off) & 0x0f) * 4
		local total = u16(data, off + 2, limit)
		local frag = u16(data, off + 6, limit)
		if ihl < 20 or frag & 0x1fff ~= 0 or total < ihl then
			return nil	-- a later fragment has no transport header
		end
		return 4, data:getbyte(off + 9), off + ihl, min(limit, off + total)
	elseif version == 6 then
		if off + 40 > limit then
			return nil
		end
		local iplimit = min(limit, off + 40 + u16(data, off + 4, limit))
		local proto, thoff = data:getbyte(off + 6), off + 40
		-- A bounded walk: each header is at least 8 bytes, so a few suffice.
		for _ = 1, 8 do
			if not IPV6_EXT[proto] then
				return 6, proto, thoff, iplimit
			end
			if thoff + 8 > iplimit then
				return nil
			end
			proto = data:getbyte(thoff)
			thoff = thoff + (data:getbyte(thoff + 1) + 1) * 8
		end
		return nil	-- fragments (44) and others are not followed
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
	local portoff = dir == "src" and thoff or thoff + 2
	if proto == IPPROTO_UDP then
		local len = u16(data, thoff + 4, limit)
		if not len or len < 8 or u16(data, portoff, limit) ~= port then
			return nil
		end
		return thoff + 8, min(limit, thoff + len)
	elseif proto == IPPROTO_TCP then
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
maybedns(data, off, dir, port): false when the packet at off certainly
carries no DNS message for port, from as few reads as can tell: the port
where the transport header is when no IPv6 extension header is in the
way. Most packets are not DNS, and this is all they cost dns.locate.
]]
local function maybedns(data, off, dir, port)
	local limit = #data
	if off < 0 or off >= limit then
		return false
	end
	local first = data:getbyte(off)
	local thoff
	if first >> 4 == 4 then
		thoff = off + (first & 0x0f) * 4
	elseif first >> 4 == 6 then
		if off + 40 > limit then
			return false
		end
		local proto = data:getbyte(off + 6)
		if proto ~= IPPROTO_UDP and proto ~= IPPROTO_TCP then
			return IPV6_EXT[proto] == true	-- dns.ip walks those
		end
		thoff = off + 40
	else
		return false
	end
	local portoff = dir == "src" and thoff or thoff + 2
	return portoff + 2 <= limit and data:getbyte(portoff + 1) == port & 0xff and
		data:getbyte(portoff) == port >> 8
end

--[[
dns.locate(data, off, dir [, port]): dns.ip then dns.message.
Returns msg, msglimit, version, proto, thoff; nil when the packet carries no DNS.
]]
function dns.locate(data, off, dir, port)
	port = port or dns.PORT
	if not maybedns(data, off, dir, port) then
		return nil
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
	if msg + 12 > limit then
		return nil
	end
	return u16(data, msg, limit), u16(data, msg + 2, limit), u16(data, msg + 4, limit),
		u16(data, msg + 6, limit), u16(data, msg + 8, limit), u16(data, msg + 10, limit)
end

function dns.isresponse(flags)
	return flags & 0x8000 ~= 0
end

--[[
dns.question(data, msg, limit): the first question: name, qtype, qclass and
the offset after it; nil, reason when there is none or it is malformed.
]]
function dns.question(data, msg, limit)
	local _, _, qdcount = dns.header(data, msg, limit)
	if not qdcount then
		return nil, "header truncated"
	elseif qdcount == 0 then
		return nil, "no question"
	end
	local name, off = dns.name(data, msg, msg + 12, limit)
	if not name then
		return nil, off
	end
	if off + 4 > limit then
		return nil, "question truncated"
	end
	return name, u16(data, off, limit), u16(data, off + 2, limit), off + 4
end

--[[
dns.domains(list): a set of domains for dns.match, from a list such as
{"github.com", "GitLab.com."} (lower case, no final dot).
]]
function dns.domains(list)
	local set = {}
	for _, d in ipairs(list) do
		d = string.lower(d):gsub("%.$", "")
		if d ~= "" then
			set[d] = true
		end
	end
	return set
end

--[[
dns.match(name, set): the domain of set that name is or is under, matching
whole labels ("api.github.com" is under "github.com", "notgithub.com" is
not); nil if none. name comes lower-cased from dns.name.
]]
function dns.match(name, set)
	local n = name
	while n do
		if set[n] then
			return n
		end
		local dot = string.find(n, ".", 1, true)
		n = dot and string.sub(n, dot + 1) or nil
	end
	return nil
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
