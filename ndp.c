/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ndp.c - NDP: neighbour advertisements and router advertisements (RFC 4861) */

#include "passt.h"
#include "tap.h"
#include "ndp.h"

/**
 * ndp_tap_handler() - Handle an ICMPv6 NDP message from the guest
 * @c:		Execution context
 * @p:		Validated packet, @p->proto is IPPROTO_ICMPV6
 *
 * Return: 1 if handled, 0 if not an NDP message, -1 if malformed
 */
int ndp_tap_handler(struct ctx *c, const struct tap_pkt *p)
{
	(void)c;
	(void)p;
	return 0;
}

/**
 * ndp_timer() - Periodic work: unsolicited router advertisements
 * @c:		Execution context
 * @now_ms:	Current time, milliseconds
 */
void ndp_timer(struct ctx *c, uint64_t now_ms)
{
	(void)c;
	(void)now_ms;
}
