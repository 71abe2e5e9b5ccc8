-- SPDX-License-Identifier: GPL-2.0
-- shared: an in-memory key-value store over TCP 127.0.0.1:90, in a kernel
-- thread that serves every client at once (non-blocking sockets, polled).
-- Values are data objects in an rcu table, as Lunatik's shared keeps them.
--	sudo lunatik spawn examples/shared
--	nc 127.0.0.1 90
--	foo=bar		stores "bar" under foo
--	foo		prints bar (an empty line if foo has no value)
--	foo=		removes foo
--	sudo lunatik stop examples/shared

local thread = require("thread")
local socket = require("socket")
local inet   = require("socket.inet")
local linux  = require("linux")
local data   = require("data")
local rcu    = require("rcu")

local ADDRESS, PORT = inet.localhost, 90
local SIZE = 1024
local MAXLINE = 4096
local IDLE_MS = 50
local NONBLOCK, DONTWAIT = socket.sock.NONBLOCK, socket.msg.DONTWAIT
local AGAIN = linux.errno.AGAIN

local store = rcu.table()	-- key -> data object holding the value

local server = inet.tcp()
server:bind(ADDRESS, PORT)
server:listen()

-- One request line; returns the answer, or nil when there is none.
local function request(line)
	local key, assign, value = string.match(line, "^(%w+)(=?)(.-)\r?$")
	if not key or (assign == "" and value ~= "") then
		return "error: expected key, key=value or key=\n"
	end
	if assign == "" then
		local slot = store[key]
		return (slot and slot:getstring(0) or "") .. "\n"
	end
	if value == "" then
		store[key] = nil
		return nil
	end
	-- A new object for each value: a reader sees the old one or the new one, whole.
	local slot = data.new(#value)
	slot:setstring(0, value)
	store[key] = slot
	return nil
end

-- Reads what a client sent, answers its complete lines; false when it is gone.
local function serve(client)
	local ok, chunk = pcall(client.socket.receive, client.socket, SIZE, DONTWAIT)
	if not ok then
		return chunk == AGAIN, false
	end
	if chunk == "" then
		return false
	end
	local pending = client.pending .. chunk
	for line in string.gmatch(pending, "([^\n]*)\n") do
		local answer = request(line)
		if answer and not pcall(client.socket.send, client.socket, answer) then
			return false
		end
	end
	client.pending = string.match(pending, "[^\n]*$")
	if #client.pending > MAXLINE then
		pcall(client.socket.send, client.socket, "error: line too long\n")
		return false
	end
	return true, true
end

return function ()
	print(string.format("shared: listening on %s:%d", ADDRESS, PORT))
	local clients = {}
	while not thread.shouldstop() do
		local busy = false
		local ok, session = pcall(server.accept, server, NONBLOCK)
		if ok then
			table.insert(clients, {socket = session, pending = ""})
			busy = true
		end
		for i = #clients, 1, -1 do
			local alive, served = serve(clients[i])
			if not alive then
				clients[i].socket:close()
				table.remove(clients, i)
			end
			busy = busy or served
		end
		if not busy then
			linux.schedule(IDLE_MS)
		end
	end
	for _, client in ipairs(clients) do
		client.socket:close()
	end
	server:close()
	print("shared: stopped")
end
