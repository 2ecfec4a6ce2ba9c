/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dhcp.h - DHCPv4 server for the guest's single lease (RFC 2131, RFC 2132) */

#ifndef DHCP_H
#define DHCP_H

struct ctx;
struct tap_pkt;

int dhcp_tap_handler(struct ctx *c, const struct tap_pkt *p);

#endif /* DHCP_H */
