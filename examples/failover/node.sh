#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A candidate node of the failover service (the node's side of its protocol),
# with socat, iproute2 and busybox's arping:
#
#   node.sh advertise ROUTER PORT LATENCY [PERIOD_MS]
#	sends LATENCY (microseconds) to ROUTER's UDP PORT every PERIOD_MS (1000)
#	until killed: the node is a candidate while it does.
#   node.sh serve PORT GATEWAY/PREFIX DEV [LOG]
#	the control service on TCP PORT: "up" takes the gateway address (the
#	one the router's alternative table routes via) on DEV and announces it
#	with a gratuitous ARP, "down" gives it up. Each message received is
#	then appended to LOG (default /dev/null) as a line. Runs until killed.
#
# A real node would also switch its own alternative uplink on and off there.
set -euo pipefail

usage() {
	sed -n '3,14p' "$0" >&2
	exit 2
}

case ${1-} in
advertise)
	[ $# -ge 4 ] || usage
	router=$2 port=$3 latency=$4 period=${5:-1000}
	[[ $latency =~ ^[0-9]+$ && $period =~ ^[0-9]+$ ]] || usage
	interval=$(printf '%d.%03d' $((period / 1000)) $((period % 1000)))
	# No process per datagram: bash's /dev/udp sends it, and a read that
	# times out on a FIFO nobody writes to waits the period.
	fifo=$(mktemp -u /tmp/failover-node.XXXXXX)
	mkfifo -m 600 "$fifo"
	exec 9<>"$fifo"
	rm -f "$fifo"
	while :; do
		printf '%s' "$latency" >"/dev/udp/$router/$port" || true
		read -r -t "$interval" -u 9 || true
	done
	;;
serve)
	[ $# -ge 4 ] || usage
	exec socat "TCP-LISTEN:$2,reuseaddr,fork" \
		SYSTEM:"exec $(printf '%q' "$0") handle $(printf '%q ' "$3" "$4" "${5:-/dev/null}")"
	;;
handle)	# one connection, on stdin: GATEWAY/PREFIX DEV LOG
	[ $# -eq 4 ] || usage
	gateway=$2 dev=$3 log=$4
	message=$(head -c 64 | tr -d '\r\n')
	case $message in
	up)
		ip addr replace "$gateway" dev "$dev"
		arping -q -U -c 1 -I "$dev" "${gateway%/*}" || true
		;;
	down)
		ip addr del "$gateway" dev "$dev" 2>/dev/null || true
		;;
	*)
		message="unknown: $message"
		;;
	esac
	echo "$message" >>"$log"
	;;
*)
	usage
	;;
esac
