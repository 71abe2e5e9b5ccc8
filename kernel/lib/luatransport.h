/* SPDX-License-Identifier: GPL-2.0 */
/* netfilter.transport (luatransport.c), which luanetfilter.ko's library table holds. */
#ifndef LUATRANSPORT_H
#define LUATRANSPORT_H

#include "lunatik.h"

int luatransport_locate(lua_State *L);

#endif
