// SPDX-License-Identifier: GPL-2.0
/*
 * Packet paths' bindings, and what is rare in their calls (the call itself
 * is luapacket_call.h's, inline in each caller): the first write of a
 * call, checksums after one, and errors.
 *
 * The view reads the skb as it is (luadata copies what lies in paged
 * data): a match never changes the packet, since x_tables keeps header
 * pointers across matches. Hooks and targets are writable on demand: the
 * first write makes the skb writable and settles its checksum state
 * (luapacket_prepare), and a packet that was written gets its IPv4 header
 * and TCP/UDP checksums recomputed after the callback (luapacket_fixcsum),
 * so a script need not fix them (one that does stays right).
 */
#define pr_fmt(fmt) "luanetfilter: " fmt	/* KBUILD_MODNAME has its folder here */

#include <linux/skbuff.h>
#include <linux/jiffies.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/ip6_checksum.h>
#include <net/checksum.h>

#include "luapacket_call.h"


static_assert(sizeof(TValue) <= sizeof(((struct luapacket_value *)NULL)->tvalue));

void luapacket_keep(lua_State *L, struct luapacket_value *v)
{
	TValue copy;

	setobj(L, &copy, s2v(L->top - 1));
	v->ref = luaL_ref(L, LUA_REGISTRYINDEX);
	memcpy(v->tvalue, &copy, sizeof(copy));
}
EXPORT_SYMBOL_GPL(luapacket_keep);

/* An empty value, whatever v held (its ref, if any, belonged to another state). */
static void luapacket_novalue(struct luapacket_value *v)
{
	v->ref = LUA_NOREF;
	setnilvalue((TValue *)v->tvalue);
}

void luapacket_forget(lua_State *L, struct luapacket_value *v)
{
	luaL_unref(L, LUA_REGISTRYINDEX, v->ref);
	luapacket_novalue(v);
}
EXPORT_SYMBOL_GPL(luapacket_forget);

/* At most 10 log lines per 5 seconds per binding. */
#define LUAPACKET_LOG_INTERVAL	(5 * HZ)
#define LUAPACKET_LOG_BURST	10

void luapacket_bind(lua_State *L, struct luapacket *p, int ix, const char *name)
{
	int cpu = lunatik_cpu(L);
	struct luapacket_slot *slot;

	if (lunatik_sleepable(L))
		luaL_error(L, "%s: packet callbacks need a non-sleepable runtime "
			   "(lunatik run <script> false)", name);
	luaL_checktype(L, ix, LUA_TFUNCTION);
	ix = lua_absindex(L, ix);

	if (cpu < 0) {
		slot = &p->one;
	} else {
		if (!p->percpu) {
			p->percpu = alloc_percpu(struct luapacket_slot);
			if (!p->percpu)
				luaL_error(L, "%s: not enough memory", name);
		}
		slot = per_cpu_ptr(p->percpu, cpu);
	}
	if (slot->runtime)
		luaL_error(L, "%s: already bound in this runtime", name);
	slot->view = luadata_newview(L);
	luapacket_keep(L, &slot->viewvalue);
	lua_pushvalue(L, ix);
	luapacket_keep(L, &slot->fn);
	luapacket_novalue(&slot->arg);
	slot->cpu = cpu;
	slot->calls = 0;
	slot->errors = 0;
	if (!p->name) {
		p->name = name;
		ratelimit_state_init(&p->ratelimit, LUAPACKET_LOG_INTERVAL, LUAPACKET_LOG_BURST);
		ratelimit_set_flags(&p->ratelimit, RATELIMIT_MSG_ON_RELEASE);
	}
	lunatik_getobject(lunatik_toruntime(L));
	/* Packets of this CPU may call the slot from now on (its state once published). */
	smp_store_release(&slot->runtime, lunatik_toruntime(L));
}
EXPORT_SYMBOL_GPL(luapacket_bind);

static void luapacket_unbindslot(lua_State *L, struct luapacket_slot *slot)
{
	if (!slot->runtime)
		return;
	if (L && lunatik_toruntime(L) == slot->runtime) {
		luapacket_forget(L, &slot->fn);
		luapacket_forget(L, &slot->viewvalue);
		luapacket_forget(L, &slot->arg);
	}
	lunatik_putobject(slot->runtime);
	slot->runtime = NULL;
	slot->view = NULL;
}

/* The refs of other CPUs' states stay in them until they close: they hold nothing else. */
void luapacket_unbind(lua_State *L, struct luapacket *p)
{
	int cpu;

	if (!luapacket_bound(p))
		return;
	luapacket_unbindslot(L, &p->one);
	if (p->percpu) {
		for_each_possible_cpu(cpu)
			luapacket_unbindslot(L, per_cpu_ptr(p->percpu, cpu));
		free_percpu(p->percpu);
		p->percpu = NULL;
	}
	ratelimit_state_exit(&p->ratelimit);
	p->name = NULL;
}
EXPORT_SYMBOL_GPL(luapacket_unbind);

struct luapacket_slot *luapacket_slot(struct luapacket *p, int cpu)
{
	struct luapacket_slot *slot;

	if (cpu < 0)
		slot = &p->one;
	else if (p->percpu)
		slot = per_cpu_ptr(p->percpu, cpu);
	else
		return NULL;
	return slot->runtime ? slot : NULL;
}
EXPORT_SYMBOL_GPL(luapacket_slot);

void luapacket_stats(struct luapacket *p, u64 *calls, u64 *errors)
{
	int cpu;

	*calls = READ_ONCE(p->one.calls);
	*errors = READ_ONCE(p->one.errors);
	if (!p->percpu)
		return;
	for_each_possible_cpu(cpu) {
		struct luapacket_slot *slot = per_cpu_ptr(p->percpu, cpu);

		*calls += READ_ONCE(slot->calls);
		*errors += READ_ONCE(slot->errors);
	}
}
EXPORT_SYMBOL_GPL(luapacket_stats);

/*
 * Before a write reaches beyond what is writable (luadata_prepare_t): the
 * first one of a call settles the device's checksum state, since the
 * bytes change under it: a sum the device computed over the packet
 * (COMPLETE) is dropped, and a checksum left to the device (PARTIAL) is
 * completed, so that luapacket_fixcsum and a script's own incremental
 * fix start from a real checksum. GSO packets keep PARTIAL: segmentation
 * computes their checksums from the pseudo-header seed, which
 * luapacket_fixcsum renews. Then [0, need) is made writable and linear
 * (skb_ensure_writable: the head may move; luadata re-points the view).
 */
int luapacket_prepare(struct luadata *data, unsigned int need)
{
	struct sk_buff *skb = data->skb;
	int ret;

	if (!data->prepared) {
		/* A MAC header in the headroom of a clone is shared too. */
		if (data->base < 0 && skb_unclone(skb, GFP_ATOMIC))
			return -ENOMEM;
		if (skb->ip_summed == CHECKSUM_COMPLETE) {
			skb->ip_summed = CHECKSUM_NONE;
		} else if (skb->ip_summed == CHECKSUM_PARTIAL && !skb_is_gso(skb)) {
			int start = skb_checksum_start_offset(skb);
			unsigned int end = start + skb->csum_offset + sizeof(__sum16);

			/* What skb_checksum_help() would WARN about, checked first. */
			if (start < 0 || end > skb->len)
				return -EINVAL;
			if (skb->csum_not_inet)	/* SCTP's CRC32c: not ours to complete */
				return -EOPNOTSUPP;
			ret = skb_ensure_writable(skb, max(need, end));
			if (ret)
				return ret;
			ret = skb_checksum_help(skb);
			if (ret)
				return ret;
		}
		data->prepared = true;	/* read by luapacket_run: fix the checksums */
	}
	return skb_ensure_writable(skb, need);
}
EXPORT_SYMBOL_GPL(luapacket_prepare);

/*
 * The TCP or UDP checksum field of a segment of len bytes at thoff (from
 * skb->data), made writable; NULL for other protocols or a short segment.
 */
static __sum16 *luapacket_l4check(struct sk_buff *skb, unsigned int thoff, unsigned int len,
				  u8 proto)
{
	unsigned int off;

	if (proto == IPPROTO_TCP && len >= sizeof(struct tcphdr))
		off = offsetof(struct tcphdr, check);
	else if (proto == IPPROTO_UDP && len >= sizeof(struct udphdr))
		off = offsetof(struct udphdr, check);
	else
		return NULL;
	if (skb_ensure_writable(skb, thoff + off + sizeof(__sum16)))
		return NULL;
	return (__sum16 *)(skb->data + thoff + off);
}

/*
 * The checksum of a written segment: recomputed over the packet as it is
 * now (paged data included); a GSO packet gets the pseudo-header seed
 * that segmentation completes. A UDP datagram without a checksum (IPv4
 * only) stays without one. pseudo() gives the pseudo-header's sum.
 */
static void luapacket_fixl4(struct sk_buff *skb, unsigned int thoff, unsigned int len, u8 proto,
			    __sum16 (*pseudo)(const void *addrs, unsigned int len, u8 proto,
					      __wsum sum),
			    const void *addrs, bool udpzero)
{
	__sum16 *check = luapacket_l4check(skb, thoff, len, proto);
	__wsum sum;

	if (!check)
		return;
	if (skb_is_gso(skb)) {
		if (skb->ip_summed == CHECKSUM_PARTIAL)
			*check = ~pseudo(addrs, len, proto, 0);
		return;
	}
	if (skb->ip_summed == CHECKSUM_PARTIAL)	/* written by another hook since */
		return;
	if (proto == IPPROTO_UDP && udpzero && !*check)
		return;
	*check = 0;
	sum = skb_checksum(skb, thoff, len, 0);
	*check = pseudo(addrs, len, proto, sum);
	if (proto == IPPROTO_UDP && !*check)
		*check = CSUM_MANGLED_0;
}

static __sum16 luapacket_pseudo4(const void *addrs, unsigned int len, u8 proto, __wsum sum)
{
	const __be32 *a = addrs;

	return csum_tcpudp_magic(a[0], a[1], len, proto, sum);
}

static __sum16 luapacket_pseudo6(const void *addrs, unsigned int len, u8 proto, __wsum sum)
{
	const struct in6_addr *a = addrs;

	return csum_ipv6_magic(&a[0], &a[1], len, proto, sum);
}

static void luapacket_fixipv4(struct sk_buff *skb, unsigned int noff)
{
	struct iphdr *iph;
	unsigned int ihl, len;
	__be32 addrs[2];
	u8 proto;

	if (skb_ensure_writable(skb, noff + sizeof(struct iphdr)))
		return;
	iph = (struct iphdr *)(skb->data + noff);
	ihl = iph->ihl * 4;
	if (iph->version != 4 || ihl < sizeof(struct iphdr) || skb_ensure_writable(skb, noff + ihl))
		return;
	iph = (struct iphdr *)(skb->data + noff);
	ip_send_check(iph);
	if (ip_is_fragment(iph))
		return;	/* the transport checksum covers the whole datagram */
	len = ntohs(iph->tot_len);
	if (skb_is_gso(skb))
		len = skb->len - noff;	/* may be 0 in the header of a big GSO packet */
	else if (len < ihl || noff + len > skb->len)
		return;
	addrs[0] = iph->saddr;
	addrs[1] = iph->daddr;
	proto = iph->protocol;
	luapacket_fixl4(skb, noff + ihl, len - ihl, proto, luapacket_pseudo4, addrs, true);
}

static void luapacket_fixipv6(struct sk_buff *skb, unsigned int noff)
{
	struct ipv6hdr *ip6;
	struct in6_addr addrs[2];
	unsigned int end;
	__be16 frag = 0;
	u8 proto;
	int thoff;

	if (skb_ensure_writable(skb, noff + sizeof(struct ipv6hdr)))
		return;
	ip6 = (struct ipv6hdr *)(skb->data + noff);
	if (ip6->version != 6)
		return;
	end = skb_is_gso(skb) ? skb->len : noff + sizeof(*ip6) + ntohs(ip6->payload_len);
	if (end > skb->len)
		return;
	addrs[0] = ip6->saddr;
	addrs[1] = ip6->daddr;
	proto = ip6->nexthdr;
	thoff = ipv6_skip_exthdr(skb, noff + sizeof(*ip6), &proto, &frag);
	if (thoff < 0 || frag || thoff > end)
		return;
	luapacket_fixl4(skb, thoff, end - thoff, proto, luapacket_pseudo6, addrs, false);
}

/* After a callback wrote the packet: its IP and TCP/UDP checksums are made right. */
void luapacket_fixcsum(struct sk_buff *skb)
{
	int noff = skb_network_offset(skb);

	if (noff < 0 || noff > (int)skb_headlen(skb))
		return;
	if (skb->protocol == htons(ETH_P_IP))
		luapacket_fixipv4(skb, noff);
	else if (skb->protocol == htons(ETH_P_IPV6))
		luapacket_fixipv6(skb, noff);
}
EXPORT_SYMBOL_GPL(luapacket_fixcsum);

/* Lua raised, or the results were unusable: counted, and logged at a bounded rate. */
int luapacket_fail(struct luapacket *p, struct luapacket_slot *slot, const char *why)
{
	slot->errors++;
	if (__ratelimit(&p->ratelimit))
		pr_notice("%s: %s\n", p->name, why);
	return -ECANCELED;
}
EXPORT_SYMBOL_GPL(luapacket_fail);
