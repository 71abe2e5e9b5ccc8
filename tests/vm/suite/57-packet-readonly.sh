#!/bin/bash
# A Lua match only reads: it never changes the skb (no linearize, which
# would free the header x_tables still reads for the rules after it), and
# it reads paged data as it is. Non-linear skbs: 3,000-byte UDP datagrams
# at OUTPUT (beyond the veth's MTU: a frag_list), and large TCP writes
# received over veth at PREROUTING and INPUT (GSO skbs with page frags),
# each through a Lua match that allocates strings and returns false,
# followed by rules that must still see the right header. The match also
# reads every byte of the datagrams, across the paged part, and must agree
# with getstring().
# vm-timeout: 240
set -euo pipefail
. ./testlib.bash

t_cleanup() {
	iptables-legacy -F OUTPUT 2>/dev/null || true
	ip netns del pk57 2>/dev/null || true
	rm -f /tmp/pk57.dat
	cleanup
}
trap t_cleanup EXIT
lunatik load

ip netns add pk57
ip link add pk57-h type veth peer name pk57-s netns pk57
ip addr add 10.57.0.1/24 dev pk57-h
ip -n pk57 addr add 10.57.0.2/24 dev pk57-s
ip link set pk57-h up
ip -n pk57 link set pk57-s up
ip -n pk57 link set lo up

# The script borrows dnsblock's plugin name: --domain passes a word.
put_script pk57 <<'EOT'
local xtable = require("xtable")
local garbage = {}

-- Strings of the sizes an skb head has, so that freed heads are reused.
local function allocate()
	for i = 1, 8 do
		garbage[i] = string.rep(string.char(0x40 + i), 200 * i + 100)
	end
end

-- 1, 2, 4 and 8-byte reads agree with getstring(), across the paged part:
-- around where the first fragment's data ends (1,500 bytes on) and at the end.
local function agree(skb, s, from, to)
	for i = from, to do
		if skb:getuint8(i) ~= s:byte(i + 1) or skb:getuint16(i) ~= string.unpack("=I2", s, i + 1) or
		   skb:getuint32(i) ~= string.unpack("=I4", s, i + 1) or
		   skb:getint64(i) ~= string.unpack("=i8", s, i + 1) or
		   skb:getstring(i, 8) ~= s:sub(i + 1, i + 8) then
			return false
		end
	end
	return true
end

local function reads(skb)
	local s = skb:getstring(0)
	if #s ~= #skb or #skb ~= 3028 or s:sub(-8) ~= "TAILMARK" or skb:getstring(#skb - 8, 8) ~= "TAILMARK" then
		return false
	end
	return agree(skb, s, 1488, 1512) and agree(skb, s, #skb - 24, #skb - 8) and
		not pcall(skb.getbyte, skb, #skb) and not pcall(skb.getstring, skb, #skb - 2, 3)
end

xtable.match{name = "dnsblock", revision = 0, match = function (skb, par, args)
	if args.domain and args.domain[1] == "reads" then	-- libxt_dnsblock's typed arguments
		return reads(skb)
	end
	allocate()
	return false
end}
EOT
lunatik run pk57 false

head -c 2992 /dev/zero | tr '\0' 'x' > /tmp/pk57.dat
printf TAILMARK >> /tmp/pk57.dat
send200() {
	local i
	for i in $(seq 200); do
		cat /tmp/pk57.dat 2>/dev/null >&3 || true
	done
}
pkts() { # TABLE CHAIN RULENUM [NETNS]: the packet counter of a rule
	${4:+ip netns exec $4} iptables-legacy -t "$1" -L "$2" "$3" -v -x -n | awk '{ print $1 }'
}

# OUTPUT, legacy: the DROP rule after the match must see every datagram.
iptables-legacy -A OUTPUT -p udp --dport 9 -m dnsblock --domain alloc -j ACCEPT
iptables-legacy -A OUTPUT -d 10.57.0.2 -p udp --dport 9 -j DROP
ip netns exec pk57 iptables-legacy -A INPUT -p udp --dport 9
exec 3>/dev/udp/10.57.0.2/9
send200
expect "OUTPUT: the rule after the match drops all 200 datagrams" 200 "$(pkts filter OUTPUT 2)"
expect "none reaches the receiver" 0 "$(pkts filter INPUT 1 pk57)"

# The match reads the whole datagram, paged part included.
iptables-legacy -F OUTPUT
iptables-legacy -A OUTPUT -p udp --dport 9 -m dnsblock --domain reads -j DROP
send200
exec 3>&-
expect "OUTPUT: the match read all 200 datagrams right" 200 "$(pkts filter OUTPUT 1)"
iptables-legacy -F OUTPUT
ip netns exec pk57 iptables-legacy -F INPUT

# PREROUTING (raw) and INPUT in the namespace: large TCP writes over veth.
for chain in "raw PREROUTING" "filter INPUT"; do
	set -- $chain
	ip netns exec pk57 iptables-legacy -t "$1" -A "$2" -p tcp --dport 5001
	ip netns exec pk57 iptables-legacy -t "$1" -A "$2" -p tcp --dport 5001 -m dnsblock --domain alloc -j DROP
	ip netns exec pk57 iptables-legacy -t "$1" -A "$2" -s 10.57.0.1 -d 10.57.0.2 -p tcp --dport 5001
done
ip netns exec pk57 sh -c 'timeout 60 nc -l 10.57.0.2 5001 | wc -c > /tmp/pk57.got' &
lpid=$!
for _ in $(seq 50); do ip netns exec pk57 ss -ltn | grep -q ':5001 ' && break; sleep 0.1; done
head -c 8000000 /dev/zero | timeout 60 nc -N 10.57.0.2 5001
wait $lpid
expect "all the TCP data arrived" 8000000 "$(cat /tmp/pk57.got)"
rm -f /tmp/pk57.got
for chain in "raw PREROUTING" "filter INPUT"; do
	set -- $chain
	before=$(pkts "$1" "$2" 1 pk57) after=$(pkts "$1" "$2" 3 pk57)
	[ "$before" -gt 0 ] || { echo "FAIL $2: no packet counted"; exit 1; }
	expect "$2: the rule after the match sees all $before packets" "$before" "$after"
done
lunatik stop pk57
kernel_clean
