#!/bin/bash
# The memo example (/dev/memo, a device-only driver), installed as
# `make examples_install` installs it and used as its README says.
set -euo pipefail
. ./testlib.bash

make -s -C /root/lunatik examples_install >/dev/null
lunatik load
lunatik run examples/memo/memo
expect "mode" "crw-r--r--" "$(stat -c %A /dev/memo)"
expect "empty" "" "$(cat /dev/memo)"
echo "buy milk" | tee -a /dev/memo >/dev/null
echo "call Bob" | tee -a /dev/memo >/dev/null
expect "notes" "$(printf '1. buy milk\n2. call Bob')" "$(cat /dev/memo)"
expect "head -c" "1. buy" "$(head -c 6 /dev/memo)"
expect "dd skip" "call Bob" "$(dd if=/dev/memo bs=1 skip=15 status=none)"
expect_fail "a user cannot write" "Permission denied" setpriv --reuid=1000 --regid=1000 --clear-groups sh -c 'echo x >> /dev/memo'
expect "a user can read" "2. call Bob" "$(setpriv --reuid=1000 --regid=1000 --clear-groups tail -n 1 /dev/memo)"
echo clear | tee /dev/memo >/dev/null
expect "clear" "" "$(cat /dev/memo)"
dmesg -c >/dev/null
expect_fail "full" "Input/output error|I/O error" sh -c "head -c 5000 /dev/zero | tr '\0' x | tee -a /dev/memo >/dev/null"
grep -q "/dev/memo: write: .*memo is full" <<<"$(dmesg)"
echo "ok   the log says why"
exec 3</dev/memo
lunatik stop examples/memo/memo
expect "stopped while open: gone" "no" "$([ -e /dev/memo ] && echo yes || echo no)"
expect_fail "the open file reads ENXIO" "No such device or address" cat <&3
exec 3<&-
kernel_clean
