/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rcu tables for C code: string keys, Lunatik objects as values. Lookups
 * run under rcu_read_lock() and never wait for writers; writers serialize
 * on a spinlock (bottom halves off), so every function here may be called
 * from softirq as well as from process context.
 */
#ifndef LUARCU_H
#define LUARCU_H

#include "lunatik.h"

/* A new table of size buckets (rounded up to a power of 2), or NULL. */
lunatik_object_t *luarcu_newtable(size_t size, bool sleep);
/* The value of key with a reference the caller puts, or NULL. */
lunatik_object_t *luarcu_gettable(lunatik_object_t *table, const char *key, size_t keylen);
/*
 * Sets key to object (taking a reference), or deletes it if object is NULL.
 * Unlike t[key] = v from Lua, an object of a single-runtime class stored
 * here is handed to every runtime that reads it: store only what may cross.
 */
int luarcu_settable(lunatik_object_t *table, const char *key, size_t keylen,
		    lunatik_object_t *object);

#endif
