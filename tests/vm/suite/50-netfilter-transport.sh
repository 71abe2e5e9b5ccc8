#!/bin/bash
# netfilter.transport: the transport header of IPv4 and IPv6 packets (ports,
# payload, the segment's end) on crafted data objects, malformed and
# truncated ones giving nil and a reason; then examples/dns's unit tests
# (examples/dns/test.lua) in the kernel, where dns.lua locates DNS through
# netfilter.transport, names through data:getname and sets through set.
set -euo pipefail
. ./testlib.bash
install_testlib

put_script test_transport <<'EOF'
local nf = require("netfilter")
local data = require("data")
local testlib = require("testlib")
local eq, raises = testlib.eq, testlib.raises
local transport = nf.transport

local function be16(v) return string.char(v >> 8 & 0xff, v & 0xff) end
local function d(s)
	local o = data.new(#s)
	if #s > 0 then o:setstring(0, s) end
	return o
end
-- The results as one string, for comparisons.
local function t(s, off)
	local r = table.pack(transport(d(s), off))
	for i = 1, r.n do r[i] = tostring(r[i]) end
	return table.concat(r, " ", 1, r.n)
end
local ADDR4 = ("\10\0\0\1"):rep(2)
local function ipv4(proto, payload, opts)
	opts = opts or {}
	local ihl = opts.ihl or 5
	local total = opts.total or ihl * 4 + #payload
	return string.char(0x40 | ihl, 0) .. be16(total) .. "\0\0" .. be16(opts.frag or 0) ..
		"\64" .. string.char(proto) .. "\0\0" .. ADDR4 .. ("\1"):rep(ihl * 4 - 20) .. payload
end
local function udp(sport, dport, payload, len)
	return be16(sport) .. be16(dport) .. be16(len or 8 + #payload) .. "\0\0" .. payload
end
local function tcp(sport, dport, payload, doff)
	return be16(sport) .. be16(dport) .. ("\0"):rep(8) .. string.char((doff or 5) << 4, 0x18) ..
		("\0"):rep(6) .. ("\2\4\5\180"):rep((doff or 5) - 5) .. payload
end
local ADDR6 = ("\0"):rep(32)
local function ipv6(next, payload, plen)
	return "\96\0\0\0" .. be16(plen or #payload) .. string.char(next, 64) .. ADDR6 .. payload
end
-- An extension header of 8 bytes.
local function ext(next)
	return string.char(next, 0) .. ("\0"):rep(6)
end

-- IPv4
local q = ("q"):rep(30)
eq(t(ipv4(17, udp(40000, 53, q))), "17 20 58 40000 53 28 4", "ipv4 udp")
eq(t(ipv4(17, udp(40000, 53, q), {ihl = 6})), "17 24 62 40000 53 32 4", "ipv4 options")
eq(t(ipv4(6, tcp(40000, 443, q))), "6 20 70 40000 443 40 4", "ipv4 tcp")
eq(t(ipv4(6, tcp(40000, 443, q, 7))), "6 20 78 40000 443 48 4", "tcp options")
eq(t(ipv4(1, "\8\0\0\0\0\0\0\0")), "1 20 28 nil nil nil 4", "icmp: no ports")
eq(t(ipv4(136, udp(1, 2, q, 8))), "136 20 58 1 2 28 4", "udp-lite: its length is coverage")
eq(t(ipv4(17, udp(40000, 53, q, 10))), "17 20 30 40000 53 28 4", "udp length bounds the segment")
eq(t(ipv4(17, udp(40000, 53, q)) .. "padding"), "17 20 58 40000 53 28 4", "ip total length bounds it")
eq(t(ipv4(17, udp(40000, 53, q), {total = 0})), "17 20 58 40000 53 28 4", "total 0 (BIG TCP): to the end")
eq(t(ipv4(17, udp(40000, 53, q), {frag = 0x2000})), "17 20 58 40000 53 28 4", "a first fragment")
eq(t(ipv4(17, udp(40000, 53, q), {frag = 0x0004})), "nil fragment", "a later fragment")
eq(t(ipv4(17, udp(40000, 53, q), {ihl = 4})), "nil malformed", "ihl under 5")
eq(t(ipv4(17, udp(40000, 53, q), {total = 19})), "nil malformed", "total under the header")
eq(t(ipv4(17, udp(40000, 53, q, 7))), "nil malformed", "udp length under 8")
eq(t(ipv4(6, tcp(40000, 443, q, 4))), "nil malformed", "tcp data offset under 5")
eq(t(ipv4(6, tcp(40000, 443, "", 15):sub(1, 30))), "nil truncated", "tcp options past the end")
local whole = ipv4(17, udp(40000, 53, q))
for _, n in ipairs({0, 1, 19, 20, 27}) do
	eq(t(whole:sub(1, n)), "nil truncated", "cut at " .. n)
end
eq(t(ipv4(17, udp(40000, 53, q), {total = 27})), "nil truncated", "total cuts the udp header")
eq(t(("\0"):rep(14) .. whole, 14), "17 34 72 40000 53 42 4", "at an offset")
eq(t(whole, -1), "nil truncated", "negative offset")
eq(t(whole, #whole), "nil truncated", "offset at the end")
eq(t("\32" .. whole:sub(2)), "nil not IP", "version 2")

-- IPv6
eq(t(ipv6(17, udp(40000, 53, q))), "17 40 78 40000 53 48 6", "ipv6 udp")
eq(t(ipv6(0, ext(60) .. ext(43) .. ext(17) .. udp(1, 53, q))), "17 64 102 1 53 72 6", "hop, dest, routing")
eq(t(ipv6(51, "\17\1" .. ("\0"):rep(10) .. udp(1, 53, q))), "17 52 90 1 53 60 6", "AH in 4-byte words")
eq(t(ipv6(44, "\17\0\0\1\0\0\0\0" .. udp(1, 53, q))), "17 48 86 1 53 56 6", "a first fragment")
eq(t(ipv6(44, "\17\0\0\8\0\0\0\0" .. udp(1, 53, q))), "nil fragment", "a later fragment")
eq(t(ipv6(59, "")), "59 40 40 nil nil nil 6", "no next header")
eq(t(ipv6(58, "\128\0\0\0\0\0\0\0")), "58 40 48 nil nil nil 6", "icmpv6")
eq(t(ipv6(17, udp(40000, 53, q)) .. "pad"), "17 40 78 40000 53 48 6", "payload length bounds it")
eq(t(ipv6(17, udp(40000, 53, q), 0)), "17 40 78 40000 53 48 6", "payload length 0 (jumbo): to the end")
eq(t(ipv6(0, ext(17), 4)), "nil truncated", "an extension header past the payload")
eq(t(ipv6(17, udp(40000, 53, q)):sub(1, 39)), "nil truncated", "cut at 39")
eq(t(ipv6(17, udp(40000, 53, q)):sub(1, 47)), "nil truncated", "cut in the udp header")
local chain = ext(60):rep(15) .. ext(17)
eq(t(ipv6(60, chain .. udp(1, 53, q))), "17 168 206 1 53 176 6", "16 extension headers")
eq(t(ipv6(60, ext(60) .. chain .. udp(1, 53, q))), "nil too many extension headers", "17 of them")

-- Bad arguments raise; nothing else does.
raises("data expected", transport, "a string")
raises("number expected", transport, d(whole), "x")
for i = 1, 2000 do	-- random bytes behind an IP version nibble
	local b = {string.char(i % 2 == 0 and 0x45 or 0x60)}
	for j = 2, (i * 7) % 97 do b[j] = string.char((i * 31 + j * 17) % 256) end
	transport(d(table.concat(b)))
end
EOF

lunatik run test_transport false
lunatik stop test_transport
echo "ok: netfilter.transport on crafted packets"

# examples/dns's unit tests, on the kernel's data objects and C paths.
mkdir -p "$LUA_DIR/examples/dns"
cp /root/lunatik/examples/dns/test.lua "$LUA_DIR/examples/dns/test.lua"
SCRIPTS+=("$LUA_DIR/examples/dns/test.lua")
mark=$(date +%s%N)
echo "dnstest $mark" >/dev/kmsg
lunatik run examples/dns/test false
lunatik stop examples/dns/test
out=$(dmesg | sed -n "/dnstest $mark/,\$p")
fails=$(grep -c 'FAIL ' <<<"$out" || true)
expect "examples/dns/test.lua in the kernel: no case failed" 0 "$fails"
summary=$(grep -o '[0-9]* passed, 0 failed' <<<"$out" || true)
expect "examples/dns/test.lua in the kernel: its summary" 1 "$(grep -c passed <<<"$summary")"
echo "$summary"
kernel_clean
