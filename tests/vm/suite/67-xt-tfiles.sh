#!/bin/bash
# iptables' own test format for extensions: the .t file beside each example
# plugin and the one of the test extension with every option type
# (tests/xt/libxt_xttypes.t), run by iptables' own iptables-test.py (from
# Debian's iptables source package, put beside this test by
# tests/vm/iptables-test-py.sh) with the installed binaries, against
# iptables-legacy and iptables-nft.
# vm-timeout: 900
set -euo pipefail
. ./testlib.bash

TREE=/root/lunatik
PY=./iptables-test.py
if [ ! -f $PY ]; then
	echo "FAIL no $PY in the guest: the host has no iptables sources (make deps," \
		"tests/vm/iptables-test-py.sh --download)"
	exit 1
fi
export XTABLES_LIBDIR=$TREE/tests/xt:/usr/lib/x86_64-linux-gnu/xtables
trap 'tail -20 /tmp/iptables-test.log >&2 2>/dev/null; cleanup' ERR
put_script xt_types <<'EOT'
require("xtable").match{name = "xttypes", revision = 0, match = function () return false end}
EOT
lunatik run examples/dnsblock/dnsblock false
lunatik run examples/dnsdoctor/dnsdoctor false
lunatik run xt_types false

# Every plugin has its .t (what `iptables-test.py -m` checks for iptables'
# C extensions: ours are built from libxt_NAME.lua descriptions).
files=()
for d in $TREE/examples/* $TREE/tests/xt; do
	for p in "$d"/libxt_*.lua; do
		[ -e "$p" ] || continue
		[ -f "${p%.lua}.t" ] || { echo "FAIL $p has no ${p%.lua}.t"; exit 1; }
		files+=("${p%.lua}.t")
	done
done
expect "three .t files" 3 ${#files[@]}
n=$(cat "${files[@]}" | grep -c ';')
# -H: the installed binaries; it runs itself in a new network namespace.
# Its exit status is passed minus tests, 0 when all passed.
for b in legacy nft; do
	rc=0
	python3 $PY -H --$([ $b = nft ] && echo nftables || echo legacy) "${files[@]}" \
		>/tmp/vmt67.out 2>&1 || rc=$?
	cat /tmp/vmt67.out
	expect "$b: every unit test passed" "$b: 3 test files, $n unit tests, $n passed" "$(tail -1 /tmp/vmt67.out)"
	expect "$b: no error and not only in its slow mode" "" "$(grep -E 'ERROR|fast mode failed' /tmp/vmt67.out || true)"
	expect "$b: exit status 0" 0 $rc
done
rm -f /tmp/vmt67.out
# The runner fails on a wrong expectation (the checks above can fail).
printf ':OUTPUT\n-m dnsblock --domain a.test;-m dnsblock --domain b.test;OK\n-m dnsblock --domain x;;FAIL\n' >/tmp/libxt_wrong.t
expect_fail "a wrong expectation fails" "line 2 \(cannot find: iptables -I OUTPUT -m dnsblock --domain a.test\)" \
	python3 $PY -H -l /tmp/libxt_wrong.t
expect_fail "a rule that should fail" "line 3 \(should fail" python3 $PY -H -n /tmp/libxt_wrong.t
rm -f /tmp/libxt_wrong.t
expect "no rule left behind" "" "$( (iptables-legacy-save; iptables-nft-save) | grep -E 'dnsblock|dnsdoctor|xttypes' || true)"
lunatik unload
kernel_clean
