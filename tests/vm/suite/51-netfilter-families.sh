#!/bin/bash
# A hook in each family sees the packets it should, with the data starting
# where the README says (network header: ipv4, ipv6, inet, arp; MAC header:
# bridge, netdev), in the namespace of the process that ran the script; a
# netdev hook goes away with its device.
# vm-timeout: 180
set -euo pipefail
. ./testlib.bash

NS=vmt-fam PEER=vmt-famp
cleanup_net() {
	cleanup
	ip netns del $NS 2>/dev/null || true
	ip netns del $PEER 2>/dev/null || true
}
trap cleanup_net EXIT
modprobe bridge
ip netns add $NS
ip netns add $PEER
ip link add va netns $NS type veth peer name vb netns $PEER
ip -n $NS link add br0 type bridge
ip -n $NS link set va master br0
ip -n $NS addr add 10.9.1.1/24 dev br0
ip -n $NS addr add fd00:9::1/64 dev br0 nodad
ip -n $PEER addr add 10.9.1.2/24 dev vb
ip -n $PEER addr add fd00:9::2/64 dev vb nodad
ip -n $NS link set va up
ip -n $NS link set br0 up
ip -n $NS link set lo up
ip -n $PEER link set vb up
in_ns() { ip netns exec $NS "$@"; }
# the bridge port needs a moment before it forwards
for _ in $(seq 20); do in_ns ping -c 1 -W 1 10.9.1.2 >/dev/null 2>&1 && break; done
# an address not asked for yet, so that the session's ping sends ARP
ip -n $PEER addr add 10.9.1.3/24 dev vb

put_script nftest/families <<'EOF2'
local nf = require("netfilter")
local F, A = nf.family, nf.action
local seen = {}
local function once(k) if not seen[k] then seen[k] = true end end
local function be16(d, o) return d:getbyte(o) << 8 | d:getbyte(o + 1) end
-- IP packets at offset off: ICMP echo to or from the peer (v4) / ICMPv6 echo (v6)
local function icmp4(d, off) return #d >= off + 20 and d:getbyte(off) >> 4 == 4 and d:getbyte(off + 9) == 1 and d:getbyte(off + 19) >= 1 and d:getbyte(off + 12) == 10 end
local function icmp6(d, off) return #d >= off + 48 and d:getbyte(off) >> 4 == 6 and d:getbyte(off + 6) == 58 and d:getbyte(off + 40) >= 128 and d:getbyte(off + 40) <= 129 end
local function eth(d, type) return #d >= 14 and be16(d, 12) == type end
local hooks = {}
local function reg(t) hooks[#hooks + 1] = nf.register(t) end
reg{pf = F.IPV4, hooknum = nf.inet_hooks.LOCAL_OUT, priority = 0, hook = function (d, inif, vlan, outif)
	if icmp4(d, 0) and inif == nil and outif ~= nil then once("ipv4") end return A.ACCEPT end}
reg{pf = F.IPV6, hooknum = nf.inet_hooks.PRE_ROUTING, priority = 0, hook = function (d, inif)
	if icmp6(d, 0) and inif ~= nil then once("ipv6") end return A.ACCEPT end}
reg{pf = F.INET, hooknum = nf.inet_hooks.LOCAL_IN, priority = 0, hook = function (d)
	if icmp4(d, 0) then once("inet4") elseif icmp6(d, 0) then once("inet6") end return A.ACCEPT end}
reg{pf = F.ARP, hooknum = nf.arp_hooks.OUT, priority = 0, hook = function (d)
	-- ARP header: Ethernet (1), IPv4 (0x0800), lengths 6 and 4
	if #d >= 28 and be16(d, 0) == 1 and be16(d, 2) == 0x0800 and d:getbyte(4) == 6 then once("arp") end return A.ACCEPT end}
reg{pf = F.BRIDGE, hooknum = nf.bridge_hooks.PRE_ROUTING, priority = nf.bridge_priority.FILTER_BRIDGED, hook = function (d, inif)
	if eth(d, 0x0800) and icmp4(d, 14) and inif ~= nil then once("bridge") end return A.ACCEPT end}
reg{pf = F.NETDEV, hooknum = nf.netdev_hooks.INGRESS, priority = 0, dev = "va", hook = function (d)
	if eth(d, 0x0800) and icmp4(d, 14) then once("ingress") end return A.ACCEPT end}
reg{pf = F.NETDEV, hooknum = nf.netdev_hooks.EGRESS, priority = 0, dev = "va", hook = function (d)
	if eth(d, 0x86dd) and icmp6(d, 14) then once("egress") end return A.ACCEPT end}
reg{pf = F.INET, hooknum = nf.inet_hooks.INGRESS, priority = 0, dev = "va", hook = function (d)
	if icmp4(d, 0) then once("inetingress") end return A.ACCEPT end}
reg{pf = F.IPV4, hooknum = nf.inet_hooks.LOCAL_OUT, priority = 0, hook = function (d)
	if #d >= 20 and d:getbyte(16) == 127 and d:getbyte(9) == 1 then once("loopback") end return A.ACCEPT end}
print("nftest ready")
return function ()
	local t = {}
	for k in pairs(seen) do t[#t + 1] = k end
	table.sort(t)
	return table.concat(t, " ")
end
EOF2
traffic() {
	in_ns ping -c 2 -i 0.2 -W 1 10.9.1.3
	in_ns ping -6 -c 2 -i 0.2 -W 1 fd00:9::2
}
# ready: how many scripts said so in the kernel log (a script prints "nftest ready" last).
ready() { dmesg | grep -c 'nftest ready' || true; }
# wait_ready N: until more than N have; the runtime's hooks act once its script has returned.
wait_ready() { for _ in $(seq 100); do [ "$(ready)" -gt "$1" ] && break; sleep 0.1; done; sleep 0.3; }
session() { local n; n=$(ready); { echo "rt = lunatik.runtime('nftest/families', false)"; wait_ready "$n"; "$@" >/dev/null 2>&1 || true; echo 'return rt:resume()'; echo 'rt:stop()'; } | in_ns lunatik 2>&1; }
expect "every family saw its packets" "arp bridge egress inet4 inet6 inetingress ingress ipv4 ipv6" "$(session traffic)"
ping -c 1 -W 1 127.0.0.1 >/dev/null
# Only the loopback mark tells: the bridge's neighbours may ARP meanwhile.
expect "not the packets of another namespace" "" "$(session ping -c 1 -W 1 127.0.0.1 | grep -ow loopback || true)"
expect "but those of its own" "loopback" "$(session in_ns ping -c 1 -W 1 127.0.0.1 | grep -ow loopback || true)"

# A device hook goes with its device, and the script stops cleanly after.
put_script nftest/devgone <<'EOF2'
local nf = require("netfilter")
nf.register{pf = nf.family.NETDEV, hooknum = nf.netdev_hooks.INGRESS, priority = 0, dev = "vx",
	hook = function () return nf.action.DROP end}
EOF2
in_ns ip link add vx type veth peer name vy
in_ns lunatik run nftest/devgone false
in_ns ip link del vx
grep -q "hook on vx removed with its device" <<<"$(dmesg)"
echo "ok   the hook left with its device"
lunatik stop nftest/devgone
expect "stopped" "" "$(lunatik list)"
kernel_clean
