-- Usage: lua5.4 embed.lua libxt_<name>.lua > out.h
-- Writes the description as a C array, so the plugin carries it.
local path = assert(arg[1], "usage: embed.lua FILE")
local f = assert(io.open(path, "rb"))
local src = f:read("a")
f:close()
-- Fail at build time, not in iptables, with Lua's message and the line.
local ok, err = load(src, "=" .. path:match("[^/]*$"))
if not ok then
	io.stderr:write(err, "\n")
	os.exit(1)
end
local out = {"/* generated from " .. path:match("[^/]*$") .. " by luaxt/embed.lua */\n",
	"static const char luaxt_script[] = {\n"}
for i = 1, #src, 16 do
	local line = {}
	for j = i, math.min(i + 15, #src) do
		line[#line + 1] = string.format("0x%02x,", src:byte(j))
	end
	out[#out + 1] = "\t" .. table.concat(line, " ") .. "\n"
end
out[#out + 1] = "\t0x00\n};\n#line 1 \"luaxt.c\"\n"
io.write(table.concat(out))
