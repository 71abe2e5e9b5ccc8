-- SPDX-License-Identifier: GPL-2.0
-- echod's daemon: accepts TCP sessions on 127.0.0.1:1337 and hands each one
-- to a worker runtime (worker.lua) that echoes it in its own kernel thread.
--	sudo lunatik spawn examples/echod/daemon
--	nc 127.0.0.1 1337
--	sudo lunatik stop examples/echod/daemon		-- ends the workers too

local lunatik = require("lunatik")
local thread  = require("thread")
local inet    = require("socket.inet")
local linux   = require("linux")

local ADDRESS, PORT = inet.localhost, 1337
local WORKER = "examples/echod/worker"

-- Created while the script loads: in the network namespace it was run in.
local server = inet.tcp()
server:bind(ADDRESS, PORT)
server:listen()

local workers = {}	-- id -> {runtime, thread, session}

-- A worker closes its session when it is done: then the session has no peer.
local function done(worker)
	return not pcall(worker.session.getpeername, worker.session)
end

-- Stops the runtimes of the workers that are done (or of all of them).
local function reap(all)
	for id, worker in pairs(workers) do
		if all or done(worker) then
			worker.runtime:stop()
			workers[id] = nil
		end
	end
end

local function serve(id, session)
	local runtime = lunatik.runtime(WORKER)
	runtime:resume(session, id)	-- hands the session over (it is shared, not copied)
	workers[id] = {runtime = runtime, thread = thread.run(runtime, "echod/worker" .. id), session = session}
end

return function ()
	print(string.format("echod: listening on %s:%d", ADDRESS, PORT))
	local id = 0
	while not thread.shouldstop() do
		-- Blocks until a client comes; lunatik stop interrupts it (EINTR).
		local ok, session = pcall(server.accept, server)
		reap(false)
		if ok then
			id = id + 1
			local served, err = pcall(serve, id, session)
			if not served then
				print(string.format("echod: worker %d: %s", id, tostring(err)))
				session:close()
			end
		elseif session ~= linux.errno.INTR then
			print("echod: accept failed with errno " .. tostring(session))
			linux.schedule(100)
		end
	end
	reap(true)
	server:close()
	print("echod: stopped")
end
