#!/bin/bash
# The rcu library: tables of objects keyed by strings, shared by sleepable
# runtimes and a netfilter hook (softirq) reading and writing at once;
# values keep their objects alive; stop cycles leave no entries behind.
# vm-timeout: 300
set -euo pipefail
. ./testlib.bash
# lua1 CHUNK: CHUNK on one line, so that its locals live through it in the REPL.
lua1() { lua "$(tr '\n' ' ' <<<"$1")"; }
NS=vmt-rcu
cleanup_ns() { ip netns del $NS 2>/dev/null || true; cleanup; }
trap cleanup_ns EXIT

lunatik load
expect "set, get, missing" "$(printf '7\tnil\tfalse\ttrue')" "$(lua1 'local rcu, data = require("rcu"), require("data")
local t = rcu.table() local d = data.new(4) d:setuint8(0, 7) t.k = d
return t.k:getuint8(0), t.nope, rawequal(t.k, d), t.k ~= nil')"
expect "delete" "nil" "$(lua1 'local rcu, data = require("rcu"), require("data")
local t = rcu.table(4) t.k = data.new(1) t.k = nil return t.k')"
expect "replace" "2" "$(lua1 'local rcu, data = require("rcu"), require("data")
local t = rcu.table(1) local a, b = data.new(1), data.new(1) a:setuint8(0, 1) b:setuint8(0, 2)
t.k = a t.k = b return t.k:getuint8(0)')"
expect "binary keys and numbers as keys" "$(printf '1\t2\t3')" "$(lua1 'local rcu, data = require("rcu"), require("data")
local t = rcu.table(2) for i, k in ipairs({"a", "a\0b", "1"}) do local d = data.new(1) d:setuint8(0, i) t[k] = d end
return t.a:getuint8(0), t["a\0b"]:getuint8(0), t[1]:getuint8(0)')"
expect "map" "k0=0 k1=1 k2=2 k3=3 k4=4 k5=5 k6=6 k7=7 k8=8 k9=9" "$(lua1 'local rcu, data = require("rcu"), require("data")
local t = rcu.table(8) for i = 0, 9 do local d = data.new(1) d:setuint8(0, i) t["k" .. i] = d end
local seen = {} rcu.map(t, function (k, v) seen[#seen + 1] = k .. "=" .. v:getuint8(0) end)
table.sort(seen) return table.concat(seen, " ")')"
expect "map may change the table" "0" "$(lua1 'local rcu, data = require("rcu"), require("data")
local t = rcu.table() for i = 1, 50 do t["k" .. i] = data.new(1) end
rcu.map(t, function (k) t[k] = nil t[k .. "x"] = nil end)
local n = 0 rcu.map(t, function () n = n + 1 end) return n')"
expect "a value keeps its object alive" "kept" "$(lua1 'local rcu, data = require("rcu"), require("data")
local t = rcu.table() do local d = data.new(8) d:setstring(0, "kept") t.k = d end
collectgarbage() collectgarbage() return t.k:getstring(0, 4)')"
expect "other objects as values" "$(printf 'rcu\tfifo')" "$(lua1 'local rcu, fifo = require("rcu"), require("fifo")
local t = rcu.table() t.inner = rcu.table() t.f = fifo.new(8)
return tostring(t.inner):match("^%a+"), tostring(t.f):match("^%a+")')"
expect_fail "a number as value" "a Lunatik object or nil expected" lua 'local t = require("rcu").table() t.k = 5'
expect_fail "a table as value" "a Lunatik object or nil expected" lua 'local t = require("rcu").table() t.k = {}'
expect_fail "itself as value" "a table cannot hold itself" lua 'local t = require("rcu").table() t.k = t'
expect_fail "a table as key" "string expected, got table" lua 'local t = require("rcu").table() return t[{}]'
expect_fail "size 0" "size must be between 1 and 65536" lua 'return require("rcu").table(0)'
expect_fail "size too big" "size must be between 1 and 65536" lua 'return require("rcu").table(1 << 20)'
expect_fail "map without a function" "function expected" lua 'local rcu = require("rcu") rcu.map(rcu.table(), 1)'
expect_fail "map of something else" "rcu expected" lua 'require("rcu").map({}, print)'
expect_fail "an error in map" "stop here" lua 'local rcu = require("rcu") local t = rcu.table() t.a = t.a or rcu.table() rcu.map(t, function () error("stop here") end)'

# A netfilter hook (softirq, non-sleepable runtime) reads and writes the
# table that a sleepable runtime writes at the same time. Objects cross
# runtimes through it, data buffers included (as Lunatik's shared.lua uses).
put_script rcutest/hook <<'EOT'
local nf = require("netfilter")
local rcu = require("rcu")
require("fifo")
require("data")
local shared
nf.register{pf = nf.family.INET, hooknum = nf.inet_hooks.LOCAL_OUT,
	priority = nf.ip_priority.FILTER, hook = function ()
	if shared then
		local f = shared.f
		if f then pcall(f.push, f, "p") end
		shared.fromhook = f		-- a write from softirq
		shared.churn = nil
	end
	return nf.action.ACCEPT
end}
-- resume() runs this as one coroutine: it yields its answers.
return function (t, what)
	while true do
		local ok, err
		if what == "data" then
			ok, err = pcall(function () return #t.d end)
		elseif what == "map" then
			ok, err = pcall(rcu.map, t, function () end)
		else
			shared = t
		end
		t, what = coroutine.yield(ok, err)
	end
end
EOT
ip netns add $NS
ip -n $NS link set lo up
out=$(printf '%s' 'rcu, data, fifo, linux = require("rcu"), require("data"), require("fifo"), require("linux")
t = rcu.table() t.f = fifo.new(64) t.d = data.new(4)
rt = lunatik.runtime("rcutest/hook", false)
local dok, derr = rt:resume(t, "data")
local mok, merr = rt:resume(t, "map")
rt:resume(t)
local got = ""
for i = 1, 100 do
	t.churn = data.new(1)
	t["k" .. (i % 10)] = (i % 3 > 0) and fifo.new(2) or nil
	got = got .. t.f:pop(64)
	if #got >= 4 and t.fromhook then break end
	linux.schedule(50)
end
return string.format("%s %s %s %s %s %s", #got >= 4, t.fromhook ~= nil, dok, derr, mok, merr)' | tr '\n' ' ' | ip netns exec $NS lunatik 2>&1 &
repl=$!; for i in $(seq 20); do ip netns exec $NS ping -c 1 -W 1 127.0.0.1 >/dev/null 2>&1 || true; kill -0 $repl 2>/dev/null || break; done; wait $repl; echo)
expect "a hook and a sleepable runtime share the table, data included" \
	"true true true 4 true nil" "$(echo "$out" | head -1)"

# Stop cycles: a script fills a table with objects; stopping it frees them all.
put_script rcutest/fill <<'EOT'
local rcu, data = require("rcu"), require("data")
local t = rcu.table(64)
for i = 1, 200 do t["key" .. i] = data.new(64) end
for i = 1, 200, 2 do t["key" .. i] = nil end
for i = 1, 200, 4 do t["key" .. i] = data.new(32) end
EOT
slab() { awk '/^kmalloc-(32|64|96|128|192|256) / {n += $2} END {print n}' /proc/slabinfo; }
lunatik run rcutest/fill
lunatik stop rcutest/fill
sleep 1
before=$(slab)
# REPL sessions run in the driver runtime, which keeps what they required.
base=$(awk '$1 == "luarcu" {print $3}' /proc/modules)
for i in $(seq 20); do
	lunatik run rcutest/fill
	lunatik stop rcutest/fill
done
for i in $(seq 50); do
	after=$(slab)
	[ $((after - before)) -gt 2000 ] || break
	sleep 0.2
done
echo "kmalloc objects: before $before, after $after (20 cycles of 250 entries and objects)"
[ $((after - before)) -le 2000 ] || { echo "FAIL entries or objects leak"; exit 1; }
echo "ok   20 stop cycles leave no entries behind"
expect "module references back" "$base" "$(awk '$1 == "luarcu" {print $3}' /proc/modules)"
lunatik unload
expect "the module unloads" "" "$(grep '^luarcu ' /proc/modules || true)"
kernel_clean
