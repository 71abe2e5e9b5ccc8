-- SPDX-License-Identifier: GPL-2.0
-- echod's worker: echoes one TCP session. The daemon first resumes it with
-- the session and its id, then runs it in a kernel thread; closing the
-- session tells the daemon that the worker is done.

local thread = require("thread")
local inet   = require("socket.inet")

local SIZE = 1024
local session, id

local function echo()
	local ip, port = session:getpeername()
	print(string.format("echod: worker %d serves %s:%d", id, inet.ntoa(ip), port))
	local why = "stopped"
	while not thread.shouldstop() do
		local ok, message = pcall(session.receive, session, SIZE)
		if not ok or message == "" then	-- interrupted, failed, or the client left
			why = ok and "the client left" or "receive: " .. tostring(message)
			break
		end
		ok, why = pcall(session.send, session, message)
		if not ok then
			why = "send: " .. tostring(why)
			break
		end
	end
	session:close()
	print(string.format("echod: worker %d done (%s)", id, why))
end

return function (...)
	if session then
		return echo()	-- in the thread
	end
	session, id = ...
end
