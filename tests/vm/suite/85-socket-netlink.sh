#!/bin/bash
# Netlink from a script: a request that needs CAP_NET_ADMIN (RTM_NEWADDR)
# is checked against the socket's file; a socket without one crashed the
# kernel (NULL dereference in file_ns_capable). Root's script adds the
# address; the acknowledgement says 0; closing and stopping leave no file.
set -euo pipefail
. ./testlib.bash

# in_ns CHUNK: a multi-line chunk as one REPL line, in the namespace
in_ns() {
	tr '\n' ' ' <<<"$1" | ip netns exec $ns lunatik
}

ns=vmt85nl
trap 'ip netns del $ns 2>/dev/null || true; cleanup' EXIT
ip netns add $ns
ip -n $ns link set lo up
lunatik load

# RTM_NEWADDR 10.85.0.1/32 on lo (index 1), NLM_F_REQUEST|ACK|CREATE|EXCL;
# the REPL runs in the namespace it was started in.
newaddr='
local socket = require("socket")
local nl <close> = socket.new(socket.af.NETLINK, socket.sock.RAW, 0)
local attr = string.pack("=I2I2BBBB", 8, 2, 10, 85, 0, 1)
local body = string.pack("=BBBBI4", 2, 32, 0, 0, 1) .. attr
nl:send(string.pack("=I4I2I2I4I4", 16 + #body, 20, 0x605, 7, 0) .. body)
local reply = nl:receive(256)
local kind, seq = string.unpack("=I2", reply, 5), string.unpack("=I4", reply, 9)
return kind, seq, -string.unpack("=i4", reply, 17)'

expect "RTM_NEWADDR acknowledged" "$(printf '2\t7\t0')" \
	"$(in_ns "$newaddr")"
ip -n $ns -4 addr show dev lo | grep -q '10\.85\.0\.1/32' ||
	{ echo "the address is not on lo"; ip -n $ns addr; exit 1; }
# the same again: EEXIST (17) in the acknowledgement, no crash
expect "a second RTM_NEWADDR: EEXIST" "$(printf '2\t7\t17')" \
	"$(in_ns "$newaddr")"
kernel_clean
