/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel configuration of Lua, included at the end of luaconf.h when
 * __KERNEL__ is defined (patches/0001). Search for "@@" in luaconf.h for
 * what each knob means; here we only say why we change it.
 */
#ifndef LUAK_CONF_H
#define LUAK_CONF_H

#include "luak_libc.h"

/* No FPU in the kernel: lua_Number is lua_Integer and the float subtype never exists. */
#undef LUA_NUMBER
#undef LUAI_UACNUMBER
#undef LUA_NUMBER_FRMLEN
#undef LUA_NUMBER_FMT
#undef l_floatatt
#undef l_mathop
#undef l_floor
#undef lua_str2number
#undef lua_strx2number
#undef lua_numbertointeger
#undef lua_number2strx
#define lua_number2strx(L, b, sz, f, n)	0	/* no %a: string.format rejects it */
#undef LUAI_MAXALIGN
#undef lua_getlocaledecpoint

#define LUA_NUMBER		long long
#define LUAI_UACNUMBER		long long
#define LUA_NUMBER_FRMLEN	"ll"
#define LUA_NUMBER_FMT		"%lld"
/* 64 mantissa bits: every integer "fits" a float, so comparisons stay integral. */
#define l_floatatt(n)		(LUAK_FLT_##n)
#define LUAK_FLT_MANT_DIG	64
#define LUAK_FLT_MAX_10_EXP	18
/* Any leftover use of a libm function fails to compile. */
#define l_mathop(op)		luak_no_float_##op
#define l_floor(x)		(x)
/* Decimal and hex floats are malformed numbers. */
#define lua_str2number(s, p)	(*(p) = (char *)(s), 0)
#define lua_strx2number(s, p)	(*(p) = (char *)(s), 0)
/* The stock macro overflows with an integer lua_Number and breaks every for loop. */
#define lua_numbertointeger(n, p)	(*(p) = (LUA_INTEGER)(n), 1)
#define lua_getlocaledecpoint()	'.'
#define LUAI_MAXALIGN		long long n; void *s; long l

/* '/' is floor division and raises on zero, as '//' does; '^' is integer power. */
#define luai_numdiv(L, a, b)	luaV_idiv(L, a, b)
#define luai_numidiv(L, a, b)	luaV_idiv(L, a, b)
#define luai_nummod(L, a, b, m)	((m) = luaV_mod(L, a, b))
#define luai_numpow(L, a, b)	luak_ipow(L, a, b)
#define l_hashfloat(n)		((int)((n) & 0x7fffffff))

/* Scripts live under /lib/modules/lua; C libraries come from loaded modules. */
#undef LUA_ROOT
#undef LUA_PATH_DEFAULT
#undef LUA_CPATH_DEFAULT
#define LUA_ROOT		"/lib/modules/lua/"
#define LUA_PATH_DEFAULT	LUA_ROOT "?.lua;" LUA_ROOT "?/init.lua"
#define LUA_CPATH_DEFAULT	""

/* Kernel stack frames: a luaL_Buffer must stay small (see the port notes). */
#undef LUAL_BUFFERSIZE
#define LUAL_BUFFERSIZE		256
/* Lua stack slots per state; memory is capped by the allocator too. */
#undef LUAI_MAXSTACK
#define LUAI_MAXSTACK		100000

/* Calls into l_noret functions of other objects confuse objtool; see the port notes. */
#define l_noret			void
/*
 * One indirect jump per instruction instead of a chain of comparisons (the
 * kernel builds with -fno-jump-tables); the table is annotated for objtool
 * (patches/0004-jumptable.patch). Not with indirect branch tracking (IBT,
 * Debian's 6.12): a label's address is no ENDBR landing pad, and objtool
 * there takes the jump for a sibling call.
 */
#ifdef CONFIG_X86_KERNEL_IBT
#define LUA_USE_JUMPTABLE	0
#else
#define LUA_USE_JUMPTABLE	1
#endif

/* A variable written before it is read (a jump buffer): CONFIG_INIT_STACK_ALL_ZERO need not clear it. */
#define luai_noinit		__attribute__((__uninitialized__))
/*
 * No stack canary in the two frames every call into Lua passes (patches/0005
 * and 0006): neither holds an array a write could run past.
 */
#define luai_nocanary		__no_stack_protector

#define luai_makeseed(L)	luak_random()
#define l_randomizePivot()	luak_random()
#define l_signalT		int

/* print() and warn() go to the kernel log. */
#define lua_writestring(s, l)		luak_writestring(s, l)
#define lua_writeline()			luak_writeline()
#define lua_writestringerror(s, p)	luak_writestringerror(s, p)

/*
 * The C stack is the hard limit in the kernel (16 KiB, shared with the
 * network path in softirq). Each state points, through its extra space,
 * at limits that the host sets when it enters Lua; C recursion below
 * 'soft' raises "C stack overflow", below 'hard' a plain error.
 *
 * The budget: Lua counts steps down in 'ticks' (a call of a Lua function,
 * a backward jump, a unit of work in a library loop: patches/0002) and
 * the host's allocator charges allocated bytes there too. Below zero,
 * luak_overbudget() asks the host (luak_budgetcheck), which refills
 * 'ticks' and returns NULL to go on, or returns the error to raise. The
 * extra space is copied into every coroutine, so all the threads of a
 * state share one count, with or without debug hooks (finalizers).
 */
struct luak_limits {
	unsigned long soft;
	unsigned long hard;
	long ticks;
};
#define luak_limitsof(L)	(*(struct luak_limits **)((char *)(L) - sizeof(void *)))
#define luak_sp()	((unsigned long)__builtin_frame_address(0))
#define luai_cstacklow(L)	(luak_sp() < luak_limitsof(L)->soft)
#define luai_cstackhard(L)	(luak_sp() < luak_limitsof(L)->hard)

struct lua_State;
const char *luak_budgetcheck(struct lua_State *L);	/* the host's */
void luak_overbudget(struct lua_State *L);		/* raises what the host says */
/* Charges n steps; only where Lua may raise an error. */
#define luai_budget(L, n)						\
	do {								\
		if (__builtin_expect((luak_limitsof(L)->ticks -= (n)) < 0, 0))	\
			luak_overbudget(L);				\
	} while (0)

#endif
