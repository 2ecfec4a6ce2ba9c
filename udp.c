/* SPDX-License-Identifier: GPL-2.0-or-later */
/* udp.c - UDP flows between guest datagrams and host sockets */

#include "passt.h"
#include "tap.h"
#include "udp.h"
#include "log.h"

/**
 * udp_init() - Open sockets for -u forwards
 * @c:		Execution context
 *
 * Return: 0 on success, negative error code on failure
 */
int udp_init(struct ctx *c)
{
	if (c->udp_spec_count)
		die("--udp-ports: UDP forwarding is not supported yet");
	return 0;
}

/**
 * udp_tap_batch() - Handle a batch of UDP datagrams from the guest
 * @c:		Execution context
 * @pkts:	Validated packets, @pkts[i].proto is IPPROTO_UDP
 * @n:		Number of packets
 * @now_ms:	Current time, milliseconds
 */
void udp_tap_batch(struct ctx *c, const struct tap_pkt *pkts, size_t n,
		   uint64_t now_ms)
{
	(void)c;
	(void)pkts;
	(void)now_ms;
	while (n--)
		tap_count_drop(TAP_DROP_L4_PROTO);
}

/**
 * udp_sock_handler() - Datagrams on a flow's host socket
 * @c:		Execution context
 * @ref:	epoll reference
 * @events:	epoll events
 * @now_ms:	Current time, milliseconds
 */
void udp_sock_handler(struct ctx *c, union epoll_ref ref, uint32_t events,
		      uint64_t now_ms)
{
	(void)c;
	(void)ref;
	(void)events;
	(void)now_ms;
}

/**
 * udp_listen_handler() - Datagrams on a -u forward socket
 * @c:		Execution context
 * @ref:	epoll reference
 * @events:	epoll events
 * @now_ms:	Current time, milliseconds
 */
void udp_listen_handler(struct ctx *c, union epoll_ref ref, uint32_t events,
			uint64_t now_ms)
{
	(void)c;
	(void)ref;
	(void)events;
	(void)now_ms;
}
