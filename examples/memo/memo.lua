--
-- SPDX-License-Identifier: GPL-2.0
--
-- /dev/memo: a note pad in kernel memory, a character device driven by Lua.
--   sudo lunatik run examples/memo/memo
--   echo "buy milk" | sudo tee -a /dev/memo	# writes append a line
--   cat /dev/memo					# the notes, numbered
--   echo clear | sudo tee /dev/memo		# "clear" alone empties it
--   sudo lunatik stop examples/memo/memo		# /dev/memo goes away
--

local device = require("device")
local linux  = require("linux")

local MAX = 4096	-- bytes of notes kept; a write beyond fails with ENOSPC

local s = linux.stat
local memo = {name = "memo", mode = s.IRUSR | s.IWUSR | s.IRGRP | s.IROTH, notes = {}, size = 0, readers = 0}

-- open and release count the open files (see memo.readers)
function memo:open()
	self.readers = self.readers + 1
end

function memo:release()
	self.readers = self.readers - 1
end

local function render(notes)
	local out = {}
	for i, note in ipairs(notes) do
		out[i] = string.format("%d. %s\n", i, note)
	end
	return table.concat(out)
end

function memo:read(len, off)
	local text = render(self.notes)
	return text:sub(off + 1, off + len)	-- the offset moves by what we return
end

function memo:write(buf)
	local note = buf:gsub("\n+$", "")
	if note == "clear" then
		self.notes, self.size = {}, 0
		return #buf
	end
	if self.size + #note > MAX then
		error("memo is full")	-- the writer gets EIO, dmesg says why
	end
	for line in note:gmatch("[^\n]+") do
		table.insert(self.notes, line)
		self.size = self.size + #line
	end
	return #buf
end

device.new(memo)
