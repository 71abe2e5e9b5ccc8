-- SPDX-License-Identifier: GPL-2.0
-- The iptables side of dnsdoctor (see dnsdoctor.lua):
-- -j dnsdoctor [--domain NAME] [--client IP] [--from IP] [--to IP]
local luaxt = require("luaxt")

local order = {"domain", "client", "from", "to"}

local function settings(userargs)
	local s = {}
	for k, v in userargs:gmatch("(%w+)=(%S+)") do
		s[k] = v
	end
	return s
end

local function ipv4(s)
	local a, b, c, d = s:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
	for _, x in ipairs{a, b, c, d} do
		if tonumber(x) > 255 then
			return nil
		end
	end
	return a and s
end

local function show(userargs, prefix)
	local s, out = settings(userargs), {}
	for _, k in ipairs(order) do
		if s[k] then
			out[#out + 1] = prefix .. k .. (prefix == "--" and " " or ":") .. s[k]
		end
	end
	return table.concat(out, " ")
end

luaxt.target{
	revision = 0,
	family = luaxt.family.UNSPEC,
	options = {
		{name = "domain", help = "the domain whose answers are rewritten (lunatik.com)"},
		{name = "client", help = "the client whose answers are rewritten (10.1.1.2)"},
		{name = "from", help = "the public address to replace (192.168.10.1)"},
		{name = "to", help = "the private address to put instead (10.1.2.3)"},
	},
	help = function ()
		print("dnsdoctor target options:")
	end,
	init = function (par)
		par.userargs = ""
	end,
	parse = function (par)
		local v = par.value
		if par.option == "domain" then
			v = v:lower():gsub("%.$", "")
			if #v == 0 or #v > 253 or not v:match("^[%w%-_%.]+$") then
				error("invalid domain '" .. par.value .. "'", 0)
			end
		elseif not ipv4(v) then
			error("--" .. par.option .. ": invalid IPv4 address '" .. v .. "'", 0)
		end
		par.userargs = par.userargs .. (par.userargs == "" and "" or " ") .. par.option .. "=" .. v
		return true
	end,
	print = function (userargs)
		return show(userargs, "")
	end,
	save = function (userargs)
		return show(userargs, "--")
	end,
	-- nft cannot express it: the nft-lua form of the same rule (see nft/)
	xlate = function (userargs)
		local args = show(userargs, "--")
		return "dnsdoctor" .. (args ~= "" and " " .. args or "")
	end,
}
