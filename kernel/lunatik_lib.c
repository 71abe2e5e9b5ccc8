// SPDX-License-Identifier: GPL-2.0
/*
 * The "lunatik" Lua library: lunatik.runtime(script [, sleep]) and the
 * runtime object's methods (stop, resume). Creating runtimes sleeps, so in
 * a non-sleepable runtime the library has no functions.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "lunatik_runtime.h"

static int lunatik_lruntime(lua_State *L)
{
	const char *script = luaL_checkstring(L, 1);
	bool sleep = lua_isnoneornil(L, 2) || lua_toboolean(L, 2);
	lunatik_object_t **pruntime;
	char *err;

	/* Allocated by Lua first, so that nothing leaks when an error unwinds. */
	err = lua_newuserdatauv(L, LUNATIK_ERROR_MAX, 0);
	pruntime = lunatik_newuserdata(L, &lunatik_runtime_class);
	if (lunatik_newruntime(pruntime, script, sleep, err, LUNATIK_ERROR_MAX)) {
		lua_pushstring(L, err);	/* already says where: no position of ours */
		return lua_error(L);
	}
	if (lunatik_adopt(L, *pruntime)) {
		lunatik_stop(*pruntime);
		*pruntime = NULL;
		return luaL_error(L, "not enough memory");
	}
	return 1;
}

static const luaL_Reg lunatik_sleepfuncs[] = {
	{"runtime", lunatik_lruntime},
	{NULL, NULL}
};

static const luaL_Reg lunatik_atomicfuncs[] = {
	{NULL, NULL}
};

int lunatik_openlib(lua_State *L)
{
	if (lunatik_sleepable(L))
		luaL_newlib(L, lunatik_sleepfuncs);
	else
		luaL_newlib(L, lunatik_atomicfuncs);
	lunatik_newclass(L, &lunatik_runtime_class);
	return 1;
}
