/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dhcpv6.h - DHCPv6 server: IA_NA lease and information (RFC 8415) */

#ifndef DHCPV6_H
#define DHCPV6_H

struct ctx;
struct tap_pkt;

int dhcpv6_tap_handler(struct ctx *c, const struct tap_pkt *p);

#endif /* DHCPV6_H */
