// SPDX-License-Identifier: GPL-2.0
/*
 * nfnull: the native reference of the packet-path bench (tests/vm/bench).
 * IPv4 NF_INET_LOCAL_IN hooks in every network namespace that accept
 * every packet, so that the bench can tell what an empty native hook costs
 * from what calling Lua costs. hooks=N (1 to NFNULL_MAX_HOOKS) registers N
 * of them, as the bench stacks N Lua hooks or rules to lift one call's cost
 * above the emulator's noise. The only work is a per-CPU counter, read at
 * /sys/module/nfnull/parameters/calls: the bench checks that the hooks ran.
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

#define NFNULL_MAX_HOOKS	64

static unsigned int hooks = 1;
module_param(hooks, uint, 0444);
MODULE_PARM_DESC(hooks, "empty hooks per namespace (1 to 64)");

/* At the priority the bench's Lua hooks use (nf.ip_priority.FILTER). */
static struct nf_hook_ops nfnull_ops[NFNULL_MAX_HOOKS];

static int __net_init nfnull_net_init(struct net *net)
{
	return nf_register_net_hooks(net, nfnull_ops, hooks);
}

static void __net_exit nfnull_net_exit(struct net *net)
{
	nf_unregister_net_hooks(net, nfnull_ops, hooks);
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
	unsigned int i;

	if (hooks < 1 || hooks > NFNULL_MAX_HOOKS)
		return -EINVAL;
	for (i = 0; i < hooks; i++)
		nfnull_ops[i] = (struct nf_hook_ops) {
			.hook = nfnull_hook,
			.pf = NFPROTO_IPV4,
			.hooknum = NF_INET_LOCAL_IN,
			.priority = NF_IP_PRI_FILTER,
		};
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
