#!/bin/bash
# The REPL: expressions, statements, sessions, multi-line chunks, errors.
set -euo pipefail
. ./testlib.bash

expect "echo | lunatik" "42" "$(echo 'return 40 + 2' | lunatik)"
expect "expression without return" "42" "$(echo '6 * 7' | lunatik)"
expect "several results" "$(printf '1\tnil\ttrue\tx')" "$(lua 'return 1, nil, true, "x"')"
expect "globals persist in a session" "42" "$(printf 'x = 6\ny = x * 7\nreturn y\n' | lunatik)"
expect "sessions do not share globals" "nil" "$(lua 'return x')"
expect "multi-line chunk" "6" "$(printf 's = 0\nfor i = 1, 3 do\n  s = s + i\nend\nreturn s\n' | lunatik)"
expect "locals live for one chunk, as in lua's REPL" "nil" "$(printf 'local l = 1\nreturn l\n' | lunatik)"
expect "function across lines" "120" "$(printf 'function f(n)\n if n == 0 then return 1 end\n return n * f(n - 1)\nend\nreturn f(5)\n' | lunatik)"
expect "version" "$(printf 'Lua 5.4-kernel\tLunatik 4.0')" "$(lua 'return _VERSION, _LUNATIK_VERSION')"
expect "no io or os; debug and math as Lunatik has them" "$(printf 'nil\tnil\ttable\tnil\ttable\tnil')" \
	"$(lua 'return io, os, type(debug), debug.debug, type(math), math.floor')"
expect_fail "runtime error" 'lunatik:1: boom' lua 'error("boom")'
expect_fail "syntax error" "unexpected symbol near '\\)'" lua 'return )'
expect_fail "error with a table value" 'error object is not a string' lua 'error({})'
expect "later chunks run after an error" "ok" "$(printf 'error("x")\nreturn "ok"\n' | lunatik 2>/dev/null || true)"
rc=0; printf 'error("x")\nreturn 1\n' | lunatik >/dev/null 2>&1 || rc=$?
expect "a piped REPL with an error exits 1" "1" "$rc"
expect "print goes to the kernel log" "" "$(lua 'print("hello", 42)')"
grep -q "hello	42" <<<"$(dmesg)"
expect "a big reply" "100000" "$(lua 'return #string.rep("ab", 50000)')"
expect "a big reply, whole" "200000" "$(lua 'return string.rep("ab", 100000)' | tr -d '\n' | wc -c)"
kernel_clean
