-- SPDX-License-Identifier: GPL-2.0
--
-- dnsblock on a native netfilter hook: drops outgoing DNS queries (UDP and
-- TCP port 53, IPv4 and IPv6) whose question is one of the configured
-- domains or under one (examples/dnsblock/config.lua).
--
--   sudo lunatik run examples/dnsblock/nf_dnsblock false
--
-- Packets that are not DNS queries, and queries too malformed to read, are
-- accepted: the blocker decides on names it can read, the server rejects
-- the rest.
local nf = require("netfilter")
local dns = require("examples.dns")
local config = require("examples.dnsblock.config")

local blocked = dns.domains(config.domains)
local ACCEPT, DROP = nf.action.ACCEPT, nf.action.DROP

local function hook(packet)
	local msg, limit = dns.locate(packet, 0, "dst")
	if not msg then
		return ACCEPT
	end
	local name = dns.question(packet, msg, limit)
	local domain = name and dns.match(name, blocked)
	if not domain then
		return ACCEPT
	end
	print("dnsblock: query for " .. name .. " blocked (" .. domain .. ")")
	return DROP
end

-- LOCAL_OUT: the data starts at the IP header; INET covers IPv4 and IPv6.
nf.register{
	hook = hook,
	pf = nf.family.INET,
	hooknum = nf.inet_hooks.LOCAL_OUT,
	priority = nf.ip_priority.FILTER,
}
