-- SPDX-License-Identifier: GPL-2.0
-- The iptables side of dnsblock (see dnsblock.lua): -m dnsblock [[!] --domain NAME]...
-- Typed arguments: the kernel script gets {domain = {"example.org", ...}}
-- and ["!domain"] = true for ! --domain.
local luaxt = require("luaxt")

luaxt.match{
	revision = 0,
	family = luaxt.family.UNSPEC,
	encoding = "typed",
	options = {
		{name = "domain", type = "string", max = 253, multi = true, invert = true, metavar = "name",
		 help = "DNS queries for this domain or a name under it (repeatable;\n" ..
			"default: the script's list, github.com and gitlab.com)"},
	},
	help = function ()
		print("dnsblock match options:")
	end,
	-- Names are kept as DNS compares them: lower case, no final dot.
	parse = function (par)
		local d = par.value:lower():gsub("%.$", "")
		if #d == 0 or not d:match("^[%w%-_%.]+$") or d:find("..", 1, true) then
			error("invalid domain '" .. par.value .. "'", 0)
		end
		local list = par.userargs.domain
		list[#list] = d
	end,
	print = function (userargs)
		if userargs.domain then
			return (userargs["!domain"] and "! " or "") .. "domains " .. table.concat(userargs.domain, ",")
		end
	end,
	-- save: luaxt's own, "[!] --domain NAME" per name. No xlate: nft has no
	-- DNS match, so iptables-translate prints the rule as a comment.
}
