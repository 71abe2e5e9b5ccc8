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
-- 10.1.1.2, 192.168.10.1 -> 10.1.2.3); a rule
-- may set any of them (--domain, --client, --from, --to): its arguments
-- (from libxt_dnsdoctor.so) are "key=value" words. The target always
-- continues to the next rule.

local xtable = require("xtable")
local nf = require("netfilter")
local dns = require("examples.dns")
local config = require("examples.dnsdoctor.config")

local defaults = {domain = config.domain, client = config.client, from = config.public, to = config.private}

-- userargs -> configuration: parsed when a rule is checked, not per packet.
local rules = {}

local function parse(userargs)
	local rule = rules[userargs]
	if rule then
		return rule
	end
	local conf = {}
	for k, v in pairs(defaults) do
		conf[k] = v
	end
	for k, v in string.gmatch(userargs, "(%w+)=(%S+)") do
		assert(defaults[k], "unknown setting '" .. k .. "'")
		conf[k] = v
	end
	rule = {
		domains = dns.domains{conf.domain},
		client = dns.ipv4(conf.client),
		from = dns.ipv4(conf.from),
		to = dns.ipv4(conf.to),
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
	end,
}
