// SPDX-License-Identifier: GPL-2.0
/*
 * runtime:resume(...): runs the function a runtime's script returned, as a
 * coroutine of that runtime, with values copied across: nil, booleans,
 * integers, strings and Lunatik objects (which are shared, not copied).
 * The copies live in a Lua userdata of the caller, so an error on either
 * side frees them; object references still held are put by its __gc.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/string.h>

#include "lunatik_runtime.h"

#define LUNATIK_RESUME_MAX	8
#define LUNATIK_RESUME_BYTES	2048

struct lunatik_value {
	int type;
	union {
		bool b;
		lua_Integer i;
		lunatik_object_t *o;
		struct {
			size_t off;
			size_t len;
		} s;
	};
};

struct lunatik_transfer {
	int n;
	bool failed;			/* the message is value 0 */
	bool bounded;			/* the caller runs on a step budget: so do we */
	size_t used;
	struct lunatik_value v[LUNATIK_RESUME_MAX];
	char bytes[LUNATIK_RESUME_BYTES];
};

static const char *lunatik_savestring(struct lunatik_transfer *t, struct lunatik_value *v,
				      const char *s, size_t len)
{
	if (len > sizeof(t->bytes) - t->used)
		return "strings passed between runtimes are too long";
	memcpy(t->bytes + t->used, s, len);
	v->s.off = t->used;
	v->s.len = len;
	t->used += len;
	return NULL;
}

/* Copies n values from L's stack at ix into t; returns why it could not, or NULL. */
static const char *lunatik_collect(lua_State *L, int ix, int n, struct lunatik_transfer *t)
{
	int i;

	if (n > LUNATIK_RESUME_MAX)
		return "too many values passed between runtimes";
	for (i = 0; i < n; i++, ix++) {
		struct lunatik_value *v = &t->v[i];
		const char *s;
		size_t len;

		v->type = lua_type(L, ix);
		switch (v->type) {
		case LUA_TNIL:
			break;
		case LUA_TBOOLEAN:
			v->b = lua_toboolean(L, ix);
			break;
		case LUA_TNUMBER:
			v->i = lua_tointeger(L, ix);
			break;
		case LUA_TSTRING:
			s = lua_tolstring(L, ix, &len);
			s = lunatik_savestring(t, v, s, len);
			if (s)
				return s;
			break;
		case LUA_TUSERDATA:
			v->o = lunatik_testobject(L, ix);
			if (!v->o || v->o->single) {
				v->type = LUA_TNIL;
				t->n = i;
				return "only shareable Lunatik objects can be passed between runtimes";
			}
			lunatik_getobject(v->o);
			break;
		default:
			v->type = LUA_TNIL;
			t->n = i;
			return "values of this type cannot be passed between runtimes";
		}
		t->n = i + 1;
	}
	return NULL;
}

/* Pushes the values of t; object references move to the new userdata. */
static void lunatik_pushvalues(lua_State *L, struct lunatik_transfer *t)
{
	int i;

	luaL_checkstack(L, t->n, "too many values");
	for (i = 0; i < t->n; i++) {
		struct lunatik_value *v = &t->v[i];

		switch (v->type) {
		case LUA_TBOOLEAN:
			lua_pushboolean(L, v->b);
			break;
		case LUA_TNUMBER:
			lua_pushinteger(L, v->i);
			break;
		case LUA_TSTRING:
			lua_pushlstring(L, t->bytes + v->s.off, v->s.len);
			break;
		case LUA_TUSERDATA:
			lunatik_pushobject(L, v->o);
			lunatik_putobject(v->o);
			v->type = LUA_TNIL;
			break;
		default:
			lua_pushnil(L);
			break;
		}
	}
}

static void lunatik_resetvalues(struct lunatik_transfer *t)
{
	int i;

	for (i = 0; i < t->n; i++)
		if (t->v[i].type == LUA_TUSERDATA)
			lunatik_putobject(t->v[i].o);
	t->n = 0;
	t->used = 0;
}

static int lunatik_gctransfer(lua_State *L)
{
	lunatik_resetvalues(lua_touserdata(L, 1));
	return 0;
}

static void lunatik_fail(struct lunatik_transfer *t, const char *msg, size_t len)
{
	lunatik_resetvalues(t);
	t->failed = true;
	t->n = 1;
	t->v[0].type = LUA_TSTRING;
	lunatik_savestring(t, &t->v[0], msg, min(len, sizeof(t->bytes)));
}

/* In the target runtime, protected: resume its coroutine with t's values. */
static int lunatik_presume(lua_State *L)
{
	struct lunatik_transfer *t = lua_touserdata(L, 1);
	const char *why;
	lua_State *co;
	int status, nres;

	if (lua_rawgetp(L, LUA_REGISTRYINDEX, &lunatik_resumekey) != LUA_TTHREAD)
		return luaL_error(L, "the runtime's script returned no function to resume");
	co = lua_tothread(L, -1);
	lunatik_pushvalues(L, t);
	lua_xmove(L, co, t->n);
	status = lua_resume(co, L, t->n, &nres);
	lunatik_resetvalues(t);
	if (status != LUA_OK && status != LUA_YIELD) {
		lua_xmove(co, L, 1);
		return lua_error(L);
	}
	/*
	 * Finished with a function first: that function is what a thread of
	 * this runtime runs next, as in Lunatik (echod's worker returns its
	 * task this way); it is not passed back.
	 */
	if (status == LUA_OK && nres > 0 && lua_type(co, -nres) == LUA_TFUNCTION) {
		lua_pushvalue(co, -nres);
		lunatik_setentry(co);
		lua_remove(co, -nres);
		nres--;
	}
	why = lunatik_collect(co, lua_gettop(co) - nres + 1, nres, t);
	lua_pop(co, nres);
	if (why)
		return luaL_error(L, "%s", why);
	return 0;
}

static int lunatik_resumehandler(lua_State *L, struct lunatik_transfer *t)
{
	int status;

	lua_pushcfunction(L, lunatik_presume);
	lua_pushlightuserdata(L, t);
	/*
	 * A non-sleepable runtime runs under its spinlock: always on a budget.
	 * A sleepable one yields and sees our signals, with a step limit
	 * unless our caller may run without one (the lunatik command).
	 */
	if (t->bounded)
		status = lunatik_pcall(L, 1, 0);
	else
		status = lunatik_pcall_interruptible(L, 1, 0);
	if (status != LUA_OK) {
		size_t len;
		const char *msg = lua_tolstring(L, -1, &len);

		if (!msg)
			msg = "error object is not a string";
		lunatik_fail(t, msg, msg ? len : 0);
	}
	return 0;
}

static struct lunatik_transfer *lunatik_newtransfer(lua_State *L)
{
	struct lunatik_transfer *t = lua_newuserdatauv(L, sizeof(*t), 0);

	t->n = 0;
	t->used = 0;
	t->failed = false;
	if (luaL_newmetatable(L, "lunatik.transfer")) {
		lua_pushcfunction(L, lunatik_gctransfer);
		lua_setfield(L, -2, "__gc");
	}
	lua_setmetatable(L, -2);
	return t;
}

int lunatik_resume(lua_State *L)
{
	lunatik_object_t *runtime = lunatik_checkobject(L, 1, &lunatik_runtime_class);
	int n = lua_gettop(L) - 1;
	struct lunatik_transfer *t;
	const char *why;
	int ret;

	if (runtime == lunatik_toruntime(L))
		return luaL_error(L, "a runtime cannot resume itself");
	/* Its thread holds its lock until it ends: we would wait as long. */
	if (runtime->sleep && lunatik_attached(runtime))
		return luaL_error(L, "the runtime runs a thread");
	t = lunatik_newtransfer(L);
	t->bounded = lunatik_budgetbounded(L);
	why = lunatik_collect(L, 2, n, t);
	if (why)
		return luaL_error(L, "%s", why);
	lunatik_run(runtime, lunatik_resumehandler, ret, t);
	if (ret == -ENXIO)
		return luaL_error(L, "the runtime has been stopped");
	if (t->failed) {
		lua_pushlstring(L, t->bytes + t->v[0].s.off, t->v[0].s.len);
		lunatik_resetvalues(t);
		return lua_error(L);
	}
	lunatik_pushvalues(L, t);
	return t->n;
}
