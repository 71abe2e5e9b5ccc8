// SPDX-License-Identifier: GPL-2.0
/*
 * XDP program of the filter example: TCP segments to port 443 that carry
 * data (IPv4 or IPv6, no IPv6 extension headers) go to the Lua script
 * examples/filter/sni through the kfunc bpf_luaxdp_run, with the offset of
 * the TCP payload from the start of the frame as argument (16 bits, network
 * order: the layout of Lunatik's example, so either script works with
 * either program). Everything else passes without Lua; so does a segment
 * when the kfunc finds no script to run (it then returns a negative errno).
 *
 * Built against the UAPI headers (linux-libc-dev) and libbpf's
 * (libbpf-dev): the object needs no vmlinux.h and loads on any kernel
 * whose luaxdp.ko has BTF.
 */
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

extern int bpf_luaxdp_run(char *key, size_t key__sz, struct xdp_md *xdp_ctx,
			  void *arg, size_t arg__sz) __ksym;

static char runtime[] = "examples/filter/sni";

struct filter_arg {
	__u16 offset;		/* of the TCP payload, network order */
} __attribute__((packed));

/* The TCP header of a segment to port 443, or NULL. */
static __always_inline struct tcphdr *https_segment(void *data, void *data_end)
{
	struct ethhdr *eth = data;
	struct tcphdr *tcp;

	if ((void *)(eth + 1) > data_end)
		return NULL;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > data_end || ip->protocol != IPPROTO_TCP || ip->ihl < 5)
			return NULL;
		/* a later fragment carries no TCP header */
		if (ip->frag_off & bpf_htons(0x1fff))
			return NULL;
		tcp = (void *)ip + ip->ihl * 4;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > data_end || ip6->nexthdr != IPPROTO_TCP)
			return NULL;
		tcp = (void *)(ip6 + 1);
	} else {
		return NULL;
	}
	if ((void *)(tcp + 1) > data_end || tcp->dest != bpf_htons(443) || tcp->doff < 5)
		return NULL;
	return tcp;
}

SEC("xdp")
int filter_https(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct tcphdr *tcp = https_segment(data, data_end);
	struct filter_arg arg;
	void *payload;
	int action;

	if (!tcp)
		return XDP_PASS;
	payload = (void *)tcp + tcp->doff * 4;
	if (payload >= data_end)
		return XDP_PASS;	/* no data: a handshake segment, an ACK */
	arg.offset = bpf_htons((__u16)(payload - data));
	action = bpf_luaxdp_run(runtime, sizeof(runtime), ctx, &arg, sizeof(arg));
	return action < 0 ? XDP_PASS : action;
}

char _license[] SEC("license") = "GPL";
