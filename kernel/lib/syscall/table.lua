-- SPDX-License-Identifier: GPL-2.0
-- require("syscall.table"): system call name -> address (light userdata),
-- the address syscall.address() gives, for probe.new().
local syscall = require("syscall")

local addresses = {}
for name, number in pairs(syscall.numbers) do
	addresses[name] = syscall.address(number)
end
return addresses
