// SPDX-License-Identifier: GPL-2.0
/*
 * Bench case (i): an XDP program whose only work is one call of the Lua
 * callback of bench/xdp (lua/xdp.lua, returning PASS) through the kfunc.
 * Its baseline, case (h), is tests/vm/suite/xdp/xdp_pass.c: the same
 * program without the call.
 */
#include <stddef.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern int bpf_luaxdp_run(char *key, size_t key__sz, struct xdp_md *xdp_ctx,
			  void *arg, size_t arg__sz) __ksym;

static char key[] = "bench/xdp";

SEC("xdp")
int xdp_lua(struct xdp_md *ctx)
{
	__u32 arg = 0;
	int action = bpf_luaxdp_run(key, sizeof(key), ctx, &arg, sizeof(arg));

	return action < 0 ? XDP_ABORTED : action;	/* (no callback ran: the bench fails) */
}

char _license[] SEC("license") = "GPL";
