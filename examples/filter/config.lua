-- SPDX-License-Identifier: GPL-2.0
--
-- What the filter example drops: TLS connections whose ClientHello names
-- one of these servers (SNI), or a name under one ("example.com" drops
-- "www.Example.com", not "notexample.com"). Edit
-- /lib/modules/lua/examples/filter/config.lua and run the script again.
return {
	servers = {"ebpf.io", "blocked.example"},
}
