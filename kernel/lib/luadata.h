/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C side of require("data"): views that other modules point at
 * memory they own (a packet, a rule's arguments) and hand to Lua.
 *
 * A view belongs to one runtime: luadata_reset() and luadata_clear() must
 * be called with that runtime's lock held (inside lunatik_run), so that no
 * script runs while the view moves. Nothing here allocates or sleeps,
 * except luadata_newview(), which may raise (call it in a protected call,
 * as when a library opens or a hook is registered).
 */
#ifndef LUADATA_H
#define LUADATA_H

#include <linux/skbuff.h>

#include "lunatik.h"

/*
 * Pushes a new data object of size 0 that will view memory it does not
 * own (never freed by the object), and returns it. The userdata on the
 * stack holds one reference; take your own with lunatik_getobject() to
 * keep the object beyond it.
 */
lunatik_object_t *luadata_newview(lua_State *L);

/* Points the view at size bytes at ptr; writes raise "read-only data" if readonly. */
void luadata_reset(lunatik_object_t *view, void *ptr, size_t size, bool readonly);

struct luadata;

/*
 * Called before a write to an skb view reaches beyond what was made
 * writable: make [0, need) of the view's skb data (need counts from
 * skb->data) writable and linear. Returns 0 or -errno. It may note in the
 * view's prepared that the skb was prepared, and may reallocate the head:
 * the view re-points itself afterwards.
 */
typedef int (*luadata_prepare_t)(struct luadata *data, unsigned int need);

/*
 * A data object. Its fields are luadata.c's: they are here only so that
 * packet paths can point a view at every packet inline (luadata_resetskb,
 * luadata_clear), a call each way fewer per packet.
 */
struct luadata {
	u8 *ptr;
	size_t size;
	size_t linear;		/* bytes from ptr that reads may take directly */
	size_t writable;	/* bytes from ptr that writes may change directly */
	bool readonly;		/* not a packet view's: its prepare says */
	bool owned;		/* ptr is ours to free (data.new) */
	struct lunatik_charge *charge;	/* of the runtime that made it, for size bytes */
	/* A packet view: ptr is skb->data + base, size runs to the skb's end. */
	struct sk_buff *skb;
	int base;
	luadata_prepare_t prepare;	/* NULL: read-only */
	bool prepared;			/* prepare's: what it did once per packet is done */
	u8 bounce[sizeof(lua_Integer)];	/* a read reaching paged data */
};

/*
 * Points the view (from luadata_newview) at an skb, from base bytes after
 * skb->data (negative for a MAC header in the headroom) to its end. Reads
 * of the linear part are direct; reads reaching its paged part are copied
 * (skb_copy_bits), without changing the skb or allocating. prepare NULL:
 * read-only; else writes call prepare first (once, unless they reach
 * further), prepared false until it says otherwise.
 */
static inline void luadata_resetskb(lunatik_object_t *view, struct sk_buff *skb, int base,
				    luadata_prepare_t prepare)
{
	struct luadata *data = view->private;
	int linear = (int)skb_headlen(skb) - base;

	data->skb = skb;
	data->base = base;
	data->ptr = skb->data + base;
	data->size = skb->len - base;
	data->linear = linear > 0 ? linear : 0;
	data->writable = 0;	/* nothing prepared until the first write */
	data->prepare = prepare;	/* NULL: read-only (readonly is for other views) */
	data->prepared = false;
}

/* A DNS name as text: 254 bytes of a wire-form name, each perhaps escaped. */
#define LUADATA_NAME_BUF	512

/*
 * d:getname() for other modules: the DNS name at pos of the data object at
 * ix (raises if it is not one), nothing read at or past limit, compression
 * pointers counted from origin. Writes it in lower case, labels joined by
 * dots, in buf (LUADATA_NAME_BUF bytes) and returns its length, with the
 * offset after it in *after; -1 and why in *why if it is malformed.
 */
int luadata_getdnsname(lua_State *L, int ix, lua_Integer pos, lua_Integer limit,
		       lua_Integer origin, char *buf, lua_Integer *after, const char **why);

/*
 * For other modules' parsers of a data object (a packet view or a buffer):
 * luadata_checkdata() returns the object at ix (raises if it is not one),
 * luadata_size() its size, and luadata_peek() the len (> 0) bytes at off, in
 * place or, where they reach a packet's paged part, copied into buf (len
 * bytes); NULL when [off, off + len) is not inside the data. luadata_peek
 * raises only if a paged part cannot be read. Both read what the object
 * shows while the call that checked it runs: keep neither pointer.
 */
struct luadata *luadata_checkdata(lua_State *L, int ix);
size_t luadata_size(const struct luadata *data);
const void *luadata_peek(lua_State *L, struct luadata *data, lua_Integer off, size_t len,
			 void *buf);

/*
 * A view back to size 0: any later access from a script raises "out of
 * bounds" (every access checks the size first, so the other fields may
 * keep what they were; the next reset sets them all).
 */
static inline void luadata_clear(lunatik_object_t *view)
{
	struct luadata *data = view->private;

	data->ptr = NULL;
	data->size = 0;
	data->skb = NULL;
}

#endif
