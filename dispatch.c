/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dispatch.c - Frames from the guest to the handler of their protocol */

/**
 * DOC: Theory of operation
 *
 * The tap layer (tap.c, every back-end) validates each frame and hands it
 * here through the handlers the loop registers (struct tap_handlers); this
 * module knows the protocol handlers, tap.c knows none of them:
 * - ARP: arp.c;
 * - UDP to port 67 (IPv4) or 547 (IPv6): dhcp.c, dhcpv6.c, unless they
 *   leave the datagram to UDP (not for us);
 * - ICMPv6: ndp.c first (solicitations), then icmp.c (echo);
 * - ICMP: icmp.c;
 * - TCP and other UDP: collected into one batch per protocol, handed to
 *   tcp.c and udp.c when the frames of one read are all in (or a batch is
 *   full), so that those can write a flow's segments with one system call.
 *
 * Link events go the same way: a guest gone resets the TCP connections it
 * held (tcp.c), room toward the guest again resumes TCP senders.
 *
 * Limits: DISPATCH_BATCH_PKTS packets per protocol batch.
 */

#include <netinet/in.h>

#include "arp.h"
#include "ctx.h"
#include "dhcp.h"
#include "dhcpv6.h"
#include "dispatch.h"
#include "icmp.h"
#include "ndp.h"
#include "tap.h"
#include "tcp.h"
#include "udp.h"
#include "util.h"

#define DISPATCH_BATCH_PKTS	1024	/* TCP/UDP packets per batch, 96 KiB */

static struct tap_pkt dispatch_tcp[DISPATCH_BATCH_PKTS];
static size_t dispatch_tcp_n;
static struct tap_pkt dispatch_udp[DISPATCH_BATCH_PKTS];
static size_t dispatch_udp_n;

/**
 * dispatch_pkts_end() - Hand the collected TCP and UDP batches over
 * @c:		Execution context
 * @now_ms:	Current time, milliseconds
 */
void dispatch_pkts_end(struct ctx *c, uint64_t now_ms)
{
	if (dispatch_tcp_n)
		tcp_tap_batch(c, dispatch_tcp, dispatch_tcp_n, now_ms);
	if (dispatch_udp_n)
		udp_tap_batch(c, dispatch_udp, dispatch_udp_n, now_ms);
	dispatch_tcp_n = dispatch_udp_n = 0;
}

/**
 * dispatch_batch_add() - Add a TCP or UDP packet to its batch
 * @c:		Execution context
 * @p:		Packet
 * @now_ms:	Current time, milliseconds
 *
 * A full batch hands both over first, keeping the guest's order within
 * each protocol.
 */
static void dispatch_batch_add(struct ctx *c, const struct tap_pkt *p,
			       uint64_t now_ms)
{
	if (p->proto == IPPROTO_TCP) {
		if (dispatch_tcp_n == DISPATCH_BATCH_PKTS)
			dispatch_pkts_end(c, now_ms);
		dispatch_tcp[dispatch_tcp_n++] = *p;
	} else {
		if (dispatch_udp_n == DISPATCH_BATCH_PKTS)
			dispatch_pkts_end(c, now_ms);
		dispatch_udp[dispatch_udp_n++] = *p;
	}
}

/**
 * dispatch_pkt_udp() - DHCP and DHCPv6 first, else the UDP flow batch
 * @c:		Execution context
 * @p:		Valid UDP packet
 * @now_ms:	Current time, milliseconds
 *
 * Return: handler result: 1 handled, -1 malformed
 */
static int dispatch_pkt_udp(struct ctx *c, const struct tap_pkt *p,
			    uint64_t now_ms)
{
	uint16_t dport = util_get_be16(p->l4 + 2);
	int ret;

	if (p->af == AF_INET && dport == DHCP_SERVER_PORT) {
		ret = dhcp_tap_handler(c, p);
		if (ret)
			return ret;
	}
	if (p->af == AF_INET6 && dport == DHCPV6_SERVER_PORT) {
		ret = dhcpv6_tap_handler(c, p);
		if (ret)
			return ret;
	}
	dispatch_batch_add(c, p, now_ms);
	return 1;
}

/**
 * dispatch_pkt() - One validated frame from the guest to its handler
 * @c:		Execution context
 * @p:		Packet (ARP: @p->af is 0)
 * @now_ms:	Current time, milliseconds
 *
 * TCP and UDP packets are only collected: dispatch_pkts_end() hands them
 * over.
 *
 * Return: false if the handler rejected the packet as malformed
 */
bool dispatch_pkt(struct ctx *c, const struct tap_pkt *p, uint64_t now_ms)
{
	int ret;

	if (!p->af)
		return arp_tap_handler(c, p->eth, p->eth_len) >= 0;

	switch (p->proto) {
	case IPPROTO_TCP:
		dispatch_batch_add(c, p, now_ms);
		return true;
	case IPPROTO_UDP:
		return dispatch_pkt_udp(c, p, now_ms) >= 0;
	case IPPROTO_ICMPV6:
		ret = ndp_tap_handler(c, p);
		if (!ret)
			ret = icmp_tap_handler(c, p, now_ms);
		return ret >= 0;
	default:
		return icmp_tap_handler(c, p, now_ms) >= 0;
	}
}

/**
 * dispatch_guest_gone() - The guest went away: reset what it held
 * @c:		Execution context
 * @now_ms:	Current time, milliseconds
 *
 * Frames collected but not handed over are forgotten: their memory is the
 * tap layer's, and the flows they were for are reset.
 */
void dispatch_guest_gone(struct ctx *c, uint64_t now_ms)
{
	dispatch_tcp_n = dispatch_udp_n = 0;
	tcp_tap_disconnected(c, now_ms);
}

/**
 * dispatch_room() - Frames toward the guest fit again
 * @c:		Execution context
 * @now_ms:	Current time, milliseconds
 */
void dispatch_room(struct ctx *c, uint64_t now_ms)
{
	tcp_tap_room(c, now_ms);
}
