/* SPDX-License-Identifier: GPL-2.0 */
/* libc <ctype.h> for the C locale: ASCII only (the kernel's table is Latin-1). */
#ifndef LUAK_CTYPE_H
#define LUAK_CTYPE_H
static inline int luak_isupper(int c) { return c >= 'A' && c <= 'Z'; }
static inline int luak_islower(int c) { return c >= 'a' && c <= 'z'; }
static inline int luak_isalpha(int c) { return luak_isupper(c) || luak_islower(c); }
static inline int luak_isdigit(int c) { return c >= '0' && c <= '9'; }
static inline int luak_isalnum(int c) { return luak_isalpha(c) || luak_isdigit(c); }
static inline int luak_isxdigit(int c)
{
	return luak_isdigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
static inline int luak_isspace(int c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
static inline int luak_iscntrl(int c) { return (c >= 0 && c < 32) || c == 127; }
static inline int luak_isprint(int c) { return c >= 32 && c < 127; }
static inline int luak_isgraph(int c) { return c > 32 && c < 127; }
static inline int luak_ispunct(int c) { return luak_isgraph(c) && !luak_isalnum(c); }
static inline int luak_tolower(int c) { return luak_isupper(c) ? c + 32 : c; }
static inline int luak_toupper(int c) { return luak_islower(c) ? c - 32 : c; }
#define isupper luak_isupper
#define islower luak_islower
#define isalpha luak_isalpha
#define isdigit luak_isdigit
#define isalnum luak_isalnum
#define isxdigit luak_isxdigit
#define isspace luak_isspace
#define iscntrl luak_iscntrl
#define isprint luak_isprint
#define isgraph luak_isgraph
#define ispunct luak_ispunct
#define tolower luak_tolower
#define toupper luak_toupper
#endif
