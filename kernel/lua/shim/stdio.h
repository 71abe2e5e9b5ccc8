/* SPDX-License-Identifier: GPL-2.0 */
/* libc <stdio.h>: snprintf and a read-only FILE over kernel files, so that luaL_loadfilex and require work unchanged (luak_libc.c). */
#ifndef LUAK_STDIO_H
#define LUAK_STDIO_H
#include <linux/types.h>
#include <linux/stdarg.h>

#include "../luak_libc.h"

#define BUFSIZ	256

int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define fopen(p, m)		luak_fopen(p, m)
#define freopen(p, m, f)	luak_freopen(p, m, f)
#define fclose(f)		luak_fclose(f)
#define getc(f)			luak_getc(f)
#define fread(b, s, n, f)	luak_fread(b, s, n, f)
#define feof(f)			luak_feof(f)
#define ferror(f)		luak_ferror(f)
/* There is no console stdin to read scripts from. */
#define stdin			((FILE *)NULL)
#endif
