-- SPDX-License-Identifier: GPL-2.0
--
-- The elected gateway as the daemon publishes it for the service, in the
-- shared rcu table under "gateway": a data record, replaced whole (never
-- written in place) so that a reader sees one advertisement or the next.
--	offset 0: the node's IPv4 address (uint32, host order)
--	offset 4: its latency in microseconds (uint32)
--	offset 8: when it was heard, in ms (int64, linux.time())
local data  = require("data")
local linux = require("linux")

local gateway = {}

-- Now, in milliseconds.
function gateway.now()
	return linux.time() // 1000000
end

function gateway.new(address, latency, heard)
	local d = data.new(16)
	d:setuint32(0, address)
	d:setuint32(4, latency)
	d:setint64(8, heard)
	return d
end

-- address, latency, heard
function gateway.read(d)
	return d:getuint32(0), d:getuint32(4), d:getint64(8)
end

return gateway
