#!/bin/bash
# require("set") (Lunatik's API, plus nocase) and data:getname (DNS names in
# wire form, read in one call), in a sleepable and a non-sleepable runtime;
# and the data methods' quick type check: another object, or another
# userdata given data's metatable, is refused, never read as data.
set -euo pipefail
. ./testlib.bash
install_testlib

put_script test_setname <<'EOF'
local set = require("set")
local data = require("data")
local testlib = require("testlib")
local raises, eq = testlib.raises, testlib.eq

-- set.new: exact membership, any order, duplicates kept
local s = set.new({"delta", "alpha", "charlie", "bravo", "alpha"})
eq(#s, 5, "#s")
eq(s:has("charlie"), true, "has charlie")
eq(s:has("alph"), false, "no prefix")
eq(s:has("alphaa"), false, "no extension")
eq(s:has(""), false, "no empty")
eq(s:has("Alpha"), false, "case counts by default")
eq(#set.new({}), 0, "empty set")
eq(set.new({""}):has(""), true, "the empty string as a member")
raises("members must be strings", set.new, {"ok", 42})
raises("table expected", set.new, "x")
local ci = set.new({"GitHub.com"}, true)
eq(ci:has("github.COM"), true, "nocase has")

-- set.labeled: the OR of the labels of the key and its suffixes after a dot
local l = set.labeled({["a.b.c"] = 1, ["b.c"] = 2, c = 4})
eq(l:match("a.b.c"), 7, "all levels")
eq(l:match("x.a.b.c"), 7, "deeper")
eq(l:match("b.c"), 6, "b.c and c")
eq(l:match("zb.c"), 4, "label boundary: zb.c is not under b.c")
eq(l:match("nope"), 0, "none")
eq(l:match(""), 0, "empty key")
eq(#l, 3, "#l")
raises("labels must be integers", set.labeled, {a = 0})
raises("labels must be integers", set.labeled, {a = "x"})
raises("labels must be integers", set.labeled, {a = 1 << 32})
raises("members must be strings", set.labeled, {[1] = 1})
eq(l.has, nil, "no has on a labeled set")

-- nocase: DNS's comparison; members equal once folded have their labels ORed
local d = set.labeled({["github.com"] = 1, ["GitLab.COM"] = 2, ["GITHUB.com"] = 4}, true)
eq(#d, 2, "folded duplicates merged")
eq(d:match("api.GitHub.Com"), 5, "nocase, ORed labels")
eq(d:match("gitlab.com"), 2, "gitlab")
eq(d:match("notgithub.com"), 0, "notgithub.com is not under github.com")
eq(d:match("github.com.evil"), 0, "not a suffix")
raises("set", s.has, data.new(1), "x")

-- data:getname
local function wire(t)
	local b = data.new(#t)
	for i = 1, #t do
		b:setbyte(i - 1, string.byte(t, i))
	end
	return b
end
local m = wire("\0\0\3WWW\7Example\3COM\0\3api\192\2\192\27\192\27\2a.\1b\0\63")
eq(#m, 36, "#m")
eq(m:getname(2), "www.example.com", "plain name, lower case")
local name, after = m:getname(2)
eq(after, 19, "offset after a plain name")
name, after = m:getname(19)
eq(name, "api.www.example.com", "pointer back")
eq(after, 25, "after the pointer")
eq(select(2, m:getname(25)), "compression pointer does not point back", "pointer forward")
eq(select(2, m:getname(27)), "compression pointer does not point back", "pointer to itself")
eq(m:getname(29), "a\\..b", "a dot in a label is escaped")
eq(m:getname(18), "", "the root")
eq(select(2, m:getname(35)), "label truncated", "label past the end")
eq(select(2, m:getname(2, 10)), "label truncated", "label past limit")
eq(select(2, m:getname(2, 18)), "name truncated", "end past limit")
eq(select(2, m:getname(#m)), "name truncated", "at the end")
eq(select(2, m:getname(-1)), "name truncated", "negative offset")
eq(m:getname(19, #m, 0), "api.www.example.com", "explicit origin")
eq(select(2, m:getname(19, #m, 100)), "compression pointer does not point back", "origin moves targets")
eq(select(2, wire("\192"):getname(0)), "pointer truncated", "pointer truncated")
eq(select(2, wire("\64a"):getname(0)), "bad label length", "label type 01")
local long = string.rep("\63" .. string.rep("a", 63), 4) .. "\0"
eq(select(2, wire(long):getname(0)), "name too long", "256 octets")
local max = string.rep("\63" .. string.rep("a", 63), 3) .. "\61" .. string.rep("b", 61) .. "\0"
eq(#wire(max):getname(0), 253, "255 octets: the longest name")
raises("number expected", m.getname, m, "x")
local dots = string.rep("\1.", 127) .. "\0"
eq(#wire(dots):getname(0), 380, "255 octets of dots, each escaped")

-- s:match(d, offset [, limit [, origin]]): a name where it lies
local q = wire("\0\0\3API\6GitHub\3com\0\6gitlab\192\13\9notgithub\192\13")
eq(select(2, q:getname(2)), 18, "q: after the first name")
local labels, after = d:match(q, 2)
eq(labels, 5, "data form: api.github.com")
eq(after, 18, "data form: the offset after the name")
eq(d:match(q, 18), 2, "data form, through a pointer: gitlab.com")
eq(d:match(q, 27), 0, "data form: notgithub.com is not under github.com")
eq(d:match(q, 27, #q, 0), 0, "data form, explicit origin")
eq(select(2, d:match(q, 2, 10)), "label truncated", "data form: label past limit")
eq(select(2, d:match(q, 18, #q, 20)), "compression pointer does not point back", "data form: origin")
eq(select(2, d:match(q, #q)), "name truncated", "data form: at the end")
eq(d:match(wire(dots), 0), 0, "data form: the longest escaped name")
raises("data expected", d.match, d, s, 0)
raises("number expected", d.match, d, q, "x")

-- The quick check of data methods refuses what is not a data object.
raises("data expected", m.getbyte, s, 0)
raises("data expected", data.getbyte, {}, 0)
raises("data expected", data.getbyte, 1, 0)
if debug and debug.setmetatable then
	local other = set.new({"x"})
	debug.setmetatable(other, getmetatable(m))
	raises("data expected", data.getbyte, other, 0)
end
EOF

lunatik run test_setname
lunatik stop test_setname
lunatik run test_setname false
lunatik stop test_setname
echo "ok: set and getname in sleepable and non-sleepable runtimes"

# A set made in one runtime is used by another (sets are immutable).
repl_is 'local s = require("set").labeled({["github.com"] = 1}, true); return s:match("API.GITHUB.COM"), #s' \
	"$(printf '1\t1')"
kernel_clean
