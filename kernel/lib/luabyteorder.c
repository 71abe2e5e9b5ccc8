// SPDX-License-Identifier: GPL-2.0
/*
 * require("byteorder"): the byte-order conversions of the linux library
 * under the name Lunatik 4 scripts use. As there, the argument's low bits
 * are converted: 16 and 32-bit results are unsigned and in range, 64-bit
 * ones are the bit pattern as a Lua integer (and round-trip).
 */
#include <linux/kernel.h>
#include <asm/byteorder.h>

#include "lunatik.h"

#define LUABYTEORDER(name, type, conv)					\
static int luabyteorder_##name(lua_State *L)				\
{									\
	type v = (type)luaL_checkinteger(L, 1);				\
									\
	lua_pushinteger(L, (lua_Integer)(type)conv(v));			\
	return 1;							\
}

LUABYTEORDER(hton16, u16, cpu_to_be16)
LUABYTEORDER(hton32, u32, cpu_to_be32)
LUABYTEORDER(hton64, u64, cpu_to_be64)
LUABYTEORDER(ntoh16, u16, be16_to_cpu)
LUABYTEORDER(ntoh32, u32, be32_to_cpu)
LUABYTEORDER(ntoh64, u64, be64_to_cpu)
LUABYTEORDER(htole16, u16, cpu_to_le16)
LUABYTEORDER(htole32, u32, cpu_to_le32)
LUABYTEORDER(htole64, u64, cpu_to_le64)
LUABYTEORDER(le16toh, u16, le16_to_cpu)
LUABYTEORDER(le32toh, u32, le32_to_cpu)
LUABYTEORDER(le64toh, u64, le64_to_cpu)

static const luaL_Reg luabyteorder_lib[] = {
	{"hton16", luabyteorder_hton16},
	{"hton32", luabyteorder_hton32},
	{"hton64", luabyteorder_hton64},
	{"ntoh16", luabyteorder_ntoh16},
	{"ntoh32", luabyteorder_ntoh32},
	{"ntoh64", luabyteorder_ntoh64},
	/* Network order is big-endian: the same functions under their other names. */
	{"htobe16", luabyteorder_hton16},
	{"htobe32", luabyteorder_hton32},
	{"htobe64", luabyteorder_hton64},
	{"be16toh", luabyteorder_ntoh16},
	{"be32toh", luabyteorder_ntoh32},
	{"be64toh", luabyteorder_ntoh64},
	{"htole16", luabyteorder_htole16},
	{"htole32", luabyteorder_htole32},
	{"htole64", luabyteorder_htole64},
	{"le16toh", luabyteorder_le16toh},
	{"le32toh", luabyteorder_le32toh},
	{"le64toh", luabyteorder_le64toh},
	{NULL, NULL}
};

static int luaopen_byteorder(lua_State *L)
{
	luaL_newlib(L, luabyteorder_lib);
	return 1;
}

LUNATIK_LIB_MODULE(byteorder, luaopen_byteorder, false);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Lunatik library: byteorder (host, network and little-endian conversions)");
