// SPDX-License-Identifier: GPL-2.0
/*
 * Refcounted objects shared between C and Lua. A Lua userdata holds a
 * pointer to the object and one reference; C code that keeps an object
 * (a hook, a rule) takes its own with lunatik_getobject().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/hash.h>

#include "lunatik.h"
#include "lunatik_runtime.h"
/* Lua's internals: lunatik_testobject reads an argument in place. */
#include "lstate.h"
#include "lobject.h"

lunatik_object_t *lunatik_createobject(const lunatik_class_t *class, size_t size, bool sleep)
{
	gfp_t gfp = sleep ? GFP_KERNEL : GFP_ATOMIC;
	lunatik_object_t *object = kzalloc(sizeof(*object), gfp);

	if (!object)
		return NULL;
	if (size) {
		object->private = kzalloc(size, gfp);
		if (!object->private) {
			kfree(object);
			return NULL;
		}
		object->owned = true;
	}
	kref_init(&object->kref);
	object->class = class;
	object->single = class->single;
	object->sleep = sleep;
	object->gfp = gfp;
	if (sleep)
		mutex_init(&object->mutex);
	else
		spin_lock_init(&object->spin);
	return object;
}
EXPORT_SYMBOL_GPL(lunatik_createobject);

static void lunatik_releaseprivate(lunatik_object_t *object)
{
	void *private = object->private;

	object->private = NULL;
	if (private && object->class->release)
		object->class->release(private);
	if (object->owned)
		kfree(private);
}

static void lunatik_releaseobject(struct kref *kref)
{
	lunatik_object_t *object = container_of(kref, lunatik_object_t, kref);

	lunatik_releaseprivate(object);
	if (object->sleep)
		mutex_destroy(&object->mutex);
	kfree(object);
}

int lunatik_putobject(lunatik_object_t *object)
{
	return kref_put(&object->kref, lunatik_releaseobject);
}
EXPORT_SYMBOL_GPL(lunatik_putobject);

/* Releases what the object holds now; the object lives on, closed, until its last put. */
void lunatik_closeobject(lunatik_object_t *object)
{
	lunatik_lock(object);
	lunatik_releaseprivate(object);
	lunatik_unlock(object);
}
EXPORT_SYMBOL_GPL(lunatik_closeobject);

/* The metatable of a class is keyed in the registry by the class address. */
static int lunatik_getclass(lua_State *L, const lunatik_class_t *class)
{
	return lua_rawgetp(L, LUA_REGISTRYINDEX, class);
}

static int lunatik_gcobject(lua_State *L)
{
	lunatik_object_t **pobject = lua_touserdata(L, 1);

	if (pobject && *pobject) {
		lunatik_putobject(*pobject);
		*pobject = NULL;
	}
	return 0;
}

static int lunatik_closemethod(lua_State *L)
{
	lunatik_object_t **pobject = lua_touserdata(L, 1);

	if (pobject && *pobject)
		lunatik_closeobject(*pobject);
	return 0;
}

static int lunatik_tostringobject(lua_State *L)
{
	lunatik_object_t **pobject = lua_touserdata(L, 1);
	const char *name = luaL_checkstring(L, lua_upvalueindex(1));

	lua_pushfstring(L, "%s: %p", name, pobject ? *pobject : NULL);
	return 1;
}

/* Registers the class's metatable in this state (idempotent). */
void lunatik_newclass(lua_State *L, const lunatik_class_t *class)
{
	if (lunatik_getclass(L, class) != LUA_TNIL) {
		lua_pop(L, 1);
		return;
	}
	lua_pop(L, 1);
	lua_newtable(L);
	if (class->methods)
		luaL_setfuncs(L, class->methods, 0);
	lua_pushvalue(L, -1);
	lua_setfield(L, -2, "__index");
	lua_pushstring(L, class->name);
	lua_setfield(L, -2, "__name");
	if (lua_getfield(L, -1, "__gc") == LUA_TNIL) {
		lua_pushcfunction(L, lunatik_gcobject);
		lua_setfield(L, -3, "__gc");
	}
	lua_pop(L, 1);
	if (lua_getfield(L, -1, "__close") == LUA_TNIL) {
		lua_pushcfunction(L, lunatik_closemethod);
		lua_setfield(L, -3, "__close");
	}
	lua_pop(L, 1);
	if (lua_getfield(L, -1, "__tostring") == LUA_TNIL) {
		lua_pushstring(L, class->name);
		lua_pushcclosure(L, lunatik_tostringobject, 1);
		lua_setfield(L, -3, "__tostring");
	}
	lua_pop(L, 1);
	lua_rawsetp(L, LUA_REGISTRYINDEX, class);
}
EXPORT_SYMBOL_GPL(lunatik_newclass);

/* Pushes an empty userdata of class; __gc finds nothing until it is filled. */
lunatik_object_t **lunatik_newuserdata(lua_State *L, const lunatik_class_t *class)
{
	lunatik_object_t **pobject = lua_newuserdatauv(L, sizeof(*pobject), 0);

	*pobject = NULL;
	if (lunatik_getclass(L, class) != LUA_TTABLE) {
		/*
		 * As in Lunatik, an object passed in loads its class's library
		 * (of the same name): echod's worker gets a data object and a
		 * socket without requiring data or socket.
		 */
		lua_pop(L, 1);
		if (lua_getglobal(L, "require") == LUA_TFUNCTION) {
			lua_pushstring(L, class->name);
			lua_call(L, 1, 0);
		} else {
			lua_pop(L, 1);
		}
		if (lunatik_getclass(L, class) != LUA_TTABLE)
			luaL_error(L, "class '%s' is not loaded in this runtime", class->name);
	}
	lua_setmetatable(L, -2);
	return pobject;
}
EXPORT_SYMBOL_GPL(lunatik_newuserdata);

/* Pushes a userdata for object, taking a reference; the class must be registered in L. */
void lunatik_pushobject(lua_State *L, lunatik_object_t *object)
{
	lunatik_object_t **pobject = lunatik_newuserdata(L, object->class);

	lunatik_getobject(object);
	*pobject = object;
}
EXPORT_SYMBOL_GPL(lunatik_pushobject);

lunatik_object_t *lunatik_newobject(lua_State *L, const lunatik_class_t *class, size_t size)
{
	bool sleep = lunatik_sleepable(L);
	lunatik_object_t **pobject;

	if (class->sleep && !sleep)
		luaL_error(L, "%s: cannot be used in a non-sleepable runtime", class->name);
	pobject = lunatik_newuserdata(L, class);
	/* The userdata owns the creation reference. */
	*pobject = lunatik_createobject(class, size, sleep);
	if (!*pobject)
		luaL_error(L, "%s: not enough memory", class->name);
	return *pobject;
}
EXPORT_SYMBOL_GPL(lunatik_newobject);

lua_Integer lunatik_checkinteger(lua_State *L, int arg)
{
	StkId at = L->ci->func + arg;

	if (likely(at < L->top && ttisinteger(s2v(at))))
		return ivalue(s2v(at));
	return luaL_checkinteger(L, arg);
}
EXPORT_SYMBOL_GPL(lunatik_checkinteger);

lua_Integer lunatik_optinteger(lua_State *L, int arg, lua_Integer def)
{
	StkId at = L->ci->func + arg;

	if (at >= L->top || ttisnil(s2v(at)))
		return def;
	if (likely(ttisinteger(s2v(at))))
		return ivalue(s2v(at));
	return luaL_checkinteger(L, arg);
}
EXPORT_SYMBOL_GPL(lunatik_optinteger);

/*
 * Returns the object of the userdata at ix if it is a Lunatik object, else
 * NULL: its metatable is the one its class has in this state's registry.
 * The pairs of class and metatable found are kept in the state, so that
 * most checks make no registry lookup, and an argument's value is read in
 * place (Lua's internals): every method of every library checks its object.
 */
/*
 * The cache slot of class: where it is, else an empty one, else its home
 * slot (a state using more classes than slots). Open addressing: with
 * one slot per hash, two classes of a packet path that collide (their
 * addresses, so it depends on the boot with KASLR) evicted each other on
 * every call, a registry lookup each, 400 instructions a DNS query.
 */
static struct lunatik_classcache *lunatik_classslot(struct lunatik_state *s,
						    const lunatik_class_t *class)
{
	unsigned int h = hash_ptr(class, LUNATIK_CLASSES_BITS), i;

	for (i = 0; i < ARRAY_SIZE(s->classes); i++) {
		struct lunatik_classcache *slot = &s->classes[(h + i) % ARRAY_SIZE(s->classes)];

		if (slot->class == class || !slot->class)
			return slot;
	}
	return &s->classes[h];
}

lunatik_object_t *lunatik_testobject(lua_State *L, int ix)
{
	struct lunatik_state *s = lunatik_stateof(L);
	struct lunatik_classcache *slot;
	lunatik_object_t *object;
	const void *mt;
	int found;

	if (ix > 0) {
		StkId at = L->ci->func + ix;
		const Udata *u;

		/* A light userdata is not one (never read what it points to). */
		if (at >= L->top || !ttisfulluserdata(s2v(at)))
			return NULL;
		u = uvalue(s2v(at));
		mt = u->metatable;
		if (!mt)
			return NULL;
		object = *(lunatik_object_t **)getudatamem(u);
	} else {
		if (lua_type(L, ix) != LUA_TUSERDATA || !lua_getmetatable(L, ix))
			return NULL;
		mt = lua_topointer(L, -1);
		lua_pop(L, 1);
		object = *(lunatik_object_t **)lua_touserdata(L, ix);
	}
	if (!object)
		return NULL;
	slot = lunatik_classslot(s, object->class);
	if (slot->class == object->class && slot->mt == mt)
		return object;
	found = lunatik_getclass(L, object->class) == LUA_TTABLE && lua_topointer(L, -1) == mt;
	lua_pop(L, 1);
	if (!found)
		return NULL;
	slot->class = object->class;
	slot->mt = mt;
	return object;
}
EXPORT_SYMBOL_GPL(lunatik_testobject);

lunatik_object_t *lunatik_checkobject(lua_State *L, int ix, const lunatik_class_t *class)
{
	lunatik_object_t *object = lunatik_testobject(L, ix);

	if (!object || object->class != class)
		luaL_typeerror(L, ix, class->name);
	return object;
}
EXPORT_SYMBOL_GPL(lunatik_checkobject);

void *lunatik_checkprivate(lua_State *L, int ix, const lunatik_class_t *class)
{
	lunatik_object_t *object = lunatik_checkobject(L, ix, class);

	if (!object->private)
		luaL_error(L, "%s: object has been closed", class->name);
	return object->private;
}
EXPORT_SYMBOL_GPL(lunatik_checkprivate);
