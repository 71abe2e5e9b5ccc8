/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The call of a packet into Lua (see luapacket.h), as a template: each
 * caller (a netfilter hook, an xtables match, an xtables target) expands
 * luapacket_call() with its own push(), result() and done() (a static
 * const struct luapacket_caller), which the compiler then inlines. One function per caller, no call through a
 * pointer: the empty call is a few hundred instructions, and every tens
 * of them show in the bench.
 *
 * It handles Lua's stack in place, with Lua's internal headers: each call
 * of the public API costs a stack index resolution and a function call.
 * What is rare (the first write, checksums, errors) stays out of line, in
 * luapacket.c.
 *
 * Locking: the runtime's spinlock, as lunatik_run() takes it (per-CPU:
 * this CPU's state's lock, which only this CPU takes on the packet path).
 * The view is pointed at the packet before the call and emptied after it,
 * so a script that keeps the data object never reaches a packet that has
 * gone.
 */
#ifndef LUAPACKET_CALL_H
#define LUAPACKET_CALL_H

#include <linux/skbuff.h>
#include <linux/bottom_half.h>

#include "luapacket.h"
#include "luadata.h"
#include "lunatik_budget.h"	/* lunatik_pcallatomic: the budgeted call, inline */
#include "lstate.h"
#include "lobject.h"
#include "lgc.h"	/* setobj2s */
#include "ldo.h"	/* savestack, restorestack */

/* Arguments push() may push after the view. */
#define LUAPACKET_MAXPUSH	6
/* Results read for result(); more may be asked for, and read from the stack. */
#define LUAPACKET_MAXRESULTS	2

/* luapacket.c: what is rare, out of line. */
int luapacket_prepare(struct luadata *data, unsigned int need);
void luapacket_fixcsum(struct sk_buff *skb);
int luapacket_fail(struct luapacket *p, struct luapacket_slot *slot, const char *why);

/*
 * For push(): a value put in place at slot o of Lua's stack. They cannot
 * raise; the room for LUAPACKET_MAXPUSH of them is made before push() runs.
 */
static __always_inline void luapacket_setvalue(lua_State *L, StkId o,
					       const struct luapacket_value *v)
{
	setobj2s(L, o, (const TValue *)v->tvalue);
}

static __always_inline void luapacket_setinteger(StkId o, lua_Integer i)
{
	setivalue(s2v(o), i);
}

static __always_inline void luapacket_setnil(StkId o)
{
	setnilvalue(s2v(o));
}

/*
 * push(): puts at most LUAPACKET_MAXPUSH arguments after the view, at top,
 * top + 1, ..., sets L->top past them once (each move of L->top costs a
 * store and a load: the values' type bytes may alias it) and returns their
 * count. One that needs Lua's API sets L->top past what it has put first
 * (the stack may move then: top is stale afterwards). A negative count
 * when it cannot (what it pushed stays: the stack is cut back after the
 * call). NULL: none.
 *
 * result(): takes the nresults results, the first LUAPACKET_MAXRESULTS of
 * them read into res (res[0] the first), all of them on the stack at
 * -nresults..-1; returns NULL, or why they are unusable (counted and
 * logged as an error of the call), which it may write in why (the
 * slot's, LUAPACKET_WHYMAX bytes). NULL: results are not read.
 *
 * done(): after the call, whatever its outcome, still under the lock.
 *
 * push() and result() run outside the protected call (the callback is
 * called directly, without a C function around it): they must not raise.
 */
typedef int (*luapacket_push_t)(lua_State *L, StkId top, struct luapacket_slot *slot,
				void *ctx);
typedef const char *(*luapacket_result_t)(lua_State *L, void *ctx,
					  const struct luapacket_result *res, char *why);
typedef void (*luapacket_done_t)(struct luapacket_slot *slot, void *ctx);

/*
 * A caller of luapacket_call(), as a static const: the compiler reads its
 * fields at compile time, and inlines the functions it names.
 */
struct luapacket_caller {
	bool writable;			/* hooks and targets: writable on demand (matches: never) */
	luapacket_push_t push;
	int nresults;
	luapacket_result_t result;
	luapacket_done_t done;
};

/* Where the view starts, from skb->data. */
static __always_inline int luapacket_base(const struct sk_buff *skb, enum luapacket_start start)
{
	unsigned int at;	/* the header, from skb->head */

	if (start == LUAPACKET_MAC && skb_mac_header_was_set(skb))
		at = skb->mac_header;
	else if (start == LUAPACKET_NETWORK)
		at = skb->network_header;
	else
		return 0;
	/* Past the linear part would be a bug elsewhere: show data then. */
	if (unlikely(at > skb_headroom(skb) + skb_headlen(skb)))
		return 0;
	return (int)at - (int)skb_headroom(skb);
}

/* A result read in place (cannot raise). */
static __always_inline void luapacket_result(const TValue *o, struct luapacket_result *res)
{
	lu_byte tt = rawtt(o);

	res->type = novariant(tt);
	res->integer = tt == LUA_VNUMINT;
	res->truth = tt != LUA_VFALSE && novariant(tt) != LUA_TNIL;	/* !l_isfalse */
	res->value = ivalue(o);	/* the bits of any value: read only if integer */
}

/*
 * The first LUAPACKET_MAXRESULTS results, res[0] the first; spelled out
 * rather than a loop, so that what result() does not read is not read.
 */
static __always_inline void luapacket_results(lua_State *L, int nresults,
					      struct luapacket_result *res)
{
	static_assert(LUAPACKET_MAXRESULTS == 2);
	if (nresults >= 1)
		luapacket_result(s2v(L->top - nresults), &res[0]);
	if (nresults >= 2)
		luapacket_result(s2v(L->top - nresults + 1), &res[1]);
}

/*
 * In the runtime's state, locked: the call itself. Returns whether a write
 * prepared the skb (its checksums are then fixed), in *written.
 */
static __always_inline int luapacket_run(lua_State *L, struct luapacket *p,
					 struct luapacket_slot *slot, struct sk_buff *skb, int base,
					 const struct luapacket_caller *c, void *ctx, bool *written)
{
	struct luapacket_result res[LUAPACKET_MAXRESULTS] __uninitialized;	/* read as written */
	struct luadata *view = slot->view->private;
	const char *why = NULL;
	int nargs = 1;
	StkId top;

	slot->calls++;
	luadata_resetskb(slot->view, skb, base, c->writable ? luapacket_prepare : NULL);
	/* lua_checkstack's own test first: a packet state's stack has the room. */
	if (unlikely(L->stack_last - L->top <= 2 + LUAPACKET_MAXPUSH ||
		     L->ci->top < L->top + 2 + LUAPACKET_MAXPUSH) &&
	    unlikely(!lua_checkstack(L, 2 + LUAPACKET_MAXPUSH))) {
		luadata_clear(slot->view);
		return luapacket_fail(p, slot, "no room on the Lua stack");
	}
	/* The callback, the view and push()'s arguments, with one update of L->top. */
	top = L->top;
	luapacket_setvalue(L, top, &slot->fn);
	luapacket_setvalue(L, top + 1, &slot->viewvalue);
	if (c->push) {
		int n = c->push(L, top + 2, slot, ctx);

		if (unlikely(n < 0))
			why = "cannot pass the arguments";
		else
			nargs += n;
	} else {
		L->top = top + 2;
	}
	if (likely(!why)) {
		/* Packet runtimes are never sleepable (luapacket_bind). */
		if (unlikely(lunatik_pcallatomic(L, nargs, c->nresults) != LUA_OK)) {
			/* A number would be converted, which allocates: only strings. */
			why = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) :
			      "error object is not a string";
		} else if (c->result) {
			luapacket_results(L, c->nresults, res);
			why = c->result(L, ctx, res, slot->why);
		}
	}
	if (c->writable)
		*written = view->prepared;
	luadata_clear(slot->view);
	if (c->done)
		c->done(slot, ctx);
	return likely(!why) ? 0 : luapacket_fail(p, slot, why);
}

/*
 * lunatik_run() spelled out: the stack is cut back to where it was by
 * moving its top (what lua_settop does, less its check for variables to
 * close: the callback's frame closed its own when it returned or raised).
 */
static __always_inline int luapacket_runin(lunatik_object_t *runtime, struct luapacket *p,
					   struct luapacket_slot *slot, struct sk_buff *skb,
					   int base, const struct luapacket_caller *c, void *ctx,
					   bool *written)
{
	/*
	 * Packet runtimes never sleep (luapacket_bind). With bottom halves off
	 * already (softirq, or the per-CPU path), spin_lock is what
	 * spin_lock_bh would do, less two calls; packets sent from process
	 * context come with them on.
	 */
	bool bh = !in_softirq();
	lua_State *L;
	ptrdiff_t top;
	int ret;

	if (bh)
		spin_lock_bh(&runtime->spin);
	else
		spin_lock(&runtime->spin);
	L = runtime->private;
	if (unlikely(!L)) {
		ret = -ENXIO;
	} else {
		top = savestack(L, L->top);	/* the stack may be reallocated by the call */
		/* Before push(), which may call Lua (xtables' rule arguments). */
		lunatik_enterhere(L);
		ret = luapacket_run(L, p, slot, skb, base, c, ctx, written);
		L->top = restorestack(L, top);
	}
	if (bh)
		spin_unlock_bh(&runtime->spin);
	else
		spin_unlock(&runtime->spin);
	return ret;
}

/*
 * Any context. Runs the callback bound in p on the packet skb, its view
 * starting at start, as the caller c says (writable on demand or not, its
 * push(), result() and done()); returns 0 when it ran and result() took
 * its results, -ENXIO when the runtime is stopped, or another -errno when
 * Lua raised or the results were unusable (logged, rate-limited, and
 * counted in the slot's errors). The caller then applies its fail verdict.
 */
static __always_inline int luapacket_call(struct luapacket *p, struct sk_buff *skb,
					  enum luapacket_start start,
					  const struct luapacket_caller *c, void *ctx)
{
	bool percpu = p->percpu;
	struct luapacket_slot *slot = &p->one;
	lunatik_object_t *runtime = slot->runtime;
	bool written = false;
	int ret;

	if (percpu) {
		/* The slot of this CPU, which stays ours while bottom halves are off. */
		local_bh_disable();
		slot = this_cpu_ptr(p->percpu);
		runtime = smp_load_acquire(&slot->runtime);
		if (unlikely(!runtime)) {
			local_bh_enable();
			return -ENXIO;	/* this CPU's state has not loaded the script yet */
		}
	}
	ret = luapacket_runin(runtime, p, slot, skb, luapacket_base(skb, start), c, ctx,
			      &written);
	if (percpu)
		local_bh_enable();
	if (unlikely(written))
		luapacket_fixcsum(skb);
	return ret;
}

#endif
