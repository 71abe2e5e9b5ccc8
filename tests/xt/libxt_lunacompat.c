// SPDX-License-Identifier: GPL-2.0
/*
 * A test plugin written against Lunatik's rule blob (its luaxtable_info_t,
 * restated here rather than included): 256 bytes of arguments at offset 0,
 * then one 8-aligned pointer that only the kernel uses, 264 bytes. Its
 * arguments are a plain string (no luaxt header), as Lunatik's plugins
 * write them. userspacesize stops before the pointer, so that iptables -D
 * compares arguments only; save shows the pointer if the kernel ever let
 * it through ("--leak"), which the VM test looks for.
 *
 *   -m lunacompat --text TEXT
 */
#include <stdio.h>
#include <string.h>
#include <stddef.h>
#include <xtables.h>

struct lunacompat_info {
	char userargs[256];
	void *data __attribute__((aligned(8)));
};

enum { O_TEXT };

static const struct xt_option_entry lunacompat_opts[] = {
	{.name = "text", .id = O_TEXT, .type = XTTYPE_STRING, .min = 1, .max = 255,
	 .flags = XTOPT_MAND | XTOPT_PUT, XTOPT_POINTER(struct lunacompat_info, userargs)},
	XTOPT_TABLEEND,
};

static void lunacompat_help(void)
{
	printf("lunacompat match options:\n--text string               the arguments, as a plain string\n");
}

static void lunacompat_save(const void *ip, const struct xt_entry_match *m)
{
	const struct lunacompat_info *info = (const void *)m->data;

	printf(" --text");
	xtables_save_string(info->userargs);
	if (info->data)
		printf(" --leak %p", info->data);
}

static void lunacompat_print(const void *ip, const struct xt_entry_match *m, int numeric)
{
	printf(" lunacompat");
	lunacompat_save(ip, m);
}

static struct xtables_match lunacompat_reg = {
	.version = XTABLES_VERSION,
	.name = "lunacompat",
	.revision = 0,
	.family = NFPROTO_UNSPEC,
	.size = XT_ALIGN(sizeof(struct lunacompat_info)),
	.userspacesize = offsetof(struct lunacompat_info, data),
	.help = lunacompat_help,
	.print = lunacompat_print,
	.save = lunacompat_save,
	.x6_parse = xtables_option_parse,
	.x6_options = lunacompat_opts,
};

static void __attribute__((constructor)) lunacompat_init(void)
{
	xtables_register_match(&lunacompat_reg);
}
