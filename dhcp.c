/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dhcp.c - DHCPv4 server for the guest's single lease (RFC 2131, RFC 2132) */

#include "passt.h"
#include "tap.h"
#include "dhcp.h"

/**
 * dhcp_tap_handler() - Handle a UDP datagram to port 67 from the guest
 * @c:		Execution context
 * @p:		Validated packet, @p->proto is IPPROTO_UDP
 *
 * Return: 1 if handled, 0 if not DHCP, -1 if malformed
 */
int dhcp_tap_handler(struct ctx *c, const struct tap_pkt *p)
{
	(void)c;
	(void)p;
	return 0;
}
