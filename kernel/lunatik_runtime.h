/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals of the core shared by its files; not for library modules, but
 * through lunatik_budget.h, which the packet path inlines.
 */
#ifndef LUNATIK_RUNTIME_H
#define LUNATIK_RUNTIME_H

#include <linux/workqueue.h>
#include <linux/ratelimit.h>

#include "lunatik.h"
#include "luak_conf.h"

#define LUNATIK_SCRIPT_MAX	200
#define LUNATIK_ERROR_MAX	512

/* The budget of the call that runs in a state now (lunatik_budget.c). */
struct lunatik_budget {
	unsigned int depth;		/* 0: no budgeted call runs */
	bool yield;			/* process context: cond_resched() and signals */
	bool exhausted;			/* every check raises until the call returns */
	bool timedout;			/* set by this CPU's watchdog */
	long steps;			/* the call's budget, for the message */
	long left;			/* steps left besides the current chunk */
	long chunk;			/* what ticks was last set to */
	struct lunatik_state *outer;	/* the call this one interrupted on this CPU */
	unsigned long outerdeadline;
	char why[48];			/* the error of an exhausted budget */
};

/* What a runtime's Lua state knows of itself; its extra space points here. */
/* lunatik_testobject's cache: 8 classes (a script uses a few). */
#define LUNATIK_CLASSES_BITS	3

struct lunatik_state {
	struct luak_limits limits;	/* first: Lua's stack guard and budget read it */
	struct lunatik_budget budget;
	lunatik_object_t *runtime;	/* NULL once released, see lunatik_releaseruntime */
	bool sleep;
	gfp_t gfp;			/* what the allocator uses now */
	size_t used;			/* bytes allocated by the state */
	size_t limit;
	struct lunatik_charge *charge;	/* memory held for it outside the state; NULL if none yet */
	struct ratelimit_state print_ratelimit;	/* print() from atomic context */
	struct list_head modules;	/* module references taken by require() */
	struct work_struct close_work;	/* lua_close when released in atomic context */
	lua_State *L;
	char script[LUNATIK_SCRIPT_MAX + 1];	/* as lunatik.runtime() got it */
	/* Per-CPU runtimes (lunatik_group.c): the CPU served, -1 for a plain runtime. */
	int cpu;
	struct lunatik_group *group;	/* a reference, NULL for a plain runtime */
	unsigned int nshared;		/* objects of the group this state has found */
	/* Class metatables found by lunatik_testobject, by class address. */
	struct lunatik_classcache {
		const lunatik_class_t *class;
		const void *mt;		/* anchored in the registry while the state lives */
	} classes[1 << LUNATIK_CLASSES_BITS];
};

static inline struct lunatik_state *lunatik_stateof(lua_State *L)
{
	return *(struct lunatik_state **)lua_getextraspace(L);
}

extern const lunatik_class_t lunatik_runtime_class;
/* Registry key of the coroutine that runtime:resume() runs. */
extern const char lunatik_resumekey;

int lunatik_newruntime(lunatik_object_t **pruntime, const char *script, bool sleep,
		       char *err, size_t errlen);
/* The same, as the state of cpu in a group of per-CPU runtimes. */
int lunatik_newgroupruntime(lunatik_object_t **pruntime, const char *script, bool sleep,
			    struct lunatik_group *group, int cpu, char *err, size_t errlen);

/* lunatik_group.c */
struct lunatik_group *lunatik_newgroup(void);
void lunatik_groupget(struct lunatik_group *group);
void lunatik_groupput(struct lunatik_group *group);
void lunatik_grouploaded(struct lunatik_group *group);
int lunatik_lpercpu(lua_State *L);
int lunatik_openrequire(lua_State *L);
/* Makes runtime a child of L's: it stops when L's runtime does. */
int lunatik_adopt(lua_State *L, lunatik_object_t *runtime);
void lunatik_putmodules(struct lunatik_state *s);
int lunatik_openlib(lua_State *L);
int lunatik_resume(lua_State *L);
void lunatik_setentry(lua_State *L);

/* lunatik_budget.c */
int lunatik_budgetinit(void);
void lunatik_budgetexit(void);
void lunatik_budgetbegin(struct lunatik_state *s, bool bounded, bool yield);
void lunatik_budgetend(struct lunatik_state *s);
int lunatik_pcallbudget(lua_State *L, int nargs, int nresults, bool bounded, bool yield);
bool lunatik_budgetbounded(lua_State *L);
/* Bytes allocated that count as one step. */
#define LUNATIK_BUDGET_BYTESHIFT	6
extern struct workqueue_struct *lunatik_wq;

#endif
