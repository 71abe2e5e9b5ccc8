-- SPDX-License-Identifier: GPL-2.0
--
-- The case generator of fuzz-luaxt.c: returns function (seed) -> next, and
-- next() returns {src = description, actions = {{what, ...}, ...}}.
-- Descriptions are the examples' own (as written, and mutated byte by
-- byte) and random ones built from fields with odd values (types, ranges,
-- too many options, callbacks that raise, return or set anything, a
-- description registering twice or after a failed try). Actions are what
-- iptables does with a plugin: help, init, parse (option, value, invert),
-- final, blob (args as the kernel gives them back, with a luaxt header when the odd third field asks, its length field from it), print, save,
-- xlate.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local function read(path)
	local f = assert(io.open(here .. path, "rb"))
	local s = f:read("a")
	f:close()
	return s
end
local examples = {read("../../examples/dnsblock/libxt_dnsblock.lua"),
	read("../../examples/dnsdoctor/libxt_dnsdoctor.lua")}

local R = math.random
local function pick(t) return t[R(#t)] end
local function bytes(n)
	local t = {}
	for i = 1, n do t[i] = string.char(R(0, 255)) end
	return table.concat(t)
end
local function q(s) return string.format("%q", s) end

local anyvalue = {"nil", "true", "false", "0", "-1", "1", "255", "256", "math.maxinteger",
	"math.mininteger", "1.5", "'x'", "''", "{}", "print", "('x'):rep(300)", "'IPV4'",
	"setmetatable({}, {__index = function () error('index') end})"}
local function field(name, pool) return R(3) == 1 and "" or name .. " = " .. pick(pool) .. ", " end

local function option()
	return "{" .. field("name", {"'domain'", "'a'", "'x-y'", "''", "123", "false", "{}",
			q(("n"):rep(R(1, 40))), "'to'", "'from'"}) ..
		field("type", {"'string'", "'uint'", "'none'", "'float'", "1", "{}", "'STRING'"}) ..
		field("invert", {"true", "false", "1", "'x'"}) ..
		field("multi", {"true", "false", "0"}) ..
		field("required", {"true", "false"}) ..
		field("help", {"'some help'", "123", "{}", "('h'):rep(2000)"}) .. "}"
end

local userargs = {"''", "par.userargs", "(par.userargs or '') .. tostring(par.value)",
	"('x'):rep(256)", "('x'):rep(257)", "42", "{}", "nil", "'a\\0b'", "tostring(par.flags)",
	"par.option", "setmetatable({}, {__tostring = function () return 'x' end})"}
local results = {"true", "false", "nil", "1", "'x'"}
local raise = {"error('bad value')", "error()", "error({})", "error(('e'):rep(5000))",
	"error(setmetatable({}, {__tostring = function () error('again') end}))", "error(42)"}
local texts = {"nil", "''", "'text'", "123", "{}", "('y'):rep(5000)", "userargs", "'a\\0b'"}
local callbacks = {
	help = {"function () print('help text') end", "function () " .. pick(raise) .. " end",
		"function () return 1 end"},
	init = {"function (par) par.userargs = %s end", "function (par) " .. pick(raise) .. " end",
		"function (par) par.flags = %s end"},
	parse = {"function (par) par.userargs = %s; par.flags = %s; return %s end",
		"function (par) %s end", "function (par) return %s end"},
	final_check = {"function (flags, seen) if flags %% 3 == 2 then %s end end",
		"function () %s end", "function () end"},
	print = {"function (userargs, numeric) return %s end", "function () %s end"},
	save = {"function (userargs) return %s end", "function () %s end"},
	xlate = {"function (userargs) return %s end", "function () %s end"},
}
local function callback(name)
	local f = pick(callbacks[name])
	local args = {}
	for _ in f:gmatch("%%s") do
		if name == "parse" and #args == 1 then
			args[#args + 1] = pick({"nil", "1", "-1", "math.maxinteger", "'x'", "{}", "par.flags + 1"})
		elseif name == "parse" and #args == 2 then
			args[#args + 1] = pick(results)
		elseif f:find("return %s", 1, true) then
			args[#args + 1] = pick(texts)
		elseif f:find("userargs = %s", 1, true) then
			args[#args + 1] = pick(userargs)
		else
			args[#args + 1] = pick(raise)
		end
	end
	return name .. " = " .. f:format(table.unpack(args)) .. ", "
end

local function description()
	local parts = {}
	for _, name in ipairs({"help", "init", "parse", "final_check", "print", "save", "xlate"}) do
		if R(4) > 1 then parts[#parts + 1] = callback(name) end
	end
	local nopts = pick({0, 1, 2, 3, R(0, 8), 32, 33, 40})
	local opts = {}
	for i = 1, nopts do opts[i] = option() end
	local options = R(8) == 1 and "options = " .. pick(anyvalue) .. ", " or
		"options = {" .. table.concat(opts, ", ") .. "}, "
	local body = "{" .. field("revision", anyvalue) .. field("family",
		{"luaxt.family.UNSPEC", "luaxt.family.IPV4", "luaxt.family.BRIDGE", "99", "-1", "'x'"}) ..
		options .. table.concat(parts) .. "}"
	local kind = pick({"match", "target"})
	local src = "local luaxt = require('luaxt')\n"
	local shape = R(10)
	if shape == 1 then	-- a failed try, then a real one
		src = src .. "pcall(luaxt." .. kind .. ", {options = {" .. option() .. ", " .. option() ..
			", {name = false}}})\ncollectgarbage()\n"
	elseif shape == 2 then
		src = src .. "luaxt.match" .. body .. "\n"
	elseif shape == 3 then
		return src .. pick(raise) .. "\n"
	end
	return src .. "luaxt." .. kind .. body .. "\ncollectgarbage()\n"
end

local function mutate(s)
	local b = {s:byte(1, -1)}
	for _ = 1, R(1, 3) do
		b[R(#b)] = R(32, 126)
	end
	local t = {}
	for i, v in ipairs(b) do t[i] = string.char(v) end
	return table.concat(t)
end

local values = {"", "github.com", "example.com.", "4294967295", "4294967296", "-1", "0x10",
	"12abc", "10.1.2.3", "999.1.1.1", ("d"):rep(300), "a..b", "!"}
local function actions()
	local a = {{"init"}}
	for _ = 1, R(0, 6) do
		a[#a + 1] = {"parse", R(0, 40), R(4) == 1 and bytes(R(0, 40)):gsub("%z", "") or pick(values),
			R(4) == 1}
	end
	a[#a + 1] = {"final"}
	for _ = 1, R(1, 3) do
		a[#a + 1] = {pick({"print", "save", "xlate", "help"})}
	end
	a[#a + 1] = {"blob", R(2) == 1 and bytes(R(0, 300)) or pick(values), pick({0, 5, 256, 257, 65535, R(0, 300)})}
	a[#a + 1] = {pick({"print", "save", "xlate"})}
	return a
end

return function (seed)
	math.randomseed(seed)
	return function ()
		local k = R(10)
		local src = k == 1 and pick(examples) or k == 2 and mutate(pick(examples)) or description()
		return {src = src, actions = actions()}
	end
end
