// SPDX-License-Identifier: GPL-2.0
/*
 * libxtables glue: the extension's own userspace plugin (libxt_<name>.so,
 * generated from its Lua description for the scripted ones) parses its
 * options into the info blob that nf_tables' compat expression carries,
 * and prints a blob read back from the kernel. This is what iptables does,
 * so one plugin serves both front ends.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xtables.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>

#include "nft-lua.h"

/* The plugin's parse, final_check and save may look at the rule's entry
 * (mostly its protocol): give them one with the rule's l4 protocol.
 */
union entry {
	struct ipt_entry e4;
	struct ip6t_entry e6;
};

static int xt_family = -1;
static struct xtables_rule_match *matches;
static struct xtables_target *target;
static struct option no_options[] = { XT_GETOPT_TABLEEND };

static void __attribute__((noreturn, format(printf, 2, 3)))
xt_exit_err(enum xtables_exittype status, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": %s", where);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status == PARAMETER_PROBLEM ? EXIT_USAGE : 1);
}

/*
 * libxtables asks which revisions the kernel has before it registers a
 * plugin. Ask nf_tables' compat layer (as iptables-nft does) instead of the
 * legacy getsockopt. An extension the kernel does not know at all is assumed
 * supported: for a scripted one that is the normal state until its script
 * runs, and adding the rule then fails with a message that says so.
 */
static int xt_compat_rev(const char *name, uint8_t rev, int opt)
{
	bool is_target = opt == IPT_SO_GET_REVISION_TARGET ||
			 opt == IP6T_SO_GET_REVISION_TARGET;

	/* ebtables plugins have no revision query (as in iptables-nft) */
	if (dry_run || xt_family == NFPROTO_BRIDGE)
		return 1;
	return nl_compat_revision(xt_family, name, rev, is_target);
}

static struct xtables_globals globals = {
	.program_name = PROG,
	.program_version = "1",
	.orig_opts = no_options,
	.exit_err = xt_exit_err,
	.compat_rev = xt_compat_rev,
};

void xt_setup(int family)
{
	if (xt_family < 0) {
		if (xtables_init_all(&globals, family_xtables(family)) < 0)
			die("cannot initialise libxtables");
	} else {
		xtables_set_nfproto(family_xtables(family));
	}
	xt_family = family;
}

static void entry_init(union entry *e, uint8_t l4proto)
{
	memset(e, 0, sizeof(*e));
	if (family_xtables(xt_family) == NFPROTO_IPV6) {
		e->e6.ipv6.proto = l4proto;
		if (l4proto)
			e->e6.ipv6.flags |= IP6T_F_PROTO;
	} else {
		e->e4.ip.proto = l4proto;
	}
}

static const struct option *option_find(const struct option *opts,
					const char *word)
{
	const struct option *o, *found = NULL;
	size_t len;

	while (*word == '-')
		word++;
	len = strcspn(word, "=");
	for (o = opts; o->name; o++) {
		if (strncmp(o->name, word, len))
			continue;
		if (strlen(o->name) == len)
			return o;
		if (found)
			return NULL;	/* ambiguous: getopt will say so */
		found = o;
	}
	return found;
}

/*
 * Where the extension's words end: at the first word that is neither an
 * option, its argument, nor a "!" before an option. Options never look like
 * rule keywords, so "comment --comment counter counter" works.
 */
static size_t extent(const struct option *opts, char **words, size_t n)
{
	const struct option *o;
	size_t i = 0;

	while (i < n) {
		if (!strcmp(words[i], "!")) {
			i++;
			continue;
		}
		if (words[i][0] != '-')
			break;
		o = option_find(opts, words[i]);
		if (o && o->has_arg == required_argument &&
		    !strchr(words[i], '='))
			i++;
		i++;
	}
	return i > n ? n : i;
}

static void getopt_words(const char *ext, const struct option *opts,
			 char **words, size_t n, struct xtables_match *m,
			 struct xtables_target *t, union entry *e)
{
	char **argv = calloc(n + 2, sizeof(*argv));
	bool invert = false;
	int c;

	if (!argv)
		die("out of memory");
	argv[0] = PROG;
	memcpy(argv + 1, words, n * sizeof(*argv));
	optind = 0;
	opterr = 0;
	/* "-": words that are not options come back as 1, so "!" is seen
	 * where it stands; ":": a missing argument is reported as ':'.
	 */
	while ((c = getopt_long(n + 1, argv, "-:", opts, NULL)) != -1) {
		switch (c) {
		case 1:
			if (strcmp(optarg, "!") || invert)
				usage_error("%s: unexpected \"%s\"", ext, optarg);
			invert = true;
			continue;
		case '?':
			usage_error("%s: unknown option \"%s\"", ext,
				    argv[optind - 1]);
		case ':':
			usage_error("%s: option \"%s\" needs an argument", ext,
				    argv[optind - 1]);
		}
		if (m)
			xtables_option_mpcall(c, argv, invert, m, e);
		else
			xtables_option_tpcall(c, argv, invert, t, e);
		invert = false;
	}
	if (invert)
		usage_error("%s: \"!\" must stand before an option", ext);
	free(argv);
}

static struct option *options_of(const struct xt_option_entry *x6,
				 const struct option *extra,
				 unsigned int *offset)
{
	struct option *opts = NULL;

	if (x6)
		opts = xtables_options_xfrm(no_options, NULL, x6, offset);
	else if (extra)
		opts = xtables_merge_options(no_options, NULL, extra, offset);
	return opts;
}

static size_t parse_match(struct xtables_match *m, char **words, size_t n,
			  union entry *e, struct xt_blob *blob)
{
	size_t size = XT_ALIGN(sizeof(struct xt_entry_match)) + m->size;
	struct option *opts;
	size_t used;

	m->m = calloc(1, size);
	if (!m->m)
		die("out of memory");
	m->m->u.match_size = size;
	strcpy(m->m->u.user.name, m->real_name ? m->real_name : m->name);
	m->m->u.user.revision = m->revision;
	if (m->udata_size) {
		free(m->udata);
		m->udata = calloc(1, m->udata_size);
	}
	if (m->init)
		m->init(m->m);

	opts = options_of(m->x6_options, m->extra_opts, &m->option_offset);
	used = extent(opts ? opts : no_options, words, n);
	getopt_words(m->name, opts ? opts : no_options, words, used, m, NULL, e);
	free(opts);
	xtables_option_mfcall(m);

	blob->target = false;
	strcpy(blob->name, m->m->u.user.name);
	blob->rev = m->m->u.user.revision;
	blob->info = m->m->data;
	blob->len = size - XT_ALIGN(sizeof(struct xt_entry_match));
	return used;
}

static size_t parse_target(struct xtables_target *t, char **words, size_t n,
			   union entry *e, struct xt_blob *blob)
{
	size_t size = XT_ALIGN(sizeof(struct xt_entry_target)) + t->size;
	struct option *opts;
	size_t used;

	if (target)
		usage_error("only one target per rule (%s, then %s)",
			    target->name, t->name);
	/* libxtables' "standard" target (ACCEPT, DROP...) is how iptables
	 * writes verdicts; nf_tables refuses it, its verdicts do that job.
	 */
	if (!strcmp(t->name, "standard"))
		usage_error("use the verdicts accept, drop, return, jump, goto");
	target = t;
	t->t = calloc(1, size);
	if (!t->t)
		die("out of memory");
	t->t->u.target_size = size;
	strcpy(t->t->u.user.name, t->real_name ? t->real_name : t->name);
	t->t->u.user.revision = t->revision;
	if (t->udata_size) {
		free(t->udata);
		t->udata = calloc(1, t->udata_size);
	}
	if (t->init)
		t->init(t->t);

	opts = options_of(t->x6_options, t->extra_opts, &t->option_offset);
	used = extent(opts ? opts : no_options, words, n);
	getopt_words(t->name, opts ? opts : no_options, words, used, NULL, t, e);
	free(opts);
	xtables_option_tfcall(t);

	blob->target = true;
	strcpy(blob->name, t->t->u.user.name);
	blob->rev = t->t->u.user.revision;
	blob->info = t->t->data;
	blob->len = size - XT_ALIGN(sizeof(struct xt_entry_target));
	return used;
}

/*
 * Parse extension NAME and its options from WORDS; returns how many words
 * were options. The blob stays valid until xt_release().
 */
size_t xt_parse(const char *name, int kind, char **words, size_t n,
		uint8_t l4proto, struct xt_blob *blob)
{
	struct xtables_match *m = NULL;
	struct xtables_target *t = NULL;
	union entry e;

	if (strlen(name) >= XT_EXTENSION_MAXNAMELEN)
		usage_error("extension name \"%s\" is too long", name);
	entry_init(&e, l4proto);
	if (kind != XT_TARGET)
		m = xtables_find_match(name, XTF_TRY_LOAD, &matches);
	if (m)
		return parse_match(m, words, n, &e, blob);
	if (kind != XT_MATCH)
		t = xtables_find_target(name, XTF_TRY_LOAD);
	if (t)
		return parse_target(t, words, n, &e, blob);
	usage_error("unknown %s \"%s\": no libxt_%s.so in %s",
		    kind == XT_MATCH ? "match" :
		    kind == XT_TARGET ? "target" : "word or extension",
		    name, name, getenv("XTABLES_LIBDIR") ?: XTABLES_LIBDIR);
}

/* Forget the rule parsed last: the next one starts from clean plugins. */
void xt_release(void)
{
	struct xtables_match *m;
	struct xtables_target *t;

	xtables_rule_matches_free(&matches);
	if (target) {
		free(target->t);
		target->t = NULL;
		target = NULL;
	}
	for (m = xtables_matches; m; m = m->next)
		m->mflags = 0;
	for (t = xtables_targets; t; t = t->next)
		t->tflags = 0;
}

bool xt_is_match(const char *name)
{
	return xtables_find_match(name, XTF_TRY_LOAD, NULL) != NULL;
}

/*
 * A blob read from the kernel is printed through the plugin's save: the
 * form its parse reads back. Only the revision the kernel and the plugins
 * both have best is registered, as in iptables.
 */
static void find_plugin(const struct xt_blob *blob, struct xtables_match **m,
			struct xtables_target **t)
{
	*m = NULL;
	*t = NULL;
	if (blob->target)
		*t = xtables_find_target_revision(blob->name, XTF_TRY_LOAD,
						  NULL, blob->rev);
	else
		*m = xtables_find_match_revision(blob->name, XTF_TRY_LOAD,
						 NULL, blob->rev);
}

/* Is a plugin of the blob's name and revision installed, with a save? */
bool xt_printable(const struct xt_blob *blob)
{
	struct xtables_match *m;
	struct xtables_target *t;

	find_plugin(blob, &m, &t);
	return (m && m->save) || (t && t->save);
}

void xt_print(const struct xt_blob *blob, uint8_t l4proto)
{
	size_t hdr = blob->target ? XT_ALIGN(sizeof(struct xt_entry_target)) :
				    XT_ALIGN(sizeof(struct xt_entry_match));
	struct xtables_match *m;
	struct xtables_target *t;
	union {
		struct xt_entry_match m;
		struct xt_entry_target t;
	} *x;
	union entry e;

	find_plugin(blob, &m, &t);
	if (!(m && m->save) && !(t && t->save))
		return;
	x = calloc(1, hdr + blob->len);
	if (!x)
		die("out of memory");
	/* xt_entry_match and xt_entry_target share their header layout */
	x->m.u.match_size = hdr + blob->len;
	snprintf(x->m.u.user.name, sizeof(x->m.u.user.name), "%s", blob->name);
	x->m.u.user.revision = blob->rev;
	memcpy((char *)x + hdr, blob->info, blob->len);
	entry_init(&e, l4proto);
	fflush(stdout);
	if (t)
		t->save(&e, &x->t);
	else
		m->save(&e, &x->m);
	fflush(stdout);
	free(x);
}
