// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU runtimes: lunatik.percpu(script [, sleep]) loads the script once
 * per possible CPU, each in its own runtime, and returns them as a table
 * indexed by CPU. The states are tied by a group: the objects the first
 * state registers are shared, in order, with the states loaded after it
 * (lunatik_share, lunatik_shared in lunatik.h).
 *
 * States are made for every possible CPU, not only the online ones: a CPU
 * that comes online finds its state ready and one that goes offline just
 * stops calling its own, so CPU hotplug needs nothing here. Loading is
 * sequential, in the task that asked for it, so the group needs no lock:
 * it is only written while it loads, and read after that.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/cpumask.h>

#include "lunatik_runtime.h"

struct lunatik_group {
	struct kref kref;
	bool loading;			/* lunatik_share/lunatik_shared only then */
	int first;			/* the CPU whose state creates what is shared */
	unsigned int nshared, size;
	lunatik_object_t **shared;	/* a reference on each */
};

struct lunatik_group *lunatik_newgroup(void)
{
	struct lunatik_group *group = kzalloc(sizeof(*group), GFP_KERNEL);

	if (!group)
		return NULL;
	kref_init(&group->kref);
	group->loading = true;
	group->first = cpumask_first(cpu_possible_mask);
	return group;
}

void lunatik_groupget(struct lunatik_group *group)
{
	kref_get(&group->kref);
}

/* Process context: the last put releases the shared objects (hooks unregister). */
static void lunatik_freegroup(struct kref *kref)
{
	struct lunatik_group *group = container_of(kref, struct lunatik_group, kref);
	unsigned int i;

	for (i = 0; i < group->nshared; i++)
		lunatik_putobject(group->shared[i]);
	kfree(group->shared);
	kfree(group);
}

void lunatik_groupput(struct lunatik_group *group)
{
	kref_put(&group->kref, lunatik_freegroup);
}

void lunatik_grouploaded(struct lunatik_group *group)
{
	group->loading = false;
}

int lunatik_cpu(lua_State *L)
{
	return lunatik_stateof(L)->cpu;
}
EXPORT_SYMBOL_GPL(lunatik_cpu);

static struct lunatik_group *lunatik_loadinggroup(lua_State *L, struct lunatik_state *s)
{
	if (!s->group)
		return NULL;
	if (!s->group->loading)
		luaL_error(L, "a per-CPU script registers hooks and extensions while it loads");
	return s->group;
}

void lunatik_share(lua_State *L, lunatik_object_t *object)
{
	struct lunatik_state *s = lunatik_stateof(L);
	struct lunatik_group *group = lunatik_loadinggroup(L, s);

	if (!group)
		return;
	if (group->nshared == group->size) {
		unsigned int size = group->size ? 2 * group->size : 8;
		lunatik_object_t **shared = krealloc(group->shared, size * sizeof(*shared),
						     GFP_KERNEL);

		if (!shared)
			luaL_error(L, "per-CPU runtime: not enough memory");
		group->shared = shared;
		group->size = size;
	}
	lunatik_getobject(object);
	group->shared[group->nshared++] = object;
	s->nshared = group->nshared;
}
EXPORT_SYMBOL_GPL(lunatik_share);

lunatik_object_t *lunatik_shared(lua_State *L, const lunatik_class_t *class)
{
	struct lunatik_state *s = lunatik_stateof(L);
	struct lunatik_group *group = lunatik_loadinggroup(L, s);
	lunatik_object_t *object;

	if (!group || s->cpu == group->first)
		return NULL;
	if (s->nshared >= group->nshared)
		luaL_error(L, "per-CPU script: CPU %d registers a %s that CPU %d did not",
			   s->cpu, class->name, group->first);
	object = group->shared[s->nshared];
	if (object->class != class)
		luaL_error(L, "per-CPU script: CPU %d registers a %s where CPU %d registered a %s",
			   s->cpu, class->name, group->first, object->class->name);
	s->nshared++;
	return object;
}
EXPORT_SYMBOL_GPL(lunatik_shared);

/* The table being filled is at -1, the error buffer at ebix: stops what was made, raises. */
static int lunatik_percpufail(lua_State *L, struct lunatik_group *group, int ebix)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		lunatik_object_t **pruntime;

		if (lua_rawgeti(L, -1, cpu) == LUA_TUSERDATA) {
			pruntime = lua_touserdata(L, -1);
			if (*pruntime) {
				lunatik_stop(*pruntime);
				*pruntime = NULL;
			}
		}
		lua_pop(L, 1);
	}
	lunatik_groupput(group);
	lua_pushstring(L, lua_touserdata(L, ebix));
	return lua_error(L);
}

/*
 * lunatik.percpu(script [, sleep]): a table {[cpu] = runtime} with one
 * runtime per possible CPU, each having run the script. A script that
 * fails on any CPU stops the ones made before it.
 */
int lunatik_lpercpu(lua_State *L)
{
	const char *script = luaL_checkstring(L, 1);
	bool sleep = lua_isnoneornil(L, 2) || lua_toboolean(L, 2);
	struct lunatik_group *group;
	int ebix, cpu;
	char *err;

	err = lua_newuserdatauv(L, LUNATIK_ERROR_MAX, 0);
	ebix = lua_gettop(L);
	/* Every handle first, empty, so that nothing below raises while the group is ours. */
	lua_createtable(L, nr_cpu_ids, 0);
	for_each_possible_cpu(cpu) {
		lunatik_newuserdata(L, &lunatik_runtime_class);
		lua_rawseti(L, -2, cpu);
	}
	group = lunatik_newgroup();
	if (!group)
		return luaL_error(L, "per-CPU runtime: not enough memory");
	for_each_possible_cpu(cpu) {
		lunatik_object_t **pruntime;

		lua_rawgeti(L, -1, cpu);
		pruntime = lua_touserdata(L, -1);
		lua_pop(L, 1);
		if (lunatik_newgroupruntime(pruntime, script, sleep, group, cpu, err,
					    LUNATIK_ERROR_MAX))
			return lunatik_percpufail(L, group, ebix);
		/* stopped with the runtime that made it, as lunatik.runtime()'s */
		if (lunatik_adopt(L, *pruntime)) {
			strscpy(err, "per-CPU runtime: not enough memory", LUNATIK_ERROR_MAX);
			return lunatik_percpufail(L, group, ebix);
		}
	}
	lunatik_grouploaded(group);
	lunatik_groupput(group);	/* the states hold it now */
	return 1;
}
