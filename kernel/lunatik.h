/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C API of the Lunatik core: runtimes (a Lua state and a lock),
 * refcounted objects shared with Lua, and libraries that modules add.
 *
 * Context rules: lunatik_runtime(), lunatik_stop() and library
 * registration sleep (process context only). lunatik_run() may be called
 * from softirq on a non-sleepable runtime. Never hold a lock of your own
 * across a Lua call that can raise: errors unwind with longjmp.
 */
#ifndef LUNATIK_H
#define LUNATIK_H

#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/module.h>
#include <linux/list.h>
#include <linux/gfp.h>

#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

/* LUNATIK_RELEASE comes from the VERSION file (Kbuild passes it). */
#ifndef LUNATIK_RELEASE
#error "LUNATIK_RELEASE is not defined: build through the Kbuild files"
#endif
#define LUNATIK_VERSION	"Lunatik " LUNATIK_RELEASE

typedef struct lunatik_class {
	const char *name;		/* Lua type name (metatable __name) */
	const luaL_Reg *methods;	/* NULL-terminated; may be NULL */
	void (*release)(void *private);	/* frees what private holds */
	bool sleep;			/* only usable by sleepable runtimes */
	bool single;			/* never passed to another runtime */
} lunatik_class_t;

typedef struct lunatik_object {
	struct kref kref;
	const lunatik_class_t *class;
	void *private;			/* NULL once closed */
	union {
		struct mutex mutex;
		spinlock_t spin;
	};
	bool sleep;			/* mutex and GFP_KERNEL, or spin_lock_bh and GFP_ATOMIC */
	bool owned;			/* private was allocated by lunatik_createobject */
	gfp_t gfp;
	/*
	 * Runtimes: the userdata lunatik.runtime() returned, which stops the
	 * runtime when collected. Set before the runtime is shared, so read
	 * without the runtime's lock (that a thread may hold for long).
	 */
	void *owner;
} lunatik_object_t;

/* A constant exported to Lua: lib.<table>.<name> = value. */
typedef struct lunatik_reg {
	const char *name;
	lua_Integer value;
} lunatik_reg_t;

static inline void lunatik_lock(lunatik_object_t *object)
{
	if (object->sleep)
		mutex_lock(&object->mutex);
	else
		spin_lock_bh(&object->spin);
}

static inline void lunatik_unlock(lunatik_object_t *object)
{
	if (object->sleep)
		mutex_unlock(&object->mutex);
	else
		spin_unlock_bh(&object->spin);
}

/* Objects */
lunatik_object_t *lunatik_createobject(const lunatik_class_t *class, size_t size, bool sleep);
lunatik_object_t *lunatik_newobject(lua_State *L, const lunatik_class_t *class, size_t size);
void lunatik_pushobject(lua_State *L, lunatik_object_t *object);
lunatik_object_t **lunatik_newuserdata(lua_State *L, const lunatik_class_t *class);
lunatik_object_t *lunatik_checkobject(lua_State *L, int ix, const lunatik_class_t *class);
lunatik_object_t *lunatik_testobject(lua_State *L, int ix);
void *lunatik_checkprivate(lua_State *L, int ix, const lunatik_class_t *class);
void lunatik_closeobject(lunatik_object_t *object);
void lunatik_newclass(lua_State *L, const lunatik_class_t *class);

static inline void lunatik_getobject(lunatik_object_t *object)
{
	kref_get(&object->kref);
}

int lunatik_putobject(lunatik_object_t *object);

/* Runtimes */
int lunatik_runtime(lunatik_object_t **pruntime, const char *script, bool sleep);
int lunatik_stop(lunatik_object_t *runtime);
lunatik_object_t *lunatik_toruntime(lua_State *L);
lunatik_object_t *lunatik_checkruntime(lua_State *L, int ix);
void lunatik_enter(lua_State *L);
bool lunatik_sleepable(lua_State *L);

/*
 * Calls handler(L, ...) with the runtime locked; ret gets its result, or
 * -ENXIO if the runtime has been stopped. The handler must not raise: use
 * lua_pcall for anything that can.
 */
#define lunatik_run(runtime, handler, ret, ...)				\
do {									\
	lunatik_object_t *rt__ = (runtime);				\
	lua_State *L__;							\
									\
	lunatik_lock(rt__);						\
	L__ = rt__->private;						\
	if (unlikely(!L__)) {						\
		ret = -ENXIO;						\
	} else {							\
		int top__ = lua_gettop(L__);				\
									\
		lunatik_enter(L__);					\
		ret = handler(L__, ##__VA_ARGS__);			\
		lua_settop(L__, top__);					\
	}								\
	lunatik_unlock(rt__);						\
} while (0)

/*
 * A task that runs inside a runtime for long, holding its lock (a kernel
 * thread of the thread library). Closing the runtime would wait for that
 * lock forever, so lunatik_close() first detaches the task and calls its
 * stop(), without the runtime's lock. stop() runs once, from whoever
 * detaches first (the close or lunatik_stopattached()); it may sleep and
 * may free the attachment. While attached, the owner module is held.
 * INIT_LIST_HEAD(&list) before lunatik_attach().
 */
struct lunatik_attachment {
	struct list_head list;
	lunatik_object_t *runtime;
	void (*stop)(struct lunatik_attachment *attachment);
	struct module *owner;
};

/* -EBUSY if the runtime already has one, -ENODEV if owner is going away. */
int lunatik_attach(lunatik_object_t *runtime, struct lunatik_attachment *attachment);
/* Detaches and stops it; false if someone else did (or does) that. */
bool lunatik_stopattached(struct lunatik_attachment *attachment);
bool lunatik_attached(lunatik_object_t *runtime);	/* sleeps */
/* Pushes the function the runtime's script returned; returns its Lua type. */
int lunatik_pushentry(lua_State *L);

/* Libraries that require() finds while their module is loaded. */
struct lunatik_lib {
	const char *name;
	lua_CFunction open;
	struct module *owner;
	bool sleep;			/* needs a sleepable runtime */
	struct list_head list;
};

int lunatik_register_lib(struct lunatik_lib *lib);
void lunatik_unregister_lib(struct lunatik_lib *lib);

/* A module whose only job is to provide one library. */
#define LUNATIK_LIB_MODULE(libname, opener, needs_sleep)		\
static struct lunatik_lib lunatik_lib_##libname = {			\
	.name = #libname,						\
	.open = opener,							\
	.owner = THIS_MODULE,						\
	.sleep = needs_sleep,						\
};									\
static int __init lunatik_lib_init_##libname(void)			\
{									\
	return lunatik_register_lib(&lunatik_lib_##libname);		\
}									\
static void __exit lunatik_lib_exit_##libname(void)			\
{									\
	lunatik_unregister_lib(&lunatik_lib_##libname);			\
}									\
module_init(lunatik_lib_init_##libname);				\
module_exit(lunatik_lib_exit_##libname);				\
MODULE_VERSION(LUNATIK_RELEASE)

/* Helpers for library code */
void lunatik_setconsts(lua_State *L, int ix, const char *table, const lunatik_reg_t *regs);
lua_Integer lunatik_checkrange(lua_State *L, int ix, lua_Integer min, lua_Integer max);

#endif
