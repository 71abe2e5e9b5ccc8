-- SPDX-License-Identifier: GPL-2.0
-- lua5.4 tls-hello.lua NAME: writes a TLS 1.3-style ClientHello record
-- naming server NAME (SNI), as a client's first segment carries it: a
-- supported_versions extension first, then server_name.
local name = assert(arg[1], "usage: tls-hello.lua NAME")

local function u16(n) return string.pack(">I2", n) end
local function u24(n) return string.pack(">I3", n) end

local random = string.rep("\x5a", 32)
local session = string.rep("\x17", 32)
local ciphers = u16(0x1301) .. u16(0x1302) .. u16(0x1303) .. u16(0xc02f)
local versions = u16(0x002b) .. u16(3) .. "\x02" .. u16(0x0304)
local sni = u16(0x0000) .. u16(#name + 5) .. u16(#name + 3) .. "\x00" .. u16(#name) .. name
local extensions = versions .. sni
local hello = u16(0x0303) .. random .. string.char(#session) .. session ..
	u16(#ciphers) .. ciphers .. "\x01\x00" .. u16(#extensions) .. extensions
local handshake = "\x01" .. u24(#hello) .. hello
io.write("\x16" .. u16(0x0301) .. u16(#handshake) .. handshake)
