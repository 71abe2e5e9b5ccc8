/* SPDX-License-Identifier: GPL-2.0 */
/* What the linux library shares with other libraries of the tree. */
#ifndef LUALINUX_H
#define LUALINUX_H

#include "lunatik.h"

/* hton16 ... le64toh: linux's byte-order functions, also require("byteorder"). */
extern const luaL_Reg lualinux_byteorder[];

#endif
