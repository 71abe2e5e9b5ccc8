// SPDX-License-Identifier: GPL-2.0
/*
 * Runtimes: a Lua state, the lock that serializes calls into it and the
 * memory and stack limits it runs under.
 *
 * A runtime is loaded in process context with GFP_KERNEL and without its
 * lock held (loading a script sleeps); its state is published in
 * runtime->private only once the script has run, so a hook that the
 * script registers sees -ENXIO from lunatik_run() until then.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/ctype.h>
#include <linux/string.h>

#include "lunatik_runtime.h"
#include "lunatik_budget.h"

static unsigned long memory_limit = 32 << 20;
module_param(memory_limit, ulong, 0644);
MODULE_PARM_DESC(memory_limit, "bytes a runtime's Lua state may allocate");

const char lunatik_resumekey;
/* Registry key of the function the script returned, as threads run it. */
static const char lunatik_entrykey;

/* Bytes charged to a runtime outside its state; kept alive by the state and every holder. */
struct lunatik_charge {
	struct kref kref;
	atomic_long_t bytes;
};

static inline size_t lunatik_charged(struct lunatik_state *s)
{
	return s->charge ? atomic_long_read(&s->charge->bytes) : 0;
}

static void lunatik_freecharge(struct kref *kref)
{
	kfree(container_of(kref, struct lunatik_charge, kref));
}

struct lunatik_charge *lunatik_charge(lua_State *L, size_t size)
{
	struct lunatik_state *s = lunatik_stateof(L);

	if (!s->charge) {
		s->charge = kzalloc(sizeof(*s->charge), s->gfp | __GFP_NOWARN);
		if (!s->charge)
			return NULL;
		kref_init(&s->charge->kref);
	}
	if (size > s->limit || s->used + lunatik_charged(s) > s->limit - size)
		return NULL;
	atomic_long_add(size, &s->charge->bytes);
	kref_get(&s->charge->kref);
	return s->charge;
}
EXPORT_SYMBOL_GPL(lunatik_charge);

void lunatik_uncharge(struct lunatik_charge *charge, size_t size)
{
	atomic_long_sub(size, &charge->bytes);
	kref_put(&charge->kref, lunatik_freecharge);
}
EXPORT_SYMBOL_GPL(lunatik_uncharge);

static void *lunatik_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct lunatik_state *s = ud;
	void *p;

	if (!ptr)
		osize = 0;	/* osize is then a type tag */
	if (!nsize) {
		kfree(ptr);
		s->used -= osize;
		return NULL;
	}
	if (nsize > osize) {
		if (s->used - osize + nsize + lunatik_charged(s) > s->limit)
			return NULL;
		/* Copying and clearing cost time too: they count in the budget. */
		s->limits.ticks -= (nsize - osize) >> LUNATIK_BUDGET_BYTESHIFT;
	}
	/* No warning on failure: Lua raises "not enough memory". */
	p = krealloc(ptr, nsize, s->gfp | __GFP_NOWARN);
	if (p)
		s->used = s->used - osize + nsize;
	return p;
}

/* Sets the stack limits of L relative to where we enter it now. */
void lunatik_enter(lua_State *L)
{
	lunatik_enterhere(L);
}
EXPORT_SYMBOL_GPL(lunatik_enter);

lunatik_object_t *lunatik_toruntime(lua_State *L)
{
	return lunatik_stateof(L)->runtime;
}
EXPORT_SYMBOL_GPL(lunatik_toruntime);

lunatik_object_t *lunatik_checkruntime(lua_State *L, int ix)
{
	return lunatik_checkobject(L, ix, &lunatik_runtime_class);
}
EXPORT_SYMBOL_GPL(lunatik_checkruntime);

const char *lunatik_scriptname(lua_State *L)
{
	return lunatik_stateof(L)->script;
}
EXPORT_SYMBOL_GPL(lunatik_scriptname);

bool lunatik_sleepable(lua_State *L)
{
	return lunatik_stateof(L)->sleep;
}
EXPORT_SYMBOL_GPL(lunatik_sleepable);

/*
 * print() writes to the kernel log. From a packet hook or another atomic
 * context, where traffic decides how often it runs, each runtime may print
 * 10 lines per 5 s (then the kernel logs "lunatik_print: N callbacks
 * suppressed"); in process context (the REPL, a script loading) every line.
 */
#define LUNATIK_PRINT_INTERVAL	(5 * HZ)
#define LUNATIK_PRINT_BURST	10

static int lunatik_print(lua_State *L)
{
	int n = lua_gettop(L);
	luaL_Buffer b;
	int i;

	if ((!in_task() || in_atomic() || irqs_disabled()) &&
	    !__ratelimit(&lunatik_stateof(L)->print_ratelimit))
		return 0;
	luaL_buffinit(L, &b);
	for (i = 1; i <= n; i++) {
		if (i > 1)
			luaL_addchar(&b, '\t');
		luaL_tolstring(L, i, NULL);
		luaL_addvalue(&b);
	}
	luaL_pushresult(&b);
	pr_info("%s\n", lua_tostring(L, -1));
	return 0;
}

static void lunatik_openlibs(lua_State *L)
{
	static const luaL_Reg libs[] = {
		{LUA_GNAME, luaopen_base},
		{LUA_LOADLIBNAME, luaopen_package},
		{LUA_COLIBNAME, luaopen_coroutine},
		{LUA_TABLIBNAME, luaopen_table},
		{LUA_STRLIBNAME, luaopen_string},
		{LUA_UTF8LIBNAME, luaopen_utf8},
		{LUA_MATHLIBNAME, luaopen_math},
		{LUA_DBLIBNAME, luaopen_debug},
		{NULL, NULL}
	};
	const luaL_Reg *lib;

	for (lib = libs; lib->func; lib++) {
		luaL_requiref(L, lib->name, lib->func, 1);
		lua_pop(L, 1);
	}
	lunatik_openrequire(L);
	/* Runtimes can receive runtime objects through resume() */
	lunatik_newclass(L, &lunatik_runtime_class);
	lua_pushcfunction(L, lunatik_print);
	lua_setglobal(L, "print");
	lua_pushliteral(L, "Lua 5.4-kernel");
	lua_setglobal(L, "_VERSION");
	lua_pushliteral(L, LUNATIK_VERSION);
	lua_setglobal(L, "_LUNATIK_VERSION");
}

/* Protected: opens the libraries, then loads and runs the script. */
static int lunatik_loadscript(lua_State *L)
{
	const char *script = lua_touserdata(L, 1);

	lunatik_openlibs(L);
	lua_pushfstring(L, LUA_ROOT "%s.lua", script);
	if (luaL_loadfilex(L, lua_tostring(L, -1), "t") != LUA_OK)
		return lua_error(L);
	lua_call(L, 0, 1);
	/* A returned function is what runtime:resume() runs, as a coroutine. */
	if (lua_isfunction(L, -1)) {
		lua_State *co;

		lua_pushvalue(L, -1);
		lua_rawsetp(L, LUA_REGISTRYINDEX, &lunatik_entrykey);
		co = lua_newthread(L);

		lua_pushvalue(L, -2);
		lua_xmove(L, co, 1);
		lua_rawsetp(L, LUA_REGISTRYINDEX, &lunatik_resumekey);
	}
	/* Finalizers of what loading left run now, under the loading's budget. */
	lua_gc(L, LUA_GCCOLLECT);
	return 0;
}

static bool lunatik_validscript(const char *script)
{
	size_t len = strnlen(script, LUNATIK_SCRIPT_MAX + 1);
	const char *p;

	if (!len || len > LUNATIK_SCRIPT_MAX || script[0] == '/')
		return false;
	for (p = script; *p; p++)
		if (!isalnum(*p) && !strchr("_./-", *p))
			return false;
	return !strstr(script, "..");
}

/*
 * Runtimes that lunatik.runtime() created from another runtime (its
 * children) stop when it stops, whoever else holds them (a thread, a
 * hook): a script's runtimes never outlive it. The link is weak: a child
 * that closes first unlinks itself. Released runtimes unlink from any
 * context, so a spinlock.
 */
struct lunatik_child {
	struct list_head list;
	lunatik_object_t *runtime;
	struct lunatik_state *parent;
};

static LIST_HEAD(lunatik_children);
static DEFINE_SPINLOCK(lunatik_children_lock);

int lunatik_adopt(lua_State *L, lunatik_object_t *runtime)
{
	struct lunatik_child *child = kmalloc(sizeof(*child), GFP_KERNEL);
	unsigned long flags;

	if (!child)
		return -ENOMEM;
	child->runtime = runtime;
	child->parent = lunatik_stateof(L);
	spin_lock_irqsave(&lunatik_children_lock, flags);
	list_add(&child->list, &lunatik_children);
	spin_unlock_irqrestore(&lunatik_children_lock, flags);
	return 0;
}

static void lunatik_unlink(lunatik_object_t *runtime)
{
	struct lunatik_child *child, *found = NULL;
	unsigned long flags;

	spin_lock_irqsave(&lunatik_children_lock, flags);
	list_for_each_entry(child, &lunatik_children, list) {
		if (child->runtime == runtime) {
			list_del(&child->list);
			found = child;
			break;
		}
	}
	spin_unlock_irqrestore(&lunatik_children_lock, flags);
	kfree(found);
}

/* True if ancestor is runtime or one of the runtimes it descends from. */
static bool lunatik_descends(lunatik_object_t *runtime, lunatik_object_t *ancestor)
{
	struct lunatik_child *child;
	unsigned long flags;
	bool found = false;

	spin_lock_irqsave(&lunatik_children_lock, flags);
	while (runtime && !found) {
		lunatik_object_t *parent = NULL;

		found = runtime == ancestor;
		list_for_each_entry(child, &lunatik_children, list) {
			if (child->runtime == runtime) {
				parent = child->parent->runtime;
				break;
			}
		}
		runtime = parent;
	}
	spin_unlock_irqrestore(&lunatik_children_lock, flags);
	return found;
}

static void lunatik_close(lunatik_object_t *runtime);

/* Stops the children of a state that closes (process context). */
static void lunatik_closechildren(struct lunatik_state *s)
{
	for (;;) {
		struct lunatik_child *child, *found = NULL;
		lunatik_object_t *runtime = NULL;
		unsigned long flags;

		spin_lock_irqsave(&lunatik_children_lock, flags);
		list_for_each_entry(child, &lunatik_children, list) {
			if (child->parent == s) {
				list_del(&child->list);
				found = child;
				/* Released meanwhile: its release closes it. */
				if (kref_get_unless_zero(&child->runtime->kref))
					runtime = child->runtime;
				break;
			}
		}
		spin_unlock_irqrestore(&lunatik_children_lock, flags);
		if (!found)
			return;
		kfree(found);
		if (runtime) {
			lunatik_close(runtime);
			lunatik_putobject(runtime);
		}
	}
}

static void lunatik_closestate(struct lunatik_state *s)
{
	lua_State *L = s->L;

	lunatik_closechildren(s);

	/* Finalizers run now: in process context, with room to allocate, on a budget. */
	s->gfp = GFP_KERNEL;
	lunatik_enter(L);
	lunatik_budgetbegin(s, true, true);
	lua_close(L);
	lunatik_closechildren(s);	/* made by finalizers */
	/* Buffers still charged (shared, or kept by C code) uncharge later. */
	if (s->charge)
		kref_put(&s->charge->kref, lunatik_freecharge);
	lunatik_putmodules(s);
	if (s->group)
		lunatik_groupput(s->group);
	kfree(s);
}

static void lunatik_closework(struct work_struct *work)
{
	lunatik_closestate(container_of(work, struct lunatik_state, close_work));
}

/*
 * The last reference of a runtime that was never stopped: close its state.
 * Finalizers may sleep, so from atomic context that waits for a worker.
 */
static void lunatik_releaseruntime(void *private)
{
	struct lunatik_state *s = lunatik_stateof(private);

	lunatik_unlink(s->runtime);
	if (in_task() && !in_atomic() && !irqs_disabled()) {
		lunatik_closestate(s);
	} else {
		s->runtime = NULL;	/* about to be freed */
		INIT_WORK(&s->close_work, lunatik_closework);
		queue_work(lunatik_wq, &s->close_work);
	}
}

static int lunatik_stopmethod(lua_State *L);
static int lunatik_gcruntime(lua_State *L);

static const luaL_Reg lunatik_runtime_methods[] = {
	{"stop", lunatik_stopmethod},
	{"__close", lunatik_stopmethod},
	{"__gc", lunatik_gcruntime},
	{"resume", lunatik_resume},
	{NULL, NULL}
};

const lunatik_class_t lunatik_runtime_class = {
	.name = "runtime",
	.methods = lunatik_runtime_methods,
	.release = lunatik_releaseruntime,
	.sleep = false,
};

int lunatik_newruntime(lunatik_object_t **pruntime, const char *script, bool sleep,
		       char *err, size_t errlen)
{
	return lunatik_newgroupruntime(pruntime, script, sleep, NULL, -1, err, errlen);
}

int lunatik_newgroupruntime(lunatik_object_t **pruntime, const char *script, bool sleep,
			    struct lunatik_group *group, int cpu, char *err, size_t errlen)
{
	lunatik_object_t *runtime;
	struct lunatik_state *s;
	lua_State *L;

	might_sleep();
	if (!lunatik_validscript(script)) {
		snprintf(err, errlen, "invalid script name '%.*s'", LUNATIK_SCRIPT_MAX, script);
		return -EINVAL;
	}
	runtime = lunatik_createobject(&lunatik_runtime_class, 0, sleep);
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!runtime || !s)
		goto nomem;
	s->gfp = GFP_KERNEL;	/* loading runs in process context */
	s->sleep = sleep;
	s->runtime = runtime;
	s->limit = READ_ONCE(memory_limit);
	strscpy(s->script, script, sizeof(s->script));
	ratelimit_state_init(&s->print_ratelimit, LUNATIK_PRINT_INTERVAL, LUNATIK_PRINT_BURST);
	INIT_LIST_HEAD(&s->modules);
	L = lua_newstate(lunatik_alloc, s);
	if (!L)
		goto nomem;
	s->L = L;
	*(struct lunatik_state **)lua_getextraspace(L) = s;
	/* Set before the script runs: what it registers joins the group's objects. */
	s->cpu = cpu;
	s->group = group;
	if (group)
		lunatik_groupget(group);

	lunatik_enter(L);
	lua_pushcfunction(L, lunatik_loadscript);
	lua_pushlightuserdata(L, (void *)script);
	/* On behalf of the task that asked for it: ends on its signals, sleepable or not. */
	if (lunatik_pcallbudget(L, 1, 0, false, true) != LUA_OK) {
		const char *msg = lua_tostring(L, -1);

		snprintf(err, errlen, "%s", msg ? msg : "error object is not a string");
		lunatik_closestate(s);
		lunatik_putobject(runtime);
		return -ENOEXEC;
	}

	lunatik_lock(runtime);
	s->gfp = runtime->gfp;
	runtime->private = L;
	lunatik_unlock(runtime);
	*pruntime = runtime;
	return 0;
nomem:
	kfree(s);
	if (runtime)
		lunatik_putobject(runtime);
	snprintf(err, errlen, "not enough memory");
	return -ENOMEM;
}

int lunatik_runtime(lunatik_object_t **pruntime, const char *script, bool sleep)
{
	char *err = kmalloc(LUNATIK_ERROR_MAX, GFP_KERNEL);
	int ret;

	if (!err)
		return -ENOMEM;
	ret = lunatik_newruntime(pruntime, script, sleep, err, LUNATIK_ERROR_MAX);
	if (ret)
		pr_err("%s: %s\n", script, err);
	kfree(err);
	return ret == -ENOEXEC ? -EINVAL : ret;
}
EXPORT_SYMBOL_GPL(lunatik_runtime);

int lunatik_pushentry(lua_State *L)
{
	return lua_rawgetp(L, LUA_REGISTRYINDEX, &lunatik_entrykey);
}
EXPORT_SYMBOL_GPL(lunatik_pushentry);

/* Pops a function: what threads of this runtime run from now on. */
void lunatik_setentry(lua_State *L)
{
	lua_rawsetp(L, LUA_REGISTRYINDEX, &lunatik_entrykey);
}

/* Tasks that hold a runtime's lock for long; few, so one list. */
static LIST_HEAD(lunatik_attachments);
static DEFINE_MUTEX(lunatik_attachments_mutex);

static struct lunatik_attachment *lunatik_findattachment(lunatik_object_t *runtime)
{
	struct lunatik_attachment *a;

	list_for_each_entry(a, &lunatik_attachments, list)
		if (a->runtime == runtime)
			return a;
	return NULL;
}

int lunatik_attach(lunatik_object_t *runtime, struct lunatik_attachment *attachment)
{
	int ret = 0;

	mutex_lock(&lunatik_attachments_mutex);
	if (lunatik_findattachment(runtime))
		ret = -EBUSY;
	else if (!try_module_get(attachment->owner))
		ret = -ENODEV;
	else {
		attachment->runtime = runtime;
		list_add(&attachment->list, &lunatik_attachments);
	}
	mutex_unlock(&lunatik_attachments_mutex);
	return ret;
}
EXPORT_SYMBOL_GPL(lunatik_attach);

bool lunatik_attached(lunatik_object_t *runtime)
{
	bool attached;

	mutex_lock(&lunatik_attachments_mutex);
	attached = lunatik_findattachment(runtime) != NULL;
	mutex_unlock(&lunatik_attachments_mutex);
	return attached;
}
EXPORT_SYMBOL_GPL(lunatik_attached);

/* Called by whoever took attachment off the list: it is theirs to stop. */
static void lunatik_stopdetached(struct lunatik_attachment *attachment)
{
	struct module *owner = attachment->owner;	/* stop() may free attachment */

	attachment->stop(attachment);
	module_put(owner);
}

bool lunatik_stopattached(struct lunatik_attachment *attachment)
{
	bool mine;

	might_sleep();
	mutex_lock(&lunatik_attachments_mutex);
	mine = !list_empty(&attachment->list);
	if (mine)
		list_del_init(&attachment->list);
	mutex_unlock(&lunatik_attachments_mutex);
	if (mine)
		lunatik_stopdetached(attachment);
	return mine;
}
EXPORT_SYMBOL_GPL(lunatik_stopattached);

bool lunatik_detach(struct lunatik_attachment *attachment)
{
	bool mine;

	mutex_lock(&lunatik_attachments_mutex);
	mine = !list_empty(&attachment->list);
	if (mine)
		list_del_init(&attachment->list);
	mutex_unlock(&lunatik_attachments_mutex);
	return mine;
}
EXPORT_SYMBOL_GPL(lunatik_detach);

/* Closes the runtime's state; in-flight and later lunatik_run() calls see -ENXIO. */
static void lunatik_close(lunatik_object_t *runtime)
{
	struct lunatik_attachment *a;
	lua_State *L;

	might_sleep();
	/* A thread holds the lock until it is stopped: stop it first. */
	for (;;) {
		mutex_lock(&lunatik_attachments_mutex);
		a = lunatik_findattachment(runtime);
		if (a)
			list_del_init(&a->list);
		mutex_unlock(&lunatik_attachments_mutex);
		if (!a)
			break;
		lunatik_stopdetached(a);
	}
	lunatik_lock(runtime);
	L = runtime->private;
	runtime->private = NULL;
	lunatik_unlock(runtime);
	if (L) {
		lunatik_unlink(runtime);
		lunatik_closestate(lunatik_stateof(L));
	}
}

int lunatik_stop(lunatik_object_t *runtime)
{
	lunatik_close(runtime);
	return lunatik_putobject(runtime);
}
EXPORT_SYMBOL_GPL(lunatik_stop);

/*
 * A collected handle drops its reference, as in Lunatik: the runtime lives
 * on while something else holds it (a thread running its function, a hook,
 * another runtime), at the latest until the runtime that created it stops.
 * runtime:stop() and to-be-closed handles stop it at once.
 */
static int lunatik_gcruntime(lua_State *L)
{
	lunatik_object_t **pruntime = lua_touserdata(L, 1);
	lunatik_object_t *runtime = *pruntime;

	if (!runtime)
		return 0;
	*pruntime = NULL;
	lunatik_putobject(runtime);
	return 0;
}

static int lunatik_stopmethod(lua_State *L)
{
	lunatik_object_t *runtime = lunatik_checkobject(L, 1, &lunatik_runtime_class);

	if (lunatik_descends(lunatik_toruntime(L), runtime))
		return luaL_error(L, "a runtime cannot stop itself or a runtime it descends from");
	if (!lunatik_sleepable(L))
		return luaL_error(L, "runtime:stop() needs a sleepable runtime");
	lunatik_close(runtime);
	return 0;
}

static void lunatik_atomic_release(lunatik_object_t *runtime, struct lunatik_atomic *a)
{
	if (runtime->sleep) {
		mutex_unlock(&runtime->mutex);
	} else {
		spin_unlock(&runtime->spin);
		local_irq_restore(a->flags);
	}
}

/*
 * A free mutex has no owner and no flags: taken so, its unlock is the fast
 * path, so an interrupted task of this CPU that holds the mutex's wait_lock
 * is never waited for.
 */
int lunatik_atomic_lock(lunatik_object_t *runtime, lua_State **pL, struct lunatik_atomic *a)
{
	struct lunatik_state *s;
	lua_State *L;

	if (in_nmi())
		return -EBUSY;
	if (runtime->sleep) {
		if (atomic_long_read(&runtime->mutex.owner) || !mutex_trylock(&runtime->mutex))
			return -EBUSY;
	} else {
		local_irq_save(a->flags);
		if (!spin_trylock(&runtime->spin)) {
			local_irq_restore(a->flags);
			return -EBUSY;
		}
	}
	L = runtime->private;
	if (!L) {
		lunatik_atomic_release(runtime, a);
		return -ENXIO;
	}
	s = lunatik_stateof(L);
	a->gfp = s->gfp;
	a->sleep = s->sleep;
	a->hook = lua_gethook(L);
	a->hookmask = lua_gethookmask(L);
	a->hookcount = lua_gethookcount(L);
	s->gfp = GFP_ATOMIC;
	s->sleep = false;
	lua_sethook(L, NULL, 0, 0);
	lunatik_enter(L);
	*pL = L;
	return 0;
}
EXPORT_SYMBOL_GPL(lunatik_atomic_lock);

void lunatik_atomic_unlock(lunatik_object_t *runtime, lua_State *L, struct lunatik_atomic *a)
{
	struct lunatik_state *s = lunatik_stateof(L);

	s->gfp = a->gfp;
	s->sleep = a->sleep;
	lua_sethook(L, a->hook, a->hookmask, a->hookcount);
	lunatik_atomic_release(runtime, a);
}
EXPORT_SYMBOL_GPL(lunatik_atomic_unlock);
