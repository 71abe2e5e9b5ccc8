// SPDX-License-Identifier: GPL-2.0
/*
 * Building the expressions of a rule, in the shapes nft itself emits, so
 * that stock `nft list ruleset` prints them as its own selectors.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/udata.h>
#include <linux/netfilter/nf_tables.h>

#include "nft-lua.h"

static struct nftnl_expr *expr_new(struct nftnl_rule *r, const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);

	if (!e)
		die("out of memory");
	nftnl_rule_add_expr(r, e);
	return e;
}

static void cmp(struct nftnl_rule *r, const void *data, size_t len, bool neq)
{
	struct nftnl_expr *e = expr_new(r, "cmp");

	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, neq ? NFT_CMP_NEQ : NFT_CMP_EQ);
	nftnl_expr_set_data(e, NFTNL_EXPR_CMP_DATA, data, len);
}

/* meta l4proto: the transport protocol in every family (ip, ip6, inet,
 * bridge), after IPv6 extension headers.
 */
void rule_l4proto(struct nftnl_rule *r, uint8_t proto, bool neq)
{
	struct nftnl_expr *e = expr_new(r, "meta");

	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, NFT_META_L4PROTO);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	cmp(r, &proto, sizeof(proto), neq);
}

/* tcp and udp share the port offsets; the caller put the l4proto first. */
void rule_port(struct nftnl_rule *r, bool dport, uint16_t port, bool neq)
{
	struct nftnl_expr *e = expr_new(r, "payload");
	uint16_t be = htons(port);

	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE,
			   NFT_PAYLOAD_TRANSPORT_HEADER);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, dport ? 2 : 0);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, sizeof(be));
	cmp(r, &be, sizeof(be), neq);
}

void rule_counter(struct nftnl_rule *r, uint64_t packets, uint64_t bytes)
{
	struct nftnl_expr *e = expr_new(r, "counter");

	nftnl_expr_set_u64(e, NFTNL_EXPR_CTR_PACKETS, packets);
	nftnl_expr_set_u64(e, NFTNL_EXPR_CTR_BYTES, bytes);
}

void rule_verdict(struct nftnl_rule *r, int verdict, const char *chain)
{
	struct nftnl_expr *e = expr_new(r, "immediate");

	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, verdict);
	if (chain)
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
}

/* The compat expressions: the kernel's xt_check_match/target checks the
 * blob exactly as for an iptables rule.
 */
void rule_xt(struct nftnl_rule *r, const struct xt_blob *blob)
{
	struct nftnl_expr *e = expr_new(r, blob->target ? "target" : "match");
	/* libnftnl keeps (and frees) the info pointer it is given */
	void *info = malloc(blob->len);

	if (!info)
		die("out of memory");
	memcpy(info, blob->info, blob->len);
	if (blob->target) {
		nftnl_expr_set_str(e, NFTNL_EXPR_TG_NAME, blob->name);
		nftnl_expr_set_u32(e, NFTNL_EXPR_TG_REV, blob->rev);
		nftnl_expr_set_data(e, NFTNL_EXPR_TG_INFO, info, blob->len);
	} else {
		nftnl_expr_set_str(e, NFTNL_EXPR_MT_NAME, blob->name);
		nftnl_expr_set_u32(e, NFTNL_EXPR_MT_REV, blob->rev);
		nftnl_expr_set_data(e, NFTNL_EXPR_MT_INFO, info, blob->len);
	}
}

/* A rule comment is user data in the TLV layout nft and iptables-nft
 * use, so all three show it.
 */
void rule_comment(struct nftnl_rule *r, const char *text)
{
	struct nftnl_udata_buf *buf = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);

	if (!buf)
		die("out of memory");
	if (!nftnl_udata_put_strz(buf, NFTNL_UDATA_RULE_COMMENT, text))
		usage_error("comment too long");
	nftnl_rule_set_data(r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(buf),
			    nftnl_udata_buf_len(buf));
	nftnl_udata_buf_free(buf);
}

static int comment_cb(const struct nftnl_udata *attr, void *data)
{
	const char **text = data;
	const char *s = nftnl_udata_get(attr);
	uint8_t len = nftnl_udata_len(attr);

	if (nftnl_udata_type(attr) == NFTNL_UDATA_RULE_COMMENT && len > 0 &&
	    s[len - 1] == '\0')
		*text = s;
	return 0;
}

const char *rule_get_comment(const struct nftnl_rule *r)
{
	const char *text = NULL;
	const void *data;
	uint32_t len;

	if (!nftnl_rule_is_set(r, NFTNL_RULE_USERDATA))
		return NULL;
	data = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &len);
	nftnl_udata_parse(data, len, comment_cb, &text);
	return text;
}
