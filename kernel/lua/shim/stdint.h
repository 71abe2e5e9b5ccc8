/* SPDX-License-Identifier: GPL-2.0 */
/* libc <stdint.h>: Lua only needs the kernel's fixed-size types. */
#ifndef LUAK_STDINT_H
#define LUAK_STDINT_H
#include <linux/types.h>
#endif
