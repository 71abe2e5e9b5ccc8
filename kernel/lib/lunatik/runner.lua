-- SPDX-License-Identifier: GPL-2.0
--
-- The runtimes that the lunatik command starts, kept by name in the
-- driver runtime of /dev/lunatik (see kernel/lunatik_dev.c).

local lunatik = require("lunatik")

local runner = {}
local runtimes = {}

function runner.run(script, sleep)
	if runtimes[script] then
		error(script .. " is already running", 2)
	end
	runtimes[script] = lunatik.runtime(script, sleep)
end

function runner.stop(script)
	local runtime = runtimes[script]
	if not runtime then
		error(script .. " is not running", 2)
	end
	runtimes[script] = nil
	runtime:stop()
end

function runner.list()
	local names = {}
	for name in pairs(runtimes) do
		names[#names + 1] = name
	end
	table.sort(names)
	return table.concat(names, "\n")
end

-- Stops every runtime, in reverse name order so that reruns are predictable.
function runner.shutdown()
	local names = {}
	for name in pairs(runtimes) do
		names[#names + 1] = name
	end
	table.sort(names, function (a, b) return a > b end)
	for _, name in ipairs(names) do
		runner.stop(name)
	end
end

return runner
