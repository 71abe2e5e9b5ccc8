#!/bin/bash
# The thread library and lunatik spawn: kernel threads running a runtime's
# task, stopped by lunatik stop, by runtime:stop() and when their runtime's
# handle goes; errors end them with one log line; unload waits for them.
set -euo pipefail
. ./testlib.bash

# kthread_pid NAME: the pid of the task named NAME, or nothing.
kthread_pid() {
	grep -lx -- "$1" /proc/[0-9]*/comm 2>/dev/null | head -1 | cut -d/ -f3 || true
}

# wait_gone NAME: no task is named NAME, within 10 s.
wait_gone() {
	local i
	for i in $(seq 100); do
		[ -n "$(kthread_pid "$1")" ] || return 0
		sleep 0.1
	done
	printf 'FAIL %s is still running\n' "$1"
	exit 1
}

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

put_script counter <<'EOT'
local thread = require("thread")
local linux = require("linux")
return function ()
	local me = thread.current()
	local t = me:task()
	print(string.format("task %s pid=%d tgid=%d cpu=%d same=%s", t.command, t.pid, t.tgid,
		t.cpu, tostring(thread.current():task().pid == t.pid)))
	local n = 0
	while not thread.shouldstop() do
		n = n + 1
		linux.schedule(20)
	end
	print(t.command .. " stopped after " .. (n > 5 and "many" or tostring(n)) .. " rounds")
end
EOT

lunatik load
lunatik spawn counter
expect "list shows the spawned script" "counter" "$(lunatik list)"
wait_log "task counter pid="
pid=$(kthread_pid counter)
[ -n "$pid" ] || { echo "FAIL no task named counter"; exit 1; }
grep -qw counter <<<"$(ps -e 2>/dev/null || ps)"
echo "ok   ps shows the thread as counter (pid $pid)"
expect "its parent is kthreadd" "2" "$(awk '/^PPid:/ {print $2}' "/proc/$pid/status")"
expect "a kernel thread has no command line" "" "$(tr -d '\0' <"/proc/$pid/cmdline")"
line=$(dmesg | grep -oE "task counter pid=.*" | tail -1)
expect "task() fields" "task counter pid=$pid tgid=$pid" "${line% cpu=*}"
cpu=${line#* cpu=}
cpu=${cpu%% *}
[ "$cpu" -ge 0 ] && [ "$cpu" -lt "$(nproc)" ]
echo "ok   task().cpu is a CPU ($cpu)"
expect "thread.current() in the thread is the thread" "same=true" "${line##* }"
expect_fail "spawn twice" "counter is already running" lunatik spawn counter
sleep 0.3
start=${EPOCHREALTIME/./}
lunatik stop counter
ms=$(((${EPOCHREALTIME/./} - start) / 1000))
[ "$ms" -lt 5000 ] || { echo "FAIL stop took $ms ms"; exit 1; }
echo "ok   lunatik stop returns ($ms ms)"
wait_gone counter
echo "ok   the kthread is gone"
wait_log "counter stopped after many rounds"
echo "ok   the task counted until thread.shouldstop()"
expect "list after stop" "" "$(lunatik list)"

# The REPL's own task: looked at, not stopped.
expect "thread.current() of the lunatik command" "$(printf 'lunatik\ttrue\tfalse')" \
	"$(lua 'local thread = require("thread") local t = thread.current():task() return t.command, t.pid == t.tgid, thread.shouldstop()')"
expect_fail "stop of a task thread.run did not start" "only threads that thread.run started can be stopped" \
	lua 'require("thread").current():stop()'

# Errors: the task's end with one line; refused runs.
put_script failing <<'EOT'
local linux = require("linux")
return function ()
	linux.schedule(10)
	error("boom in thread")
end
EOT
lunatik spawn failing
wait_gone failing
wait_log "thread failing: .*failing.lua:4: boom in thread"
expect "one log line for the error" "1" "$(dmesg | grep -c "boom in thread")"
expect "a failed task leaves its runtime listed" "failing" "$(lunatik list)"
lunatik stop failing
put_script noentry <<'EOT'
x = 1
EOT
expect_fail "spawn of a script returning no function" "returned no function to run" lunatik spawn noentry
expect_fail "spawn of a missing script" "cannot open /lib/modules/lua/no_such_script.lua" \
	lunatik spawn no_such_script
expect "failed spawns leave nothing" "" "$(lunatik list)"
put_script plain <<'EOT'
return function () end
EOT
expect_fail "non-sleepable runtime refused" "the runtime is not sleepable" \
	lua 'return require("thread").run(lunatik.runtime("plain", false), "nosleep")'
expect "no thread for the refused runtime" "" "$(kthread_pid nosleep)"
expect_fail "thread.run needs a runtime" "bad argument #1 to '[a-z.]*run' \(runtime expected" \
	lua 'return require("thread").run({}, "x")'
expect_fail "one thread per runtime" "the runtime already runs a thread" \
	lua 'local thread = require("thread") local rt = lunatik.runtime("counter") local a = thread.run(rt, "first") thread.run(rt, "second")'
expect_fail "resume of a runtime with a thread" "the runtime runs a thread" \
	lua 'local rt = lunatik.runtime("counter") local t = require("thread").run(rt, "third") rt:resume()'
for name in first second third; do wait_gone "$name"; done
echo "ok   the threads of those sessions ended with them"
put_script stubborn <<'EOT'
local linux = require("linux")
return function ()
	while true do
		linux.schedule(1000)
	end
end
EOT
put_script spinner <<'EOT'
return function ()
	local n = 0
	while true do n = n + 1 end
end
EOT
lunatik spawn stubborn
lunatik spawn spinner
sleep 0.3
timeout 30 lunatik stop stubborn
timeout 30 lunatik stop spinner
wait_gone stubborn
wait_gone spinner
echo "ok   tasks that never ask shouldstop() are interrupted by stop"
expect "and that is no error" "0" "$(dmesg | grep -cE 'thread (stubborn|spinner):' || true)"

# Other ways a runtime stops: runtime:stop(), its handle collected.
expect "runtime:stop() stops its thread" "gone" "$(lua 'local linux = require("linux") local rt = lunatik.runtime("counter") local t = require("thread").run(rt, "viastop") linux.schedule(100) rt:stop() return t:task().command == "viastop" and "gone"')"
wait_gone viastop
lua 'held = require("thread").run(lunatik.runtime("counter"), "viasession")'
wait_gone viasession
echo "ok   a thread stops when the session holding its runtime ends"
expect "thrd:stop() twice" "" "$(lua 'local rt = lunatik.runtime("counter") local t = require("thread").run(rt, "twice") t:stop() t:stop() rt:stop()')"

# Unloading: refused while a thread runs; lunatik unload stops it first.
lunatik spawn counter
wait_log "task counter pid=$(kthread_pid counter) "
expect_fail "luathread cannot go while its thread runs" "in use|busy|Resource temporarily" \
	rmmod luathread
[ -n "$(kthread_pid counter)" ]
echo "ok   the thread runs on"
lunatik spawn spinner
sleep 0.3
rmmod lunatik_run
wait_gone counter
wait_gone spinner
echo "ok   removing /dev/lunatik's module stops the runtimes it started and their threads"
expect "the task stopped cleanly" "2" "$(dmesg | grep -c "counter stopped after many rounds")"
lunatik spawn counter
wait_log "task counter pid=$(kthread_pid counter) "
sleep 0.3
lunatik unload
wait_gone counter
echo "ok   unload leaves no thread"
expect "the modules are gone" "" "$(grep -E '^(luathread|lunatik) ' /proc/modules || true)"
expect "and the task stopped cleanly" "3" "$(dmesg | grep -c "counter stopped after many rounds")"
kernel_clean
