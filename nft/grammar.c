// SPDX-License-Identifier: GPL-2.0
/*
 * The rule grammar: the words after "add rule FAMILY TABLE CHAIN", left to
 * right, each becoming expressions in that order, as in nft:
 *
 *   meta l4proto [!=] PROTO          PROTO: a name below or a number
 *   tcp|udp sport|dport [!=] PORT    PORT: a number (adds meta l4proto)
 *   counter [packets N bytes N]
 *   comment TEXT                     (comment --comment TEXT is the
 *                                    xtables comment match)
 *   [match|target] NAME [OPTIONS]    an xtables extension and its options,
 *                                    parsed by its plugin; a bare NAME is
 *                                    tried as a match, then as a target
 *   accept | drop | return | continue | jump CHAIN | goto CHAIN
 *
 * Not supported (use nft for those rules): addresses (ip saddr ...),
 * interfaces, sets and maps, ranges and lists, service names, nat, log,
 * limit and every other native nft statement.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <libnftnl/rule.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "nft-lua.h"

static const struct {
	const char *name;
	uint8_t num;
} protocols[] = {
	{ "icmp", 1 }, { "tcp", 6 }, { "udp", 17 }, { "dccp", 33 },
	{ "gre", 47 }, { "esp", 50 }, { "ah", 51 }, { "icmpv6", 58 },
	{ "sctp", 132 }, { "udplite", 136 },
};

#define NPROTOCOLS (sizeof(protocols) / sizeof(protocols[0]))

static const struct {
	const char *name;
	int verdict;
	bool chain;
} verdicts[] = {
	{ "accept", NF_ACCEPT, false }, { "drop", NF_DROP, false },
	{ "return", NFT_RETURN, false }, { "continue", NFT_CONTINUE, false },
	{ "jump", NFT_JUMP, true }, { "goto", NFT_GOTO, true },
};

#define NVERDICTS (sizeof(verdicts) / sizeof(verdicts[0]))

static const char *const keywords[] = {
	"meta", "tcp", "udp", "counter", "comment", "match", "target",
};

bool grammar_is_keyword(const char *word)
{
	size_t i;

	for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (!strcmp(word, keywords[i]))
			return true;
	for (i = 0; i < NVERDICTS; i++)
		if (!strcmp(word, verdicts[i].name))
			return true;
	return false;
}

const char *grammar_protocol_name(uint8_t num)
{
	size_t i;

	for (i = 0; i < NPROTOCOLS; i++)
		if (protocols[i].num == num)
			return protocols[i].name;
	return NULL;
}

const char *grammar_verdict_name(int verdict)
{
	size_t i;

	for (i = 0; i < NVERDICTS; i++)
		if (verdicts[i].verdict == verdict)
			return verdicts[i].name;
	return NULL;
}

static unsigned long number(const char *what, const char *word,
			    unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(word, &end, 0);
	if (errno || end == word || *end || word[0] == '-' || v > max)
		usage_error("%s: \"%s\" is not a number from 0 to %lu", what,
			    word, max);
	return v;
}

static uint8_t protocol(const char *word)
{
	size_t i;

	for (i = 0; i < NPROTOCOLS; i++)
		if (!strcmp(protocols[i].name, word))
			return protocols[i].num;
	return number("meta l4proto", word, 255);
}

struct parse {
	struct nftnl_rule *r;
	char **w;
	size_t n, i;
	uint8_t l4proto;	/* what meta l4proto == matched, 0 if none */
	bool verdict, comment, counter;
};

static const char *next(struct parse *p, const char *what)
{
	if (p->i >= p->n)
		usage_error("%s needs a value", what);
	return p->w[p->i++];
}

/* "!=" or nothing: nft's notation for a negated comparison. */
static bool negated(struct parse *p)
{
	if (p->i < p->n && !strcmp(p->w[p->i], "!=")) {
		p->i++;
		return true;
	}
	return false;
}

static void meta(struct parse *p)
{
	bool neq;
	uint8_t proto;

	if (strcmp(next(p, "meta"), "l4proto"))
		usage_error("meta: nft-lua takes \"meta l4proto\"; other meta expressions "
			    "are nft's own syntax: write this rule with nft");
	neq = negated(p);
	proto = protocol(next(p, "meta l4proto"));
	rule_l4proto(p->r, proto, neq);
	if (!neq)
		p->l4proto = proto;
}

static void port(struct parse *p, const char *l4, uint8_t proto)
{
	const char *field = next(p, l4);
	bool dport, neq;

	if (!strcmp(field, "dport"))
		dport = true;
	else if (!strcmp(field, "sport"))
		dport = false;
	else
		usage_error("%s: nft-lua takes sport and dport; \"%s %s\" is nft's own "
			    "syntax: write this rule with nft", l4, l4, field);
	if (p->l4proto && p->l4proto != proto)
		usage_error("%s after meta l4proto %u never matches", l4,
			    p->l4proto);
	/* the dependency, once per rule, as nft adds it */
	if (!p->l4proto) {
		rule_l4proto(p->r, proto, false);
		p->l4proto = proto;
	}
	neq = negated(p);
	rule_port(p->r, dport, number(l4, next(p, l4), 65535), neq);
}

static void counter(struct parse *p)
{
	uint64_t packets = 0, bytes = 0;

	if (p->counter)
		usage_error("one counter per rule");
	p->counter = true;
	/* the values, as `save` writes them to restore counters */
	if (p->i < p->n && !strcmp(p->w[p->i], "packets")) {
		p->i++;
		packets = number("counter packets", next(p, "packets"),
				 ~0UL);
		if (strcmp(next(p, "counter packets N"), "bytes"))
			usage_error("counter packets N needs bytes N");
		bytes = number("counter bytes", next(p, "bytes"), ~0UL);
	}
	rule_counter(p->r, packets, bytes);
}

static bool verdict(struct parse *p, const char *word)
{
	const char *chain = NULL;
	size_t i;

	for (i = 0; i < NVERDICTS; i++)
		if (!strcmp(word, verdicts[i].name))
			break;
	if (i == NVERDICTS)
		return false;
	if (verdicts[i].chain)
		chain = next(p, word);
	rule_verdict(p->r, verdicts[i].verdict, chain);
	p->verdict = true;
	return true;
}

/*
 * nft's own expressions, which nft-lua leaves to nft. Some share a name
 * with an xtables extension ("mark --mark 1", "limit --limit 1/s"): a
 * word of this list followed by an option is the extension, otherwise it
 * is nft syntax, and the user is told to write that rule with nft.
 */
static const char *const native_words[] = {
	"ip", "ip6", "inet", "ether", "arp", "vlan", "icmp", "icmpv6", "igmp", "udplite",
	"sctp", "dccp", "th", "ah", "esp", "comp", "ipcomp", "ct", "mark", "iif", "oif",
	"iifname", "oifname", "iiftype", "oiftype", "skuid", "skgid", "rt", "fib", "socket",
	"osf", "limit", "log", "quota", "reject", "masquerade", "snat", "dnat", "redirect",
	"notrack", "queue", "dup", "fwd", "numgen", "jhash", "symhash", "synproxy", "tproxy",
	"exthdr", "frag", "hbh", "mh", "srh", "dst", "ipsec", "set", "update", "add", "flow",
	"secmark", "pkttype", "cpu", "cgroup", "nfproto", "l4proto", "length", "priority",
	"saddr", "daddr", "@", NULL
};

static void native_word(struct parse *p, const char *word)
{
	const char *const *w;

	if (p->i < p->n && p->w[p->i][0] == '-')
		return;	/* options follow: an xtables extension of that name */
	for (w = native_words; *w; w++)
		if (!strcmp(*w, word) || (word[0] == '@' && !strcmp(*w, "@")))
			usage_error("\"%s\" is nft's own syntax, which nft-lua leaves to nft: "
				    "write this rule with nft (its rules and nft-lua's share "
				    "the chains)", word);
}

static void extension(struct parse *p, const char *name, int kind)
{
	struct xt_blob blob;

	p->i += xt_parse(name, kind, p->w + p->i, p->n - p->i, p->l4proto,
			 &blob);
	rule_xt(p->r, &blob);
}

void grammar_rule(struct nftnl_rule *r, int family, char **words, size_t n)
{
	struct parse p = { .r = r, .w = words, .n = n };
	const char *word;

	if (!n)
		usage_error("a rule needs at least one word (e.g. a verdict)");
	while (p.i < p.n) {
		word = p.w[p.i++];
		if (p.verdict && strcmp(word, "comment"))
			usage_error("\"%s\" after the verdict would never run",
				    word);
		if (!strcmp(word, "meta")) {
			meta(&p);
		} else if (!strcmp(word, "tcp")) {
			port(&p, word, 6);
		} else if (!strcmp(word, "udp")) {
			port(&p, word, 17);
		} else if (!strcmp(word, "counter")) {
			counter(&p);
		} else if (!strcmp(word, "comment") && p.i < p.n &&
			   p.w[p.i][0] == '-') {
			/* "comment --comment TEXT": the xtables match */
			extension(&p, word, XT_MATCH);
		} else if (!strcmp(word, "comment")) {
			if (p.comment)
				usage_error("one comment per rule");
			p.comment = true;
			rule_comment(r, next(&p, word));
		} else if (!strcmp(word, "match")) {
			extension(&p, next(&p, word), XT_MATCH);
		} else if (!strcmp(word, "target")) {
			extension(&p, next(&p, word), XT_TARGET);
		} else if (!verdict(&p, word)) {
			native_word(&p, word);
			extension(&p, word, XT_ANY);
		}
	}
	/* xt_check_match() compares an extension's declared protocol (a
	 * udp-only match, say) with the rule's, which nf_tables knows only
	 * from this attribute. The bridge family keeps an ethertype there.
	 */
	if (p.l4proto && family != NFPROTO_BRIDGE) {
		nftnl_rule_set_u32(r, NFTNL_RULE_COMPAT_PROTO, p.l4proto);
		nftnl_rule_set_u32(r, NFTNL_RULE_COMPAT_FLAGS, 0);
	}
}
