#!/bin/bash
# The rule blob: Lunatik's layout (264 bytes, 256 of arguments at offset 0,
# then the kernel's word) with a C plugin written against it
# (tests/xt/libxt_lunacompat.c: a plain-string blob, as Lunatik's plugins
# write): its rules load, match on their arguments, show in iptables-save
# without the kernel's word, and iptables -D finds them by their arguments.
# Then luaxt's typed encoding (tests/xt/libxt_xttypes.lua, an option of
# every type): the kernel script gets the parsed values as a Lua table,
# with iptables and ip6tables, legacy and nft.
# vm-timeout: 300
set -euo pipefail
. ./testlib.bash

export XTABLES_LIBDIR=/root/lunatik/tests/xt:/usr/lib/x86_64-linux-gnu/xtables
t_cleanup() {
	for t in iptables-legacy iptables-nft ip6tables-legacy ip6tables-nft; do
		$t -F OUTPUT 2>/dev/null || true
	done
	cleanup
}
trap t_cleanup EXIT
[ -f /root/lunatik/tests/xt/libxt_lunacompat.so ] || { echo "FAIL no test plugins"; exit 1; }

put_script xt_compat <<'EOT'
-- Lunatik's contract: userargs is the 256 bytes the plugin wrote.
require("xtable").match{name = "lunacompat", revision = 0,
	checkentry = function (userargs)
		assert(type(userargs) == "string" and #userargs == 256, "not 256 bytes")
		print("lunacompat: checked '" .. userargs:gsub("%z+$", "") .. "'")
	end,
	match = function (skb, par, userargs)
		return userargs:sub(1, 8) == "drop-me\0"
	end}
EOT
lunatik run xt_compat false

send() { for _ in 1 2 3; do echo x | socat -u - UDP:127.0.0.1:9 2>/dev/null || true; done; }
count() { $1 -L OUTPUT -v -n -x | awk -v n="$2" 'NR == n + 2 { print $1 }'; }
for b in legacy nft; do
	ipt=iptables-$b
	$ipt -A OUTPUT -o lo -p udp --dport 9 -m lunacompat --text other -j DROP
	$ipt -A OUTPUT -o lo -p udp --dport 9 -m lunacompat --text drop-me -j DROP
	$ipt -A OUTPUT -o lo -p udp --dport 9 -m lunacompat --text "a b" -j DROP
	send
	expect "$b: a Lunatik-layout rule matches on its arguments" "0 3 0" \
		"$(count $ipt 1) $(count $ipt 2) $(count $ipt 3)"
	saved=$($ipt-save | grep lunacompat)
	expect "$b: iptables-save shows the arguments, not the kernel's word" \
"-A OUTPUT -o lo -p udp -m udp --dport 9 -m lunacompat --text other -j DROP
-A OUTPUT -o lo -p udp -m udp --dport 9 -m lunacompat --text drop-me -j DROP
-A OUTPUT -o lo -p udp -m udp --dport 9 -m lunacompat --text \"a b\" -j DROP" "$saved"
	$ipt -D OUTPUT -o lo -p udp --dport 9 -m lunacompat --text drop-me -j DROP
	expect "$b: -D by specification" "other|a b" \
		"$($ipt-save | sed -n 's/.*--text "\{0,1\}\([^"]*\)"\{0,1\} -j DROP/\1/p' | paste -sd'|')"
	expect_fail "$b: -D of arguments no rule has" "." \
		$ipt -D OUTPUT -o lo -p udp --dport 9 -m lunacompat --text drop -j DROP
	printf '*filter\n%s\nCOMMIT\n' "$($ipt-save | grep -- '-A OUTPUT')" >/tmp/vmt66.rules
	$ipt -F OUTPUT
	$ipt-restore </tmp/vmt66.rules
	expect "$b: save and restore" 2 "$($ipt-save | grep -c lunacompat)"
	$ipt -F OUTPUT
done
grep -q "lunacompat: checked 'drop-me'" <<<"$(dmesg)"
echo "ok   checkentry got the 256 bytes"
lunatik stop xt_compat

# Typed arguments: the script logs what it gets, keys sorted, addresses in hex.
put_script xt_types <<'EOT'
local function show(v)
	if type(v) == "table" then
		local out = {}
		for _, x in ipairs(v) do out[#out + 1] = show(x) end
		return "{" .. table.concat(out, ",") .. "}"
	elseif type(v) == "string" and (#v == 4 or #v == 16) and v:find("[%z\1-\31]") then
		return (v:gsub(".", function (c) return string.format("%02x", c:byte()) end))
	end
	return tostring(v)
end
require("xtable").match{name = "xttypes", revision = 0,
	checkentry = function (userargs)
		local keys = {}
		for k in pairs(userargs) do keys[#keys + 1] = k end
		table.sort(keys)
		for i, k in ipairs(keys) do keys[i] = k .. "=" .. show(userargs[k]) end
		print("xttypes: " .. table.concat(keys, " "))
	end,
	match = function (skb, par, userargs)
		return userargs.flag == true
	end}
EOT
lunatik run xt_types false
all='--u8 7 ! --u16 300 --u32 70000 --u64 18446744073709551615 ! --str s --host 10.1.2.3 --onehost 10.0.0.2 --port 53 --ports 1000:2000 --tag x --tag y --on --dep 9'
want="!str=true !u16=true dep=9 host=0a010203 on=true onehost=0a000002 port=53 ports={1000,2000} str=s tag={x,y} u16=300 u32=70000 u64=-1 u8=7"
for b in legacy nft; do
	ipt=iptables-$b
	dmesg -c >/dev/null
	# given in another order than the options': save shows them in the options' order
	$ipt -A OUTPUT -m xttypes --dep 9 --tag x --tag y --u8 7 ! --str s ! --u16 300 --u32 70000 \
		--u64 18446744073709551615 --host 10.1.2.3 --onehost 10.0.0.2 --ports 1000:2000 --port 53 --on
	expect "$b: the kernel script gets typed values" "xttypes: $want" \
		"$(dmesg | grep -o 'xttypes: .*' | head -1)"
	expect "$b: save" "-A OUTPUT -m xttypes $all" "$($ipt-save | grep xttypes)"
	$ipt -F OUTPUT
	dmesg -c >/dev/null
	ip6tables-$b -A OUTPUT -m xttypes --host ::1 --onehost fd00::2
	expect "$b: ip6tables: addresses of 16 bytes" \
		"xttypes: host=00000000000000000000000000000001 onehost=fd000000000000000000000000000002" \
		"$(dmesg | grep -o 'xttypes: .*' | head -1)"
	ip6tables-$b -F OUTPUT
	# The values decide: --flag matches.
	$ipt -A OUTPUT -o lo -p udp --dport 9 -m xttypes --flag
	$ipt -A OUTPUT -o lo -p udp --dport 9 -m xttypes --u8 1
	send
	expect "$b: the match reads userargs.flag" "3 0" "$(count $ipt 1) $(count $ipt 2)"
	$ipt -F OUTPUT
done
lunatik stop xt_types
lunatik unload
kernel_clean
