/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel modules of Lunatik, in the order `lunatik load` inserts them;
 * `lunatik unload` removes them in reverse. Append new libraries just
 * before "lunatik_run", which must stay last: it creates /dev/lunatik, so
 * the device appearing means that every library is in.
 */
#ifndef LUNATIK_MODULES_H
#define LUNATIK_MODULES_H

static const char *const lunatik_modules[] = {
	"lunatik",
	"lualinux",
	"luadata",
	"luanetfilter",
	"luaxtable",
	"luathread",
	"luabyteorder",
	"luacompletion",
	"luafifo",
	"luarcu",
	"luadevice",
	"luasocket",
	"luanotifier",
	"luafib",
	"luaprobe",
	"luasyscall",
	"luaset",
	"luaxdp",
	"lunatik_run",
};

#define LUNATIK_NMODULES	(sizeof(lunatik_modules) / sizeof(lunatik_modules[0]))

#endif
