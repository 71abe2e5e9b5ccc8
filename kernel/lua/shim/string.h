/* SPDX-License-Identifier: GPL-2.0 */
/* libc <string.h>: prototypes only; the kernel's own header drags in panic() and current. */
#ifndef LUAK_STRING_H
#define LUAK_STRING_H
#include <linux/types.h>
void *memcpy(void *, const void *, size_t);
void *memmove(void *, const void *, size_t);
void *memset(void *, int, size_t);
int memcmp(const void *, const void *, size_t);
void *memchr(const void *, int, size_t);
size_t strlen(const char *);
int strcmp(const char *, const char *);
int strncmp(const char *, const char *, size_t);
char *strcpy(char *, const char *);
char *strchr(const char *, int);
char *strpbrk(const char *, const char *);
size_t strspn(const char *, const char *);
char *strstr(const char *, const char *);
/* The kernel has no locales: collate by bytes. */
#define strcoll(a, b)	strcmp(a, b)
#endif
