// SPDX-License-Identifier: GPL-2.0
/*
 * require("linux"): a few kernel facilities for scripts (random numbers,
 * sleeping, the time, byte order) and tables of kernel constants (stat
 * modes, task states, errno values).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/jiffies.h>
#include <linux/timekeeping.h>
#include <linux/stat.h>
#include <linux/errno.h>
#include <asm/byteorder.h>

#include "lunatik.h"
#include "lualinux.h"

/* Uniform in [0, bound - 1], bound > 0, without the bias of a bare modulo. */
static u64 lualinux_random_below(u64 bound)
{
	/* 2^64 mod bound: drawing below it would favour the small results. */
	u64 threshold = -bound % bound;
	u64 r;

	do {
		r = get_random_u64();
	} while (r < threshold);
	return r % bound;
}

/*
 * linux.random() has all 64 bits random; linux.random(m, n) is uniform in
 * [m, n] and linux.random(n) is linux.random(1, n), as math.random.
 */
static int lualinux_random(lua_State *L)
{
	lua_Integer low, up;
	u64 span;

	switch (lua_gettop(L)) {
	case 0:
		lua_pushinteger(L, (lua_Integer)get_random_u64());
		return 1;
	case 1:
		low = 1;
		up = luaL_checkinteger(L, 1);
		break;
	case 2:
		low = luaL_checkinteger(L, 1);
		up = luaL_checkinteger(L, 2);
		break;
	default:
		return luaL_error(L, "wrong number of arguments");
	}
	luaL_argcheck(L, low <= up, lua_gettop(L), "interval is empty");

	/* up - low in two's complement is exact even across the whole range. */
	span = (u64)up - (u64)low;
	if (span == U64_MAX)
		lua_pushinteger(L, (lua_Integer)get_random_u64());
	else
		lua_pushinteger(L, (lua_Integer)((u64)low + lualinux_random_below(span + 1)));
	return 1;
}

/*
 * linux.schedule([ms [, state]]) sleeps in the given task state until ms
 * have passed (forever when ms is omitted) or the task is woken, and
 * returns the milliseconds left (math.maxinteger after an endless sleep).
 * ms beyond U32_MAX (49 days) is clamped to it.
 */
static int lualinux_schedule(lua_State *L)
{
	long timeout = MAX_SCHEDULE_TIMEOUT;
	lua_Integer state;
	long left;

	if (!lua_isnoneornil(L, 1)) {
		lua_Integer ms = lunatik_checkrange(L, 1, 0, LUA_MAXINTEGER);

		timeout = msecs_to_jiffies((unsigned int)min_t(lua_Integer, ms, U32_MAX));
	}
	state = luaL_optinteger(L, 2, TASK_INTERRUPTIBLE);
	/* RUNNING only yields the CPU; the others are the ways to sleep. */
	luaL_argcheck(L, state == TASK_RUNNING || state == TASK_INTERRUPTIBLE ||
		      state == TASK_UNINTERRUPTIBLE || state == TASK_KILLABLE ||
		      state == TASK_IDLE, 2, "invalid task state");
	if (!lunatik_sleepable(L))
		return luaL_error(L, "linux.schedule: cannot sleep in a non-sleepable runtime");

	/* Nothing below can raise, so no Lua error leaves the task asleep. */
	set_current_state((unsigned int)state);
	left = schedule_timeout(timeout);
	if (left == MAX_SCHEDULE_TIMEOUT)
		lua_pushinteger(L, LUA_MAXINTEGER);
	else
		lua_pushinteger(L, (lua_Integer)jiffies64_to_msecs((u64)left));
	return 1;
}

/* linux.time(): nanoseconds since the epoch. */
static int lualinux_time(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)ktime_get_real_ns());
	return 1;
}

/*
 * Byte order: the argument's low bits are converted, so 16 and 32-bit
 * results are unsigned and in range; 64-bit ones are the bit pattern as a
 * Lua integer (and round-trip). The byteorder library registers the same
 * table (lualinux.h).
 */
#define LUALINUX_BYTEORDER(name, type, conv)			\
static int lualinux_##name(lua_State *L)				\
{									\
	type v = (type)luaL_checkinteger(L, 1);				\
									\
	lua_pushinteger(L, (lua_Integer)(type)conv(v));			\
	return 1;							\
}

LUALINUX_BYTEORDER(hton16, u16, cpu_to_be16)
LUALINUX_BYTEORDER(hton32, u32, cpu_to_be32)
LUALINUX_BYTEORDER(hton64, u64, cpu_to_be64)
LUALINUX_BYTEORDER(ntoh16, u16, be16_to_cpu)
LUALINUX_BYTEORDER(ntoh32, u32, be32_to_cpu)
LUALINUX_BYTEORDER(ntoh64, u64, be64_to_cpu)
LUALINUX_BYTEORDER(htole16, u16, cpu_to_le16)
LUALINUX_BYTEORDER(htole32, u32, cpu_to_le32)
LUALINUX_BYTEORDER(htole64, u64, cpu_to_le64)
LUALINUX_BYTEORDER(le16toh, u16, le16_to_cpu)
LUALINUX_BYTEORDER(le32toh, u32, le32_to_cpu)
LUALINUX_BYTEORDER(le64toh, u64, le64_to_cpu)

const luaL_Reg lualinux_byteorder[] = {
	{"hton16", lualinux_hton16},
	{"hton32", lualinux_hton32},
	{"hton64", lualinux_hton64},
	{"ntoh16", lualinux_ntoh16},
	{"ntoh32", lualinux_ntoh32},
	{"ntoh64", lualinux_ntoh64},
	/* htobe* and be*toh are the network order ones under other names. */
	{"htobe16", lualinux_hton16},
	{"htobe32", lualinux_hton32},
	{"htobe64", lualinux_hton64},
	{"be16toh", lualinux_ntoh16},
	{"be32toh", lualinux_ntoh32},
	{"be64toh", lualinux_ntoh64},
	{"htole16", lualinux_htole16},
	{"htole32", lualinux_htole32},
	{"htole64", lualinux_htole64},
	{"le16toh", lualinux_le16toh},
	{"le32toh", lualinux_le32toh},
	{"le64toh", lualinux_le64toh},
	{NULL, NULL}
};
EXPORT_SYMBOL_GPL(lualinux_byteorder);

static const luaL_Reg lualinux_lib[] = {
	{"random", lualinux_random},
	{"schedule", lualinux_schedule},
	{"time", lualinux_time},
	{NULL, NULL}
};

static const lunatik_reg_t lualinux_stat[] = {
	{"IRWXUGO", S_IRWXUGO},
	{"IALLUGO", S_IALLUGO},
	{"IRUGO", S_IRUGO},
	{"IWUGO", S_IWUGO},
	{"IXUGO", S_IXUGO},
	{"IRWXU", S_IRWXU},
	{"IRUSR", S_IRUSR},
	{"IWUSR", S_IWUSR},
	{"IXUSR", S_IXUSR},
	{"IRWXG", S_IRWXG},
	{"IRGRP", S_IRGRP},
	{"IWGRP", S_IWGRP},
	{"IXGRP", S_IXGRP},
	{"IRWXO", S_IRWXO},
	{"IROTH", S_IROTH},
	{"IWOTH", S_IWOTH},
	{"IXOTH", S_IXOTH},
	{"ISUID", S_ISUID},
	{"ISGID", S_ISGID},
	{"ISVTX", S_ISVTX},
	{NULL, 0}
};

static const lunatik_reg_t lualinux_task[] = {
	{"RUNNING", TASK_RUNNING},
	{"INTERRUPTIBLE", TASK_INTERRUPTIBLE},
	{"UNINTERRUPTIBLE", TASK_UNINTERRUPTIBLE},
	{"KILLABLE", TASK_KILLABLE},
	{"IDLE", TASK_IDLE},
	{NULL, 0}
};

/* <uapi/asm-generic/errno-base.h>, positive as there. */
static const lunatik_reg_t lualinux_errno[] = {
	{"PERM", EPERM},
	{"NOENT", ENOENT},
	{"SRCH", ESRCH},
	{"INTR", EINTR},
	{"IO", EIO},
	{"NXIO", ENXIO},
	{"2BIG", E2BIG},
	{"NOEXEC", ENOEXEC},
	{"BADF", EBADF},
	{"CHILD", ECHILD},
	{"AGAIN", EAGAIN},
	{"NOMEM", ENOMEM},
	{"ACCES", EACCES},
	{"FAULT", EFAULT},
	{"NOTBLK", ENOTBLK},
	{"BUSY", EBUSY},
	{"EXIST", EEXIST},
	{"XDEV", EXDEV},
	{"NODEV", ENODEV},
	{"NOTDIR", ENOTDIR},
	{"ISDIR", EISDIR},
	{"INVAL", EINVAL},
	{"NFILE", ENFILE},
	{"MFILE", EMFILE},
	{"NOTTY", ENOTTY},
	{"TXTBSY", ETXTBSY},
	{"FBIG", EFBIG},
	{"NOSPC", ENOSPC},
	{"SPIPE", ESPIPE},
	{"ROFS", EROFS},
	{"MLINK", EMLINK},
	{"PIPE", EPIPE},
	{"DOM", EDOM},
	{"RANGE", ERANGE},
	{NULL, 0}
};

static int luaopen_linux(lua_State *L)
{
	int lib;

	luaL_newlib(L, lualinux_lib);
	lib = lua_absindex(L, -1);
	luaL_setfuncs(L, lualinux_byteorder, 0);
	lunatik_setconsts(L, lib, "stat", lualinux_stat);
	lunatik_setconsts(L, lib, "task", lualinux_task);
	lunatik_setconsts(L, lib, "errno", lualinux_errno);
	return 1;
}

LUNATIK_LIB_MODULE(linux, luaopen_linux, false);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Lunatik library: linux (random, schedule, time, byte order, constants)");
