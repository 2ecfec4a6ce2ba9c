/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ndp.c - NDP: neighbour advertisements and router advertisements (RFC 4861) */

/**
 * DOC: Theory of operation
 *
 * We are the guest's only neighbour and its router, with link-local address
 * c->ip6.our_ll (source of every NDP message we send, hop limit 255).
 *
 * Neighbour Solicitation → solicited Neighbour Advertisement (R, S, O flags,
 * target link-layer address = our MAC) for our link-local address, the
 * gateway, and any other global address the guest reaches through us. Never
 * for the guest's own addresses (configured or seen), and never for
 * duplicate address detection (source ::) of an address that is not ours:
 * the guest may take any free address in its prefix. A DAD probe for our
 * link-local address or the gateway gets an NA to all-nodes, without S.
 *
 * Router Solicitation → Router Advertisement, unicast to the soliciter (to
 * all-nodes if it has no address yet): M and O flags iff DHCPv6 is enabled,
 * router lifetime NDP_ROUTER_LIFETIME_S, source link-layer address, MTU,
 * prefix information (the /64 of c->ip6.addr, on-link and autonomous, for
 * SLAAC), RDNSS (RFC 8106 §5.1) and DNSSL (§5.2) unless empty or disabled.
 * ndp_timer() also sends unsolicited RAs to all-nodes: at the first tick
 * after the guest's MAC is known, then every NDP_RA_INTERVAL_MS.
 *
 * Validation (RFC 4861 §6.1.1, §7.1.1): hop limit 255, code 0, ICMPv6
 * checksum, minimum length, every option's length non-zero and within the
 * message; NS target not multicast; from ::, no source link-layer address
 * option and (NS) a solicited-node multicast destination.
 *
 * Switches: --no-ra suppresses all RAs (solicited or not); --no-ndp answers
 * nothing at all: NDP messages are then consumed and dropped (handler
 * returns 1), so that they do not reach the ICMP echo path.
 */

#include <arpa/inet.h>
#include <string.h>

#include "ctx.h"
#include "tap.h"
#include "util.h"
#include "log.h"
#include "checksum.h"
#include "dhcp.h"
#include "ndp.h"

#define NDP_OPT_SLLA		1	/* RFC 4861 §4.6.1 */
#define NDP_OPT_TLLA		2
#define NDP_OPT_PREFIX		3	/* §4.6.2 */
#define NDP_OPT_MTU		5	/* §4.6.4 */
#define NDP_OPT_RDNSS		25	/* RFC 8106 §5.1 */
#define NDP_OPT_DNSSL		31	/* RFC 8106 §5.2 */

#define NDP_RA_FLAG_M		0x80	/* managed address configuration */
#define NDP_RA_FLAG_O		0x40	/* other configuration */
#define NDP_NA_FLAG_R		0x80	/* router */
#define NDP_NA_FLAG_S		0x40	/* solicited */
#define NDP_NA_FLAG_O		0x20	/* override */
#define NDP_PIO_FLAG_L		0x80	/* on-link */
#define NDP_PIO_FLAG_A		0x40	/* autonomous address configuration */

#define NDP_RS_LEN		8	/* bytes, without options */
#define NDP_NS_LEN		24
#define NDP_NA_LEN		32	/* bytes, with the TLLA option */
#define NDP_RA_LEN		16	/* bytes, without options */
#define NDP_SLAAC_PREFIX_LEN	64	/* RFC 4862 §5.5.3, RFC 4291 */
#define NDP_IPV6_MIN_MTU	1280	/* bytes, RFC 8200 §5 */

static const struct in6_addr ndp_all_nodes = {
	.s6_addr = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }
};

/* Unsolicited RAs: next due time, valid while the guest's MAC is known */
static uint64_t ndp_ra_next_ms;
static bool ndp_ra_scheduled;

/**
 * ndp_mcast_mac() - Ethernet address for an IPv6 multicast address
 * @dst:	Multicast address
 * @mac:	Output, RFC 2464 §7: 33:33 and the last 32 bits
 */
static void ndp_mcast_mac(const struct in6_addr *dst, uint8_t *mac)
{
	mac[0] = mac[1] = 0x33;
	memcpy(mac + 2, dst->s6_addr + 12, 4);
}

/**
 * ndp_frame_finish() - Write Ethernet and IPv6 headers, ICMPv6 checksum
 * @c:		Execution context
 * @out:	Frame; the ICMPv6 message is at @out + NDP_HDRS_LEN
 * @dst_mac:	Ethernet destination
 * @src:	IPv6 source
 * @dst:	IPv6 destination
 * @icmp_len:	ICMPv6 message length, bytes
 *
 * Return: frame length, bytes
 */
static size_t ndp_frame_finish(const struct ctx *c, uint8_t *out,
			       const uint8_t *dst_mac,
			       const struct in6_addr *src,
			       const struct in6_addr *dst, size_t icmp_len)
{
	uint8_t *ip = out + ETH_HDR_LEN, *icmp = out + NDP_HDRS_LEN;

	tap_eth_write(out, dst_mac, c->our_mac, ETHERTYPE_IPV6);

	tap_ip6_hdr(ip, src, dst, IPPROTO_ICMPV6, icmp_len, NDP_HOP_LIMIT);

	util_put_be16(icmp + 2, 0);
	util_put_be16(icmp + 2, csum_l4_6(src, dst, IPPROTO_ICMPV6, icmp,
					  icmp_len));
	return NDP_HDRS_LEN + icmp_len;
}

/**
 * ndp_opts_check() - Validate NDP options, find the source link-layer one
 * @opts:	Options
 * @len:	Bytes up to the end of the message
 * @slla:	Set to the Ethernet source link-layer address, or NULL
 *
 * Return: 0 if valid, -1 if an option has length 0 or overruns the message
 *	   (RFC 4861 §4.6, §6.1.1, §7.1.1)
 */
int ndp_opts_check(const uint8_t *opts, size_t len, const uint8_t **slla)
{
	size_t off = 0;

	*slla = NULL;
	while (off < len) {
		size_t olen;

		if (len - off < 2)
			return -1;
		olen = (size_t)opts[off + 1] * 8;
		if (!olen || olen > len - off)
			return -1;
		if (opts[off] == NDP_OPT_SLLA && olen == 8 && !*slla)
			*slla = opts + off + 2;
		off += olen;
	}
	return 0;
}

/**
 * ndp_put_dnssl() - Append a DNSSL option, dropping domains until it fits
 * @c:		Execution context
 * @opt:	Where the option goes
 * @room:	Bytes available
 *
 * Return: option length, bytes (0 if none)
 */
static size_t ndp_put_dnssl(const struct ctx *c, uint8_t *opt, size_t room)
{
	size_t olen;
	int n;

	if (c->no_dhcp_search || room < 16)
		return 0;
	for (n = MIN(c->search_count, CONF_SEARCH_MAX); n > 0; n--) {
		/* RFC 8106 §5.2: no compression, zero padding to 8 bytes */
		int len = dhcp_dns_names_encode(c->search, n, false, opt + 8,
					    room - 8);
		if (len <= 0)
			continue;
		olen = 8 + DIV_ROUND_UP((size_t)len, 8) * 8;
		if (olen > room || olen / 8 > 255)
			continue;
		memset(opt + 8 + len, 0, olen - 8 - (size_t)len);
		opt[0] = NDP_OPT_DNSSL;
		opt[1] = (uint8_t)(olen / 8);
		util_put_be16(opt + 2, 0);
		util_put_be32(opt + 4, NDP_DNS_LIFETIME_S);
		return olen;
	}
	return 0;
}

/**
 * ndp_put_rdnss() - Append an RDNSS option with our IPv6 resolvers
 * @c:		Execution context
 * @opt:	Where the option goes
 * @room:	Bytes available
 *
 * Return: option length, bytes (0 if none)
 */
static size_t ndp_put_rdnss(const struct ctx *c, uint8_t *opt, size_t room)
{
	size_t n = 0;
	int i;

	for (i = 0; !c->no_dhcp_dns && i < c->ip6.dns_count &&
		    i < CONF_DNS_MAX; i++) {
		if (IN6_IS_ADDR_UNSPECIFIED(&c->ip6.dns[i]) ||
		    8 + 16 * (n + 1) > room)
			continue;
		memcpy(opt + 8 + 16 * n, &c->ip6.dns[i], 16);
		n++;
	}
	if (!n)
		return 0;
	opt[0] = NDP_OPT_RDNSS;
	opt[1] = (uint8_t)(1 + 2 * n);
	util_put_be16(opt + 2, 0);
	util_put_be32(opt + 4, NDP_DNS_LIFETIME_S);
	return 8 + 16 * n;
}

/**
 * ndp_ra_build() - Build a Router Advertisement frame
 * @c:		Execution context
 * @dst:	IPv6 destination (soliciter or all-nodes)
 * @dst_mac:	Ethernet destination
 * @out:	Frame buffer
 * @out_size:	Size of @out, bytes (NDP_FRAME_MAX holds every option)
 *
 * The IPv6 packet is at most the link MTU (and at least 1280 bytes may be
 * used): a search list that does not fit loses domains from its end.
 *
 * Context: pure, no system calls.
 * Return: frame length, 0 if @out is too small
 */
size_t ndp_ra_build(const struct ctx *c, const struct in6_addr *dst,
		    const uint8_t *dst_mac, uint8_t *out, size_t out_size)
{
	size_t room, n = NDP_RA_LEN, mtu = (size_t)MAX(c->mtu,
						       NDP_IPV6_MIN_MTU);
	uint8_t *icmp = out + NDP_HDRS_LEN, *o;
	bool managed = !c->no_dhcpv6;

	if (out_size < NDP_HDRS_LEN + NDP_RA_LEN + 8)
		return 0;
	room = MIN(out_size - NDP_HDRS_LEN, mtu - 40);

	memset(icmp, 0, NDP_RA_LEN);
	icmp[0] = NDP_RA;
	icmp[4] = NDP_CUR_HOP_LIMIT;
	icmp[5] = managed ? NDP_RA_FLAG_M | NDP_RA_FLAG_O : 0;
	util_put_be16(icmp + 6, NDP_ROUTER_LIFETIME_S);
	/* Reachable Time, Retrans Timer: 0, unspecified */

	o = icmp + n;				/* source link-layer address */
	o[0] = NDP_OPT_SLLA;
	o[1] = 1;
	memcpy(o + 2, c->our_mac, ETH_ALEN);
	n += 8;

	if (!c->mtu_hidden && c->mtu >= NDP_IPV6_MIN_MTU && c->mtu <= 65535 &&
	    room - n >= 8) {
		o = icmp + n;
		o[0] = NDP_OPT_MTU;
		o[1] = 1;
		util_put_be16(o + 2, 0);
		util_put_be32(o + 4, (uint32_t)c->mtu);
		n += 8;
	}

	if (!IN6_IS_ADDR_UNSPECIFIED(&c->ip6.addr) && room - n >= 32) {
		o = icmp + n;
		memset(o, 0, 32);
		o[0] = NDP_OPT_PREFIX;
		o[1] = 4;
		o[2] = NDP_SLAAC_PREFIX_LEN;
		o[3] = NDP_PIO_FLAG_L | NDP_PIO_FLAG_A;
		util_put_be32(o + 4, NDP_PREFIX_LIFETIME_S);	/* valid */
		util_put_be32(o + 8, NDP_PREFIX_LIFETIME_S);	/* preferred */
		memcpy(o + 16, &c->ip6.addr, NDP_SLAAC_PREFIX_LEN / 8);
		n += 32;
	}

	n += ndp_put_rdnss(c, icmp + n, room - n);
	n += ndp_put_dnssl(c, icmp + n, room - n);

	return ndp_frame_finish(c, out, dst_mac, &c->ip6.our_ll, dst, n);
}

/**
 * ndp_na_build() - Build a Neighbour Advertisement frame
 * @c:		Execution context
 * @target:	Target address we advertise
 * @dst:	IPv6 destination
 * @dst_mac:	Ethernet destination
 * @solicited:	Set the S flag (not for answers to DAD, §7.2.4)
 * @out:	Frame buffer, at least NDP_HDRS_LEN + NDP_NA_LEN bytes
 *
 * Return: frame length
 */
static size_t ndp_na_build(const struct ctx *c, const struct in6_addr *target,
			   const struct in6_addr *dst, const uint8_t *dst_mac,
			   bool solicited, uint8_t *out)
{
	uint8_t *icmp = out + NDP_HDRS_LEN;

	memset(icmp, 0, NDP_NA_LEN);
	icmp[0] = NDP_NA;
	icmp[4] = NDP_NA_FLAG_R | NDP_NA_FLAG_O |
		  (solicited ? NDP_NA_FLAG_S : 0);
	memcpy(icmp + 8, target, 16);
	icmp[24] = NDP_OPT_TLLA;
	icmp[25] = 1;
	memcpy(icmp + 26, c->our_mac, ETH_ALEN);
	return ndp_frame_finish(c, out, dst_mac, &c->ip6.our_ll, dst,
				NDP_NA_LEN);
}

/**
 * ndp_ns_answers() - Should a solicitation for @target get our MAC?
 * @c:		Execution context
 * @src:	Source of the solicitation (:: for DAD)
 * @target:	Target address
 *
 * Return: true to advertise
 */
static bool ndp_ns_answers(const struct ctx *c, const struct in6_addr *src,
			   const struct in6_addr *target)
{
	if (IN6_IS_ADDR_UNSPECIFIED(target))
		return false;
	if (IN6_ARE_ADDR_EQUAL(target, &c->ip6.our_ll) ||
	    (!IN6_IS_ADDR_UNSPECIFIED(&c->ip6.gw) &&
	     IN6_ARE_ADDR_EQUAL(target, &c->ip6.gw)))
		return true;			/* ours, even for DAD */
	if (IN6_IS_ADDR_UNSPECIFIED(src))
		return false;			/* DAD: free for the guest */
	if (IN6_IS_ADDR_LOOPBACK(target) || IN6_IS_ADDR_LINKLOCAL(target))
		return false;			/* nothing behind us there */
	if (IN6_ARE_ADDR_EQUAL(target, src) ||
	    IN6_ARE_ADDR_EQUAL(target, &c->ip6.addr) ||
	    IN6_ARE_ADDR_EQUAL(target, &c->ip6.addr_seen) ||
	    IN6_ARE_ADDR_EQUAL(target, &c->ip6.addr_ll_seen))
		return false;			/* the guest's own */
	return true;
}

/**
 * ndp_is_solicited_node() - Is @a a solicited-node multicast address?
 * @a:		Address
 *
 * Return: true for ff02::1:ffXX:XXXX (RFC 4291 §2.7.1)
 */
static bool ndp_is_solicited_node(const struct in6_addr *a)
{
	static const uint8_t pfx[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0,
					 0, 0, 0, 1, 0xff };

	return !memcmp(a->s6_addr, pfx, sizeof(pfx));
}

/**
 * ndp_reply_build() - Build the reply to an NDP message from the guest
 * @c:		Execution context
 * @p:		ICMPv6 packet from the guest
 * @out:	Reply frame buffer
 * @out_size:	Size of @out, bytes (NDP_FRAME_MAX)
 *
 * Context: pure, no system calls.
 * Return: reply frame length, 0 if no reply is due (including RAs, NAs and
 *	   redirects from the guest, and non-NDP ICMPv6), -1 if malformed
 */
int ndp_reply_build(const struct ctx *c, const struct tap_pkt *p,
		    uint8_t *out, size_t out_size)
{
	const uint8_t *icmp = p->l4, *slla, *dst_mac = p->eth + ETH_ALEN;
	bool from_any = IN6_IS_ADDR_UNSPECIFIED(&p->src6);
	size_t len = p->l4_len, min;
	uint8_t mcast[ETH_ALEN];
	struct in6_addr target;

	if (len < 4 || (icmp[0] != NDP_RS && icmp[0] != NDP_NS))
		return 0;
	min = icmp[0] == NDP_RS ? NDP_RS_LEN : NDP_NS_LEN;
	if (p->ttl != NDP_HOP_LIMIT || icmp[1] != 0 || len < min ||
	    csum_l4_6(&p->src6, &p->dst6, IPPROTO_ICMPV6, icmp, len))
		return -1;
	if (ndp_opts_check(icmp + min, len - min, &slla))
		return -1;
	if (from_any && slla)
		return -1;	/* §6.1.1, §7.1.1 */
	if (slla && !(slla[0] & 1) && !util_mac_is_zero(slla))
		dst_mac = slla;
	if (out_size < NDP_HDRS_LEN + NDP_NA_LEN)
		return 0;

	if (icmp[0] == NDP_RS) {
		if (c->no_ra)
			return 0;
		if (from_any) {
			ndp_mcast_mac(&ndp_all_nodes, mcast);
			return (int)ndp_ra_build(c, &ndp_all_nodes, mcast, out,
						 out_size);
		}
		return (int)ndp_ra_build(c, &p->src6, dst_mac, out, out_size);
	}

	memcpy(&target, icmp + 8, sizeof(target));
	if (IN6_IS_ADDR_MULTICAST(&target))
		return -1;
	if (from_any && !ndp_is_solicited_node(&p->dst6))
		return -1;
	if (!ndp_ns_answers(c, &p->src6, &target))
		return 0;
	if (from_any) {			/* DAD for our address, §7.2.4 */
		ndp_mcast_mac(&ndp_all_nodes, mcast);
		return (int)ndp_na_build(c, &target, &ndp_all_nodes, mcast,
					 false, out);
	}
	return (int)ndp_na_build(c, &target, &p->src6, dst_mac, true, out);
}

/**
 * ndp_tap_handler() - Handle an ICMPv6 NDP message from the guest
 * @c:		Execution context
 * @p:		Validated packet, @p->proto is IPPROTO_ICMPV6
 *
 * Return: 1 if handled (answered, ignored, or dropped under --no-ndp), 0 if
 *	   not an NDP message, -1 if malformed
 */
int ndp_tap_handler(struct ctx *c, const struct tap_pkt *p)
{
	static uint8_t out[NDP_FRAME_MAX];
	int n;

	if (p->af != AF_INET6 || p->proto != IPPROTO_ICMPV6 || p->l4_len < 4 ||
	    p->l4[0] < NDP_RS || p->l4[0] > NDP_REDIRECT)
		return 0;
	if (c->no_ndp)
		return 1;

	n = ndp_reply_build(c, p, out, sizeof(out));
	if (n < 0) {
		log_trace("NDP: malformed type %u message from guest",
			  p->l4[0]);
		return -1;
	}
	if (n) {
		log_trace("NDP: type %u answered with type %u", p->l4[0],
			  out[NDP_HDRS_LEN]);
		tap_send_frame(c, out, (size_t)n);
	}
	return 1;
}

/**
 * ndp_timer() - Periodic work: unsolicited router advertisements
 * @c:		Execution context
 * @now_ms:	Current time, milliseconds
 *
 * The first RA goes at the first call once the guest's MAC is known, the
 * next ones every NDP_RA_INTERVAL_MS; a guest that goes away (MAC unknown
 * again) gets a fresh first RA when it comes back.
 */
void ndp_timer(struct ctx *c, uint64_t now_ms)
{
	static uint8_t out[NDP_FRAME_MAX];
	uint8_t mac[ETH_ALEN];
	size_t n;

	if (c->no_ndp || c->no_ra || !c->ifi6)
		return;
	if (!c->guest_mac_known) {
		ndp_ra_scheduled = false;
		return;
	}
	if (ndp_ra_scheduled && now_ms < ndp_ra_next_ms)
		return;
	ndp_ra_scheduled = true;
	ndp_ra_next_ms = now_ms + NDP_RA_INTERVAL_MS;

	ndp_mcast_mac(&ndp_all_nodes, mac);
	n = ndp_ra_build(c, &ndp_all_nodes, mac, out, sizeof(out));
	if (n) {
		log_trace("NDP: unsolicited router advertisement");
		tap_send_frame(c, out, n);
	}
}
