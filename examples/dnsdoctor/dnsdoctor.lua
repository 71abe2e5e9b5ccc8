-- SPDX-License-Identifier: GPL-2.0
--
-- dnsdoctor, the xtables variant: a target that, in DNS answers going to a
-- given client, rewrites the A records of a given domain from a public
-- address to a private one, keeping the UDP/TCP checksum right.
--
--   sudo lunatik run examples/dnsdoctor/dnsdoctor false
--   sudo iptables -t mangle -A PREROUTING -p udp --sport 53 -j dnsdoctor
--
-- Defaults from config.lua (lunatik.com and names under it, client
-- 10.1.1.2, 192.168.10.1 -> 10.1.2.3); a rule may set any of them
-- (--domain, --client, --from, --to): its arguments (from
-- libxt_dnsdoctor.so, luaxt's typed encoding) are a table, {domain =
-- "lunatik.com", client = "\10\1\1\2", ...}, addresses as 4 bytes in network
-- order. The target always continues to the next rule.

local xtable = require("xtable")
local nf = require("netfilter")
local dns = require("examples.dns")
local config = require("examples.dnsdoctor.config")

-- Each rule's arguments (one table per rule) -> its configuration: built
-- when the rule is checked, not per packet, and dropped when the rule goes.
local rules = {}

local function address(userargs, key, default)
	local a = type(userargs) == "table" and userargs[key]
	if not a then
		return dns.ipv4(default)
	end
	assert(#a == 4, "--" .. key .. " must be an IPv4 address")
	return string.unpack(">I4", a)
end

local function parse(userargs)
	local domain = type(userargs) == "table" and userargs.domain or config.domain
	local rule = {
		domains = dns.domains{domain},
		client = address(userargs, "client", config.client),
		from = address(userargs, "from", config.public),
		to = address(userargs, "to", config.private),
	}
	rules[userargs] = rule
	return rule
end

local CONTINUE = nf.action.CONTINUE
local IPPROTO_TCP = 6

xtable.target{
	name = "dnsdoctor",
	revision = 0,
	family = nf.family.UNSPEC,
	proto = 0,
	hooks = 0,
	target = function (skb, par, userargs)
		local version, proto, thoff, iplimit = dns.ip(skb, 0)
		if version ~= 4 then
			return CONTINUE
		end
		local rule = rules[userargs] or parse(userargs)
		if dns.u32(skb, 16, iplimit) ~= rule.client then
			return CONTINUE
		end
		local msg, limit = dns.message(skb, proto, thoff, iplimit, dns.PORT, "src")
		local name = msg and dns.question(skb, msg, limit)
		if not name or not dns.match(name, rule.domains) then
			return CONTINUE
		end
		local csumoff = proto == IPPROTO_TCP and thoff + 16 or thoff + 6
		dns.rewritea(skb, msg, limit, rule.from, rule.to, csumoff, thoff)
		return CONTINUE
	end,
	checkentry = function (userargs)
		parse(userargs)
	end,
	destroy = function (userargs)
		rules[userargs] = nil
	end,
}
