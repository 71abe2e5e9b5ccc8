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
 *
 * A view of a packet (luadata_resetskb) reads the skb as it is: the linear
 * part directly, anything reaching the paged part copied (skb_copy_bits)
 * into a small bounce buffer of the view or into the Lua string being
 * built. It never linearizes nor allocates on reads: x_tables keeps header
 * pointers across matches. A write first asks the view's owner to make the
 * bytes it reaches writable (and linear), then re-points the view.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <linux/skbuff.h>

#include "lunatik.h"
#include "lunatik_compat.h"
#include "luadata.h"
/* Lua's internals, for the hot path of methods (luadata_check). */
#include "lstate.h"
#include "lobject.h"

/* data.new() refuses more; a non-sleepable runtime gets at most a kmalloc. */
#define LUADATA_MAX_SIZE	(64 << 20)

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

/*
 * The object at 1. Every method is a closure over the class's metatable
 * (luadata_newclass): one pointer comparison of metatables tells a data
 * object. Most of a small method's cost was the API calls around that
 * test, so the hot path reads the call's values in place, through Lua's
 * internals (lstate.h); anything else (another object, a function without
 * our upvalue) takes lunatik's full check, which raises the usual error.
 */
static inline struct luadata *luadata_check(lua_State *L)
{
	const CallInfo *ci = L->ci;
	const TValue *fn = s2v(ci->func);
	const TValue *o = s2v(ci->func + 1);

	if (likely(ci->func + 1 < L->top && ttisfulluserdata(o) && ttisCclosure(fn) &&
		   clCvalue(fn)->nupvalues >= 1 && ttistable(&clCvalue(fn)->upvalue[0]) &&
		   uvalue(o)->metatable == hvalue(&clCvalue(fn)->upvalue[0]))) {
		lunatik_object_t *object = *(lunatik_object_t **)getudatamem(uvalue(o));

		/* The metatable can be set on another userdata (debug.setmetatable). */
		if (likely(object && object->class == &luadata_class && object->private))
			return object->private;
	}
	return lunatik_checkprivate(L, 1, &luadata_class);
}

/* luaL_checkinteger(L, arg), reading an integer argument in place. */
static inline lua_Integer luadata_checkinteger(lua_State *L, int arg)
{
	const StkId at = L->ci->func + arg;

	if (likely(at < L->top && ttisinteger(s2v(at))))
		return ivalue(s2v(at));
	return luaL_checkinteger(L, arg);
}

/*
 * Raises unless [offset, offset + length) is inside the data. offset and
 * length are compared with the size separately, so no sum can overflow.
 */
static inline void luadata_bounds(lua_State *L, struct luadata *data, lua_Integer offset,
				  lua_Integer length)
{
	if (unlikely(offset < 0 || (lua_Unsigned)offset > data->size || length < 0 ||
		     (lua_Unsigned)length > data->size - (size_t)offset))
		luaL_argerror(L, 2, "out of bounds");
}

/* A packet view's owner makes the skb writable up to end (from ptr), then we re-point. */
static void luadata_makewritable(lua_State *L, struct luadata *data, size_t end)
{
	struct sk_buff *skb = data->skb;
	int ret;

	/* After the bounds, so that a cleared view always says out of bounds. */
	if (!data->prepare)
		luaL_error(L, "read-only data");
	/* A MAC header in the headroom is before skb->data: nothing to pull there. */
	ret = data->prepare(data, max(data->base + (int)end, 0));
	if (ret)
		luaL_error(L, "cannot write the packet (error %d)", ret);
	data->ptr = skb->data + data->base;
	data->linear = skb_headlen(skb) - data->base;
	data->writable = end;
}

/* The address of length bytes at offset, to be written; raises if it cannot be. */
static inline u8 *luadata_towrite(lua_State *L, struct luadata *data, lua_Integer offset,
				  lua_Integer length)
{
	luadata_bounds(L, data, offset, length);
	if (unlikely((size_t)(offset + length) > data->writable))
		luadata_makewritable(L, data, (size_t)(offset + length));
	return data->ptr + offset;
}

/* Reaches the paged part of a packet: copies it, leaving the skb as it is. */
static void luadata_copy(lua_State *L, struct luadata *data, lua_Integer offset,
			 lua_Integer length, void *to)
{
	if (skb_copy_bits(data->skb, data->base + (int)offset, to, (int)length))
		luaL_error(L, "cannot read the packet at %I", (LUAI_UACINT)offset);
}

/* The address of length (at most 8) bytes at offset, to be read; raises if outside. */
static inline const u8 *luadata_toread(lua_State *L, struct luadata *data, lua_Integer offset,
				       lua_Integer length)
{
	luadata_bounds(L, data, offset, length);
	if (likely((size_t)(offset + length) <= data->linear))
		return data->ptr + offset;
	luadata_copy(L, data, offset, length, data->bounce);
	return data->bounce;
}

/* d:get<name>(offset) and d:set<name>(offset, value) for a C type. */
#define LUADATA_ACCESSORS(name, type)					\
static int luadata_get##name(lua_State *L)				\
{									\
	struct luadata *data = luadata_check(L);			\
	const u8 *p = luadata_toread(L, data, luadata_checkinteger(L, 2),	\
				     sizeof(type));			\
									\
	lua_pushinteger(L, (lua_Integer)get_unaligned((const type *)p));	\
	return 1;							\
}									\
static int luadata_set##name(lua_State *L)				\
{									\
	struct luadata *data = luadata_check(L);			\
	lua_Integer offset = luadata_checkinteger(L, 2);			\
	type value = (type)luadata_checkinteger(L, 3);			\
									\
	put_unaligned(value, (type *)luadata_towrite(L, data, offset,	\
						     sizeof(type)));	\
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
	lua_Integer offset = luadata_checkinteger(L, 2);
	lua_Integer length;

	if (lua_isnoneornil(L, 3)) {
		/* Checked by luadata_at() below: a bad offset gives a bad length too. */
		length = (lua_Integer)(data->size - (size_t)offset);
		if (offset < 0 || (lua_Unsigned)offset > data->size)
			length = 0;
	} else {
		length = luadata_checkinteger(L, 3);
	}
	luadata_bounds(L, data, offset, length);
	if (!length) {
		lua_pushliteral(L, "");	/* ptr may be NULL in an empty view */
	} else if ((size_t)(offset + length) <= data->linear) {
		lua_pushlstring(L, (const char *)data->ptr + offset, length);
	} else {
		/* Copied from the paged part straight into the string being built. */
		luaL_Buffer b;

		luadata_copy(L, data, offset, length, luaL_buffinitsize(L, &b, length));
		luaL_pushresultsize(&b, length);
	}
	return 1;
}

/* DNS names in wire form (RFC 1035 3.1): labels, then the whole name. */
#define LUADATA_NAME_LABEL	63
#define LUADATA_NAME_MAX	255

/*
 * The DNS name at pos, in wire form (RFC 1035 4.1.4): labels of at most 63
 * bytes, 255 bytes in all, and compression pointers counted from origin,
 * each pointing strictly before where the name, or the part reached by
 * the previous pointer, started (positions decrease: loops end). Nothing
 * at or past limit (at most the size) is read. Writes the name in lower
 * case (ASCII), its labels joined by dots (a dot inside a label escaped as
 * "\."), "" for the root, in buf (LUADATA_NAME_BUF bytes), and returns its
 * length with *after, the offset just after the name where it sits; or -1
 * with *why when it is malformed or truncated. Raises only if a paged part
 * of a packet cannot be read.
 */
static int luadata_name(lua_State *L, struct luadata *data, lua_Integer pos, lua_Integer limit,
			lua_Integer origin, char *buf, lua_Integer *after, const char **why)
{
	lua_Integer floor = pos;
	unsigned int total = 0;
	u8 copy[LUADATA_NAME_LABEL] __uninitialized;	/* written before read */
	int n = 0;

	*after = -1;
	if (limit < 0 || (lua_Unsigned)limit > data->size)
		limit = (lua_Integer)data->size;
	for (;;) {
		const u8 *label;
		unsigned int len, i;

		if (pos < 0 || pos >= limit) {
			*why = "name truncated";
			return -1;
		}
		len = *luadata_toread(L, data, pos, 1);
		if (!len) {
			if (*after < 0)
				*after = pos + 1;
			return n;
		}
		if ((len & 0xc0) == 0xc0) {
			lua_Integer target;

			if (pos + 2 > limit) {
				*why = "pointer truncated";
				return -1;
			}
			target = origin + ((len & 0x3f) << 8 | *luadata_toread(L, data, pos + 1, 1));
			if (target >= floor) {
				*why = "compression pointer does not point back";
				return -1;
			}
			if (*after < 0)
				*after = pos + 2;
			pos = floor = target;
			continue;
		}
		if (len > LUADATA_NAME_LABEL) {
			*why = "bad label length";
			return -1;
		}
		total += len + 1;
		if (total + 1 > LUADATA_NAME_MAX) {
			*why = "name too long";
			return -1;
		}
		if (pos + 1 + len > limit) {
			*why = "label truncated";
			return -1;
		}
		if ((size_t)(pos + 1 + len) <= data->linear) {
			label = data->ptr + pos + 1;
		} else {
			luadata_copy(L, data, pos + 1, len, copy);
			label = copy;
		}
		if (n)
			buf[n++] = '.';
		/* At most 2 bytes a byte of the 254 a name has besides its end. */
		for (i = 0; i < len; i++) {
			u8 c = label[i];

			if (c == '.')	/* not a separator: keep names unambiguous */
				buf[n++] = '\\';
			buf[n++] = c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
		}
		pos += 1 + len;
	}
}

int luadata_getdnsname(lua_State *L, int ix, lua_Integer pos, lua_Integer limit,
		       lua_Integer origin, char *buf, lua_Integer *after, const char **why)
{
	return luadata_name(L, lunatik_checkprivate(L, ix, &luadata_class), pos, limit, origin,
			    buf, after, why);
}
EXPORT_SYMBOL_GPL(luadata_getdnsname);

struct luadata *luadata_checkdata(lua_State *L, int ix)
{
	return lunatik_checkprivate(L, ix, &luadata_class);
}
EXPORT_SYMBOL_GPL(luadata_checkdata);

size_t luadata_size(const struct luadata *data)
{
	return data->size;
}
EXPORT_SYMBOL_GPL(luadata_size);

const void *luadata_peek(lua_State *L, struct luadata *data, lua_Integer off, size_t len,
			 void *buf)
{
	if (off < 0 || (lua_Unsigned)off > data->size || len > data->size - (size_t)off)
		return NULL;
	if ((size_t)off + len <= data->linear)
		return data->ptr + off;
	luadata_copy(L, data, off, (lua_Integer)len, buf);
	return buf;
}
EXPORT_SYMBOL_GPL(luadata_peek);

/*
 * d:getname(offset [, limit [, origin]]): the DNS name at offset (see
 * luadata_name; limit defaults to the size, origin to 0) and the offset
 * after it; nil and a reason when it is malformed or truncated. One call
 * instead of a read per label, for packet scripts.
 */
static int luadata_getname(lua_State *L)
{
	struct luadata *data = luadata_check(L);
	lua_Integer pos = luadata_checkinteger(L, 2);
	lua_Integer limit = luaL_optinteger(L, 3, (lua_Integer)data->size);
	lua_Integer origin = luaL_optinteger(L, 4, 0);
	const char *why = NULL;
	lua_Integer after;
	char buf[LUADATA_NAME_BUF] __uninitialized;	/* luadata_name writes what is read */
	int len = luadata_name(L, data, pos, limit, origin, buf, &after, &why);

	if (len < 0) {
		lua_pushnil(L);
		lua_pushstring(L, why);
		return 2;
	}
	lua_pushlstring(L, buf, len);
	lua_pushinteger(L, after);
	return 2;
}

/* d:setstring(offset, s): all of s must fit. */
static int luadata_setstring(lua_State *L)
{
	struct luadata *data = luadata_check(L);
	lua_Integer offset = luadata_checkinteger(L, 2);
	size_t length;
	const char *s = luaL_checklstring(L, 3, &length);
	u8 *p;

	if (length > LUA_MAXINTEGER)	/* cannot happen, keeps the cast exact */
		luaL_argerror(L, 3, "out of bounds");
	p = luadata_towrite(L, data, offset, (lua_Integer)length);
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
	bool readonly = data->skb ? !data->prepare : data->readonly;

	lua_pushfstring(L, "data: %I bytes%s", (LUAI_UACINT)data->size,
			readonly ? " (read-only)" : "");
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
	{"getname", luadata_getname},
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
	/*
	 * Buffers are shared as Lunatik shares them (echod's control, shared's
	 * values): their size never changes, so accesses need no lock. Views
	 * of memory someone else owns (packets) stay in their runtime.
	 */
	.single = false,
};

/*
 * The class in this state, its methods closures over its metatable, which
 * luadata_check compares. Lua's methods table is the metatable itself.
 */
static void luadata_newclass(lua_State *L)
{
	const luaL_Reg *m;

	if (lua_rawgetp(L, LUA_REGISTRYINDEX, &luadata_class) == LUA_TTABLE) {
		lua_pop(L, 1);
		return;
	}
	lua_pop(L, 1);
	lunatik_newclass(L, &luadata_class);
	lua_rawgetp(L, LUA_REGISTRYINDEX, &luadata_class);
	for (m = luadata_methods; m->name; m++) {
		lua_pushvalue(L, -1);
		lua_pushcclosure(L, m->func, 1);
		lua_setfield(L, -2, m->name);
	}
	lua_pop(L, 1);
}

/* Pushes a data object of size 0 that owns no memory. */
static lunatik_object_t *luadata_push(lua_State *L)
{
	lunatik_object_t *object;

	luadata_newclass(L);
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
	data->linear = size;
	data->writable = size;
	data->owned = true;
	return 1;
}

lunatik_object_t *luadata_newview(lua_State *L)
{
	lunatik_object_t *view = luadata_push(L);

	view->single = true;
	return view;
}
EXPORT_SYMBOL_GPL(luadata_newview);

void luadata_reset(lunatik_object_t *view, void *ptr, size_t size, bool readonly)
{
	struct luadata *data = view->private;

	if (WARN_ON_ONCE(!data || data->owned))
		return;
	data->ptr = ptr;
	data->size = size;
	data->linear = size;
	data->writable = readonly ? 0 : size;
	data->readonly = readonly;
	data->skb = NULL;
	data->prepare = NULL;
}
EXPORT_SYMBOL_GPL(luadata_reset);

static int luaopen_data(lua_State *L)
{
	const luaL_Reg *m;

	luadata_newclass(L);
	lua_newtable(L);
	lua_pushcfunction(L, luadata_new);
	lua_setfield(L, -2, "new");
	/* data.getbyte(d, i) works as d:getbyte(i) does: the metatable's closures. */
	lua_rawgetp(L, LUA_REGISTRYINDEX, &luadata_class);
	for (m = luadata_methods; m->name; m++) {
		if (m->name[0] == '_')
			continue;
		lua_getfield(L, -1, m->name);
		lua_setfield(L, -3, m->name);
	}
	lua_pop(L, 1);
	return 1;
}

LUNATIK_LIB_MODULE(data, luaopen_data, false);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Lunatik library: data (bounds-checked raw memory)");
