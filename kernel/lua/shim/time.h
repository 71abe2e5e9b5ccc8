/* SPDX-License-Identifier: GPL-2.0 */
/* libc <time.h>: nothing; luak_conf.h replaces every use. */
