// SPDX-License-Identifier: GPL-2.0
/*
 * require("xtable"): xtables matches and targets written in Lua.
 *
 * xtable.match{name, revision, family, proto, hooks, userns, match,
 * checkentry, destroy} and xtable.target{..., target, ...} register an
 * extension that iptables and ip6tables (legacy and nft) rules can name. The script must
 * run in a non-sleepable runtime: matches and targets run in softirq.
 *
 * Lifetime. An extension (struct luaxtable) lives from its first
 * registration until this module is unloaded: x_tables reads a match's
 * struct (its ->me) after calling ->destroy, and an iptables process may
 * hold the struct between finding it and calling ->checkentry, so it can
 * never be freed while the module is loaded. Rules hold the module (->me).
 * When the script stops, its extensions are unbound and unregistered: no
 * new rule can name them, and rules still using them get the fail verdict
 * (a match does not match, a target continues), counted and logged once.
 * When a script registers the same name, revision, kind and family again,
 * it rebinds that extension, and those rules use the new script.
 *
 * Locking. luaxtable_mutex guards the list of extensions and every bind,
 * unbind and rule setup (process context). Packets read ext->bound under
 * RCU (the hook's that calls them, luaxtable_assertrcu): unbinding waits
 * for a grace period before releasing the binding.
 * A rule's private part (its args, gen) is only touched under the runtime's
 * lock: in checkentry and destroy through lunatik_run(), and on the packet
 * path inside luapacket_call() (luapacket_call.h).
 *
 * Per-CPU runtimes: the first CPU's state registers the extension, each
 * other CPU's state binds its own functions to it (lunatik_shared), each
 * in its own luapacket slot; checkentry and destroy run in every bound
 * state, and each state keeps its own decoded args of every rule.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/ctype.h>
#include <linux/slab.h>
#include <linux/rcupdate.h>
#include <linux/netfilter.h>
#include <linux/netfilter/x_tables.h>
#include <linux/netfilter_bridge/ebtables.h>
#include <linux/user_namespace.h>
#include <net/net_namespace.h>

#include "lunatik.h"
#include "luapacket_call.h"
#include "luaxtable.h"

struct luaxtable {
	struct list_head list;		/* luaxtable_list */
	bool target;
	bool registered;		/* in x_tables */
	bool bound;			/* packet and packet.runtime are valid */
	bool userns;			/* the binding takes rules from any user namespace */
	u32 gen;			/* bumped at every bind */
	/*
	 * The match or target function of each bound state; each slot's own[]
	 * holds that state's refs below, its arg par, and its cur the packet
	 * in flight for par (set and read under that runtime's lock).
	 */
	struct luapacket packet;
	atomic_t rules;
	atomic64_t unbound_calls;	/* packets seen while no script is bound */
	char label[XT_EXTENSION_MAXNAMELEN + 8];	/* "xtable <name>", for log lines */
	union {
		struct xt_match match;
		struct xt_target target;
	} xt;
};

enum { LUAXTABLE_CHECKREF, LUAXTABLE_DESTROYREF };

static LIST_HEAD(luaxtable_list);
static DEFINE_MUTEX(luaxtable_mutex);

static inline const char *luaxtable_name(const struct luaxtable *ext)
{
	return ext->target ? ext->xt.target.name : ext->xt.match.name;
}

/*
 * A rule's kernel-private state, behind the blob's private word: the blob
 * keeps Lunatik's layout, where that word is all there is.
 */
struct luaxtable_args {
	struct luapacket_value value;	/* the decoded args, in a state */
	u32 gen;			/* the binding value belongs to */
};

struct luaxtable_rule {
	struct luaxtable *ext;		/* bound at checkentry */
	bool nft;			/* the rule is in nf_tables (iptables-nft) */
	int nargs;
	struct luaxtable_args args[];	/* per state: [0] a plain runtime's, [cpu] per-CPU */
};

/*
 * The rule's args in the state of slot; NULL for a rule checked under a
 * plain binding and called by a per-CPU one (its args are decoded per call).
 */
static inline struct luaxtable_args *luaxtable_argsof(struct luaxtable_rule *rule,
						      const struct luapacket_slot *slot)
{
	int i = slot->cpu < 0 ? 0 : slot->cpu;

	return i < rule->nargs ? &rule->args[i] : NULL;
}

static inline struct luaxtable_rule *luaxtable_rule(const struct luaxtable_info *info)
{
	return (struct luaxtable_rule *)(uintptr_t)info->kernel;
}

static inline struct luaxtable *luaxtable_ofinfo(const struct luaxtable_info *info)
{
	return luaxtable_rule(info)->ext;
}

/* Per packet: what push() and result() share. */
struct luaxtable_call {
	struct luaxtable *ext;
	struct luapacket_slot *slot;	/* the binding called, set by push() */
	struct luaxtable_info *info;
	struct xt_action_param *par;
	union {
		bool match;
		unsigned int verdict;
	};
};

/*
 * The arguments as the script sees them. A blob of luaxt's encoding gives
 * its string, or its table of typed values; any other blob (a plugin of
 * Lunatik's) is the 256-byte string Lunatik gives. luaxtable_validate()
 * has checked the encoding when the rule was checked.
 */
static const u8 *luaxtable_pushvalue(lua_State *L, const u8 *p, const u8 *end, int depth);

static const u8 *luaxtable_pushlist(lua_State *L, const u8 *p, const u8 *end, int depth)
{
	int i, n = *p++;

	lua_createtable(L, n, 0);
	for (i = 1; i <= n; i++) {
		p = luaxtable_pushvalue(L, p, end, depth + 1);
		lua_rawseti(L, -2, i);
	}
	return p;
}

static const u8 *luaxtable_pushvalue(lua_State *L, const u8 *p, const u8 *end, int depth)
{
	u8 tag = *p++;

	switch (tag) {
	case 'f':
	case 't':
		lua_pushboolean(L, tag == 't');
		return p;
	case 'i': {
		u64 v = 0;
		int i;

		for (i = 0; i < 8; i++)
			v = v << 8 | *p++;
		lua_pushinteger(L, (lua_Integer)v);
		return p;
	}
	case 's':
		lua_pushlstring(L, (const char *)p + 1, *p);
		return p + 1 + *p;
	default:	/* 'l' */
		return luaxtable_pushlist(L, p, end, depth);
	}
}

static void luaxtable_pushdecoded(lua_State *L, const struct luaxtable_info *info)
{
	const struct luaxtable_header *h = (const struct luaxtable_header *)info->userargs;
	const u8 *p = (const u8 *)(h + 1), *end = p + be16_to_cpu(h->len);

	if (memcmp(h->magic, LUAXTABLE_MAGIC, sizeof(h->magic))) {
		lua_pushlstring(L, info->userargs, LUAXTABLE_ARGS_MAX);
		return;
	}
	if (h->form == LUAXTABLE_FORM_STRING) {
		lua_pushlstring(L, (const char *)p, end - p);
		return;
	}
	lua_newtable(L);
	while (p < end) {
		lua_pushlstring(L, (const char *)p + 1, *p);
		p = luaxtable_pushvalue(L, p + 1 + *p, end, 1);
		lua_rawset(L, -3);
	}
}

/*
 * Pushes the rule's args, decoded at checkentry. A rule made under an
 * earlier binding (the script was restarted) decodes them again, once:
 * argsref is only touched under the runtime's lock.
 */
/* Protected: decodes the args of the call's rule and, when they have a slot, keeps them. */
static int luaxtable_decodeargs(lua_State *L)
{
	struct luaxtable_info *info = lua_touserdata(L, 1);
	struct luapacket_slot *slot = lua_touserdata(L, 2);
	struct luaxtable_args *args = luaxtable_argsof(luaxtable_rule(info), slot);

	luaxtable_pushdecoded(L, info);
	if (args) {
		lua_pushvalue(L, -1);
		luapacket_keep(L, &args->value);
		args->gen = luaxtable_ofinfo(info)->gen;
	}
	return 1;
}

/*
 * The rare decoding, which allocates, in a protected call of its own. By
 * value: a call's context whose address escaped would cost every packet
 * a stack canary.
 */
static noinline bool luaxtable_decode(lua_State *L, struct luaxtable_info *info,
				      struct luapacket_slot *slot)
{
	lua_pushcfunction(L, luaxtable_decodeargs);
	lua_pushlightuserdata(L, info);
	lua_pushlightuserdata(L, slot);
	return lunatik_pcall(L, 2, 1) == LUA_OK;
}

/*
 * The rule's arguments at top, and the stack's top past them. Cannot raise
 * (luapacket calls push outside the protected call).
 */
static __always_inline bool luaxtable_putargs(lua_State *L, StkId top,
					      struct luaxtable_call *call)
{
	struct luaxtable_args *args = luaxtable_argsof(luaxtable_rule(call->info),
						       call->slot);

	if (unlikely(!args || args->gen != call->ext->gen)) {
		L->top = top;
		return luaxtable_decode(L, call->info, call->slot);
	}
	luapacket_setvalue(L, top, &args->value);
	L->top = top + 1;
	return true;
}

/*
 * par: one table per binding whose fields are read through __index from
 * the packet in flight (the slot's cur), so that a packet costs nothing for the
 * fields its script does not read. Outside a packet every field is nil.
 * hotdrop may be set; the others are read-only.
 */
enum luaxtable_field { LUAXTABLE_HOTDROP, LUAXTABLE_THOFF, LUAXTABLE_FRAGOFF,
		       LUAXTABLE_HOOKNUM, LUAXTABLE_FAMILY, LUAXTABLE_NFIELDS };

static const char *const luaxtable_fields[LUAXTABLE_NFIELDS] = {
	[LUAXTABLE_HOTDROP] = "hotdrop",
	[LUAXTABLE_THOFF] = "thoff",
	[LUAXTABLE_FRAGOFF] = "fragoff",
	[LUAXTABLE_HOOKNUM] = "hooknum",
	[LUAXTABLE_FAMILY] = "family",
};

static int luaxtable_field(lua_State *L, int ix)
{
	const char *key = lua_type(L, ix) == LUA_TSTRING ? lua_tostring(L, ix) : NULL;
	int i;

	for (i = 0; key && i < LUAXTABLE_NFIELDS; i++)
		if (!strcmp(key, luaxtable_fields[i]))
			return i;
	return -1;
}

/* Pushes field i of the packet in flight, or nil outside a packet. */
static void luaxtable_pushfield(lua_State *L, const struct xt_action_param *par, int i)
{
	if (!par) {
		lua_pushnil(L);
		return;
	}
	switch (i) {
	case LUAXTABLE_HOTDROP:
		lua_pushboolean(L, par->hotdrop);
		break;
	case LUAXTABLE_THOFF:
		lua_pushinteger(L, par->thoff);
		break;
	case LUAXTABLE_FRAGOFF:
		lua_pushinteger(L, par->fragoff);
		break;
	case LUAXTABLE_HOOKNUM:
		lua_pushinteger(L, xt_hooknum(par));
		break;
	case LUAXTABLE_FAMILY:
		lua_pushinteger(L, xt_family(par));
		break;
	default:
		lua_pushnil(L);
	}
}

static inline struct luapacket_slot *luaxtable_ofpar(lua_State *L)
{
	return lua_touserdata(L, lua_upvalueindex(1));
}

/* par[key] */
static int luaxtable_parindex(lua_State *L)
{
	luaxtable_pushfield(L, luaxtable_ofpar(L)->cur, luaxtable_field(L, 2));
	return 1;
}

/* par[key] = value: hotdrop during a packet; other keys are the script's own. */
static int luaxtable_parnewindex(lua_State *L)
{
	struct xt_action_param *par = luaxtable_ofpar(L)->cur;
	int i = luaxtable_field(L, 2);

	if (i < 0) {
		lua_rawset(L, 1);
		return 0;
	}
	if (i != LUAXTABLE_HOTDROP)
		return luaL_error(L, "par.%s is read-only", luaxtable_fields[i]);
	if (!par)
		return luaL_error(L, "par.hotdrop is only set while a packet is matched");
	par->hotdrop = lua_toboolean(L, 3);
	return 0;
}

/* next-like iterator of pairs(par): the packet's fields, then the table's own keys. */
static int luaxtable_parnext(lua_State *L)
{
	struct xt_action_param *par = luaxtable_ofpar(L)->cur;
	int i = lua_isnil(L, 2) ? 0 : luaxtable_field(L, 2) + 1;

	if (i > 0 || lua_isnil(L, 2)) {
		if (par && i < LUAXTABLE_NFIELDS) {
			lua_pushstring(L, luaxtable_fields[i]);
			luaxtable_pushfield(L, par, i);
			return 2;
		}
		lua_pushnil(L);
		lua_replace(L, 2);
	}
	lua_settop(L, 2);
	/* The table's own keys never name a field, unless rawset put one there. */
	while (lua_next(L, 1)) {
		if (luaxtable_field(L, -2) < 0)
			return 2;
		lua_pop(L, 1);
	}
	return 0;
}

static int luaxtable_parpairs(lua_State *L)
{
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_pushcclosure(L, luaxtable_parnext, 1);
	lua_pushvalue(L, 1);
	lua_pushnil(L);
	return 3;
}

/* Leaves the par table of a state's binding (slot) on the stack. */
static void luaxtable_newpar(lua_State *L, struct luapacket_slot *slot)
{
	static const luaL_Reg meta[] = {
		{"__index", luaxtable_parindex},
		{"__newindex", luaxtable_parnewindex},
		{"__pairs", luaxtable_parpairs},
		{NULL, NULL}
	};

	lua_newtable(L);
	lua_createtable(L, 0, 4);
	lua_pushlightuserdata(L, slot);
	luaL_setfuncs(L, meta, 1);
	lua_pushliteral(L, "xtable par");
	lua_setfield(L, -2, "__name");
	lua_setmetatable(L, -2);
}

/* After the view: par, userargs. The packet is the slot's cur until the call returns. */
static __always_inline int luaxtable_push(lua_State *L, StkId top, struct luapacket_slot *slot,
					  void *ctx)
{
	struct luaxtable_call *call = ctx;

	call->slot = slot;
	slot->cur = call->par;
	luapacket_setvalue(L, top, &slot->arg);
	return luaxtable_putargs(L, top + 1, call) ? 2 : -1;
}

/* par shows no packet once the call is over: a script may keep par. */
static __always_inline void luaxtable_done(struct luapacket_slot *slot, void *ctx)
{
	slot->cur = NULL;
}

static __always_inline const char *luaxtable_matchresult(lua_State *L, void *ctx,
							 const struct luapacket_result *res,
							 char *why)
{
	struct luaxtable_call *call = ctx;

	call->match = res[0].truth;
	return NULL;
}

/*
 * The verdicts a target may give (netfilter.action): DROP, ACCEPT, QUEUE
 * (with a queue number in the upper bits), REPEAT, CONTINUE and RETURN.
 * STOLEN would leak the skb (we never consume it) and STOP is deprecated.
 * CONTINUE is XT_CONTINUE (0xffffffff) but -1 from Lua is accepted too.
 */
static const char *luaxtable_targetresult(lua_State *L, void *ctx,
					  const struct luapacket_result *res, char *why)
{
	struct luaxtable_call *call = ctx;
	lua_Integer v;
	int isnum;

	v = lua_tointegerx(L, -1, &isnum);
	if (!isnum) {
		snprintf(why, LUAPACKET_WHYMAX, "target returned %s, not a netfilter.action",
			 luaL_typename(L, -1));
		return why;
	}
	if (v == XT_CONTINUE || v == -1) {
		call->verdict = XT_CONTINUE;
	} else if (v == XT_RETURN) {
		call->verdict = XT_RETURN;
	} else if (v >= 0 && v <= U32_MAX) {
		switch ((u32)v & NF_VERDICT_MASK) {
		case NF_QUEUE:
		case NF_REPEAT:
			/* legacy ebtables would take it for the offset of a chain to jump to */
			if (xt_family(call->par) == NFPROTO_BRIDGE &&
			    !luaxtable_rule(call->info)->nft) {
				snprintf(why, LUAPACKET_WHYMAX,
					 "target returned verdict %d, which ebtables cannot take",
					 (int)v);
				return why;
			}
			fallthrough;
		case NF_DROP:
		case NF_ACCEPT:
			call->verdict = (u32)v;
			return NULL;
		}
		snprintf(why, LUAPACKET_WHYMAX,
			 "target returned verdict %d, which a target cannot give", (int)v);
		return why;
	} else {
		snprintf(why, LUAPACKET_WHYMAX, "target returned %d, not a netfilter.action",
			 (int)v);
		return why;
	}
	return NULL;
}

/* The view is read-only: a match never changes the skb. */
static const struct luapacket_caller luaxtable_matchcaller = {
	.writable = false,
	.push = luaxtable_push,
	.nresults = 1,
	.result = luaxtable_matchresult,
	.done = luaxtable_done,
};

static const struct luapacket_caller luaxtable_targetcaller = {
	.writable = true,
	.push = luaxtable_push,
	.nresults = 1,
	.result = luaxtable_targetresult,
	.done = luaxtable_done,
};

/*
 * Matches and targets run inside an RCU read-side section that is not
 * ours: x_tables and nf_tables call them from a netfilter hook, inside
 * nf_hook()'s rcu_read_lock(), and the legacy tables with bottom halves
 * off besides, which synchronize_rcu() waits for as well. That is what
 * luaxtable_release() waits for; a lock of our own would cost a packet
 * two calls (preemptible RCU).
 */
static __always_inline void luaxtable_assertrcu(void)
{
	RCU_LOCKDEP_WARN(!rcu_read_lock_any_held(), "xtable called outside RCU");
}

static bool luaxtable_match(const struct sk_buff *skb, struct xt_action_param *par)
{
	struct luaxtable_info *info = (struct luaxtable_info *)par->matchinfo;
	struct luaxtable_call ctx = {
		.ext = luaxtable_ofinfo(info),
		.info = info,
		.par = par,
	};
	bool match = false;

	luaxtable_assertrcu();
	if (likely(smp_load_acquire(&ctx.ext->bound))) {
		if (luapacket_call(&ctx.ext->packet, (struct sk_buff *)skb, LUAPACKET_DATA,
				   &luaxtable_matchcaller, &ctx) == 0)
			match = ctx.match;
	} else {
		atomic64_inc(&ctx.ext->unbound_calls);
	}
	return match;
}

/*
 * In a bridge table, nf_tables reads a target's result as an ebtables
 * verdict, where XT_CONTINUE (-1) would be EBT_ACCEPT: say what the
 * script meant in ebtables' words.
 */
static unsigned int luaxtable_ebtverdict(unsigned int verdict)
{
	switch (verdict) {
	case XT_CONTINUE:
		return EBT_CONTINUE;
	case XT_RETURN:
		return EBT_RETURN;
	case NF_ACCEPT:
		return EBT_ACCEPT;
	case NF_DROP:
		return EBT_DROP;
	}
	return verdict;	/* QUEUE (with its number) and REPEAT are netfilter verdicts there too */
}

static unsigned int luaxtable_target(struct sk_buff *skb, const struct xt_action_param *par)
{
	struct luaxtable_info *info = (struct luaxtable_info *)par->targinfo;
	struct luaxtable_call ctx = {
		.ext = luaxtable_ofinfo(info),
		.info = info,
		/* The script may set hotdrop on targets too; x_tables reads it back. */
		.par = (struct xt_action_param *)par,
	};
	unsigned int verdict = XT_CONTINUE;

	luaxtable_assertrcu();
	if (likely(smp_load_acquire(&ctx.ext->bound))) {
		if (luapacket_call(&ctx.ext->packet, skb, LUAPACKET_DATA, &luaxtable_targetcaller,
				   &ctx) == 0)
			verdict = ctx.verdict;
	} else {
		atomic64_inc(&ctx.ext->unbound_calls);
	}
	/* A bridge rule's verdict is read as ebtables' (nft_target_eval_bridge). */
	if (unlikely(xt_family(par) == NFPROTO_BRIDGE))
		return luaxtable_ebtverdict(verdict);
	/* Legacy x_tables has no way for a target to return (only standard targets can). */
	if (unlikely(verdict == XT_RETURN) && !luaxtable_rule(info)->nft)
		verdict = XT_CONTINUE;
	return verdict;
}

/* Protected: decodes the args of a new rule and runs the script's checkentry on them. */
static int luaxtable_pcheck(lua_State *L)
{
	struct luaxtable *ext = lua_touserdata(L, 1);
	struct luaxtable_info *info = lua_touserdata(L, 2);
	struct luapacket_slot *slot = lua_touserdata(L, 3);
	struct luaxtable_args *args = luaxtable_argsof(luaxtable_rule(info), slot);

	lua_settop(L, 0);
	luaxtable_pushdecoded(L, info);
	lua_pushvalue(L, 1);
	luapacket_keep(L, &args->value);
	args->gen = ext->gen;
	if (slot->own[LUAXTABLE_CHECKREF] == LUA_NOREF)
		return 0;
	lua_rawgeti(L, LUA_REGISTRYINDEX, slot->own[LUAXTABLE_CHECKREF]);
	lua_pushvalue(L, 1);
	lua_call(L, 1, 1);
	/* Nothing returned accepts the rule; an explicit false rejects it. */
	if (lua_isboolean(L, -1) && !lua_toboolean(L, -1))
		luaL_error(L, "rejected the rule");
	return 0;
}

/* Longest part of a script's error that goes to the log (a printk line is about 1 KiB). */
#define LUAXTABLE_ERROR_LOG	400

/*
 * Logs the error on top of the stack, truncated: a huge message would
 * otherwise be cut by printk, or lost, while iptables says "Run dmesg".
 * Only a string is shown: converting a number could raise, unprotected.
 */
static void luaxtable_logerror(lua_State *L, struct luaxtable *ext, const char *what)
{
	size_t len = 0;
	const char *msg = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;

	if (!msg)
		pr_warn_ratelimited("%s: %s: error object is a %s\n", luaxtable_name(ext), what,
				    luaL_typename(L, -1));
	else if (len > LUAXTABLE_ERROR_LOG)
		pr_warn_ratelimited("%s: %s: %.*s... (%zu bytes, truncated)\n", luaxtable_name(ext),
				    what, LUAXTABLE_ERROR_LOG, msg, len);
	else
		pr_warn_ratelimited("%s: %s: %.*s\n", luaxtable_name(ext), what, (int)len, msg);
}

static int luaxtable_docheck(lua_State *L, struct luaxtable *ext, struct luaxtable_info *info,
			     struct luapacket_slot *slot)
{
	struct luaxtable_args *args = luaxtable_argsof(luaxtable_rule(info), slot);

	args->value.ref = LUA_NOREF;
	lua_pushcfunction(L, luaxtable_pcheck);
	lua_pushlightuserdata(L, ext);
	lua_pushlightuserdata(L, info);
	lua_pushlightuserdata(L, slot);
	if (lunatik_pcall(L, 3, 0) == LUA_OK)
		return 0;
	luaxtable_logerror(L, ext, "checkentry");
	/* luaL_unref only writes an existing slot: it cannot raise. */
	luapacket_forget(L, &args->value);
	return -EINVAL;
}

/* Protected: runs the script's destroy on a rule's args and forgets them. */
static int luaxtable_pdestroy(lua_State *L)
{
	struct luaxtable_rule *rule = lua_touserdata(L, 2);
	struct luapacket_slot *slot = lua_touserdata(L, 3);
	struct luaxtable_args *args = luaxtable_argsof(rule, slot);

	lua_settop(L, 0);
	lua_rawgeti(L, LUA_REGISTRYINDEX, args->value.ref);	/* nil for LUA_NOREF */
	luapacket_forget(L, &args->value);
	if (slot->own[LUAXTABLE_DESTROYREF] == LUA_NOREF)
		return 0;
	lua_rawgeti(L, LUA_REGISTRYINDEX, slot->own[LUAXTABLE_DESTROYREF]);
	lua_insert(L, 1);
	lua_call(L, 1, 0);
	return 0;
}

static int luaxtable_dodestroy(lua_State *L, struct luaxtable *ext, struct luaxtable_rule *rule,
			       struct luapacket_slot *slot)
{
	lua_pushcfunction(L, luaxtable_pdestroy);
	lua_pushlightuserdata(L, ext);
	lua_pushlightuserdata(L, rule);
	lua_pushlightuserdata(L, slot);
	if (lunatik_pcall(L, 3, 0) == LUA_OK)
		return 0;
	luaxtable_logerror(L, ext, "destroy");
	return -EINVAL;
}

/* A value of luaxt's typed encoding that fits before end; returns where it ends. */
static const u8 *luaxtable_checkvalue(const u8 *p, const u8 *end, int depth)
{
	int n;

	if (p >= end)
		return NULL;
	switch (*p++) {
	case 'f':
	case 't':
		return p;
	case 'i':
		return end - p >= 8 ? p + 8 : NULL;
	case 's':
		return p < end && end - p - 1 >= *p ? p + 1 + *p : NULL;
	case 'l':
		if (p >= end || depth >= LUAXTABLE_DEPTH_MAX)
			return NULL;
		for (n = *p++; p && n > 0; n--)
			p = luaxtable_checkvalue(p, end, depth + 1);
		return p;
	}
	return NULL;
}

/*
 * Every byte userspace gave us, before anything trusts it. Any 256 bytes
 * are a string for a plugin of Lunatik's; luaxt's encoding must be well
 * formed and canonical (zero after the payload), so that iptables -D finds
 * the rule by its args.
 */
static int luaxtable_validate(const struct luaxtable_info *info)
{
	const struct luaxtable_header *h = (const struct luaxtable_header *)info->userargs;
	const u8 *p = (const u8 *)(h + 1), *end;
	size_t len = be16_to_cpu(h->len);

	if (memcmp(h->magic, LUAXTABLE_MAGIC, sizeof(h->magic)))
		return 0;
	if (h->version != LUAXTABLE_VERSION || len > LUAXTABLE_PAYLOAD_MAX ||
	    (h->form != LUAXTABLE_FORM_STRING && h->form != LUAXTABLE_FORM_TYPED))
		return -EINVAL;
	end = p + len;
	if (memchr_inv(end, 0, (const u8 *)info->userargs + LUAXTABLE_ARGS_MAX - end))
		return -EINVAL;
	if (h->form == LUAXTABLE_FORM_STRING)
		return 0;
	while (p && p < end) {
		/* key: a string of 1 to 255 bytes */
		if (!*p || end - p - 1 < *p)
			return -EINVAL;
		p = luaxtable_checkvalue(p + 1 + *p, end, 1);
	}
	return p ? 0 : -EINVAL;
}

/*
 * A rule from a network namespace that a user namespace other than the
 * initial one owns (any user can make one with unshare -Urn) would run
 * root's script on that user's arguments and packets: only extensions
 * that say userns = true take such rules.
 */
static bool luaxtable_nsallowed(const struct luaxtable *ext, const struct net *net)
{
	if (net->user_ns == &init_user_ns || ext->userns)
		return true;
	pr_info_ratelimited("%s: refused a rule from a user namespace (the extension does not set userns = true)\n",
			    luaxtable_name(ext));
	return false;
}

/* destroy in every bound state where checkentry ran under this binding, up to (not) cpu. */
static void luaxtable_destroyall(struct luaxtable *ext, struct luaxtable_rule *rule, int upto)
{
	struct luapacket_slot *slot;
	int cpu, ret;

	for (cpu = -1; cpu < (int)nr_cpu_ids && cpu != upto; cpu++) {
		struct luaxtable_args *args;

		if (cpu >= 0 && !cpu_possible(cpu))
			continue;
		slot = luapacket_slot(&ext->packet, cpu);
		if (!slot)
			continue;
		args = luaxtable_argsof(rule, slot);
		/* Args decoded by an earlier binding went with its state. */
		if (args && args->gen == ext->gen && args->value.ref != LUA_NOREF)
			lunatik_run(slot->runtime, luaxtable_dodestroy, ret, ext, rule, slot);
	}
}

/* checkentry in every bound state (a plain runtime's, or each CPU's): all must accept. */
static int luaxtable_checkall(struct luaxtable *ext, struct luaxtable_info *info)
{
	struct luapacket_slot *slot;
	int cpu, ret = 0;

	for (cpu = -1; cpu < (int)nr_cpu_ids; cpu++) {
		if (cpu >= 0 && !cpu_possible(cpu))
			continue;
		slot = luapacket_slot(&ext->packet, cpu);
		if (!slot)
			continue;
		lunatik_run(slot->runtime, luaxtable_docheck, ret, ext, info, slot);
		if (ret) {
			luaxtable_destroyall(ext, luaxtable_rule(info), cpu);
			break;
		}
	}
	return ret;
}

static int luaxtable_checkrule(struct luaxtable *ext, struct luaxtable_info *info,
			       struct net *net, bool nft)
{
	struct luaxtable_rule *rule = NULL;
	int ret, nargs;

	/* Whatever userspace left in the private word is never used. */
	info->kernel = 0;
	if (luaxtable_validate(info)) {
		pr_info_ratelimited("%s: malformed arguments\n", luaxtable_name(ext));
		return -EINVAL;
	}
	mutex_lock(&luaxtable_mutex);
	/* Args for each state of the binding: one, or one per CPU. */
	nargs = ext->packet.percpu ? nr_cpu_ids : 1;
	rule = kzalloc(struct_size(rule, args, nargs), GFP_KERNEL);
	if (!rule) {
		ret = -ENOMEM;
		goto out;
	}
	rule->nargs = nargs;
	if (!ext->bound) {
		pr_info_ratelimited("%s: no running script provides this extension\n",
				    luaxtable_name(ext));
		ret = -ENOENT;
		goto out;
	}
	if (!luaxtable_nsallowed(ext, net)) {
		ret = -EPERM;
		goto out;
	}
	rule->ext = ext;
	rule->nft = nft;
	info->kernel = (uintptr_t)rule;
	ret = luaxtable_checkall(ext, info);
	if (ret == -ENXIO) {
		pr_info_ratelimited("%s: its script is stopping\n", luaxtable_name(ext));
		ret = -ENOENT;
	}
	if (!ret)
		atomic_inc(&ext->rules);
out:
	mutex_unlock(&luaxtable_mutex);
	if (ret) {
		info->kernel = 0;
		kfree(rule);
	}
	return ret;
}

static void luaxtable_destroyrule(struct luaxtable_info *info)
{
	struct luaxtable_rule *rule = luaxtable_rule(info);
	struct luaxtable *ext = rule->ext;

	mutex_lock(&luaxtable_mutex);
	if (ext->bound)
		luaxtable_destroyall(ext, rule, INT_MAX);
	atomic_dec(&ext->rules);
	mutex_unlock(&luaxtable_mutex);
	info->kernel = 0;
	kfree(rule);
}

static int luaxtable_mtcheck(const struct xt_mtchk_param *par)
{
	struct luaxtable *ext = container_of(par->match, struct luaxtable, xt.match);

	return luaxtable_checkrule(ext, par->matchinfo, par->net, par->nft_compat);
}

static void luaxtable_mtdestroy(const struct xt_mtdtor_param *par)
{
	luaxtable_destroyrule(par->matchinfo);
}

static int luaxtable_tgcheck(const struct xt_tgchk_param *par)
{
	struct luaxtable *ext = container_of(par->target, struct luaxtable, xt.target);

	/*
	 * nf_tables reads a bridge target's result as an ebtables verdict,
	 * which luaxtable_ebtverdict() gives it, but its bridge chains then
	 * refuse such rules at validation (ENOENT, seen on Debian's 6.1): say
	 * so here, once, rather than leave a rule no packet reaches.
	 */
	if (par->family == NFPROTO_BRIDGE && par->nft_compat) {
		pr_info_ratelimited("%s: refused: Lua targets cannot run in nftables bridge tables (use a Lua match and nft's verdicts)\n",
				    luaxtable_name(ext));
		return -EOPNOTSUPP;
	}
	return luaxtable_checkrule(ext, par->targinfo, par->net, par->nft_compat);
}

static void luaxtable_tgdestroy(const struct xt_tgdtor_param *par)
{
	luaxtable_destroyrule(par->targinfo);
}

/*
 * The script's handle. Collected only when its state closes (it is
 * anchored in the registry), in process context: unbinding sleeps.
 */
static void luaxtable_release(void *private)
{
	struct luaxtable *ext = private;
	int rules;

	mutex_lock(&luaxtable_mutex);
	smp_store_release(&ext->bound, false);
	if (ext->registered) {
		if (ext->target)
			xt_unregister_target(&ext->xt.target);
		else
			xt_unregister_match(&ext->xt.match);
		ext->registered = false;
	}
	/* No packet is still in a call on this binding after this. */
	synchronize_rcu();
	/* The state is closing: its registry refs go with it. */
	luapacket_unbind(NULL, &ext->packet);
	rules = atomic_read(&ext->rules);
	if (rules)
		pr_info("%s: script stopped while %d rule(s) use it: they %s until it runs again or they are deleted\n",
			luaxtable_name(ext), rules,
			ext->target ? "continue" : "do not match");
	mutex_unlock(&luaxtable_mutex);
}

/* x:close() and <close> would release under the object's spinlock: not for us. */
static int luaxtable_noclose(lua_State *L)
{
	return 0;
}

static const luaL_Reg luaxtable_methods[] = {
	{"__close", luaxtable_noclose},
	{NULL, NULL}
};

static const lunatik_class_t luaxtable_class = {
	.name = "xtable",
	.methods = luaxtable_methods,
	.release = luaxtable_release,
	.sleep = false,
	.single = true,
};

/* What xtable.match{} and xtable.target{} were given, checked. */
struct luaxtable_opts {
	bool target;
	char name[XT_EXTENSION_MAXNAMELEN];
	u8 revision;
	u8 family;
	u16 proto;
	unsigned int hooks;
	bool userns;
	int fnix;			/* stack index of match or target */
	int checkref, destroyref;
};

static lua_Integer luaxtable_optinteger(lua_State *L, const char *field, lua_Integer def,
					lua_Integer min, lua_Integer max)
{
	lua_Integer v;

	if (lua_getfield(L, 1, field) == LUA_TNIL) {
		lua_pop(L, 1);
		return def;
	}
	if (!lua_isinteger(L, -1))
		luaL_error(L, "xtable: '%s' must be an integer", field);
	v = lua_tointeger(L, -1);
	if (v < min || v > max)
		luaL_error(L, "xtable: '%s' out of range [%d, %d]", field, (int)min, (int)max);
	lua_pop(L, 1);
	return v;
}

static int luaxtable_optfunction(lua_State *L, const char *field, bool required)
{
	int t = lua_getfield(L, 1, field);

	if (t == LUA_TNIL && !required) {
		lua_pop(L, 1);
		return LUA_NOREF;
	}
	if (t != LUA_TFUNCTION)
		luaL_error(L, "xtable: '%s' must be a function", field);
	return luaL_ref(L, LUA_REGISTRYINDEX);
}

static void luaxtable_checkopts(lua_State *L, struct luaxtable_opts *o)
{
	const char *name, *p;
	size_t len;

	luaL_checktype(L, 1, LUA_TTABLE);
	lua_getfield(L, 1, "name");
	name = lua_tolstring(L, -1, &len);
	if (!name || !len || len >= XT_EXTENSION_MAXNAMELEN)
		luaL_error(L, "xtable: 'name' must be a string of 1 to %d characters",
			   XT_EXTENSION_MAXNAMELEN - 1);
	for (p = name; *p; p++)
		if (!isalnum(*p) && *p != '_' && *p != '-')
			luaL_error(L, "xtable: invalid name '%s'", name);
	if ((size_t)(p - name) != len)
		luaL_error(L, "xtable: invalid name");
	strscpy(o->name, name, sizeof(o->name));
	lua_pop(L, 1);
	o->revision = luaxtable_optinteger(L, "revision", 0, 0, U8_MAX);
	o->family = luaxtable_optinteger(L, "family", NFPROTO_UNSPEC, 0, NFPROTO_NUMPROTO - 1);
	if (o->family != NFPROTO_UNSPEC && o->family != NFPROTO_IPV4 && o->family != NFPROTO_IPV6 &&
	    o->family != NFPROTO_ARP && o->family != NFPROTO_BRIDGE)
		luaL_error(L, "xtable: family %d has no x_tables", o->family);
	o->proto = luaxtable_optinteger(L, "proto", 0, 0, U8_MAX);
	/* Bits of NF_INET_*, NF_BR_* or NF_ARP_* hooks, checked against the table by x_tables. */
	o->hooks = luaxtable_optinteger(L, "hooks", 0, 0, U8_MAX);
	switch (lua_getfield(L, 1, "userns")) {
	case LUA_TNIL:
		break;
	case LUA_TBOOLEAN:
		o->userns = lua_toboolean(L, -1);
		break;
	default:
		luaL_error(L, "xtable: 'userns' must be a boolean");
	}
	lua_pop(L, 1);
	if (lua_getfield(L, 1, o->target ? "target" : "match") != LUA_TFUNCTION)
		luaL_error(L, "xtable: '%s' must be a function", o->target ? "target" : "match");
	o->fnix = lua_gettop(L);
	o->checkref = luaxtable_optfunction(L, "checkentry", false);
	o->destroyref = luaxtable_optfunction(L, "destroy", false);
}

/*
 * Whether a loaded extension (a kernel module's, or another script's
 * under another revision or family) already has this name: never shadow
 * it, since x_tables finds the last registered first.
 */
static bool luaxtable_taken(const struct luaxtable_opts *o)
{
	static const u8 families[] = {NFPROTO_UNSPEC, NFPROTO_IPV4, NFPROTO_IPV6,
				      NFPROTO_ARP, NFPROTO_BRIDGE};
	int i, err;

	for (i = 0; i < ARRAY_SIZE(families); i++)
		if (xt_find_revision(families[i], o->name, o->revision, o->target, &err))
			return true;
	return false;
}

static struct luaxtable *luaxtable_find(const struct luaxtable_opts *o)
{
	struct luaxtable *ext;

	list_for_each_entry(ext, &luaxtable_list, list) {
		if (ext->target != o->target || strcmp(luaxtable_name(ext), o->name))
			continue;
		if (ext->target ? ext->xt.target.revision == o->revision &&
				  ext->xt.target.family == o->family :
				  ext->xt.match.revision == o->revision &&
				  ext->xt.match.family == o->family)
			return ext;
	}
	return NULL;
}

static struct luaxtable *luaxtable_alloc(const struct luaxtable_opts *o)
{
	struct luaxtable *ext = kzalloc(sizeof(*ext), GFP_KERNEL);

	if (!ext)
		return NULL;
	ext->target = o->target;
	snprintf(ext->label, sizeof(ext->label), "xtable %s", o->name);
	if (o->target) {
		struct xt_target *t = &ext->xt.target;

		/* name is const for static initializers; ours is filled once, here. */
		strscpy((char *)t->name, o->name, sizeof(t->name));
		t->revision = o->revision;
		t->family = o->family;
		t->proto = o->proto;
		t->hooks = o->hooks;
		t->target = luaxtable_target;
		t->checkentry = luaxtable_tgcheck;
		t->destroy = luaxtable_tgdestroy;
		t->targetsize = sizeof(struct luaxtable_info);
		t->usersize = LUAXTABLE_USERSIZE;
		t->me = THIS_MODULE;
	} else {
		struct xt_match *m = &ext->xt.match;

		strscpy((char *)m->name, o->name, sizeof(m->name));
		m->revision = o->revision;
		m->family = o->family;
		m->proto = o->proto;
		m->hooks = o->hooks;
		m->match = luaxtable_match;
		m->checkentry = luaxtable_mtcheck;
		m->destroy = luaxtable_mtdestroy;
		m->matchsize = sizeof(struct luaxtable_info);
		m->usersize = LUAXTABLE_USERSIZE;
		m->me = THIS_MODULE;
	}
	return ext;
}

/* Protected, under luaxtable_mutex: (ext, function, opts); binds this state's slot. */
static int luaxtable_pbind(lua_State *L)
{
	struct luaxtable *ext = lua_touserdata(L, 1);
	const struct luaxtable_opts *o = lua_touserdata(L, 3);
	struct luapacket_slot *slot;

	luapacket_bind(L, &ext->packet, 2, ext->label);
	slot = luapacket_slot(&ext->packet, lunatik_cpu(L));
	slot->own[LUAXTABLE_CHECKREF] = o->checkref;
	slot->own[LUAXTABLE_DESTROYREF] = o->destroyref;
	luaxtable_newpar(L, slot);
	luapacket_keep(L, &slot->arg);
	return 0;
}

/*
 * xtable.match/target in the state of a per-CPU runtime after the first:
 * the first state registered the extension; this CPU's packets call this
 * state's functions. The same name, kind, revision and family are required.
 */
static int luaxtable_join(lua_State *L, lunatik_object_t *object, struct luaxtable_opts *o)
{
	struct luaxtable *ext = object->private;
	int status;

	if (!ext || ext->target != o->target || strcmp(luaxtable_name(ext), o->name) ||
	    (o->target ? ext->xt.target.revision != o->revision ||
			 ext->xt.target.family != o->family :
			 ext->xt.match.revision != o->revision ||
			 ext->xt.match.family != o->family))
		return luaL_error(L, "xtable: per-CPU script: CPU %d registers another extension "
				  "than the first CPU did", lunatik_cpu(L));
	lua_pushcfunction(L, luaxtable_pbind);
	lua_pushlightuserdata(L, ext);
	lua_pushvalue(L, o->fnix);
	lua_pushlightuserdata(L, o);
	mutex_lock(&luaxtable_mutex);
	if (!ext->bound) {
		mutex_unlock(&luaxtable_mutex);
		return luaL_error(L, "xtable: the first CPU's %s '%s' is gone",
				  o->target ? "target" : "match", o->name);
	}
	status = lua_pcall(L, 3, 0, 0);
	mutex_unlock(&luaxtable_mutex);
	if (status != LUA_OK)
		return lua_error(L);
	lunatik_pushobject(L, object);
	lua_pushvalue(L, -1);
	lua_rawsetp(L, LUA_REGISTRYINDEX, object);
	return 1;
}

static int luaxtable_new(lua_State *L, bool target)
{
	struct luaxtable_opts o = {.target = target};
	lunatik_object_t *object;
	struct luaxtable *ext;
	const char *err = NULL;
	bool fresh = false;

	if (lunatik_sleepable(L))
		return luaL_error(L, "xtable: needs a non-sleepable runtime (lunatik run <script> false)");
	if (!luapacket_maysleep())
		return luaL_error(L, "xtable: extensions are registered while the script loads");
	luaxtable_checkopts(L, &o);

	object = lunatik_shared(L, &luaxtable_class);
	if (object)
		return luaxtable_join(L, object, &o);

	/* Anchored first, so that it is only collected when the state closes. */
	object = lunatik_newobject(L, &luaxtable_class, 0);
	lua_pushvalue(L, -1);
	lua_rawsetp(L, LUA_REGISTRYINDEX, object);
	/* A per-CPU runtime's other states find it (lunatik_shared). */
	lunatik_share(L, object);

	/* Nothing below raises while the mutex is held. */
	mutex_lock(&luaxtable_mutex);
	ext = luaxtable_find(&o);
	if (ext && ext->bound) {
		err = "xtable: %s '%s' revision %d is already registered by a script";
	} else if (!ext) {
		if (luaxtable_taken(&o)) {
			err = "xtable: another extension is already named %s '%s' (revision %d)";
		} else {
			ext = luaxtable_alloc(&o);
			if (!ext)
				err = "xtable: not enough memory for %s '%s' revision %d";
			else
				fresh = true;
		}
	}
	if (!err) {
		lua_pushcfunction(L, luaxtable_pbind);
		lua_pushlightuserdata(L, ext);
		lua_pushvalue(L, o.fnix);
		lua_pushlightuserdata(L, &o);
		if (lua_pcall(L, 3, 0, 0) != LUA_OK) {
			luapacket_unbind(NULL, &ext->packet);
			if (fresh)
				kfree(ext);
			mutex_unlock(&luaxtable_mutex);
			return lua_error(L);
		}
		if (fresh)
			list_add(&ext->list, &luaxtable_list);
		ext->userns = o.userns;
		ext->gen++;
		object->private = ext;
		if (!ext->registered) {
			int ret = target ? xt_register_target(&ext->xt.target) :
					   xt_register_match(&ext->xt.match);

			ext->registered = !ret;
		}
		/* Packets may use the binding from now on. */
		smp_store_release(&ext->bound, true);
	}
	mutex_unlock(&luaxtable_mutex);
	if (err)
		return luaL_error(L, err, target ? "target" : "match", o.name, o.revision);
	return 1;
}

static int luaxtable_lmatch(lua_State *L)
{
	return luaxtable_new(L, false);
}

static int luaxtable_ltarget(lua_State *L)
{
	return luaxtable_new(L, true);
}

static const luaL_Reg luaxtable_lib[] = {
	{"match", luaxtable_lmatch},
	{"target", luaxtable_ltarget},
	{NULL, NULL}
};

static int luaopen_xtable(lua_State *L)
{
	luaL_newlib(L, luaxtable_lib);
	lunatik_newclass(L, &luaxtable_class);
	return 1;
}

static struct lunatik_lib luaxtable_lunatik_lib = {
	.name = "xtable",
	.open = luaopen_xtable,
	.owner = THIS_MODULE,
	.sleep = false,
};

/*
 * /sys/module/luaxtable/parameters/rules: rules (iptables, nftables)
 * naming a Lua extension. They hold this module, so `lunatik unload`
 * reads it to refuse before it stops anything.
 */
static int luaxtable_getrules(char *buf, const struct kernel_param *kp)
{
	struct luaxtable *ext;
	long rules = 0;

	mutex_lock(&luaxtable_mutex);
	list_for_each_entry(ext, &luaxtable_list, list)
		rules += atomic_read(&ext->rules);
	mutex_unlock(&luaxtable_mutex);
	return scnprintf(buf, PAGE_SIZE, "%ld\n", rules);
}

static const struct kernel_param_ops luaxtable_rules_ops = {
	.get = luaxtable_getrules,
};
module_param_cb(rules, &luaxtable_rules_ops, NULL, 0444);
MODULE_PARM_DESC(rules, "rules that name a Lua extension (read-only)");

static int __init luaxtable_init(void)
{
	return lunatik_register_lib(&luaxtable_lunatik_lib);
}

/*
 * Rules hold this module and scripts that required xtable hold it too,
 * so nothing is bound or registered any more.
 */
static void __exit luaxtable_exit(void)
{
	struct luaxtable *ext, *next;

	lunatik_unregister_lib(&luaxtable_lunatik_lib);
	list_for_each_entry_safe(ext, next, &luaxtable_list, list) {
		if (ext->registered || ext->bound) {
			pr_err("%s: still in use at exit, leaked\n", luaxtable_name(ext));
			continue;
		}
		list_del(&ext->list);
		kfree(ext);
	}
}

module_init(luaxtable_init);
module_exit(luaxtable_exit);
MODULE_LICENSE("GPL");
MODULE_VERSION(LUNATIK_RELEASE);
MODULE_DESCRIPTION("Lunatik library: xtable (xtables matches and targets in Lua)");
MODULE_SOFTDEP("pre: luanetfilter");
