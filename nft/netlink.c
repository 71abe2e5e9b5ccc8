// SPDX-License-Identifier: GPL-2.0
/*
 * Talking to nf_tables: every change of one invocation goes into a single
 * batch, which the kernel applies atomically or not at all (so a restore
 * file that fails on its last line changes nothing); dumps for listing; the
 * compat layer's revision query. Kernel errors become messages naming the
 * command and, through the extended ack's attribute offset, the table,
 * chain or expression at fault.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_tables_compat.h>
#include <linux/netlink.h>

#include "nft-lua.h"

#define MSG_MAX		65536
#define MAX_EXPRS	64

/* What to say when the kernel refuses one message of the batch. */
struct msg {
	uint32_t seq;
	uint16_t type;
	char *what;		/* "line 3: add rule ip filter output" */
	char *table, *chain;
	int family;
	uint32_t table_off, chain_off, handle_off;
	size_t nexprs;
	uint32_t expr_off[MAX_EXPRS], expr_end[MAX_EXPRS];
	char expr_name[MAX_EXPRS][48];
};

static struct mnl_socket *sock;
static uint32_t seq;
static char *batch;
static size_t batch_len, batch_cap;
static struct msg *msgs;
static size_t nmsgs;

static struct mnl_socket *nl_socket(void)
{
	int one = 1;

	if (sock)
		return sock;
	sock = mnl_socket_open(NETLINK_NETFILTER);
	if (!sock)
		die("cannot open a netfilter netlink socket: %s",
		    strerror(errno));
	if (mnl_socket_bind(sock, 0, MNL_SOCKET_AUTOPID) < 0)
		die("cannot bind the netlink socket: %s", strerror(errno));
	/* the offending attribute, and no echo of the whole message */
	mnl_socket_setsockopt(sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(sock, NETLINK_CAP_ACK, &one, sizeof(one));
	seq = time(NULL);
	return sock;
}

static void append(const void *p, size_t len)
{
	if (batch_len + len > batch_cap) {
		batch_cap = (batch_len + len) * 2;
		batch = realloc(batch, batch_cap);
		if (!batch)
			die("out of memory");
	}
	memcpy(batch + batch_len, p, len);
	batch_len += len;
}

static struct msg *msg_new(uint16_t type, int family, const char *what)
{
	struct msg *m;

	msgs = realloc(msgs, (nmsgs + 1) * sizeof(*msgs));
	if (!msgs)
		die("out of memory");
	m = &msgs[nmsgs++];
	memset(m, 0, sizeof(*m));
	m->seq = ++seq;
	m->type = type;
	m->family = family;
	if (asprintf(&m->what, "%s%s", where, what) < 0)
		die("out of memory");
	return m;
}

/* Offsets of the attributes an extended ack may point at. */
static void note_offsets(struct msg *m, const struct nlmsghdr *nlh,
			 uint16_t table_attr, uint16_t chain_attr)
{
	const struct nlattr *a, *e;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		uint32_t off = (const char *)a - (const char *)nlh;
		uint16_t type = mnl_attr_get_type(a);

		if (type == table_attr)
			m->table_off = off;
		else if (type == chain_attr)
			m->chain_off = off;
		else if (m->type == NFT_MSG_DELRULE && type == NFTA_RULE_HANDLE)
			m->handle_off = off;
		else if (table_attr == NFTA_RULE_TABLE &&
			 type == NFTA_RULE_EXPRESSIONS)
			mnl_attr_for_each_nested(e, a) {
				if (m->nexprs == MAX_EXPRS)
					break;
				off = (const char *)e - (const char *)nlh;
				m->expr_off[m->nexprs] = off;
				m->expr_end[m->nexprs++] = off +
					mnl_attr_get_len(e);
			}
	}
}

static void expr_names(struct msg *m, struct nftnl_rule *r)
{
	struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
	struct nftnl_expr *e;
	const char *name;
	size_t i = 0;

	while (it && (e = nftnl_expr_iter_next(it)) && i < MAX_EXPRS) {
		name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
		if (!strcmp(name, "match"))
			snprintf(m->expr_name[i], sizeof(m->expr_name[i]),
				 "match %s", nftnl_expr_get_str(e, NFTNL_EXPR_MT_NAME));
		else if (!strcmp(name, "target"))
			snprintf(m->expr_name[i], sizeof(m->expr_name[i]),
				 "target %s", nftnl_expr_get_str(e, NFTNL_EXPR_TG_NAME));
		else
			snprintf(m->expr_name[i], sizeof(m->expr_name[i]),
				 "%s", name);
		i++;
	}
	nftnl_expr_iter_destroy(it);
}

static char msgbuf[MSG_MAX];

void nl_batch_table(const char *what, struct nftnl_table *t)
{
	struct msg *m = msg_new(NFT_MSG_NEWTABLE,
				nftnl_table_get_u32(t, NFTNL_TABLE_FAMILY), what);
	struct nlmsghdr *nlh;

	/* no NLM_F_EXCL: adding an existing table is not an error (nft) */
	nlh = nftnl_nlmsg_build_hdr(msgbuf, NFT_MSG_NEWTABLE, m->family,
				    NLM_F_CREATE, m->seq);
	nftnl_table_nlmsg_build_payload(nlh, t);
	append(nlh, nlh->nlmsg_len);
}

void nl_batch_chain(const char *what, struct nftnl_chain *c)
{
	struct msg *m = msg_new(NFT_MSG_NEWCHAIN,
				nftnl_chain_get_u32(c, NFTNL_CHAIN_FAMILY), what);
	struct nlmsghdr *nlh;

	nlh = nftnl_nlmsg_build_hdr(msgbuf, NFT_MSG_NEWCHAIN, m->family,
				    NLM_F_CREATE, m->seq);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	note_offsets(m, nlh, NFTA_CHAIN_TABLE, 0);
	m->table = strdup(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE));
	append(nlh, nlh->nlmsg_len);
}

/* NEWRULE (add, insert) or DELRULE (one rule by handle, or a flush). */
void nl_batch_rule(int type, uint16_t flags, struct nftnl_rule *r,
		   const char *what)
{
	struct msg *m = msg_new(type, nftnl_rule_get_u32(r, NFTNL_RULE_FAMILY),
				what);
	struct nlmsghdr *nlh;

	nlh = nftnl_nlmsg_build_hdr(msgbuf, type, m->family, flags, m->seq);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	if (nlh->nlmsg_len > MSG_MAX)
		die("%s: rule too large", m->what);
	note_offsets(m, nlh, NFTA_RULE_TABLE, NFTA_RULE_CHAIN);
	expr_names(m, r);
	m->table = strdup(nftnl_rule_get_str(r, NFTNL_RULE_TABLE));
	if (nftnl_rule_is_set(r, NFTNL_RULE_CHAIN))
		m->chain = strdup(nftnl_rule_get_str(r, NFTNL_RULE_CHAIN));
	append(nlh, nlh->nlmsg_len);
}

static const char *fam(const struct msg *m)
{
	return family_name(m->family) ? family_name(m->family) : "?";
}

static int compat_query(int family, const char *name, uint8_t rev,
			bool target);

/*
 * ENOENT comes both from the lookup of the extension and from its
 * checkentry (xt_string without its text search module, say), with the
 * same attribute offset: ask the compat layer which one it was.
 */
static bool registered(const struct msg *m, const char *expr, const char *ext)
{
	int err = compat_query(m->family, ext, 0, !strncmp(expr, "target", 6));

	return err == 0 || err == EPROTONOSUPPORT;
}

static void explain_expr(const struct msg *m, const char *expr, int err)
{
	const char *ext = strchr(expr, ' ') ? strchr(expr, ' ') + 1 : expr;

	if (err == ENOENT && ext != expr && !registered(m, expr, ext))
		fprintf(stderr, PROG ": %s: extension \"%s\" is not registered "
			"in the kernel. Is its module loaded, or for a "
			"Lua-scripted extension, is its script running "
			"(lunatik run <script> false)?\n", m->what, ext);
	else if (err == ENOENT && ext != expr && m->family == NFPROTO_INET)
		fprintf(stderr, PROG ": %s: %s: not found for inet tables (only "
			"extensions registered for every family are; use ip and "
			"ip6 tables), or its checkentry misses a module\n",
			m->what, expr);
	else if (err == ENOENT && ext != expr)
		fprintf(stderr, PROG ": %s: the kernel refused %s: its "
			"checkentry did not find something it needs (a helper "
			"module?)\n", m->what, expr);
	else if (err == EOPNOTSUPP && m->family == NFPROTO_BRIDGE &&
		 !strncmp(expr, "target ", 7))
		fprintf(stderr, PROG ": %s: the kernel refused %s: this target "
			"cannot run in bridge tables (a Lua target: nf_tables "
			"reads bridge targets as ebtables'; use a match and "
			"nft's verdicts, the kernel log says more)\n", m->what,
			expr);
	else if (err == EINVAL && ext != expr)
		fprintf(stderr, PROG ": %s: the kernel refused %s: invalid "
			"arguments, or a protocol, hook or table it does not "
			"allow (the kernel log says which)\n", m->what, expr);
	else
		fprintf(stderr, PROG ": %s: %s: %s\n", m->what, expr,
			strerror(err));
}

static void explain(const struct msg *m, int err, uint32_t off,
		    const char *text)
{
	size_t i;

	if (err == EPERM) {
		fprintf(stderr, PROG ": permission denied: changing or "
			"listing nftables needs CAP_NET_ADMIN (run as root)\n");
		return;
	}
	if (off && off == m->table_off) {
		fprintf(stderr, PROG ": %s: %s table %s %s\n", m->what,
			err == ENOENT ? "no such" : strerror(err), fam(m),
			m->table);
		return;
	}
	if (off && off == m->chain_off) {
		fprintf(stderr, PROG ": %s: %s chain %s %s %s\n", m->what,
			err == ENOENT ? "no such" : strerror(err), fam(m),
			m->table, m->chain);
		return;
	}
	if (off && off == m->handle_off) {
		fprintf(stderr, PROG ": %s: %s\n", m->what, err == ENOENT ?
			"no rule with that handle in this chain" :
			strerror(err));
		return;
	}
	/* the kernel points at an expression or at its data */
	for (i = 0; off && i < m->nexprs; i++)
		if (off >= m->expr_off[i] && off < m->expr_end[i]) {
			explain_expr(m, m->expr_name[i], err);
			return;
		}
	/* no attribute: nf_tables' commit-time validation of the chain */
	if (m->type == NFT_MSG_NEWRULE && err == EOPNOTSUPP &&
	    m->family == NFPROTO_BRIDGE)
		fprintf(stderr, PROG ": %s: the kernel refused an extension of "
			"this rule in a bridge table (a Lua target cannot run "
			"in bridge tables; the kernel log says more)\n", m->what);
	else if (m->type == NFT_MSG_NEWRULE && err == EOPNOTSUPP)
		fprintf(stderr, PROG ": %s: the kernel does not allow xtables "
			"extensions in %s tables\n", m->what, fam(m));
	else if (m->type == NFT_MSG_NEWRULE && err == EINVAL)
		fprintf(stderr, PROG ": %s: an extension of this rule is not "
			"allowed in this chain (its hook or chain type)\n",
			m->what);
	else
		fprintf(stderr, PROG ": %s: %s%s%s\n", m->what, strerror(err),
			text ? ": " : "", text ? text : "");
}

/* One NLMSG_ERROR: its error, seq and extended ack. */
static int error_of(const struct nlmsghdr *nlh, uint32_t *seq_out,
		    uint32_t *off, const char **text)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	size_t skip = sizeof(*e);

	*seq_out = e->msg.nlmsg_seq;
	*off = 0;
	*text = NULL;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		skip += e->msg.nlmsg_len - sizeof(e->msg);
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
		mnl_attr_for_each(a, nlh, skip) {
			if (mnl_attr_get_type(a) == NLMSGERR_ATTR_OFFS)
				*off = mnl_attr_get_u32(a);
			else if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG)
				*text = mnl_attr_get_str(a);
		}
	return -e->error;
}

/*
 * Send the batch. nfnetlink handles it while we are still in sendmsg, so
 * when that returns every error is already queued on the socket: drain it.
 */
int nl_commit(void)
{
	char buf[MNL_SOCKET_BUFFER_SIZE * 4], begin[64], end[64];
	struct nlmsghdr *nlh;
	uint32_t begin_seq, eseq, off;
	const char *text;
	size_t i, total;
	int failed = 0, err, size, n;
	char *all;

	if (!nmsgs || dry_run)
		return 0;
	nl_socket();
	begin_seq = msgs[0].seq - 1;
	nlh = nftnl_batch_begin(begin, begin_seq);
	total = nlh->nlmsg_len;
	all = malloc(total + batch_len + 64);
	if (!all)
		die("out of memory");
	memcpy(all, nlh, nlh->nlmsg_len);
	memcpy(all + total, batch, batch_len);
	total += batch_len;
	nlh = nftnl_batch_end(end, ++seq);
	memcpy(all + total, nlh, nlh->nlmsg_len);
	total += nlh->nlmsg_len;

	size = total + 4096;
	setsockopt(mnl_socket_get_fd(sock), SOL_SOCKET, SO_SNDBUFFORCE, &size,
		   sizeof(size));
	if (mnl_socket_sendto(sock, all, total) < 0) {
		if (errno == EPERM)
			explain(&msgs[0], EPERM, 0, NULL);
		else
			fprintf(stderr, PROG ": sending to nf_tables: %s\n",
				strerror(errno));
		free(all);
		return 1;
	}
	free(all);
	while ((n = recv(mnl_socket_get_fd(sock), buf, sizeof(buf),
			 MSG_DONTWAIT)) > 0) {
		/* n counts down as mnl_nlmsg_next walks the messages */
		for (nlh = (struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, n);
		     nlh = mnl_nlmsg_next(nlh, &n)) {
			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			err = error_of(nlh, &eseq, &off, &text);
			if (!err)
				continue;
			failed = 1;
			for (i = 0; i < nmsgs; i++)
				if (msgs[i].seq == eseq)
					break;
			if (i < nmsgs) {
				explain(&msgs[i], err, off, text);
			} else if (err == EPERM) {
				explain(&msgs[0], err, 0, NULL);
			} else {
				fprintf(stderr, PROG ": nf_tables refused the "
					"batch: %s\n", strerror(err));
			}
		}
	}
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
		fprintf(stderr, PROG ": reading nf_tables' answer: %s\n",
			strerror(errno));
		failed = 1;
	}
	return failed;
}

struct dump {
	uint16_t type;
	nl_dump_cb cb;
	void *data;
};

static int dump_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct dump *d = arg;
	void *obj = NULL;

	switch (d->type) {
	case NFT_MSG_GETTABLE:
		obj = nftnl_table_alloc();
		if (obj && nftnl_table_nlmsg_parse(nlh, obj) < 0)
			die("bad table message from the kernel");
		break;
	case NFT_MSG_GETCHAIN:
		obj = nftnl_chain_alloc();
		if (obj && nftnl_chain_nlmsg_parse(nlh, obj) < 0)
			die("bad chain message from the kernel");
		break;
	case NFT_MSG_GETRULE:
		obj = nftnl_rule_alloc();
		if (obj && nftnl_rule_nlmsg_parse(nlh, obj) < 0)
			die("bad rule message from the kernel");
		break;
	}
	if (!obj)
		die("out of memory");
	d->cb(obj, d->data);
	switch (d->type) {
	case NFT_MSG_GETTABLE:
		nftnl_table_free(obj);
		break;
	case NFT_MSG_GETCHAIN:
		nftnl_chain_free(obj);
		break;
	case NFT_MSG_GETRULE:
		nftnl_rule_free(obj);
		break;
	}
	return MNL_CB_OK;
}

static void dump(struct nlmsghdr *nlh, struct dump *d)
{
	char buf[MNL_SOCKET_BUFFER_SIZE * 4];
	uint32_t portid = mnl_socket_get_portid(sock);
	uint32_t dseq = nlh->nlmsg_seq;
	ssize_t n;
	int ret;

	if (mnl_socket_sendto(sock, nlh, nlh->nlmsg_len) < 0)
		die("asking nf_tables: %s", strerror(errno));
	do {
		n = mnl_socket_recvfrom(sock, buf, sizeof(buf));
		if (n < 0)
			die("reading from nf_tables: %s", strerror(errno));
		ret = mnl_cb_run(buf, n, dseq, portid, dump_cb, d);
	} while (ret > 0);
	if (ret < 0 && errno == EPERM)
		die("permission denied: changing or listing nftables needs "
		    "CAP_NET_ADMIN (run as root)");
	if (ret < 0 && errno != ENOENT)
		die("listing: %s", strerror(errno));
}

void nl_dump_tables(int family, nl_dump_cb cb, void *data)
{
	struct dump d = { NFT_MSG_GETTABLE, cb, data };

	nl_socket();
	dump(nftnl_nlmsg_build_hdr(msgbuf, NFT_MSG_GETTABLE, family,
				   NLM_F_DUMP, ++seq), &d);
}

void nl_dump_chains(int family, const char *table, nl_dump_cb cb, void *data)
{
	struct dump d = { NFT_MSG_GETCHAIN, cb, data };
	struct nlmsghdr *nlh;
	struct nftnl_chain *c = nftnl_chain_alloc();

	nl_socket();
	nlh = nftnl_nlmsg_build_hdr(msgbuf, NFT_MSG_GETCHAIN, family,
				    NLM_F_DUMP, ++seq);
	if (table) {
		nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
		nftnl_chain_nlmsg_build_payload(nlh, c);
	}
	nftnl_chain_free(c);
	dump(nlh, &d);
}

void nl_dump_rules(int family, const char *table, const char *chain,
		   nl_dump_cb cb, void *data)
{
	struct dump d = { NFT_MSG_GETRULE, cb, data };
	struct nlmsghdr *nlh;
	struct nftnl_rule *r = nftnl_rule_alloc();

	nl_socket();
	nlh = nftnl_nlmsg_build_hdr(msgbuf, NFT_MSG_GETRULE, family,
				    NLM_F_DUMP, ++seq);
	if (table)
		nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	if (chain)
		nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	dump(nlh, &d);
}

/*
 * Ask the compat layer about revision REV of extension NAME: 0 if the
 * kernel has it, else an errno (EPROTONOSUPPORT: another revision only;
 * ENOENT: none). It answers for ip, ip6 and bridge; an inet table uses the
 * IPv4 and family-independent registrations.
 */
static int compat_query(int family, const char *name, uint8_t rev,
			bool target)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *qs;
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;
	uint32_t qseq = time(NULL);
	ssize_t n;
	int ret = -1;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_NFT_COMPAT << 8) | NFNL_MSG_COMPAT_GET;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = qseq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = family == NFPROTO_INET ? NFPROTO_IPV4 : family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	mnl_attr_put_strz(nlh, NFTA_COMPAT_NAME, name);
	mnl_attr_put_u32(nlh, NFTA_COMPAT_REV, htonl(rev));
	mnl_attr_put_u32(nlh, NFTA_COMPAT_TYPE, htonl(target));

	/* its own socket: libxtables asks while a dump is being read */
	qs = mnl_socket_open(NETLINK_NETFILTER);
	if (!qs)
		return errno;
	errno = EIO;
	if (mnl_socket_bind(qs, 0, MNL_SOCKET_AUTOPID) == 0 &&
	    mnl_socket_sendto(qs, nlh, nlh->nlmsg_len) >= 0) {
		do {
			n = mnl_socket_recvfrom(qs, buf, sizeof(buf));
			if (n < 0)
				break;
			ret = mnl_cb_run(buf, n, qseq,
					 mnl_socket_get_portid(qs), NULL, NULL);
		} while (ret > 0);
	}
	ret = ret < 0 ? errno : 0;
	mnl_socket_close(qs);
	return ret;
}

/* Only "known, but not this revision" rules a revision out. */
int nl_compat_revision(int family, const char *name, uint8_t rev,
		       bool target)
{
	return compat_query(family, name, rev, target) != EPROTONOSUPPORT;
}
