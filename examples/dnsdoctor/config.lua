-- SPDX-License-Identifier: GPL-2.0
--
-- What dnsdoctor rewrites: edit /lib/modules/lua/examples/dnsdoctor/config.lua
-- and run the script again. Answers going to client about domain (or a
-- name under it) get their A records of address public changed to private.
return {
	domain = "lunatik.com",
	client = "10.1.1.2",
	public = "192.168.10.1",
	private = "10.1.2.3",
}
