-- SPDX-License-Identifier: GPL-2.0
-- Bench case (i): the Lua XDP callback that xdp_lua.o calls for every
-- frame, returning PASS. lunatik run bench/xdp false
local xdp = require("xdp")
local PASS = xdp.action.PASS

xdp.attach(function ()
	return PASS
end)
