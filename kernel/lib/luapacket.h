/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where packet paths (netfilter hooks, xtables matches and
 * targets) call Lua: a callback bound to a non-sleepable runtime, with a
 * data object reused as the view of each packet. Per-packet calls allocate
 * nothing of their own, log Lua errors at a bounded rate and count them.
 * Calls run under the core's budget (lunatik_pcall). (A per-CPU mode
 * belongs here too.)
 *
 * Lives in luanetfilter.ko; xtables glue links against it.
 */
#ifndef LUAPACKET_H
#define LUAPACKET_H

#include <linux/skbuff.h>
#include <linux/ratelimit.h>
#include <linux/atomic.h>

#include "lunatik.h"

struct luapacket {
	lunatik_object_t *runtime;	/* a reference: the runtime lives while we are bound */
	lunatik_object_t *view;		/* the packet's data object, in the runtime's state */
	int fnref;			/* the callback, in the runtime's registry */
	int viewref;			/* keeps the view alive */
	const char *name;		/* for log lines: "netfilter hook", "xtable dnsblock" */
	atomic64_t calls;
	atomic64_t errors;		/* Lua errors and unusable results */
	struct ratelimit_state ratelimit;
};

/* Where the view of a packet starts (it always runs to the packet's end). */
enum luapacket_start {
	LUAPACKET_DATA,			/* skb->data: the network header in xtables */
	LUAPACKET_NETWORK,		/* the network header, wherever skb->data is */
	LUAPACKET_MAC,			/* the MAC header when set, else skb->data */
};

/* One call: what the view shows and what goes in and out besides it. */
struct luapacket_call {
	struct sk_buff *skb;
	enum luapacket_start start;
	bool writable;			/* hooks and targets: writable on demand (matches: not) */
	/* Pushes the arguments after the view; returns their count. Protected: may raise. */
	int (*push)(lua_State *L, void *ctx);
	int nresults;
	/* Reads the nresults results (at -nresults..-1). Protected: may raise. */
	void (*result)(lua_State *L, void *ctx);
	/* After the call, whatever its outcome, still under the runtime's lock. */
	void (*done)(void *ctx);
	void *ctx;
	/* luapacket's own, per call. */
	int base;			/* the view's start, from skb->data */
	bool written;			/* a write prepared the skb: fix its checksums */
};

/*
 * Process context, from code running in the runtime's state L (a script's
 * body or a library function it calls): binds the function at ix. Raises
 * if the runtime is sleepable (packet paths run in softirq).
 */
void luapacket_bind(lua_State *L, struct luapacket *p, int ix, const char *name);

/*
 * Releases what luapacket_bind took. L is the runtime's state when called
 * from inside it (a __gc or an explicit unregister), or NULL when the
 * state is gone or closing.
 */
void luapacket_unbind(lua_State *L, struct luapacket *p);

/*
 * Any context. Runs the callback; returns 0 when it ran and result() read
 * its results, -ENXIO when the runtime is stopped, or another -errno when
 * the packet could not be shown or Lua raised (logged, rate-limited, and
 * counted in p->errors). The caller then applies its fail verdict.
 */
int luapacket_call(struct luapacket *p, struct luapacket_call *call);

/* Process context, may sleep: true where a binding may be (un)registered. */
static inline bool luapacket_maysleep(void)
{
	return in_task() && !in_atomic() && !irqs_disabled();
}

#endif
