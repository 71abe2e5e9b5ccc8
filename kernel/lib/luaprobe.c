// SPDX-License-Identifier: GPL-2.0
/*
 * require("probe"): kprobes whose handlers are Lua functions.
 *
 * probe.new(symbol | address, {pre = fn, post = fn}) puts a kprobe on a
 * kernel symbol (a string) or address (a light userdata, as syscall.address
 * gives) and returns a probe object; either handler may be absent. Each
 * handler gets the symbol or address and a closure that, called during the
 * handler, logs the CPU registers and the stack. The object is anchored in
 * the runtime's registry: the probe stays until p:stop() or until the
 * runtime stops (lua_close collects it, in process context).
 *
 * kprobe handlers run with preemption off (interrupts too, but on an
 * ftrace site), possibly on a CPU that is inside this very runtime (a
 * probe on a function the script calls): the runtime is entered with
 * lunatik_atomic_lock(), never waiting, and a busy runtime misses the hit
 * (counted). A handler that raises is counted and logged at a bounded rate.
 */
#define pr_fmt(fmt) "luaprobe: " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/kprobes.h>
#include <linux/kallsyms.h>
#include <linux/ratelimit.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "lunatik.h"

struct luaprobe {
	struct kprobe kp;
	lunatik_object_t *runtime;	/* a reference while bound */
	char *symbol;			/* NULL when probed by address */
	void *address;			/* what the handlers get when no symbol */
	bool registered;
	bool pre, post;			/* which handlers the table has */
	int handlers;			/* {pre =, post =}, in the registry */
	int anchor;			/* the userdata, in the registry */
	atomic64_t hits, errors, misses;
	struct ratelimit_state ratelimit;
};

static const lunatik_class_t luaprobe_class;

#define LUAPROBE_LOG_INTERVAL	(5 * HZ)
#define LUAPROBE_LOG_BURST	10

static bool luaprobe_maysleep(void)
{
	return in_task() && !in_atomic() && !irqs_disabled();
}

/* dump(): valid only during its handler; logs the registers and the stack. */
static int luaprobe_dump(lua_State *L)
{
	struct pt_regs *regs = lua_touserdata(L, lua_upvalueindex(1));

	if (!regs)
		return luaL_error(L, "probe: dump() is only valid during its handler");
#ifdef CONFIG_X86_64
	pr_info("ip %pS sp %016lx flags %08lx\n", (void *)regs->ip, regs->sp, regs->flags);
	pr_info("ax %016lx bx %016lx cx %016lx dx %016lx\n", regs->ax, regs->bx, regs->cx, regs->dx);
	pr_info("si %016lx di %016lx bp %016lx r8 %016lx\n", regs->si, regs->di, regs->bp, regs->r8);
	pr_info("r9 %016lx r10 %016lx r11 %016lx r12 %016lx\n", regs->r9, regs->r10, regs->r11, regs->r12);
	pr_info("r13 %016lx r14 %016lx r15 %016lx orig_ax %016lx\n", regs->r13, regs->r14, regs->r15,
		regs->orig_ax);
#else
	pr_info("ip %pS sp %016lx\n", (void *)instruction_pointer(regs), kernel_stack_pointer(regs));
#endif
	dump_stack();
	return 0;
}

/*
 * The one place where this library calls Lua: handler(symbol | address,
 * dump) of the table's field, protected. Errors are counted and logged.
 */
static void luaprobe_call(lua_State *L, struct luaprobe *probe, const char *field,
			  struct pt_regs *regs)
{
	int top = lua_gettop(L);
	const char *msg;

	if (lua_rawgeti(L, LUA_REGISTRYINDEX, probe->handlers) != LUA_TTABLE ||
	    lua_getfield(L, -1, field) != LUA_TFUNCTION)
		goto out;
	atomic64_inc(&probe->hits);
	if (probe->symbol)
		lua_pushstring(L, probe->symbol);
	else
		lua_pushlightuserdata(L, probe->address);
	lua_pushlightuserdata(L, regs);
	lua_pushcclosure(L, luaprobe_dump, 1);
	lua_pushvalue(L, -1);
	lua_insert(L, top + 1);		/* keeps dump() to invalidate it after */
	if (lunatik_pcall(L, 2, 0) != LUA_OK) {
		atomic64_inc(&probe->errors);
		if (__ratelimit(&probe->ratelimit)) {
			msg = lua_isstring(L, -1) ? lua_tostring(L, -1) : "error object is not a string";
			pr_notice("%s handler of %s: %s\n", field,
				  probe->symbol ? probe->symbol : "address", msg);
		}
	}
	/* A dump() kept by the script must not read these registers later. */
	lua_pushnil(L);
	lua_setupvalue(L, top + 1, 1);
out:
	lua_settop(L, top);
}

static void luaprobe_handle(struct luaprobe *probe, const char *field, struct pt_regs *regs)
{
	struct lunatik_atomic a;
	lua_State *L;
	int ret;

	ret = lunatik_atomic_lock(probe->runtime, &L, &a);
	if (ret) {
		if (ret == -EBUSY)
			atomic64_inc(&probe->misses);
		return;
	}
	luaprobe_call(L, probe, field, regs);
	lunatik_atomic_unlock(probe->runtime, L, &a);
}

static int luaprobe_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct luaprobe *probe = container_of(kp, struct luaprobe, kp);

	if (probe->pre)
		luaprobe_handle(probe, "pre", regs);
	return 0;	/* go on with the probed instruction */
}

static void luaprobe_post(struct kprobe *kp, struct pt_regs *regs, unsigned long flags)
{
	struct luaprobe *probe = container_of(kp, struct luaprobe, kp);

	if (probe->post)
		luaprobe_handle(probe, "post", regs);
}

/* Process context. Waits for handlers in flight. */
static void luaprobe_unregister(struct luaprobe *probe)
{
	if (!probe->registered)
		return;
	unregister_kprobe(&probe->kp);
	probe->registered = false;
}

static void luaprobe_release(void *private)
{
	struct luaprobe *probe = private;

	luaprobe_unregister(probe);	/* not reached registered: __gc unregisters */
	kfree(probe->symbol);
	if (probe->runtime) {
		ratelimit_state_exit(&probe->ratelimit);
		lunatik_putobject(probe->runtime);
	}
}

/* p:stop(): idempotent; the object stays, inert. */
static int luaprobe_stop(lua_State *L)
{
	lunatik_object_t *object = lunatik_checkobject(L, 1, &luaprobe_class);
	struct luaprobe *probe = object->private;

	if (!probe || (!probe->registered && probe->anchor == LUA_NOREF))
		return 0;
	if (!luaprobe_maysleep())
		return luaL_error(L, "probe: cannot stop a probe in atomic context (from a handler)");
	luaprobe_unregister(probe);
	luaL_unref(L, LUA_REGISTRYINDEX, probe->anchor);
	luaL_unref(L, LUA_REGISTRYINDEX, probe->handlers);
	probe->anchor = probe->handlers = LUA_NOREF;
	return 0;
}

/* p:enable(bool) */
static int luaprobe_enable(lua_State *L)
{
	struct luaprobe *probe = lunatik_checkprivate(L, 1, &luaprobe_class);
	bool enable;
	int ret;

	luaL_checktype(L, 2, LUA_TBOOLEAN);
	enable = lua_toboolean(L, 2);
	if (!probe->registered)
		return luaL_error(L, "probe: stopped");
	if (!luaprobe_maysleep())
		return luaL_error(L, "probe: cannot enable or disable a probe in atomic context");
	ret = enable ? enable_kprobe(&probe->kp) : disable_kprobe(&probe->kp);
	if (ret)
		return luaL_error(L, "probe: cannot %s the probe (error %d)",
				  enable ? "enable" : "disable", ret);
	return 0;
}

/* p:stats(): handler calls, their errors, and hits missed (runtime busy). */
static int luaprobe_stats(lua_State *L)
{
	struct luaprobe *probe = lunatik_checkprivate(L, 1, &luaprobe_class);

	lua_pushinteger(L, (lua_Integer)atomic64_read(&probe->hits));
	lua_pushinteger(L, (lua_Integer)atomic64_read(&probe->errors));
	lua_pushinteger(L, (lua_Integer)atomic64_read(&probe->misses));
	return 3;
}

/* Collected: by lua_close at the latest (process context), or once stopped. */
static int luaprobe_gc(lua_State *L)
{
	lunatik_object_t **pobject = lua_touserdata(L, 1);
	lunatik_object_t *object = *pobject;

	if (!object)
		return 0;
	*pobject = NULL;
	if (object->private && luaprobe_maysleep())
		luaprobe_unregister(object->private);
	lunatik_putobject(object);
	return 0;
}

static const luaL_Reg luaprobe_methods[] = {
	{"stop", luaprobe_stop},
	{"enable", luaprobe_enable},
	{"stats", luaprobe_stats},
	{"__close", luaprobe_stop},
	{"__gc", luaprobe_gc},
	{NULL, NULL}
};

static const lunatik_class_t luaprobe_class = {
	.name = "probe",
	.methods = luaprobe_methods,
	.release = luaprobe_release,
	.sleep = false,
	.single = true,
};

static const char *luaprobe_strerror(int err)
{
	switch (err) {
	case -ENOENT:
		return "no such symbol";
	case -EINVAL:
		return "cannot be probed (not kernel text, blacklisted or not an instruction boundary)";
	case -EILSEQ:
		return "not an instruction boundary";
	case -EBUSY:
		return "already probed in a way that excludes this probe";
	case -ENOMEM:
		return "not enough memory";
	}
	return "cannot register the probe";
}

static int luaprobe_new(lua_State *L)
{
	lunatik_object_t *object;
	struct luaprobe *probe;
	const char *symbol = NULL;
	void *address = NULL;
	int ret;

	if (lua_islightuserdata(L, 1)) {
		address = lua_touserdata(L, 1);
		if (!address)
			return luaL_argerror(L, 1, "NULL address");
	} else if (lua_type(L, 1) == LUA_TSTRING) {
		symbol = lua_tostring(L, 1);
		if (!*symbol || strlen(symbol) >= KSYM_NAME_LEN)
			return luaL_argerror(L, 1, "invalid symbol name");
	} else {
		return luaL_typeerror(L, 1, "symbol (string) or address (light userdata)");
	}
	luaL_checktype(L, 2, LUA_TTABLE);
	if (lua_getfield(L, 2, "pre") > LUA_TNIL && !lua_isfunction(L, -1))
		return luaL_argerror(L, 2, "'pre' must be a function");
	if (lua_getfield(L, 2, "post") > LUA_TNIL && !lua_isfunction(L, -1))
		return luaL_argerror(L, 2, "'post' must be a function");
	lua_pop(L, 2);
	if (!luaprobe_maysleep())
		return luaL_error(L, "probe.new: cannot register a probe in atomic context");

	object = lunatik_newobject(L, &luaprobe_class, sizeof(struct luaprobe));
	probe = object->private;
	probe->anchor = probe->handlers = LUA_NOREF;
	if (symbol) {
		probe->symbol = kstrdup(symbol, GFP_KERNEL);
		if (!probe->symbol)
			return luaL_error(L, "probe.new: not enough memory");
		probe->kp.symbol_name = probe->symbol;
	} else {
		probe->address = address;
		probe->kp.addr = address;
	}
	ratelimit_state_init(&probe->ratelimit, LUAPROBE_LOG_INTERVAL, LUAPROBE_LOG_BURST);
	ratelimit_set_flags(&probe->ratelimit, RATELIMIT_MSG_ON_RELEASE);
	probe->runtime = lunatik_toruntime(L);
	lunatik_getobject(probe->runtime);
	probe->pre = lua_getfield(L, 2, "pre") != LUA_TNIL;
	probe->post = lua_getfield(L, 2, "post") != LUA_TNIL;
	lua_pop(L, 2);
	/*
	 * Both handlers, whatever the table has (as Lunatik). On a function's
	 * ftrace site, kprobes arms a probe with a post handler through its
	 * IP-modifying ftrace_ops and one without through the other, chosen
	 * again at disarm time from the post handler of the site's aggregate
	 * probe. Probes with and without post on one function (systrack's
	 * and another script's) would change that in between: the disarm
	 * fails ("Failed to disarm kprobe-ftrace", a WARN) and the site stays
	 * armed with a freed kprobe. With a post handler on every probe, ours
	 * always agree. The cost: no jump optimization of int3 probes, and no
	 * coexistence with another IP-modifying user of the function
	 * (livepatch), which register_kprobe reports (-EBUSY).
	 */
	probe->kp.pre_handler = luaprobe_pre;
	probe->kp.post_handler = luaprobe_post;

	/* Anchored before registering: nothing below raises until it is undone. */
	lua_pushvalue(L, 2);
	probe->handlers = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_pushvalue(L, -1);
	probe->anchor = luaL_ref(L, LUA_REGISTRYINDEX);

	ret = register_kprobe(&probe->kp);
	if (ret) {
		luaL_unref(L, LUA_REGISTRYINDEX, probe->anchor);
		luaL_unref(L, LUA_REGISTRYINDEX, probe->handlers);
		probe->anchor = probe->handlers = LUA_NOREF;
		if (symbol)
			return luaL_error(L, "probe.new: %s: %s (error %d)", symbol,
					  luaprobe_strerror(ret), ret);
		return luaL_error(L, "probe.new: %p: %s (error %d)", address,
				  luaprobe_strerror(ret), ret);
	}
	probe->registered = true;
	return 1;
}

static int luaopen_probe(lua_State *L)
{
	static const luaL_Reg funcs[] = {
		{"new", luaprobe_new},
		{NULL, NULL}
	};

	lunatik_newclass(L, &luaprobe_class);
	luaL_newlib(L, funcs);
	return 1;
}

LUNATIK_LIB_MODULE(probe, luaopen_probe, false);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Lunatik library: probe (kprobes with Lua handlers)");
