#!/bin/bash
# The par table of xtables callbacks: its fields during a packet (IPv4 and
# IPv6, filter OUTPUT), pairs(), the script's own keys, hotdrop dropping
# the packet, read-only fields raising, and a par kept past its packet
# showing no packet. Rules count what the match or target said; the test
# scripts borrow the example plugins' names (--domain passes a word).
# vm-timeout: 240
set -euo pipefail
. ./testlib.bash

t_cleanup() {
	for t in iptables-legacy iptables-nft ip6tables-legacy ip6tables-nft; do
		$t -F OUTPUT 2>/dev/null || true
	done
	cleanup
}
trap t_cleanup EXIT
lunatik load

put_script xt_par <<'EOT'
local xtable = require("xtable")
local nf = require("netfilter")
local kept

local function fields(par, family, thoff)
	local n = 0
	for k, v in pairs(par) do
		if par[k] ~= v then return false end
		if k ~= "mine" then n = n + 1 end	-- "own" below keeps its key in par
	end
	local ok = n == 5 and par.thoff == thoff and par.fragoff == 0 and par.hotdrop == false and
		par.hooknum == nf.inet_hooks.LOCAL_OUT and par.family == family and par.nosuch == nil
	if not ok then	-- the log shows what differs
		error(string.format("fields: n=%d thoff=%s fragoff=%s hotdrop=%s hooknum=%s family=%s",
			n, par.thoff, par.fragoff, par.hotdrop, par.hooknum, par.family))
	end
	return ok
end

xtable.match{name = "dnsblock", revision = 0, match = function (skb, par, userargs)
	kept = par
	-- libxt_dnsblock's typed arguments: {domain = {NAME}}
	local args = userargs.domain and userargs.domain[1]
	if args == "fields4" then
		return fields(par, nf.family.IPV4, 20)
	elseif args == "fields6" then
		return fields(par, nf.family.IPV6, 40)
	elseif args == "own" then
		par.mine = (par.mine or 0) + 1
		return rawget(par, "mine") == par.mine and rawget(par, "thoff") == nil
	elseif args == "hotdrop" then
		par.hotdrop = true
		return par.hotdrop
	elseif args == "readonly" then
		par.thoff = 1
		return true
	end
	return false
end}

-- Runs after the match's packet is over: kept must show no packet.
xtable.target{name = "dnsdoctor", revision = 0, target = function (skb, par, args)
	if kept and kept ~= par and kept.thoff == nil and kept.hotdrop == nil and
	   not pcall(function () kept.hotdrop = true end) then
		return nf.action.DROP
	end
	return nf.action.CONTINUE
end}
EOT
lunatik run xt_par false

# send4/send6: three UDP datagrams to the discard port over lo.
send4() { for _ in 1 2 3; do echo x | socat -u - UDP:127.0.0.1:9 2>/dev/null || true; done; }
send6() { for _ in 1 2 3; do echo x | socat -u - UDP6:[::1]:9 2>/dev/null || true; done; }
# add ARGS...: an OUTPUT rule for those datagrams, with $ipt.
add() { $ipt -A OUTPUT -o lo -p udp --dport 9 "$@"; }
# count CMD N: packets of OUTPUT rule N.
count() { $1 -L OUTPUT -v -n -x | awk -v n="$2" 'NR == n + 2 { print $1 }'; }

for b in legacy nft; do
	for v in 4 6; do
		if [ $v = 4 ]; then ipt=iptables-$b send=send4; else ipt=ip6tables-$b send=send6; fi
		add -m dnsblock --domain fields$v -j ACCEPT
		$send
		expect "$b IPv$v: thoff, fragoff, hooknum, family, hotdrop and pairs" 3 "$(count $ipt 1)"
		$ipt -F OUTPUT
	done
	ipt=iptables-$b

	add -m dnsblock --domain own -j ACCEPT
	send4
	expect "$b: the script's own keys are kept in par" 3 "$(count $ipt 1)"
	$ipt -F OUTPUT

	# hotdrop drops at once: the rule after it never sees the packet (the
	# match's own rule has no target, and counts under legacy only: nft
	# stops the rule before its counter)
	add -m dnsblock --domain hotdrop
	add -j ACCEPT
	send4
	expect "$b: hotdrop drops the packet" 0 "$(count $ipt 2)"
	$ipt -F OUTPUT

	add -m dnsblock --domain readonly -j ACCEPT
	send4
	expect "$b: writing a read-only field fails the match" 0 "$(count $ipt 1)"
	$ipt -F OUTPUT

	# the match keeps par (no target: the rule only counts), the target looks at it
	add -m dnsblock --domain own
	add -j dnsdoctor
	add -j ACCEPT
	send4
	expect "$b: a kept par shows no packet" "3 3 0" "$(count $ipt 1) $(count $ipt 2) $(count $ipt 3)"
	$ipt -F OUTPUT
done
log=$(dmesg)
grep -q "xtable dnsblock: .*par.thoff is read-only" <<<"$log" || { echo "FAIL the read-only error is not logged"; exit 1; }
echo "ok   the read-only error is logged"
lunatik stop xt_par
kernel_clean
