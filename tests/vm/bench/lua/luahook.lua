-- SPDX-License-Identifier: GPL-2.0
-- Bench case (c): netfilter hooks at LOCAL_IN that accept every packet,
-- the Lua twin of nfnull.ko (same family, hook and priority), as many as
-- bench/calls.lua says (the bench writes it). Run it in the receiver's
-- namespace: ip netns exec NS lunatik run bench/luahook false
local nf = require("netfilter")
local calls = require("bench.calls")

local function accept()
	return nf.action.ACCEPT
end

for _ = 1, calls do
	nf.register{
		pf = nf.family.IPV4,
		hooknum = nf.inet_hooks.LOCAL_IN,
		priority = nf.ip_priority.FILTER,
		hook = accept,
	}
end
