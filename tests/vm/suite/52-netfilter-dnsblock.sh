#!/bin/bash
# nf_dnsblock with a real dnsmasq and dig across namespaces: blocked and
# allowed names, subdomains, case, IPv6 transport, TCP; a changed config;
# stopping the script restores resolution.
# vm-timeout: 240
set -euo pipefail
. ./testlib.bash

C=vmt-dbc S=vmt-dbs CONF=$LUA_DIR/examples/dnsblock/config.lua
# Through the file itself: config.lua may be a link to /etc (make examples_install).
restore_conf() {
	[ ! -f "$CONF.orig" ] || { cat "$CONF.orig" >"$CONF" && rm -f "$CONF.orig"; }
}
cleanup_net() {
	cleanup
	[ -z "${dns:-}" ] || kill "$dns" 2>/dev/null || true
	restore_conf
	ip netns del $C 2>/dev/null || true
	ip netns del $S 2>/dev/null || true
}
trap cleanup_net EXIT
veth_pair $C $S 2
ip netns exec $S dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces \
	--listen-address=10.9.2.1 --listen-address=fd00:92::1 \
	--address=/github.com/192.0.2.1 --address=/gitlab.com/192.0.2.2 \
	--address=/notgithub.com/192.0.2.3 --address=/example.com/192.0.2.4 &
dns=$!

# q NAME [dig options]: the address dig gets, or nothing.
q() {
	local name=$1
	shift
	ip netns exec $C dig +short +time=1 +tries=1 @10.9.2.1 "$@" "$name" 2>/dev/null |
		grep -E '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$' || true
}
for _ in $(seq 50); do [ -n "$(q example.com)" ] && break; sleep 0.1; done
expect "github.com resolves before" 192.0.2.1 "$(q github.com)"
expect "TCP works before" 192.0.2.1 "$(q github.com +tcp)"
expect "IPv6 transport works before" 192.0.2.1 "$(q github.com @fd00:92::1)"

ip netns exec $C lunatik run examples/dnsblock/nf_dnsblock false
expect "github.com blocked" "" "$(q github.com)"
expect "gitlab.com blocked" "" "$(q gitlab.com)"
expect "subdomain blocked" "" "$(q api.github.com)"
expect "case ignored" "" "$(q API.GitHub.COM)"
expect "label boundary: notgithub.com allowed" 192.0.2.3 "$(q notgithub.com)"
expect "example.com allowed" 192.0.2.4 "$(q example.com)"
expect "IPv6 transport blocked" "" "$(q github.com @fd00:92::1)"
expect "IPv6 transport allowed" 192.0.2.4 "$(q example.com @fd00:92::1)"
expect "TCP blocked" "" "$(q github.com +tcp)"
expect "TCP allowed" 192.0.2.4 "$(q www.example.com +tcp)"
grep -q "dnsblock: query for api.github.com blocked (github.com)" <<<"$(dmesg)"
echo "ok   blocked queries are logged"
lunatik stop examples/dnsblock/nf_dnsblock
expect "stop restores" 192.0.2.1 "$(q github.com)"

# The list comes from the config module, not the script.
cp "$CONF" "$CONF.orig"
cat >"$CONF" <<'EOF2'
return { domains = {"Example.COM."} }
EOF2
ip netns exec $C lunatik run examples/dnsblock/nf_dnsblock false
expect "configured domain blocked" "" "$(q www.example.com)"
expect "default domain no longer blocked" 192.0.2.1 "$(q github.com)"
lunatik stop examples/dnsblock/nf_dnsblock
restore_conf
kernel_clean
