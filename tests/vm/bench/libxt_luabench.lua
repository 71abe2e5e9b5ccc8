-- SPDX-License-Identifier: GPL-2.0
-- The iptables side of the bench match (see lua/luabench.lua): -m luabench,
-- no options. usr/lib/xtable turns it into libxt_luabench.so.
local luaxt = require("luaxt")

luaxt.match{
	revision = 0,
	family = luaxt.family.UNSPEC,
	help = function ()
		print("luabench match takes no options (a packet-path bench)")
	end,
}
