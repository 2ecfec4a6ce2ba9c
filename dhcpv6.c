/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dhcpv6.c - DHCPv6 server: IA_NA lease and information (RFC 8415) */

#include "passt.h"
#include "tap.h"
#include "dhcpv6.h"

/**
 * dhcpv6_tap_handler() - Handle a UDP datagram to port 547 from the guest
 * @c:		Execution context
 * @p:		Validated packet, @p->proto is IPPROTO_UDP
 *
 * Return: 1 if handled, 0 if not DHCPv6, -1 if malformed
 */
int dhcpv6_tap_handler(struct ctx *c, const struct tap_pkt *p)
{
	(void)c;
	(void)p;
	return 0;
}
