// SPDX-License-Identifier: GPL-2.0
/*
 * The table families nft-lua works with: those whose chains nf_tables'
 * compat expressions accept (nft_match_validate) and whose hooks are the
 * five inet ones. arp is left out: no l4 selectors and its own plugins.
 */
#include <string.h>
#include <linux/netfilter.h>

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
