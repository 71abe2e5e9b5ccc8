#!/bin/bash
# The notifier library, keyboard chain: key events of a keyboard (made
# through /dev/uhid) reach the callback with event, down, shift and key, in
# sleepable and non-sleepable runtimes; STOP stops the chain; errors never
# stop it; stop/run cycles while keys are typed.
# vm-timeout: 300
set -euo pipefail
. ./testlib.bash
. ./uhidkbd.bash


put_script kbd_log <<'EOT'
local notifier = require("notifier")
local kbd, notify = notifier.kbd, notifier.notify
-- print from the keyboard chain (atomic) is rate-limited: the burst of X
-- keys is counted, and the count printed once.
local xs = 0
notifier.keyboard(function (event, down, shift, key)
	if event == kbd.KEYCODE and key == 45 then	-- KEY_X
		if not down then
			xs = xs + 1
			if xs % 40 == 0 then print("kbdlog x released " .. xs) end
		end
	elseif event == kbd.KEYCODE then
		print(string.format("kbdlog keycode %d %s shift=%s", key, tostring(down), tostring(shift)))
	elseif event == kbd.KEYSYM and down and key & 0xff ~= 0x78 then
		print(string.format("kbdlog keysym %c", key & 0xff))
	end
	return notify.OK
end)
EOT

# Stops the chain (for the notifiers after it) while locked.
put_script kbd_gate <<'EOT'
local notifier = require("notifier")
local kbd, notify = notifier.kbd, notifier.notify
local locked = false
notifier.keyboard(function (event, down, shift, key)
	if event == kbd.KEYCODE and not down and key == 38 then	-- KEY_L
		locked = not locked
		print("kbdgate " .. (locked and "locked" or "unlocked"))
		return notify.STOP
	end
	if event == kbd.KEYCODE and key == 45 then	-- KEY_X
		error("gate failure")
	end
	return locked and notify.STOP or notify.OK
end)
EOT

lunatik load
kbd_create
trap 'kbd_destroy; cleanup' EXIT
for mode in true false; do
	dmesg -c >/dev/null
	lunatik run kbd_log $mode
	kbd_tap a
	wait_log "kbdlog keycode 30 true shift=false"
	wait_log "kbdlog keycode 30 false shift=false"
	wait_log "kbdlog keysym a"
	kbd_report 0x02 0	# left shift down
	kbd_report 0x02 0x04	# and a
	kbd_report 0x02 0
	kbd_report 0 0
	wait_log "kbdlog keycode 30 true shift=true"
	wait_log "kbdlog keysym A"
	echo "ok   key events reach the callback (sleepable=$mode)"
	lunatik stop kbd_log
	kbd_tap b
	sleep 0.2
	expect "no event after stop" 0 "$(nlog 'kbdlog keycode 48')"
done

# A gate registered first stops the chain for the log after it.
dmesg -c >/dev/null
lunatik run kbd_gate false
lunatik run kbd_log
kbd_tap l
wait_log "kbdgate locked"
kbd_tap a b
sleep 0.3
expect "STOP keeps the keys from the notifiers after it" 0 "$(nlog 'kbdlog keycode (30|48)')"
kbd_tap l
wait_log "kbdgate unlocked"
kbd_tap b
wait_log "kbdlog keycode 48 false"
echo "ok   unlocked, keys go on"
start=$(date +%s)
kbd_burst x 40
wait_log "luanotifier: keyboard callback: .*gate failure"
wait_log "kbdlog x released 40"
echo "ok   a raising callback never stops the chain"
ratelimited "gate failure" 80 "$start"
expect "fewer lines than errors" 1 "$(($(nlog 'gate failure') < 80))"
lunatik stop kbd_log
lunatik stop kbd_gate

# 100 stop/run cycles while keys are typed.
( for i in $(seq 20); do kbd_burst u 20; done ) &
typer=$!
expect "100 stop/run cycles" "100" "$(lua 'local n = 0; for i = 1, 50 do lunatik.runtime("kbd_log"):stop(); lunatik.runtime("kbd_log", false):stop(); n = n + 2 end; return n')"
wait $typer
lunatik run kbd_log
lunatik unload
kbd_tap a
echo "ok   unload with a keyboard notifier registered"
kernel_clean
