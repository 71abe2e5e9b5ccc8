-- SPDX-License-Identifier: GPL-2.0
-- Bench case (d)/(e): an xtables match that never matches, so that
-- `-m luabench -j DROP` costs exactly the xtables binding's call into Lua.
-- Run non-sleepable: lunatik run bench/luabench false
local xtable = require("xtable")
local nf = require("netfilter")

xtable.match{
	name = "luabench",
	revision = 0,
	family = nf.family.UNSPEC,
	proto = 0,
	hooks = 0,
	match = function (skb, par, userargs)
		return false
	end,
}
