#!/bin/bash
# Two network namespaces joined by a veth pair can ping each other.
set -euo pipefail
trap 'ip netns del vmt-a 2>/dev/null; ip netns del vmt-b 2>/dev/null' EXIT
ip netns add vmt-a
ip netns add vmt-b
ip link add veth-a netns vmt-a type veth peer name veth-b netns vmt-b
ip -n vmt-a addr add 10.200.0.1/24 dev veth-a
ip -n vmt-b addr add 10.200.0.2/24 dev veth-b
ip -n vmt-a link set veth-a up
ip -n vmt-b link set veth-b up
ip netns exec vmt-a ping -c 2 -W 2 10.200.0.2
ip netns exec vmt-b ping -c 1 -W 2 10.200.0.1
