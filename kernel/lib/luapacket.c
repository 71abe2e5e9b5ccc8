// SPDX-License-Identifier: GPL-2.0
/*
 * Calling Lua from packet paths (see luapacket.h). The runtime is locked
 * with spin_lock_bh by lunatik_run(); the view is pointed at the packet
 * before the call and emptied after it, so a script that keeps the data
 * object can never reach a packet that has gone.
 */
#define pr_fmt(fmt) "luanetfilter: " fmt	/* KBUILD_MODNAME has its folder here */

#include <linux/skbuff.h>
#include <linux/jiffies.h>

#include "luapacket.h"
#include "luadata.h"

/* At most 10 log lines per 5 seconds per binding. */
#define LUAPACKET_LOG_INTERVAL	(5 * HZ)
#define LUAPACKET_LOG_BURST	10

void luapacket_bind(lua_State *L, struct luapacket *p, int ix, const char *name)
{
	if (lunatik_sleepable(L))
		luaL_error(L, "%s: packet callbacks need a non-sleepable runtime "
			   "(lunatik run <script> false)", name);
	luaL_checktype(L, ix, LUA_TFUNCTION);
	ix = lua_absindex(L, ix);

	p->view = luadata_newview(L);
	p->viewref = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_pushvalue(L, ix);
	p->fnref = luaL_ref(L, LUA_REGISTRYINDEX);
	p->name = name;
	atomic64_set(&p->calls, 0);
	atomic64_set(&p->errors, 0);
	ratelimit_state_init(&p->ratelimit, LUAPACKET_LOG_INTERVAL, LUAPACKET_LOG_BURST);
	ratelimit_set_flags(&p->ratelimit, RATELIMIT_MSG_ON_RELEASE);
	p->runtime = lunatik_toruntime(L);
	lunatik_getobject(p->runtime);
}
EXPORT_SYMBOL_GPL(luapacket_bind);

void luapacket_unbind(lua_State *L, struct luapacket *p)
{
	if (!p->runtime)
		return;
	if (L) {
		luaL_unref(L, LUA_REGISTRYINDEX, p->fnref);
		luaL_unref(L, LUA_REGISTRYINDEX, p->viewref);
	}
	ratelimit_state_exit(&p->ratelimit);
	lunatik_putobject(p->runtime);
	p->runtime = NULL;
	p->view = NULL;
}
EXPORT_SYMBOL_GPL(luapacket_unbind);

struct luapacket_ctx {
	struct luapacket *p;
	struct luapacket_call *call;
};

/* Protected: callback(view, ...) and its results. */
static int luapacket_pcall(lua_State *L)
{
	struct luapacket_ctx *ctx = lua_touserdata(L, 1);
	struct luapacket_call *call = ctx->call;
	int nargs = 1;

	lua_rawgeti(L, LUA_REGISTRYINDEX, ctx->p->fnref);
	lua_rawgeti(L, LUA_REGISTRYINDEX, ctx->p->viewref);
	if (call->push)
		nargs += call->push(L, call->ctx);
	lua_call(L, nargs, call->nresults);
	if (call->result)
		call->result(L, call->ctx);
	return 0;
}

static int luapacket_run(lua_State *L, struct luapacket *p, struct luapacket_call *call,
			 u8 *start, unsigned int len)
{
	struct luapacket_ctx ctx = { .p = p, .call = call };
	int status;

	luadata_reset(p->view, start, len, !call->writable);
	lua_pushcfunction(L, luapacket_pcall);
	lua_pushlightuserdata(L, &ctx);
	status = lunatik_pcall(L, 1, 0);
	luadata_clear(p->view);
	if (call->done)
		call->done(call->ctx);
	if (status == LUA_OK)
		return 0;
	atomic64_inc(&p->errors);
	if (__ratelimit(&p->ratelimit)) {
		const char *msg = lua_tostring(L, -1);

		pr_notice("%s: %s\n", p->name, msg ? msg : "error object is not a string");
	}
	return -ECANCELED;
}

int luapacket_call(struct luapacket *p, struct luapacket_call *call)
{
	struct sk_buff *skb = call->skb;
	unsigned int len;
	int offset = 0;
	int ret;

	atomic64_inc(&p->calls);
	/* The view is one flat buffer: pull paged data in only when there is some. */
	if (skb_is_nonlinear(skb) && skb_linearize(skb))
		goto unshown;
	if (call->writable && skb_ensure_writable(skb, skb->len))
		goto unshown;
	if (call->start == LUAPACKET_MAC && skb_mac_header_was_set(skb))
		offset = skb_mac_offset(skb);
	else if (call->start == LUAPACKET_NETWORK)
		offset = skb_network_offset(skb);
	/* A header outside the buffer would be a bug elsewhere: show data then. */
	if (offset < -(int)skb_headroom(skb) || offset > (int)skb_headlen(skb))
		offset = 0;
	len = skb->len - offset;
	lunatik_run(p->runtime, luapacket_run, ret, p, call, skb->data + offset, len);
	return ret;
unshown:
	atomic64_inc(&p->errors);
	if (__ratelimit(&p->ratelimit))
		pr_notice("%s: cannot show a packet of %u bytes to Lua\n", p->name, skb->len);
	return -ENOMEM;
}
EXPORT_SYMBOL_GPL(luapacket_call);
