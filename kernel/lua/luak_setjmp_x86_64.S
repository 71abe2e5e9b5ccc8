/* SPDX-License-Identifier: GPL-2.0 */
/*
 * setjmp/longjmp for Lua's error handling on x86_64.
 *
 * longjmp returns through push + RET rather than an indirect jmp: with
 * indirect branch tracking (6.12) an indirect jmp must land on endbr64,
 * and the instruction after a call to setjmp is not one.
 */
#include <linux/linkage.h>
#include <asm/linkage.h>
#include <asm/unwind_hints.h>

/* int luak_setjmp(jmp_buf env): rbx rbp r12 r13 r14 r15 rsp rip */
SYM_FUNC_START(luak_setjmp)
	movq	%rbx, 0(%rdi)
	movq	%rbp, 8(%rdi)
	movq	%r12, 16(%rdi)
	movq	%r13, 24(%rdi)
	movq	%r14, 32(%rdi)
	movq	%r15, 40(%rdi)
	leaq	8(%rsp), %rdx		/* the caller's rsp once we return */
	movq	%rdx, 48(%rdi)
	movq	(%rsp), %rdx		/* our return address */
	movq	%rdx, 56(%rdi)
	xorl	%eax, %eax
	RET
SYM_FUNC_END(luak_setjmp)

/* void luak_longjmp(jmp_buf env, int val): setjmp returns val (1 if 0) */
SYM_FUNC_START(luak_longjmp)
	movl	%esi, %eax
	testl	%eax, %eax
	jnz	1f
	incl	%eax
1:	movq	0(%rdi), %rbx
	movq	8(%rdi), %rbp
	movq	16(%rdi), %r12
	movq	24(%rdi), %r13
	movq	32(%rdi), %r14
	movq	40(%rdi), %r15
	movq	48(%rdi), %rsp
	pushq	56(%rdi)
	UNWIND_HINT_FUNC		/* the stack is now as at setjmp's return */
	RET
SYM_FUNC_END(luak_longjmp)
