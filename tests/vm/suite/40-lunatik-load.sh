#!/bin/bash
# Loading and unloading the core leaves nothing behind, even with scripts running.
# vm-timeout: 300
set -euo pipefail
. ./testlib.bash

ours='^(lunatik|lunatik_run|lualinux|luadata|luanetfilter|luaxtable|luathread|luabyteorder|luacompletion|luafifo|luarcu|luadevice|luasocket|luanotifier|luafib|luaprobe|luasyscall|luaset|luaxdp) '
for i in 1 2 3; do
	lunatik load
	[ -c /dev/lunatik ]
	expect "status after load $i" "$(printf '%s\tloaded\n' lunatik lualinux luadata luanetfilter luaxtable luathread luabyteorder luacompletion luafifo luarcu luadevice luasocket luanotifier luafib luaprobe luasyscall luaset luaxdp lunatik_run)" "$(lunatik status)"
	put_script "load_$i" <<'EOT'
local linux = require("linux")
local data = require("data")
keep = data.new(4096)
return linux.random(1, 10)
EOT
	lunatik run "load_$i"
	expect "list $i" "load_$i" "$(lunatik list)"
	lunatik unload
	expect "no device after unload $i" "" "$(ls /dev/lunatik 2>/dev/null || true)"
	expect "no module after unload $i" "" "$(grep -E "$ours" /proc/modules || true)"
done
lunatik load
expect "reload" "0" "$(lunatik reload >/dev/null; echo $?)"
expect "fresh driver after reload" "" "$(lunatik list)"
lunatik unload
# modprobe -r in reverse order works too, and refcounts are balanced.
modprobe lunatik_run
# lunatik_run's symbols, and the driver runtime's require("lunatik")
expect "lunatik refcount with the driver only" "2" "$(cat /sys/module/lunatik/refcnt)"
modprobe -r lunatik_run
expect "modprobe -r removes lunatik too" "" "$(ls /sys/module/lunatik 2>/dev/null || true)"
kernel_clean
