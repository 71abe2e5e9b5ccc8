-- SPDX-License-Identifier: GPL-2.0
-- The iptables side of dnsblock (see dnsblock.lua): -m dnsblock [[!] --domain NAME]...
local luaxt = require("luaxt")

local function domains(userargs)
	local invert = userargs:sub(1, 1) == "!"
	local list = {}
	for d in (invert and userargs:sub(2) or userargs):gmatch("%S+") do
		list[#list + 1] = d
	end
	return list, invert
end

local function save(userargs)
	local list, invert = domains(userargs)
	local out = {}
	for i, d in ipairs(list) do
		out[i] = (invert and i == 1 and "! " or "") .. "--domain " .. d
	end
	return table.concat(out, " ")
end

luaxt.match{
	revision = 0,
	family = luaxt.family.UNSPEC,
	options = {
		{name = "domain", type = "string", multi = true, invert = true,
		 help = "match DNS queries for this domain or under it (repeatable;\n\t\t\tdefault: the script's list, github.com and gitlab.com)"},
	},
	help = function ()
		print("dnsblock match options:")
	end,
	init = function (par)
		par.userargs = ""
	end,
	parse = function (par)
		local d = par.value:lower():gsub("%.$", "")
		if #d == 0 or #d > 253 or not d:match("^[%w%-_%.]+$") or d:find("..", 1, true) then
			error("invalid domain '" .. par.value .. "'", 0)
		end
		local list, invert = domains(par.userargs)
		if #list > 0 and invert ~= par.invert then
			error("! applies to every --domain of a rule or to none", 0)
		end
		list[#list + 1] = d
		par.userargs = (par.invert and "!" or "") .. table.concat(list, " ")
		return true
	end,
	print = function (userargs)
		local list, invert = domains(userargs)
		if #list > 0 then
			return (invert and "! " or "") .. "domains " .. table.concat(list, ",")
		end
	end,
	save = save,
	-- nft cannot express it: the nft-lua form of the same rule (see nft/)
	xlate = function (userargs)
		local args = save(userargs)
		return "dnsblock" .. (args ~= "" and " " .. args or "")
	end,
}
