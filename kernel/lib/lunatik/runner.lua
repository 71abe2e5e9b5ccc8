-- SPDX-License-Identifier: GPL-2.0
--
-- The runtimes that the lunatik command starts, kept by name in the
-- driver runtime of /dev/lunatik (see kernel/lunatik_dev.c).

local lunatik = require("lunatik")

local runner = {}
local runtimes = {}	-- a runtime, or for a per-CPU script the table {[cpu] = runtime}
local threads = {}	-- of the scripts that spawn started

-- sleep: true or false, or Lunatik's context names "process" and "softirq".
-- percpu: one runtime per possible CPU, each running the script (lunatik.percpu).
function runner.run(script, sleep, percpu)
	if runtimes[script] then
		error(script .. " is already running", 2)
	end
	if percpu then
		runtimes[script] = lunatik.percpu(script, sleep)
	else
		runtimes[script] = lunatik.runtime(script, sleep)
	end
end

-- Runs the function the script returns in a kernel thread named after the
-- script's file (ps shows at most 15 characters of it).
function runner.spawn(script, sleep, percpu)
	if percpu then
		error("spawn does not support per-CPU scripts", 2)
	end
	if runtimes[script] then
		error(script .. " is already running", 2)
	end
	local thread = require("thread")
	local runtime = lunatik.runtime(script)
	local ok, thrd = pcall(thread.run, runtime, string.match(script, "[^/]+$"))
	if not ok then
		runtime:stop()
		error(thrd, 2)
	end
	runtimes[script] = runtime
	threads[script] = thrd
end

function runner.stop(script)
	local runtime = runtimes[script]
	if not runtime then
		error(script .. " is not running", 2)
	end
	local thrd = threads[script]
	runtimes[script] = nil
	threads[script] = nil
	-- The thread holds the runtime until it ends (runtime:stop() would
	-- stop it too): stop it first.
	if thrd then
		thrd:stop()
	end
	if getmetatable(runtime) then
		runtime:stop()
	else	-- per-CPU: every CPU's runtime
		for _, rt in pairs(runtime) do
			rt:stop()
		end
	end
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
