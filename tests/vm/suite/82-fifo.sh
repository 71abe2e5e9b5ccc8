#!/bin/bash
# The fifo library: push/pop/close, sizes, bad input, a FIFO shared with a
# netfilter hook (softirq) that pushes into it, run/stop cycles.
# vm-timeout: 300
set -euo pipefail
. ./testlib.bash
lua1() { lua "$(tr '\n' ' ' <<<"$1")"; }
NS=vmt-fifo
cleanup_ns() { ip netns del $NS 2>/dev/null || true; cleanup; }
trap cleanup_ns EXIT

lunatik load
expect "push and pop" "$(printf 'ab\t2\tc\t1\t\t0')" "$(lua1 'local f = require("fifo").new(8) f:push("abc")
local a, n = f:pop(2) local b, m = f:pop(10) local e, z = f:pop(4) return a, n, b, m, e, z')"
expect "binary data" "true" "$(lua 'local f = require("fifo").new(16) f:push("a\0b\255") return f:pop(16) == "a\0b\255"')"
expect "the size is rounded up to a power of 2" "$(printf '12345678\t8')" "$(lua 'local f = require("fifo").new(5) f:push("12345678") return f:pop(100)')"
expect "wraps around" "$(printf 'fghij\t5')" "$(lua1 'local f = require("fifo").new(8) f:push("abcde") f:pop(5) f:push("fghij") return f:pop(8)')"
expect_fail "not enough space" "not enough space" lua 'local f = require("fifo").new(4) f:push("abc") f:push("de")'
expect_fail "closed: push" "fifo: closed" lua 'local f = require("fifo").new(4) f:close() f:push("a")'
expect_fail "closed: pop" "fifo: closed" lua 'local f = require("fifo").new(4) f:close() f:pop(1)'
expect "close twice" "ok" "$(lua 'local f = require("fifo").new(4) f:close() f:close() return "ok"')"
expect "to-be-closed" "fifo: closed" "$(lua1 'local g do local f <close> = require("fifo").new(4) g = f end
local ok, err = pcall(g.push, g, "x") return (err:gsub("^.*fifo:", "fifo:"))')"
expect "the largest size" "$(printf '65536\t65536')" "$(lua 'local f = require("fifo").new(4194304) local s = string.rep("x", 65536) f:push(s) f:push(s) local a = f:pop(65536) return #a, #f:pop(4194304)')"
expect_fail "size 0" "size must be between 1 and 4194304" lua 'return require("fifo").new(0)'
expect_fail "size too big" "size must be between 1 and 4194304" lua 'return require("fifo").new(1 << 30)'
expect_fail "size not a number" "number expected, got no value" lua 'return require("fifo").new()'
expect_fail "negative pop" "size must not be negative" lua 'return require("fifo").new(4):pop(-1)'
expect_fail "push a table" "string expected, got table" lua 'return require("fifo").new(4):push({})'
expect_fail "a method on something else" "fifo expected" lua 'local f = require("fifo").new(4) return f.pop({}, 1)'

# A netfilter hook (softirq) pushes one byte per packet; the REPL pops them.
put_script fifotest/hook <<'EOT'
local nf = require("netfilter")
require("fifo")
local f
nf.register{pf = nf.family.INET, hooknum = nf.inet_hooks.LOCAL_OUT,
	priority = nf.ip_priority.FILTER, hook = function ()
	if f then pcall(f.push, f, "p") end
	return nf.action.ACCEPT
end}
return function (x) f = x end
EOT
ip netns add $NS
ip -n $NS link set lo up
out=$(printf '%s' 'fifo, linux = require("fifo"), require("linux")
f = fifo.new(64) rt = lunatik.runtime("fifotest/hook", false) rt:resume(f)
local got = ""
for i = 1, 100 do got = got .. f:pop(64) if #got >= 4 then break end linux.schedule(50) end
rt:stop() return #got >= 4, got:match("^p+$") ~= nil' | tr '\n' ' ' | ip netns exec $NS lunatik 2>&1 &
repl=$!; for i in $(seq 20); do ip netns exec $NS ping -c 1 -W 1 127.0.0.1 >/dev/null 2>&1 || true; kill -0 $repl 2>/dev/null || break; done; wait $repl; echo)
expect "a hook pushes, a sleepable runtime pops" "$(printf 'true\ttrue')" "$(echo "$out" | head -1)"

put_script fifotest/cycle <<'EOT'
local fifo = require("fifo")
local fs = {}
for i = 1, 50 do fs[i] = fifo.new(4096) fs[i]:push(string.rep("x", 100)) end
fs[1]:close()
EOT
for i in $(seq 20); do
	lunatik run fifotest/cycle
	lunatik stop fifotest/cycle
done
echo "ok   20 run/stop cycles"
# Sessions close as their processes exit: give them a moment.
for i in $(seq 100); do [ "$(awk '$1 == "luafifo" {print $3}' /proc/modules)" != 0 ] || break; sleep 0.1; done
expect "module references back" "0" "$(awk '$1 == "luafifo" {print $3}' /proc/modules)"
lunatik unload
kernel_clean
