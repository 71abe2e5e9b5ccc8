# A USB keyboard made through /dev/uhid (sourced, not run): its key events
# go through the input core to the console's keyboard handler and the
# keyboard notifier chain, as a real keyboard's do. /dev/uhid takes
# write()s only, so bash can drive it.
#   kbd_create          the keyboard appears (fd 9 holds it; closing it removes it)
#   kbd_tap KEY...      press and release each key (HID usage names below)
#   kbd_burst KEY N     N taps of KEY, written at once
#   kbd_destroy

# HID usage codes of the keys the tests type.
declare -A KBD_USAGE=([a]=0x04 [b]=0x05 [l]=0x0f [u]=0x18 [x]=0x1b [1]=0x1e
	[enter]=0x28 [backspace]=0x2a [space]=0x2c [right]=0x4f [left]=0x50 [down]=0x51 [up]=0x52)
# Modifiers are bits of the report's first byte.
declare -A KBD_MODIFIER=([lctrl]=0x01 [lshift]=0x02 [lalt]=0x04)

kbd_le() {	# kbd_le BYTES VALUE: VALUE as BYTES little-endian \x escapes
	local i
	for ((i = 0; i < $1; i++)); do printf '\\x%02x' $((($2 >> (8 * i)) & 255)); done
}

kbd_write() {	# one write() of the bytes printf makes of "$1"
	printf "$1" >"$KBD_TMP"
	dd if="$KBD_TMP" bs=8192 count=1 2>"$KBD_TMP.err" >&9 ||
		{ echo "FAIL writing to /dev/uhid: $(cat "$KBD_TMP.err")"; exit 1; }
}

kbd_create() {
	# the boot keyboard report descriptor: 8 modifier bits, a byte, 6 key usages (and LEDs out)
	local rd='05 01 09 06 a1 01 05 07 19 e0 29 e7 15 00 25 01 75 01 95 08 81 02 95 01 75 08 81 01
		95 05 75 01 05 08 19 01 29 05 91 02 95 01 75 03 91 01 95 06 75 08 15 00 25 65 05 07
		19 00 29 65 81 00 c0' b ev name=luatest-kbd i
	modprobe uhid
	modprobe hid-generic
	KBD_TMP=$(mktemp)
	exec 9<>/dev/uhid
	ev=$(kbd_le 4 11)	# UHID_CREATE2
	for ((i = 0; i < ${#name}; i++)); do ev+=$(printf '\\x%02x' "'${name:i:1}"); done
	for ((i = ${#name}; i < 128 + 64 + 64; i++)); do ev+='\x00'; done
	ev+=$(kbd_le 2 63)$(kbd_le 2 3)$(kbd_le 4 0x1d6b)$(kbd_le 4 0x0104)$(kbd_le 4 1)$(kbd_le 4 0)
	for b in $rd; do ev+="\\x$b"; done
	kbd_write "$ev"
	for i in $(seq 100); do
		grep -A6 "Name=\"$name\"" /proc/bus/input/devices 2>/dev/null | grep -q 'Handlers=.*kbd' && return 0
		sleep 0.1
	done
	echo "FAIL the uhid keyboard did not appear"
	exit 1
}

kbd_report() {	# kbd_report MODIFIERS USAGE
	kbd_write "$(kbd_le 4 12)$(kbd_le 2 8)$(kbd_le 1 "$1")\\x00$(kbd_le 1 "$2")\\x00\\x00\\x00\\x00\\x00"
}

kbd_tap() {
	local k
	for k; do
		if [ -n "${KBD_MODIFIER[$k]:-}" ]; then
			kbd_report "${KBD_MODIFIER[$k]}" 0
		else
			kbd_report 0 "${KBD_USAGE[$k]}"
		fi
		kbd_report 0 0
	done
}

kbd_burst() {	# kbd_burst KEY N: N taps of KEY, one write() each, from one process
	local i rep
	rep="$(kbd_le 4 12)$(kbd_le 2 8)\\x00\\x00$(kbd_le 1 "${KBD_USAGE[$1]}")\\x00\\x00\\x00\\x00\\x00"
	rep+="$(kbd_le 4 12)$(kbd_le 2 8)\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00"
	for ((i = 0; i < $2; i++)); do printf "$rep"; done >"$KBD_TMP"
	dd if="$KBD_TMP" bs=14 count=$((2 * $2)) 2>"$KBD_TMP.err" >&9 ||
		{ echo "FAIL writing to /dev/uhid: $(cat "$KBD_TMP.err")"; exit 1; }
}

kbd_destroy() {
	kbd_write "$(kbd_le 4 1)" || true	# UHID_DESTROY
	exec 9>&-
	rm -f "$KBD_TMP" "$KBD_TMP.err"
}
