#!/bin/bash
# The demo (make demo): Lua running inside the kernel, through the lunatik command.
set -euo pipefail

step() { printf '\n--- %s\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

step "load the modules: the core, its libraries and /dev/lunatik"
show lunatik load
show lunatik status

step "the REPL: this expression is computed by Lua in the kernel"
printf '$ echo "return 42" | lunatik\n'
echo 'return 42' | lunatik
printf '$ echo "return 7 / 2, require(\\"linux\\").random(1, 6) > 0" | lunatik\n'
echo 'return 7 / 2, require("linux").random(1, 6) > 0' | lunatik

step "a script under /lib/modules/lua, run in its own runtime"
cat > /lib/modules/lua/hello.lua <<'EOT'
local linux = require("linux")
print("hello from the kernel, at " .. linux.time() // 1000000000 .. " s since 1970")
EOT
show cat /lib/modules/lua/hello.lua
show lunatik run hello
printf '$ dmesg | tail -1\n'
dmesg | tail -1
show lunatik list

step "stop it"
show lunatik stop hello
show lunatik list
show lunatik unload
rm /lib/modules/lua/hello.lua
