#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Removes what setup.sh made: the DNS server, the namespaces and links, and
# gives /etc/resolv.conf back. Safe to run more than once.
set -uo pipefail

STATE=/run/lunatik-dnsdoctor
[ "$(id -u)" -eq 0 ] || { echo "cleanup.sh: run as root" >&2; exit 1; }

if [ -f "$STATE/dnsmasq.pid" ]; then
	kill "$(cat "$STATE/dnsmasq.pid")" 2>/dev/null
fi
# Deleting one end of a veth deletes both.
ip link del veth2 2>/dev/null
ip link del veth4 2>/dev/null
ip netns del ns1 2>/dev/null
ip netns del ns2 2>/dev/null

if [ -e /etc/resolv.conf.lunatik ] || [ -L /etc/resolv.conf.lunatik ]; then
	mv -f /etc/resolv.conf.lunatik /etc/resolv.conf
elif [ -f "$STATE/no-resolv.conf" ]; then
	rm -f /etc/resolv.conf
fi
rm -rf "$STATE"
exit 0
