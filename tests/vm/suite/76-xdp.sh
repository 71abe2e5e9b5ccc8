#!/bin/bash
# The xdp library and the kfunc bpf_luaxdp_run: an XDP program of the test's
# own (xdp/xdp_lua.c, generic mode on the receiving veth) calls the callback
# of the runtime "xdptest" for every frame. IPv4 and IPv6; the argument is
# read and written; a missing runtime, one that attached nothing, a sleepable
# one, a raising callback, a result that is no action and a stopped script
# give the defined outcome (the frame passes), counted and logged at a bounded
# rate; stopping the script while traffic flows, 100 times, crashes nothing.
# vm-timeout: 600
set -euo pipefail
. ./testlib.bash

C=vmt-xdc S=vmt-xds P=/sys/module/luaxdp/parameters
[ -f bpf/xdp_lua.o ] || { echo "FAIL bpf/xdp_lua.o was not built (tests/vm/build-bpf.sh)"; exit 1; }
cleanup_net() {
	[ -z "${flood:-}" ] || kill "$flood" 2>/dev/null || true
	# the servers (and anything else left in the namespaces): they hold our output
	kill $(ip netns pids $S 2>/dev/null) $(ip netns pids $C 2>/dev/null) 2>/dev/null || true
	ip -n $S link set dev vs xdpgeneric off 2>/dev/null || true
	ip netns del $C 2>/dev/null || true
	ip netns del $S 2>/dev/null || true
	cleanup
}
trap cleanup_net EXIT
veth_pair $C $S 7

lunatik load
ip -n $S link set dev vs xdpgeneric obj bpf/xdp_lua.o sec xdp
echo "ok   the XDP program calling bpf_luaxdp_run loads (module BTF, kfunc registered)"
stat() { cat $P/$1; }

# A UDP server in S on PORT that appends what it gets to FILE.
received=$(mktemp -d)
serve() {
	ip netns exec $S socat -u UDP6-RECV:"$1",ipv6only=0,reuseaddr OPEN:"$received/$1",creat,append \
		>/dev/null 2>&1 &
}
serve 8; serve 9; serve 10; serve 11
sleep 0.5
# send ADDR PORT TEXT: one datagram from C
send() {
	local a=$1
	[[ $a != *:* ]] || a="[$a]"
	echo "$3" | ip netns exec $C socat -u - UDP-SENDTO:"$a":"$2"
}
got() { grep -c "^$2\$" "$received/$1" 2>/dev/null || true; }
# delivered PORT TEXT: the datagram arrives (waits for it)
delivered() {
	for _ in $(seq 50); do [ "$(got "$1" "$2")" -ge 1 ] && return 0; sleep 0.1; done
	return 1
}
ping4() { ip netns exec $C ping -c 1 -W 2 10.9.7.1 >/dev/null; }
ping6() { ip netns exec $C ping -6 -c 1 -W 2 fd00:97::1 >/dev/null; }

# No runtime at all: the kfunc returns -ENOENT, the frame passes, counted.
dmesg -c >/dev/null
u0=$(stat unbound)
ping4 && ping6
echo "ok   no runtime: frames pass"
[ "$(stat unbound)" -gt "$u0" ] || { echo "FAIL unbound did not count"; exit 1; }
echo "ok   no runtime: counted as unbound ($(stat unbound))"
wait_log "bpf_luaxdp_run: no runtime attached as 'xdptest'"
start=$(date +%s)
for i in $(seq 30); do send 10.9.7.1 8 "flood $i"; done
ratelimited "no runtime attached as 'xdptest'" 30 "$start"

# A sleepable runtime may not attach.
put_script xdptest <<'EOT'
require("xdp").attach(function () return 2 end)
EOT
expect_fail "a sleepable runtime cannot attach" "non-sleepable runtime" lunatik run xdptest

# A runtime that attached and detached: nothing registered.
put_script xdptest <<'EOT'
local xdp = require("xdp")
xdp.attach(function () return xdp.action.DROP end)
xdp.detach()
xdp.detach()
EOT
lunatik run xdptest false
u0=$(stat unbound)
ping4 && ping6
expect "nothing attached: frames pass and count as unbound" 1 "$(( $(stat unbound) > u0 ))"
lunatik stop xdptest

# The real callback.
put_script xdptest <<'EOT'
local xdp = require("xdp")
local action = xdp.action
assert(action.ABORTED == 0 and action.DROP == 1 and action.PASS == 2 and action.TX == 3
	and action.REDIRECT == 4)

local function udpport(packet)
	local ethertype = packet:getbyte(12) << 8 | packet:getbyte(13)
	local l4, proto
	if ethertype == 0x0800 then
		proto, l4 = packet:getbyte(23), 14 + (packet:getbyte(14) & 0x0f) * 4
	elseif ethertype == 0x86dd then
		proto, l4 = packet:getbyte(20), 54
	else
		return nil
	end
	if proto ~= 17 then return nil end
	return packet:getbyte(l4 + 2) << 8 | packet:getbyte(l4 + 3), ethertype
end

xdp.attach(function (packet, argument)
	assert(#argument == 8 and argument:getuint32(0) == 0x4c554158, "bad argument")
	argument:setuint32(4, 0x600d)
	local port, ethertype = udpport(packet)
	if port == 9 then
		print("xdptest drop " .. string.format("%04x", ethertype))
		return action.DROP
	elseif port == 10 then
		error("port 10 raises")
	elseif port == 11 then
		return "nonsense"
	end
	return action.PASS
end)
EOT
lunatik run xdptest false
c0=$(stat calls)
ping4 && ping6
echo "ok   ping passes through the callback (IPv4 and IPv6)"
send 10.9.7.1 8 "v4 pass"
send fd00:97::1 8 "v6 pass"
delivered 8 "v4 pass" && delivered 8 "v6 pass" || { echo "FAIL PASS: datagrams to port 8 lost"; exit 1; }
echo "ok   PASS delivers, IPv4 and IPv6"
send 10.9.7.1 9 "v4 drop"
send fd00:97::1 9 "v6 drop"
wait_log "xdptest drop 0800"
wait_log "xdptest drop 86dd"
send 10.9.7.1 8 "after drop"
delivered 8 "after drop"
expect "DROP drops (IPv4 and IPv6)" "0 0" "$(got 9 "v4 drop") $(got 9 "v6 drop")"
# at least the 2 echo requests and the 5 datagrams (neighbour traffic may add more)
[ "$(stat calls)" -ge $((c0 + 7)) ] || { echo "FAIL calls counted $(stat calls) since $c0"; exit 1; }
echo "ok   calls counted"

# Errors: the frame passes, counted, logged at a bounded rate.
dmesg -c >/dev/null
e0=$(stat errors)
start=$(date +%s)
for i in $(seq 30); do send 10.9.7.1 10 "raise $i"; done
for i in $(seq 30); do send fd00:97::1 11 "nonsense $i"; done
delivered 10 "raise 30" && delivered 11 "nonsense 30" ||
	{ echo "FAIL a failing callback lost frames"; exit 1; }
echo "ok   a raising callback and one returning no action let frames pass"
expect "errors counted" 60 "$(( $(stat errors) - e0 ))"
wait_log "xdptest: .*port 10 raises"
wait_log "xdptest: callback returned string, not an xdp.action"
ratelimited "xdptest: " 60 "$start"

# Stopped: frames pass again, the stop counts as unbound.
lunatik stop xdptest
send 10.9.7.1 9 "stopped v4"
send fd00:97::1 9 "stopped v6"
delivered 9 "stopped v4" && delivered 9 "stopped v6" ||
	{ echo "FAIL frames dropped after stop"; exit 1; }
echo "ok   after lunatik stop everything passes"

# Stop while traffic flows, 100 times.
# (a few hundred datagrams a second: enough to race every stop, not to starve the emulated CPUs)
while echo flood; do sleep 0.002; done | ip netns exec $C socat -u - UDP-SENDTO:10.9.7.1:9 >/dev/null 2>&1 &
flood=$!
c0=$(stat calls)
for i in $(seq 100); do
	lunatik run xdptest false
	lunatik stop xdptest
done
kill "$flood"; flood=
[ "$(stat calls)" -gt "$c0" ] || { echo "FAIL the callback never ran during the flood"; exit 1; }
echo "ok   100 start/stop cycles under traffic ($(( $(stat calls) - c0 )) calls)"
ping4 && ping6
echo "ok   frames pass afterwards"

ip -n $S link set dev vs xdpgeneric off
lunatik unload
kernel_clean
