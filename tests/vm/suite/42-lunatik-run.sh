#!/bin/bash
# run, list, stop; require of Lua modules; errors in scripts; runtime:resume.
set -euo pipefail
. ./testlib.bash

put_script greet/util <<'EOT'
local util = {}
function util.greet(who) return "hello " .. who end
return util
EOT
put_script greet/init <<'EOT'
return { name = "greet package" }
EOT
put_script greeter <<'EOT'
local util = require("greet.util")
local pkg = require("greet")
print(util.greet("kernel"), pkg.name, package.path)
EOT
lunatik run greeter
grep -q "hello kernel	greet package	/lib/modules/lua/?.lua;/lib/modules/lua/?/init.lua" <<<"$(dmesg)"
echo "ok   require of greet.util and greet/init.lua"
lunatik run greeter.lua 2>/dev/null && exit 1
echo "ok   the same script cannot run twice"
put_script quiet <<'EOT'
counter = 0
EOT
lunatik run quiet false
expect "list" "$(printf 'greeter\nquiet')" "$(lunatik list)"
lunatik stop greeter
expect "list after stop" "quiet" "$(lunatik list)"
expect_fail "stop of a script not running" 'greeter is not running' lunatik stop greeter
lunatik stop quiet
expect "list empty" "" "$(lunatik list)"

put_script syntax_error <<'EOT'
local x = = 1
EOT
expect_fail "syntax error" "syntax_error.lua:1: unexpected symbol near '='" lunatik run syntax_error
put_script runtime_error <<'EOT'
local t = nil
return t.field
EOT
expect_fail "runtime error" "runtime_error.lua:2: attempt to index a nil value \(local 't'\)" lunatik run runtime_error
expect_fail "missing script" "cannot open /lib/modules/lua/no_such_script.lua" lunatik run no_such_script
expect_fail "missing module" "module 'no.such' not found" lua 'require("no.such")'
expect_fail "bad name through the API" "invalid script name '../etc/passwd'" lua 'lunatik.runtime("../etc/passwd")'
expect "failed runs leave no runtime" "" "$(lunatik list)"
put_script stub <<'EOT'
assert(require("lunatik").runtime == nil, "lunatik.runtime in a non-sleepable runtime")
EOT
lunatik run stub false
lunatik stop stub
echo "ok   non-sleepable runtimes get the lunatik library without runtime()"

put_script adder <<'EOT'
return function (a, b)
	local c = coroutine.yield(a + b)
	return c * 2, "done"
end
EOT
expect "resume" "$(printf '3\t42\tdone')" "$(lua 'local rt = lunatik.runtime("adder") return rt:resume(1, 2), rt:resume(21)')"
expect_fail "resume of a finished coroutine" "cannot resume dead coroutine" lua 'local rt = lunatik.runtime("adder") rt:resume(1, 2) rt:resume(1) rt:resume(1)'
expect_fail "resume with a table" "cannot be passed between runtimes" lua 'local rt = lunatik.runtime("adder") rt:resume({})'
expect_fail "resume of a stopped runtime" "the runtime has been stopped" lua 'local rt = lunatik.runtime("adder") rt:stop() rt:resume(1, 2)'
expect "resume of a non-sleepable runtime" "5" "$(lua 'local rt = lunatik.runtime("adder", false) return (rt:resume(2, 3))')"
put_script echo <<'EOT'
return function (...) return ... end
EOT
expect "objects pass between runtimes" "3" "$(lua 'local a = lunatik.runtime("echo") local b = lunatik.runtime("adder") local r = a:resume(b) return (r:resume(1, 2))')"
put_script child <<'EOT'
anchor = setmetatable({}, {__gc = function () print("child closed") end})
EOT
lua 'local rt = lunatik.runtime("child") rt = nil collectgarbage()'
grep -q "child closed" <<<"$(dmesg)"
echo "ok   a runtime stops when the handle lunatik.runtime() returned is collected"
lua 'held = lunatik.runtime("child")'
expect "a runtime held by a REPL session stops when the session ends" "2" "$(dmesg | grep -c "child closed")"
lua 'local rt = lunatik.runtime("child") local e = lunatik.runtime("echo") e:resume(rt) e:stop() collectgarbage() rt:stop()'
expect "only the owner's handle stops it" "3" "$(dmesg | grep -c "child closed")"
kernel_clean
