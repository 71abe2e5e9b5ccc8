#!/bin/bash
# data.new buffers count in their runtime's memory_limit (with the Lua
# state's own allocations), in sleepable and non-sleepable runtimes;
# collected buffers give the room back, and a runtime that stops frees its
# buffers.
# vm-timeout: 180
set -euo pipefail
. ./testlib.bash

lunatik load
expect "memory_limit is 32 MiB" $((32 << 20)) "$(cat /sys/module/lunatik/parameters/memory_limit)"

# Kept 1 MiB buffers stop at the limit, with a Lua error.
# (each line the REPL reads is a chunk of its own)
out=$(lua 'local data = require("data") local t = {} local ok, err = pcall(function () for i = 1, 100 do t[i] = data.new(1 << 20) end end) return #t, err')
n=${out%%$'\t'*}
[ "$n" -ge 24 ] && [ "$n" -le 31 ] || { echo "FAIL kept $n MiB of data under a 32 MiB limit: $out"; exit 1; }
echo "ok   kept buffers stop at the limit ($n of 1 MiB)"
grep -q "not enough memory" <<<"$out" || { echo "FAIL no 'not enough memory': $out"; exit 1; }
echo "ok   with 'not enough memory'"

expect "collected buffers give the room back" "40	true" "$(lua 'local data = require("data") local t = {} pcall(function () for i = 1, 100 do t[i] = data.new(1 << 20) end end) t = nil collectgarbage() local u = {} for i = 1, 20 do u[i] = data.new(1 << 20) end u = nil for i = 1, 20 do local d = data.new(1 << 20) end return 40, true')"
expect "buffers left for the collector do not run out" 200 \
	"$(lua 'local data = require("data") local n = 0 for i = 1, 200 do local d = data.new(1 << 20) n = n + 1 end return n')"
expect "data and Lua share the limit" "false	true" "$(lua 'local data = require("data") local t = {} for i = 1, 24 do t[i] = data.new(1 << 20) end local ok, err = pcall(string.rep, "x", 10 << 20) return ok, (err:match("not enough memory") ~= nil)')"
expect "the REPL works after" 42 "$(lua 'return 42')"

# A non-sleepable runtime (GFP_ATOMIC buffers) has the same limit.
put_script data_hog <<'EOT'
local data = require("data")
hog = {}
for i = 1, 100 do hog[i] = data.new(1 << 20) end
EOT
expect_fail "a non-sleepable script that keeps 100 MiB" "data_hog.lua:3: data: not enough memory" \
	lunatik run data_hog false
expect "nothing left running" "" "$(lunatik list)"

# Buffers of stopped runtimes are freed: 6 runs of 24 MiB would not fit otherwise.
put_script data_keep <<'EOT'
local data = require("data")
keep = {}
for i = 1, 24 do keep[i] = data.new(1 << 20) end
EOT
avail() { awk '/^MemAvailable:/ { print $2 }' /proc/meminfo; }
before=$(avail)
for sleep in false true false true false true; do
	lunatik run data_keep $sleep
	lunatik stop data_keep
done
after=$(avail)
[ $((before - after)) -lt 32768 ] || { echo "FAIL MemAvailable fell from $before to $after kB"; exit 1; }
echo "ok   stopped runtimes free their buffers (MemAvailable $before -> $after kB)"
kernel_clean
