// SPDX-License-Identifier: GPL-2.0
/*
 * The XDP program of tests 76 and the bench: every frame goes to the Lua
 * callback of the runtime "xdptest", with an argument the callback checks
 * (and may write); a negative result (no callback ran) passes the frame.
 */
#include <stddef.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern int bpf_luaxdp_run(char *key, size_t key__sz, struct xdp_md *xdp_ctx,
			  void *arg, size_t arg__sz) __ksym;

static char key[] = "xdptest";

struct xdptest_arg {
	__u32 magic;
	__u32 out;
};

SEC("xdp")
int xdp_lua(struct xdp_md *ctx)
{
	/*
	 * The verifier takes the kfunc's memory arguments as read only: out
	 * starts unknown to it, or it would take the check below as decided.
	 */
	struct xdptest_arg arg = { .magic = 0x4c554158, .out = bpf_get_prandom_u32() & ~0x600du };
	int action = bpf_luaxdp_run(key, sizeof(key), ctx, &arg, sizeof(arg));

	if (action >= 0 && arg.out != 0x600d)
		return XDP_ABORTED;	/* the callback's write did not reach us */
	return action < 0 ? XDP_PASS : action;
}

char _license[] SEC("license") = "GPL";
