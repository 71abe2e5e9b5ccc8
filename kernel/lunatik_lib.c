// SPDX-License-Identifier: GPL-2.0
/*
 * The "lunatik" Lua library: lunatik.runtime(script [, sleep]),
 * lunatik.percpu(script [, sleep]) (lunatik_group.c), lunatik.cpu() and the
 * runtime object's methods (stop, resume). Creating runtimes sleeps, so in
 * a non-sleepable runtime the library has no functions.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "lunatik_runtime.h"

/*
 * The kind of runtime: a boolean (sleepable or not), or the context names
 * of Lunatik's later releases, "process" and "softirq" (nil: sleepable).
 * Replaces the argument at ix by the boolean.
 */
static void lunatik_checksleep(lua_State *L, int ix)
{
	if (lua_type(L, ix) == LUA_TSTRING) {
		const char *context = lua_tostring(L, ix);

		if (strcmp(context, "process") && strcmp(context, "softirq"))
			luaL_argerror(L, ix, "expected a boolean, \"process\" or \"softirq\"");
		lua_pushboolean(L, !strcmp(context, "process"));
		lua_replace(L, ix);
	}
}

static int lunatik_lruntime(lua_State *L)
{
	const char *script = luaL_checkstring(L, 1);
	bool sleep;

	lunatik_checksleep(L, 2);
	sleep = lua_isnoneornil(L, 2) || lua_toboolean(L, 2);
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

static int lunatik_lpercpuruntime(lua_State *L)
{
	luaL_checkstring(L, 1);
	lunatik_checksleep(L, 2);
	lua_settop(L, 2);
	return lunatik_lpercpu(L);
}

/* lunatik.cpu(): the CPU a per-CPU runtime's state serves; nil in a plain runtime. */
static int lunatik_lcpu(lua_State *L)
{
	int cpu = lunatik_cpu(L);

	if (cpu < 0)
		lua_pushnil(L);
	else
		lua_pushinteger(L, cpu);
	return 1;
}

static const luaL_Reg lunatik_sleepfuncs[] = {
	{"runtime", lunatik_lruntime},
	{"percpu", lunatik_lpercpuruntime},
	{"cpu", lunatik_lcpu},
	{NULL, NULL}
};

static const luaL_Reg lunatik_atomicfuncs[] = {
	{"cpu", lunatik_lcpu},
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
