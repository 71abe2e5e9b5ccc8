/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nft-lua: nftables rules that call xtables extensions (the Lua-scripted
 * ones in particular) through nf_tables' compat match/target expressions.
 */
#ifndef NFT_LUA_H
#define NFT_LUA_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

struct nftnl_rule;
struct nftnl_expr;

#define PROG "nft-lua"

/* Exit statuses: 1 the command failed, 2 it was not understood. */
#define EXIT_USAGE 2

/* Set by -n/--dry-run: nothing reaches the kernel. */
extern bool dry_run;
/* Set by -d/--debug (and -n): print the expressions of every rule sent. */
extern bool debug;

/* "line 3: " while reading a restore file, "" otherwise. */
extern char where[32];

void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...);
void __attribute__((noreturn, format(printf, 1, 2))) usage_error(const char *fmt, ...);

/* family.c: the table families nft-lua knows. */
int family_parse(const char *name);		/* NFPROTO_*, or -1 */
const char *family_name(int family);
uint8_t family_xtables(int family);		/* the libxtables family */
bool family_priority(int family, int hook, const char *text, int *prio);
const char *family_priority_name(int family, int hook, int prio, char *buf, size_t size);

/* xt.c: libxtables glue. */
struct xt_blob {
	bool target;
	char name[29];		/* XT_EXTENSION_MAXNAMELEN */
	uint32_t rev;
	void *info;
	size_t len;
};

void xt_setup(int family);
size_t xt_parse(const char *name, int kind, char **words, size_t n,
		uint8_t l4proto, struct xt_blob *blob);
void xt_release(void);
bool xt_printable(const struct xt_blob *blob);
void xt_print(const struct xt_blob *blob, uint8_t l4proto);
bool xt_is_match(const char *name);

enum xt_kind { XT_ANY, XT_MATCH, XT_TARGET };

/* grammar.c: rule words to expressions. */
void grammar_rule(struct nftnl_rule *r, int family, char **words, size_t n);
bool grammar_is_keyword(const char *word);
const char *grammar_protocol_name(uint8_t num);
const char *grammar_verdict_name(int verdict);

/* rule.c: building and reading the expressions nft-lua uses. */
void rule_l4proto(struct nftnl_rule *r, uint8_t proto, bool neq);
void rule_port(struct nftnl_rule *r, bool dport, uint16_t port, bool neq);
void rule_counter(struct nftnl_rule *r, uint64_t packets, uint64_t bytes);
void rule_verdict(struct nftnl_rule *r, int verdict, const char *chain);
void rule_xt(struct nftnl_rule *r, const struct xt_blob *blob);
void rule_comment(struct nftnl_rule *r, const char *text);
const char *rule_get_comment(const struct nftnl_rule *r);

/* decode.c: expressions back to rule words. */
bool decode_rule(const struct nftnl_rule *r, bool print, bool counters);
void debug_rule(const struct nftnl_rule *r);
void print_quoted(const char *s);

/* netlink.c: one batch per invocation, dumps for listing. */
struct nftnl_table;
struct nftnl_chain;

void nl_batch_table(const char *what, struct nftnl_table *t);
void nl_batch_chain(const char *what, struct nftnl_chain *c);
void nl_batch_rule(int type, uint16_t flags, struct nftnl_rule *r,
		   const char *what);
int nl_commit(void);

typedef void (*nl_dump_cb)(const void *obj, void *data);
void nl_dump_tables(int family, nl_dump_cb cb, void *data);
void nl_dump_chains(int family, const char *table, nl_dump_cb cb, void *data);
void nl_dump_rules(int family, const char *table, const char *chain,
		   nl_dump_cb cb, void *data);
int nl_compat_revision(int family, const char *name, uint8_t rev,
		       bool target);

/* list.c: list and save. */
int list_ruleset(char **words, size_t n, bool save);

/* command.c: one command line (words) into the batch. */
void command_run(char **words, size_t n);
void commands_from_file(const char *path);
size_t tokenize(char *line, char **words, size_t max);
const char *command_hook_name(uint32_t hook);

#endif
