/* SPDX-License-Identifier: GPL-2.0 */
/* The libc services of luak_libc.c, for the shims and for luak_conf.h. */
#ifndef LUAK_LIBC_H
#define LUAK_LIBC_H

#include <linux/types.h>

typedef struct luak_file FILE;
#define EOF	(-1)

void *luak_realloc(void *ptr, size_t size);
void luak_free(void *ptr);
void luak_abort(void);

FILE *luak_fopen(const char *path, const char *mode);
FILE *luak_freopen(const char *path, const char *mode, FILE *f);
int luak_fclose(FILE *f);
int luak_getc(FILE *f);
size_t luak_fread(void *buf, size_t size, size_t n, FILE *f);
int luak_feof(FILE *f);
int luak_ferror(FILE *f);

long long luak_ipow(void *L, long long a, long long b);
unsigned int luak_random(void);
void luak_writestring(const char *s, unsigned long l);
void luak_writeline(void);
void luak_writestringerror(const char *fmt, const char *p);

#endif
