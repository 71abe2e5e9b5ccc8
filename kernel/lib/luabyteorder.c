// SPDX-License-Identifier: GPL-2.0
/*
 * require("byteorder"): the byte-order conversions of the linux library
 * under the name Lunatik 4 scripts use (the same functions, lualinux.c).
 */
#include <linux/kernel.h>

#include "lunatik.h"
#include "lualinux.h"

static int luaopen_byteorder(lua_State *L)
{
	lua_newtable(L);
	luaL_setfuncs(L, lualinux_byteorder, 0);
	return 1;
}

LUNATIK_LIB_MODULE(byteorder, luaopen_byteorder, false);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Lunatik library: byteorder (host, network and little-endian conversions)");
