/* SPDX-License-Identifier: GPL-2.0 */
/* Internals of the core shared by its files; not for library modules. */
#ifndef LUNATIK_RUNTIME_H
#define LUNATIK_RUNTIME_H

#include <linux/workqueue.h>

#include "lunatik.h"
#include "luak_conf.h"

#define LUNATIK_SCRIPT_MAX	200
#define LUNATIK_ERROR_MAX	512

/* What a runtime's Lua state knows of itself; its extra space points here. */
struct lunatik_state {
	struct luak_stack stack;	/* first: Lua's stack guard reads it */
	lunatik_object_t *runtime;	/* NULL once released, see lunatik_releaseruntime */
	bool sleep;
	gfp_t gfp;			/* what the allocator uses now */
	size_t used;			/* bytes allocated by the state */
	size_t limit;
	struct list_head modules;	/* module references taken by require() */
	struct work_struct close_work;	/* lua_close when released in atomic context */
	lua_State *L;
};

static inline struct lunatik_state *lunatik_stateof(lua_State *L)
{
	return *(struct lunatik_state **)lua_getextraspace(L);
}

extern const lunatik_class_t lunatik_runtime_class;
/* Registry key of the coroutine that runtime:resume() runs. */
extern const char lunatik_resumekey;

int lunatik_newruntime(lunatik_object_t **pruntime, const char *script, bool sleep,
		       char *err, size_t errlen);
int lunatik_openrequire(lua_State *L);
void lunatik_putmodules(struct lunatik_state *s);
int lunatik_openlib(lua_State *L);
int lunatik_resume(lua_State *L);
void lunatik_setentry(lua_State *L);
extern struct workqueue_struct *lunatik_wq;

#endif
