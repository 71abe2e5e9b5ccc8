#!/bin/bash
# Scripts cannot take the kernel down: deep recursion, memory, runaway loops.
# vm-timeout: 60
set -euo pipefail
. ./testlib.bash

expect "pcall recursion stops with a Lua error" "C stack overflow" "$(lua 'local function f() local ok, e = pcall(f) if ok then return e end return e end local e = f() return (tostring(e):match("C stack overflow"))')"
expect "gsub recursion" "true" "$(lua 'local function f(s) return (s:gsub(".", f)) end return (pcall(f, string.rep("x", 100)) == false)')"
expect "metamethod recursion" "true" "$(lua 'local t = setmetatable({}, {}) getmetatable(t).__index = function (t, k) return t[k] end return (pcall(function () return t.x end) == false)')"
expect "coroutine nesting" "true" "$(lua 'local function f() return coroutine.wrap(f)() end return (pcall(f) == false)')"
expect "parser nesting" "C stack overflow" "$(lua "local f, e = load('return ' .. string.rep('(', 1000) .. '1' .. string.rep(')', 1000)) return (e:match('C stack overflow'))")"
expect "nested functions in the parser" "C stack overflow" "$(lua "local f, e = load('return ' .. string.rep('function() return ', 200) .. '1' .. string.rep(' end', 200)) return (e:match('C stack overflow'))")"
expect "nested blocks in the parser" "C stack overflow" "$(lua "local f, e = load(string.rep('do ', 1000) .. string.rep('end ', 1000)) return (e:match('C stack overflow'))")"
expect "pattern recursion" "true" "$(lua "return (pcall(string.find, string.rep('a', 5000), string.rep('a?', 5000) .. string.rep('a', 5000)) ~= nil)")"
expect_fail "memory limit" "not enough memory" lua 'local t = {} for i = 1, 1000000000 do t[i] = string.rep("x", 4096) .. i end'
expect "the REPL works after running out of memory" "42" "$(lua 'return 42')"
expect_fail "a 5 MiB string" "not enough memory" lua 'return #string.rep("x", 5 * 1024 * 1024)'

# A runaway loop in a sleepable runtime yields the CPU and stops on a signal.
put_script spin <<'EOT'
while true do end
EOT
lunatik run spin & pid=$!
sleep 3
expect "still spinning, the system responsive" "running" "$(kill -0 $pid 2>/dev/null && echo running)"
# (SIGTERM: a background job of a script ignores SIGINT)
kill -TERM $pid
rc=0; wait $pid || rc=$?
expect "the command ends on the signal" "143" "$rc"
expect "no runtime left" "" "$(lunatik list)"
kernel_clean
