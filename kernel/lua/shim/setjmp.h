/* SPDX-License-Identifier: GPL-2.0 */
/* setjmp/longjmp for Lua's error handling (luak_setjmp_x86_64.S). */
#ifndef LUAK_SETJMP_H
#define LUAK_SETJMP_H
/* rbx, rbp, r12-r15, rsp, return address */
typedef unsigned long jmp_buf[8];
int luak_setjmp(jmp_buf env) __attribute__((returns_twice));
/* Not noreturn: objtool 6.1 cannot see through it (see lua-kernel-port notes). */
void luak_longjmp(jmp_buf env, int val);
#define setjmp(env)		luak_setjmp(env)
#define longjmp(env, val)	luak_longjmp(env, val)
#endif
