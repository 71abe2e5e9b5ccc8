// SPDX-License-Identifier: GPL-2.0
/*
 * netfilter.transport(d [, offset]): where the transport header of the IP
 * packet at offset of a data object is, and what it says, in one call: the
 * first thing most packet scripts work out (nftables' meta l4proto, th and
 * ih), which in Lua takes a few dozen reads and operations a packet.
 *
 * Reads only through the data object (a packet view reads paged data as it
 * is), never outside it nor past the IP packet's own length. A packet it
 * cannot follow is normal input: nil and a reason, never an error.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "lunatik_compat.h"
#include "luatransport.h"
#include "luadata.h"

/* Extension headers followed before giving up: each is at least 8 bytes. */
#define LUATRANSPORT_MAXEXT	16

struct luatransport {
	u8 version;
	u8 proto;
	lua_Integer thoff;
	lua_Integer limit;	/* end of the IP packet, then of the segment */
};

/* IPv4: the header's length and the total length bound what follows. */
static const char *luatransport_ipv4(struct luadata *data, lua_Integer off,
				     const struct iphdr *iph, struct luatransport *t)
{
	unsigned int ihl = iph->ihl * 4;
	unsigned int total = ntohs(iph->tot_len);

	if (!total)	/* a GSO packet over 64 KiB (BIG TCP): to the end */
		total = luadata_size(data) - off;
	if (ihl < sizeof(*iph) || total < ihl)
		return "malformed";
	if (ntohs(iph->frag_off) & IP_OFFSET)
		return "fragment";	/* no transport header in a later fragment */
	t->proto = iph->protocol;
	t->thoff = off + ihl;
	t->limit = off + total;
	return NULL;
}

/*
 * IPv6: the extension headers that may come before a transport header are
 * stepped over; the first fragment of a datagram is followed, later ones
 * are not.
 */
static const char *luatransport_ipv6(lua_State *L, struct luadata *data, lua_Integer off,
				     struct luatransport *t)
{
	struct ipv6hdr buf;
	const struct ipv6hdr *ip6 = luadata_peek(L, data, off, sizeof(buf), &buf);
	lua_Integer pos = off + sizeof(buf);
	u8 next;
	int i;

	if (!ip6)
		return "truncated";
	/* 0: a jumbogram (BIG TCP's GSO packets): to the end */
	t->limit = ip6->payload_len ? pos + ntohs(ip6->payload_len) : (lua_Integer)luadata_size(data);
	next = ip6->nexthdr;
	for (i = 0; ; i++) {
		u8 ext[4];
		const u8 *e;

		switch (next) {
		case NEXTHDR_HOP:
		case NEXTHDR_ROUTING:
		case NEXTHDR_DEST:
		case NEXTHDR_AUTH:
		case NEXTHDR_FRAGMENT:
			break;
		default:
			t->proto = next;
			t->thoff = pos;
			return NULL;
		}
		if (i == LUATRANSPORT_MAXEXT)
			return "too many extension headers";
		e = luadata_peek(L, data, pos, sizeof(ext), ext);
		if (!e || pos + 8 > t->limit)
			return "truncated";
		if (next == NEXTHDR_FRAGMENT) {
			if (get_unaligned_be16(e + 2) & IP6_OFFSET)
				return "fragment";
			next = e[0];
			pos += 8;
			continue;
		}
		/* AH counts 4-byte words less 2, the others 8-byte words less 1. */
		pos += next == NEXTHDR_AUTH ? (e[1] + 2) * 4 : (e[1] + 1) * 8;
		next = e[0];
	}
}

/*
 * The ports and the payload of TCP and UDP (UDP-Lite's length is its
 * checksum coverage, not the datagram's). Other protocols have neither.
 */
static const char *luatransport_ports(lua_State *L, struct luadata *data,
				      struct luatransport *t, u16 *sport, u16 *dport,
				      lua_Integer *payload)
{
	struct tcphdr buf;	/* the larger of the two */
	const u8 *h;

	switch (t->proto) {
	case IPPROTO_TCP:
		h = luadata_peek(L, data, t->thoff, sizeof(struct tcphdr), &buf);
		if (!h || t->thoff + (lua_Integer)sizeof(struct tcphdr) > t->limit)
			return "truncated";
		if (((const struct tcphdr *)h)->doff * 4 < sizeof(struct tcphdr))
			return "malformed";
		*payload = t->thoff + ((const struct tcphdr *)h)->doff * 4;
		break;
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
		h = luadata_peek(L, data, t->thoff, sizeof(struct udphdr), &buf);
		if (!h || t->thoff + (lua_Integer)sizeof(struct udphdr) > t->limit)
			return "truncated";
		*payload = t->thoff + sizeof(struct udphdr);
		if (t->proto == IPPROTO_UDP) {
			unsigned int len = ntohs(((const struct udphdr *)h)->len);

			if (len < sizeof(struct udphdr))
				return "malformed";
			t->limit = min_t(lua_Integer, t->limit, t->thoff + len);
		}
		break;
	default:
		return NULL;
	}
	if (*payload > t->limit)
		return "truncated";
	*sport = get_unaligned_be16(h);
	*dport = get_unaligned_be16(h + 2);
	return NULL;
}

/*
 * netfilter.transport(d [, offset]) -> proto, thoff, limit, sport, dport,
 * payload, version: the IP packet whose header is at offset (default 0)
 * of d; limit is where its transport segment ends (UDP's length, else the
 * IP packet's), at most #d. sport, dport and payload (the offset after the
 * TCP or UDP header) only for TCP, UDP and UDP-Lite. nil and a reason when
 * there is no transport header to show: not IP ("not IP"), "truncated",
 * "malformed", a later "fragment", "too many extension headers".
 */
int luatransport_locate(lua_State *L)
{
	struct luadata *data = luadata_checkdata(L, 1);
	lua_Integer off = lunatik_optinteger(L, 2, 0);
	lua_Integer size = (lua_Integer)luadata_size(data);
	struct luatransport t;
	lua_Integer payload = -1;
	u16 sport = 0, dport = 0;
	const char *why;
	struct iphdr buf;
	const struct iphdr *iph;

	/* As much as an IPv4 header: IPv6's is longer, and nothing IP is shorter. */
	iph = luadata_peek(L, data, off, sizeof(buf), &buf);
	if (!iph) {
		why = "truncated";
		goto none;
	}
	t.version = iph->version;
	if (t.version == 4)
		why = luatransport_ipv4(data, off, iph, &t);
	else if (t.version == 6)
		why = luatransport_ipv6(L, data, off, &t);
	else
		why = "not IP";
	if (why)
		goto none;
	if (t.limit > size)
		t.limit = size;
	if (t.thoff > t.limit) {
		why = "truncated";
		goto none;
	}
	why = luatransport_ports(L, data, &t, &sport, &dport, &payload);
	if (why)
		goto none;
	lua_pushinteger(L, t.proto);
	lua_pushinteger(L, t.thoff);
	lua_pushinteger(L, t.limit);
	if (payload >= 0) {
		lua_pushinteger(L, sport);
		lua_pushinteger(L, dport);
		lua_pushinteger(L, payload);
	} else {
		lua_pushnil(L);
		lua_pushnil(L);
		lua_pushnil(L);
	}
	lua_pushinteger(L, t.version);
	return 7;
none:
	lua_pushnil(L);
	lua_pushstring(L, why);
	return 2;
}
