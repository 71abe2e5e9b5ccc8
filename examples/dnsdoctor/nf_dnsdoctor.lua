-- SPDX-License-Identifier: GPL-2.0
--
-- dnsdoctor on a native netfilter hook: DNS doctoring. Answers (UDP source
-- port 53) going to the configured client about the configured domain get
-- their A records of the public address rewritten to the private one, and
-- the UDP checksum fixed, so the client reaches the server by its private
-- address (examples/dnsdoctor/config.lua).
--
--   examples/dnsdoctor/setup.sh
--   sudo lunatik run examples/dnsdoctor/nf_dnsdoctor false
--
-- Every packet is accepted: the hook only rewrites answers it can read
-- whole; a malformed answer is passed on unchanged (records before the
-- point where it goes wrong may have been rewritten).
--
-- Counters: every log line says how many answers were rewritten so far (the
-- kernel keeps at most 10 lines per 5 s of a packet hook's print, then says
-- "callbacks suppressed"), stopping the script logs the totals, and the
-- function the script returns gives them to runtime:resume():
--
--   rt = lunatik.runtime("examples/dnsdoctor/nf_dnsdoctor", false)
--   print(rt:resume())		-- rewritten answers, rewritten records
local nf = require("netfilter")
local dns = require("examples.dns")
local config = require("examples.dnsdoctor.config")

local domains = dns.domains({config.domain})
local client = dns.ipv4(config.client)
local public = dns.ipv4(config.public)
local private = dns.ipv4(config.private)
local ACCEPT = nf.action.ACCEPT

-- The totals go to the log when the script stops (its state closes).
local count = setmetatable({answers = 0, records = 0}, {__gc = function (c)
	print("dnsdoctor: stopped after rewriting " .. c.answers .. " answers (" ..
		c.records .. " records)")
end})

local function hook(packet)
	-- IPv4 to the client only: version 4 and the destination address.
	if #packet < 20 or packet:getbyte(0) >> 4 ~= 4 or dns.u32(packet, 16, #packet) ~= client then
		return ACCEPT
	end
	local msg, limit, _, proto, thoff = dns.locate(packet, 0, "src")
	if not msg or proto ~= 17 then
		return ACCEPT
	end
	local _, flags = dns.header(packet, msg, limit)
	if not flags or not dns.isresponse(flags) then
		return ACCEPT
	end
	local name = dns.question(packet, msg, limit)
	if not name or not dns.match(name, domains) then
		return ACCEPT
	end
	local n = dns.rewritea(packet, msg, limit, public, private, thoff + 6, thoff)
	if n > 0 then
		count.answers = count.answers + 1
		count.records = count.records + n
		print(string.format("dnsdoctor: %s %s -> %s for %s (%d records), %d answers so far",
			name, config.public, config.private, config.client, n, count.answers))
	end
	return ACCEPT
end

-- PRE_ROUTING at mangle priority: answers as they come in, the data at the IP header.
nf.register{
	hook = hook,
	pf = nf.family.INET,
	hooknum = nf.inet_hooks.PRE_ROUTING,
	priority = nf.ip_priority.MANGLE + 1,
	writable = true,
}

return function ()
	return count.answers, count.records
end
