#!/bin/bash
# Lunatik's systrack example, unmodified, started as its README says:
# `cat /dev/systrack` lists the probed system calls with counts that grow as
# processes call them.
set -euo pipefail
. ./testlib.bash

[ -f lunatik-examples/systrack.lua ] || {
	echo "FAIL Lunatik's systrack.lua is not staged (tests/vm/lunatik-examples.sh needs Lunatik's git mirror)"
	exit 1
}
install -D -m 0644 lunatik-examples/systrack.lua "$LUA_DIR/examples/systrack.lua"
SCRIPTS+=("$LUA_DIR/examples/systrack.lua")

# count NAME: the count /dev/systrack shows for NAME.
count() { awk -F': ' -v s="$1" '$1 == s {print $2}' <<<"$(cat /dev/systrack)"; }

# 6.12 (and later 6.1 stable kernels) dispatch system calls through a
# switch, x64_sys_call, rather than sys_call_table: the table's addresses
# are still the functions the switch calls, so systrack's probes see them.
if grep -qw x64_sys_call /proc/kallsyms; then
	echo "     system calls dispatch through x64_sys_call here"
fi
lunatik load
sudo lunatik run examples/systrack	# runs systracker
out=$(cat /dev/systrack)
printf '%s\n' "$out"
expect "the six system calls are listed" "close openat read readv write writev" \
	"$(awk -F': ' '{print $1}' <<<"$out" | sort | tr '\n' ' ' | sed 's/ $//')"
grep -qvE '^[a-z]+: [0-9]+$' <<<"$out" && { echo "FAIL a line is not NAME: COUNT"; exit 1; }
before=$(count openat)
for i in $(seq 20); do cat /proc/version >/dev/null; done
after=$(count openat)
[ "$after" -ge $((before + 20)) ] || { echo "FAIL openat went from $before to $after"; exit 1; }
echo "ok   openat grows ($before -> $after)"
w1=$(count write)
for i in $(seq 10); do echo x >/dev/null; done
/bin/echo x >/dev/null
w2=$(count write)
[ "$w2" -gt "$w1" ] || { echo "FAIL write went from $w1 to $w2"; exit 1; }
echo "ok   write grows ($w1 -> $w2)"
lunatik stop examples/systrack
[ ! -e /dev/systrack ] || { echo "FAIL /dev/systrack stays after stop"; exit 1; }
echo "ok   stop removes /dev/systrack"
sudo lunatik run examples/systrack
lunatik unload
echo "ok   unload with systrack running"
kernel_clean
