#!/bin/bash
# The completion library: complete/wait across runtimes (a kernel thread, a
# non-sleepable runtime), timeouts, thrd:stop() and lunatik stop interrupting
# a waiter, non-sleepable runtimes refused, run/stop cycles.
# vm-timeout: 300
set -euo pipefail
. ./testlib.bash
lua1() { lua "$(tr '\n' ' ' <<<"$1")"; }

# wait_log PATTERN: dmesg has a line matching PATTERN (grep -E), within 10 s.
wait_log() {
	local i
	for i in $(seq 100); do
		! grep -qE -- "$1" <<<"$(dmesg)" || return 0
		sleep 0.1
	done
	printf 'FAIL no log line /%s/\n' "$1"
	exit 1
}

# refs WHEN: the module's references now (for the log).
refs() { echo "     luacompletion references $1: $(awk '$1 == "luacompletion" {print $3}' /proc/modules)"; }

lunatik load
expect "complete then wait" "true" "$(lua 'local c = require("completion").new() c:complete() return c:wait()')"
expect "wait with a timeout" "true" "$(lua 'local c = require("completion").new() c:complete() return c:wait(100)')"
expect "timeout" "$(printf 'nil\ttimeout')" "$(lua 'return require("completion").new():wait(50)')"
expect "timeout 0" "$(printf 'nil\ttimeout')" "$(lua 'return require("completion").new():wait(0)')"
expect "one complete, one wait" "$(printf 'true\tnil\ttimeout')" "$(lua 'local c = require("completion").new() c:complete() return c:wait(10), c:wait(10)')"
expect_fail "negative timeout" "timeout must not be negative" lua 'return require("completion").new():wait(-1)'
expect_fail "timeout not a number" "number expected, got string" lua 'return require("completion").new():wait("x")'
refs "after the REPL checks"
expect_fail "a method on something else" "completion expected" lua 'local c = require("completion").new() return c.wait({})'

# A kernel thread waits; the REPL completes, stops, or lets it time out.
put_script comptest/waiter <<'EOT'
require("completion")	-- its objects can be passed in
local c, timeout
return function (x, ms)
	if x then c, timeout = x, ms return end
	local ok, why = c:wait(timeout)
	print("waiter: " .. tostring(ok) .. " " .. tostring(why))
end
EOT
dmesg -c >/dev/null
lua1 'local completion, thread, linux = require("completion"), require("thread"), require("linux")
local c = completion.new() local rt = lunatik.runtime("comptest/waiter") rt:resume(c)
local t = thread.run(rt, "waiter1") linux.schedule(200) c:complete() linux.schedule(200) rt:stop()' >/dev/null
wait_log "waiter: true nil"
echo "ok   a thread's wait returns true after complete()"
refs "after that"
lua1 'local completion, thread, linux = require("completion"), require("thread"), require("linux")
local c = completion.new() local rt = lunatik.runtime("comptest/waiter") rt:resume(c)
local t = thread.run(rt, "waiter2") linux.schedule(200) t:stop() rt:stop()' >/dev/null
wait_log "waiter: nil interrupt"
echo "ok   thrd:stop() interrupts a waiter"
refs "after that"
lua1 'local completion, thread, linux = require("completion"), require("thread"), require("linux")
local c = completion.new() local rt = lunatik.runtime("comptest/waiter") rt:resume(c, 100)
local t = thread.run(rt, "waiter3") linux.schedule(500) rt:stop()' >/dev/null
wait_log "waiter: nil timeout"
echo "ok   a thread's wait times out"
refs "after that"

# lunatik stop of a spawned script that waits forever.
put_script comptest/forever <<'EOT'
local c = require("completion").new()
return function ()
	local ok, why = c:wait()
	print("forever: " .. tostring(ok) .. " " .. tostring(why))
end
EOT
lunatik spawn comptest/forever
sleep 0.5
timeout 10 lunatik stop comptest/forever
wait_log "forever: nil interrupt"
echo "ok   lunatik stop interrupts a waiting thread"
refs "after that"

# Non-sleepable runtimes: complete() yes, wait() no.
put_script comptest/atomic <<'EOT'
local completion = require("completion")
return function (c, try)
	if try then return pcall(c.wait, c, 10) end
	c:complete()
	return true
end
EOT
expect "complete() in a non-sleepable runtime" "$(printf 'true\ttrue\ttrue')" "$(lua1 'local c = require("completion").new()
local rt = lunatik.runtime("comptest/atomic", false) local ok = rt:resume(c) return ok, c:wait(1000), true')"
expect "wait() refused in a non-sleepable runtime" "$(printf 'false\tcompletion: wait needs a sleepable runtime (this one runs in softirq)')" \
	"$(lua1 'local c = require("completion").new()
local rt = lunatik.runtime("comptest/atomic", false) local ok, err = rt:resume(c, true) return ok, (err:gsub("^.-: completion", "completion"))')"

refs "after the non-sleepable runtimes"

# Cycles leave nothing behind.
put_script comptest/cycle <<'EOT'
local completion = require("completion")
local cs = {}
for i = 1, 100 do cs[i] = completion.new() cs[i]:complete() assert(cs[i]:wait(0)) end
EOT
for i in $(seq 20); do
	lunatik run comptest/cycle
	lunatik stop comptest/cycle
done
echo "ok   20 run/stop cycles"
refs "after that"
# Sessions close as their processes exit: give them a moment.
for i in $(seq 100); do [ "$(awk '$1 == "luacompletion" {print $3}' /proc/modules)" != 0 ] || break; sleep 0.1; done
expect "module references back" "0" "$(awk '$1 == "luacompletion" {print $3}' /proc/modules)"
lunatik unload
kernel_clean
