// SPDX-License-Identifier: GPL-2.0
/*
 * require("data"): raw memory for scripts, either a buffer that data.new()
 * allocates or a view that C code points at memory it owns (a packet).
 *
 * Offsets are bytes from 0 and multi-byte values are in native byte order.
 * Every access is checked against the current size, and any part of it
 * outside [0, size) raises "out of bounds": nothing is read or written
 * outside the memory. Setters store the low bits of any integer, as a C
 * cast would (so setuint8(i, -1) stores 0xff and setint8(i, 255) stores
 * -1); getters return the value read as the named type.
 *
 * Fields are read without a lock: a buffer never changes its pointer or
 * size, and a view only changes under its runtime's lock (see luadata.h),
 * which is held while a script of that runtime runs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/string.h>
/* 6.12 moved asm/unaligned.h to linux/unaligned.h. */
#if __has_include(<linux/unaligned.h>)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#include "lunatik.h"
#include "luadata.h"

/* data.new() refuses more; a non-sleepable runtime gets at most a kmalloc. */
#define LUADATA_MAX_SIZE	(64 << 20)

struct luadata {
	u8 *ptr;
	size_t size;
	bool readonly;
	bool owned;		/* ptr is ours to free (data.new) */
	struct lunatik_charge *charge;	/* of the runtime that made it, for size bytes */
};

/* May run after the creating runtime is gone: the charge outlives it. */
static void luadata_release(void *private)
{
	struct luadata *data = private;

	if (data->owned) {
		kvfree(data->ptr);
		if (data->charge)
			lunatik_uncharge(data->charge, data->size);
	}
	kfree(data);
}

static const lunatik_class_t luadata_class;

static struct luadata *luadata_check(lua_State *L)
{
	return lunatik_checkprivate(L, 1, &luadata_class);
}

/*
 * Returns the address of length bytes at offset, or raises. offset and
 * length are compared with the size separately, so no sum can overflow.
 */
static u8 *luadata_at(lua_State *L, struct luadata *data, lua_Integer offset,
		      lua_Integer length, bool write)
{
	if (offset < 0 || (lua_Unsigned)offset > data->size || length < 0 ||
	    (lua_Unsigned)length > data->size - (size_t)offset)
		luaL_argerror(L, 2, "out of bounds");
	/* After the bounds, so that a cleared view always says out of bounds. */
	if (write && data->readonly)
		luaL_error(L, "read-only data");
	return data->ptr + offset;
}

/* d:get<name>(offset) and d:set<name>(offset, value) for a C type. */
#define LUADATA_ACCESSORS(name, type)					\
static int luadata_get##name(lua_State *L)				\
{									\
	struct luadata *data = luadata_check(L);			\
	u8 *p = luadata_at(L, data, luaL_checkinteger(L, 2),		\
			   sizeof(type), false);			\
									\
	lua_pushinteger(L, (lua_Integer)get_unaligned((type *)p));	\
	return 1;							\
}									\
static int luadata_set##name(lua_State *L)				\
{									\
	struct luadata *data = luadata_check(L);			\
	lua_Integer offset = luaL_checkinteger(L, 2);			\
	type value = (type)luaL_checkinteger(L, 3);			\
									\
	put_unaligned(value, (type *)luadata_at(L, data, offset,	\
						sizeof(type), true));	\
	return 0;							\
}

LUADATA_ACCESSORS(int8, s8)
LUADATA_ACCESSORS(uint8, u8)
LUADATA_ACCESSORS(int16, s16)
LUADATA_ACCESSORS(uint16, u16)
LUADATA_ACCESSORS(int32, s32)
LUADATA_ACCESSORS(uint32, u32)
LUADATA_ACCESSORS(int64, s64)
/* A byte is unsigned, as string.byte; a number is a whole lua_Integer. */
LUADATA_ACCESSORS(byte, u8)
LUADATA_ACCESSORS(number, lua_Integer)

/* d:getstring(offset [, length]): length defaults to the rest of the data. */
static int luadata_getstring(lua_State *L)
{
	struct luadata *data = luadata_check(L);
	lua_Integer offset = luaL_checkinteger(L, 2);
	lua_Integer length;
	u8 *p;

	if (lua_isnoneornil(L, 3)) {
		/* Checked by luadata_at() below: a bad offset gives a bad length too. */
		length = (lua_Integer)(data->size - (size_t)offset);
		if (offset < 0 || (lua_Unsigned)offset > data->size)
			length = 0;
	} else {
		length = luaL_checkinteger(L, 3);
	}
	p = luadata_at(L, data, offset, length, false);
	if (length)
		lua_pushlstring(L, (const char *)p, length);
	else
		lua_pushliteral(L, "");	/* p may be NULL in an empty view */
	return 1;
}

/* d:setstring(offset, s): all of s must fit. */
static int luadata_setstring(lua_State *L)
{
	struct luadata *data = luadata_check(L);
	lua_Integer offset = luaL_checkinteger(L, 2);
	size_t length;
	const char *s = luaL_checklstring(L, 3, &length);
	u8 *p;

	if (length > LUA_MAXINTEGER)	/* cannot happen, keeps the cast exact */
		luaL_argerror(L, 3, "out of bounds");
	p = luadata_at(L, data, offset, (lua_Integer)length, true);
	if (length)
		memcpy(p, s, length);
	return 0;
}

static int luadata_len(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)luadata_check(L)->size);
	return 1;
}

static int luadata_tostring(lua_State *L)
{
	struct luadata *data = luadata_check(L);

	lua_pushfstring(L, "data: %I bytes%s", (LUAI_UACINT)data->size,
			data->readonly ? " (read-only)" : "");
	return 1;
}

/*
 * Closing a data object does nothing: C code may still point a view at
 * memory, and another runtime may hold the same buffer; the memory goes
 * with the last reference.
 */
static int luadata_close(lua_State *L)
{
	return 0;
}

static const luaL_Reg luadata_methods[] = {
	{"getnumber", luadata_getnumber},
	{"setnumber", luadata_setnumber},
	{"getbyte", luadata_getbyte},
	{"setbyte", luadata_setbyte},
	{"getstring", luadata_getstring},
	{"setstring", luadata_setstring},
	{"getint8", luadata_getint8},
	{"setint8", luadata_setint8},
	{"getuint8", luadata_getuint8},
	{"setuint8", luadata_setuint8},
	{"getint16", luadata_getint16},
	{"setint16", luadata_setint16},
	{"getuint16", luadata_getuint16},
	{"setuint16", luadata_setuint16},
	{"getint32", luadata_getint32},
	{"setint32", luadata_setint32},
	{"getuint32", luadata_getuint32},
	{"setuint32", luadata_setuint32},
	{"getint64", luadata_getint64},
	{"setint64", luadata_setint64},
	{"__len", luadata_len},
	{"__tostring", luadata_tostring},
	{"__close", luadata_close},
	{NULL, NULL}
};

static const lunatik_class_t luadata_class = {
	.name = "data",
	.methods = luadata_methods,
	.release = luadata_release,
	.sleep = false,
	.single = true,	/* accessed without locks: it stays in its runtime */
};

/* Pushes a data object of size 0 that owns no memory. */
static lunatik_object_t *luadata_push(lua_State *L)
{
	lunatik_object_t *object;

	lunatik_newclass(L, &luadata_class);
	object = lunatik_newobject(L, &luadata_class, 0);
	/* Until private is set, the userdata's finalizer has nothing to release. */
	object->private = kzalloc(sizeof(struct luadata), object->gfp);
	if (!object->private)
		luaL_error(L, "data: not enough memory");
	return object;
}

/*
 * data.new(size): size zeroed bytes, counted in the runtime's
 * memory_limit. Buffers go only when collected, which Lua's collector does
 * not hurry for memory it does not see: at the limit, collect once first.
 */
static int luadata_new(lua_State *L)
{
	size_t size = (size_t)lunatik_checkrange(L, 1, 0, LUADATA_MAX_SIZE);
	lunatik_object_t *object = luadata_push(L);
	struct luadata *data = object->private;

	if (!size)
		return 1;
	data->charge = lunatik_charge(L, size);
	if (!data->charge) {
		lua_gc(L, LUA_GCCOLLECT);
		data->charge = lunatik_charge(L, size);
		if (!data->charge)
			return luaL_error(L, "data: not enough memory (%I more bytes pass memory_limit)",
					  (LUAI_UACINT)size);
	}
	/* Only a sleepable runtime may fall back to vmalloc. */
	if (object->sleep)
		data->ptr = kvzalloc(size, GFP_KERNEL | __GFP_NOWARN);
	else if (size <= KMALLOC_MAX_SIZE)
		data->ptr = kzalloc(size, object->gfp | __GFP_NOWARN);
	if (!data->ptr) {
		lunatik_uncharge(data->charge, size);
		data->charge = NULL;
		return luaL_error(L, "data: not enough memory");
	}
	data->size = size;
	data->owned = true;
	return 1;
}

lunatik_object_t *luadata_newview(lua_State *L)
{
	return luadata_push(L);
}
EXPORT_SYMBOL_GPL(luadata_newview);

void luadata_reset(lunatik_object_t *view, void *ptr, size_t size, bool readonly)
{
	struct luadata *data = view->private;

	if (WARN_ON_ONCE(!data || data->owned))
		return;
	data->ptr = ptr;
	data->size = size;
	data->readonly = readonly;
}
EXPORT_SYMBOL_GPL(luadata_reset);

void luadata_clear(lunatik_object_t *view)
{
	struct luadata *data = view->private;

	if (WARN_ON_ONCE(!data || data->owned))
		return;
	data->ptr = NULL;
	data->size = 0;
	data->readonly = false;
}
EXPORT_SYMBOL_GPL(luadata_clear);

static int luaopen_data(lua_State *L)
{
	const luaL_Reg *m;

	lunatik_newclass(L, &luadata_class);
	lua_newtable(L);
	lua_pushcfunction(L, luadata_new);
	lua_setfield(L, -2, "new");
	/* data.getbyte(d, i) works as d:getbyte(i) does. */
	for (m = luadata_methods; m->name; m++) {
		if (m->name[0] == '_')
			continue;
		lua_pushcfunction(L, m->func);
		lua_setfield(L, -2, m->name);
	}
	return 1;
}

LUNATIK_LIB_MODULE(data, luaopen_data, false);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Lunatik library: data (bounds-checked raw memory)");
