// SPDX-License-Identifier: GPL-2.0
/*
 * Expressions back to rule words: the inverse of grammar.c, for list, save
 * and the dry run's round trip. A rule holding anything grammar.c would not
 * have built (a native nft rule, most iptables-nft rules) is not decoded:
 * list says so, and nft shows it.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "nft-lua.h"

#define MAX_EXPRS 64

struct decode {
	struct nftnl_expr *e[MAX_EXPRS];
	size_t n, i;
	uint8_t l4proto;
	bool print, counters;
	unsigned int words;
};

static bool is(const struct nftnl_expr *e, const char *name)
{
	return e && !strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), name);
}

static struct nftnl_expr *at(struct decode *d, size_t k)
{
	return d->i + k < d->n ? d->e[d->i + k] : NULL;
}

/* cmp on register 1 of LEN bytes; *neq tells its operator */
static const uint8_t *cmp_data(const struct nftnl_expr *e, uint32_t len,
			       bool *neq)
{
	uint32_t got, op;
	const uint8_t *data;

	if (!is(e, "cmp") || nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_SREG) != NFT_REG_1)
		return NULL;
	op = nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_OP);
	if (op != NFT_CMP_EQ && op != NFT_CMP_NEQ)
		return NULL;
	data = nftnl_expr_get_data(e, NFTNL_EXPR_CMP_DATA, &got);
	if (got != len)
		return NULL;
	*neq = op == NFT_CMP_NEQ;
	return data;
}

/* The next word: separated from the previous one, if printing. */
static void __attribute__((format(printf, 2, 3)))
out(struct decode *d, const char *fmt, ...)
{
	va_list ap;

	if (!d->print)
		return;
	if (d->words++)
		putchar(' ');
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

/* A word as restore and a shell both read it back. */
void print_quoted(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (strchr("\"\\$`", *s))
			putchar('\\');
		putchar(*s);
	}
	putchar('"');
}

static bool l4proto(struct decode *d)
{
	struct nftnl_expr *e = at(d, 0);
	const uint8_t *proto;
	const char *name;
	bool neq;
	char num[4];

	if (nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY) != NFT_META_L4PROTO ||
	    nftnl_expr_get_u32(e, NFTNL_EXPR_META_DREG) != NFT_REG_1)
		return false;
	proto = cmp_data(at(d, 1), 1, &neq);
	if (!proto)
		return false;
	d->i += 2;
	/* the dependency of a following port selector is implied by it */
	if (!neq && (*proto == 6 || *proto == 17) && is(at(d, 0), "payload")) {
		d->l4proto = *proto;
		return true;
	}
	name = grammar_protocol_name(*proto);
	snprintf(num, sizeof(num), "%u", *proto);
	out(d, "meta l4proto%s %s", neq ? " !=" : "", name ? name : num);
	if (!neq)
		d->l4proto = *proto;
	return true;
}

static bool port(struct decode *d)
{
	struct nftnl_expr *e = at(d, 0);
	const uint8_t *data;
	uint32_t offset;
	uint16_t port;
	bool neq;

	offset = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET);
	if ((d->l4proto != 6 && d->l4proto != 17) ||
	    nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_BASE) !=
	    NFT_PAYLOAD_TRANSPORT_HEADER ||
	    nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_DREG) != NFT_REG_1 ||
	    nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_LEN) != 2 ||
	    (offset != 0 && offset != 2))
		return false;
	data = cmp_data(at(d, 1), 2, &neq);
	if (!data)
		return false;
	memcpy(&port, data, sizeof(port));
	out(d, "%s %s%s %u", d->l4proto == 6 ? "tcp" : "udp",
	    offset ? "dport" : "sport", neq ? " !=" : "", ntohs(port));
	d->i += 2;
	return true;
}

static bool counter(struct decode *d)
{
	struct nftnl_expr *e = at(d, 0);

	/* values restore sets again; the dry run shows those it was given */
	if (d->counters || nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS) ||
	    nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_BYTES))
		out(d, "counter packets %llu bytes %llu",
		    (unsigned long long)nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS),
		    (unsigned long long)nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_BYTES));
	else
		out(d, "counter");
	d->i++;
	return true;
}

static bool verdict(struct decode *d)
{
	struct nftnl_expr *e = at(d, 0);
	const char *name;

	if (nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_DREG) != NFT_REG_VERDICT)
		return false;
	name = grammar_verdict_name(nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_VERDICT));
	if (!name)
		return false;
	if (nftnl_expr_is_set(e, NFTNL_EXPR_IMM_CHAIN))
		out(d, "%s %s", name, nftnl_expr_get_str(e, NFTNL_EXPR_IMM_CHAIN));
	else
		out(d, "%s", name);
	d->i++;
	return true;
}

static bool extension(struct decode *d, bool target)
{
	struct nftnl_expr *e = at(d, 0);
	struct xt_blob blob = { .target = target };
	uint32_t len;

	snprintf(blob.name, sizeof(blob.name), "%s", nftnl_expr_get_str(e,
		 target ? NFTNL_EXPR_TG_NAME : NFTNL_EXPR_MT_NAME));
	blob.rev = nftnl_expr_get_u32(e, target ? NFTNL_EXPR_TG_REV :
					 NFTNL_EXPR_MT_REV);
	blob.info = (void *)nftnl_expr_get_data(e, target ? NFTNL_EXPR_TG_INFO :
						NFTNL_EXPR_MT_INFO, &len);
	blob.len = len;
	if (!xt_printable(&blob))
		return false;
	/* bare when the grammar reads it back as the same thing */
	if (grammar_is_keyword(blob.name) ||
	    (target && xt_is_match(blob.name)))
		out(d, "%s %s", target ? "target" : "match", blob.name);
	else
		out(d, "%s", blob.name);
	if (d->print)
		xt_print(&blob, d->l4proto);
	d->i++;
	return true;
}

static bool step(struct decode *d)
{
	struct nftnl_expr *e = at(d, 0);

	if (is(e, "meta"))
		return l4proto(d);
	if (is(e, "payload"))
		return port(d);
	if (is(e, "counter"))
		return counter(d);
	if (is(e, "immediate"))
		return verdict(d);
	if (is(e, "match"))
		return extension(d, false);
	if (is(e, "target"))
		return extension(d, true);
	return false;
}

/*
 * Print the rule's words (each with a leading space) if PRINT; true if
 * every expression is one grammar.c builds. Call it with PRINT false
 * first: a rule is printed whole or not at all.
 */
bool decode_rule(const struct nftnl_rule *r, bool print, bool counters)
{
	struct decode d = { .print = print, .counters = counters };
	struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
	struct nftnl_expr *e;
	const char *comment;
	bool ok = true;

	if (!it)
		die("out of memory");
	while ((e = nftnl_expr_iter_next(it))) {
		if (d.n == MAX_EXPRS) {
			ok = false;
			break;
		}
		d.e[d.n++] = e;
	}
	nftnl_expr_iter_destroy(it);
	while (ok && d.i < d.n)
		ok = step(&d);
	comment = rule_get_comment(r);
	if (ok && comment) {
		out(&d, "comment ");
		if (print)
			print_quoted(comment);
	}
	return ok;
}

static void hex(const uint8_t *p, uint32_t len)
{
	uint32_t i, end = len;

	/* trailing zeros are padding or unset fields: elide them */
	while (end && !p[end - 1])
		end--;
	printf(" info %u bytes", len);
	for (i = 0; i < end; i++)
		printf("%s%02x", i % 16 ? "" : "\n\t\t", p[i]);
}

/* The expressions as libnftnl prints them, blobs in hex: --debug, -n. */
void debug_rule(const struct nftnl_rule *r)
{
	struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
	struct nftnl_expr *e;
	const uint8_t *info;
	char buf[512];
	uint32_t len;

	if (!it)
		die("out of memory");
	if (nftnl_rule_is_set(r, NFTNL_RULE_COMPAT_PROTO))
		printf("\tcompat proto %u flags %u\n",
		       nftnl_rule_get_u32(r, NFTNL_RULE_COMPAT_PROTO),
		       nftnl_rule_get_u32(r, NFTNL_RULE_COMPAT_FLAGS));
	while ((e = nftnl_expr_iter_next(it))) {
		nftnl_expr_snprintf(buf, sizeof(buf), e, NFTNL_OUTPUT_DEFAULT, 0);
		printf("\t[ %s %s]", nftnl_expr_get_str(e, NFTNL_EXPR_NAME), buf);
		if (is(e, "match") || is(e, "target")) {
			info = nftnl_expr_get_data(e, is(e, "match") ?
						   NFTNL_EXPR_MT_INFO :
						   NFTNL_EXPR_TG_INFO, &len);
			hex(info, len);
		}
		putchar('\n');
	}
	nftnl_expr_iter_destroy(it);
	if (rule_get_comment(r)) {
		printf("\tcomment ");
		print_quoted(rule_get_comment(r));
		putchar('\n');
	}
}
