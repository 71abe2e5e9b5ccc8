/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The budget of a call into a non-sleepable runtime, inline (see
 * lunatik_budget.c for what it counts and why). The core's lunatik_pcall()
 * and the packet path (luapacket_call.h, which calls Lua per packet and
 * cannot afford two more C frames a call) share these; nothing else
 * outside the core should include this header.
 */
#ifndef LUNATIK_BUDGET_H
#define LUNATIK_BUDGET_H

#include <linux/hrtimer.h>
#include <linux/percpu.h>
#include <linux/jiffies.h>
#include <linux/sched/task_stack.h>

#include "lunatik_runtime.h"
/* luaD_pcallnoyield: lua_pcall(L, nargs, nresults, 0) in one frame (patches/0005). */
#include "ldo.h"

/* C stack a Lua call may use below its entry point, and the slack kept for errors. */
#define LUNATIK_STACK_TASK	(8 << 10)
#define LUNATIK_STACK_IRQ	(6 << 10)
#define LUNATIK_STACK_ERROR	(2 << 10)
/* Leave this much of a task stack untouched for interrupts. */
#define LUNATIK_STACK_FLOOR	(4 << 10)

/* Sets the stack limits of L relative to where we enter it now (lunatik_enter). */
static __always_inline void lunatik_enterhere(lua_State *L)
{
	struct lunatik_state *s = lunatik_stateof(L);
	unsigned long sp = current_stack_pointer;
	unsigned long budget = LUNATIK_STACK_IRQ;

	if (object_is_on_stack((void *)sp)) {
		unsigned long base = (unsigned long)task_stack_page(current);
		unsigned long room = sp - base;

		budget = LUNATIK_STACK_TASK;
		if (room < budget + LUNATIK_STACK_ERROR + LUNATIK_STACK_FLOOR)
			budget = room > LUNATIK_STACK_ERROR + LUNATIK_STACK_FLOOR ?
				 room - LUNATIK_STACK_ERROR - LUNATIK_STACK_FLOOR : 0;
	}
	s->limits.soft = sp - budget;
	s->limits.hard = s->limits.soft - LUNATIK_STACK_ERROR;
}

/* The parameters of lunatik.ko, as a call uses them (set by lunatik_budget.c). */
struct lunatik_budgetlimits {
	long callsteps;			/* budget_steps; LONG_MAX for none */
	unsigned long jiffies;		/* budget_ms; 0 for none */
};
extern struct lunatik_budgetlimits lunatik_budgetlimits;

/* A CPU's watch over the non-sleepable call running on it. */
struct lunatik_watch {
	struct lunatik_state *state;	/* in a call on this CPU, or NULL */
	unsigned long deadline;		/* in jiffies */
	bool armed;
	struct hrtimer timer;
};
DECLARE_PER_CPU(struct lunatik_watch, lunatik_watch);

/* Starts the watch's timer (out of line: once per CPU, until it idles). */
void lunatik_watcharm(struct lunatik_watch *w);

/* Steps between two checks for signals in process context. */
#define LUNATIK_BUDGET_INTERVAL	1000

/* Steps until the next check: process context checks for signals every interval. */
static __always_inline long lunatik_budgetchunk(const struct lunatik_budget *b)
{
	return b->yield ? min(b->left, (long)LUNATIK_BUDGET_INTERVAL) : b->left;
}

/* Preemption is off (the runtime's spinlock): we stay on this CPU. */
static __always_inline void lunatik_watchbegin(struct lunatik_state *s)
{
	struct lunatik_watch *w = this_cpu_ptr(&lunatik_watch);
	unsigned long budget = READ_ONCE(lunatik_budgetlimits.jiffies);

	s->budget.outer = w->state;
	s->budget.outerdeadline = w->deadline;
	if (!budget) {
		WRITE_ONCE(w->state, NULL);
		return;
	}
	WRITE_ONCE(w->deadline, jiffies + budget);
	WRITE_ONCE(w->state, s);
	/* The timer interrupts us, never runs beside us: state first, then armed. */
	barrier();
	if (unlikely(!READ_ONCE(w->armed)))
		lunatik_watcharm(w);
}

static __always_inline void lunatik_watchend(struct lunatik_state *s)
{
	struct lunatik_watch *w = this_cpu_ptr(&lunatik_watch);

	WRITE_ONCE(w->deadline, s->budget.outerdeadline);
	WRITE_ONCE(w->state, s->budget.outer);
}

static __always_inline void lunatik_budgetstart(struct lunatik_state *s, bool bounded, bool yield)
{
	struct lunatik_budget *b = &s->budget;

	b->depth = 1;
	b->yield = yield;
	b->exhausted = false;
	b->timedout = false;
	b->steps = bounded ? READ_ONCE(lunatik_budgetlimits.callsteps) : LONG_MAX;
	b->left = b->steps;
	b->chunk = lunatik_budgetchunk(b);
	s->limits.ticks = b->chunk;
	if (!yield)
		lunatik_watchbegin(s);
}

static __always_inline void lunatik_budgetstop(struct lunatik_state *s)
{
	struct lunatik_budget *b = &s->budget;

	b->depth = 0;
	if (!b->yield) {
		/*
		 * Outside a call only a sleepable runtime counts steps (to
		 * yield the CPU, luak_budgetcheck): ticks may keep what is left.
		 */
		lunatik_watchend(s);
		return;
	}
	b->chunk = LUNATIK_BUDGET_INTERVAL;
	s->limits.ticks = b->chunk;
}

static __always_inline int lunatik_pcallin(lua_State *L, int nargs, int nresults, bool bounded,
					   bool yield)
{
	struct lunatik_state *s = lunatik_stateof(L);
	int status;

	if (s->budget.depth)
		return luaD_pcallnoyield(L, nargs, nresults);
	lunatik_budgetstart(s, bounded, yield);
	status = luaD_pcallnoyield(L, nargs, nresults);
	lunatik_budgetstop(s);
	return status;
}

/*
 * lunatik_pcall() in the caller's frame, for a runtime known not to be
 * sleepable (a packet runtime, luapacket_bind), entered with
 * lunatik_enterhere() under its lock.
 */
static __always_inline int lunatik_pcallatomic(lua_State *L, int nargs, int nresults)
{
	struct lunatik_state *s = lunatik_stateof(L);
	int status;

	/* Nested: the budget is the outer call's. */
	if (unlikely(s->budget.depth))
		return luaD_pcallnoyield(L, nargs, nresults);
	lunatik_budgetstart(s, true, false);
	status = luaD_pcallnoyield(L, nargs, nresults);
	lunatik_budgetstop(s);
	return status;
}

#endif
