#!/bin/bash
# dnsmasq in one namespace answers dig in another (the DNS examples need this).
set -euo pipefail
cleanup() {
	[ -z "${dns:-}" ] || kill "$dns" 2>/dev/null || true
	ip netns del vmt-dns 2>/dev/null || true
	ip netns del vmt-cli 2>/dev/null || true
}
trap cleanup EXIT
ip netns add vmt-dns
ip netns add vmt-cli
ip link add veth-d netns vmt-dns type veth peer name veth-c netns vmt-cli
ip -n vmt-dns addr add 10.201.0.1/24 dev veth-d
ip -n vmt-cli addr add 10.201.0.2/24 dev veth-c
ip -n vmt-dns link set veth-d up
ip -n vmt-cli link set veth-c up
ip netns exec vmt-dns dnsmasq --keep-in-foreground --no-resolv --no-hosts \
	--listen-address=10.201.0.1 --bind-interfaces --address=/example.test/192.0.2.7 &
dns=$!
answer=
for _ in $(seq 50); do
	answer=$(ip netns exec vmt-cli dig +short +time=1 +tries=1 @10.201.0.1 example.test || true)
	[ -z "$answer" ] || break
	sleep 0.1
done
echo "example.test -> $answer"
[ "$answer" = 192.0.2.7 ]
