// SPDX-License-Identifier: GPL-2.0
/* Small helpers for the code of Lua libraries. */
#include <linux/nsproxy.h>
#include <net/net_namespace.h>

#include "lunatik.h"

/* Sets t[table] = { name = value, ... } on the table at ix. */
void lunatik_setconsts(lua_State *L, int ix, const char *table, const lunatik_reg_t *regs)
{
	const lunatik_reg_t *reg;
	int n = 0;

	for (reg = regs; reg->name; reg++)
		n++;
	ix = lua_absindex(L, ix);
	lua_createtable(L, 0, LUNATIK_SPARSE(n));
	for (; regs->name; regs++) {
		lua_pushinteger(L, regs->value);
		lua_setfield(L, -2, regs->name);
	}
	lua_setfield(L, ix, table);
}
EXPORT_SYMBOL_GPL(lunatik_setconsts);

lua_Integer lunatik_checkrange(lua_State *L, int ix, lua_Integer min, lua_Integer max)
{
	lua_Integer v = luaL_checkinteger(L, ix);

	if (v < min || v > max)
		luaL_argerror(L, ix, lua_pushfstring(L, "out of range [%I, %I]",
						     (LUAI_UACINT)min, (LUAI_UACINT)max));
	return v;
}
EXPORT_SYMBOL_GPL(lunatik_checkrange);

static int lunatik_putnet(lua_State *L)
{
	struct net **pnet = lua_touserdata(L, 1);

	if (*pnet) {
		put_net(*pnet);
		*pnet = NULL;
	}
	return 0;
}

struct net **lunatik_pushnet(lua_State *L, const char *lib)
{
	struct net **pnet;

	if (!current->nsproxy)
		luaL_error(L, "%s: the task is exiting (no network namespace)", lib);
	pnet = lua_newuserdatauv(L, sizeof(*pnet), 0);
	*pnet = NULL;	/* collected before the reference is taken: nothing to put */
	lua_newtable(L);
	lua_pushcfunction(L, lunatik_putnet);
	lua_setfield(L, -2, "__gc");
	lua_setmetatable(L, -2);
	*pnet = get_net(current->nsproxy->net_ns);
	return pnet;
}
EXPORT_SYMBOL_GPL(lunatik_pushnet);
