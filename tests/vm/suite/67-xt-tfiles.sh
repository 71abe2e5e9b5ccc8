#!/bin/bash
# iptables' own test format for extensions: the .t file beside each example
# plugin and the one of the test extension with every option type
# (tests/xt/libxt_xttypes.t), with iptables-legacy and iptables-nft. The
# guest has no python3 for iptables-test.py: iptables-test.bash runs the
# files as it does (see there).
# vm-timeout: 900
set -euo pipefail
. ./testlib.bash

TREE=/root/lunatik
export XTABLES_LIBDIR=$TREE/tests/xt:/usr/lib/x86_64-linux-gnu/xtables
trap 'cat /tmp/iptables-test.log 2>/dev/null | tail -20 >&2; cleanup' ERR
put_script xt_types <<'EOT'
require("xtable").match{name = "xttypes", revision = 0, match = function () return false end}
EOT
lunatik run examples/dnsblock/dnsblock false
lunatik run examples/dnsdoctor/dnsdoctor false
lunatik run xt_types false
files=("$TREE/examples/dnsblock/libxt_dnsblock.t" "$TREE/examples/dnsdoctor/libxt_dnsdoctor.t"
	"$TREE/tests/xt/libxt_xttypes.t")
n=$(cat "${files[@]}" | grep -c ';')
for b in legacy nft; do
	# as it goes (a slow guest shows where it is), then the summary
	bash ./iptables-test.bash -${b:0:1} "${files[@]}" 2>&1 | tee /tmp/vmt67.out
	expect "$b: every unit test passed" "$b: 3 test files, $n unit tests, $n passed" "$(tail -1 /tmp/vmt67.out)"
done
rm -f /tmp/vmt67.out
# The runner fails as iptables-test.py does: a wrong expectation is an error.
printf ':OUTPUT\n-m dnsblock --domain a.test;-m dnsblock --domain b.test;OK\n-m dnsblock --domain x;;FAIL\n' >/tmp/libxt_wrong.t
expect_fail "a wrong expectation fails" "line 2 \(cannot find: iptables -I OUTPUT -m dnsblock --domain a.test\)" \
	bash ./iptables-test.bash -l /tmp/libxt_wrong.t
expect_fail "a rule that should fail" "line 3 \(should fail" bash ./iptables-test.bash -n /tmp/libxt_wrong.t
rm -f /tmp/libxt_wrong.t
expect "no rule left behind" "" "$(iptables-legacy-save | grep -E 'dnsblock|dnsdoctor|xttypes' || true)"
lunatik unload
kernel_clean
