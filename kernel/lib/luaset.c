// SPDX-License-Identifier: GPL-2.0
/*
 * require("set"): immutable sets of strings in one block of memory, built
 * once (when a script loads) and looked up from any context without a
 * lock or an allocation: sorted members, binary search.
 *
 *   set.new(list [, nocase])      members from an array of strings; s:has(key)
 *   set.labeled(map [, nocase])   {[member] = label} with labels in [1, 2^32);
 *                                 s:match(key): the OR of the labels of key
 *                                 and of every suffix of key after a '.'
 *                                 ("a.b.c", "b.c", "c"), 0 if none;
 *                                 s:match(d, offset [, limit [, origin]]):
 *                                 the same for the DNS name at offset of the
 *                                 data object d (see luaset_match)
 *   #s                            the number of members
 *
 * The API is Lunatik's set. nocase (our addition) folds ASCII letters in
 * members and keys, which is how DNS compares names: a labeled set of
 * domains with nocase answers "is this name, or a domain it is under, in
 * the set?" in one call, at label boundaries ("notgithub.com" is not under
 * "github.com"). A member given twice stays twice in set.new (as in
 * Lunatik); in set.labeled, members equal once folded have their labels
 * ORed. The memory counts in the runtime's memory_limit.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/bitmap.h>

#include "lunatik.h"
#include "luadata.h"

/* Member lengths the bitmap tells apart: a DNS name has at most 253 characters. */
#define LUASET_LENGTHS	256

struct luaset {
	size_t n;			/* members */
	bool nocase;
	size_t maxlen;			/* of the members: longer keys are in no set */
	/* Bit k: some member is k bytes long (k < LUASET_LENGTHS); a key's suffix of another length is skipped. */
	DECLARE_BITMAP(lengths, LUASET_LENGTHS);
	u32 *labels;			/* per member; NULL in a plain set */
	u32 *off;			/* n + 1 offsets into blob: member i is [off[i], off[i + 1]) */
	char *blob;			/* the members, sorted, folded if nocase */
	size_t size;			/* of this block, charged */
	struct lunatik_charge *charge;
};

/* A member while the set is built (in a userdata that Lua frees). */
struct luaset_entry {
	const char *s;
	u32 len;
	u32 label;
};

static inline u8 luaset_fold(u8 c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* key (folded on the fly if nocase) against a member, as memcmp then length. */
static int luaset_cmp(const char *key, size_t klen, const char *m, size_t mlen, bool nocase)
{
	size_t n = min(klen, mlen), i;

	if (!nocase) {
		int c = memcmp(key, m, n);

		if (c)
			return c;
	} else {
		for (i = 0; i < n; i++) {
			u8 a = luaset_fold(key[i]), b = (u8)m[i];

			if (a != b)
				return a < b ? -1 : 1;
		}
	}
	return klen < mlen ? -1 : klen > mlen;
}

static ssize_t luaset_find(const struct luaset *set, const char *key, size_t len)
{
	size_t lo = 0, hi = set->n;

	/* Most keys of a blocker are in no set: their length says so without a comparison. */
	if (len > set->maxlen || (len < LUASET_LENGTHS && !test_bit(len, set->lengths)))
		return -1;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		u32 at = set->off[mid];
		int c = luaset_cmp(key, len, set->blob + at, set->off[mid + 1] - at, set->nocase);

		if (!c)
			return mid;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

static void luaset_release(void *private)
{
	struct luaset *set = private;

	if (set->charge)
		lunatik_uncharge(set->charge, set->size);
	kvfree(set);
}

static const lunatik_class_t luaset_class, luaset_labeled_class;

static struct luaset *luaset_check(lua_State *L, const lunatik_class_t *class)
{
	return lunatik_checkprivate(L, 1, class);
}

static int luaset_has(lua_State *L)
{
	struct luaset *set = luaset_check(L, &luaset_class);
	size_t len;
	const char *key = luaL_checklstring(L, 2, &len);

	lua_pushboolean(L, luaset_find(set, key, len) >= 0);
	return 1;
}

/* The OR of the labels of key and of its suffixes after each '.'. */
static u32 luaset_labels(const struct luaset *set, const char *key, size_t len)
{
	size_t i = 0;
	u32 labels = 0;

	for (;;) {
		ssize_t at = luaset_find(set, key + i, len - i);
		const char *dot;

		if (at >= 0)
			labels |= set->labels[at];
		dot = memchr(key + i, '.', len - i);
		if (!dot)
			return labels;
		i = dot - key + 1;
	}
}

/*
 * s:match(key), or s:match(d, offset [, limit [, origin]]) for the DNS
 * name at offset of the data object d, read as d:getname reads it (our
 * addition: a packet's name is matched where it lies, without making a
 * string of it). The data form returns the labels and the offset after
 * the name, or nil and why the name is malformed.
 */
static int luaset_match(lua_State *L)
{
	struct luaset *set = luaset_check(L, &luaset_labeled_class);
	char buf[LUADATA_NAME_BUF] __uninitialized;	/* luadata_getdnsname writes what is read */
	const char *key, *why;
	lua_Integer after;
	size_t len;
	int n;

	if (lua_type(L, 2) != LUA_TUSERDATA) {
		key = luaL_checklstring(L, 2, &len);
		lua_pushinteger(L, luaset_labels(set, key, len));
		return 1;
	}
	n = luadata_getdnsname(L, 2, lunatik_checkinteger(L, 3),
			       lunatik_optinteger(L, 4, LUA_MAXINTEGER), lunatik_optinteger(L, 5, 0),
			       buf, &after, &why);
	if (n < 0) {
		lua_pushnil(L);
		lua_pushstring(L, why);
		return 2;
	}
	lua_pushinteger(L, luaset_labels(set, buf, n));
	lua_pushinteger(L, after);
	return 2;
}

static int luaset_len(lua_State *L)
{
	lunatik_object_t *object = lunatik_testobject(L, 1);
	struct luaset *set = object ? object->private : NULL;

	if (!set || (object->class != &luaset_class && object->class != &luaset_labeled_class))
		return luaL_typeerror(L, 1, "set");
	lua_pushinteger(L, (lua_Integer)set->n);
	return 1;
}

static int luaset_entrycmp(const void *a, const void *b, const void *priv)
{
	const struct luaset_entry *x = a, *y = b;

	/* Members are folded before sorting when nocase: a plain comparison. */
	return luaset_cmp(x->s, x->len, y->s, y->len, false);
}

/*
 * Builds the set from the n entries (their strings alive on the stack or
 * in the argument table) and pushes it. Entries of a nocase set point at
 * folded copies made by luaset_foldall.
 */
static void luaset_build(lua_State *L, const lunatik_class_t *class, struct luaset_entry *e,
			 size_t n, size_t total, bool nocase, bool labeled)
{
	lunatik_object_t *object = lunatik_newobject(L, class, 0);
	size_t size, i, m = 0, pos = 0;
	struct luaset *set;

	sort_r(e, n, sizeof(*e), luaset_entrycmp, NULL, NULL);
	/* Labeled members equal once folded are one, with their labels ORed. */
	for (i = 0; i < n; i++) {
		if (labeled && m && !luaset_cmp(e[i].s, e[i].len, e[m - 1].s, e[m - 1].len, false)) {
			e[m - 1].label |= e[i].label;
			continue;
		}
		e[m++] = e[i];
	}
	size = sizeof(*set) + (m + 1) * sizeof(u32) + (labeled ? m * sizeof(u32) : 0) + total;
	if (size > INT_MAX)
		luaL_error(L, "set: too large");
	object->private = NULL;
	set = object->sleep ? kvzalloc(size, GFP_KERNEL | __GFP_NOWARN) :
			      kzalloc(size, object->gfp | __GFP_NOWARN);
	if (!set)
		luaL_error(L, "set: not enough memory");
	object->private = set;
	set->size = size;
	set->charge = lunatik_charge(L, size);
	if (!set->charge)
		luaL_error(L, "set: not enough memory (%I more bytes pass memory_limit)",
			   (LUAI_UACINT)size);
	set->n = m;
	set->nocase = nocase;
	set->off = (u32 *)(set + 1);
	if (labeled)
		set->labels = set->off + m + 1;
	set->blob = (char *)(set->off + m + 1 + (labeled ? m : 0));
	for (i = 0; i < m; i++) {
		set->off[i] = pos;
		if (labeled)
			set->labels[i] = e[i].label;
		memcpy(set->blob + pos, e[i].s, e[i].len);
		pos += e[i].len;
		set->maxlen = max_t(size_t, set->maxlen, e[i].len);
		if (e[i].len < LUASET_LENGTHS)
			__set_bit(e[i].len, set->lengths);
	}
	set->off[m] = pos;
}

/*
 * A nocase set sorts and stores folded members: each entry gets a folded
 * copy in one scratch userdata pushed here.
 */
static void luaset_foldall(lua_State *L, struct luaset_entry *e, size_t n, size_t total)
{
	char *copy = lua_newuserdatauv(L, total ? total : 1, 0);
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < e[i].len; j++)
			copy[j] = luaset_fold(e[i].s[j]);
		e[i].s = copy;
		copy += e[i].len;
	}
}

static size_t luaset_add(lua_State *L, struct luaset_entry *e, int keyix, size_t total)
{
	size_t len;

	e->s = lua_tolstring(L, keyix, &len);
	if (len > U32_MAX || total + len > U32_MAX)
		luaL_error(L, "set: too large");
	e->len = len;
	return total + len;
}

/* set.new(list [, nocase]) */
static int luaset_new(lua_State *L)
{
	bool nocase = lua_toboolean(L, 2);
	lua_Integer n, i;
	struct luaset_entry *e;
	size_t total = 0;

	luaL_checktype(L, 1, LUA_TTABLE);
	n = luaL_len(L, 1);
	if (n < 0 || (lua_Unsigned)n > INT_MAX / sizeof(*e))
		return luaL_argerror(L, 1, "too many members");
	e = lua_newuserdatauv(L, (n ? n : 1) * sizeof(*e), 0);
	for (i = 1; i <= n; i++) {
		/* The table holds the strings while we build. */
		if (lua_rawgeti(L, 1, i) != LUA_TSTRING)
			return luaL_argerror(L, 1, "members must be strings");
		total = luaset_add(L, &e[i - 1], -1, total);
		e[i - 1].label = 0;
		lua_pop(L, 1);
	}
	if (nocase)
		luaset_foldall(L, e, n, total);
	luaset_build(L, &luaset_class, e, n, total, nocase, false);
	return 1;
}

/* set.labeled(map [, nocase]) */
static int luaset_labeled(lua_State *L)
{
	bool nocase = lua_toboolean(L, 2);
	struct luaset_entry *e;
	size_t n = 0, total = 0;

	luaL_checktype(L, 1, LUA_TTABLE);
	lua_settop(L, 1);
	for (lua_pushnil(L); lua_next(L, 1); lua_pop(L, 1))
		n++;
	if (n > INT_MAX / sizeof(*e))
		return luaL_argerror(L, 1, "too many members");
	e = lua_newuserdatauv(L, (n ? n : 1) * sizeof(*e), 0);
	n = 0;
	for (lua_pushnil(L); lua_next(L, 1); lua_pop(L, 1)) {
		lua_Integer label;

		if (lua_type(L, -2) != LUA_TSTRING)
			return luaL_argerror(L, 1, "members must be strings");
		label = lua_tointeger(L, -1);
		if (!lua_isinteger(L, -1) || label < 1 || label > U32_MAX)
			return luaL_argerror(L, 1, "labels must be integers in [1, 2^32)");
		total = luaset_add(L, &e[n], -2, total);
		e[n++].label = (u32)label;
	}
	if (nocase)
		luaset_foldall(L, e, n, total);
	luaset_build(L, &luaset_labeled_class, e, n, total, nocase, true);
	return 1;
}

static const luaL_Reg luaset_methods[] = {
	{"has", luaset_has},
	{"__len", luaset_len},
	{NULL, NULL}
};

static const luaL_Reg luaset_labeled_methods[] = {
	{"match", luaset_match},
	{"__len", luaset_len},
	{NULL, NULL}
};

/* Immutable once built: any runtime may use a set another one built. */
static const lunatik_class_t luaset_class = {
	.name = "set",
	.methods = luaset_methods,
	.release = luaset_release,
	.sleep = false,
	.single = false,
};

static const lunatik_class_t luaset_labeled_class = {
	.name = "set.labeled",
	.methods = luaset_labeled_methods,
	.release = luaset_release,
	.sleep = false,
	.single = false,
};

static int luaopen_set(lua_State *L)
{
	lunatik_newclass(L, &luaset_class);
	lunatik_newclass(L, &luaset_labeled_class);
	lua_newtable(L);
	lua_pushcfunction(L, luaset_new);
	lua_setfield(L, -2, "new");
	lua_pushcfunction(L, luaset_labeled);
	lua_setfield(L, -2, "labeled");
	return 1;
}

LUNATIK_LIB_MODULE(set, luaopen_set, false);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Lunatik library: set (immutable string sets, label-suffix lookup)");
