/* SPDX-License-Identifier: GPL-2.0 */
/* libc <stddef.h> for Lua in the kernel. */
#ifndef LUAK_STDDEF_H
#define LUAK_STDDEF_H
#include <linux/stddef.h>
#include <linux/types.h>
#endif
