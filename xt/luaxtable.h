/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The rule blob of a Lua xtables match or target, shared by the kernel
 * (xt/luaxtable.c) and the userspace plugins (luaxt/).
 *
 * Binary-compatible with Lunatik's luaxtable_info_t: 256 bytes of
 * arguments at offset 0, then one 8-aligned pointer-sized word that only
 * the kernel writes (264 bytes in all, for 32- and 64-bit userspace).
 * Plugins built against Lunatik's header load and their rules work.
 * usersize (kernel) and userspacesize (plugin) stop before the private
 * word, so that iptables-save never shows it and iptables -D compares
 * rules by their arguments only.
 *
 * What the arguments hold is up to the plugin. A plugin of another
 * generator (Lunatik's) writes any 256 bytes, and the kernel script gets
 * them as one 256-byte string. Plugins built by luaxt start them with a
 * struct luaxtable_header, which says how the payload after it is
 * encoded; the rest of the 256 bytes is zero.
 */
#ifndef _LUAXTABLE_H
#define _LUAXTABLE_H

#include <linux/types.h>

#define LUAXTABLE_USERDATA_SIZE	256	/* Lunatik's name */
#define LUAXTABLE_ARGS_MAX	LUAXTABLE_USERDATA_SIZE

struct luaxtable_info {
	char userargs[LUAXTABLE_USERDATA_SIZE];
	/* Kernel-private: its per-rule state (set at checkentry); userspace leaves it 0. */
	__aligned_u64 kernel;
};

#define LUAXTABLE_USERSIZE	((unsigned long)&((struct luaxtable_info *)0)->kernel)

/*
 * luaxt's encoding of the arguments, version 1:
 *
 *   magic "\0lxt", version 1, form, payload length (big endian), payload
 *
 * form STRING: the payload is a string, given to the script as it is.
 * form TYPED: the payload is a table of named values, given to the script
 * as a Lua table: a sequence of entries "key value", where key is a length
 * byte and that many bytes, and value is a tag byte and its data:
 *
 *   'f' false    't' true    'i' 8 bytes, a signed integer, big endian
 *   's' a length byte and that many bytes (a string)
 *   'l' a count byte and that many values (a list, nested at most twice)
 */
#define LUAXTABLE_MAGIC		"\0lxt"
#define LUAXTABLE_VERSION	1

enum luaxtable_form {
	LUAXTABLE_FORM_STRING = 0,
	LUAXTABLE_FORM_TYPED = 1,
};

struct luaxtable_header {
	__u8 magic[4];
	__u8 version;
	__u8 form;
	__be16 len;
};

#define LUAXTABLE_PAYLOAD_MAX	(LUAXTABLE_ARGS_MAX - sizeof(struct luaxtable_header))
#define LUAXTABLE_DEPTH_MAX	3	/* the table of entries, a list, a list in it */

#endif
