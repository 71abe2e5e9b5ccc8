// SPDX-License-Identifier: GPL-2.0
/*
 * The luaxt library: an iptables/ip6tables extension (libxt_<name>.so)
 * whose behaviour a Lua description gives. The description is compiled
 * into the plugin (luaxt_script[], which embed.lua writes before this
 * file when usr/lib/xtable/Makefile compiles them), so the plugin does
 * not depend on iptables' working directory; LUAXT_NAME is its name.
 *
 * When libxtables loads the plugin, a Lua state runs the description,
 * which calls luaxt.match{...} or luaxt.target{...} once (README.md,
 * "luaxt", says what it holds). Built with LUAXT_CHECK, the same code is
 * a program that runs the description and checks it: the Makefile runs
 * it so that a bad description fails the build with Lua's message.
 *
 * The arguments of a rule go into the blob (xt/luaxtable.h) in luaxt's
 * encoding: a string (encoding "string", the default) or a table of the
 * options' typed values (encoding "typed"). Lua errors in parse and
 * final_check are libxtables parameter problems: iptables prints them and
 * exits with status 2. Per-rule parse state lives in libxtables' udata.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <xtables.h>
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

#include "luaxtable.h"

#ifndef LUAXT_NAME
#error "LUAXT_NAME must name the extension"
#endif

#define LUAXT_OPTIONS_MAX	32
#define LUAXT_HELP_COLUMN	28	/* where option help starts, as libxt_string's */

/* The description, in its source form. */
static const char luaxt_script[];

static lua_State *L;
static bool luaxt_target;
static bool luaxt_typed;		/* encoding = "typed" */
static struct xt_option_entry luaxt_options[LUAXT_OPTIONS_MAX + 1];
/* Registry keys: the description's table, and its options by id. */
static const char luaxt_optskey;
static const char luaxt_descrkey;

/* Per rule, in libxtables' udata: par.flags of parse, given to final_check. */
struct luaxt_udata {
	lua_Integer flags;
};

/* Pushes the description's callback name, or returns false if it has none. */
static bool luaxt_getfn(const char *name)
{
	/* Raw: a metamethod would run Lua here, unprotected. */
	if (lua_rawgetp(L, LUA_REGISTRYINDEX, &luaxt_descrkey) != LUA_TTABLE) {
		lua_pop(L, 1);
		return false;
	}
	lua_pushstring(L, name);
	if (lua_rawget(L, -2) != LUA_TFUNCTION) {
		lua_pop(L, 2);
		return false;
	}
	lua_remove(L, -2);
	return true;
}

/* Calls the function under its nargs arguments; on error, a parameter problem. */
static void luaxt_call(const char *what, int nargs, int nresults)
{
	if (lua_pcall(L, nargs, nresults, 0) != LUA_OK) {
		const char *msg = lua_tostring(L, -1);

		xtables_error(PARAMETER_PROBLEM, "%s: %s", LUAXT_NAME, msg ? msg : what);
	}
}

/* The option table (description's) of option id, pushed. */
static void luaxt_pushoption(unsigned int id)
{
	lua_rawgetp(L, LUA_REGISTRYINDEX, &luaxt_optskey);
	lua_rawgeti(L, -1, id + 1);
	lua_remove(L, -2);
}

/* ---- the blob's encoding (xt/luaxtable.h) ---- */

struct luaxt_writer {
	uint8_t *p, *end;
};

static void luaxt_put(struct luaxt_writer *w, const void *data, size_t len)
{
	if ((size_t)(w->end - w->p) < len)
		luaL_error(L, "the arguments take more than %d bytes", (int)LUAXTABLE_PAYLOAD_MAX);
	memcpy(w->p, data, len);
	w->p += len;
}

static void luaxt_putbyte(struct luaxt_writer *w, uint8_t b)
{
	luaxt_put(w, &b, 1);
}

static void luaxt_putstring(struct luaxt_writer *w, const char *what, int ix)
{
	size_t len;
	const char *s = lua_tolstring(L, ix, &len);

	if (len > 255)
		luaL_error(L, "userargs%s: a string of %d bytes, more than 255", what, (int)len);
	luaxt_putbyte(w, len);
	luaxt_put(w, s, len);
}

static void luaxt_putvalue(struct luaxt_writer *w, const char *what, int ix, int depth)
{
	lua_Integer n, i;
	uint64_t v;
	uint8_t be[8];
	int k;

	switch (lua_type(L, ix)) {
	case LUA_TBOOLEAN:
		luaxt_putbyte(w, lua_toboolean(L, ix) ? 't' : 'f');
		return;
	case LUA_TNUMBER:
		if (!lua_isinteger(L, ix))
			luaL_error(L, "userargs%s: %s is not an integer", what, lua_tostring(L, ix));
		v = (uint64_t)lua_tointeger(L, ix);
		for (k = 7; k >= 0; k--, v >>= 8)
			be[k] = v & 0xff;
		luaxt_putbyte(w, 'i');
		luaxt_put(w, be, 8);
		return;
	case LUA_TSTRING:
		luaxt_putbyte(w, 's');
		luaxt_putstring(w, what, ix);
		return;
	case LUA_TTABLE:
		n = luaL_len(L, ix);
		if (depth >= LUAXTABLE_DEPTH_MAX)
			luaL_error(L, "userargs%s: lists nest at most %d deep", what,
				   LUAXTABLE_DEPTH_MAX - 1);
		if (n > 255)
			luaL_error(L, "userargs%s: a list of %d values, more than 255", what, (int)n);
		luaxt_putbyte(w, 'l');
		luaxt_putbyte(w, n);
		for (i = 1; i <= n; i++) {
			lua_rawgeti(L, ix, i);
			luaxt_putvalue(w, what, lua_gettop(L), depth + 1);
			lua_pop(L, 1);
		}
		return;
	}
	luaL_error(L, "userargs%s: a %s cannot be kept in a rule", what, luaL_typename(L, ix));
}

static int luaxt_keycmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Encodes the table at ix, its keys sorted: the same rule always gives the same bytes. */
static size_t luaxt_encodetable(int ix, uint8_t *buf)
{
	struct luaxt_writer w = {buf, buf + LUAXTABLE_PAYLOAD_MAX};
	const char *keys[256];
	char what[300];
	size_t n = 0, i;

	lua_pushnil(L);
	while (lua_next(L, ix)) {
		lua_pop(L, 1);
		if (lua_type(L, -1) != LUA_TSTRING || !lua_rawlen(L, -1) || lua_rawlen(L, -1) > 255)
			luaL_error(L, "userargs: keys are strings of 1 to 255 bytes");
		if (n == sizeof(keys) / sizeof(keys[0]))
			luaL_error(L, "userargs: too many keys");
		keys[n++] = lua_tostring(L, -1);	/* alive: they are keys of the table */
	}
	qsort(keys, n, sizeof(keys[0]), luaxt_keycmp);
	for (i = 0; i < n; i++) {
		snprintf(what, sizeof(what), ".%s", keys[i]);
		lua_pushstring(L, keys[i]);
		luaxt_putstring(&w, what, -1);
		lua_rawget(L, ix);
		luaxt_putvalue(&w, what, lua_gettop(L), 1);
		lua_pop(L, 1);
	}
	return w.p - buf;
}

/* Protected: writes the value at 1 (string or table) into the blob at 2. */
static int luaxt_pencode(lua_State *L)
{
	struct luaxtable_info *info = lua_touserdata(L, 2);
	struct luaxtable_header *h = (struct luaxtable_header *)info->userargs;
	uint8_t payload[LUAXTABLE_PAYLOAD_MAX];
	size_t len;

	if (luaxt_typed) {
		if (!lua_istable(L, 1))
			return luaL_error(L, "userargs must be a table (encoding \"typed\"), not a %s",
					  luaL_typename(L, 1));
		len = luaxt_encodetable(1, payload);
	} else {
		const char *s = lua_type(L, 1) == LUA_TSTRING ? lua_tolstring(L, 1, &len) : NULL;

		if (!s)
			return luaL_error(L, "userargs must be a string, not a %s", luaL_typename(L, 1));
		if (len > LUAXTABLE_PAYLOAD_MAX)
			return luaL_error(L, "the arguments take %d bytes, more than %d",
					  (int)len, (int)LUAXTABLE_PAYLOAD_MAX);
		memcpy(payload, s, len);
	}
	memset(info->userargs, 0, sizeof(info->userargs));
	memcpy(h->magic, LUAXTABLE_MAGIC, sizeof(h->magic));
	h->version = LUAXTABLE_VERSION;
	h->form = luaxt_typed ? LUAXTABLE_FORM_TYPED : LUAXTABLE_FORM_STRING;
	h->len = htons(len);
	memcpy(h + 1, payload, len);
	return 0;
}

/* Writes the value at -1 into the blob and pops it; errors are parameter problems. */
static void luaxt_encode(struct luaxtable_info *info)
{
	lua_pushcfunction(L, luaxt_pencode);
	lua_insert(L, -2);
	lua_pushlightuserdata(L, info);
	luaxt_call("userargs", 2, 0);
}

static const uint8_t *luaxt_pushvalue(const uint8_t *p, const uint8_t *end, int depth);

static const uint8_t *luaxt_pushlist(const uint8_t *p, const uint8_t *end, int depth)
{
	int i, n;

	if (p >= end || depth >= LUAXTABLE_DEPTH_MAX)
		return NULL;
	n = *p++;
	lua_createtable(L, n, 0);
	for (i = 1; i <= n && p; i++) {
		p = luaxt_pushvalue(p, end, depth + 1);
		if (p)
			lua_rawseti(L, -2, i);
	}
	return p;
}

/* Pushes one value; returns where it ends, or NULL (nothing pushed) if malformed. */
static const uint8_t *luaxt_pushvalue(const uint8_t *p, const uint8_t *end, int depth)
{
	uint64_t v = 0;
	int i;

	if (p >= end)
		return NULL;
	switch (*p++) {
	case 'f':
	case 't':
		lua_pushboolean(L, p[-1] == 't');
		return p;
	case 'i':
		if (end - p < 8)
			return NULL;
		for (i = 0; i < 8; i++)
			v = v << 8 | *p++;
		lua_pushinteger(L, (lua_Integer)v);
		return p;
	case 's':
		if (p >= end || end - p - 1 < *p)
			return NULL;
		lua_pushlstring(L, (const char *)p + 1, *p);
		return p + 1 + *p;
	case 'l': {
		const uint8_t *q = luaxt_pushlist(p, end, depth);

		if (!q)
			lua_pop(L, 1);
		return q;
	}
	}
	return NULL;
}

/*
 * Pushes the rule's arguments as the kernel script sees them: luaxt's
 * string or table; a blob of another plugin is its 256 bytes.
 */
static void luaxt_pushargs(const struct luaxtable_info *info)
{
	const struct luaxtable_header *h = (const struct luaxtable_header *)info->userargs;
	const uint8_t *p = (const uint8_t *)(h + 1), *end;
	size_t len = ntohs(h->len);

	if (memcmp(h->magic, LUAXTABLE_MAGIC, sizeof(h->magic)) || h->version != LUAXTABLE_VERSION ||
	    len > LUAXTABLE_PAYLOAD_MAX) {
		lua_pushlstring(L, info->userargs, LUAXTABLE_ARGS_MAX);
		return;
	}
	end = p + len;
	if (h->form != LUAXTABLE_FORM_TYPED) {
		lua_pushlstring(L, (const char *)p, len);
		return;
	}
	lua_newtable(L);
	while (p && p < end) {
		if (end - p - 1 < *p)
			break;
		lua_pushlstring(L, (const char *)p + 1, *p);
		p = luaxt_pushvalue(p + 1 + *p, end, 1);
		if (!p) {
			lua_pop(L, 1);
			break;
		}
		lua_rawset(L, -3);
	}
}

/* ---- values of typed options ---- */

/* Pushes the value libxtables parsed for this option. */
static void luaxt_pushparsed(const struct xt_option_call *cb)
{
	switch (cb->entry->type) {
	case XTTYPE_NONE:
		lua_pushboolean(L, 1);
		break;
	case XTTYPE_UINT8:
		lua_pushinteger(L, cb->val.u8);
		break;
	case XTTYPE_UINT16:
		lua_pushinteger(L, cb->val.u16);
		break;
	case XTTYPE_UINT32:
		lua_pushinteger(L, cb->val.u32);
		break;
	case XTTYPE_UINT64:
		lua_pushinteger(L, (lua_Integer)cb->val.u64);
		break;
	case XTTYPE_PORT:
		lua_pushinteger(L, cb->val.port);
		break;
	case XTTYPE_PORTRC:
		lua_createtable(L, 2, 0);
		lua_pushinteger(L, cb->val.port_range[0]);
		lua_rawseti(L, -2, 1);
		lua_pushinteger(L, cb->val.port_range[cb->nvals > 1 ? 1 : 0]);
		lua_rawseti(L, -2, 2);
		break;
	case XTTYPE_HOST:
		/* The address in network order: 4 bytes for IPv4 rules, 16 for IPv6 (hlen 128). */
		if (cb->val.hlen > 32)
			lua_pushlstring(L, (const char *)&cb->val.haddr.in6, 16);
		else
			lua_pushlstring(L, (const char *)&cb->val.haddr.in, 4);
		break;
	default:
		lua_pushstring(L, cb->arg);
		break;
	}
}

/* luaxt.ntop(bytes): the text of a 4- or 16-byte address. */
static int luaxt_ntop(lua_State *L)
{
	size_t len;
	const char *a = luaL_checklstring(L, 1, &len);
	char text[INET6_ADDRSTRLEN];

	if ((len != 4 && len != 16) || !inet_ntop(len == 4 ? AF_INET : AF_INET6, a, text, sizeof(text)))
		return luaL_error(L, "luaxt.ntop: not an address of 4 or 16 bytes");
	lua_pushstring(L, text);
	return 1;
}

/* Text being built for print and save (at most 255 values of at most 255 bytes). */
struct luaxt_text {
	char buf[8192];
	size_t len;
};

static void luaxt_add(struct luaxt_text *t, const char *s, size_t len)
{
	if (len > sizeof(t->buf) - 1 - t->len)
		len = sizeof(t->buf) - 1 - t->len;
	memcpy(t->buf + t->len, s, len);
	t->len += len;
	t->buf[t->len] = '\0';
}

static void luaxt_adds(struct luaxt_text *t, const char *s)
{
	luaxt_add(t, s, strlen(s));
}

/* Adds " value" for option o (its value at ix); save quotes strings as iptables does. */
static void luaxt_addvalue(struct luaxt_text *t, const struct xt_option_entry *o, int ix, bool save)
{
	char text[INET6_ADDRSTRLEN + 64];
	const char *s;
	size_t len, i;

	switch (o->type) {
	case XTTYPE_NONE:
		return;
	case XTTYPE_HOST:
		s = lua_tolstring(L, ix, &len);
		if (!s || (len != 4 && len != 16) ||
		    !inet_ntop(len == 4 ? AF_INET : AF_INET6, s, text + 1, sizeof(text) - 1))
			strcpy(text + 1, "?");
		text[0] = ' ';
		luaxt_adds(t, text);
		return;
	case XTTYPE_PORTRC: {
		lua_Integer lo, hi;

		lua_rawgeti(L, ix, 1);
		lua_rawgeti(L, ix, 2);
		lo = lua_tointeger(L, -2);
		hi = lua_tointeger(L, -1);
		lua_pop(L, 2);
		if (lo == hi)
			snprintf(text, sizeof(text), " %lld", (long long)lo);
		else
			snprintf(text, sizeof(text), " %lld:%lld", (long long)lo, (long long)hi);
		luaxt_adds(t, text);
		return;
	}
	case XTTYPE_STRING:
		s = lua_tolstring(L, ix, &len);
		if (!s)
			s = "", len = 0;
		luaxt_adds(t, " ");
		if (!save || (len && !strpbrk(s, " \t\n\"\\'"))) {
			luaxt_add(t, s, len);
			return;
		}
		luaxt_adds(t, "\"");
		for (i = 0; i < len; i++) {
			if (s[i] == '"' || s[i] == '\\')
				luaxt_adds(t, "\\");
			luaxt_add(t, s + i, 1);
		}
		luaxt_adds(t, "\"");
		return;
	default:
		snprintf(text, sizeof(text), " %llu", (unsigned long long)lua_tointeger(L, ix));
		luaxt_adds(t, text);
		return;
	}
}

/*
 * What save ("--name") or print ("name") shows of typed arguments (the
 * table at ix) when the description gives no function: each option
 * given, in the order of the options, "[!] --name value", once per value
 * of a multi option.
 */
static void luaxt_pushshown(int ix, bool save)
{
	const struct xt_option_entry *o;
	struct luaxt_text *t = calloc(1, sizeof(*t));

	if (!t)
		xtables_error(OTHER_PROBLEM, "%s: out of memory", LUAXT_NAME);
	for (o = luaxt_options; o->name; o++) {
		lua_Integer n, i;
		bool invert;

		lua_pushfstring(L, "!%s", o->name);
		invert = lua_rawget(L, ix) != LUA_TNIL && lua_toboolean(L, -1);
		lua_pop(L, 1);
		if (lua_getfield(L, ix, o->name) == LUA_TNIL ||
		    (o->type == XTTYPE_NONE && !lua_toboolean(L, -1))) {
			lua_pop(L, 1);
			continue;
		}
		n = o->flags & XTOPT_MULTI && lua_istable(L, -1) ? (lua_Integer)lua_rawlen(L, -1) : 1;
		for (i = 1; i <= n; i++) {
			if (o->flags & XTOPT_MULTI && lua_istable(L, -1))
				lua_rawgeti(L, -1, i);
			else
				lua_pushvalue(L, -1);
			if (t->len)
				luaxt_adds(t, " ");
			if (invert)
				luaxt_adds(t, "! ");
			if (save)
				luaxt_adds(t, "--");
			luaxt_adds(t, o->name);
			luaxt_addvalue(t, o, lua_gettop(L), save);
			lua_pop(L, 1);
		}
		lua_pop(L, 1);
	}
	lua_pushlstring(L, t->buf, t->len);
	free(t);
}

/* ---- help ---- */

static const char *luaxt_metavar(const struct xt_option_entry *o)
{
	switch (o->type) {
	case XTTYPE_NONE:
		return "";
	case XTTYPE_STRING:
		return "string";
	case XTTYPE_HOST:
		return "address";
	case XTTYPE_PORT:
		return "port";
	case XTTYPE_PORTRC:
		return "port[:port]";
	default:
		return "value";
	}
}

/* The options, as libxtables' own extensions list them: "[!] --name metavar", help in a column. */
static void luaxt_help(void)
{
	const struct xt_option_entry *o;
	char left[128];
	int width = LUAXT_HELP_COLUMN;

	if (luaxt_getfn("help"))
		luaxt_call("help", 0, 0);
	else
		printf("%s %s options:\n", LUAXT_NAME, luaxt_target ? "target" : "match");
	for (int pass = 0; pass < 2; pass++) {
		for (o = luaxt_options; o->name; o++) {
			const char *help = NULL, *metavar;
			int len;

			luaxt_pushoption(o->id);
			lua_getfield(L, -1, "metavar");
			metavar = lua_isstring(L, -1) ? lua_tostring(L, -1) : luaxt_metavar(o);
			lua_getfield(L, -2, "help");
			help = lua_tostring(L, -1);
			len = snprintf(left, sizeof(left), "%s--%s%s%s", o->flags & XTOPT_INVERT ? "[!] " : "",
				       o->name, *metavar ? " " : "", metavar);
			if (pass == 0) {
				if (len + 1 > width)
					width = len + 1;
			} else if (!help || !*help) {
				printf("%s\n", left);
			} else {
				/* Lines of help after the first start at the column too. */
				const char *nl;

				printf("%-*s", width, left);
				while ((nl = strchr(help, '\n'))) {
					printf("%.*s\n%*s", (int)(nl - help), help, width, "");
					help = nl + 1;
					while (*help == '\t' || *help == ' ')
						help++;
				}
				printf("%s\n", help);
			}
			lua_pop(L, 3);
		}
	}
	fflush(stdout);
}

/* ---- the rule's life in iptables ---- */

static void luaxt_init(struct luaxtable_info *info)
{
	memset(info, 0, sizeof(*info));
	if (luaxt_typed)
		lua_newtable(L);
	else
		lua_pushliteral(L, "");
	if (luaxt_getfn("init")) {
		lua_newtable(L);
		lua_pushvalue(L, -3);
		lua_setfield(L, -2, "userargs");
		lua_pushvalue(L, -1);
		lua_insert(L, -3);	/* args, par, fn, par */
		luaxt_call("init", 1, 0);
		lua_getfield(L, -1, "userargs");
		lua_remove(L, -2);
		lua_remove(L, -2);
	}
	luaxt_encode(info);
}

static void luaxt_mt_init(struct xt_entry_match *m)
{
	luaxt_init((struct luaxtable_info *)m->data);
}

static void luaxt_tg_init(struct xt_entry_target *t)
{
	luaxt_init((struct luaxtable_info *)t->data);
}

/* Typed: stores the option's value (at -1, popped) in the table at ix. */
static void luaxt_store(int ix, const struct xt_option_call *cb)
{
	const char *name = cb->entry->name;
	bool multi = cb->entry->flags & XTOPT_MULTI;
	bool before;

	lua_pushfstring(L, "!%s", name);
	before = lua_rawget(L, ix) != LUA_TNIL;
	lua_pop(L, 1);
	if (multi && lua_getfield(L, ix, name) == LUA_TTABLE) {
		if (before != cb->invert)
			xtables_error(PARAMETER_PROBLEM, "%s: ! applies to every --%s of a rule or to none",
				      LUAXT_NAME, name);
		lua_insert(L, -2);
		lua_rawseti(L, -2, luaL_len(L, -2) + 1);
		lua_pop(L, 1);
		return;
	}
	if (multi) {
		lua_pop(L, 1);
		lua_createtable(L, 1, 0);
		lua_insert(L, -2);
		lua_rawseti(L, -2, 1);
	}
	lua_setfield(L, ix, name);
	if (cb->invert) {
		lua_pushfstring(L, "!%s", name);
		lua_pushboolean(L, 1);
		lua_rawset(L, ix);
	}
}

static void luaxt_parse(struct xt_option_call *cb)
{
	struct luaxtable_info *info = cb->data;
	struct luaxt_udata *state = cb->udata;
	int par;

	xtables_option_parse(cb);
	lua_newtable(L);
	par = lua_gettop(L);
	lua_pushstring(L, cb->entry->name);
	lua_setfield(L, par, "option");
	if (luaxt_typed || cb->entry->type != XTTYPE_STRING)
		luaxt_pushparsed(cb);
	else
		lua_pushstring(L, cb->arg);
	lua_setfield(L, par, "value");
	lua_pushboolean(L, cb->invert);
	lua_setfield(L, par, "invert");
	luaxt_pushargs(info);
	if (luaxt_typed) {
		if (!lua_istable(L, -1))
			xtables_error(PARAMETER_PROBLEM, "%s: the rule's arguments are not luaxt's", LUAXT_NAME);
		luaxt_pushparsed(cb);
		luaxt_store(lua_gettop(L) - 1, cb);
	}
	lua_setfield(L, par, "userargs");
	lua_pushinteger(L, state ? state->flags : 0);
	lua_setfield(L, par, "flags");
	if (luaxt_getfn("parse")) {
		lua_pushvalue(L, par);
		luaxt_call("parse", 1, 1);
		/* A string description takes an option by returning true; a typed one unless false. */
		if (luaxt_typed ? lua_isboolean(L, -1) && !lua_toboolean(L, -1) : !lua_toboolean(L, -1))
			xtables_error(PARAMETER_PROBLEM, "%s: cannot take --%s", LUAXT_NAME,
				      cb->entry->name);
		lua_pop(L, 1);
	} else if (!luaxt_typed) {
		xtables_error(PARAMETER_PROBLEM, "%s: no parse function for --%s",
			      LUAXT_NAME, cb->entry->name);
	}
	/* Raw reads: parse() may have given par a metatable that raises. */
	if (state) {
		lua_pushliteral(L, "flags");
		if (lua_rawget(L, par) == LUA_TNUMBER)
			state->flags = lua_tointeger(L, -1);
		lua_pop(L, 1);
	}
	lua_pushliteral(L, "userargs");
	lua_rawget(L, par);
	luaxt_encode(info);
	lua_pop(L, 1);
}

static void luaxt_final_check(struct xt_fcheck_call *cb)
{
	struct luaxt_udata *state = cb->udata;

	if (!luaxt_getfn("final_check"))
		return;
	lua_pushinteger(L, state ? state->flags : 0);
	lua_pushinteger(L, cb->xflags);
	luaxt_pushargs(cb->data);
	luaxt_call("final_check", 3, 0);
}

/* Pushes what name(userargs, ...) returns, or the typed default; false if nothing. */
static bool luaxt_pushshow(const char *name, const struct luaxtable_info *info, int numeric,
			   bool withnumeric)
{
	if (!luaxt_getfn(name)) {
		if (!luaxt_typed || !strcmp(name, "xlate"))
			return false;
		luaxt_pushargs(info);
		if (!lua_istable(L, -1)) {
			lua_pop(L, 1);
			return false;
		}
		luaxt_pushshown(lua_gettop(L), !strcmp(name, "save"));
		lua_remove(L, -2);
		return true;
	}
	luaxt_pushargs(info);
	if (withnumeric)
		lua_pushboolean(L, numeric);
	luaxt_call(name, withnumeric ? 2 : 1, 1);
	return true;
}

/* Prints what name shows, after a space. */
static void luaxt_show(const char *name, const struct luaxtable_info *info, int numeric,
		       bool withnumeric)
{
	const char *text;

	if (!luaxt_pushshow(name, info, numeric, withnumeric))
		return;
	text = lua_tostring(L, -1);
	if (text && *text)
		printf(" %s", text);
	lua_pop(L, 1);
	fflush(stdout);
}

static void luaxt_mt_print(const void *ip, const struct xt_entry_match *m, int numeric)
{
	printf(" %s", LUAXT_NAME);
	luaxt_show("print", (const struct luaxtable_info *)m->data, numeric, true);
}

static void luaxt_mt_save(const void *ip, const struct xt_entry_match *m)
{
	luaxt_show("save", (const struct luaxtable_info *)m->data, 0, false);
}

static void luaxt_tg_print(const void *ip, const struct xt_entry_target *t, int numeric)
{
	printf(" %s", LUAXT_NAME);
	luaxt_show("print", (const struct luaxtable_info *)t->data, numeric, true);
}

static void luaxt_tg_save(const void *ip, const struct xt_entry_target *t)
{
	luaxt_show("save", (const struct luaxtable_info *)t->data, 0, false);
}

/*
 * xlate(userargs) returns the nft words of the rule's extension, or
 * nothing: then iptables-translate prints the rule as a comment
 * ("nft # -A ..."), libxtables' convention for what nft cannot express.
 */
static int luaxt_xlate(struct xt_xlate *xl, const struct luaxtable_info *info)
{
	const char *text;
	int ok;

	if (!luaxt_getfn("xlate"))
		return 0;
	luaxt_pushargs(info);
	if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
		fprintf(stderr, "%s: xlate: %s\n", LUAXT_NAME, lua_tostring(L, -1));
		lua_pop(L, 1);
		return 0;
	}
	text = lua_tostring(L, -1);
	ok = text != NULL && *text;
	if (ok)
		xt_xlate_add(xl, "%s", text);
	lua_pop(L, 1);
	return ok;
}

static int luaxt_mt_xlate(struct xt_xlate *xl, const struct xt_xlate_mt_params *params)
{
	return luaxt_xlate(xl, (const struct luaxtable_info *)params->match->data);
}

static int luaxt_tg_xlate(struct xt_xlate *xl, const struct xt_xlate_tg_params *params)
{
	return luaxt_xlate(xl, (const struct luaxtable_info *)params->target->data);
}

static struct xtables_match luaxt_match_reg = {
	.version = XTABLES_VERSION,
	.name = LUAXT_NAME,
	.size = XT_ALIGN(sizeof(struct luaxtable_info)),
	.userspacesize = LUAXTABLE_USERSIZE,
	.help = luaxt_help,
	.init = luaxt_mt_init,
	.print = luaxt_mt_print,
	.save = luaxt_mt_save,
	.x6_parse = luaxt_parse,
	.x6_fcheck = luaxt_final_check,
	.x6_options = luaxt_options,
	.udata_size = sizeof(struct luaxt_udata),
};

static struct xtables_target luaxt_target_reg = {
	.version = XTABLES_VERSION,
	.name = LUAXT_NAME,
	.size = XT_ALIGN(sizeof(struct luaxtable_info)),
	.userspacesize = LUAXTABLE_USERSIZE,
	.help = luaxt_help,
	.init = luaxt_tg_init,
	.print = luaxt_tg_print,
	.save = luaxt_tg_save,
	.x6_parse = luaxt_parse,
	.x6_fcheck = luaxt_final_check,
	.x6_options = luaxt_options,
	.udata_size = sizeof(struct luaxt_udata),
};

/* ---- the description, checked ---- */

static const struct {
	const char *name;
	enum xt_option_type type;
	uint64_t max;		/* the type's own bound, 0: none */
} luaxt_types[] = {
	{"none", XTTYPE_NONE, 0},
	{"uint8", XTTYPE_UINT8, UINT8_MAX},
	{"uint16", XTTYPE_UINT16, UINT16_MAX},
	{"uint32", XTTYPE_UINT32, UINT32_MAX},
	{"uint", XTTYPE_UINT32, UINT32_MAX},	/* uint32's older name */
	{"uint64", XTTYPE_UINT64, UINT32_MAX},	/* libxtables' min and max are 32-bit */
	{"string", XTTYPE_STRING, 255},		/* what the typed encoding keeps */
	{"host", XTTYPE_HOST, 0},
	{"onehost", XTTYPE_HOST, 0},	/* libxtables 1.8's HOST is one host (ONEHOST before) */
	{"port", XTTYPE_PORT, 0},
	{"portrc", XTTYPE_PORTRC, 0},
};

/* iptables' and ip6tables' own long options: an extension's option cannot shadow them. */
static const char *const luaxt_reserved[] = {
	"append", "check", "delete", "delete-chain", "destination", "dst", "exact", "flush",
	"fragments", "goto", "help", "in-interface", "insert", "ipv4", "ipv6", "jump",
	"line-numbers", "list", "list-rules", "match", "modprobe", "new-chain", "numeric",
	"out-interface", "policy", "protocol", "rename-chain", "replace", "set-counters",
	"source", "src", "table", "verbose", "version", "wait", "wait-interval", "zero",
	"goto", "in-interface", "out-interface", NULL
};

static const char *const luaxt_optionfields[] = {
	"name", "type", "help", "metavar", "min", "max", "required", "invert", "multi",
	"excl", "also", NULL
};

static const char *const luaxt_fields[] = {
	"revision", "family", "encoding", "options", "help", "init", "parse", "final_check",
	"print", "save", "xlate", NULL
};

/* Refuses keys of the table at ix that are not in known: a typo fails the build. */
static void luaxt_checkfields(int ix, const char *const *known, const char *what)
{
	lua_pushnil(L);
	while (lua_next(L, ix)) {
		const char *const *k;
		const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;

		for (k = known; key && *k && strcmp(*k, key); k++)
			;
		if (!key || !*k)
			luaL_error(L, "%s: unknown field '%s'", what,
				   key ? key : luaL_typename(L, -2));
		lua_pop(L, 1);
	}
}

static bool luaxt_flag(int ix, const char *field, const char *name)
{
	int t = lua_getfield(L, ix, field);
	bool on = lua_toboolean(L, -1);

	if (t != LUA_TNIL && t != LUA_TBOOLEAN)
		luaL_error(L, "option '%s': '%s' must be a boolean", name, field);
	lua_pop(L, 1);
	return on;
}

static lua_Integer luaxt_bound(int ix, const char *field, const char *name, uint64_t max)
{
	lua_Integer v;

	if (lua_getfield(L, ix, field) == LUA_TNIL) {
		lua_pop(L, 1);
		return 0;
	}
	if (!lua_isinteger(L, -1))
		luaL_error(L, "option '%s': '%s' must be an integer", name, field);
	v = lua_tointeger(L, -1);
	if (v < 0 || (max && (uint64_t)v > max))
		luaL_error(L, "option '%s': '%s' %I out of range [0, %I]", name, field, v,
			   (lua_Integer)max);
	lua_pop(L, 1);
	return v;
}

/* The ids' bits of the options that field (a list of names) names. */
static unsigned int luaxt_optionset(int ix, const char *field, const char *name, int n, int opts)
{
	unsigned int bits = 0;
	lua_Integer i, len;

	if (lua_getfield(L, ix, field) == LUA_TNIL) {
		lua_pop(L, 1);
		return 0;
	}
	if (!lua_istable(L, -1))
		luaL_error(L, "option '%s': '%s' must be a list of option names", name, field);
	len = luaL_len(L, -1);
	for (i = 1; i <= len; i++) {
		const char *other;
		int j;

		lua_rawgeti(L, -1, i);
		other = lua_tostring(L, -1);
		for (j = 0; other && j < n; j++) {
			lua_rawgeti(L, opts, j + 1);
			lua_getfield(L, -1, "name");
			if (lua_isstring(L, -1) && !strcmp(lua_tostring(L, -1), other)) {
				lua_pop(L, 2);
				break;
			}
			lua_pop(L, 2);
		}
		if (!other || j == n)
			luaL_error(L, "option '%s': '%s' names no option '%s'", name, field,
				   other ? other : "?");
		if (!strcmp(other, name))
			luaL_error(L, "option '%s': '%s' names the option itself", name, field);
		bits |= 1u << j;
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	return bits;
}

/* Declares the options of the description (at ix) to libxtables. */
static void luaxt_checkoptions(int ix)
{
	int i, n, opts;

	if (lua_getfield(L, ix, "options") == LUA_TNIL) {
		lua_pop(L, 1);
		lua_newtable(L);
	}
	if (!lua_istable(L, -1))
		luaL_error(L, "'options' must be a list of options");
	opts = lua_gettop(L);
	/* Nothing left of an earlier call that raised halfway (and was caught). */
	memset(luaxt_options, 0, sizeof(luaxt_options));
	n = (int)luaL_len(L, opts);
	if (n > LUAXT_OPTIONS_MAX)
		luaL_error(L, "at most %d options", LUAXT_OPTIONS_MAX);
	for (i = 0; i < n; i++) {
		struct xt_option_entry *o = &luaxt_options[i];
		const char *type = "string", *p;
		const char *const *r;
		char what[64];
		size_t t;
		int j;

		if (lua_rawgeti(L, opts, i + 1) != LUA_TTABLE)
			luaL_error(L, "option %d is not a table", i + 1);
		/* A string, not a number converted on the stack and then collected. */
		if (lua_getfield(L, -1, "name") != LUA_TSTRING || !*lua_tostring(L, -1))
			luaL_error(L, "option %d has no name", i + 1);
		o->name = lua_tostring(L, -1);	/* kept alive by the options table */
		for (p = o->name; *p; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			      (*p >= '0' && *p <= '9') || ((*p == '-' || *p == '_') && p != o->name)))
				luaL_error(L, "option '%s': a name is letters, digits, '-' and '_'",
					   o->name);
		for (r = luaxt_reserved; *r; r++)
			if (!strcmp(*r, o->name))
				luaL_error(L, "option '%s': iptables has its own --%s", o->name, o->name);
		for (j = 0; j < i; j++)
			if (!strcmp(luaxt_options[j].name, o->name))
				luaL_error(L, "option '%s' is declared twice", o->name);
		lua_pop(L, 1);
		snprintf(what, sizeof(what), "option '%s'", o->name);
		luaxt_checkfields(lua_gettop(L), luaxt_optionfields, what);
		if (lua_getfield(L, -1, "type") != LUA_TNIL) {
			if (lua_type(L, -1) != LUA_TSTRING)
				luaL_error(L, "option '%s': 'type' must be a string", o->name);
			type = lua_tostring(L, -1);
		}
		for (t = 0; t < sizeof(luaxt_types) / sizeof(luaxt_types[0]); t++)
			if (!strcmp(type, luaxt_types[t].name))
				break;
		if (t == sizeof(luaxt_types) / sizeof(luaxt_types[0]))
			luaL_error(L, "option '%s': unknown type '%s' (none, uint8, uint16, uint32, uint64, string, host, onehost, port, portrc)",
				   o->name, type);
		lua_pop(L, 1);
		o->type = luaxt_types[t].type;
		o->id = i;
		if (lua_getfield(L, -1, "help") != LUA_TNIL && lua_type(L, -1) != LUA_TSTRING)
			luaL_error(L, "option '%s': 'help' must be a string", o->name);
		lua_pop(L, 1);
		if (lua_getfield(L, -1, "metavar") != LUA_TNIL && lua_type(L, -1) != LUA_TSTRING)
			luaL_error(L, "option '%s': 'metavar' must be a string", o->name);
		lua_pop(L, 1);
		o->min = luaxt_bound(-1, "min", o->name, luaxt_types[t].max);
		o->max = luaxt_bound(-1, "max", o->name, luaxt_types[t].max);
		if ((o->min || o->max) && o->type != XTTYPE_STRING && (o->type < XTTYPE_UINT8 || o->type > XTTYPE_UINT64))
			luaL_error(L, "option '%s': min and max are for integers and strings", o->name);
		if (o->max && o->min > o->max)
			luaL_error(L, "option '%s': min %d is above max %d", o->name, (int)o->min, (int)o->max);
		/* A typed string is kept in at most 255 bytes: say so before iptables does. */
		if (o->type == XTTYPE_STRING && luaxt_typed && !o->max)
			o->max = 255;
		o->flags = (luaxt_flag(-1, "invert", o->name) ? XTOPT_INVERT : 0) |
			   (luaxt_flag(-1, "multi", o->name) ? XTOPT_MULTI : 0) |
			   (luaxt_flag(-1, "required", o->name) ? XTOPT_MAND : 0);
		lua_pop(L, 1);
	}
	for (i = 0; i < n; i++) {
		lua_rawgeti(L, opts, i + 1);
		luaxt_options[i].excl = luaxt_optionset(lua_gettop(L), "excl", luaxt_options[i].name, n, opts);
		luaxt_options[i].also = luaxt_optionset(lua_gettop(L), "also", luaxt_options[i].name, n, opts);
		lua_pop(L, 1);
	}
	lua_rawsetp(L, LUA_REGISTRYINDEX, &luaxt_optskey);
}

static void luaxt_checkfunction(int ix, const char *field, bool required)
{
	int t = lua_getfield(L, ix, field);

	if ((t != LUA_TNIL || required) && t != LUA_TFUNCTION)
		luaL_error(L, "'%s' must be a function%s", field,
			   required ? " (a description of encoding \"string\" with options parses them)" : "");
	lua_pop(L, 1);
}

static int luaxt_register(lua_State *L, bool target)
{
	static const char *const fns[] = {"help", "init", "final_check", "print", "save", "xlate", NULL};
	const char *const *fn;
	lua_Integer revision, family;
	const char *encoding = "string";

	luaL_checktype(L, 1, LUA_TTABLE);
	if (lua_rawgetp(L, LUA_REGISTRYINDEX, &luaxt_descrkey) != LUA_TNIL)
		return luaL_error(L, "one luaxt.match or luaxt.target per plugin");
	lua_pop(L, 1);
	luaxt_checkfields(1, luaxt_fields, target ? "luaxt.target" : "luaxt.match");
	lua_getfield(L, 1, "revision");
	if (!lua_isinteger(L, -1))
		return luaL_error(L, "'revision' must be an integer (as the kernel script registered)");
	lua_getfield(L, 1, "family");
	if (!lua_isinteger(L, -1))
		return luaL_error(L, "'family' must be a luaxt.family (as the kernel script registered)");
	revision = lua_tointeger(L, -2);
	family = lua_tointeger(L, -1);
	lua_pop(L, 2);
	if (revision < 0 || revision > 255)
		return luaL_error(L, "revision %d out of range", (int)revision);
	if (family < 0 || family >= NFPROTO_NUMPROTO)
		return luaL_error(L, "family %d out of range", (int)family);
	if (lua_getfield(L, 1, "encoding") != LUA_TNIL) {
		encoding = lua_tostring(L, -1);
		if (!encoding || (strcmp(encoding, "string") && strcmp(encoding, "typed")))
			return luaL_error(L, "'encoding' must be \"string\" or \"typed\"");
	}
	lua_pop(L, 1);
	luaxt_typed = !strcmp(encoding, "typed");
	luaxt_checkoptions(1);
	for (fn = fns; *fn; fn++)
		luaxt_checkfunction(1, *fn, false);
	luaxt_checkfunction(1, "parse", !luaxt_typed && luaxt_options[0].name);
	lua_pushvalue(L, 1);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &luaxt_descrkey);

	luaxt_target = target;
#ifndef LUAXT_CHECK
	if (target) {
		luaxt_target_reg.revision = revision;
		luaxt_target_reg.family = family;
		if (lua_getfield(L, 1, "xlate") == LUA_TFUNCTION)
			luaxt_target_reg.xlate = luaxt_tg_xlate;
	} else {
		luaxt_match_reg.revision = revision;
		luaxt_match_reg.family = family;
		if (lua_getfield(L, 1, "xlate") == LUA_TFUNCTION)
			luaxt_match_reg.xlate = luaxt_mt_xlate;
	}
	lua_pop(L, 1);
#endif
	return 0;
}

static int luaxt_lmatch(lua_State *L)
{
	return luaxt_register(L, false);
}

static int luaxt_ltarget(lua_State *L)
{
	return luaxt_register(L, true);
}

static const struct {
	const char *name;
	lua_Integer value;
} luaxt_families[] = {
	{"UNSPEC", NFPROTO_UNSPEC},
	{"INET", NFPROTO_INET},
	{"IPV4", NFPROTO_IPV4},
	{"IPV6", NFPROTO_IPV6},
	{"ARP", NFPROTO_ARP},
	{"NETDEV", NFPROTO_NETDEV},
	{"BRIDGE", NFPROTO_BRIDGE},
};

static int luaopen_luaxt(lua_State *L)
{
	static const luaL_Reg funcs[] = {
		{"match", luaxt_lmatch},
		{"target", luaxt_ltarget},
		{"ntop", luaxt_ntop},
		{NULL, NULL}
	};
	size_t i;

	luaL_newlib(L, funcs);
	lua_newtable(L);
	for (i = 0; i < sizeof(luaxt_families) / sizeof(luaxt_families[0]); i++) {
		lua_pushinteger(L, luaxt_families[i].value);
		lua_setfield(L, -2, luaxt_families[i].name);
	}
	lua_setfield(L, -2, "family");
	return 1;
}

/* Runs the description; returns its error, or NULL. */
static const char *luaxt_run(void)
{
	L = luaL_newstate();
	if (!L)
		return "cannot create a Lua state";
	luaL_openlibs(L);
	luaL_requiref(L, "luaxt", luaopen_luaxt, 0);
	lua_pop(L, 1);
	if (luaL_loadbuffer(L, luaxt_script, sizeof(luaxt_script) - 1,
			    "=libxt_" LUAXT_NAME ".lua") != LUA_OK ||
	    lua_pcall(L, 0, 0, 0) != LUA_OK)
		return lua_tostring(L, -1);
	if (lua_rawgetp(L, LUA_REGISTRYINDEX, &luaxt_descrkey) == LUA_TNIL)
		return "libxt_" LUAXT_NAME ".lua calls neither luaxt.match nor luaxt.target";
	lua_pop(L, 1);
	return NULL;
}

#ifdef LUAXT_CHECK
/* The build's check of the description: Lua's message, with the line, and status 1. */
int main(void)
{
	const char *err = luaxt_run();

	/* What the plugin registers; the checker only runs the description. */
	(void)luaxt_match_reg;
	(void)luaxt_target_reg;
	(void)luaxt_mt_xlate;
	(void)luaxt_tg_xlate;
	if (err) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	return 0;
}
#else
static void __attribute__((constructor)) luaxt_load(void)
{
	const char *err = luaxt_run();

	if (err) {
		/* iptables then says it cannot load the extension. */
		fprintf(stderr, "%s: %s\n", LUAXT_NAME, err);
		if (L)
			lua_close(L);
		L = NULL;
		return;
	}
	/* Registered only once the whole description ran: an error closes the state. */
	if (luaxt_target)
		xtables_register_target(&luaxt_target_reg);
	else
		xtables_register_match(&luaxt_match_reg);
}
#endif
