#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The dnsdoctor test network: this host is the client 10.1.1.2, namespace
# ns1 runs a DNS server (dnsmasq, 10.1.1.3) that answers lunatik.com with
# the public address 192.168.10.1, and namespace ns2 is the server itself
# at its private address 10.1.2.3. The host's resolver is pointed at ns1
# (the old /etc/resolv.conf is kept as /etc/resolv.conf.lunatik).
#
#   ns1 [veth1 10.1.1.3] ---- [veth2 10.1.1.2] host [veth4 10.1.2.2] ---- [veth3 10.1.2.3] ns2
#
# Undo with cleanup.sh. Needs root, ip and dnsmasq.
set -euo pipefail

STATE=/run/lunatik-dnsdoctor
[ "$(id -u)" -eq 0 ] || { echo "setup.sh: run as root" >&2; exit 1; }
command -v dnsmasq >/dev/null || { echo "setup.sh: dnsmasq is needed" >&2; exit 1; }
if ip netns list | grep -qwE '^ns1|^ns2'; then
	echo "setup.sh: ns1 or ns2 exists already (run cleanup.sh first)" >&2
	exit 1
fi

ip netns add ns1
ip netns add ns2
ip link add veth2 type veth peer name veth1 netns ns1
ip link add veth4 type veth peer name veth3 netns ns2
ip addr add 10.1.1.2/24 dev veth2
ip addr add 10.1.2.2/24 dev veth4
ip -n ns1 addr add 10.1.1.3/24 dev veth1
ip -n ns2 addr add 10.1.2.3/24 dev veth3
for l in veth2 veth4; do ip link set "$l" up; done
ip -n ns1 link set veth1 up
ip -n ns2 link set veth3 up
ip -n ns1 link set lo up
ip -n ns2 link set lo up

mkdir -p "$STATE"
ip netns exec ns1 dnsmasq --no-resolv --no-hosts --bind-interfaces \
	--listen-address=10.1.1.3 --pid-file="$STATE/dnsmasq.pid" \
	--address=/lunatik.com/192.168.10.1

if [ ! -e /etc/resolv.conf.lunatik ] && [ ! -L /etc/resolv.conf.lunatik ]; then
	if [ -e /etc/resolv.conf ] || [ -L /etc/resolv.conf ]; then
		mv /etc/resolv.conf /etc/resolv.conf.lunatik
	else
		touch "$STATE/no-resolv.conf"
	fi
fi
echo "nameserver 10.1.1.3" >/etc/resolv.conf

# Wait for the server to answer (dnsmasq forks before it listens).
for _ in $(seq 50); do
	if dig +short +time=1 +tries=1 @10.1.1.3 lunatik.com >/dev/null 2>&1; then
		echo "setup.sh: ready; 'dig lunatik.com' should show 192.168.10.1"
		exit 0
	fi
	sleep 0.1
done
echo "setup.sh: the DNS server does not answer" >&2
exit 1
