// SPDX-License-Identifier: GPL-2.0
/*
 * The table families nft-lua works with: those whose chains nf_tables'
 * compat expressions accept (nft_match_validate) and whose hooks are the
 * five inet ones. arp is left out: no l4 selectors and its own plugins.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_bridge.h>

#include "nft-lua.h"

static const struct {
	const char *name;
	int family;
	uint8_t xtables;
} families[] = {
	{ "ip", NFPROTO_IPV4, NFPROTO_IPV4 },
	{ "ip6", NFPROTO_IPV6, NFPROTO_IPV6 },
	/* an inet rule sees both; the kernel finds extensions registered
	 * for NFPROTO_UNSPEC from it, and those plugins load as IPv4 ones
	 */
	{ "inet", NFPROTO_INET, NFPROTO_IPV4 },
	{ "bridge", NFPROTO_BRIDGE, NFPROTO_BRIDGE },
};

#define NFAMILIES (sizeof(families) / sizeof(families[0]))

int family_parse(const char *name)
{
	size_t i;

	for (i = 0; i < NFAMILIES; i++)
		if (!strcmp(families[i].name, name))
			return families[i].family;
	return -1;
}

const char *family_name(int family)
{
	size_t i;

	for (i = 0; i < NFAMILIES; i++)
		if (families[i].family == family)
			return families[i].name;
	return NULL;
}

uint8_t family_xtables(int family)
{
	size_t i;

	for (i = 0; i < NFAMILIES; i++)
		if (families[i].family == family)
			return families[i].xtables;
	return NFPROTO_IPV4;
}

/*
 * The chain priorities nft names, per family, from the kernel's
 * constants, and the hooks where nft knows each name (0: all).
 */
struct priority {
	const char *name;
	int value;
	unsigned int hooks;
};

#define HOOK(h) (1u << (h))

static const struct priority ip_priorities[] = {
	{ "raw", NF_IP_PRI_RAW, 0 }, { "mangle", NF_IP_PRI_MANGLE, 0 },
	{ "dstnat", NF_IP_PRI_NAT_DST, HOOK(NF_INET_PRE_ROUTING) | HOOK(NF_INET_LOCAL_OUT) },
	{ "filter", NF_IP_PRI_FILTER, 0 }, { "security", NF_IP_PRI_SECURITY, 0 },
	{ "srcnat", NF_IP_PRI_NAT_SRC, HOOK(NF_INET_POST_ROUTING) | HOOK(NF_INET_LOCAL_IN) },
	{ NULL, 0, 0 }
};

static const struct priority bridge_priorities[] = {
	{ "dstnat", NF_BR_PRI_NAT_DST_BRIDGED, HOOK(NF_BR_PRE_ROUTING) },
	{ "filter", NF_BR_PRI_FILTER_BRIDGED, 0 },
	{ "out", NF_BR_PRI_NAT_DST_OTHER, HOOK(NF_BR_LOCAL_OUT) },
	{ "srcnat", NF_BR_PRI_NAT_SRC, HOOK(NF_BR_POST_ROUTING) },
	{ NULL, 0, 0 }
};

/* Whether nft knows name p at hook (-1: not known yet). */
static bool priority_at(const struct priority *p, int hook)
{
	return !p->hooks || hook < 0 || (p->hooks & HOOK(hook));
}

static const struct priority *priorities(int family)
{
	return family == NFPROTO_BRIDGE ? bridge_priorities : ip_priorities;
}

/*
 * "filter", "filter + 10", "mangle-5" or a number, as nft takes them:
 * the value, or false. Names are the family's (bridge has its own).
 */
bool family_priority(int family, int hook, const char *text, int *prio)
{
	const struct priority *p;
	const char *rest = text;
	bool named = false;
	long base = 0, offset;
	char *end;
	size_t len;

	while (*rest == ' ')
		rest++;
	len = strcspn(rest, " +-");
	if (len) {
		for (p = priorities(family); p->name; p++)
			if (strlen(p->name) == len && !strncmp(p->name, rest, len))
				break;
		if (p->name && !priority_at(p, hook))
			return false;
		if (p->name) {
			named = true;
			base = p->value;
			rest += len;
			while (*rest == ' ')
				rest++;
			if (!*rest) {
				*prio = base;
				return true;
			}
			if (*rest != '+' && *rest != '-')
				return false;
		}
	}
	if (named) {
		/* after a name: "+ N" or "- N" */
		bool minus = *rest == '-';

		rest++;
		while (*rest == ' ')
			rest++;
		if (*rest < '0' || *rest > '9')
			return false;
		offset = strtol(rest, &end, 10);
		if (minus)
			offset = -offset;
	} else {
		offset = strtol(rest, &end, 10);
	}
	while (*end == ' ')
		end++;
	if (end == rest || *end || offset < INT_MIN - base || offset > INT_MAX - base)
		return false;
	*prio = base + offset;
	return true;
}

/* The priority as nft prints it: a name, a name and an offset within 10, or the number. */
const char *family_priority_name(int family, int hook, int prio, char *buf, size_t size)
{
	const struct priority *p;

	for (p = priorities(family); p->name; p++)
		if (prio == p->value && priority_at(p, hook)) {
			snprintf(buf, size, "%s", p->name);
			return buf;
		}
	for (p = priorities(family); p->name; p++)
		if (abs(prio - p->value) <= 10 && priority_at(p, hook)) {
			snprintf(buf, size, "%s %c %d", p->name, prio > p->value ? '+' : '-',
				 abs(prio - p->value));
			return buf;
		}
	snprintf(buf, size, "%d", prio);
	return buf;
}
