#!/bin/bash
# Hooks and targets write on demand, as Lunatik's scripts expect: a hook
# registered without `writable` rewrites packets, and whether or not the
# script fixes the checksums, the framework leaves the IPv4 header and the
# TCP/UDP checksums right. IPv4 and IPv6, UDP datagrams that fit the MTU
# (checksum left to the device: completed at the first write) and 2,000-byte
# ones (fragmented, checksummed in software, reassembled before LOCAL_IN),
# a TCP stream (the receiver checks) and GSO segments of a large TCP write
# (writable too; their checksum seed is renewed for segmentation). The same
# for an xtables target. A checker hook after them verifies every written
# packet's checksums in Lua and drops a wrong one.
# vm-timeout: 300
set -euo pipefail
. ./testlib.bash

t_cleanup() {
	iptables-legacy -F INPUT 2>/dev/null || true
	ip6tables-legacy -F INPUT 2>/dev/null || true
	ip netns del pk58 2>/dev/null || true
	rm -f /tmp/pk58.*
	cleanup
}
trap t_cleanup EXIT
lunatik load
# Only this test's kernel log lines count below.
logmark=$(dmesg | wc -l)
newlog() { dmesg | tail -n +$((logmark + 1)); }

ip netns add pk58
ip link add pk58-h type veth peer name pk58-s netns pk58
ip addr add 10.58.0.1/24 dev pk58-h
ip -6 addr add fd58::1/64 dev pk58-h nodad
ip -n pk58 addr add 10.58.0.2/24 dev pk58-s
ip -n pk58 -6 addr add fd58::2/64 dev pk58-s nodad
ip link set pk58-h up
ip -n pk58 link set pk58-s up
ip -n pk58 link set lo up

# Where the transport header and the payload are, for IPv4 and IPv6 without options.
put_script pk58lib <<'EOT'
local lib = {}
function lib.locate(skb)
	local v = skb:getuint8(0) >> 4
	local proto, thoff
	if v == 4 then
		proto, thoff = skb:getuint8(9), (skb:getuint8(0) & 0x0f) * 4
	elseif v == 6 then
		proto, thoff = skb:getuint8(6), 40
	else
		return nil
	end
	local port = skb:getuint8(thoff + 2) << 8 | skb:getuint8(thoff + 3)
	local payload = proto == 17 and thoff + 8 or thoff + (skb:getuint8(thoff + 12) >> 4) * 4
	return v, proto, thoff, port, payload
end
return lib
EOT

# Writers: a native hook without `writable` (Lunatik's scripts register so).
put_script pk58w <<'EOT'
local nf = require("netfilter")
local dns = require("examples.dns")
local lib = require("pk58lib")

nf.register{pf = nf.family.INET, hooknum = nf.inet_hooks.LOCAL_IN, priority = nf.ip_priority.FILTER,
	hook = function (skb)
	local v, proto, thoff, port, payload = lib.locate(skb)
	if not v or payload + 4 > #skb then
		return nf.action.ACCEPT
	end
	if port == 7001 and skb:getstring(payload, 4) == "ping" then
		skb:setstring(payload, "PONG")		-- no checksum fixed
	elseif port == 7002 and skb:getstring(payload, 4) == "ping" then
		local old = skb:getuint8(payload) << 24 | skb:getuint8(payload + 1) << 16 |
			skb:getuint8(payload + 2) << 8 | skb:getuint8(payload + 3)
		local new = 0x504f4e47				-- "PONG", checksum fixed by the script
		skb:setstring(payload, "PONG")
		dns.csumreplace(skb, thoff + 6, thoff, payload, old, new)
	elseif port == 7003 and payload + 5 <= #skb and skb:getstring(payload, 5) == "hello" then
		skb:setstring(payload, "HELLO")
	elseif port == 7004 and #skb > 1500 then	-- GSO: the stream gets a 'y' here and there
		skb:setbyte(payload, string.byte("y"))
	elseif port == 7005 and v == 4 and skb:getstring(payload, 4) == "ping" then
		skb:setuint8(1, 0x28)			-- the header's TOS: its checksum is ours
		skb:setstring(payload, "PONG")
	end
	return nf.action.ACCEPT
end}

-- From the MAC header (in the headroom at ingress): written in place too.
nf.register{pf = nf.family.NETDEV, hooknum = nf.netdev_hooks.INGRESS, priority = 0, dev = "pk58-h",
	hook = function (skb)
	if #skb < 14 + 20 + 8 + 4 or skb:getuint8(12) ~= 8 or skb:getuint8(13) ~= 0 or skb:getuint8(23) ~= 17 then
		return nf.action.ACCEPT
	end
	local thoff = 14 + (skb:getuint8(14) & 0x0f) * 4
	if (skb:getuint8(thoff + 2) << 8 | skb:getuint8(thoff + 3)) == 7006 and
	   skb:getstring(thoff + 8, 4) == "ping" then
		skb:setstring(0, skb:getstring(0, 6))	-- the destination MAC, as it was
		skb:setstring(thoff + 8, "PONG")
	end
	return nf.action.ACCEPT
end}
EOT

# A target does the same (it borrows dnsdoctor's plugin name).
put_script pk58t <<'EOT'
local xtable = require("xtable")
local nf = require("netfilter")
local lib = require("pk58lib")
xtable.target{name = "dnsdoctor", revision = 0, target = function (skb)
	local v, proto, thoff, port, payload = lib.locate(skb)
	if v and payload + 4 <= #skb and skb:getstring(payload, 4) == "ping" then
		skb:setstring(payload, "PONG")
	end
	return nf.action.CONTINUE
end}
EOT

# The checker: after the writers, every written packet's checksums.
put_script pk58c <<'EOT'
local nf = require("netfilter")
local lib = require("pk58lib")

local function sum(skb, off, len, acc)
	local s = skb:getstring(off, len)
	for i = 1, len - 1, 2 do
		acc = acc + (s:byte(i) << 8 | s:byte(i + 1))
	end
	if len % 2 == 1 then
		acc = acc + (s:byte(len) << 8)
	end
	return acc
end
local function fold(acc)
	while acc > 0xffff do
		acc = (acc & 0xffff) + (acc >> 16)
	end
	return acc
end

nf.register{pf = nf.family.INET, hooknum = nf.inet_hooks.LOCAL_IN, priority = nf.ip_priority.LAST,
	hook = function (skb)
	local v, proto, thoff, port, payload = lib.locate(skb)
	if not v or port < 7001 or port > 7011 or payload >= #skb then
		return nf.action.ACCEPT
	end
	local first = skb:getstring(payload, 1)
	if first ~= "P" and first ~= "H" and first ~= "y" then
		return nf.action.ACCEPT		-- not written
	end
	local len = #skb - thoff
	local pseudo = len + proto
	if v == 4 then
		if fold(sum(skb, 0, thoff, 0)) ~= 0xffff then
			print("pk58: bad IPv4 header checksum, port " .. port)
			return nf.action.DROP
		end
		pseudo = sum(skb, 12, 8, pseudo)
	else
		pseudo = sum(skb, 8, 32, pseudo)
	end
	local check = skb:getuint8(thoff + (proto == 17 and 6 or 16)) << 8 |
		skb:getuint8(thoff + (proto == 17 and 7 or 17))
	if proto == 6 and #skb > 1500 then	-- GSO: the seed segmentation completes
		if fold(pseudo) ~= check then
			print(string.format("pk58: bad GSO seed %04x, want %04x", check, fold(pseudo)))
			return nf.action.DROP
		end
	elseif fold(sum(skb, thoff, len, pseudo)) ~= 0xffff then
		print(string.format("pk58: bad checksum %04x, IPv%d port %d, %d bytes", check, v, port, #skb))
		return nf.action.DROP
	end
	return nf.action.ACCEPT
end}
EOT
lunatik run pk58c false
lunatik run pk58w false
lunatik run pk58t false
# Conntrack: IPv6 fragments reassembled before LOCAL_IN, and sums it verifies
# in software kept by the skb (CHECKSUM_COMPLETE, which a write must drop).
for t in iptables-legacy ip6tables-legacy; do
	$t -A INPUT -m conntrack --ctstate NEW,ESTABLISHED
	$t -A INPUT -p udp --dport 7011 -j dnsdoctor
done

# udp ADDR PORT SIZE: send one datagram "ping..." of SIZE bytes, print the first 4 received.
udp() {
	local fam=4 dst=$1 pid
	case $dst in *:*) fam=6 dst="[$dst]";; esac
	rm -f /tmp/pk58.got
	timeout 60 socat -u "UDP$fam-RECV:$2" OPEN:/tmp/pk58.got,creat &
	pid=$!
	for _ in $(seq 200); do ss -lun | grep -q ":$2 " && break; sleep 0.1; done
	{ printf ping; head -c $(($3 - 4)) /dev/zero | tr '\0' z; } > /tmp/pk58.dat
	ip netns exec pk58 socat -u FILE:/tmp/pk58.dat "UDP$fam:$dst:$2"
	# A busy host stalls the emulated guest for seconds: wait up to 20.
	for _ in $(seq 200); do [ -s /tmp/pk58.got ] && break; sleep 0.1; done
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	head -c 4 /tmp/pk58.got 2>/dev/null || true
}

for a in 10.58.0.1 fd58::1; do
	for size in 100 2000; do
		expect "hook, no fix: $a $size bytes" PONG "$(udp $a 7001 $size)"
		expect "hook, the script's own fix: $a $size bytes" PONG "$(udp $a 7002 $size)"
		expect "target: $a $size bytes" PONG "$(udp $a 7011 $size)"
	done
done
expect "hook, IPv4 header and payload" PONG "$(udp 10.58.0.1 7005 100)"
expect "netdev ingress hook, from the MAC header" PONG "$(udp 10.58.0.1 7006 100)"

timeout 20 nc -l 10.58.0.1 7003 > /tmp/pk58.tcp &
pid=$!
for _ in $(seq 50); do ss -ltn | grep -q ':7003 ' && break; sleep 0.1; done
printf hello-world | ip netns exec pk58 timeout 20 nc -N 10.58.0.1 7003
wait $pid
expect "TCP: the receiver takes the rewritten segment" HELLO-world "$(cat /tmp/pk58.tcp)"

timeout 60 nc -l 10.58.0.1 7004 > /tmp/pk58.tcp &
pid=$!
for _ in $(seq 50); do ss -ltn | grep -q ':7004 ' && break; sleep 0.1; done
head -c 4000000 /dev/zero | tr '\0' x | ip netns exec pk58 timeout 60 nc -N 10.58.0.1 7004
wait $pid
expect "GSO: the whole stream arrived" 4000000 "$(wc -c < /tmp/pk58.tcp)"
ys=$(tr -cd y < /tmp/pk58.tcp | wc -c)
[ "$ys" -gt 0 ] || { echo "FAIL GSO: no segment was written"; exit 1; }
echo "ok   GSO: $ys large segments written"

expect "no checksum was wrong" "" "$(newlog | grep 'pk58:' || true)"
expect "no hook error" "" "$(newlog | grep -E 'netfilter hook:|xtable dnsdoctor:' || true)"
lunatik stop pk58w
lunatik stop pk58c
iptables-legacy -F INPUT
ip6tables-legacy -F INPUT
lunatik stop pk58t
kernel_clean
