// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target of luaxt (luaxt/luaxt.c): the description a plugin embeds
 * (libxt_<name>.lua) and the rule options iptables hands it.
 *
 *   fuzz-luaxt GENERATOR.lua SEED SECONDS
 *
 * luaxt.c is compiled into this harness (built with ASan and UBSan) as it
 * is into a plugin, except that luaxt_load() loads the description the
 * generator (fuzz-luaxt.lua) returns instead of the embedded one. Each case
 * loads a description, then, when it registered an extension, drives its
 * callbacks the way iptables does: help, init, parse of each option (with
 * libxtables' own option parsing), final_check, print, save, xlate. A
 * parameter problem (xtables_error) ends the case as it ends iptables.
 * The contract: no crash or sanitizer report, every error is a message,
 * and the blob keeps argslen <= 256 with zeros after the arguments.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <time.h>
#include <lauxlib.h>

/* What luaxt_load() loads: the case's description, not an embedded one. */
static const char *fuzz_src = "require('luaxt').match{}";
static size_t fuzz_len = 24;
#undef luaL_loadbuffer
#define luaL_loadbuffer(L, s, sz, n)	luaL_loadbufferx(L, fuzz_src, fuzz_len, n, "t")

#define LUAXT_NAME "fuzz"
static const char luaxt_script[] __attribute__((unused)) = "";
#include "luaxt.c"

static struct xtables_match *fuzz_match;
static struct xtables_target *fuzz_target;
static jmp_buf fuzz_exit;
static char fuzz_error[512];
static unsigned long fuzz_problems;

/* libxtables' registration, as iptables would keep the plugin. */
void xtables_register_match(struct xtables_match *me)
{
	fuzz_match = me;
}

void xtables_register_target(struct xtables_target *me)
{
	fuzz_target = me;
}

static void __attribute__((noreturn, format(printf, 2, 3)))
fuzz_exit_err(enum xtables_exittype status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fuzz_error, sizeof(fuzz_error), fmt, ap);
	va_end(ap);
	fuzz_problems++;
	longjmp(fuzz_exit, 1);
}

static struct xtables_globals fuzz_globals = {
	.program_name = "fuzz-luaxt",
	.program_version = "0",
	.exit_err = fuzz_exit_err,
};

static void fuzz_fail(const char *why, const char *src)
{
	fprintf(stderr, "FAIL %s\n--- description:\n%s\n", why, src);
	exit(1);
}

/*
 * The blob as the kernel would check it: luaxt's encoding well formed
 * (header, payload in range, zeros after it), the kernel word left 0.
 */
static void fuzz_checkblob(const struct luaxtable_info *info, const char *src)
{
	const struct luaxtable_header *h = (const struct luaxtable_header *)info->userargs;
	size_t i, len;

	if (info->kernel)
		fuzz_fail("the kernel-private word is set", src);
	if (memcmp(h->magic, LUAXTABLE_MAGIC, sizeof(h->magic)))
		fuzz_fail("no luaxt header", src);
	len = ntohs(h->len);
	if (h->version != LUAXTABLE_VERSION || len > LUAXTABLE_PAYLOAD_MAX ||
	    (h->form != LUAXTABLE_FORM_STRING && h->form != LUAXTABLE_FORM_TYPED))
		fuzz_fail("a malformed luaxt header", src);
	for (i = sizeof(*h) + len; i < LUAXTABLE_ARGS_MAX; i++)
		if (info->userargs[i])
			fuzz_fail("bytes after the arguments are not zero", src);
}

/* The generator's case: at -1 a table {src =, actions = {{what, ...}, ...}}. */
static void fuzz_case(lua_State *G)
{
	static union {
		struct xt_entry_match m;
		unsigned char raw[XT_ALIGN(sizeof(struct xt_entry_match)) +
				  XT_ALIGN(sizeof(struct luaxtable_info))];
	} blob;
	struct luaxtable_info *info = (struct luaxtable_info *)blob.m.data;
	volatile unsigned int xflags = 0;
	int top = lua_gettop(G);
	int i, n;

	lua_getfield(G, -1, "src");
	fuzz_src = lua_tolstring(G, -1, &fuzz_len);
	lua_pop(G, 1);
	/* A fresh plugin, as a fresh iptables process would load it. */
	if (L)
		lua_close(L);
	L = NULL;
	memset(luaxt_options, 0, sizeof(luaxt_options));
	luaxt_match_reg.xlate = NULL;
	luaxt_target_reg.xlate = NULL;
	fuzz_match = NULL;
	fuzz_target = NULL;
	luaxt_load();
	if (!fuzz_match && !fuzz_target)
		return;
	if (!L)
		fuzz_fail("registered, then the state went away", fuzz_src);
	memset(&blob, 0, sizeof(blob));
	if (setjmp(fuzz_exit)) {
		lua_settop(G, top);
		if (!fuzz_error[0])
			fuzz_fail("a parameter problem without a message", fuzz_src);
		return;
	}
	lua_getfield(G, -1, "actions");
	n = (int)lua_rawlen(G, -1);
	for (i = 1; i <= n; i++) {
		const char *what;

		fuzz_error[0] = '\0';
		lua_rawgeti(G, -1, i);
		lua_rawgeti(G, -1, 1);
		what = lua_tostring(G, -1);
		lua_pop(G, 1);
		if (!strcmp(what, "help")) {
			luaxt_help();
		} else if (!strcmp(what, "init")) {
			luaxt_init(info);
			xflags = 0;
			fuzz_checkblob(info, fuzz_src);
		} else if (!strcmp(what, "parse")) {
			struct xt_option_call cb = {0};
			int opt, nopts = 0;

			while (luaxt_options[nopts].name)
				nopts++;
			if (!nopts)
				goto next;
			lua_rawgeti(G, -1, 2);
			opt = (int)(lua_tointeger(G, -1) % nopts);
			lua_rawgeti(G, -2, 3);
			cb.arg = lua_tostring(G, -1);
			lua_rawgeti(G, -3, 4);
			cb.invert = lua_toboolean(G, -1);
			cb.ext_name = LUAXT_NAME;
			cb.entry = &luaxt_options[opt];
			cb.data = info;
			cb.xflags = xflags;
			/* as xtables_option_mpcall: --opt needs a value unless its type is none */
			if (cb.entry->type == XTTYPE_NONE)
				cb.arg = NULL;
			else if (!cb.arg)
				cb.arg = "";
			luaxt_parse(&cb);
			xflags = cb.xflags;
			lua_pop(G, 3);
			fuzz_checkblob(info, fuzz_src);
		} else if (!strcmp(what, "final")) {
			struct xt_fcheck_call cb = {.ext_name = LUAXT_NAME, .data = info, .xflags = xflags};

			luaxt_final_check(&cb);
		} else if (!strcmp(what, "blob")) {
			/*
			 * What the kernel hands back: any 256 bytes (a plugin of
			 * Lunatik's writes plain strings), here with a luaxt header
			 * whose length may lie when the third field asks for one.
			 */
			const char *args;
			size_t len;

			lua_rawgeti(G, -1, 2);
			args = lua_tolstring(G, -1, &len);
			memset(info, 0, sizeof(*info));
			lua_rawgeti(G, -2, 3);
			if (lua_tointeger(G, -1) & 1) {
				struct luaxtable_header *h = (struct luaxtable_header *)info->userargs;

				memcpy(h->magic, LUAXTABLE_MAGIC, sizeof(h->magic));
				h->version = LUAXTABLE_VERSION;
				h->form = (lua_tointeger(G, -1) >> 1) & 1;
				h->len = htons((uint16_t)lua_tointeger(G, -1));
				len = len < LUAXTABLE_PAYLOAD_MAX ? len : LUAXTABLE_PAYLOAD_MAX;
				memcpy(h + 1, args, len);
			} else {
				memcpy(info->userargs, args, len < LUAXTABLE_ARGS_MAX ? len : LUAXTABLE_ARGS_MAX);
			}
			lua_pop(G, 2);
		} else if (!strcmp(what, "print")) {
			luaxt_mt_print(NULL, &blob.m, 0);
			luaxt_tg_print(NULL, (struct xt_entry_target *)&blob.m, 1);
		} else if (!strcmp(what, "save")) {
			luaxt_mt_save(NULL, &blob.m);
		} else if (!strcmp(what, "xlate")) {
			struct xt_xlate *xl = xt_xlate_alloc(10240);

			luaxt_xlate(xl, info);
			xt_xlate_free(xl);
		}
next:
		lua_pop(G, 1);
	}
	lua_pop(G, 1);
}

int main(int argc, char **argv)
{
	lua_State *G;
	unsigned long cases = 0;
	time_t end;
	long seconds;

	if (argc != 4) {
		fprintf(stderr, "usage: fuzz-luaxt GENERATOR.lua SEED SECONDS\n");
		return 2;
	}
	seconds = atol(argv[3]);
	end = time(NULL) + seconds;
	xt_params = &fuzz_globals;
	/* iptables prints help, rules and saves on stdout: not wanted here. */
	if (!freopen("/dev/null", "w", stdout))
		return 1;
	G = luaL_newstate();
	luaL_openlibs(G);
	if (luaL_dofile(G, argv[1]) != LUA_OK) {
		fprintf(stderr, "%s\n", lua_tostring(G, -1));
		return 1;
	}
	/* the generator: next(seed) -> case, or nil when the fixed-seed part is done */
	lua_pushinteger(G, atol(argv[2]));
	if (lua_pcall(G, 1, 1, 0) != LUA_OK) {
		fprintf(stderr, "%s\n", lua_tostring(G, -1));
		return 1;
	}
	while (time(NULL) < end) {
		lua_pushvalue(G, -1);
		if (lua_pcall(G, 0, 1, 0) != LUA_OK) {
			fprintf(stderr, "generator: %s\n", lua_tostring(G, -1));
			return 1;
		}
		fuzz_case(G);
		lua_pop(G, 1);
		cases++;
	}
	if (L)
		lua_close(L);
	lua_close(G);
	fprintf(stderr, "luaxt fuzz: %lu descriptions, %lu parameter problems, no breach\n",
		cases, fuzz_problems);
	return 0;
}
