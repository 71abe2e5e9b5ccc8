// SPDX-License-Identifier: GPL-2.0
/*
 * require("netfilter"): native netfilter hooks whose verdict a Lua function
 * decides, in every family (ipv4, ipv6, inet, arp, bridge, and netdev
 * ingress/egress on a named device), plus the constant tables of Lunatik.
 *
 * netfilter.register{hook = fn, pf = , hooknum = , priority = [, mark =] [, dev =]}
 * registers the hook in the network namespace of the process running the
 * script and returns a hook object. The object is anchored in the
 * runtime's registry: the hook stays until hook:unregister() or until the
 * runtime stops (lua_close collects it, in process context).
 *
 * fn(data, in_ifindex, vlan_id, out_ifindex) gets a data object over the
 * packet, from the network header (inet, ipv4, ipv6, arp) or from the MAC
 * header (bridge, netdev), writable on demand (luapacket prepares the
 * packet at the first write and fixes its checksums after the call;
 * writable = true is accepted and changes nothing), and returns a verdict
 * and optionally a new skb->mark. The Lua call itself goes through luapacket,
 * which counts calls and errors and logs errors at a bounded rate; an
 * unusable result is raised there as an error, so it is counted and logged
 * the same way, and the packet is accepted.
 */
#define pr_fmt(fmt) "luanetfilter: " fmt	/* KBUILD_MODNAME has its folder here */

#include <linux/kernel.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_bridge.h>
#include <linux/netfilter_arp.h>
#include <linux/netfilter/x_tables.h>
#include <linux/netdevice.h>
#include <linux/if_vlan.h>
#include <linux/rtnetlink.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <net/net_namespace.h>

#include "lunatik.h"
#include "luapacket_call.h"
#include "luatransport.h"

struct luanetfilter {
	struct nf_hook_ops ops;		/* ops.priv points back here */
	struct luapacket packet;
	struct net *net;		/* a reference while registered */
	struct list_head devhooks;	/* on luanetfilter_devhooks while ops.dev is set */
	u32 mark;			/* only packets with this skb->mark reach Lua */
	bool writable;			/* accepted as in Lunatik: every hook may write */
	bool registered;
	int anchor;			/* the userdata in the registry, LUA_NOREF once unanchored */
};

/*
 * Hooks bound to a device (netdev ingress/egress, inet ingress). The core
 * keeps their entries in the device itself, so they must go before the
 * device does: the notifier unregisters them. rtnl serializes the
 * notifier with registration and unregistration of these hooks.
 */
static LIST_HEAD(luanetfilter_devhooks);

/* What one call of the hook passes to Lua and gets back. */
struct luanetfilter_call {
	struct luanetfilter *nf;
	struct sk_buff *skb;
	const struct nf_hook_state *state;
	unsigned int verdict;
	u32 mark;
	bool setmark;
};

/* After the view: the input device's index, the VLAN id, the output device's (nil when none). */
static __always_inline int luanetfilter_push(lua_State *L, StkId top, struct luapacket_slot *slot,
					     void *ctx)
{
	struct luanetfilter_call *c = ctx;

	if (c->state->in)
		luapacket_setinteger(top, c->state->in->ifindex);
	else
		luapacket_setnil(top);
	if (skb_vlan_tag_present(c->skb))
		luapacket_setinteger(top + 1, skb_vlan_tag_get_id(c->skb));
	else
		luapacket_setnil(top + 1);
	if (c->state->out)
		luapacket_setinteger(top + 2, c->state->out->ifindex);
	else
		luapacket_setnil(top + 2);
	L->top = top + 3;
	return 3;
}

/*
 * STOLEN, REPEAT and STOP would make netfilter forget the packet (nobody
 * frees it) or loop on it, since no C code here takes it over, and a queued
 * packet of the netdev hooks has no family to be reinjected in. CONTINUE
 * means "go on with the next hook", which is what ACCEPT does here.
 */
static bool luanetfilter_verdict(struct luanetfilter *nf, lua_Integer v, unsigned int *verdict)
{
	switch (v) {
	case NF_DROP:
	case NF_ACCEPT:
		*verdict = v;
		return true;
	case NF_QUEUE:
		*verdict = v;
		return nf->ops.pf != NFPROTO_NETDEV;
	case (lua_Integer)XT_CONTINUE:
		*verdict = NF_ACCEPT;
		return true;
	}
	return false;
}

/* Cannot raise (luapacket calls it outside the protected call): says what is wrong. */
static __always_inline const char *luanetfilter_result(lua_State *L, void *ctx,
						       const struct luapacket_result *res,
						       char *why)
{
	struct luanetfilter_call *c = ctx;
	const struct luapacket_result *verdict = &res[0], *mark = &res[1];

	if (!verdict->integer) {
		snprintf(why, LUAPACKET_WHYMAX, "hook returned %s, not a verdict",
			 lua_typename(L, verdict->type));
		return why;
	}
	if (!luanetfilter_verdict(c->nf, verdict->value, &c->verdict)) {
		snprintf(why, LUAPACKET_WHYMAX, "hook returned an invalid verdict (%lld)",
			 (long long)verdict->value);
		return why;
	}
	if (mark->type == LUA_TNIL)
		return NULL;
	if (!mark->integer) {
		snprintf(why, LUAPACKET_WHYMAX, "hook returned %s, not a mark",
			 lua_typename(L, mark->type));
		return why;
	}
	c->mark = (u32)mark->value;
	c->setmark = true;
	return NULL;
}

/* Writable on demand: nothing is prepared until a write. */
static const struct luapacket_caller luanetfilter_caller = {
	.writable = true,
	.push = luanetfilter_push,
	.nresults = 2,
	.result = luanetfilter_result,
};

static unsigned int luanetfilter_hook(void *priv, struct sk_buff *skb,
				      const struct nf_hook_state *state)
{
	struct luanetfilter *nf = priv;
	struct luanetfilter_call c = {
		.nf = nf,
		.skb = skb,
		.state = state,
		.verdict = NF_ACCEPT,
	};
	int ret;

	/* Cheap C filter first: marks let nftables/iptables pick what Lua sees. */
	if (skb->mark != nf->mark)
		return NF_ACCEPT;
	/* ARP output has its MAC header pushed already: ask for the network one. */
	ret = luapacket_call(&nf->packet, skb,
			     nf->ops.pf == NFPROTO_BRIDGE || nf->ops.pf == NFPROTO_NETDEV ?
			     LUAPACKET_MAC : LUAPACKET_NETWORK, &luanetfilter_caller, &c);
	if (ret)
		return NF_ACCEPT;
	if (c.setmark)
		skb->mark = c.mark;
	return c.verdict;
}

static bool luanetfilter_hasdev(const struct nf_hook_ops *ops)
{
	return ops->pf == NFPROTO_NETDEV ||
	       (ops->pf == NFPROTO_INET && ops->hooknum == NF_INET_INGRESS);
}

/*
 * Process context. Undoes registration, then waits for the callbacks in
 * flight: the core only swaps our entry for a dummy, and a CPU may still
 * be in luanetfilter_hook() with our ops.
 */
static void luanetfilter_unregister_ops(struct luanetfilter *nf)
{
	bool wait = false;

	if (luanetfilter_hasdev(&nf->ops)) {
		rtnl_lock();
		if (nf->registered) {
			nf_unregister_net_hook(nf->net, &nf->ops);
			list_del(&nf->devhooks);
			nf->registered = false;
			wait = true;
		}
		rtnl_unlock();
	} else if (nf->registered) {
		nf_unregister_net_hook(nf->net, &nf->ops);
		nf->registered = false;
		wait = true;
	}
	if (wait)
		synchronize_net();
}

/* Process context; L is the runtime's state, or NULL when it is closing. */
static void luanetfilter_teardown(lua_State *L, struct luanetfilter *nf)
{
	if (nf->net) {
		luanetfilter_unregister_ops(nf);
		put_net(nf->net);
		nf->net = NULL;
	}
	luapacket_unbind(L, &nf->packet);
}

/*
 * The last reference went: lua_close collected the object (process
 * context, hooks already see -ENXIO), or it had been unregistered before
 * and holds nothing but memory.
 */
static void luanetfilter_release(void *private)
{
	luanetfilter_teardown(NULL, private);
}

static const lunatik_class_t luanetfilter_class;

/* hook:unregister(): idempotent; the object stays, inert. */
static int luanetfilter_unregister(lua_State *L)
{
	lunatik_object_t *object = lunatik_checkobject(L, 1, &luanetfilter_class);
	struct luanetfilter *nf = object->private;

	if (!nf)
		return 0;
	/* Unregistering sleeps: not from a hook, nor from resume() (under the spinlock). */
	if (!luapacket_maysleep())
		return luaL_error(L, "netfilter: cannot unregister a hook in atomic context");
	luanetfilter_teardown(L, nf);
	if (nf->anchor != LUA_NOREF) {
		luaL_unref(L, LUA_REGISTRYINDEX, nf->anchor);
		nf->anchor = LUA_NOREF;
	}
	return 0;
}

/* hook:stats(): packets the Lua function was called for, and its errors. */
static int luanetfilter_stats(lua_State *L)
{
	struct luanetfilter *nf = lunatik_checkprivate(L, 1, &luanetfilter_class);
	u64 calls, errors;

	luapacket_stats(&nf->packet, &calls, &errors);
	lua_pushinteger(L, (lua_Integer)calls);
	lua_pushinteger(L, (lua_Integer)errors);
	return 2;
}

static const luaL_Reg luanetfilter_methods[] = {
	{"unregister", luanetfilter_unregister},
	{"stats", luanetfilter_stats},
	/* Not the generic close: that releases under the object's spinlock, and we sleep. */
	{"__close", luanetfilter_unregister},
	{NULL, NULL}
};

static const lunatik_class_t luanetfilter_class = {
	.name = "netfilter",
	.methods = luanetfilter_methods,
	.release = luanetfilter_release,
	.sleep = false,
	.single = true,
};

/* opts[field] as an integer in [min, max]; def when absent and not required. */
static lua_Integer luanetfilter_getint(lua_State *L, const char *field, bool required,
				       lua_Integer def, lua_Integer min, lua_Integer max)
{
	lua_Integer v;

	if (lua_getfield(L, 1, field) == LUA_TNIL) {
		if (required)
			luaL_error(L, "netfilter.register: '%s' is required", field);
		v = def;
	} else if (!lua_isinteger(L, -1)) {
		return luaL_error(L, "netfilter.register: '%s' must be an integer", field);
	} else {
		v = lua_tointeger(L, -1);
	}
	if (v < min || v > max)
		luaL_error(L, "netfilter.register: '%s' out of range [%I, %I]", field,
			   (LUAI_UACINT)min, (LUAI_UACINT)max);
	lua_pop(L, 1);
	return v;
}

/*
 * The core WARNs (and our VMs panic) on a hook number outside its
 * family's table, so check them here; the device hooks the core checks.
 */
static bool luanetfilter_validhook(int pf, unsigned int hooknum, bool dev)
{
	switch (pf) {
	case NFPROTO_IPV4:
	case NFPROTO_IPV6:
		return hooknum < NF_INET_NUMHOOKS && !dev;
	case NFPROTO_INET:
		if (hooknum == NF_INET_INGRESS)
			return IS_ENABLED(CONFIG_NETFILTER_INGRESS) && dev;
		return hooknum < NF_INET_NUMHOOKS && !dev;
	case NFPROTO_ARP:
		return IS_ENABLED(CONFIG_NETFILTER_FAMILY_ARP) && hooknum < NF_ARP_NUMHOOKS && !dev;
	case NFPROTO_BRIDGE:
		/* The bridge's table has NF_INET_NUMHOOKS entries: no BROUTING here. */
		return IS_ENABLED(CONFIG_NETFILTER_FAMILY_BRIDGE) &&
		       hooknum < NF_INET_NUMHOOKS && !dev;
	case NFPROTO_NETDEV:
		if (hooknum == NF_NETDEV_INGRESS)
			return IS_ENABLED(CONFIG_NETFILTER_INGRESS) && dev;
		if (hooknum == NF_NETDEV_EGRESS)
			return IS_ENABLED(CONFIG_NETFILTER_EGRESS) && dev;
		return false;
	}
	return false;
}

/* Process context, rtnl held for device hooks. Returns 0 or -errno. */
static int luanetfilter_register_ops(struct luanetfilter *nf, const char *devname)
{
	struct net_device *dev;
	int ret;

	if (!devname)
		return nf_register_net_hook(nf->net, &nf->ops);

	dev = __dev_get_by_name(nf->net, devname);
	if (!dev)
		return -ENODEV;
	if (dev->reg_state != NETREG_REGISTERED)
		return -ENODEV;
	nf->ops.dev = dev;
	ret = nf_register_net_hook(nf->net, &nf->ops);
	if (ret) {
		nf->ops.dev = NULL;
		return ret;
	}
	list_add(&nf->devhooks, &luanetfilter_devhooks);
	return 0;
}

/*
 * netfilter.register in the state of a per-CPU runtime after the first:
 * the first state registered the hook; this CPU's packets call fn (at -1)
 * in this state. The same options are required.
 */
static int luanetfilter_join(lua_State *L, lunatik_object_t *object, lua_Integer pf,
			     lua_Integer hooknum, lua_Integer priority, lua_Integer mark,
			     const char *devname)
{
	struct luanetfilter *nf = object->private;

	if (!nf || !nf->registered)
		return luaL_error(L, "netfilter.register: the first CPU's hook is gone");
	if (nf->ops.pf != pf || nf->ops.hooknum != hooknum || nf->ops.priority != priority ||
	    nf->mark != mark || !nf->ops.dev != !devname ||
	    (devname && strcmp(nf->ops.dev->name, devname)))
		return luaL_error(L, "netfilter.register: per-CPU script: CPU %d registers "
				  "another hook than the first CPU did", lunatik_cpu(L));
	luapacket_bind(L, &nf->packet, -1, "netfilter hook");
	lunatik_pushobject(L, object);
	return 1;
}

static int luanetfilter_register(lua_State *L)
{
	lunatik_object_t *object;
	struct luanetfilter *nf;
	lua_Integer pf, hooknum, priority, mark;
	const char *devname = NULL;
	char name[IFNAMSIZ];
	bool writable;
	int ret;

	luaL_checktype(L, 1, LUA_TTABLE);
	/* Registering sleeps (mutexes, GFP_KERNEL): not from a hook or resume(). */
	if (!luapacket_maysleep())
		return luaL_error(L, "netfilter.register: cannot register a hook in atomic context");
	if (!current->nsproxy)
		return luaL_error(L, "netfilter.register: no network namespace");

	pf = luanetfilter_getint(L, "pf", true, 0, 0, NFPROTO_NUMPROTO - 1);
	/* Up to NF_INET_INGRESS, one past NF_INET_NUMHOOKS; validhook() checks per family. */
	hooknum = luanetfilter_getint(L, "hooknum", true, 0, 0, 7);
	priority = luanetfilter_getint(L, "priority", true, 0, INT_MIN, INT_MAX);
	mark = luanetfilter_getint(L, "mark", false, 0, 0, U32_MAX);
	writable = lua_getfield(L, 1, "writable") != LUA_TNIL && lua_toboolean(L, -1);
	lua_pop(L, 1);
	if (lua_getfield(L, 1, "dev") != LUA_TNIL) {
		size_t len;

		if (lua_type(L, -1) != LUA_TSTRING)
			return luaL_error(L, "netfilter.register: 'dev' must be a string");
		devname = lua_tolstring(L, -1, &len);
		if (len == 0 || len >= IFNAMSIZ || strlen(devname) != len)
			return luaL_error(L, "netfilter.register: invalid device name");
		strscpy(name, devname, sizeof(name));
		devname = name;
	}
	lua_pop(L, 1);
	if (!luanetfilter_validhook(pf, hooknum, devname))
		return luaL_error(L, "netfilter.register: hook %I is not available for family %I%s",
				  (LUAI_UACINT)hooknum, (LUAI_UACINT)pf,
				  devname ? " with a device" : " without a device ('dev')");
	if (lua_getfield(L, 1, "hook") != LUA_TFUNCTION)
		return luaL_error(L, "netfilter.register: 'hook' must be a function");

	/* A per-CPU runtime's state after the first: the hook is there, bind to it. */
	object = lunatik_shared(L, &luanetfilter_class);
	if (object)
		return luanetfilter_join(L, object, pf, hooknum, priority, mark, devname);

	object = lunatik_newobject(L, &luanetfilter_class, sizeof(struct luanetfilter));
	nf = object->private;
	nf->anchor = LUA_NOREF;
	INIT_LIST_HEAD(&nf->devhooks);
	nf->mark = (u32)mark;
	nf->writable = writable;
	nf->ops.hook = luanetfilter_hook;
	nf->ops.priv = nf;
	nf->ops.pf = (u8)pf;
	nf->ops.hooknum = (unsigned int)hooknum;
	nf->ops.priority = (int)priority;

	/* May raise: the object then has nothing registered and is collected. */
	luapacket_bind(L, &nf->packet, -2, "netfilter hook");
	/* The group of a per-CPU runtime keeps it (and so the hook) until all its states close. */
	lunatik_share(L, object);
	/* Anchor before registering: nothing below raises until it is undone. */
	if (lunatik_cpu(L) < 0) {
		lua_pushvalue(L, -1);
		nf->anchor = luaL_ref(L, LUA_REGISTRYINDEX);
	}

	nf->net = get_net(current->nsproxy->net_ns);
	if (devname) {
		rtnl_lock();
		ret = luanetfilter_register_ops(nf, devname);
		nf->registered = !ret;
		rtnl_unlock();
	} else {
		ret = luanetfilter_register_ops(nf, NULL);
		nf->registered = !ret;
	}
	if (ret) {
		put_net(nf->net);
		nf->net = NULL;
		if (nf->anchor != LUA_NOREF)
			luaL_unref(L, LUA_REGISTRYINDEX, nf->anchor);
		nf->anchor = LUA_NOREF;
		luapacket_unbind(L, &nf->packet);
		if (ret == -ENODEV)
			return luaL_error(L, "netfilter.register: no device '%s' in this namespace",
					  devname);
		return luaL_error(L, "netfilter.register: cannot register the hook (error %d)", ret);
	}
	return 1;
}

/* A device that goes (or leaves the namespace) takes its hooks with it. */
static int luanetfilter_netdev_event(struct notifier_block *nb, unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct luanetfilter *nf, *next;
	bool wait = false;

	if (event != NETDEV_UNREGISTER)
		return NOTIFY_DONE;
	ASSERT_RTNL();
	list_for_each_entry_safe(nf, next, &luanetfilter_devhooks, devhooks) {
		if (nf->ops.dev != dev)
			continue;
		nf_unregister_net_hook(nf->net, &nf->ops);
		list_del_init(&nf->devhooks);
		nf->registered = false;
		wait = true;
		pr_info("hook on %s removed with its device\n", dev->name);
	}
	if (wait)
		synchronize_net();
	return NOTIFY_DONE;
}

static struct notifier_block luanetfilter_notifier = {
	.notifier_call = luanetfilter_netdev_event,
};

static const lunatik_reg_t luanetfilter_family[] = {
	{"UNSPEC", NFPROTO_UNSPEC},
	{"INET", NFPROTO_INET},
	{"IPV4", NFPROTO_IPV4},
	{"ARP", NFPROTO_ARP},
	{"NETDEV", NFPROTO_NETDEV},
	{"BRIDGE", NFPROTO_BRIDGE},
	{"IPV6", NFPROTO_IPV6},
	{NULL, 0}
};

static const lunatik_reg_t luanetfilter_action[] = {
	{"DROP", NF_DROP},
	{"ACCEPT", NF_ACCEPT},
	{"STOLEN", NF_STOLEN},
	{"QUEUE", NF_QUEUE},
	{"REPEAT", NF_REPEAT},
	{"STOP", NF_STOP},
	{"CONTINUE", XT_CONTINUE},
	{"RETURN", XT_RETURN},
	{NULL, 0}
};

static const lunatik_reg_t luanetfilter_inet_hooks[] = {
	{"PRE_ROUTING", NF_INET_PRE_ROUTING},
	{"LOCAL_IN", NF_INET_LOCAL_IN},
	{"FORWARD", NF_INET_FORWARD},
	{"LOCAL_OUT", NF_INET_LOCAL_OUT},
	{"POST_ROUTING", NF_INET_POST_ROUTING},
	{"INGRESS", NF_INET_INGRESS},
	{NULL, 0}
};

static const lunatik_reg_t luanetfilter_bridge_hooks[] = {
	{"PRE_ROUTING", NF_BR_PRE_ROUTING},
	{"LOCAL_IN", NF_BR_LOCAL_IN},
	{"FORWARD", NF_BR_FORWARD},
	{"LOCAL_OUT", NF_BR_LOCAL_OUT},
	{"POST_ROUTING", NF_BR_POST_ROUTING},
	{NULL, 0}
};

static const lunatik_reg_t luanetfilter_arp_hooks[] = {
	{"IN", NF_ARP_IN},
	{"OUT", NF_ARP_OUT},
	{"FORWARD", NF_ARP_FORWARD},
	{NULL, 0}
};

static const lunatik_reg_t luanetfilter_netdev_hooks[] = {
	{"INGRESS", NF_NETDEV_INGRESS},
	{"EGRESS", NF_NETDEV_EGRESS},
	{NULL, 0}
};

static const lunatik_reg_t luanetfilter_ip_priority[] = {
	{"FIRST", NF_IP_PRI_FIRST},
	{"RAW_BEFORE_DEFRAG", NF_IP_PRI_RAW_BEFORE_DEFRAG},
	{"CONNTRACK_DEFRAG", NF_IP_PRI_CONNTRACK_DEFRAG},
	{"RAW", NF_IP_PRI_RAW},
	{"SELINUX_FIRST", NF_IP_PRI_SELINUX_FIRST},
	{"CONNTRACK", NF_IP_PRI_CONNTRACK},
	{"MANGLE", NF_IP_PRI_MANGLE},
	{"NAT_DST", NF_IP_PRI_NAT_DST},
	{"FILTER", NF_IP_PRI_FILTER},
	{"SECURITY", NF_IP_PRI_SECURITY},
	{"NAT_SRC", NF_IP_PRI_NAT_SRC},
	{"SELINUX_LAST", NF_IP_PRI_SELINUX_LAST},
	{"CONNTRACK_HELPER", NF_IP_PRI_CONNTRACK_HELPER},
	{"LAST", NF_IP_PRI_LAST},
	{NULL, 0}
};

static const lunatik_reg_t luanetfilter_bridge_priority[] = {
	{"FIRST", NF_BR_PRI_FIRST},
	{"NAT_DST_BRIDGED", NF_BR_PRI_NAT_DST_BRIDGED},
	{"FILTER_BRIDGED", NF_BR_PRI_FILTER_BRIDGED},
	{"BRNF", NF_BR_PRI_BRNF},
	{"NAT_DST_OTHER", NF_BR_PRI_NAT_DST_OTHER},
	{"FILTER_OTHER", NF_BR_PRI_FILTER_OTHER},
	{"NAT_SRC", NF_BR_PRI_NAT_SRC},
	{"LAST", NF_BR_PRI_LAST},
	{NULL, 0}
};

static int luaopen_netfilter(lua_State *L)
{
	lunatik_newclass(L, &luanetfilter_class);
	lua_createtable(L, 0, LUNATIK_SPARSE(10));	/* register, transport, 8 tables */
	lua_pushcfunction(L, luanetfilter_register);
	lua_setfield(L, -2, "register");
	lua_pushcfunction(L, luatransport_locate);
	lua_setfield(L, -2, "transport");
	lunatik_setconsts(L, -1, "family", luanetfilter_family);
	lunatik_setconsts(L, -1, "action", luanetfilter_action);
	lunatik_setconsts(L, -1, "inet_hooks", luanetfilter_inet_hooks);
	lunatik_setconsts(L, -1, "bridge_hooks", luanetfilter_bridge_hooks);
	lunatik_setconsts(L, -1, "arp_hooks", luanetfilter_arp_hooks);
	lunatik_setconsts(L, -1, "netdev_hooks", luanetfilter_netdev_hooks);
	lunatik_setconsts(L, -1, "ip_priority", luanetfilter_ip_priority);
	lunatik_setconsts(L, -1, "bridge_priority", luanetfilter_bridge_priority);
	return 1;
}

static struct lunatik_lib luanetfilter_lib = {
	.name = "netfilter",
	.open = luaopen_netfilter,
	.owner = THIS_MODULE,
	.sleep = false,
};

static int __init luanetfilter_init(void)
{
	int ret = register_netdevice_notifier(&luanetfilter_notifier);

	if (ret)
		return ret;
	ret = lunatik_register_lib(&luanetfilter_lib);
	if (ret)
		unregister_netdevice_notifier(&luanetfilter_notifier);
	return ret;
}

/* No hook is left: every state that required us holds a module reference. */
static void __exit luanetfilter_exit(void)
{
	lunatik_unregister_lib(&luanetfilter_lib);
	unregister_netdevice_notifier(&luanetfilter_notifier);
}

module_init(luanetfilter_init);
module_exit(luanetfilter_exit);
MODULE_LICENSE("GPL");
MODULE_VERSION(LUNATIK_RELEASE);
MODULE_DESCRIPTION("Lunatik library: netfilter (native hooks decided by Lua)");
