/* SPDX-License-Identifier: GPL-2.0 */
/* libc <stdarg.h>. */
#ifndef LUAK_STDARG_H
#define LUAK_STDARG_H
#include <linux/stdarg.h>
#endif
