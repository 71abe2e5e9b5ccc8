-- SPDX-License-Identifier: GPL-2.0
--
-- dnsblock, the xtables variant: a match for DNS queries whose question is
-- a listed domain or under one (whole labels, any case), over IPv4 and IPv6,
-- UDP and TCP. Run it in a non-sleepable runtime, then name it in rules:
--
--   sudo lunatik run examples/dnsblock/dnsblock false
--   sudo iptables -A OUTPUT -m dnsblock -j DROP
--   sudo ip6tables -A OUTPUT -m dnsblock --domain example.com -j DROP
--
-- A rule without --domain uses the configured list (config.lua). The rule's
-- arguments (from libxt_dnsblock.so, luaxt's typed encoding) are a table:
-- domain = {"example.org", ...}, and ["!domain"] = true for ! --domain,
-- which inverts the match for DNS queries (other packets never match).

local xtable = require("xtable")
local nf = require("netfilter")
local dns = require("examples.dns")
local config = require("examples.dnsblock.config")
local locate, inset = dns.locate, dns.inset	-- per packet: no lookup in dns

-- Each rule's arguments (one table per rule) -> {set =, invert =}: built
-- when the rule is checked, not per packet, and dropped when the rule goes.
local rules = {}

local function parse(userargs)
	local list, invert = {}, false
	-- Another plugin's arguments (a string) use the configured list.
	if type(userargs) == "table" then
		for _, d in ipairs(userargs.domain or {}) do
			assert(#d <= 253 and string.match(d, "^[%w%-_%.]+$"), "invalid domain '" .. d .. "'")
			list[#list + 1] = d
		end
		invert = userargs["!domain"] == true
	end
	local rule = {set = dns.domains(#list > 0 and list or config.domains), invert = invert}
	rules[userargs] = rule
	return rule
end

xtable.match{
	name = "dnsblock",
	revision = 0,
	family = nf.family.UNSPEC,
	proto = 0,
	hooks = 0,
	match = function (skb, par, userargs)
		local msg, limit = locate(skb, 0, "dst")
		if not msg then
			return false
		end
		-- A rule kept across a restart of this script was never checked here.
		local rule = rules[userargs] or parse(userargs)
		local found = inset(skb, msg, limit, rule.set)
		if found == nil then
			return false	-- a question too malformed to read
		end
		return found ~= rule.invert
	end,
	checkentry = function (userargs)
		parse(userargs)
	end,
	destroy = function (userargs)
		rules[userargs] = nil
	end,
}
