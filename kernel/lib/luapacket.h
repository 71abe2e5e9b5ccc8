/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where packet paths (netfilter hooks, xtables matches and
 * targets) call Lua: a callback bound to a non-sleepable runtime, with a
 * data object reused as the view of each packet. Per-packet calls allocate
 * nothing of their own, log Lua errors at a bounded rate and count them.
 * Calls run under the core's budget (lunatik_pcall).
 *
 * Per-CPU runtimes (lunatik.h): the extension is registered once and each
 * CPU's state binds its own callback in its own slot; a packet calls the
 * slot of the CPU it runs on, under that state's own lock (no other CPU
 * takes it), and counts in that slot.
 *
 * Lives in luanetfilter.ko; xtables glue links against it. The call of a
 * packet itself is luapacket_call.h's, inline in each caller.
 */
#ifndef LUAPACKET_H
#define LUAPACKET_H

#include <linux/skbuff.h>
#include <linux/ratelimit.h>
#include <linux/atomic.h>

#include "lunatik.h"

/*
 * A value of a state that a packet path pushes every call: a registry ref
 * keeps it alive, and a copy of Lua's own representation of it (a TValue;
 * Lua never moves objects) is pushed without a registry read (60
 * instructions each). Only for values of the state being called.
 */
struct luapacket_value {
	int ref;			/* in the state's registry, or LUA_NOREF */
	u64 tvalue[2];			/* Lua's TValue, opaque outside luapacket.c and luapacket_call.h */
};

/* Pops the top of L's stack into v (may raise: out of memory). */
void luapacket_keep(lua_State *L, struct luapacket_value *v);
/* Lets v go (cannot raise); v is then nil. */
void luapacket_forget(lua_State *L, struct luapacket_value *v);

/* A result of the callback, read in place for result(). */
struct luapacket_result {
	int type;			/* lua_type()'s LUA_TNIL, LUA_TNUMBER, ... */
	bool integer;			/* an integer (every number is one here) */
	bool truth;			/* Lua's truth: neither nil nor false */
	lua_Integer value;		/* the integer; meaningless for other values */
};

/* The longest message a caller's result() may write (luapacket_call.h). */
#define LUAPACKET_WHYMAX	80

/* One state's binding. */
struct luapacket_slot {
	lunatik_object_t *runtime;	/* a reference: the runtime lives while we are bound */
	lunatik_object_t *view;		/* the packet's data object, in the runtime's state */
	struct luapacket_value fn;	/* the callback */
	struct luapacket_value viewvalue;	/* the view, as Lua holds it */
	int cpu;			/* the CPU served, -1 for a plain runtime's slot */
	int own[2];			/* the binder's refs in this state (luaxtable: check, destroy) */
	struct luapacket_value arg;	/* the binder's argument of every call (luaxtable: par) */
	void *cur;			/* the binder's, for the call in flight (luaxtable: par's packet) */
	u64 calls;			/* written under the runtime's lock, on its CPU if per-CPU */
	u64 errors;			/* Lua errors and unusable results */
	char why[LUAPACKET_WHYMAX];	/* result()'s message, written under the lock */
};

struct luapacket {
	struct luapacket_slot one;	/* a plain runtime's binding */
	struct luapacket_slot __percpu *percpu;	/* per-CPU runtimes': NULL for a plain one */
	const char *name;		/* for log lines: "netfilter hook", "xtable dnsblock" */
	struct ratelimit_state ratelimit;
};

/* Where the view of a packet starts (it always runs to the packet's end). */
enum luapacket_start {
	LUAPACKET_DATA,			/* skb->data: the network header in xtables */
	LUAPACKET_NETWORK,		/* the network header, wherever skb->data is */
	LUAPACKET_MAC,			/* the MAC header when set, else skb->data */
};

/*
 * Process context, from code running in the runtime's state L (a script's
 * body or a library function it calls): binds the function at ix. Raises
 * if the runtime is sleepable (packet paths run in softirq). In a per-CPU
 * runtime's state, binds that CPU's slot (p zeroed before the first).
 */
void luapacket_bind(lua_State *L, struct luapacket *p, int ix, const char *name);

/* Whether p is bound (the first bind done, no unbind since). */
static inline bool luapacket_bound(const struct luapacket *p)
{
	return p->one.runtime || p->percpu;
}

/*
 * The slot of cpu (-1: of a plain runtime's binding), or NULL if no state
 * is bound there. Process context: for calls outside packets (xtables'
 * checkentry and destroy run in every bound state).
 */
struct luapacket_slot *luapacket_slot(struct luapacket *p, int cpu);

/* Calls and errors, summed over the CPUs. */
void luapacket_stats(struct luapacket *p, u64 *calls, u64 *errors);

/*
 * Releases what luapacket_bind took. L is the runtime's state when called
 * from inside it (a __gc or an explicit unregister), or NULL when the
 * state is gone or closing.
 */
void luapacket_unbind(lua_State *L, struct luapacket *p);

/* Process context, may sleep: true where a binding may be (un)registered. */
static inline bool luapacket_maysleep(void)
{
	return in_task() && !in_atomic() && !irqs_disabled();
}

#endif
