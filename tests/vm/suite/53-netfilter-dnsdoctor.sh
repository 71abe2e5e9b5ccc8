#!/bin/bash
# nf_dnsdoctor on the README's network (setup.sh/cleanup.sh, dnsmasq): dig
# gets the private address for the chosen client only and accepts the
# answer; a storm of malformed DNS (answers and queries) changes nothing
# and raises no error; stopping the script restores the public address.
# vm-timeout: 300
set -euo pipefail
. ./testlib.bash

EX=$LUNATIK_PREFIX/share/lunatik/examples/dnsdoctor
cleanup_net() {
	cleanup
	"$EX/cleanup.sh" >/dev/null 2>&1 || true
	rm -rf /tmp/vmt-mal
}
trap cleanup_net EXIT
"$EX/setup.sh"
q() { dig +short +time=1 +tries=1 "$@" 2>/dev/null | grep -E '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$' || true; }
expect "public address before" 192.168.10.1 "$(q lunatik.com)"

lunatik run examples/dnsdoctor/nf_dnsdoctor false
expect "private address for the client" 10.1.2.3 "$(q lunatik.com)"
expect "and for a name under the domain" 10.1.2.3 "$(q www.LUNATIK.com)"
out=$(dig +time=1 +tries=1 lunatik.com)
grep -q 'status: NOERROR' <<<"$out" && grep -qE '^lunatik\.com\.[[:space:]].*IN[[:space:]]+A[[:space:]]+10\.1\.2\.3$' <<<"$out"
echo "ok   dig accepts the rewritten answer (UDP checksum right)"
expect "the server is reached at its private address" ok "$(ping -c 1 -W 1 "$(q lunatik.com)" >/dev/null && echo ok)"
ip addr add 10.1.1.5/24 dev veth2
expect "another client gets the public address" 192.168.10.1 "$(q -b 10.1.1.5 @10.1.1.3 lunatik.com)"
grep -q "dnsdoctor: lunatik.com 192.168.10.1 -> 10.1.2.3 for 10.1.1.2" <<<"$(dmesg)"
echo "ok   rewrites are logged"

# Malformed DNS: answers from port 53 to the client (dnsdoctor's path) and
# queries to port 53 (dnsblock's path, run alongside).
lunatik run examples/dnsblock/nf_dnsblock false
ip -n ns1 addr add 10.1.1.4/24 dev veth1
mkdir -p /tmp/vmt-mal
lua5.4 - /tmp/vmt-mal <<'EOF2'
local dir = arg[1]
local function be16(v) return string.char(v >> 8 & 0xff, v & 0xff) end
local function hdr(flags, qd, an) return be16(0x4242) .. be16(flags) .. be16(qd) .. be16(an) .. be16(0) .. be16(0) end
local q = "\7lunatik\3com\0" .. be16(1) .. be16(1)
local a = "\192\12" .. be16(1) .. be16(1) .. "\0\0\0\60" .. be16(4) .. "\192\168\10\1"
local cases = {
	"\1",								-- truncated header
	hdr(0x8180, 1, 1):sub(1, 11),					-- one byte short
	hdr(0x8180, 1, 1) .. "\64" .. ("a"):rep(64) .. "\0" .. be16(1) .. be16(1) .. a,	-- label of 64
	hdr(0x8180, 1, 1) .. "\192\12" .. be16(1) .. be16(1) .. a,	-- pointer to itself
	hdr(0x8180, 1, 1) .. q .. "\192\30" .. be16(1) .. be16(1) .. "\0\0\0\60" .. be16(4) .. "\192\168\10\1",	-- forward pointer in an answer
	hdr(0x8180, 1, 200) .. q .. a,					-- ancount lies
	hdr(0x8180, 60000, 1) .. q,					-- qdcount lies
	hdr(0x8180, 1, 1) .. q .. a:sub(1, 14),				-- truncated rdata
	hdr(0x8180, 1, 1) .. ("\63" .. ("a"):rep(63)):rep(5) .. "\0" .. be16(1) .. be16(1),	-- name too long
	hdr(0x8180, 1, 1) .. "\128abc\0" .. be16(1) .. be16(1) .. a,	-- reserved label type
	hdr(0x8180, 1, 1) .. q .. "\192\12" .. be16(1) .. be16(1) .. "\0\0\0\60" .. be16(60000) .. "\192\168\10\1",	-- rdlength lies
	hdr(0x0100, 1, 0) .. "\6github\3com",				-- query without its end
	hdr(0x0100, 1, 0) .. "\6github\192\12",			-- query with a pointer loop
}
for i, c in ipairs(cases) do
	local f = assert(io.open(string.format("%s/%02d.bin", dir, i), "wb"))
	f:write(c)
	f:close()
end
EOF2
dmesg -c >/dev/null
for _ in 1 2 3 4 5; do
	for f in /tmp/vmt-mal/*.bin; do
		ip netns exec ns1 socat -u "FILE:$f" UDP:10.1.1.2:40000,bind=10.1.1.4:53
		socat -u "FILE:$f" UDP:10.1.1.3:53
		socat -u "FILE:$f" UDP:10.1.1.3:53,bind=10.1.1.5:40001
	done
done
# and a fast burst of one of them
for _ in $(seq 100); do
	ip netns exec ns1 socat -u FILE:/tmp/vmt-mal/06.bin UDP:10.1.1.2:40000,bind=10.1.1.4:53
done
sleep 1
expect "no error escaped either script" "" "$(dmesg | grep 'netfilter hook:' || true)"
expect "both still running" "$(printf 'examples/dnsblock/nf_dnsblock\nexamples/dnsdoctor/nf_dnsdoctor')" "$(lunatik list)"
expect "still rewriting after the storm" 10.1.2.3 "$(q lunatik.com)"
lunatik stop examples/dnsblock/nf_dnsblock

lunatik stop examples/dnsdoctor/nf_dnsdoctor
expect "stop restores the public address" 192.168.10.1 "$(q lunatik.com)"
"$EX/cleanup.sh"
expect "cleanup removed the namespaces" "" "$(ip netns list | grep -wE 'ns1|ns2' || true)"
kernel_clean
