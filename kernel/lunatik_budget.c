// SPDX-License-Identifier: GPL-2.0
/*
 * The budget of calls into Lua (lunatik_pcall, see lunatik.h).
 *
 * Lua counts steps down in the state's limits.ticks (luak_conf.h): a call
 * of a Lua function, a backward jump, a unit of work in a library loop
 * (patches/0002) and 64 bytes allocated each cost one. When ticks goes
 * below zero Lua asks luak_budgetcheck() whether to go on. The count is
 * shared by every coroutine of the state and runs with debug hooks off,
 * so finalizers and coroutines are under the same budget as their call.
 *
 * Instructions rather than time: a budget in steps gives a script the
 * same allowance on a busy host as on an idle one (a time budget made
 * ordinary callbacks fail under steal time) and costs the packet path no
 * clock reads. Time is only a backstop for non-sleepable runtimes, for
 * work that steps do not see (a comparison of two long strings): a per-CPU
 * hard-irq timer, running only while calls do, zeroes ticks of a call past
 * budget_ms, so that Lua stops at its next step.
 *
 * Sleepable runtimes check for signals and yield the CPU every
 * LUNATIK_BUDGET_INTERVAL steps instead, and outside a budgeted call too
 * (the count hook of earlier versions did that).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpuhotplug.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

#include "lunatik_budget.h"

static unsigned long budget_steps = 1000000;
static unsigned int budget_ms = 1000;

/* Both as a call uses them, worked out once when set rather than on every call. */
struct lunatik_budgetlimits lunatik_budgetlimits __read_mostly = {
	.callsteps = 1000000,
	.jiffies = HZ,		/* msecs_to_jiffies(1000) */
};
EXPORT_SYMBOL_GPL(lunatik_budgetlimits);

static int lunatik_budgetsteps_set(const char *val, const struct kernel_param *kp)
{
	unsigned long steps;
	int ret = kstrtoul(val, 0, &steps);

	if (ret)
		return ret;
	WRITE_ONCE(lunatik_budgetlimits.callsteps, steps && steps < LONG_MAX ? (long)steps : LONG_MAX);
	WRITE_ONCE(budget_steps, steps);
	return 0;
}

static const struct kernel_param_ops lunatik_budgetsteps_ops = {
	.set = lunatik_budgetsteps_set,
	.get = param_get_ulong,
};
module_param_cb(budget_steps, &lunatik_budgetsteps_ops, &budget_steps, 0644);
MODULE_PARM_DESC(budget_steps, "steps (Lua calls, loop iterations, library work, 64 allocated "
		 "bytes) a call into Lua may take; 0: no limit");

static int lunatik_budgetms_set(const char *val, const struct kernel_param *kp)
{
	unsigned int ms;
	int ret = kstrtouint(val, 0, &ms);

	if (ret)
		return ret;
	WRITE_ONCE(lunatik_budgetlimits.jiffies, ms ? msecs_to_jiffies(ms) : 0);	/* at least 1 */
	WRITE_ONCE(budget_ms, ms);
	return 0;
}

static const struct kernel_param_ops lunatik_budgetms_ops = {
	.set = lunatik_budgetms_set,
	.get = param_get_uint,
};
module_param_cb(budget_ms, &lunatik_budgetms_ops, &budget_ms, 0644);
MODULE_PARM_DESC(budget_ms, "milliseconds a call into a non-sleepable runtime may take; 0: no limit");

#define LUNATIK_WATCH_PERIOD_MS	10

DEFINE_PER_CPU(struct lunatik_watch, lunatik_watch);
EXPORT_PER_CPU_SYMBOL_GPL(lunatik_watch);
static enum cpuhp_state lunatik_watch_hp;

static inline bool lunatik_maysleep(void)
{
	return in_task() && !in_atomic() && !irqs_disabled();
}

/* Hard irq, on the watch's own CPU: it interrupts the call it looks at. */
static enum hrtimer_restart lunatik_watchdog(struct hrtimer *timer)
{
	struct lunatik_watch *w = container_of(timer, struct lunatik_watch, timer);
	struct lunatik_state *s;

	/* Moved here by CPU hotplug: its CPU rearms a timer of its own when back. */
	if (w != this_cpu_ptr(&lunatik_watch))
		return HRTIMER_NORESTART;
	s = READ_ONCE(w->state);
	if (!s) {
		/* Idle: the next call arms it again (see lunatik_watchbegin). */
		WRITE_ONCE(w->armed, false);
		return HRTIMER_NORESTART;
	}
	if (time_after(jiffies, READ_ONCE(w->deadline))) {
		/* Lua may be writing ticks as we do: done again at the next tick. */
		WRITE_ONCE(s->budget.timedout, true);
		WRITE_ONCE(s->limits.ticks, 0);
	}
	hrtimer_forward_now(timer, ms_to_ktime(LUNATIK_WATCH_PERIOD_MS));
	return HRTIMER_RESTART;
}

/* Idle watches are armed again by the next call (lunatik_watchbegin). */
void lunatik_watcharm(struct lunatik_watch *w)
{
	WRITE_ONCE(w->armed, true);
	hrtimer_start(&w->timer, ms_to_ktime(LUNATIK_WATCH_PERIOD_MS),
		      HRTIMER_MODE_REL_PINNED_HARD);
}
EXPORT_SYMBOL_GPL(lunatik_watcharm);

/* A CPU coming (back) online: a timer hotplug moved away is not ours any more. */
static int lunatik_watchonline(unsigned int cpu)
{
	struct lunatik_watch *w = per_cpu_ptr(&lunatik_watch, cpu);

	local_bh_disable();
	hrtimer_cancel(&w->timer);
	WRITE_ONCE(w->armed, false);
	local_bh_enable();
	return 0;
}

void lunatik_budgetbegin(struct lunatik_state *s, bool bounded, bool yield)
{
	lunatik_budgetstart(s, bounded, yield);
}

void lunatik_budgetend(struct lunatik_state *s)
{
	lunatik_budgetstop(s);
}

static const char *lunatik_exhaust(struct lunatik_budget *b, const char *fmt, long n)
{
	snprintf(b->why, sizeof(b->why), fmt, n);
	b->exhausted = true;
	return b->why;
}

/* Lua's steps went below zero (luak_conf.h): NULL to go on, or the error. */
const char *luak_budgetcheck(lua_State *L)
{
	struct lunatik_state *s = lunatik_stateof(L);
	struct lunatik_budget *b = &s->budget;
	long used = b->chunk - READ_ONCE(s->limits.ticks);

	if (!b->depth) {
		/* Not in a budgeted call: never raise, but let a signal stop a sleepable one. */
		s->limits.ticks = b->chunk = LUNATIK_BUDGET_INTERVAL;
		if (s->sleep && lunatik_maysleep()) {
			cond_resched();
			if (signal_pending(current))
				return "interrupted";
		}
		return NULL;
	}
	if (b->exhausted)
		goto stop;
	if (READ_ONCE(b->timedout)) {
		lunatik_exhaust(b, "budget exhausted (%ld ms)", READ_ONCE(budget_ms));
		goto stop;
	}
	b->left -= used;
	if (b->left <= 0) {
		lunatik_exhaust(b, "budget exhausted (%ld steps)", b->steps);
		goto stop;
	}
	if (b->yield && lunatik_maysleep()) {
		cond_resched();
		if (signal_pending(current)) {
			lunatik_exhaust(b, "interrupted", 0);
			goto stop;
		}
	}
	b->chunk = lunatik_budgetchunk(b);
	s->limits.ticks = b->chunk;
	return NULL;
stop:
	/* The next step checks again: a script that catches the error stops there. */
	s->limits.ticks = b->chunk = 0;
	return b->why;
}

/* For lunatik_pcallatomic() inline in other modules (the packet path). */
EXPORT_SYMBOL_GPL(luaD_pcallnoyield);

int lunatik_pcallbudget(lua_State *L, int nargs, int nresults, bool bounded, bool yield)
{
	return lunatik_pcallin(L, nargs, nresults, bounded, yield);
}

int lunatik_pcall(lua_State *L, int nargs, int nresults)
{
	/* The usual case, a non-sleepable runtime, spelled out. */
	if (likely(!lunatik_stateof(L)->sleep))
		return lunatik_pcallin(L, nargs, nresults, true, false);
	return lunatik_pcallin(L, nargs, nresults, true, true);
}
EXPORT_SYMBOL_GPL(lunatik_pcall);

int lunatik_pcall_interruptible(lua_State *L, int nargs, int nresults)
{
	bool sleep = lunatik_stateof(L)->sleep;

	return lunatik_pcallin(L, nargs, nresults, !sleep, sleep);
}
EXPORT_SYMBOL_GPL(lunatik_pcall_interruptible);

/* True when L runs in a call with a step limit (resume() passes that on). */
bool lunatik_budgetbounded(lua_State *L)
{
	struct lunatik_budget *b = &lunatik_stateof(L)->budget;

	return !b->depth || b->steps != LONG_MAX;
}

int lunatik_budgetinit(void)
{
	int cpu, ret;

	for_each_possible_cpu(cpu) {
		struct lunatik_watch *w = per_cpu_ptr(&lunatik_watch, cpu);

		hrtimer_init(&w->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_HARD);
		w->timer.function = lunatik_watchdog;
	}
	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "lunatik/budget:online",
				lunatik_watchonline, NULL);
	if (ret < 0)
		return ret;
	lunatik_watch_hp = ret;
	return 0;
}

/* Module exit: no call runs any more. */
void lunatik_budgetexit(void)
{
	int cpu;

	cpuhp_remove_state_nocalls(lunatik_watch_hp);
	for_each_possible_cpu(cpu)
		hrtimer_cancel(&per_cpu_ptr(&lunatik_watch, cpu)->timer);
}
