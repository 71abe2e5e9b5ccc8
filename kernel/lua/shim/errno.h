/* SPDX-License-Identifier: GPL-2.0 */
/* libc <errno.h>: the kernel has no errno variable. */
#ifndef LUAK_ERRNO_H
#define LUAK_ERRNO_H
#include <linux/errno.h>
#define errno		EOPNOTSUPP
#define strerror(e)	"not supported in the kernel"
#endif
