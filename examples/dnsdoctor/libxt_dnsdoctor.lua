-- SPDX-License-Identifier: GPL-2.0
-- The iptables side of dnsdoctor (see dnsdoctor.lua):
-- -j dnsdoctor [--domain NAME] [--client IP] [--from IP] [--to IP]
-- Typed arguments: the kernel script gets {domain = "lunatik.com",
-- client = "\10\1\1\2", ...}, addresses as 4 bytes in network order.
local luaxt = require("luaxt")

luaxt.target{
	revision = 0,
	family = luaxt.family.UNSPEC,
	encoding = "typed",
	options = {
		{name = "domain", type = "string", max = 253, metavar = "name",
		 help = "the domain whose answers are rewritten (lunatik.com)"},
		{name = "client", type = "host", help = "the client whose answers are rewritten (10.1.1.2)"},
		{name = "from", type = "host", help = "the public address to replace (192.168.10.1)"},
		{name = "to", type = "host", help = "the private address to put instead (10.1.2.3)"},
	},
	help = function ()
		print("dnsdoctor target options:")
	end,
	parse = function (par)
		if par.option == "domain" then
			local d = par.value:lower():gsub("%.$", "")
			if #d == 0 or not d:match("^[%w%-_%.]+$") or d:find("..", 1, true) then
				error("invalid domain '" .. par.value .. "'", 0)
			end
			par.userargs.domain = d
		elseif #par.value ~= 4 then
			error("--" .. par.option .. ": dnsdoctor rewrites IPv4 answers only", 0)
		end
	end,
	-- print and save: luaxt's own ("domain x client 10.1.1.2", "--domain x ...").
	-- No xlate: nft cannot rewrite DNS answers.
}
