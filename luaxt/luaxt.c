// SPDX-License-Identifier: GPL-2.0
/*
 * The luaxt library: an iptables/ip6tables extension (libxt_<name>.so)
 * whose behaviour a Lua description gives. The description is compiled
 * into the plugin (luaxt_script[], which embed.lua writes before this
 * file when usr/lib/xtable/Makefile compiles them), so the plugin does
 * not depend on iptables' working directory; LUAXT_NAME is its name.
 *
 * When libxtables loads the plugin, a Lua state runs the description,
 * which calls luaxt.match{...} or luaxt.target{...} once:
 *
 *   revision, family      as the kernel extension registered them
 *   options = {{name =, type = "string"|"uint"|"none", help =,
 *               invert =, multi =, required =}, ...}
 *   help()                prints help (the options are listed after it)
 *   init(par)             may set par.userargs (a string, at most 256 bytes)
 *   parse(par)            one option: par.option, par.value, par.invert,
 *                         par.userargs, par.flags; may set par.userargs and
 *                         par.flags; returns true when it took the option
 *   final_check(flags, seen)  raises to reject the rule; seen has bit i set
 *                         when option i + 1 was given
 *   print(userargs, numeric), save(userargs), xlate(userargs)
 *                         return the text to show (or write it themselves)
 *
 * Lua errors in parse and final_check are reported as libxtables
 * parameter problems: iptables prints them and exits with status 2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <xtables.h>
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

#include "luaxtable.h"

#ifndef LUAXT_NAME
#error "LUAXT_NAME must name the extension"
#endif

#define LUAXT_OPTIONS_MAX	32

/* The description, in its source form. */
static const char luaxt_script[];

static lua_State *L;
static bool luaxt_target;
/* par.flags of parse and the first argument of final_check, per rule. */
static lua_Integer luaxt_flags;
static struct xt_option_entry luaxt_options[LUAXT_OPTIONS_MAX + 1];
/* Registry keys: the description's table, and its options by id. */
static const char luaxt_optskey;
static const char luaxt_descrkey;
/* The option names libxtables points at, out of the description's reach. */
static const char luaxt_nameskey;

/* Pushes the description's callback name, or returns false if it has none. */
static bool luaxt_getfn(const char *name)
{
	lua_rawgetp(L, LUA_REGISTRYINDEX, &luaxt_descrkey);
	if (lua_getfield(L, -1, name) != LUA_TFUNCTION) {
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

static void luaxt_pushargs(const struct luaxtable_info *info)
{
	size_t len = info->argslen <= LUAXTABLE_ARGS_MAX ? info->argslen : LUAXTABLE_ARGS_MAX;

	lua_pushlstring(L, (const char *)info->args, len);
}

/* Takes par.userargs (at -1: par) into the blob. */
static void luaxt_setargs(struct luaxtable_info *info)
{
	const char *args;
	size_t len;

	if (lua_getfield(L, -1, "userargs") == LUA_TNIL) {
		lua_pop(L, 1);
		return;
	}
	args = lua_tolstring(L, -1, &len);
	if (!args)
		xtables_error(PARAMETER_PROBLEM, "%s: userargs must be a string", LUAXT_NAME);
	if (len > LUAXTABLE_ARGS_MAX)
		xtables_error(PARAMETER_PROBLEM, "%s: arguments take %zu bytes, more than %d",
			      LUAXT_NAME, len, LUAXTABLE_ARGS_MAX);
	memset(info->args, 0, sizeof(info->args));
	memcpy(info->args, args, len);
	info->argslen = len;
	lua_pop(L, 1);
}

static void luaxt_help(void)
{
	const struct xt_option_entry *o;

	if (luaxt_getfn("help"))
		luaxt_call("help", 0, 0);
	else
		printf("%s %s options:\n", LUAXT_NAME, luaxt_target ? "target" : "match");
	lua_rawgetp(L, LUA_REGISTRYINDEX, &luaxt_optskey);
	for (o = luaxt_options; o->name; o++) {
		const char *help = NULL;

		if (lua_rawgeti(L, -1, o->id + 1) == LUA_TTABLE) {
			lua_getfield(L, -1, "help");
			help = lua_tostring(L, -1);
			lua_pop(L, 1);
		}
		printf("%s--%s%s\t%s\n", o->flags & XTOPT_INVERT ? "[!] " : "", o->name,
		       o->type == XTTYPE_NONE ? "" : " value", help ? help : "");
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	fflush(stdout);
}

static void luaxt_init(struct luaxtable_info *info)
{
	memset(info, 0, sizeof(*info));
	luaxt_flags = 0;
	if (!luaxt_getfn("init"))
		return;
	lua_newtable(L);
	lua_pushvalue(L, -1);
	lua_insert(L, -3);	/* par, fn, par */
	luaxt_call("init", 1, 0);
	luaxt_setargs(info);
	lua_pop(L, 1);
}

static void luaxt_mt_init(struct xt_entry_match *m)
{
	luaxt_init((struct luaxtable_info *)m->data);
}

static void luaxt_tg_init(struct xt_entry_target *t)
{
	luaxt_init((struct luaxtable_info *)t->data);
}

static void luaxt_parse(struct xt_option_call *cb)
{
	struct luaxtable_info *info = cb->data;

	xtables_option_parse(cb);
	if (!luaxt_getfn("parse"))
		xtables_error(PARAMETER_PROBLEM, "%s: no parse function for --%s",
			      LUAXT_NAME, cb->entry->name);
	lua_newtable(L);
	lua_pushstring(L, cb->entry->name);
	lua_setfield(L, -2, "option");
	switch (cb->entry->type) {
	case XTTYPE_UINT32:
		lua_pushinteger(L, cb->val.u32);
		break;
	case XTTYPE_NONE:
		lua_pushboolean(L, 1);
		break;
	default:
		lua_pushstring(L, cb->arg);
		break;
	}
	lua_setfield(L, -2, "value");
	lua_pushboolean(L, cb->invert);
	lua_setfield(L, -2, "invert");
	luaxt_pushargs(info);
	lua_setfield(L, -2, "userargs");
	lua_pushinteger(L, luaxt_flags);
	lua_setfield(L, -2, "flags");
	lua_pushvalue(L, -1);
	lua_insert(L, -3);	/* par, fn, par */
	luaxt_call("parse", 1, 1);
	if (!lua_toboolean(L, -1))
		xtables_error(PARAMETER_PROBLEM, "%s: cannot take --%s", LUAXT_NAME,
			      cb->entry->name);
	lua_pop(L, 1);
	luaxt_setargs(info);
	if (lua_getfield(L, -1, "flags") == LUA_TNUMBER)
		luaxt_flags = lua_tointeger(L, -1);
	lua_pop(L, 2);
}

static void luaxt_final_check(struct xt_fcheck_call *cb)
{
	if (!luaxt_getfn("final_check"))
		return;
	lua_pushinteger(L, luaxt_flags);
	lua_pushinteger(L, cb->xflags);
	luaxt_call("final_check", 2, 0);
}

/* Calls name(userargs, ...) and prints what it returns, after a space. */
static void luaxt_show(const char *name, const struct luaxtable_info *info, int numeric,
		       bool withnumeric)
{
	const char *text;

	if (!luaxt_getfn(name))
		return;
	luaxt_pushargs(info);
	if (withnumeric)
		lua_pushboolean(L, numeric);
	luaxt_call(name, withnumeric ? 2 : 1, 1);
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

/* xlate(userargs) returns the nft text, or nothing when there is none. */
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
	ok = text != NULL;
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
};

static const struct {
	const char *name;
	enum xt_option_type type;
} luaxt_types[] = {
	{"string", XTTYPE_STRING},
	{"uint", XTTYPE_UINT32},
	{"none", XTTYPE_NONE},
};

static bool luaxt_flag(int ix, const char *field)
{
	bool on;

	lua_getfield(L, ix, field);
	on = lua_toboolean(L, -1);
	lua_pop(L, 1);
	return on;
}

/* Declares the options of the description (at ix) to libxtables. */
static void luaxt_checkoptions(int ix)
{
	int i, n;

	/* Nothing left of an earlier call that raised halfway (and was caught). */
	memset(luaxt_options, 0, sizeof(luaxt_options));
	if (lua_getfield(L, ix, "options") == LUA_TNIL) {
		lua_pop(L, 1);
		lua_newtable(L);
	}
	luaL_checktype(L, -1, LUA_TTABLE);
	n = (int)luaL_len(L, -1);
	if (n > LUAXT_OPTIONS_MAX)
		luaL_error(L, "at most %d options", LUAXT_OPTIONS_MAX);
	lua_createtable(L, n > 0 ? n : 0, 0);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &luaxt_nameskey);
	for (i = 0; i < n; i++) {
		struct xt_option_entry *o = &luaxt_options[i];
		const char *type = "string";
		size_t t;

		lua_rawgeti(L, -1, i + 1);
		luaL_checktype(L, -1, LUA_TTABLE);
		/* A string, not a number converted on the stack and then collected. */
		if (lua_getfield(L, -1, "name") != LUA_TSTRING || !*lua_tostring(L, -1))
			luaL_error(L, "option %d has no name", i + 1);
		o->name = lua_tostring(L, -1);
		lua_rawgetp(L, LUA_REGISTRYINDEX, &luaxt_nameskey);
		lua_insert(L, -2);
		lua_rawseti(L, -2, i + 1);	/* the name stays alive there */
		lua_pop(L, 1);
		lua_getfield(L, -1, "type");
		if (!lua_isnil(L, -1))
			type = luaL_checkstring(L, -1);
		for (t = 0; t < sizeof(luaxt_types) / sizeof(luaxt_types[0]); t++)
			if (!strcmp(type, luaxt_types[t].name))
				break;
		if (t == sizeof(luaxt_types) / sizeof(luaxt_types[0]))
			luaL_error(L, "option '%s': unknown type '%s'", o->name, type);
		lua_pop(L, 1);
		o->type = luaxt_types[t].type;
		o->id = i;
		o->flags = (luaxt_flag(-1, "invert") ? XTOPT_INVERT : 0) |
			   (luaxt_flag(-1, "multi") ? XTOPT_MULTI : 0) |
			   (luaxt_flag(-1, "required") ? XTOPT_MAND : 0);
		lua_pop(L, 1);
	}
	lua_rawsetp(L, LUA_REGISTRYINDEX, &luaxt_optskey);
}

static int luaxt_register(lua_State *L, bool target)
{
	lua_Integer revision, family;

	luaL_checktype(L, 1, LUA_TTABLE);
	if (lua_rawgetp(L, LUA_REGISTRYINDEX, &luaxt_descrkey) != LUA_TNIL)
		return luaL_error(L, "one luaxt.match or luaxt.target per plugin");
	lua_pop(L, 1);
	lua_getfield(L, 1, "revision");
	revision = luaL_optinteger(L, -1, 0);
	lua_getfield(L, 1, "family");
	family = luaL_optinteger(L, -1, NFPROTO_UNSPEC);
	lua_pop(L, 2);
	if (revision < 0 || revision > 255)
		return luaL_error(L, "revision %d out of range", (int)revision);
	if (family < 0 || family >= NFPROTO_NUMPROTO)
		return luaL_error(L, "family %d out of range", (int)family);
	luaxt_checkoptions(1);
	lua_pushvalue(L, 1);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &luaxt_descrkey);

	luaxt_target = target;
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

static void __attribute__((constructor)) luaxt_load(void)
{
	L = luaL_newstate();
	if (!L) {
		fprintf(stderr, "%s: cannot create a Lua state\n", LUAXT_NAME);
		return;
	}
	luaL_openlibs(L);
	luaL_requiref(L, "luaxt", luaopen_luaxt, 0);
	lua_pop(L, 1);
	if (luaL_loadbuffer(L, luaxt_script, sizeof(luaxt_script) - 1,
			    "=libxt_" LUAXT_NAME ".lua") != LUA_OK ||
	    lua_pcall(L, 0, 0, 0) != LUA_OK) {
		const char *msg = lua_tostring(L, -1);

		/* iptables then says it cannot load the extension. */
		fprintf(stderr, "%s: %s\n", LUAXT_NAME, msg ? msg : "error object is not a string");
		lua_close(L);
		L = NULL;
		return;
	}
	/* Registered only once the whole description ran: a later error closed the state. */
	if (lua_rawgetp(L, LUA_REGISTRYINDEX, &luaxt_descrkey) == LUA_TNIL)
		fprintf(stderr, "%s: libxt_%s.lua calls neither luaxt.match nor luaxt.target\n",
			LUAXT_NAME, LUAXT_NAME);
	else if (luaxt_target)
		xtables_register_target(&luaxt_target_reg);
	else
		xtables_register_match(&luaxt_match_reg);
	lua_pop(L, 1);
}
