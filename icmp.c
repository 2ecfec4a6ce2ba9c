/* SPDX-License-Identifier: GPL-2.0-or-later */
/* icmp.c - ICMP/ICMPv6 echo through unprivileged ping sockets */

#include "passt.h"
#include "tap.h"
#include "icmp.h"

/**
 * icmp_init() - Probe whether ping sockets are allowed, say so once
 * @c:		Execution context
 */
void icmp_init(struct ctx *c)
{
	(void)c;
}

/**
 * icmp_tap_handler() - Handle an ICMP/ICMPv6 message from the guest
 * @c:		Execution context
 * @p:		Validated packet
 * @now_ms:	Current time, milliseconds
 *
 * Return: 1 if handled, 0 if ignored (not an echo request), -1 if malformed
 */
int icmp_tap_handler(struct ctx *c, const struct tap_pkt *p, uint64_t now_ms)
{
	(void)c;
	(void)p;
	(void)now_ms;
	return 0;
}

/**
 * icmp_sock_handler() - Replies on a ping socket
 * @c:		Execution context
 * @ref:	epoll reference: flow index and socket
 * @events:	epoll events
 * @now_ms:	Current time, milliseconds
 */
void icmp_sock_handler(struct ctx *c, union epoll_ref ref, uint32_t events,
		       uint64_t now_ms)
{
	(void)c;
	(void)ref;
	(void)events;
	(void)now_ms;
}
