// SPDX-License-Identifier: GPL-2.0
/*
 * require("fib"): FIB rules, as `ip rule add|del lookup TABLE priority PRIO`.
 *
 * fib.newrule(table, priority) and fib.delrule(table, priority) add and
 * remove an IPv4 rule that looks up the table, in the network namespace of
 * the process that required the library (the script's), through the
 * rtnetlink handlers fib_nl_newrule/fib_nl_delrule, which want RTNL held.
 * Called from a netdevice notifier's callback, RTNL is held already by this
 * very call chain (LUNATIK_RTNL_HELD is set): it is not taken again.
 * Errors (a rule that exists, one that is missing) are Lua errors naming
 * the errno.
 */
#define pr_fmt(fmt) "luafib: " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/nsproxy.h>
#include <linux/rtnetlink.h>
#include <linux/sched.h>
#include <net/fib_rules.h>
#include <net/net_namespace.h>
#include <net/netlink.h>

#include "lunatik.h"

#define LUAFIB_MSGSIZE	(NLMSG_ALIGN(sizeof(struct fib_rule_hdr)) + \
			 nla_total_size(sizeof(u32)) + nla_total_size(sizeof(u32)))

static const char *luafib_errname(int err)
{
	switch (err) {
	case -EEXIST:
		return "EEXIST: the rule exists";
	case -ENOENT:
		return "ENOENT: no such rule";
	case -EINVAL:
		return "EINVAL: invalid rule";
	case -ENOMEM:
		return "ENOMEM: not enough memory";
	case -EAFNOSUPPORT:
		return "EAFNOSUPPORT: no IPv4 rules here";
	case -EPERM:
		return "EPERM: operation not permitted";
	}
	return "error";
}

static int luafib_rule(lua_State *L, bool add)
{
	const char *what = add ? "fib.newrule" : "fib.delrule";
	u32 table = (u32)lunatik_checkrange(L, 1, 1, U32_MAX);
	u32 priority = (u32)lunatik_checkrange(L, 2, 0, U32_MAX);
	struct net **pnet = lua_touserdata(L, lua_upvalueindex(1));
	struct netlink_ext_ack extack = {};
	struct fib_rule_hdr *frh;
	struct nlmsghdr *nlh;
	struct sk_buff *skb;
	bool held;
	int ret;

	if (!in_task() || in_atomic() || irqs_disabled() || !lunatik_sleepable(L))
		return luaL_error(L, "%s: cannot be called in atomic context", what);
	held = lua_getfield(L, LUA_REGISTRYINDEX, LUNATIK_RTNL_HELD) == LUA_TBOOLEAN;
	lua_pop(L, 1);

	skb = nlmsg_new(LUAFIB_MSGSIZE, GFP_KERNEL);
	if (!skb)
		return luaL_error(L, "%s: not enough memory", what);
	nlh = nlmsg_put(skb, 0, 0, add ? RTM_NEWRULE : RTM_DELRULE, sizeof(*frh),
			add ? NLM_F_CREATE | NLM_F_EXCL : 0);
	if (!nlh)
		goto nomem;
	frh = nlmsg_data(nlh);
	memset(frh, 0, sizeof(*frh));
	frh->family = AF_INET;
	frh->action = FR_ACT_TO_TBL;
	frh->table = table < 256 ? table : RT_TABLE_UNSPEC;
	if (nla_put_u32(skb, FRA_TABLE, table) || nla_put_u32(skb, FRA_PRIORITY, priority))
		goto nomem;
	nlmsg_end(skb, nlh);
	skb->sk = (*pnet)->rtnl;

	if (!held)
		rtnl_lock();
	ret = add ? fib_nl_newrule(skb, nlh, &extack) : fib_nl_delrule(skb, nlh, &extack);
	if (!held)
		rtnl_unlock();
	nlmsg_free(skb);
	if (ret)
		return luaL_error(L, "%s(%I, %I): %s (%d)%s%s", what, (LUAI_UACINT)table,
				  (LUAI_UACINT)priority, luafib_errname(ret), ret,
				  extack._msg ? ": " : "", extack._msg ? extack._msg : "");
	return 0;
nomem:
	nlmsg_free(skb);
	return luaL_error(L, "%s: not enough memory", what);
}

static int luafib_newrule(lua_State *L)
{
	return luafib_rule(L, true);
}

static int luafib_delrule(lua_State *L)
{
	return luafib_rule(L, false);
}

/* The functions share the namespace of the process that required the library. */
static int luaopen_fib(lua_State *L)
{
	static const luaL_Reg funcs[] = {
		{"newrule", luafib_newrule},
		{"delrule", luafib_delrule},
		{NULL, NULL}
	};
	lua_newtable(L);
	lunatik_pushnet(L, "fib");
	luaL_setfuncs(L, funcs, 1);
	return 1;
}

LUNATIK_LIB_MODULE(fib, luaopen_fib, true);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Lunatik library: fib (FIB rules)");
