// SPDX-License-Identifier: GPL-2.0
/*
 * nfnull: the native reference of the packet-path bench (tests/vm/bench).
 * An IPv4 NF_INET_LOCAL_IN hook in every network namespace that accepts
 * every packet, so that the bench can tell what an empty native hook costs
 * from what calling Lua costs. The only work is a per-CPU counter, read at
 * /sys/module/nfnull/parameters/calls: the bench checks that the hook ran.
 */
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <net/net_namespace.h>

static DEFINE_PER_CPU(u64, nfnull_calls);

static unsigned int nfnull_hook(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	this_cpu_inc(nfnull_calls);
	return NF_ACCEPT;
}

/* At the priority the bench's Lua hook uses (nf.ip_priority.FILTER). */
static const struct nf_hook_ops nfnull_ops = {
	.hook = nfnull_hook,
	.pf = NFPROTO_IPV4,
	.hooknum = NF_INET_LOCAL_IN,
	.priority = NF_IP_PRI_FILTER,
};

static int __net_init nfnull_net_init(struct net *net)
{
	return nf_register_net_hook(net, &nfnull_ops);
}

static void __net_exit nfnull_net_exit(struct net *net)
{
	nf_unregister_net_hook(net, &nfnull_ops);
}

static struct pernet_operations nfnull_net_ops = {
	.init = nfnull_net_init,
	.exit = nfnull_net_exit,
};

static int nfnull_get_calls(char *buf, const struct kernel_param *kp)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(nfnull_calls, cpu);
	return sysfs_emit(buf, "%llu\n", sum);
}

static const struct kernel_param_ops nfnull_calls_ops = { .get = nfnull_get_calls };
module_param_cb(calls, &nfnull_calls_ops, NULL, 0444);

static int __init nfnull_init(void)
{
	return register_pernet_subsys(&nfnull_net_ops);
}

static void __exit nfnull_exit(void)
{
	unregister_pernet_subsys(&nfnull_net_ops);
}

module_init(nfnull_init);
module_exit(nfnull_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Empty IPv4 LOCAL_IN hook, the bench's native reference");
