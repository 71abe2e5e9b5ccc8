// SPDX-License-Identifier: GPL-2.0
/*
 * Calling Lua from packet paths (see luapacket.h). The runtime is locked
 * with spin_lock_bh as lunatik_run() does (per-CPU: this CPU's state's lock,
 * which only this CPU takes on the packet path); the view is pointed at the packet
 * before the call and emptied after it, so a script that keeps the data
 * object can never reach a packet that has gone.
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

#include "luapacket.h"
#include "luadata.h"

/*
 * Lua's internals, for what a call pushes and reads (luapacket_value and
 * the result readers): each public API call costs a stack index
 * resolution and a function call, a few tens of instructions a packet.
 */
#include "lstate.h"
#include "lobject.h"
#include "lgc.h"
#include "ldo.h"

static_assert(sizeof(TValue) <= sizeof(((struct luapacket_value *)NULL)->tvalue));

void luapacket_keep(lua_State *L, struct luapacket_value *v)
{
	TValue copy;

	setobj(L, &copy, s2v(L->top - 1));
	v->ref = luaL_ref(L, LUA_REGISTRYINDEX);
	memcpy(v->tvalue, &copy, sizeof(copy));
}
EXPORT_SYMBOL_GPL(luapacket_keep);

void luapacket_push(lua_State *L, const struct luapacket_value *v)
{
	setobj2s(L, L->top, (const TValue *)v->tvalue);
	L->top++;
}
EXPORT_SYMBOL_GPL(luapacket_push);

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
static int luapacket_prepare(void *ctx, struct sk_buff *skb, unsigned int need)
{
	struct luapacket_call *call = ctx;
	int ret;

	if (!call->written) {
		/* A MAC header in the headroom of a clone is shared too. */
		if (call->base < 0 && skb_unclone(skb, GFP_ATOMIC))
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
		call->written = true;
	}
	return skb_ensure_writable(skb, need);
}

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

/*
 * After a callback wrote the packet: its IP and TCP/UDP checksums are made
 * right. Out of line: most calls write nothing, and luapacket_call stays lean.
 */
static noinline void luapacket_fixcsum(struct sk_buff *skb)
{
	int noff = skb_network_offset(skb);

	if (noff < 0 || noff > (int)skb_headlen(skb))
		return;
	if (skb->protocol == htons(ETH_P_IP))
		luapacket_fixipv4(skb, noff);
	else if (skb->protocol == htons(ETH_P_IPV6))
		luapacket_fixipv6(skb, noff);
}

/* Lua raised, or the results were unusable: counted, and logged at a bounded rate. */
static int luapacket_fail(struct luapacket *p, struct luapacket_slot *slot, const char *why)
{
	slot->errors++;
	if (__ratelimit(&p->ratelimit))
		pr_notice("%s: %s\n", p->name, why);
	return -ECANCELED;
}

/* Results read in place (cannot raise), the first in res[0]. */
static __always_inline void luapacket_results(lua_State *L, struct luapacket_call *call)
{
	StkId o = L->top - call->nresults;
	struct luapacket_result *r = call->res;
	int n = min(call->nresults, LUAPACKET_MAXRESULTS);

	for (; n > 0; n--, o++, r++) {
		lu_byte tt = rawtt(s2v(o));

		r->type = novariant(tt);
		r->integer = tt == LUA_VNUMINT;
		r->truth = tt != LUA_VFALSE && novariant(tt) != LUA_TNIL;	/* !l_isfalse */
		r->value = ivalue(s2v(o));	/* the bits of any value: read only if integer */
	}
}

/*
 * The callback is called directly in a protected call (no C function
 * around it): its arguments are pushed before, its results read after,
 * by code that cannot raise (lua_checkstack makes room without raising).
 * Inline in luapacket_call, with Lua's stack handled in place: a call per
 * packet went through a dozen small functions.
 */
static __always_inline int luapacket_run(lua_State *L, struct luapacket *p,
					 struct luapacket_call *call)
{
	struct luapacket_slot *slot = call->slot;
	const char *why = NULL;
	char buf[LUAPACKET_WHYMAX] __uninitialized;	/* result() writes before why points at it */
	int nargs = 1;

	slot->calls++;
	luadata_resetskb(slot->view, call->skb, call->base,
			 call->writable ? luapacket_prepare : NULL, call);
	/* lua_checkstack's own test first: a packet state's stack has the room. */
	if (unlikely(L->stack_last - L->top <= 2 + LUAPACKET_MAXPUSH ||
		     L->ci->top < L->top + 2 + LUAPACKET_MAXPUSH) &&
	    unlikely(!lua_checkstack(L, 2 + LUAPACKET_MAXPUSH))) {
		luadata_clear(slot->view);
		return luapacket_fail(p, slot, "no room on the Lua stack");
	}
	luapacket_push(L, &slot->fn);
	luapacket_push(L, &slot->viewvalue);
	if (call->push) {
		int n = call->push(L, call->ctx);

		if (unlikely(n < 0))
			why = "cannot pass the arguments";
		nargs += n;
	}
	if (likely(!why)) {
		if (unlikely(lunatik_pcall(L, nargs, call->nresults) != LUA_OK)) {
			/* A number would be converted, which allocates: only strings. */
			why = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) :
			      "error object is not a string";
		} else if (call->result) {
			luapacket_results(L, call);
			why = call->result(L, call->ctx, call->res, buf);
		}
	}
	luadata_clear(slot->view);
	if (call->done)
		call->done(call->ctx);
	return likely(!why) ? 0 : luapacket_fail(p, slot, why);
}

/*
 * lunatik_run() spelled out: the stack is cut back to where it was by
 * moving its top (what lua_settop does, less its check for variables to
 * close: the callback's frame closed its own when it returned or raised).
 */
static __always_inline int luapacket_runin(lunatik_object_t *runtime, struct luapacket *p,
					   struct luapacket_call *call)
{
	lua_State *L;
	ptrdiff_t top;
	int ret;

	lunatik_lock(runtime);
	L = runtime->private;
	if (unlikely(!L)) {
		ret = -ENXIO;
	} else {
		top = savestack(L, L->top);	/* the stack may be reallocated by the call */
		lunatik_enter(L);
		ret = luapacket_run(L, p, call);
		L->top = restorestack(L, top);
	}
	lunatik_unlock(runtime);
	return ret;
}

int luapacket_call(struct luapacket *p, struct luapacket_call *call)
{
	struct sk_buff *skb = call->skb;
	int offset = 0;
	int ret;

	if (call->start == LUAPACKET_MAC && skb_mac_header_was_set(skb))
		offset = skb_mac_offset(skb);
	else if (call->start == LUAPACKET_NETWORK)
		offset = skb_network_offset(skb);
	/* A header outside the buffer would be a bug elsewhere: show data then. */
	if (offset < -(int)skb_headroom(skb) || offset > (int)skb_headlen(skb))
		offset = 0;
	call->base = offset;
	call->written = false;
	if (likely(!p->percpu)) {
		call->slot = &p->one;
		ret = luapacket_runin(p->one.runtime, p, call);
	} else {
		lunatik_object_t *runtime;

		/* The slot of this CPU, which stays ours while bottom halves are off. */
		local_bh_disable();
		call->slot = this_cpu_ptr(p->percpu);
		runtime = smp_load_acquire(&call->slot->runtime);
		if (likely(runtime))
			ret = luapacket_runin(runtime, p, call);
		else
			ret = -ENXIO;	/* this CPU's state has not loaded the script yet */
		local_bh_enable();
	}
	if (unlikely(call->written))
		luapacket_fixcsum(skb);
	return ret;
}
EXPORT_SYMBOL_GPL(luapacket_call);
