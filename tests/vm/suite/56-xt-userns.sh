#!/bin/bash
# A user namespace (any user may unshare -Urn) cannot put root's Lua
# extensions in its rules: iptables-legacy and iptables-nft are refused
# (EPERM, a kernel log line) and the script's checkentry never runs on the
# user's arguments, unless the extension sets userns = true. Root's rules
# are unaffected, and root's native hooks never see the user's packets.
# vm-timeout: 180
set -euo pipefail
. ./testlib.bash

userns_cleanup() {
	for t in iptables-legacy iptables-nft; do
		$t -F OUTPUT 2>/dev/null || true
	done
	rm -f /tmp/vmt-userns.lock
	cleanup
}
trap userns_cleanup EXIT

[ "$(cat /proc/sys/kernel/unprivileged_userns_clone 2>/dev/null || echo 1)" = 1 ] ||
	{ echo "FAIL unprivileged user namespaces are disabled"; exit 1; }
# as_user CMD: CMD as uid 1000 in a new user and network namespace, root there.
as_user() {
	setpriv --reuid=1000 --regid=1000 --clear-groups \
		env XTABLES_LOCKFILE=/tmp/vmt-userns.lock unshare -Urn sh -c "$1"
}
expect "tester is root in its namespace" 0 "$(as_user 'id -u')"

lunatik load
put_script xt_userns <<'EOT'
local xtable = require("xtable")
xtable.match{name = "dnsblock", revision = 0,
	match = function () return false end,
	checkentry = function (args)	-- libxt_dnsblock's typed arguments
		print("xt_userns checkentry '" .. table.concat(args.domain or {}, ",") .. "'") end}
EOT
lunatik run xt_userns false

for b in legacy nft; do
	iptables-$b -A OUTPUT -m dnsblock --domain root.example -j DROP
	expect "$b: root's rule is accepted" 1 "$(iptables-$b -S OUTPUT | grep -c 'root.example')"
	expect_fail "$b: a user namespace's rule is refused" "Operation not permitted|Permission denied" \
		as_user "iptables-$b -A OUTPUT -m dnsblock --domain user-$b.example -j DROP"
	expect "$b: root's rule stays" 1 "$(iptables-$b -S OUTPUT | grep -c 'root.example')"
done
log=$(dmesg)
grep -q 'dnsblock: refused a rule from a user namespace (the extension does not set userns = true)' <<<"$log" ||
	{ echo "FAIL the refusal is not logged"; exit 1; }
echo "ok   the refusal is logged"
expect "checkentry never ran on the user's arguments" 0 "$(grep -c "checkentry 'user-" <<<"$log" || true)"
expect "checkentry ran on root's" 2 "$(grep -c "checkentry 'root.example" <<<"$log" || true)"
lunatik stop xt_userns

put_script xt_userns <<'EOT'
require("xtable").match{name = "dnsblock", userns = 1, match = print}
EOT
expect_fail "userns must be a boolean" "'userns' must be a boolean" lunatik run xt_userns false

# The opt-in: such rules are accepted (and their namespace's end destroys them).
put_script xt_userns <<'EOT'
local xtable = require("xtable")
xtable.match{name = "dnsblock", revision = 0, userns = true,
	match = function () return false end,
	checkentry = function (args)	-- libxt_dnsblock's typed arguments
		print("xt_userns checkentry '" .. table.concat(args.domain or {}, ",") .. "'") end}
EOT
lunatik run xt_userns false
for b in legacy nft; do
	out=$(as_user "iptables-$b -A OUTPUT -m dnsblock --domain user-$b.example -j DROP &&
		iptables-$b -S OUTPUT" 2>&1) || { echo "FAIL $b: opted-in rule refused: $out"; exit 1; }
	expect "$b: with userns = true the user's rule is accepted" 1 "$(grep -c "user-$b.example" <<<"$out")"
	expect "$b: root's rule still there" 1 "$(iptables-$b -S OUTPUT | grep -c 'root.example')"
	expect "$b: checkentry ran on it" 1 "$(dmesg | grep -c "checkentry 'user-$b.example" || true)"
done
lunatik stop xt_userns
for b in legacy nft; do iptables-$b -F OUTPUT; done

# Native hooks live in the namespace that registered them: a user's own
# network namespace never reaches root's hook.
put_script nf_userns <<'EOT'
local nf = require("netfilter")
nf.register{pf = nf.family.IPV4, hooknum = nf.inet_hooks.LOCAL_OUT,
	priority = nf.ip_priority.FILTER,
	hook = function (skb)
		-- UDP to port 9997 only
		if #skb >= 24 and skb:getbyte(9) == 17 and skb:getbyte(22) * 256 + skb:getbyte(23) == 9997 then
			print("nf_userns saw " .. skb:getbyte(16) .. "." .. skb:getbyte(19))
		end
		return nf.action.ACCEPT
	end}
EOT
lunatik run nf_userns false
as_user 'ip link set lo up && echo x | socat -u - UDP:127.0.0.2:9997' || true
echo x | socat -u - UDP:127.0.0.3:9997 2>/dev/null || true
expect "root's hook sees root's packet" 1 "$(dmesg | grep -c 'nf_userns saw 127.3' || true)"
expect "root's hook never sees the user's" 0 "$(dmesg | grep -c 'nf_userns saw 127.2' || true)"
lunatik stop nf_userns
kernel_clean
