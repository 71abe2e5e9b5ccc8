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
	bool single;			/* never passed to another runtime: its class's, or set */
	gfp_t gfp;
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
/*
 * luaL_checkinteger and luaL_optinteger for arguments of a C function
 * (arg > 0), reading the value in place: for methods called per packet.
 */
lua_Integer lunatik_checkinteger(lua_State *L, int arg);
lua_Integer lunatik_optinteger(lua_State *L, int arg, lua_Integer def);
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
/* The script the runtime of L runs, as lunatik.runtime() named it ("examples/filter/sni"). */
const char *lunatik_scriptname(lua_State *L);

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
 * Every call from the kernel into Lua goes through one of these: lua_pcall
 * (no message handler; in one C frame, luaD_pcallnoyield of
 * kernel/lua/patches/0005) under the runtime's budget, with the runtime locked
 * (from a lunatik_run() handler). They return lua_pcall's status; an
 * exhausted budget is a Lua error whose message says which limit ended it.
 *
 * lunatik_pcall(): a call the kernel makes on its own (packet, xtables,
 * notifier, device callbacks, resume()). In a non-sleepable runtime it
 * may take budget_steps steps and budget_ms milliseconds (parameters of
 * lunatik.ko; "budget exhausted (N steps|ms)"), whatever the script does:
 * finalizers, coroutines and long library loops count too. In a sleepable
 * runtime it may take budget_steps steps, yields the CPU as it runs and
 * ends with "interrupted" when the calling task gets a signal.
 *
 * lunatik_pcall_interruptible(): a call on behalf of a task that a user or
 * kthread_stop() can interrupt (the lunatik command, a runtime's thread):
 * in a sleepable runtime no step limit, only yielding and signals; in a
 * non-sleepable runtime the same as lunatik_pcall().
 *
 * A nested call runs under the budget of the call it is part of. Non-
 * sleepable runtimes must be called with preemption off (their spinlock);
 * with interrupts off (hard irq) the time backstop cannot fire, steps do.
 */
int lunatik_pcall(lua_State *L, int nargs, int nresults);
int lunatik_pcall_interruptible(lua_State *L, int nargs, int nresults);

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
/*
 * Detaches without calling stop() (a task that ended on its own); false if
 * someone else detached it first. On true the caller owns the reference on
 * the owner module (a kthread: module_put_and_kthread_exit()).
 */
bool lunatik_detach(struct lunatik_attachment *attachment);
bool lunatik_attached(lunatik_object_t *runtime);	/* sleeps */
/* Pushes the function the runtime's script returned; returns its Lua type. */
int lunatik_pushentry(lua_State *L);

/*
 * Memory a library allocates for a script outside its Lua state (data.new
 * buffers) counts in the runtime's memory_limit. lunatik_charge() is
 * called while the runtime runs (its lock held) and returns NULL when size
 * more bytes would pass the limit. The charge may outlive the runtime:
 * lunatik_uncharge() gives the bytes back from any context, once.
 */
struct lunatik_charge;
struct lunatik_charge *lunatik_charge(lua_State *L, size_t size);
void lunatik_uncharge(struct lunatik_charge *charge, size_t size);

/*
 * Per-CPU runtimes (lunatik run <script> softirq percpu): one runtime per
 * possible CPU, each loading the same script, so that packet paths call
 * the state of the CPU they run on and never wait for another CPU.
 * lunatik_cpu() is the CPU a state serves, -1 in a plain runtime.
 *
 * What such a script registers (a hook, an xtables extension) is
 * registered once: the first CPU's state creates the object and shares
 * it, in order, with lunatik_share(); each other CPU's state, loading the
 * same script, gets the object shared at the same point of its loading
 * from lunatik_shared() and binds its own callback to it. lunatik_shared()
 * returns NULL where the caller must create the object (a plain runtime,
 * the first CPU's state), raises when the script registers other things
 * on this CPU than on the first or after loading. The group keeps a
 * reference on every shared object until all its states are closed.
 */
int lunatik_cpu(lua_State *L);
void lunatik_share(lua_State *L, lunatik_object_t *object);
lunatik_object_t *lunatik_shared(lua_State *L, const lunatik_class_t *class);

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

/*
 * Calls into a runtime from atomic context (kprobes, the keyboard
 * notifier), whatever its kind, never waiting: the CPU may be inside this
 * runtime already (a probe on a function the script itself calls), so a
 * busy runtime is skipped (-EBUSY), never waited for; -ENXIO when stopped.
 * A sleepable runtime is entered only when its mutex is free, without
 * waiters, and then runs as a non-sleepable one until unlocked: GFP_ATOMIC,
 * no count hook, lunatik_sleepable() false. Not from NMI.
 */
struct lunatik_atomic {
	unsigned long flags;
	gfp_t gfp;
	bool sleep;
	lua_Hook hook;
	int hookmask;
	int hookcount;
};

int lunatik_atomic_lock(lunatik_object_t *runtime, lua_State **pL, struct lunatik_atomic *a);
void lunatik_atomic_unlock(lunatik_object_t *runtime, lua_State *L, struct lunatik_atomic *a);

/*
 * Registry field set to true while a runtime runs a callback with RTNL
 * held by the caller (netdevice notifiers): libraries that would take
 * RTNL (fib) then call on without taking it, instead of deadlocking.
 */
#define LUNATIK_RTNL_HELD	"lunatik.rtnl_held"

/* Helpers for library code */
/*
 * Hash slots for a table of n names that scripts read per packet
 * (nf.action.ACCEPT): four times as many as names, so that a name nearly
 * always sits where its hash points and a read costs the same whatever
 * the boot's string hash seed (a chain costs each step about 6
 * instructions).
 */
#define LUNATIK_SPARSE(n)	(4 * (n))
void lunatik_setconsts(lua_State *L, int ix, const char *table, const lunatik_reg_t *regs);
lua_Integer lunatik_checkrange(lua_State *L, int ix, lua_Integer min, lua_Integer max);
/*
 * Pushes a userdata holding a reference on the calling task's network
 * namespace (*the result), dropped when Lua collects it: a library's
 * functions take it as an upvalue to work in the namespace of whoever
 * required the library. Raises (naming lib) for an exiting task.
 */
struct net;
struct net **lunatik_pushnet(lua_State *L, const char *lib);

#endif
