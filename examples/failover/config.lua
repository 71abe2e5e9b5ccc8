-- SPDX-License-Identifier: GPL-2.0
--
-- The failover service's configuration: edit
-- /lib/modules/lua/examples/failover/config.lua, then stop and run the
-- service again. Times are in milliseconds, latencies in microseconds.
return {
	wan = "eth0",		-- the WAN interface watched (its name, as `ip link` shows it)
	table_id = 100,		-- the alternative routing table (1 to 2^32-1): its default
				-- route goes via the gateway address the elected node takes
	priority = 100,		-- the rule's priority: below main's 32766, so that the
				-- alternative table wins while the rule exists
	address = "*",		-- where advertisements are received ("*": any address)
	advert_port = 7001,	-- UDP port of the candidates' advertisements
	control_port = 7002,	-- TCP port of the nodes' control service ("up", "down")
	expiry = 3000,		-- a candidate silent for this long loses the election
}
