#!/bin/bash
# Only CAP_SYS_ADMIN may use /dev/lunatik.
set -euo pipefail
. ./testlib.bash

lunatik load
expect "device mode" "crw-------" "$(stat -c %A /dev/lunatik)"
expect_fail "a non-root user" "/dev/lunatik: Permission denied" setpriv --reuid=1000 --regid=1000 --clear-groups lunatik list
chmod 0666 /dev/lunatik
expect_fail "a non-root user with access to the node" "/dev/lunatik: Operation not permitted" setpriv --reuid=1000 --regid=1000 --clear-groups lunatik list
expect_fail "root without CAP_SYS_ADMIN" "/dev/lunatik: Operation not permitted" setpriv --inh-caps=-sys_admin --bounding-set=-sys_admin lunatik list
chmod 0600 /dev/lunatik
expect "root" "42" "$(lua 'return 42')"
