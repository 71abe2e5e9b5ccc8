/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The rule blob of a Lua xtables match or target, shared by the kernel
 * (xt/luaxtable.c) and the userspace plugins (luaxt/).
 *
 * The plugin writes the arguments; the kernel-private part follows them.
 * Both usersize (kernel) and userspacesize (plugin) are
 * LUAXTABLE_USERSIZE, so that iptables-save never shows the private part
 * and iptables -D compares rules by their arguments only. Changing this
 * layout needs a new revision of every extension.
 */
#ifndef _LUAXTABLE_H
#define _LUAXTABLE_H

#include <linux/types.h>

#define LUAXTABLE_ARGS_MAX	256

/* The kernel's view of a rule; userspace leaves it zeroed. */
struct luaxtable_private {
	__aligned_u64 ext;	/* struct luaxtable * bound at checkentry */
	__s32 argsref;		/* the interned args string in the script's registry */
	__u32 gen;		/* the binding argsref belongs to */
	__u32 kflags;		/* LUAXTABLE_KF_* */
	__u32 reserved;
};

#define LUAXTABLE_KF_NFT	1	/* the rule is in nf_tables (iptables-nft) */

struct luaxtable_info {
	__u16 argslen;		/* bytes of args in use; the rest is zero */
	__u16 flags;		/* none defined yet: must be 0 */
	__u8 args[LUAXTABLE_ARGS_MAX];
	struct luaxtable_private priv;	/* 8-aligned: same layout for 32-bit userspace */
};

#define LUAXTABLE_USERSIZE	((unsigned long)&((struct luaxtable_info *)0)->priv)

#endif
