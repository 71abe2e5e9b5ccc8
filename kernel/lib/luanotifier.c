// SPDX-License-Identifier: GPL-2.0
/*
 * require("notifier"): kernel notifier chains calling Lua.
 *
 * notifier.keyboard(fn) calls fn(event, down, shift, key) for every
 * console keyboard event; notifier.netdevice(fn) calls fn(event, name) for
 * every network device event of the script's network namespace. fn
 * returns a notifier.notify value (nil is DONE). The object is anchored in
 * the runtime's registry: it stays until notfr:stop() (or notfr:delete()),
 * or until the runtime stops (lua_close collects it, in process context).
 *
 * The keyboard chain is atomic (interrupts off): the runtime is entered
 * with lunatik_atomic_lock(), never waiting; a busy runtime misses the
 * event. The netdevice chain runs in process context with RTNL held: a
 * callback that waited there for a runtime busy elsewhere (say, with code
 * that takes RTNL) could deadlock, so a busy runtime gets the event later
 * from a worker, in order and without RTNL (its return value is then
 * ignored). Synchronous callbacks run with the registry's
 * LUNATIK_RTNL_HELD set, so fib calls on without taking RTNL again.
 *
 * A Lua error or an unusable result returns NOTIFY_DONE, never a veto by
 * accident, is counted and logged at a bounded rate.
 */
#define pr_fmt(fmt) "luanotifier: " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/keyboard.h>
#include <linux/version.h>
#include <linux/netdevice.h>
#include <linux/notifier.h>
#include <linux/nsproxy.h>
#include <linux/ratelimit.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>

#include "lunatik.h"

enum luanotifier_chain {
	LUANOTIFIER_KEYBOARD,
	LUANOTIFIER_NETDEVICE,
};

struct luanotifier {
	struct notifier_block nb;
	enum luanotifier_chain chain;
	lunatik_object_t *object;	/* this notifier's object */
	lunatik_object_t *runtime;	/* a reference while bound */
	struct net *net;		/* netdevice: a reference while bound */
	bool registered;		/* on its chain */
	bool stopped;			/* no more calls into Lua */
	int fnref;			/* the callback, in the runtime's registry */
	int anchor;			/* the userdata, in the registry */
	/* Registering (process context, inside the runtime): replayed events come here. */
	struct task_struct *registering;
	lua_State *regL;
	/* Netdevice events for a busy runtime, delivered by the worker. */
	spinlock_t lock;
	struct list_head pending;
	unsigned int queued;		/* pending or being delivered */
	struct work_struct work;
	atomic64_t calls, errors, misses;
	struct ratelimit_state ratelimit;
};

struct luanotifier_event {
	struct list_head list;
	unsigned long event;
	char name[IFNAMSIZ];
};

static struct workqueue_struct *luanotifier_wq;
static const lunatik_class_t luanotifier_class;

#define LUANOTIFIER_LOG_INTERVAL	(5 * HZ)
#define LUANOTIFIER_LOG_BURST		10

static bool luanotifier_maysleep(void)
{
	return in_task() && !in_atomic() && !irqs_disabled();
}

/* Protected: fn(...) at 1.., and its result as a notify value (nil is DONE). */
static int luanotifier_protected(lua_State *L)
{
	lua_Integer v;

	lua_call(L, lua_gettop(L) - 1, 1);
	if (lua_isnil(L, -1))
		v = NOTIFY_DONE;
	else if (!lua_isinteger(L, -1))
		return luaL_error(L, "callback returned %s, not a notifier.notify value",
				  luaL_typename(L, -1));
	else
		v = lua_tointeger(L, -1);
	if (v != NOTIFY_DONE && v != NOTIFY_OK && v != NOTIFY_BAD && v != NOTIFY_STOP)
		return luaL_error(L, "callback returned %I, not a notifier.notify value",
				  (LUAI_UACINT)v);
	lua_pushinteger(L, v);
	return 1;
}

/*
 * The one place where this library calls Lua: the nargs arguments are on
 * top of L. Returns the notify value, NOTIFY_DONE on any error (counted,
 * logged at a bounded rate).
 */
static int luanotifier_call(lua_State *L, struct luanotifier *n, int nargs)
{
	int top = lua_gettop(L) - nargs;
	int ret = NOTIFY_DONE;
	const char *msg;

	atomic64_inc(&n->calls);
	lua_pushcfunction(L, luanotifier_protected);
	lua_insert(L, top + 1);
	lua_rawgeti(L, LUA_REGISTRYINDEX, n->fnref);
	lua_insert(L, top + 2);
	if (lunatik_pcall(L, nargs + 1, 1) == LUA_OK) {
		ret = (int)lua_tointeger(L, -1);
	} else {
		atomic64_inc(&n->errors);
		if (__ratelimit(&n->ratelimit)) {
			msg = lua_isstring(L, -1) ? lua_tostring(L, -1) : "error object is not a string";
			pr_notice("%s callback: %s\n",
				  n->chain == LUANOTIFIER_KEYBOARD ? "keyboard" : "netdevice", msg);
		}
	}
	lua_settop(L, top);
	return ret;
}

static int luanotifier_keyboard_event(struct notifier_block *nb, unsigned long event, void *data)
{
	struct luanotifier *n = container_of(nb, struct luanotifier, nb);
	struct keyboard_notifier_param *param = data;
	struct lunatik_atomic a;
	lua_State *L;
	int ret;

	if (READ_ONCE(n->stopped))
		return NOTIFY_DONE;
	ret = lunatik_atomic_lock(n->runtime, &L, &a);
	if (ret) {
		if (ret == -EBUSY)
			atomic64_inc(&n->misses);
		return NOTIFY_DONE;
	}
	lua_pushinteger(L, (lua_Integer)event);
	lua_pushboolean(L, param->down);
	lua_pushboolean(L, param->shift);
	lua_pushinteger(L, (lua_Integer)param->value);
	ret = luanotifier_call(L, n, 4);
	lunatik_atomic_unlock(n->runtime, L, &a);
	return ret;
}

/* With the runtime locked (or being registered from inside it). */
static int luanotifier_netdevice_call(lua_State *L, struct luanotifier *n, unsigned long event,
				      const char *name, bool rtnl)
{
	int top = lua_gettop(L);
	int ret;

	lunatik_enter(L);
	if (rtnl) {
		lua_pushboolean(L, 1);
		lua_setfield(L, LUA_REGISTRYINDEX, LUNATIK_RTNL_HELD);
	}
	lua_pushinteger(L, (lua_Integer)event);
	lua_pushstring(L, name);
	ret = luanotifier_call(L, n, 2);
	if (rtnl) {
		lua_pushnil(L);
		lua_setfield(L, LUA_REGISTRYINDEX, LUNATIK_RTNL_HELD);
	}
	lua_settop(L, top);
	return ret;
}

static bool luanotifier_trylock(lunatik_object_t *runtime)
{
	return runtime->sleep ? mutex_trylock(&runtime->mutex) : spin_trylock_bh(&runtime->spin);
}

/* Delivers the deferred netdevice events, in order, without RTNL. */
static int luanotifier_deliver(lua_State *L, struct luanotifier *n, struct luanotifier_event *e)
{
	if (!READ_ONCE(n->stopped))
		luanotifier_netdevice_call(L, n, e->event, e->name, false);
	return 0;
}

static void luanotifier_work(struct work_struct *work)
{
	struct luanotifier *n = container_of(work, struct luanotifier, work);
	struct luanotifier_event *e;
	int ret;

	for (;;) {
		spin_lock_bh(&n->lock);
		e = list_first_entry_or_null(&n->pending, struct luanotifier_event, list);
		if (e)
			list_del(&e->list);
		spin_unlock_bh(&n->lock);
		if (!e)
			break;
		lunatik_run(n->runtime, luanotifier_deliver, ret, n, e);
		kfree(e);
		spin_lock_bh(&n->lock);
		n->queued--;
		spin_unlock_bh(&n->lock);
	}
	lunatik_putobject(n->object);	/* taken when the work was queued */
}

/* Process context: the event waits for the worker; false if it was dropped. */
static bool luanotifier_defer(struct luanotifier *n, unsigned long event, const char *name)
{
	struct luanotifier_event *e = kmalloc(sizeof(*e), GFP_KERNEL);
	bool start;

	if (!e) {
		atomic64_inc(&n->misses);
		return false;
	}
	e->event = event;
	strscpy(e->name, name, sizeof(e->name));
	spin_lock_bh(&n->lock);
	start = list_empty(&n->pending);
	list_add_tail(&e->list, &n->pending);
	n->queued++;
	spin_unlock_bh(&n->lock);
	if (start) {
		lunatik_getobject(n->object);
		if (!queue_work(luanotifier_wq, &n->work))
			lunatik_putobject(n->object);	/* already queued: that one delivers */
	}
	return true;
}

static int luanotifier_netdevice_event(struct notifier_block *nb, unsigned long event, void *ptr)
{
	struct luanotifier *n = container_of(nb, struct luanotifier, nb);
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	lunatik_object_t *runtime = n->runtime;
	unsigned int queued;
	lua_State *L;
	int ret = NOTIFY_DONE;

	if (READ_ONCE(n->stopped))
		return NOTIFY_DONE;
	/* Events replayed by the registration come from inside the runtime. */
	if (n->registering == current)
		return luanotifier_netdevice_call(n->regL, n, event, dev->name, true);

	spin_lock_bh(&n->lock);
	queued = n->queued;
	spin_unlock_bh(&n->lock);
	if (queued || !luanotifier_trylock(runtime)) {
		luanotifier_defer(n, event, dev->name);
		return NOTIFY_DONE;
	}
	L = runtime->private;
	if (L)
		ret = luanotifier_netdevice_call(L, n, event, dev->name, true);
	lunatik_unlock(runtime);
	return ret;
}

/* Process context. Nothing calls into Lua once this returns, but the worker may still run. */
static void luanotifier_unregister(struct luanotifier *n)
{
	WRITE_ONCE(n->stopped, true);
	if (!n->registered)
		return;
	if (n->chain == LUANOTIFIER_KEYBOARD)
		unregister_keyboard_notifier(&n->nb);
	else
		unregister_netdevice_notifier_net(n->net, &n->nb);
	n->registered = false;
}

/* The last reference: unregistered already (stop or __gc), or never registered. */
static void luanotifier_release(void *private)
{
	struct luanotifier *n = private;
	struct luanotifier_event *e, *next;

	if (n->registered)	/* not reached: __gc unregisters first */
		luanotifier_unregister(n);
	list_for_each_entry_safe(e, next, &n->pending, list)
		kfree(e);
	if (n->net)
		put_net(n->net);
	if (n->runtime) {
		ratelimit_state_exit(&n->ratelimit);
		lunatik_putobject(n->runtime);
	}
}

/* True inside a synchronous netdevice callback of this state. */
static bool luanotifier_inrtnl(lua_State *L)
{
	bool held = lua_getfield(L, LUA_REGISTRYINDEX, LUNATIK_RTNL_HELD) == LUA_TBOOLEAN;

	lua_pop(L, 1);
	return held;
}

/* In the runtime's state L (NULL while it closes): unregisters and unanchors. */
static const char *luanotifier_stop(lua_State *L, struct luanotifier *n)
{
	if (!n->registered && n->anchor == LUA_NOREF)
		return NULL;
	if (!luanotifier_maysleep())
		return "notifier: cannot stop a notifier in atomic context";
	if (L && n->chain == LUANOTIFIER_NETDEVICE && luanotifier_inrtnl(L))
		return "notifier: cannot stop a netdevice notifier from a netdevice callback "
		       "(RTNL is held)";
	luanotifier_unregister(n);
	if (L && n->anchor != LUA_NOREF) {
		luaL_unref(L, LUA_REGISTRYINDEX, n->anchor);
		luaL_unref(L, LUA_REGISTRYINDEX, n->fnref);
		n->anchor = LUA_NOREF;
		n->fnref = LUA_NOREF;
	}
	return NULL;
}

/* notfr:stop(), notfr:delete(): idempotent; the object stays, inert. */
static int luanotifier_stopmethod(lua_State *L)
{
	lunatik_object_t *object = lunatik_checkobject(L, 1, &luanotifier_class);
	struct luanotifier *n = object->private;
	const char *why;

	if (!n)
		return 0;
	why = luanotifier_stop(L, n);
	return why ? luaL_error(L, "%s", why) : 0;
}

/* Collected: by lua_close at the latest (process context), or once stopped. */
static int luanotifier_gc(lua_State *L)
{
	lunatik_object_t **pobject = lua_touserdata(L, 1);
	lunatik_object_t *object = *pobject;

	if (!object)
		return 0;
	*pobject = NULL;
	if (object->private) {
		struct luanotifier *n = object->private;

		if (n->registered && luanotifier_maysleep())
			luanotifier_unregister(n);
		else
			WRITE_ONCE(n->stopped, true);
	}
	lunatik_putobject(object);
	return 0;
}

/* notfr:stats(): callbacks run, their errors, and events missed (runtime busy). */
static int luanotifier_stats(lua_State *L)
{
	struct luanotifier *n = lunatik_checkprivate(L, 1, &luanotifier_class);

	lua_pushinteger(L, (lua_Integer)atomic64_read(&n->calls));
	lua_pushinteger(L, (lua_Integer)atomic64_read(&n->errors));
	lua_pushinteger(L, (lua_Integer)atomic64_read(&n->misses));
	return 3;
}

static const luaL_Reg luanotifier_methods[] = {
	{"stop", luanotifier_stopmethod},
	{"delete", luanotifier_stopmethod},
	{"stats", luanotifier_stats},
	{"__close", luanotifier_stopmethod},
	{"__gc", luanotifier_gc},
	{NULL, NULL}
};

static const lunatik_class_t luanotifier_class = {
	.name = "notifier",
	.methods = luanotifier_methods,
	.release = luanotifier_release,
	.sleep = false,
	.single = true,
};

static int luanotifier_new(lua_State *L, enum luanotifier_chain chain)
{
	const char *what = chain == LUANOTIFIER_KEYBOARD ? "keyboard" : "netdevice";
	lunatik_object_t *object;
	struct luanotifier *n;
	int ret;

	luaL_checktype(L, 1, LUA_TFUNCTION);
	if (!luanotifier_maysleep())
		return luaL_error(L, "notifier.%s: cannot register in atomic context", what);
	if (chain == LUANOTIFIER_NETDEVICE && !current->nsproxy)
		return luaL_error(L, "notifier.netdevice: no network namespace");

	object = lunatik_newobject(L, &luanotifier_class, sizeof(struct luanotifier));
	n = object->private;
	n->chain = chain;
	n->object = object;
	n->anchor = LUA_NOREF;
	n->fnref = LUA_NOREF;
	spin_lock_init(&n->lock);
	INIT_LIST_HEAD(&n->pending);
	INIT_WORK(&n->work, luanotifier_work);
	ratelimit_state_init(&n->ratelimit, LUANOTIFIER_LOG_INTERVAL, LUANOTIFIER_LOG_BURST);
	ratelimit_set_flags(&n->ratelimit, RATELIMIT_MSG_ON_RELEASE);
	n->runtime = lunatik_toruntime(L);
	lunatik_getobject(n->runtime);

	/* Anchored before registering: nothing below raises until it is undone. */
	lua_pushvalue(L, 1);
	n->fnref = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_pushvalue(L, -1);
	n->anchor = luaL_ref(L, LUA_REGISTRYINDEX);

	n->registering = current;
	n->regL = L;
	if (chain == LUANOTIFIER_KEYBOARD) {
		n->nb.notifier_call = luanotifier_keyboard_event;
		ret = register_keyboard_notifier(&n->nb);
	} else {
		n->net = get_net(current->nsproxy->net_ns);
		n->nb.notifier_call = luanotifier_netdevice_event;
		ret = register_netdevice_notifier_net(n->net, &n->nb);
	}
	n->registering = NULL;
	n->regL = NULL;
	if (ret) {
		WRITE_ONCE(n->stopped, true);
		luaL_unref(L, LUA_REGISTRYINDEX, n->anchor);
		luaL_unref(L, LUA_REGISTRYINDEX, n->fnref);
		n->anchor = n->fnref = LUA_NOREF;
		return luaL_error(L, "notifier.%s: cannot register (error %d)", what, ret);
	}
	n->registered = true;
	return 1;
}

static int luanotifier_keyboard(lua_State *L)
{
	return luanotifier_new(L, LUANOTIFIER_KEYBOARD);
}

static int luanotifier_netdevice(lua_State *L)
{
	return luanotifier_new(L, LUANOTIFIER_NETDEVICE);
}

static const lunatik_reg_t luanotifier_notify[] = {
	{"DONE", NOTIFY_DONE},
	{"OK", NOTIFY_OK},
	{"BAD", NOTIFY_BAD},
	{"STOP", NOTIFY_STOP},
	{NULL, 0}
};

static const lunatik_reg_t luanotifier_kbd[] = {
	{"KEYCODE", KBD_KEYCODE},
	{"UNBOUND_KEYCODE", KBD_UNBOUND_KEYCODE},
	{"UNICODE", KBD_UNICODE},
	{"KEYSYM", KBD_KEYSYM},
	{"POST_KEYSYM", KBD_POST_KEYSYM},
	{NULL, 0}
};

static const lunatik_reg_t luanotifier_netdev[] = {
	{"UP", NETDEV_UP},
	{"DOWN", NETDEV_DOWN},
	{"REBOOT", NETDEV_REBOOT},
	{"CHANGE", NETDEV_CHANGE},
	{"REGISTER", NETDEV_REGISTER},
	{"UNREGISTER", NETDEV_UNREGISTER},
	{"CHANGEMTU", NETDEV_CHANGEMTU},
	{"CHANGEADDR", NETDEV_CHANGEADDR},
	{"PRE_CHANGEADDR", NETDEV_PRE_CHANGEADDR},
	{"GOING_DOWN", NETDEV_GOING_DOWN},
	{"CHANGENAME", NETDEV_CHANGENAME},
	{"FEAT_CHANGE", NETDEV_FEAT_CHANGE},
	{"BONDING_FAILOVER", NETDEV_BONDING_FAILOVER},
	{"PRE_UP", NETDEV_PRE_UP},
	{"PRE_TYPE_CHANGE", NETDEV_PRE_TYPE_CHANGE},
	{"POST_TYPE_CHANGE", NETDEV_POST_TYPE_CHANGE},
	{"POST_INIT", NETDEV_POST_INIT},
/* Kernel-version differences of this library: the events a kernel has. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	{"PRE_UNINIT", NETDEV_PRE_UNINIT},
#endif
	{"RELEASE", NETDEV_RELEASE},
	{"NOTIFY_PEERS", NETDEV_NOTIFY_PEERS},
	{"JOIN", NETDEV_JOIN},
	{"CHANGEUPPER", NETDEV_CHANGEUPPER},
	{"RESEND_IGMP", NETDEV_RESEND_IGMP},
	{"PRECHANGEMTU", NETDEV_PRECHANGEMTU},
	{"CHANGEINFODATA", NETDEV_CHANGEINFODATA},
	{"BONDING_INFO", NETDEV_BONDING_INFO},
	{"PRECHANGEUPPER", NETDEV_PRECHANGEUPPER},
	{"CHANGELOWERSTATE", NETDEV_CHANGELOWERSTATE},
	{"UDP_TUNNEL_PUSH_INFO", NETDEV_UDP_TUNNEL_PUSH_INFO},
	{"UDP_TUNNEL_DROP_INFO", NETDEV_UDP_TUNNEL_DROP_INFO},
	{"CHANGE_TX_QUEUE_LEN", NETDEV_CHANGE_TX_QUEUE_LEN},
	{"CVLAN_FILTER_PUSH_INFO", NETDEV_CVLAN_FILTER_PUSH_INFO},
	{"CVLAN_FILTER_DROP_INFO", NETDEV_CVLAN_FILTER_DROP_INFO},
	{"SVLAN_FILTER_PUSH_INFO", NETDEV_SVLAN_FILTER_PUSH_INFO},
	{"SVLAN_FILTER_DROP_INFO", NETDEV_SVLAN_FILTER_DROP_INFO},
	{"OFFLOAD_XSTATS_ENABLE", NETDEV_OFFLOAD_XSTATS_ENABLE},
	{"OFFLOAD_XSTATS_DISABLE", NETDEV_OFFLOAD_XSTATS_DISABLE},
	{"OFFLOAD_XSTATS_REPORT_USED", NETDEV_OFFLOAD_XSTATS_REPORT_USED},
	{"OFFLOAD_XSTATS_REPORT_DELTA", NETDEV_OFFLOAD_XSTATS_REPORT_DELTA},
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	{"XDP_FEAT_CHANGE", NETDEV_XDP_FEAT_CHANGE},
#endif
	{NULL, 0}
};

static int luaopen_notifier(lua_State *L)
{
	static const luaL_Reg funcs[] = {
		{"keyboard", luanotifier_keyboard},
		{"netdevice", luanotifier_netdevice},
		{NULL, NULL}
	};

	lunatik_newclass(L, &luanotifier_class);
	luaL_newlib(L, funcs);
	lunatik_setconsts(L, -1, "notify", luanotifier_notify);
	lunatik_setconsts(L, -1, "kbd", luanotifier_kbd);
	lunatik_setconsts(L, -1, "netdev", luanotifier_netdev);
	return 1;
}

static struct lunatik_lib luanotifier_lib = {
	.name = "notifier",
	.open = luaopen_notifier,
	.owner = THIS_MODULE,
	.sleep = false,
};

static int __init luanotifier_init(void)
{
	int ret;

	luanotifier_wq = alloc_workqueue("luanotifier", WQ_UNBOUND, 0);
	if (!luanotifier_wq)
		return -ENOMEM;
	ret = lunatik_register_lib(&luanotifier_lib);
	if (ret)
		destroy_workqueue(luanotifier_wq);
	return ret;
}

/* Every state that required us is closed: only workers may be left, ending. */
static void __exit luanotifier_exit(void)
{
	lunatik_unregister_lib(&luanotifier_lib);
	destroy_workqueue(luanotifier_wq);
}

module_init(luanotifier_init);
module_exit(luanotifier_exit);
MODULE_LICENSE("GPL");
MODULE_VERSION(LUNATIK_RELEASE);
MODULE_DESCRIPTION("Lunatik library: notifier (keyboard and netdevice chains)");
