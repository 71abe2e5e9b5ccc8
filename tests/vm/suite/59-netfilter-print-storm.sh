#!/bin/bash
# A storm of 10,000 DNS queries for a blocked name through nf_dnsblock:
# every one is dropped, the kernel log gets a bounded number of lines
# (print from a packet hook: 10 lines per 5 s per runtime), and the
# script's counter (in its log lines, its total when it stops) counts them
# all. print from process context (the REPL) is never limited.
# vm-timeout: 240
set -euo pipefail
. ./testlib.bash

budget=/sys/module/lunatik/parameters/budget_ms
storm_cleanup() {
	[ -z "${old_budget:-}" ] || echo "$old_budget" >$budget
	cleanup
}
trap storm_cleanup EXIT
lunatik load
# A slow emulated CPU must not turn a callback into a fail-open: this test
# is about logging, not the time budget.
if [ -w $budget ]; then
	old_budget=$(cat $budget)
	echo 10000 >$budget
fi
mark=$(dmesg | wc -l)
newlog() { dmesg | tail -n +$((mark + 1)); }

lua 'for i = 1, 30 do print("vmt-repl-print " .. i) end' >/dev/null
expect "the REPL prints every line" 30 "$(newlog | grep -c 'vmt-repl-print' || true)"

lunatik run examples/dnsblock/nf_dnsblock false
# A query for github.com (id 0x1234, RD), sent 10,000 times from bash over
# one UDP socket; each write the hook drops fails with EPERM.
q='\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x06github\x03com\x00\x00\x01\x00\x01'
start=$(date +%s)
dropped=$(bash -c 'exec 3>/dev/udp/127.0.0.1/53
	n=0
	for ((i = 0; i < 10000; i++)); do printf "$0" >&3 2>/dev/null || n=$((n + 1)); done
	echo $n' "$q")
secs=$(( $(date +%s) - start ))
expect "all 10,000 queries dropped" 10000 "$dropped"
# One more after the storm is still blocked.
expect_fail "filtering still works" "Operation not permitted" bash -c "exec 3>/dev/udp/127.0.0.1/53; printf '$q' >&3"
lines=$(newlog | grep -c 'dnsblock: query for github.com blocked' || true)
bound=$(( 10 * (secs / 5 + 2) ))
[ "$lines" -ge 1 ] && [ "$lines" -le "$bound" ] ||
	{ echo "FAIL $lines log lines for 10,001 blocked queries in ${secs}s (at most $bound)"; exit 1; }
echo "ok   $lines log lines for 10,001 blocked queries in ${secs}s"
suppressed=$(newlog | grep -c 'lunatik_print: [0-9]* callbacks suppressed' || true)
echo "     (${suppressed} 'callbacks suppressed' notes)"
[ "$secs" -lt 6 ] || [ "$suppressed" -ge 1 ] ||
	{ echo "FAIL no 'callbacks suppressed' note in ${secs}s"; exit 1; }
lunatik stop examples/dnsblock/nf_dnsblock
expect "the counter has them all" 1 "$(newlog | grep -c 'dnsblock: stopped after blocking 10001 queries' || true)"
# The counters through runtime:resume(), for a runtime made in the REPL.
expect "dnsblock's counter from resume()" 0 \
	"$(lua 'local rt = lunatik.runtime("examples/dnsblock/nf_dnsblock", false) return rt:resume()')"
expect "dnsdoctor's counters from resume()" "0	0" \
	"$(lua 'local rt = lunatik.runtime("examples/dnsdoctor/nf_dnsdoctor", false) return rt:resume()')"
kernel_clean
