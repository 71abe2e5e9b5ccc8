// SPDX-License-Identifier: GPL-2.0
/*
 * list: the tables, chains and rules, with handles, extensions shown
 * through their plugins' save.
 * save: the same as nft-lua commands that restore recreates: each table is
 * added and flushed, its chains added, then its rules (with their counter
 * values). A rule nft-lua cannot express (written with nft or iptables-nft
 * using selectors outside grammar.c) is not saved: save says so on stderr,
 * marks its place with a comment and exits with 1.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libnftnl/chain.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>

#include "nft-lua.h"

struct chain {
	char *name, *type;
	bool base;
	uint32_t hook, policy;
	int32_t prio;
};

struct table {
	int family;
	char *name;
	struct chain *chains;
	size_t nchains;
};

struct listing {
	int family;		/* NFPROTO_UNSPEC: all */
	const char *table, *chain;
	bool save;
	struct table *tables;
	size_t ntables;
	unsigned int unsaved;
	/* the rule callback's place */
	const struct table *t;
	const struct chain *c;
};

static void *grow(void *p, size_t n, size_t size)
{
	p = realloc(p, n * size);
	if (!p)
		die("out of memory");
	return p;
}

static void add_table(const void *obj, void *data)
{
	const struct nftnl_table *nt = obj;
	struct listing *l = data;
	struct table *t;
	int f = nftnl_table_get_u32(nt, NFTNL_TABLE_FAMILY);
	const char *name = nftnl_table_get_str(nt, NFTNL_TABLE_NAME);

	/* netdev and arp tables: not nft-lua's */
	if (!family_name(f) || (l->table && strcmp(l->table, name)))
		return;
	l->tables = grow(l->tables, l->ntables + 1, sizeof(*l->tables));
	t = &l->tables[l->ntables++];
	memset(t, 0, sizeof(*t));
	t->family = f;
	t->name = strdup(name);
}

static void add_chain(const void *obj, void *data)
{
	const struct nftnl_chain *nc = obj;
	struct table *t = data;
	struct chain *c;

	t->chains = grow(t->chains, t->nchains + 1, sizeof(*t->chains));
	c = &t->chains[t->nchains++];
	memset(c, 0, sizeof(*c));
	c->name = strdup(nftnl_chain_get_str(nc, NFTNL_CHAIN_NAME));
	c->base = nftnl_chain_is_set(nc, NFTNL_CHAIN_HOOKNUM);
	if (c->base) {
		c->type = strdup(nftnl_chain_get_str(nc, NFTNL_CHAIN_TYPE));
		c->hook = nftnl_chain_get_u32(nc, NFTNL_CHAIN_HOOKNUM);
		c->prio = nftnl_chain_get_s32(nc, NFTNL_CHAIN_PRIO);
		c->policy = nftnl_chain_get_u32(nc, NFTNL_CHAIN_POLICY);
	}
}

static void print_chain_spec(const struct chain *c, int family)
{
	const char *hook = command_hook_name(c->hook);
	char prio[64];

	if (!c->base)
		return;
	printf(" { type %s hook %s priority %s ; policy %s ; }", c->type,
	       hook ? hook : "?", family_priority_name(family, c->hook, c->prio, prio, sizeof(prio)),
	       c->policy == NF_DROP ? "drop" : "accept");
}

static void print_rule(const void *obj, void *data)
{
	const struct nftnl_rule *r = obj;
	struct listing *l = data;
	uint64_t handle = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
	const char *fam = family_name(l->t->family);

	if (!decode_rule(r, false, false)) {
		if (l->save) {
			l->unsaved++;
			printf("# not saved: rule %s %s %s handle %" PRIu64
			       " is not in nft-lua's grammar (nft list "
			       "ruleset shows it)\n", fam, l->t->name,
			       l->c->name, handle);
		} else {
			printf("\t\t# handle %" PRIu64 ": not in nft-lua's "
			       "grammar (nft list ruleset shows it)\n", handle);
		}
		return;
	}
	if (l->save) {
		printf("add rule %s %s %s ", fam, l->t->name, l->c->name);
		decode_rule(r, true, true);
		putchar('\n');
	} else {
		putchar('\t');
		putchar('\t');
		decode_rule(r, true, true);
		printf(" # handle %" PRIu64 "\n", handle);
	}
}

static void print_table(struct listing *l, const struct table *t)
{
	const char *fam = family_name(t->family);
	size_t i;

	xt_setup(t->family);
	l->t = t;
	if (l->save) {
		printf("add table %s %s\nflush table %s %s\n", fam, t->name,
		       fam, t->name);
		for (i = 0; i < t->nchains; i++) {
			printf("add chain %s %s %s", fam, t->name,
			       t->chains[i].name);
			print_chain_spec(&t->chains[i], t->family);
			putchar('\n');
		}
	} else {
		printf("table %s %s\n", fam, t->name);
	}
	for (i = 0; i < t->nchains; i++) {
		l->c = &t->chains[i];
		if (l->chain && strcmp(l->chain, l->c->name))
			continue;
		if (!l->save) {
			printf("\tchain %s", l->c->name);
			print_chain_spec(l->c, t->family);
			putchar('\n');
		}
		nl_dump_rules(t->family, t->name, l->c->name, print_rule, l);
	}
}

/* list [FAMILY [TABLE [CHAIN]]], save [FAMILY [TABLE]] */
int list_ruleset(char **w, size_t n, bool save)
{
	struct listing l = { .save = save };
	size_t i, k;

	if (n > (save ? 3 : 4))
		usage_error("expected: %s", save ? "save [FAMILY [TABLE]]" :
			    "list [FAMILY [TABLE [CHAIN]]]");
	l.family = NFPROTO_UNSPEC;
	if (n > 1) {
		l.family = family_parse(w[1]);
		if (l.family < 0)
			usage_error("unknown or unsupported family \"%s\"",
				    w[1]);
	}
	l.table = n > 2 ? w[2] : NULL;
	l.chain = n > 3 ? w[3] : NULL;

	nl_dump_tables(l.family, add_table, &l);
	if (l.table && !l.ntables)
		die("no such table %s %s", w[1], l.table);
	for (i = 0; i < l.ntables; i++)
		nl_dump_chains(l.tables[i].family, l.tables[i].name, add_chain,
			       &l.tables[i]);
	for (i = 0; i < l.ntables; i++) {
		print_table(&l, &l.tables[i]);
		for (k = 0; k < l.tables[i].nchains; k++) {
			free(l.tables[i].chains[k].name);
			free(l.tables[i].chains[k].type);
		}
		free(l.tables[i].chains);
		free(l.tables[i].name);
	}
	free(l.tables);
	fflush(stdout);
	if (l.unsaved) {
		fprintf(stderr, PROG ": %u rule(s) not saved: nft-lua's grammar "
			"cannot express them (see the # lines)\n", l.unsaved);
		return 1;
	}
	return 0;
}
