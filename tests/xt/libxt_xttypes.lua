-- SPDX-License-Identifier: GPL-2.0
-- A test extension with an option of every type luaxt offers, and its
-- flags: the VM tests (66) and its iptables .t file (libxt_xttypes.t) use
-- it. Its kernel script (66-xt-types.sh) logs the values it is given.
local luaxt = require("luaxt")

luaxt.match{
	revision = 0,
	family = luaxt.family.UNSPEC,
	encoding = "typed",
	options = {
		{name = "u8", type = "uint8", min = 1, max = 200, help = "1 to 200"},
		{name = "u16", type = "uint16", invert = true},
		{name = "u32", type = "uint32"},
		{name = "u64", type = "uint64"},
		{name = "str", type = "string", max = 10, invert = true, help = "at most 10 characters"},
		{name = "host", type = "host"},
		{name = "onehost", type = "onehost"},
		{name = "port", type = "port", invert = true},
		{name = "ports", type = "portrc"},
		{name = "flag", type = "none"},
		{name = "tag", type = "string", multi = true, help = "repeatable"},
		{name = "on", type = "none", excl = {"off"}},
		{name = "off", type = "none"},
		{name = "dep", type = "uint8", also = {"u8"}, help = "needs --u8"},
	},
	help = function ()
		print("xttypes match options:")
	end,
}
