#!/bin/bash
# The syscall library and syscall.table: numbers and the addresses of the
# functions that run each call, as /proc/kallsyms has them.
set -euo pipefail
. ./testlib.bash

lunatik load
expect "numbers" "0 1 257 3 63" "$(lua 'local s = require("syscall"); return table.concat({s.numbers.read, s.number("write"), s.number("openat"), s.numbers.close, s.number("uname")}, " ")')"
expect "an unknown name" "nil" "$(lua 'return tostring(require("syscall").number("nosuchcall"))')"
# Each address is the call's function: a probe on it stops there.
put_script sys_where <<'EOT'
local probe = require("probe")
local syscall = require("syscall")
for _, name in ipairs({"read", "openat", "close"}) do
	local done = false
	probe.new(syscall.address(syscall.number(name)), {pre = function (address, dump)
		if not done then
			done = true
			print("syswhere " .. name)
			dump()
		end
	end})
end
EOT
lunatik run sys_where
cat /proc/version >/dev/null
for name in read openat close; do
	for i in $(seq 50); do dmesg | grep "syswhere $name" >/dev/null && break; sleep 0.1; done
	dmesg | grep -A3 "syswhere $name" | grep "ip __x64_sys_$name+" >/dev/null ||
		{ echo "FAIL syscall.address of $name is not __x64_sys_$name"; dmesg | tail -20; exit 1; }
	echo "ok   syscall.address of $name is __x64_sys_$name"
done
lunatik stop sys_where
expect "syscall.table" "true true 3" "$(lua 'local s, t, n, total = require("syscall"), require("syscall.table"), 0, 0; for name, address in pairs(t) do if address == s.address(s.numbers[name]) then n = n + 1 end end; for _ in pairs(s.numbers) do total = total + 1 end; return tostring(t.openat == s.address(257)) .. " " .. tostring(n == total) .. " " .. tostring(s.number("close"))')"
expect_fail "a negative number" "out of range" lua 'return require("syscall").address(-1)'
expect_fail "a number past the table" "out of range" lua 'return require("syscall").address(100000)'
expect_fail "a name must be a string" "string expected" lua 'return require("syscall").number({})'
lunatik unload
kernel_clean
