// SPDX-License-Identifier: GPL-2.0
/*
 * The commands that change the ruleset, from the command line or one per
 * line of a restore file, each appended to the batch:
 *
 *   add rule FAMILY TABLE CHAIN [position HANDLE] RULE...
 *   insert rule FAMILY TABLE CHAIN [position HANDLE] RULE...
 *   delete rule FAMILY TABLE CHAIN handle HANDLE
 *   add table FAMILY TABLE
 *   add chain FAMILY TABLE CHAIN [{ type T hook H priority P ; policy P ; }]
 *   flush table FAMILY TABLE
 *   flush chain FAMILY TABLE CHAIN
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libnftnl/chain.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include "nft-lua.h"

#define MAX_WORDS 256

static int family(const char *word)
{
	int f = family_parse(word);

	if (f < 0)
		usage_error("unknown or unsupported family \"%s\" (ip, ip6, "
			    "inet or bridge)", word);
	return f;
}

static void need(size_t n, size_t min, const char *form)
{
	if (n < min)
		usage_error("expected: %s", form);
}

static uint64_t handle(const char *word)
{
	unsigned long long h;
	char *end;

	errno = 0;
	h = strtoull(word, &end, 10);
	if (errno || end == word || *end || !h)
		usage_error("\"%s\" is not a rule handle", word);
	return h;
}

static char *summary(char **words, size_t n)
{
	static char buf[256];
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < n && len < sizeof(buf); i++)
		len += snprintf(buf + len, sizeof(buf) - len, "%s%s",
				i ? " " : "", words[i]);
	return buf;
}

static void rule_cmd(char **w, size_t n, bool insert)
{
	const char *form = insert ?
		"insert rule FAMILY TABLE CHAIN [position HANDLE] RULE..." :
		"add rule FAMILY TABLE CHAIN [position HANDLE] RULE...";
	struct nftnl_rule *r = nftnl_rule_alloc();
	size_t i = 5;
	int f;

	need(n, 5, form);
	f = family(w[2]);
	if (!r)
		die("out of memory");
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, f);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, w[3]);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, w[4]);
	if (n > 6 && !strcmp(w[5], "position")) {
		nftnl_rule_set_u64(r, NFTNL_RULE_POSITION, handle(w[6]));
		i = 7;
	}
	xt_setup(f);
	grammar_rule(r, f, w + i, n - i);
	xt_release();
	if (debug) {
		printf("%s\n", summary(w, 5));
		debug_rule(r);
		/* the round trip: what list will print for it */
		printf("\t=> ");
		decode_rule(r, true, false);
		putchar('\n');
	}
	nl_batch_rule(NFT_MSG_NEWRULE,
		      NLM_F_CREATE | (insert ? 0 : NLM_F_APPEND), r,
		      summary(w, 5));
	nftnl_rule_free(r);
}

/* delete rule by handle; flush table and chain: DELRULE without one */
static void delete_cmd(char **w, size_t n, const char *what)
{
	struct nftnl_rule *r = nftnl_rule_alloc();

	if (!strcmp(what, "rule"))
		need(n, 7, "delete rule FAMILY TABLE CHAIN handle HANDLE");
	else if (!strcmp(what, "chain"))
		need(n, 5, "flush chain FAMILY TABLE CHAIN");
	else
		need(n, 4, "flush table FAMILY TABLE");
	if (!r)
		die("out of memory");
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, family(w[2]));
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, w[3]);
	if (!strcmp(what, "table")) {
		if (n > 4)
			usage_error("flush table: unexpected \"%s\"", w[4]);
	} else {
		nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, w[4]);
	}
	if (!strcmp(what, "rule")) {
		if (n != 7 || strcmp(w[5], "handle"))
			usage_error("expected: delete rule FAMILY TABLE CHAIN "
				    "handle HANDLE");
		nftnl_rule_set_u64(r, NFTNL_RULE_HANDLE, handle(w[6]));
	} else if (!strcmp(what, "chain") && n > 5) {
		usage_error("flush chain: unexpected \"%s\"", w[5]);
	}
	if (debug)
		printf("%s\n", summary(w, n));
	nl_batch_rule(NFT_MSG_DELRULE, 0, r, summary(w, n));
	nftnl_rule_free(r);
}

static void table_cmd(char **w, size_t n)
{
	struct nftnl_table *t = nftnl_table_alloc();

	need(n, 4, "add table FAMILY TABLE");
	if (n > 4)
		usage_error("add table: unexpected \"%s\"", w[4]);
	if (!t)
		die("out of memory");
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, family(w[2]));
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, w[3]);
	if (debug)
		printf("%s\n", summary(w, n));
	nl_batch_table(summary(w, n), t);
	nftnl_table_free(t);
}

static const char *const hooks[] = {
	[NF_INET_PRE_ROUTING] = "prerouting", [NF_INET_LOCAL_IN] = "input",
	[NF_INET_FORWARD] = "forward", [NF_INET_LOCAL_OUT] = "output",
	[NF_INET_POST_ROUTING] = "postrouting",
};

const char *command_hook_name(uint32_t hook)
{
	return hook < sizeof(hooks) / sizeof(hooks[0]) ? hooks[hook] : NULL;
}

/* "{ type filter hook input priority 0 ; policy accept ; }", in one word
 * or many, as nft writes it.
 */
static void chain_spec(struct nftnl_chain *c, int fam, char **w, size_t n)
{
	char spec[1024], *words[32], *p;
	size_t len = 0, i, k, m;
	bool hooked = false;

	spec[0] = '\0';
	for (i = 0; i < n; i++)
		len += snprintf(spec + len, sizeof(spec) - len, "%s ", w[i]);
	if (len >= sizeof(spec))
		usage_error("chain definition too long");
	for (p = spec; *p; p++)
		if (strchr("{};", *p))
			*p = ' ';
	m = tokenize(spec, words, 32);
	for (i = 0; i < m; i += 2) {
		if (i + 1 >= m)
			usage_error("chain: \"%s\" needs a value", words[i]);
		if (!strcmp(words[i], "type")) {
			nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, words[i + 1]);
		} else if (!strcmp(words[i], "hook")) {
			for (k = 0; k < sizeof(hooks) / sizeof(hooks[0]); k++)
				if (!strcmp(words[i + 1], hooks[k]))
					break;
			if (k == sizeof(hooks) / sizeof(hooks[0]))
				usage_error("unknown hook \"%s\"", words[i + 1]);
			nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, k);
			hooked = true;
		} else if (!strcmp(words[i], "priority")) {
			/* a name, a number, or "name + N" in one word or three */
			char text[128];
			int prio;

			snprintf(text, sizeof(text), "%s", words[i + 1]);
			if (i + 3 < m && (!strcmp(words[i + 2], "+") || !strcmp(words[i + 2], "-"))) {
				snprintf(text, sizeof(text), "%s %s %s", words[i + 1],
					 words[i + 2], words[i + 3]);
				i += 2;
			}
			if (!family_priority(fam, hooked ? (int)nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM) : -1,
					     text, &prio))
				usage_error("\"%s\" is not a %s chain priority (a number, or "
					    "%s, and + or - a number; nft knows dstnat, srcnat "
					    "and bridge out at their hooks only)", text, family_name(fam),
					    fam == NFPROTO_BRIDGE ? "dstnat, filter, out, srcnat" :
					    "raw, mangle, dstnat, filter, security, srcnat");
			nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
		} else if (!strcmp(words[i], "policy")) {
			if (strcmp(words[i + 1], "accept") &&
			    strcmp(words[i + 1], "drop"))
				usage_error("policy: accept or drop");
			nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY,
					    strcmp(words[i + 1], "accept") ?
					    NF_DROP : NF_ACCEPT);
		} else {
			usage_error("chain: unknown \"%s\"", words[i]);
		}
	}
	if (m && (!hooked || !nftnl_chain_is_set(c, NFTNL_CHAIN_TYPE) ||
		  !nftnl_chain_is_set(c, NFTNL_CHAIN_PRIO)))
		usage_error("a base chain needs type, hook and priority");
}

static void chain_cmd(char **w, size_t n)
{
	struct nftnl_chain *c = nftnl_chain_alloc();

	need(n, 5, "add chain FAMILY TABLE CHAIN [{ type T hook H "
		   "priority P ; [policy accept|drop ;] }]");
	if (!c)
		die("out of memory");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, family(w[2]));
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, w[3]);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, w[4]);
	chain_spec(c, family(w[2]), w + 5, n - 5);
	if (debug)
		printf("%s\n", summary(w, n));
	nl_batch_chain(summary(w, n), c);
	nftnl_chain_free(c);
}

void command_run(char **w, size_t n)
{
	if (n < 2)
		usage_error("expected a command (add, insert, delete, flush, "
			    "list, save, restore); see --help");
	if (!strcmp(w[1], "rule") && !strcmp(w[0], "add"))
		rule_cmd(w, n, false);
	else if (!strcmp(w[1], "rule") && !strcmp(w[0], "insert"))
		rule_cmd(w, n, true);
	else if (!strcmp(w[0], "delete") && !strcmp(w[1], "rule"))
		delete_cmd(w, n, "rule");
	else if (!strcmp(w[0], "flush") && !strcmp(w[1], "table"))
		delete_cmd(w, n, "table");
	else if (!strcmp(w[0], "flush") && !strcmp(w[1], "chain"))
		delete_cmd(w, n, "chain");
	else if (!strcmp(w[0], "add") && !strcmp(w[1], "table"))
		table_cmd(w, n);
	else if (!strcmp(w[0], "add") && !strcmp(w[1], "chain"))
		chain_cmd(w, n);
	else
		usage_error("unknown command \"%s %s\"; see --help", w[0], w[1]);
}

/*
 * Split LINE in place into words: blanks separate, '...' and "..." quote
 * (a backslash escapes the next character outside single quotes), and a
 * '#' starting a word comments out the rest. The quoting save writes.
 */
size_t tokenize(char *line, char **words, size_t max)
{
	char *in = line, *out;
	size_t n = 0;
	char q;

	for (;;) {
		while (*in == ' ' || *in == '\t' || *in == '\n' || *in == '\r')
			in++;
		if (!*in || *in == '#')
			return n;
		if (n == max)
			usage_error("too many words (at most %zu)", max);
		words[n++] = out = in;
		for (q = 0; *in; in++) {
			if (!q && strchr(" \t\n\r", *in))
				break;
			if (!q && (*in == '"' || *in == '\'')) {
				q = *in;
			} else if (q && *in == q) {
				q = 0;
			} else if (*in == '\\' && q != '\'' && in[1]) {
				*out++ = *++in;
			} else {
				*out++ = *in;
			}
		}
		if (q)
			usage_error("unterminated quote");
		if (*in)
			in++;
		*out = '\0';
	}
}

void commands_from_file(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *line = NULL, *words[MAX_WORDS];
	size_t cap = 0, n;
	unsigned int lineno = 0;

	if (!f)
		die("%s: %s", path, strerror(errno));
	while (getline(&line, &cap, f) >= 0) {
		snprintf(where, sizeof(where), "line %u: ", ++lineno);
		n = tokenize(line, words, MAX_WORDS);
		if (n)
			command_run(words, n);
	}
	where[0] = '\0';
	/* A directory (EISDIR) or a read error is no empty file. */
	if (ferror(f))
		die("%s: %s", path, strerror(errno));
	free(line);
	if (f != stdin)
		fclose(f);
}
