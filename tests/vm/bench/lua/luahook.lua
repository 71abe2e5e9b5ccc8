-- SPDX-License-Identifier: GPL-2.0
-- Bench case (c): a netfilter hook at LOCAL_IN that accepts every packet,
-- the Lua twin of nfnull.ko (same family, hook and priority). Run it in the
-- receiver's namespace: ip netns exec NS lunatik run bench/luahook false
local nf = require("netfilter")

nf.register{
	pf = nf.family.IPV4,
	hooknum = nf.inet_hooks.LOCAL_IN,
	priority = nf.ip_priority.FILTER,
	hook = function ()
		return nf.action.ACCEPT
	end,
}
