// SPDX-License-Identifier: GPL-2.0
/*
 * require("rcu"): hash tables with string keys and Lunatik objects as
 * values, shared between runtimes (sleepable or not) through RCU.
 *
 * t[key] reads under rcu_read_lock() and takes a reference on the value
 * before leaving it, so readers never wait for writers. t[key] = v takes
 * the table's own spinlock with bottom halves off, whatever runtime the
 * table came from, so that softirq runtimes can write too. An entry holds a
 * reference on its object; a replaced or deleted entry is freed, and that
 * reference put, by a work item after a grace period, in process context,
 * since putting the last reference of some objects sleeps.
 *
 * rcu.map(t, f) calls f(key, value) for a snapshot of the entries taken
 * under rcu_read_lock(), as Lua cannot run inside a read-side section.
 *
 * Objects that stay in their runtime (views of packets) may be stored too,
 * but only the runtime that stored one gets it back: the entry holds that
 * runtime (a reference, so that its address is not reused), and other
 * runtimes get an error.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/rculist.h>
#include <linux/jhash.h>
#include <linux/random.h>
#include <linux/log2.h>
#include <linux/workqueue.h>

#include "lunatik.h"
#include "luarcu.h"

#define LUARCU_DEFAULT_SIZE	1024
#define LUARCU_MAX_SIZE		(1 << 16)
#define LUARCU_SIZEOF(n)	(sizeof(struct luarcu_table) + (n) * sizeof(struct hlist_head))

struct luarcu_entry {
	struct hlist_node node;
	struct rcu_work free;
	lunatik_object_t *object;	/* a reference */
	lunatik_object_t *runtime;	/* a reference, for objects of single classes */
	size_t keylen;
	char key[];
};

struct luarcu_table {
	spinlock_t lock;		/* writers */
	u32 seed;
	u32 mask;			/* buckets - 1 */
	struct hlist_head buckets[];
};

/* Frees replaced entries after their grace period; drained on unload. */
static struct workqueue_struct *luarcu_wq;

static const lunatik_class_t luarcu_class;

static void luarcu_freework(struct work_struct *work)
{
	struct luarcu_entry *entry = container_of(to_rcu_work(work), struct luarcu_entry, free);

	lunatik_putobject(entry->object);
	if (entry->runtime)
		lunatik_putobject(entry->runtime);
	kfree(entry);
}

static void luarcu_retire(struct luarcu_entry *entry)
{
	INIT_RCU_WORK(&entry->free, luarcu_freework);
	queue_rcu_work(luarcu_wq, &entry->free);
}

static struct hlist_head *luarcu_bucket(struct luarcu_table *table, const char *key, size_t keylen)
{
	return &table->buckets[jhash(key, keylen, table->seed) & table->mask];
}

/* Under rcu_read_lock() or the table's lock. */
static struct luarcu_entry *luarcu_lookup(struct hlist_head *bucket, const char *key, size_t keylen)
{
	struct luarcu_entry *entry;

	hlist_for_each_entry_rcu(entry, bucket, node)
		if (entry->keylen == keylen && !memcmp(entry->key, key, keylen))
			return entry;
	return NULL;
}

static struct luarcu_table *luarcu_private(lunatik_object_t *object)
{
	return object->private;
}

/*
 * The value of key with a reference, or NULL; for runtime, NULL too if the
 * value is another runtime's (*foreign is then true).
 */
static lunatik_object_t *luarcu_get(lunatik_object_t *object, const char *key, size_t keylen,
				    lunatik_object_t *runtime, bool *foreign)
{
	struct luarcu_table *table = luarcu_private(object);
	struct luarcu_entry *entry;
	lunatik_object_t *value = NULL;

	*foreign = false;
	rcu_read_lock();
	entry = luarcu_lookup(luarcu_bucket(table, key, keylen), key, keylen);
	if (entry && runtime && entry->runtime && entry->runtime != runtime) {
		*foreign = true;
	} else if (entry) {
		/* The entry's reference lasts at least until the grace period ends. */
		value = entry->object;
		lunatik_getobject(value);
	}
	rcu_read_unlock();
	return value;
}

lunatik_object_t *luarcu_gettable(lunatik_object_t *object, const char *key, size_t keylen)
{
	bool foreign;

	return luarcu_get(object, key, keylen, NULL, &foreign);
}
EXPORT_SYMBOL_GPL(luarcu_gettable);

static int luarcu_set(lunatik_object_t *object, const char *key, size_t keylen,
		      lunatik_object_t *value, lunatik_object_t *runtime, gfp_t gfp)
{
	struct luarcu_table *table = luarcu_private(object);
	struct hlist_head *bucket = luarcu_bucket(table, key, keylen);
	struct luarcu_entry *new = NULL, *old;

	if (value) {
		new = kmalloc(struct_size(new, key, keylen), gfp);
		if (!new)
			return -ENOMEM;
		memcpy(new->key, key, keylen);
		new->keylen = keylen;
		lunatik_getobject(value);
		new->object = value;
		new->runtime = value->single ? runtime : NULL;
		if (new->runtime)
			lunatik_getobject(new->runtime);
	}
	spin_lock_bh(&table->lock);
	old = luarcu_lookup(bucket, key, keylen);
	if (old && new)
		hlist_replace_rcu(&old->node, &new->node);
	else if (old)
		hlist_del_rcu(&old->node);
	else if (new)
		hlist_add_head_rcu(&new->node, bucket);
	spin_unlock_bh(&table->lock);
	if (old)
		luarcu_retire(old);
	return 0;
}

int luarcu_settable(lunatik_object_t *object, const char *key, size_t keylen,
		    lunatik_object_t *value)
{
	return luarcu_set(object, key, keylen, value, NULL, GFP_ATOMIC);
}
EXPORT_SYMBOL_GPL(luarcu_settable);

/* The last reference is gone: nobody reads or writes any more. */
static void luarcu_release(void *private)
{
	struct luarcu_table *table = private;
	struct luarcu_entry *entry;
	struct hlist_node *next;
	u32 i;

	for (i = 0; i <= table->mask; i++)
		hlist_for_each_entry_safe(entry, next, &table->buckets[i], node) {
			hlist_del_rcu(&entry->node);
			luarcu_retire(entry);
		}
}

static void luarcu_init(struct luarcu_table *table, u32 size)
{
	u32 i;

	spin_lock_init(&table->lock);
	table->seed = get_random_u32();
	table->mask = size - 1;
	for (i = 0; i < size; i++)
		INIT_HLIST_HEAD(&table->buckets[i]);
}

lunatik_object_t *luarcu_newtable(size_t size, bool sleep)
{
	lunatik_object_t *object;

	size = roundup_pow_of_two(clamp_t(size_t, size, 1, LUARCU_MAX_SIZE));
	object = lunatik_createobject(&luarcu_class,
				      LUARCU_SIZEOF(size), sleep);
	if (object)
		luarcu_init(object->private, size);
	return object;
}
EXPORT_SYMBOL_GPL(luarcu_newtable);

static struct luarcu_table *luarcu_check(lua_State *L, int ix)
{
	return lunatik_checkprivate(L, ix, &luarcu_class);
}

/* Protected: pushes the object the light userdata at 1 points at, with a new reference. */
static int luarcu_pushvalue(lua_State *L)
{
	lunatik_pushobject(L, lua_touserdata(L, 1));
	return 1;
}

/* Pushes value and puts the caller's reference, or raises (also putting it). */
static void luarcu_push(lua_State *L, lunatik_object_t *value)
{
	int status;

	lua_pushcfunction(L, luarcu_pushvalue);
	lua_pushlightuserdata(L, value);
	status = lua_pcall(L, 1, 1, 0);
	lunatik_putobject(value);
	if (status != LUA_OK)
		lua_error(L);
}

/* t[key]: the object, or nil. */
static int luarcu_index(lua_State *L)
{
	lunatik_object_t *object = lunatik_checkobject(L, 1, &luarcu_class);
	size_t keylen;
	const char *key = luaL_checklstring(L, 2, &keylen);
	bool foreign;
	lunatik_object_t *value = luarcu_get(object, key, keylen, lunatik_toruntime(L), &foreign);

	if (foreign)
		return luaL_error(L, "rcu: the value of '%s' is another runtime's %s", key,
				  "object (of a class that cannot be shared)");

	if (value)
		luarcu_push(L, value);
	else
		lua_pushnil(L);
	return 1;
}

/* t[key] = object, or nil to delete. */
static int luarcu_newindex(lua_State *L)
{
	lunatik_object_t *object = lunatik_checkobject(L, 1, &luarcu_class);
	lunatik_object_t *value = NULL;
	const char *key;
	size_t keylen;

	key = luaL_checklstring(L, 2, &keylen);
	if (!lua_isnil(L, 3)) {
		value = lunatik_testobject(L, 3);
		if (!value)
			return luaL_argerror(L, 3, "a Lunatik object or nil expected");
		if (value == object)
			return luaL_argerror(L, 3, "a table cannot hold itself");
	}
	if (luarcu_set(object, key, keylen, value, lunatik_toruntime(L),
		       lunatik_sleepable(L) ? GFP_KERNEL : GFP_ATOMIC))
		return luaL_error(L, "rcu: not enough memory");
	return 0;
}

/* A snapshot for map(): the objects keep a reference until visited or collected. */
struct luarcu_snapshot {
	size_t n;
	struct {
		lunatik_object_t *object;	/* NULL: another runtime's */
		size_t off, len;	/* of the key, in keys */
	} items[];
	/* then the keys */
};

static void luarcu_putsnapshot(struct luarcu_snapshot *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->items[i].object) {
			lunatik_putobject(s->items[i].object);
			s->items[i].object = NULL;
		}
	s->n = 0;
}

static int luarcu_gcsnapshot(lua_State *L)
{
	luarcu_putsnapshot(lua_touserdata(L, 1));
	return 0;
}

static void luarcu_count(struct luarcu_table *table, size_t *n, size_t *bytes)
{
	struct luarcu_entry *entry;
	u32 i;

	*n = *bytes = 0;
	rcu_read_lock();
	for (i = 0; i <= table->mask; i++)
		hlist_for_each_entry_rcu(entry, &table->buckets[i], node) {
			(*n)++;
			*bytes += entry->keylen;
		}
	rcu_read_unlock();
}

/* Fills s with at most max entries and bytes of keys; false if more came meanwhile. */
static bool luarcu_fill(struct luarcu_table *table, struct luarcu_snapshot *s, size_t max,
			char *keys, size_t bytes, lunatik_object_t *runtime)
{
	struct luarcu_entry *entry;
	size_t used = 0;
	bool fits = true;
	u32 i;

	rcu_read_lock();
	for (i = 0; i <= table->mask && fits; i++)
		hlist_for_each_entry_rcu(entry, &table->buckets[i], node) {
			if (s->n == max || entry->keylen > bytes - used) {
				fits = false;
				break;
			}
			memcpy(keys + used, entry->key, entry->keylen);
			s->items[s->n].off = used;
			s->items[s->n].len = entry->keylen;
			s->items[s->n].object = NULL;
			if (!entry->runtime || entry->runtime == runtime) {
				lunatik_getobject(entry->object);
				s->items[s->n].object = entry->object;
			}
			s->n++;
			used += entry->keylen;
		}
	rcu_read_unlock();
	return fits;
}

/* rcu.map(t, f): f(key, value) for each entry at the time of the call. */
static int luarcu_map(lua_State *L)
{
	struct luarcu_table *table = luarcu_check(L, 1);
	struct luarcu_snapshot *s;
	size_t n, bytes, i;
	char *keys;

	luaL_checktype(L, 2, LUA_TFUNCTION);
	for (;;) {
		luarcu_count(table, &n, &bytes);
		/* Room for writers that add entries between counting and filling. */
		n += n / 4 + 8;
		bytes += bytes / 4 + 256;
		s = lua_newuserdatauv(L, struct_size(s, items, n) + bytes, 0);
		s->n = 0;
		lua_createtable(L, 0, 1);
		lua_pushcfunction(L, luarcu_gcsnapshot);
		lua_setfield(L, -2, "__gc");
		lua_setmetatable(L, -2);
		keys = (char *)&s->items[n];
		if (luarcu_fill(table, s, n, keys, bytes, lunatik_toruntime(L)))
			break;
		luarcu_putsnapshot(s);	/* grew meanwhile: again, bigger */
		lua_pop(L, 1);
	}
	for (i = 0; i < s->n; i++) {
		lunatik_object_t *object = s->items[i].object;

		lua_pushvalue(L, 2);
		lua_pushlstring(L, keys + s->items[i].off, s->items[i].len);
		if (!object)
			return luaL_error(L, "rcu.map: the value of '%s' is another runtime's %s",
					  lua_tostring(L, -1), "object (of a class that cannot be shared)");
		lunatik_pushobject(L, object);	/* raises before taking a reference */
		s->items[i].object = NULL;
		lunatik_putobject(object);
		lua_call(L, 2, 0);
	}
	return 0;
}

/* Shared with other runtimes: closing one handle must not free the table under them. */
static int luarcu_close(lua_State *L)
{
	return 0;
}

static int luarcu_new(lua_State *L)
{
	lua_Integer size = luaL_optinteger(L, 1, LUARCU_DEFAULT_SIZE);
	lunatik_object_t *object;

	luaL_argcheck(L, size >= 1 && size <= LUARCU_MAX_SIZE, 1,
		      "size must be between 1 and 65536");
	size = roundup_pow_of_two(size);
	object = lunatik_newobject(L, &luarcu_class, LUARCU_SIZEOF(size));
	luarcu_init(object->private, size);
	return 1;
}

static const luaL_Reg luarcu_methods[] = {
	{"__newindex", luarcu_newindex},
	{"__close", luarcu_close},
	{NULL, NULL}
};

static const lunatik_class_t luarcu_class = {
	.name = "rcu",
	.methods = luarcu_methods,
	.release = luarcu_release,
};

static const luaL_Reg luarcu_lib[] = {
	{"table", luarcu_new},
	{"map", luarcu_map},
	{NULL, NULL}
};

static int luaopen_rcu(lua_State *L)
{
	luaL_newlib(L, luarcu_lib);
	lunatik_newclass(L, &luarcu_class);
	/* lunatik_newclass() points __index at the methods: t[key] reads the table instead. */
	lua_rawgetp(L, LUA_REGISTRYINDEX, &luarcu_class);
	lua_pushcfunction(L, luarcu_index);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);
	return 1;
}

static struct lunatik_lib luarcu_lunatik_lib = {
	.name = "rcu",
	.open = luaopen_rcu,
	.owner = THIS_MODULE,
};

static int __init luarcu_modinit(void)
{
	int ret;

	luarcu_wq = alloc_workqueue("luarcu", 0, 0);
	if (!luarcu_wq)
		return -ENOMEM;
	ret = lunatik_register_lib(&luarcu_lunatik_lib);
	if (ret)
		destroy_workqueue(luarcu_wq);
	return ret;
}

static void __exit luarcu_modexit(void)
{
	lunatik_unregister_lib(&luarcu_lunatik_lib);
	/* queue_rcu_work() queues from an RCU callback: wait for those first. */
	rcu_barrier();
	destroy_workqueue(luarcu_wq);
}

module_init(luarcu_modinit);
module_exit(luarcu_modexit);
MODULE_LICENSE("GPL");
MODULE_VERSION(LUNATIK_RELEASE);
MODULE_DESCRIPTION("Lunatik library: rcu (hash tables of objects shared between runtimes)");
