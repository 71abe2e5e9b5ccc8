#!/bin/bash
# examples/failover, the routing-table paper's adaptive-routing service, in
# network namespaces: a router (fo-rtr, where the service runs) with a WAN
# link (veth wan0 to fo-isp) and a LAN bridge to two candidate nodes (fo-a,
# fo-b) that advertise latencies 2000 and 5000 us with node.sh. Every node
# and the ISP answer 10.99.9.9 ("the internet"); the alternative table 100
# routes it via 10.99.1.254, which the node told "up" takes.
#  - A is elected; WAN carrier lost -> rule in `ip rule`, A gets "up", a ping
#    leaves through A; carrier back -> rule gone, A gets "down", ping via WAN;
#  - A stops advertising -> it expires and B is elected; WAN admin down ->
#    B gets "up" and the ping leaves through B; admin up -> "down";
#  - lunatik stop while the WAN is down: B gets "down", no rule, socket or
#    thread is left.
# vm-timeout: 360
set -euo pipefail
. ./testlib.bash
WAIT_FOR_S=30

NODE=$LUNATIK_PREFIX/share/lunatik/examples/failover/node.sh
CONF=$LUA_DIR/examples/failover/config.lua
SERVICE=examples/failover/service
R=fo-rtr ISP=fo-isp A=fo-a B=fo-b
PIDS=()

# Through the file itself: config.lua may be a link to /etc (make examples_install).
restore_conf() {
	[ ! -f "$CONF.orig" ] || { cat "$CONF.orig" >"$CONF" && rm -f "$CONF.orig"; }
}
fo_cleanup() {
	local p ns
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	cleanup
	restore_conf
	for ns in $R $ISP $A $B; do ip netns del $ns 2>/dev/null || true; done
	rm -f /tmp/fo-a.log /tmp/fo-b.log
}
trap fo_cleanup EXIT

# echos NS: the ICMP echo requests NS has received so far.
echos() {
	ip netns exec "$1" awk '/^Icmp:/ { if (!c) { for (i = 1; i <= NF; i++) if ($i == "InEchos") c = i }
		else print $c }' /proc/net/snmp
}

# ping_via NS: a ping from the router to 10.99.9.9 is answered, by NS alone.
ping_via() {
	local ns before=() after=() all=($ISP $A $B) i
	for ns in "${all[@]}"; do before+=("$(echos $ns)"); done
	ip netns exec $R ping -c 2 -W 3 10.99.9.9 >/dev/null || { echo "FAIL no answer to the ping"; exit 1; }
	for ns in "${all[@]}"; do after+=("$(echos $ns)"); done
	for i in 0 1 2; do
		if [ "${all[$i]}" = "$1" ]; then
			[ "${after[$i]}" -gt "${before[$i]}" ] ||
				{ echo "FAIL the ping did not reach $1"; exit 1; }
		else
			expect "no echo request reached ${all[$i]}" "${before[$i]}" "${after[$i]}"
		fi
	done
	echo "ok   the ping leaves through $1"
}

# logged PATTERN [N]: dmesg has N (1) lines matching PATTERN.
logged() { [ "$(nlog "$1")" -ge "${2:-1}" ]; }
has_rule() { ip -n $R rule | grep -qE '^100:[[:space:]]+from all lookup 100'; }
no_rule() { ! has_rule; }
got() { [ "$(tail -n 1 "/tmp/$1.log" 2>/dev/null)" = "$2" ] && [ "$(wc -l <"/tmp/$1.log")" = "$3" ]; }
holds_gateway() { ip -n "$1" -4 addr show dev lan | grep -q 'inet 10\.99\.1\.254/'; }
listening() { ip netns exec "$1" ss -ltn | grep -q ':7002 '; }
# check WHAT CMD...: CMD succeeds now.
check() {
	local what=$1
	shift
	if "$@"; then echo "ok   $what"; else echo "FAIL $what"; exit 1; fi
}

# The network.
for ns in $R $ISP $A $B; do
	ip netns add $ns
	ip -n $ns link set lo up
done
ip link add wan0 netns $R type veth peer name isp0 netns $ISP
ip -n $R addr add 10.99.0.1/30 dev wan0
ip -n $ISP addr add 10.99.0.2/30 dev isp0
ip -n $ISP addr add 10.99.9.9/32 dev lo
ip -n $R link add lan0 type bridge
ip -n $R addr add 10.99.1.1/24 dev lan0
n=10
for ns in $A $B; do
	n=$((n + 1))
	ip link add "$ns" netns $R type veth peer name lan netns $ns
	ip -n $R link set "$ns" master lan0 up
	ip -n $ns addr add 10.99.1.$n/24 dev lan
	ip -n $ns addr add 10.99.9.9/32 dev lo
	ip -n $ns link set lan up
done
ip -n $R link set lan0 up
ip -n $R link set wan0 up
ip -n $ISP link set isp0 up
ip -n $R route add default via 10.99.0.2
# The alternative table: the LAN, and the default via the gateway address.
ip -n $R route add 10.99.1.0/24 dev lan0 table 100
ip -n $R route add default via 10.99.1.254 dev lan0 table 100
ping_via $ISP

# The service, with short periods.
make -C /root/lunatik examples_install >/dev/null
# write_conf WAN: the test's configuration, with short periods.
write_conf() {
	cat >"$CONF" <<EOC
return {
	wan = "$1", table_id = 100, priority = 100, address = "*",
	advert_port = 7001, control_port = 7002, expiry = 6000,
}
EOC
}
cp "$CONF" "$CONF.orig"
lunatik load
write_conf ""
expect_fail "a bad configuration is refused" 'config\.wan must be an interface name' \
	ip netns exec $R lunatik run $SERVICE
write_conf wan0
ip netns exec $R lunatik run $SERVICE
expect "list" "$SERVICE" "$(lunatik list)"
expect "two threads" 2 "$(count_tasks '^failover/(daemon|switch)$')"
wait_for "the switch watches wan0" logged 'failover: watching wan0'
check "no rule while the WAN is up" no_rule

# The nodes.
for ns in $A $B; do
	ip netns exec $ns "$NODE" serve 7002 10.99.1.254/24 lan /tmp/$ns.log &
	PIDS+=($!)
	wait_for "$ns serves its control port" listening $ns
done
ip netns exec $A "$NODE" advertise 10.99.1.1 7001 2000 300 &
advertiser_a=$!
PIDS+=($advertiser_a)
ip netns exec $B "$NODE" advertise 10.99.1.1 7001 5000 300 &
PIDS+=($!)
wait_for "A, the lower latency, is elected" logged 'failover: 10\.99\.1\.11 elected \(latency 2000 us\)'
wait_for "B is a candidate" logged 'failover: candidate 10\.99\.1\.12 \(latency 5000 us\)'

# WAN carrier lost (the ISP's end goes down): failover to A.
ip -n $ISP link set isp0 down
wait_for "the rule is in ip rule" has_rule
wait_for "A got \"up\"" got $A up 1
check "A holds the gateway address" holds_gateway $A
ping_via $A
wait_for "the log says why" logged 'failover: wan0 is down \(no carrier\)'

# WAN carrier back: the rule goes, A gets "down", traffic goes by the WAN.
ip -n $ISP link set isp0 up
wait_for "the rule is gone" no_rule
wait_for "A got \"down\"" got $A down 2
check "A gave the gateway address up" eval '! holds_gateway $A'
ping_via $ISP
expect "B was told nothing" "" "$(cat /tmp/$B.log 2>/dev/null)"

# A stops advertising: it expires, B is elected (B may have been, before A came).
elected_b='failover: 10\.99\.1\.12 elected \(latency 5000 us\)'
n=$(nlog "$elected_b")
kill $advertiser_a
wait_for "A expired" logged 'failover: 10\.99\.1\.11 expired'
wait_for "B is elected: A lost the election" logged "$elected_b" $((n + 1))

# WAN down by hand this time: failover to B.
ip -n $R link set wan0 down
wait_for "the rule is in ip rule" has_rule
wait_for "B got \"up\"" got $B up 1
ping_via $B
expect "A was told nothing more" 2 "$(wc -l </tmp/$A.log)"
wait_for "the log says why" logged 'failover: wan0 is down \(administratively down\)'
ip -n $R link set wan0 up
wait_for "the rule is gone" no_rule
wait_for "B got \"down\"" got $B down 2
ip -n $R route replace default via 10.99.0.2	# down took it away
ping_via $ISP

# Stopped while the WAN is down: nothing is left.
ip -n $ISP link set isp0 down
wait_for "the rule is in ip rule" has_rule
wait_for "B got \"up\"" got $B up 3
timeout 20 lunatik stop $SERVICE
expect "stop removes the rule" 0 "$(ip -n $R rule | grep -c 'lookup 100' || true)"
expect "no socket on the advertisement port" "" "$(ip netns exec $R ss -uan | grep ':7001 ' || true)"
wait_for "no thread is left" eval '[ "$(count_tasks "^failover/")" = 0 ]'
expect "list" "" "$(lunatik list)"
wait_for "B got \"down\" at the stop" got $B down 4
wait_for "the rule was removed at the stop" logged 'failover: stopped, rule removed'
wait_for "the daemon stopped" logged 'failover: daemon stopped'

# Run again: the port is free, and the WAN, still down, fails over at once.
ip netns exec $R lunatik run $SERVICE
wait_for "the rule is back" has_rule
lunatik stop $SERVICE
wait_for "and gone" no_rule
lunatik unload
kernel_clean
