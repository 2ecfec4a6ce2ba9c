/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcp.c - TCP translation between guest segments and host sockets */

#include "log.h"
#include "passt.h"
#include "tap.h"
#include "tcp.h"

/**
 * tcp_init() - Open listeners for -t forwards and the TCP timerfd
 * @c:		Execution context
 *
 * Return: 0 on success, negative error code on failure
 */
int tcp_init(struct ctx *c)
{
	if (c->tcp_spec_count)
		die("--tcp-ports: TCP forwarding is not supported yet");
	return 0;
}

/**
 * tcp_tap_batch() - Handle a batch of TCP segments from the guest
 * @c:		Execution context
 * @pkts:	Validated packets, @pkts[i].proto is IPPROTO_TCP
 * @n:		Number of packets
 * @now_ms:	Current time, milliseconds
 */
void tcp_tap_batch(struct ctx *c, const struct tap_pkt *pkts, size_t n,
		   uint64_t now_ms)
{
	(void)c;
	(void)pkts;
	(void)now_ms;
	while (n--)
		tap_count_drop(TAP_DROP_L4_PROTO);
}

/**
 * tcp_sock_handler() - Events on a flow's host socket
 * @c:		Execution context
 * @ref:	epoll reference
 * @events:	epoll events
 * @now_ms:	Current time, milliseconds
 */
void tcp_sock_handler(struct ctx *c, union epoll_ref ref, uint32_t events,
		      uint64_t now_ms)
{
	(void)c;
	(void)ref;
	(void)events;
	(void)now_ms;
}

/**
 * tcp_listen_handler() - New connection on a -t listener
 * @c:		Execution context
 * @ref:	epoll reference
 * @events:	epoll events
 * @now_ms:	Current time, milliseconds
 */
void tcp_listen_handler(struct ctx *c, union epoll_ref ref, uint32_t events,
			uint64_t now_ms)
{
	(void)c;
	(void)ref;
	(void)events;
	(void)now_ms;
}

/**
 * tcp_timer_handler() - The TCP deadline timerfd expired
 * @c:		Execution context
 * @ref:	epoll reference
 * @now_ms:	Current time, milliseconds
 */
void tcp_timer_handler(struct ctx *c, union epoll_ref ref, uint64_t now_ms)
{
	(void)c;
	(void)ref;
	(void)now_ms;
}

/**
 * tcp_tap_disconnected() - The guest went away: reset its connections
 * @c:		Execution context
 * @now_ms:	Current time, milliseconds
 */
void tcp_tap_disconnected(struct ctx *c, uint64_t now_ms)
{
	(void)c;
	(void)now_ms;
}
