/* SPDX-License-Identifier: GPL-2.0-or-later */
/* arp.c - ARP replies for the addresses the guest reaches through us (RFC 826) */

/**
 * DOC: Theory of operation
 *
 * Everything the guest reaches, it reaches through us: we answer requests
 * for any IPv4 address with our MAC, except
 * - the guest's own addresses (configured, and last seen as source), so that
 *   its duplicate address detection (RFC 5227 probes) finds no conflict;
 * - 0.0.0.0, multicast and limited broadcast targets;
 * - announcements and gratuitous requests (target is the sender's address);
 * - probes (sender 0.0.0.0) for addresses that are not ours: only the
 *   gateway is ours, any other address is free for the guest to take.
 * ARP replies from the guest are accepted and ignored.
 */

#include <arpa/inet.h>
#include <string.h>

#include "ctx.h"
#include "tap.h"
#include "util.h"
#include "log.h"
#include "arp.h"

#define ARP_HTYPE_ETHER		1	/* RFC 826 ar$hrd, Ethernet */
#define ARP_PTYPE_IP4		ETHERTYPE_IP	/* ar$pro */
#define ARP_OP_REQUEST		1
#define ARP_OP_REPLY		2

/* Offsets in the frame: Ethernet header, then RFC 826 fields */
#define ARP_OFF_HTYPE		(ETH_HDR_LEN + 0)
#define ARP_OFF_PTYPE		(ETH_HDR_LEN + 2)
#define ARP_OFF_HLEN		(ETH_HDR_LEN + 4)
#define ARP_OFF_PLEN		(ETH_HDR_LEN + 5)
#define ARP_OFF_OP		(ETH_HDR_LEN + 6)
#define ARP_OFF_SHA		(ETH_HDR_LEN + 8)
#define ARP_OFF_SPA		(ETH_HDR_LEN + 14)
#define ARP_OFF_THA		(ETH_HDR_LEN + 18)
#define ARP_OFF_TPA		(ETH_HDR_LEN + 24)

/**
 * arp_answers() - Should a request for @tpa from @spa get our MAC?
 * @c:		Execution context
 * @spa:	Sender protocol address
 * @tpa:	Target protocol address
 *
 * Return: true to reply
 */
static bool arp_answers(const struct ctx *c, struct in_addr spa,
			struct in_addr tpa)
{
	uint32_t t = ntohl(tpa.s_addr);

	if (tpa.s_addr == INADDR_ANY || tpa.s_addr == INADDR_BROADCAST ||
	    IN_MULTICAST(t))
		return false;
	if (tpa.s_addr == c->ip4.addr.s_addr ||
	    tpa.s_addr == c->ip4.addr_seen.s_addr)
		return false;
	if (tpa.s_addr == spa.s_addr)
		return false;		/* announcement, gratuitous ARP */
	if (spa.s_addr == INADDR_ANY)	/* probe, RFC 5227 §2.1.1 */
		return tpa.s_addr == c->ip4.gw.s_addr;
	return true;
}

/**
 * arp_reply_build() - Build the reply to an ARP packet from the guest
 * @c:		Execution context
 * @frame:	Ethernet frame carrying ARP
 * @len:	Frame length, bytes (padding allowed)
 * @out:	Reply frame buffer
 * @out_size:	Size of @out, at least ARP_FRAME_LEN bytes
 *
 * The reply, RFC 826: Ethernet to the requester's hardware address, opcode
 * reply, sender = our MAC and the address asked for, target = requester.
 *
 * Context: pure, no system calls.
 * Return: reply length, 0 if no reply is due, -1 if malformed (short, not
 *	   Ethernet/IPv4 ARP, unknown opcode, bad sender hardware address)
 */
int arp_reply_build(const struct ctx *c, const uint8_t *frame, size_t len,
		    uint8_t *out, size_t out_size)
{
	struct in_addr spa, tpa;
	const uint8_t *sha;
	uint16_t op;

	if (len < ARP_FRAME_LEN ||
	    util_get_be16(frame + 12) != ETHERTYPE_ARP ||
	    util_get_be16(frame + ARP_OFF_HTYPE) != ARP_HTYPE_ETHER ||
	    util_get_be16(frame + ARP_OFF_PTYPE) != ARP_PTYPE_IP4 ||
	    frame[ARP_OFF_HLEN] != ETH_ALEN || frame[ARP_OFF_PLEN] != 4)
		return -1;

	op = util_get_be16(frame + ARP_OFF_OP);
	if (op == ARP_OP_REPLY)
		return 0;
	if (op != ARP_OP_REQUEST)
		return -1;

	sha = frame + ARP_OFF_SHA;
	if ((sha[0] & 1) || util_mac_is_zero(sha))
		return -1;		/* multicast or zero: can't answer */
	memcpy(&spa, frame + ARP_OFF_SPA, 4);
	memcpy(&tpa, frame + ARP_OFF_TPA, 4);
	if (!arp_answers(c, spa, tpa))
		return 0;
	if (out_size < ARP_FRAME_LEN)
		return 0;

	tap_eth_write(out, sha, c->our_mac, ETHERTYPE_ARP);
	util_put_be16(out + ARP_OFF_HTYPE, ARP_HTYPE_ETHER);
	util_put_be16(out + ARP_OFF_PTYPE, ARP_PTYPE_IP4);
	out[ARP_OFF_HLEN] = ETH_ALEN;
	out[ARP_OFF_PLEN] = 4;
	util_put_be16(out + ARP_OFF_OP, ARP_OP_REPLY);
	memcpy(out + ARP_OFF_SHA, c->our_mac, ETH_ALEN);
	memcpy(out + ARP_OFF_SPA, &tpa, 4);
	memcpy(out + ARP_OFF_THA, sha, ETH_ALEN);
	memcpy(out + ARP_OFF_TPA, &spa, 4);
	return ARP_FRAME_LEN;
}

/**
 * arp_tap_handler() - Answer an ARP request from the guest
 * @c:		Execution context
 * @frame:	Ethernet frame, starting at the Ethernet header
 * @len:	Frame length, bytes (at least ETH_HDR_LEN)
 *
 * Return: 1 if handled (answered or validly ignored), -1 if malformed
 */
int arp_tap_handler(struct ctx *c, const uint8_t *frame, size_t len)
{
	uint8_t reply[ARP_FRAME_LEN];
	int n;

	n = arp_reply_build(c, frame, len, reply, sizeof(reply));
	if (n < 0)
		return -1;
	if (n) {
		const uint8_t *a = reply + ARP_OFF_SPA;

		log_trace("ARP: %u.%u.%u.%u is at our MAC", a[0], a[1], a[2],
			  a[3]);
		tap_send_frame(c, reply, (size_t)n);
	}
	return 1;
}
