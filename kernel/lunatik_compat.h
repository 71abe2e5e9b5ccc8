/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-version shims, in one place: what differs between the kernels we
 * build for (Debian's 6.1 and 6.12) and that more than one line would
 * otherwise test. Prefer testing for the feature over the version.
 */
#ifndef LUNATIK_COMPAT_H
#define LUNATIK_COMPAT_H

#include <linux/version.h>

/* 6.12 moved asm/unaligned.h to linux/unaligned.h. */
#if __has_include(<linux/unaligned.h>)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#ifdef LUNATIK_COMPAT_KFUNC
#include <linux/btf.h>
#include <linux/btf_ids.h>

/*
 * kfuncs: functions that BPF programs call, found by their BTF. 6.1 has
 * BTF_SET8 and no markers; 6.7 added __bpf_kfunc_start_defs() (which
 * silences -Wmissing-prototypes, as kfuncs have none) and 6.9 requires the
 * set to be declared with BTF_KFUNCS_START (register_btf_kfunc_id_set
 * refuses a set without BTF_SET8_KFUNCS).
 */
#ifndef __bpf_kfunc
#define __bpf_kfunc	__used noinline
#endif

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
#define lunatik_kfunc_start_defs()	__bpf_kfunc_start_defs()
#define lunatik_kfunc_end_defs()	__bpf_kfunc_end_defs()
#else
#define lunatik_kfunc_start_defs()					\
	__diag_push();							\
	__diag_ignore_all("-Wmissing-prototypes",			\
			  "kfuncs are declared in BTF, not in headers")
#define lunatik_kfunc_end_defs()	__diag_pop()
#endif

#ifndef BTF_KFUNCS_START
#define BTF_KFUNCS_START(name)		BTF_SET8_START(name)
#define BTF_KFUNCS_END(name)		BTF_SET8_END(name)
#endif
#endif /* LUNATIK_COMPAT_KFUNC */

#endif
