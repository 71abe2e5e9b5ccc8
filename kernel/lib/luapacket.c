// SPDX-License-Identifier: GPL-2.0
/*
 * Calling Lua from packet paths (see luapacket.h). The runtime is locked
 * with spin_lock_bh by lunatik_run(); the view is pointed at the packet
 * before the call and emptied after it, so a script that keeps the data
 * object can never reach a packet that has gone.
 */
#define pr_fmt(fmt) "luanetfilter: " fmt	/* KBUILD_MODNAME has its folder here */

#include <linux/skbuff.h>
#include <linux/hrtimer.h>
#include <linux/percpu.h>
#include <linux/jiffies.h>

#include "luapacket.h"
#include "luadata.h"

/* At most 10 log lines per 5 seconds per binding. */
#define LUAPACKET_LOG_INTERVAL	(5 * HZ)
#define LUAPACKET_LOG_BURST	10

static unsigned int time_budget_ms = 100;
module_param(time_budget_ms, uint, 0644);
MODULE_PARM_DESC(time_budget_ms, "milliseconds a packet callback may run before Lua stops it");

/*
 * The time budget of packet callbacks: a runaway loop in softirq would
 * otherwise hold the CPU until the soft lockup detector panics. Each CPU
 * notes the state it runs a callback in and when that must end; a per-CPU
 * hard-irq timer, which interrupts softirq, checks and sets a Lua hook
 * that raises an error at the next instruction (lua_sethook may be called
 * asynchronously, as lua.c does on SIGINT). The packet path itself only
 * writes two per-CPU words. A loop inside a coroutine the callback resumed
 * is not reached: the hook is set on the callback's own thread.
 */
#define LUAPACKET_WATCH_PERIOD_MS	10

struct luapacket_watch {
	lua_State *L;			/* running a callback on this CPU, or NULL */
	unsigned long deadline;		/* in jiffies */
	bool armed;
	struct hrtimer timer;
};

static DEFINE_PER_CPU(struct luapacket_watch, luapacket_watch);

static void luapacket_stop(lua_State *L, lua_Debug *ar)
{
	/* The hook stays: a script that catches this error is stopped again. */
	luaL_error(L, "time budget exhausted (%d ms)", (int)READ_ONCE(time_budget_ms));
}

static enum hrtimer_restart luapacket_watchdog(struct hrtimer *timer)
{
	struct luapacket_watch *w = container_of(timer, struct luapacket_watch, timer);
	lua_State *L = READ_ONCE(w->L);

	if (L && time_after(jiffies, READ_ONCE(w->deadline)))
		lua_sethook(L, luapacket_stop, LUA_MASKCOUNT, 1);
	hrtimer_forward_now(timer, ms_to_ktime(LUAPACKET_WATCH_PERIOD_MS));
	return HRTIMER_RESTART;
}

/* Called with BH off (we hold the runtime's spin_lock_bh): no migration. */
static struct luapacket_watch *luapacket_watch_begin(lua_State *L)
{
	struct luapacket_watch *w = this_cpu_ptr(&luapacket_watch);

	if (unlikely(!w->armed)) {
		w->armed = true;
		hrtimer_start(&w->timer, ms_to_ktime(LUAPACKET_WATCH_PERIOD_MS),
			      HRTIMER_MODE_REL_PINNED_HARD);
	}
	WRITE_ONCE(w->deadline, jiffies + msecs_to_jiffies(READ_ONCE(time_budget_ms)));
	WRITE_ONCE(w->L, L);
	return w;
}

static void luapacket_watch_end(struct luapacket_watch *w, lua_State *L)
{
	WRITE_ONCE(w->L, NULL);
	if (unlikely(lua_gethook(L)))
		lua_sethook(L, NULL, 0, 0);
}

void luapacket_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct luapacket_watch *w = per_cpu_ptr(&luapacket_watch, cpu);

		hrtimer_init(&w->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_HARD);
		w->timer.function = luapacket_watchdog;
	}
}

/* Module exit: no callback runs any more. */
void luapacket_exit(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		hrtimer_cancel(&per_cpu_ptr(&luapacket_watch, cpu)->timer);
}

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
	struct luapacket_watch *w;
	int status;

	luadata_reset(p->view, start, len, !call->writable);
	lua_pushcfunction(L, luapacket_pcall);
	lua_pushlightuserdata(L, &ctx);
	w = luapacket_watch_begin(L);
	status = lua_pcall(L, 1, 0, 0);
	luapacket_watch_end(w, L);
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
