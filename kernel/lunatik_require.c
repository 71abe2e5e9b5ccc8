// SPDX-License-Identifier: GPL-2.0
/*
 * require() in the kernel: Lua files from /lib/modules/lua (Lua's own
 * searcher, reading through luak_libc.c) and C libraries that loaded
 * modules register here. A state that requires a library holds a
 * reference on its module until the state is closed, so the module cannot
 * be unloaded under it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/mutex.h>
#include <linux/string.h>

#include "lunatik_runtime.h"

static LIST_HEAD(lunatik_libs);
static DEFINE_MUTEX(lunatik_libs_mutex);

struct lunatik_modref {
	struct list_head list;
	struct module *owner;
};

static struct lunatik_lib *lunatik_findlib(const char *name)
{
	struct lunatik_lib *lib;

	list_for_each_entry(lib, &lunatik_libs, list)
		if (!strcmp(lib->name, name))
			return lib;
	return NULL;
}

int lunatik_register_lib(struct lunatik_lib *lib)
{
	int ret = 0;

	mutex_lock(&lunatik_libs_mutex);
	if (lunatik_findlib(lib->name))
		ret = -EEXIST;
	else
		list_add_tail(&lib->list, &lunatik_libs);
	mutex_unlock(&lunatik_libs_mutex);
	if (ret)
		pr_err("library '%s' is already registered\n", lib->name);
	return ret;
}
EXPORT_SYMBOL_GPL(lunatik_register_lib);

void lunatik_unregister_lib(struct lunatik_lib *lib)
{
	mutex_lock(&lunatik_libs_mutex);
	list_del(&lib->list);
	mutex_unlock(&lunatik_libs_mutex);
}
EXPORT_SYMBOL_GPL(lunatik_unregister_lib);

/* package.searchers entry: returns the library's opener, or why there is none. */
static int lunatik_searchlib(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	struct lunatik_state *s = lunatik_stateof(L);
	struct lunatik_modref *ref;
	struct lunatik_lib *lib;
	lua_CFunction open = NULL;
	const char *why = NULL;

	if (!in_task() || in_atomic() || irqs_disabled()) {
		lua_pushfstring(L, "no C library '%s' can be loaded in atomic context", name);
		return 1;
	}
	ref = kmalloc(sizeof(*ref), GFP_KERNEL);
	if (!ref)
		return luaL_error(L, "not enough memory");

	mutex_lock(&lunatik_libs_mutex);
	lib = lunatik_findlib(name);
	if (!lib)
		why = "no loaded kernel module provides library '%s'";
	else if (lib->sleep && !s->sleep)
		why = "library '%s' needs a sleepable runtime";
	else if (!try_module_get(lib->owner))
		why = "the module of library '%s' is being unloaded";
	else
		open = lib->open;
	if (open) {
		ref->owner = lib->owner;
		list_add(&ref->list, &s->modules);
	}
	mutex_unlock(&lunatik_libs_mutex);

	if (!open) {
		kfree(ref);
		lua_pushfstring(L, why, name);
		return 1;
	}
	lua_pushcfunction(L, open);
	lua_pushvalue(L, 1);
	return 2;
}

/* Called once the state is closed: its C functions can no longer run. */
void lunatik_putmodules(struct lunatik_state *s)
{
	struct lunatik_modref *ref, *next;

	list_for_each_entry_safe(ref, next, &s->modules, list) {
		module_put(ref->owner);
		kfree(ref);
	}
}

/* Our paths, and searchers: preload, Lua files, then C libraries of loaded modules. */
int lunatik_openrequire(lua_State *L)
{
	lua_getglobal(L, LUA_LOADLIBNAME);
	lua_pushliteral(L, LUA_PATH_DEFAULT);
	lua_setfield(L, -2, "path");
	lua_pushliteral(L, "");
	lua_setfield(L, -2, "cpath");
	lua_getfield(L, -1, "searchers");
	lua_pushcfunction(L, lunatik_searchlib);
	lua_rawseti(L, -2, 3);
	lua_pushnil(L);
	lua_rawseti(L, -2, 4);
	lua_pop(L, 2);
	return 0;
}
