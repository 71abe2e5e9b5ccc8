// SPDX-License-Identifier: GPL-2.0
/*
 * require("xdp"): Lua callbacks for XDP programs. A script registers one
 * with xdp.attach(callback); an XDP program calls it through the kfunc
 *
 *	int bpf_luaxdp_run(char *key, size_t key__sz, struct xdp_md *ctx,
 *			   void *arg, size_t arg__sz);
 *
 * where key names the script (as `lunatik run` got it: "examples/filter/sni"),
 * and gets the callback's xdp.action, or a negative errno when no callback
 * ran to completion: -ENOENT (no runtime attached under key), -ENXIO (its
 * runtime is stopped), -ECANCELED (the callback raised, ran out of budget
 * or returned something other than an xdp.action). Programs map that to
 * their own default, as Lunatik's https.c does (XDP_PASS).
 *
 * Runtimes are found by key in a hash table read under RCU: the kfunc runs
 * in the XDP program's RCU read-side section, and a binding (and the
 * runtime reference it holds) is freed only after a grace period. The
 * callback, and the two data views it gets (the packet from data to
 * data_end, and the program's argument), live in the runtime's registry,
 * in a userdata whose __gc unlinks the binding when the state closes. The
 * call itself runs with the runtime locked (lunatik_run) and under its
 * budget (lunatik_pcall); the views are emptied after it, so a script that
 * keeps them cannot reach a packet that has gone. Nothing is allocated per
 * packet; errors are counted and logged at a bounded rate.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/hashtable.h>
#include <linux/jhash.h>
#include <linux/rculist.h>
#include <linux/ratelimit.h>
#include <linux/percpu.h>
#include <linux/bpf.h>
#include <net/xdp.h>

#include "lunatik.h"
#include "luadata.h"
#define LUNATIK_COMPAT_KFUNC
#include "lunatik_compat.h"

/* At most 10 log lines per 5 seconds per binding, and as many for unbound keys. */
#define LUAXDP_LOG_INTERVAL	(5 * HZ)
#define LUAXDP_LOG_BURST	10
/* Longer keys cannot name a script (lunatik.runtime() refuses them). */
#define LUAXDP_KEY_MAX		256

struct luaxdp_binding {
	struct hlist_node node;
	struct rcu_head rcu;
	lunatik_object_t *runtime;	/* a reference, dropped after a grace period */
	lunatik_object_t *buffer;	/* the views, kept by the registry's userdata */
	lunatik_object_t *argument;
	struct ratelimit_state ratelimit;
	u32 hash;
	size_t keylen;
	char key[];
};

/* The registry entry of a runtime that attached: the userdata's payload. */
struct luaxdp_entry {
	struct luaxdp_binding *binding;	/* NULL once detached */
};

/* user values of the entry */
#define LUAXDP_CALLBACK		1
#define LUAXDP_BUFFER		2
#define LUAXDP_ARGUMENT		3

#define LUAXDP_ENTRY_MT		"xdp.entry"

static const char luaxdp_regkey;	/* registry key of the entry */

static DEFINE_HASHTABLE(luaxdp_bindings, 6);
static DEFINE_SPINLOCK(luaxdp_lock);	/* writers of luaxdp_bindings */

/*
 * Counters, read in /sys/module/luaxdp/parameters/: callbacks run, Lua
 * errors (and results that are not actions), and calls that found no
 * runtime to run (no key attached, or a stopped runtime).
 */
struct luaxdp_stats {
	u64 calls;
	u64 errors;
	u64 unbound;
};

static DEFINE_PER_CPU(struct luaxdp_stats, luaxdp_stats);
static DEFINE_RATELIMIT_STATE(luaxdp_unbound_ratelimit, LUAXDP_LOG_INTERVAL, LUAXDP_LOG_BURST);

static int luaxdp_getstat(char *buffer, const struct kernel_param *kp)
{
	size_t offset = (size_t)kp->arg;
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += *(u64 *)((char *)per_cpu_ptr(&luaxdp_stats, cpu) + offset);
	return sysfs_emit(buffer, "%llu\n", sum);
}

static const struct kernel_param_ops luaxdp_stat_ops = {
	.get = luaxdp_getstat,
};

module_param_cb(calls, &luaxdp_stat_ops, (void *)offsetof(struct luaxdp_stats, calls), 0444);
MODULE_PARM_DESC(calls, "callbacks that bpf_luaxdp_run ran");
module_param_cb(errors, &luaxdp_stat_ops, (void *)offsetof(struct luaxdp_stats, errors), 0444);
MODULE_PARM_DESC(errors, "callbacks that raised or returned no xdp.action");
module_param_cb(unbound, &luaxdp_stat_ops, (void *)offsetof(struct luaxdp_stats, unbound), 0444);
MODULE_PARM_DESC(unbound, "bpf_luaxdp_run calls that found no running callback for their key");

static inline u32 luaxdp_hash(const char *key, size_t keylen)
{
	return jhash(key, keylen, 0);
}

/* Under rcu_read_lock(). */
static struct luaxdp_binding *luaxdp_find(const char *key, size_t keylen, u32 hash)
{
	struct luaxdp_binding *b;

	hash_for_each_possible_rcu(luaxdp_bindings, b, node, hash)
		if (b->hash == hash && b->keylen == keylen && !memcmp(b->key, key, keylen))
			return b;
	return NULL;
}

static void luaxdp_free(struct rcu_head *rcu)
{
	struct luaxdp_binding *b = container_of(rcu, struct luaxdp_binding, rcu);

	/* The last reference of a runtime closes it from a worker in atomic context. */
	lunatik_putobject(b->runtime);
	kfree(b);
}

/* Unlinks the entry's binding; kfunc calls that found it end before it is freed. */
static void luaxdp_unbind(struct luaxdp_entry *entry)
{
	struct luaxdp_binding *b = entry->binding;

	if (!b)
		return;
	entry->binding = NULL;
	spin_lock_bh(&luaxdp_lock);
	hash_del_rcu(&b->node);
	spin_unlock_bh(&luaxdp_lock);
	call_rcu(&b->rcu, luaxdp_free);
}

/* The state closes (or the entry was replaced): a C finalizer, always run. */
static int luaxdp_gcentry(lua_State *L)
{
	luaxdp_unbind(luaL_checkudata(L, 1, LUAXDP_ENTRY_MT));
	return 0;
}

/* Pushes the runtime's entry, or nil; returns it (NULL for nil). */
static struct luaxdp_entry *luaxdp_getentry(lua_State *L)
{
	if (lua_rawgetp(L, LUA_REGISTRYINDEX, &luaxdp_regkey) != LUA_TUSERDATA)
		return NULL;
	return lua_touserdata(L, -1);
}

/*
 * xdp.attach(callback): bpf_luaxdp_run calls with this script's name as
 * key run callback(buffer, argument) from now on. Attaching again replaces
 * the callback. Only one runtime may be attached under a name.
 */
static int luaxdp_attach(lua_State *L)
{
	const char *key = lunatik_scriptname(L);
	size_t keylen = strlen(key);
	struct luaxdp_entry *entry;
	struct luaxdp_binding *b, *other;
	lunatik_object_t *buffer, *argument;
	u32 hash = luaxdp_hash(key, keylen);

	if (lunatik_sleepable(L))
		return luaL_error(L, "xdp.attach: XDP callbacks need a non-sleepable runtime "
				  "(lunatik run %s false)", key);
	luaL_checktype(L, 1, LUA_TFUNCTION);
	lua_settop(L, 1);

	entry = luaxdp_getentry(L);
	if (entry && entry->binding) {
		lua_pushvalue(L, 1);
		lua_setiuservalue(L, -2, LUAXDP_CALLBACK);
		return 0;
	}
	lua_pop(L, 1);

	/* The entry first: from here on, its __gc frees whatever we bind. */
	entry = lua_newuserdatauv(L, sizeof(*entry), 3);
	entry->binding = NULL;
	luaL_setmetatable(L, LUAXDP_ENTRY_MT);
	lua_pushvalue(L, 1);
	lua_setiuservalue(L, 2, LUAXDP_CALLBACK);

	buffer = luadata_newview(L);
	lua_setiuservalue(L, 2, LUAXDP_BUFFER);
	argument = luadata_newview(L);
	lua_setiuservalue(L, 2, LUAXDP_ARGUMENT);

	b = kzalloc(sizeof(*b) + keylen + 1, GFP_ATOMIC | __GFP_NOWARN);
	if (!b)
		return luaL_error(L, "xdp.attach: not enough memory");
	b->buffer = buffer;
	b->argument = argument;
	b->hash = hash;
	b->keylen = keylen;
	memcpy(b->key, key, keylen);
	ratelimit_state_init(&b->ratelimit, LUAXDP_LOG_INTERVAL, LUAXDP_LOG_BURST);
	b->runtime = lunatik_toruntime(L);

	spin_lock_bh(&luaxdp_lock);
	rcu_read_lock();
	other = luaxdp_find(key, keylen, hash);
	rcu_read_unlock();
	if (!other) {
		lunatik_getobject(b->runtime);
		hash_add_rcu(luaxdp_bindings, &b->node, hash);
	}
	spin_unlock_bh(&luaxdp_lock);
	if (other) {
		kfree(b);
		return luaL_error(L, "xdp.attach: another runtime of '%s' is attached", key);
	}
	entry->binding = b;
	lua_pushvalue(L, 2);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &luaxdp_regkey);
	return 0;
}

/* xdp.detach(): calls for this script's name find no callback any more. */
static int luaxdp_detach(lua_State *L)
{
	struct luaxdp_entry *entry = luaxdp_getentry(L);

	if (entry) {
		luaxdp_unbind(entry);
		lua_pushnil(L);
		lua_rawsetp(L, LUA_REGISTRYINDEX, &luaxdp_regkey);
	}
	return 0;
}

/* With the runtime locked (lunatik_run); returns an action or -errno. */
static int luaxdp_handle(lua_State *L, struct luaxdp_binding *b, struct xdp_buff *xdp,
			 void *arg, size_t argsz)
{
	struct luaxdp_entry *entry = luaxdp_getentry(L);
	lua_Integer action;
	int isint = 0;
	int status;

	/* Detached (and maybe attached again) since the kfunc found b. */
	if (!entry || entry->binding != b)
		return -ENOENT;
	lua_getiuservalue(L, -1, LUAXDP_CALLBACK);
	lua_getiuservalue(L, -2, LUAXDP_BUFFER);
	lua_getiuservalue(L, -3, LUAXDP_ARGUMENT);
	luadata_reset(b->buffer, xdp->data, xdp->data_end - xdp->data, false);
	luadata_reset(b->argument, arg, arg ? argsz : 0, false);
	this_cpu_inc(luaxdp_stats.calls);
	status = lunatik_pcall(L, 2, 1);
	luadata_clear(b->buffer);
	luadata_clear(b->argument);
	if (status == LUA_OK) {
		action = lua_tointegerx(L, -1, &isint);
		if (isint && action >= XDP_ABORTED && action <= XDP_REDIRECT)
			return action;
	}
	this_cpu_inc(luaxdp_stats.errors);
	/* Nothing that allocates here: we are outside any protected call. */
	if (!__ratelimit(&b->ratelimit))
		return -ECANCELED;
	if (status == LUA_OK)
		pr_notice("%s: callback returned %s, not an xdp.action\n", b->key,
			  isint ? "an unknown action" : luaL_typename(L, -1));
	else
		pr_notice("%s: %s\n", b->key, lua_type(L, -1) == LUA_TSTRING ?
			  lua_tostring(L, -1) : "error object is not a string");
	return -ECANCELED;
}

lunatik_kfunc_start_defs();

/*
 * Called from XDP programs (softirq, or a test run in process context), in
 * their RCU read-side section: b and its runtime stay while we use them.
 */
__bpf_kfunc int bpf_luaxdp_run(char *key, size_t key__sz, struct xdp_md *xdp_ctx,
			       void *arg, size_t arg__sz)
{
	struct xdp_buff *xdp = (struct xdp_buff *)xdp_ctx;
	size_t keylen = key ? strnlen(key, min_t(size_t, key__sz, LUAXDP_KEY_MAX)) : 0;
	struct luaxdp_binding *b;
	int ret = -ENOENT;

	rcu_read_lock();
	b = luaxdp_find(key, keylen, luaxdp_hash(key, keylen));
	if (b)
		lunatik_run(b->runtime, luaxdp_handle, ret, b, xdp, arg, arg__sz);
	rcu_read_unlock();
	if (ret == -ENOENT || ret == -ENXIO) {
		this_cpu_inc(luaxdp_stats.unbound);
		if (__ratelimit(&luaxdp_unbound_ratelimit))
			pr_notice("bpf_luaxdp_run: %s '%.*s'\n", ret == -ENXIO ?
				  "stopped runtime" : "no runtime attached as", (int)keylen, key);
	}
	return ret;
}

lunatik_kfunc_end_defs();

BTF_KFUNCS_START(luaxdp_kfuncs)
BTF_ID_FLAGS(func, bpf_luaxdp_run)
BTF_KFUNCS_END(luaxdp_kfuncs)

static const struct btf_kfunc_id_set luaxdp_kfunc_set = {
	.owner = THIS_MODULE,
	.set = &luaxdp_kfuncs,
};

static const lunatik_reg_t luaxdp_actions[] = {
	{"ABORTED", XDP_ABORTED},
	{"DROP", XDP_DROP},
	{"PASS", XDP_PASS},
	{"TX", XDP_TX},
	{"REDIRECT", XDP_REDIRECT},
	{NULL, 0}
};

static int luaopen_xdp(lua_State *L)
{
	static const luaL_Reg funcs[] = {
		{"attach", luaxdp_attach},
		{"detach", luaxdp_detach},
		{NULL, NULL}
	};

	if (luaL_newmetatable(L, LUAXDP_ENTRY_MT)) {
		lua_pushcfunction(L, luaxdp_gcentry);
		lua_setfield(L, -2, "__gc");
	}
	lua_pop(L, 1);
	luaL_newlib(L, funcs);
	lunatik_setconsts(L, -1, "action", luaxdp_actions);
	return 1;
}

static struct lunatik_lib luaxdp_lib = {
	.name = "xdp",
	.open = luaopen_xdp,
	.owner = THIS_MODULE,
	.sleep = false,
};

/* Without BTF of its own the module loads, but no XDP program can call the kfunc. */
static bool luaxdp_hasbtf(void)
{
#ifdef CONFIG_DEBUG_INFO_BTF_MODULES
	return THIS_MODULE->btf_data_size > 0;
#else
	return false;
#endif
}

static int __init luaxdp_init(void)
{
	int ret;

	if (luaxdp_hasbtf()) {
		ret = register_btf_kfunc_id_set(BPF_PROG_TYPE_XDP, &luaxdp_kfunc_set);
		if (ret)
			return ret;
	} else {
		pr_warn("built without BTF: XDP programs cannot call bpf_luaxdp_run "
			"(see README, \"xdp\")\n");
	}
	return lunatik_register_lib(&luaxdp_lib);
}

/* Every state that required us is closed: only RCU callbacks may be left. */
static void __exit luaxdp_exit(void)
{
	lunatik_unregister_lib(&luaxdp_lib);
	rcu_barrier();
}

module_init(luaxdp_init);
module_exit(luaxdp_exit);
MODULE_LICENSE("GPL");
MODULE_VERSION(LUNATIK_RELEASE);
MODULE_DESCRIPTION("Lunatik library: xdp (Lua callbacks for XDP programs, kfunc bpf_luaxdp_run)");
