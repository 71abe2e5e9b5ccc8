-- Assertions for the Lua side of the VM tests (tests copy this file to
-- /lib/modules/lua/testlib.lua and require it).
local testlib = {}

testlib.MAXINT = math and math.maxinteger or 0x7fffffffffffffff
testlib.MININT = math and math.mininteger or 0x8000000000000000

-- f(...) must raise an error whose message contains pattern (plain text).
function testlib.raises(pattern, f, ...)
	local ok, err = pcall(f, ...)
	if ok then
		error("expected an error with '" .. pattern .. "', got none", 2)
	end
	if not string.find(tostring(err), pattern, 1, true) then
		error("expected an error with '" .. pattern .. "', got: " .. tostring(err), 2)
	end
end

function testlib.eq(got, want, what)
	if got ~= want then
		error(what .. ": expected " .. tostring(want) .. ", got " .. tostring(got), 2)
	end
end

return testlib
