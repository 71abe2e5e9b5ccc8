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
--
-- Counters: every log line says how many queries were blocked so far (the
-- kernel keeps at most 10 lines per 5 s of a packet hook's print, then says
-- "callbacks suppressed"), stopping the script logs the total, and the
-- function the script returns gives it to runtime:resume():
--
--   rt = lunatik.runtime("examples/dnsblock/nf_dnsblock", false)
--   print(rt:resume())		-- blocked queries
local nf = require("netfilter")
local dns = require("examples.dns")
local config = require("examples.dnsblock.config")

local blocked = dns.domains(config.domains)
local ACCEPT, DROP = nf.action.ACCEPT, nf.action.DROP
local locate, inset = dns.locate, dns.inset	-- per packet: no lookup in dns

-- The total goes to the log when the script stops (its state closes).
local count = setmetatable({blocked = 0}, {__gc = function (c)
	print("dnsblock: stopped after blocking " .. c.blocked .. " queries")
end})

local function hook(packet)
	local msg, limit = locate(packet, 0, "dst")
	if not msg then
		return ACCEPT
	end
	if not inset(packet, msg, limit, blocked) then
		return ACCEPT
	end
	-- Blocked: the name and the domain, for the log.
	local name = dns.qname(packet, msg, limit)
	local domain = dns.match(name, blocked)
	count.blocked = count.blocked + 1
	print("dnsblock: query for " .. name .. " blocked (" .. domain .. "), " ..
		count.blocked .. " so far")
	return DROP
end

-- LOCAL_OUT: the data starts at the IP header; INET covers IPv4 and IPv6.
nf.register{
	hook = hook,
	pf = nf.family.INET,
	hooknum = nf.inet_hooks.LOCAL_OUT,
	priority = nf.ip_priority.FILTER,
}

return function ()
	return count.blocked
end
