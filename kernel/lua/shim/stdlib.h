/* SPDX-License-Identifier: GPL-2.0 */
/* libc <stdlib.h>: the few calls Lua makes, mapped to luak_libc.c. */
#ifndef LUAK_STDLIB_H
#define LUAK_STDLIB_H
#include <linux/types.h>
#include "../luak_libc.h"

#define realloc(p, n)	luak_realloc(p, n)
#define free(p)		luak_free(p)
#define abort()		luak_abort()
#define abs(x)		__builtin_abs(x)
#define getenv(name)	((void)(name), (char *)NULL)
#define EXIT_SUCCESS	0
#define EXIT_FAILURE	1
#endif
