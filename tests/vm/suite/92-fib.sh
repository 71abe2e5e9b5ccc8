#!/bin/bash
# The fib library: fib.newrule/delrule as `ip rule add/del lookup T priority P`,
# in the script's network namespace, with errno errors.
set -euo pipefail
. ./testlib.bash

lunatik load
ip netns add fibA
fibrepl() { printf '%s\n' "$1" | ip netns exec fibA lunatik; }

expect "newrule" "" "$(fibrepl 'local fib = require("fib"); fib.newrule(100, 1000); fib.newrule(70000, 1001)')"
expect "the rules, as ip rule shows them" "1000:	from all lookup 100
1001:	from all lookup 70000" "$(ip -n fibA rule | grep -E '^100[01]:' | sed 's/ *$//')"
expect "not in the root namespace" 0 "$(ip rule | grep -c 'lookup 100' || true)"
out=$(fibrepl 'return pcall(require("fib").newrule, 100, 1000)' 2>&1 || true)
grep -q "EEXIST" <<<"$out" || { echo "FAIL adding an existing rule: $out"; exit 1; }
echo "ok   an existing rule: $out"
expect "delrule" "" "$(fibrepl 'local fib = require("fib"); fib.delrule(100, 1000); fib.delrule(70000, 1001)')"
expect "the rules are gone" 0 "$(ip -n fibA rule | grep -cE '^100[01]:' || true)"
out=$(fibrepl 'return pcall(require("fib").delrule, 100, 1000)' 2>&1 || true)
grep -q "ENOENT" <<<"$out" || { echo "FAIL deleting a missing rule: $out"; exit 1; }
echo "ok   a missing rule: $out"
expect_fail "table 0 is refused" "out of range" fibrepl 'require("fib").newrule(0, 5)'
expect_fail "a negative priority is refused" "out of range" fibrepl 'require("fib").newrule(5, -1)'
expect_fail "a string is refused" "number expected" fibrepl 'require("fib").newrule("x", 5)'

# The namespace is the one of the process that required fib (the script's).
put_script fib_script <<'EOT'
local fib = require("fib")
fib.newrule(300, 3000)
EOT
ip netns exec fibA lunatik run fib_script
expect "a script's rule" 1 "$(ip -n fibA rule | grep -c '3000:.*lookup 300')"
lunatik stop fib_script
ip -n fibA rule del priority 3000

put_script fib_atomic <<'EOT'
local fib = require("fib")
EOT
expect_fail "fib needs a sleepable runtime" "sleepable" lunatik run fib_atomic false
lunatik unload
ip netns del fibA
kernel_clean
