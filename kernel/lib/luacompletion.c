// SPDX-License-Identifier: GPL-2.0
/*
 * require("completion"): kernel completions, shared between runtimes.
 *
 * c:complete() wakes one waiter (or lets the next wait return at once) and
 * may be called from any runtime, softirq ones included. c:wait([ms])
 * sleeps, so only sleepable runtimes may call it; it sleeps interruptibly,
 * so thrd:stop() of the thread that waits, `lunatik stop` of a device
 * callback that waits, or a signal to the process that waits, end it.
 */
#include <linux/completion.h>
#include <linux/jiffies.h>
#include <linux/sched.h>

#include "lunatik.h"

static const lunatik_class_t luacompletion_class;

static struct completion *luacompletion_check(lua_State *L)
{
	return lunatik_checkprivate(L, 1, &luacompletion_class);
}

/* c:complete() */
static int luacompletion_complete(lua_State *L)
{
	complete(luacompletion_check(L));
	return 0;
}

/* c:wait([ms]): true, or nil and "timeout" or "interrupt". */
static int luacompletion_wait(lua_State *L)
{
	struct completion *c = luacompletion_check(L);
	long timeout = MAX_SCHEDULE_TIMEOUT;
	long ret;

	if (!lua_isnoneornil(L, 2)) {
		lua_Integer ms = luaL_checkinteger(L, 2);

		luaL_argcheck(L, ms >= 0, 2, "timeout must not be negative");
		/* msecs_to_jiffies() saturates at MAX_JIFFY_OFFSET. */
		timeout = ms > UINT_MAX ? MAX_SCHEDULE_TIMEOUT : (long)msecs_to_jiffies(ms);
	}
	if (!lunatik_sleepable(L))
		return luaL_error(L, "completion: wait needs a sleepable runtime "
				  "(this one runs in softirq)");
	ret = wait_for_completion_interruptible_timeout(c, timeout);
	if (ret > 0) {
		lua_pushboolean(L, true);
		return 1;
	}
	lua_pushnil(L);
	lua_pushstring(L, ret == 0 ? "timeout" : "interrupt");
	return 2;
}

/* The object is freed with its last reference, so a waiter always has it. */
static int luacompletion_close(lua_State *L)
{
	return 0;
}

static const luaL_Reg luacompletion_methods[] = {
	{"complete", luacompletion_complete},
	{"wait", luacompletion_wait},
	{"__close", luacompletion_close},
	{NULL, NULL}
};

static const lunatik_class_t luacompletion_class = {
	.name = "completion",
	.methods = luacompletion_methods,
};

/* completion.new() */
static int luacompletion_new(lua_State *L)
{
	lunatik_object_t *object = lunatik_newobject(L, &luacompletion_class,
						     sizeof(struct completion));

	init_completion(object->private);
	return 1;
}

static const luaL_Reg luacompletion_lib[] = {
	{"new", luacompletion_new},
	{NULL, NULL}
};

static int luaopen_completion(lua_State *L)
{
	luaL_newlib(L, luacompletion_lib);
	lunatik_newclass(L, &luacompletion_class);
	return 1;
}

LUNATIK_LIB_MODULE(completion, luaopen_completion, false);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Lunatik library: completion (kernel completions shared between runtimes)");
