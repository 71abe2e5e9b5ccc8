#!/bin/bash
# Lunatik's keylocker example, unmodified, started as its README says: the
# Konami sequence typed on a keyboard locks it (no key goes further), the
# same sequence unlocks it.
# vm-timeout: 300
set -euo pipefail
. ./testlib.bash
. ./uhidkbd.bash

[ -f lunatik-examples/keylocker.lua ] || {
	echo "FAIL Lunatik's keylocker.lua is not staged (tests/vm/lunatik-examples.sh needs Lunatik's git mirror)"
	exit 1
}
install -D -m 0644 lunatik-examples/keylocker.lua "$LUA_DIR/examples/keylocker.lua"
SCRIPTS+=("$LUA_DIR/examples/keylocker.lua")
# A key logger after it in the chain shows which keys go further.
put_script kbd_after <<'EOT'
local notifier = require("notifier")
notifier.keyboard(function (event, down, shift, key)
	-- print from the keyboard chain is rate-limited (10 lines per 5 s):
	-- the arrows of the Konami sequence (KEY_UP 103 .. KEY_DOWN 108) are not logged
	if event == notifier.kbd.KEYCODE and not down and (key < 103 or key > 108) then
		print("kbdafter " .. key)
	end
	return notifier.notify.OK
end)
EOT

lunatik load
kbd_create
trap 'kbd_destroy; cleanup' EXIT
dmesg -c >/dev/null
sudo lunatik run examples/keylocker	# runs keylocker
lunatik run kbd_after
kbd_tap a
wait_log "kbdafter 30"
echo "ok   keys go through"
kbd_tap up up down down left right left right lctrl lalt	# locks keyboard
wait_log "kbdafter 29"
sleep 0.3
expect "the last key of the sequence is the first one held" 0 "$(nlog 'kbdafter 56')"
kbd_tap b x
sleep 0.3
expect "locked: no key goes further" 0 "$(nlog 'kbdafter (48|45)')"
kbd_tap up up down down left right left right lctrl lalt	# unlocks keyboard
kbd_tap u
wait_log "kbdafter 22"
echo "ok   unlocked: keys go through again"
lunatik unload
kernel_clean
