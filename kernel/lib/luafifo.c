// SPDX-License-Identifier: GPL-2.0
/*
 * require("fifo"): a kernel FIFO of bytes (kfifo), shared between runtimes.
 *
 * fifo.new(size) makes a FIFO of size bytes (rounded up to a power of 2);
 * f:push(s) appends all of s or raises "not enough space"; f:pop(n)
 * returns up to n bytes and how many; f:close() frees the buffer, after
 * which every method raises. Nothing blocks, so every runtime may use it,
 * softirq ones included: the FIFO has its own spinlock, taken with bottom
 * halves off, whatever runtime created it.
 */
#include <linux/kfifo.h>
#include <linux/slab.h>

#include "lunatik.h"

#define LUAFIFO_MAX_SIZE	(1 << 22)	/* KMALLOC_MAX_SIZE on x86_64 */

struct luafifo {
	spinlock_t lock;
	bool open;		/* the buffer is allocated */
	struct kfifo fifo;
};

static const lunatik_class_t luafifo_class;

static struct luafifo *luafifo_check(lua_State *L)
{
	return lunatik_checkprivate(L, 1, &luafifo_class);
}

static void luafifo_closed(lua_State *L)
{
	luaL_error(L, "fifo: closed");
}

/* f:push(s) */
static int luafifo_push(lua_State *L)
{
	struct luafifo *f = luafifo_check(L);
	size_t len;
	const char *s = luaL_checklstring(L, 2, &len);
	bool open, fits = false;

	spin_lock_bh(&f->lock);
	open = f->open;
	if (open) {
		fits = len <= kfifo_avail(&f->fifo);
		if (fits)
			kfifo_in(&f->fifo, s, len);
	}
	spin_unlock_bh(&f->lock);
	if (!open)
		luafifo_closed(L);
	luaL_argcheck(L, fits, 2, "not enough space");
	return 0;
}

/* f:pop(n): the string of up to n bytes, and its length. */
static int luafifo_pop(lua_State *L)
{
	struct luafifo *f = luafifo_check(L);
	lua_Integer n = luaL_checkinteger(L, 2);
	size_t len = 0;
	luaL_Buffer b;
	bool open;
	char *p;

	luaL_argcheck(L, n >= 0, 2, "size must not be negative");
	/* A buffer for what the FIFO holds now, whatever n says. */
	spin_lock_bh(&f->lock);
	open = f->open;
	if (open)
		len = min_t(lua_Integer, n, kfifo_len(&f->fifo));
	spin_unlock_bh(&f->lock);
	if (!open)
		luafifo_closed(L);
	p = luaL_buffinitsize(L, &b, len);
	spin_lock_bh(&f->lock);
	open = f->open;
	if (open)
		len = kfifo_out(&f->fifo, p, len);
	spin_unlock_bh(&f->lock);
	if (!open)
		luafifo_closed(L);
	luaL_pushresultsize(&b, len);
	lua_pushinteger(L, len);
	return 2;
}

static void luafifo_free(struct luafifo *f)
{
	bool open;

	spin_lock_bh(&f->lock);
	open = f->open;
	f->open = false;
	spin_unlock_bh(&f->lock);
	if (open)
		kfifo_free(&f->fifo);
}

/* f:close(): other runtimes holding the FIFO see it closed. */
static int luafifo_close(lua_State *L)
{
	lunatik_object_t *object = lunatik_testobject(L, 1);

	if (!object || object->class != &luafifo_class)
		return luaL_typeerror(L, 1, "fifo");
	luafifo_free(object->private);
	return 0;
}

static void luafifo_release(void *private)
{
	luafifo_free(private);
}

/* fifo.new(size) */
static int luafifo_new(lua_State *L)
{
	lua_Integer size = luaL_checkinteger(L, 1);
	lunatik_object_t *object;
	struct luafifo *f;
	int ret;

	luaL_argcheck(L, size >= 1 && size <= LUAFIFO_MAX_SIZE, 1,
		      "size must be between 1 and 4194304");
	object = lunatik_newobject(L, &luafifo_class, sizeof(struct luafifo));
	f = object->private;
	spin_lock_init(&f->lock);
	ret = kfifo_alloc(&f->fifo, max_t(lua_Integer, size, 2), object->gfp | __GFP_NOWARN);
	if (ret)
		return luaL_error(L, "fifo.new: cannot allocate %d bytes (%d)", (int)size, ret);
	f->open = true;
	return 1;
}

static const luaL_Reg luafifo_methods[] = {
	{"push", luafifo_push},
	{"pop", luafifo_pop},
	{"close", luafifo_close},
	{"__close", luafifo_close},
	{NULL, NULL}
};

static const lunatik_class_t luafifo_class = {
	.name = "fifo",
	.methods = luafifo_methods,
	.release = luafifo_release,
};

static const luaL_Reg luafifo_lib[] = {
	{"new", luafifo_new},
	{NULL, NULL}
};

static int luaopen_fifo(lua_State *L)
{
	luaL_newlib(L, luafifo_lib);
	lunatik_newclass(L, &luafifo_class);
	return 1;
}

LUNATIK_LIB_MODULE(fifo, luaopen_fifo, false);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Lunatik library: fifo (kernel FIFOs of bytes shared between runtimes)");
