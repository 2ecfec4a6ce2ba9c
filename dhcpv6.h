/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dhcpv6.h - DHCPv6 server: IA_NA lease and information (RFC 8415) */

#ifndef DHCPV6_H
#define DHCPV6_H

#include <stddef.h>
#include <stdint.h>

struct ctx;
struct tap_pkt;

#define DHCPV6_CLIENT_PORT	546
#define DHCPV6_SERVER_PORT	547
#define DHCPV6_REPLY_MAX_BYTES	1452	/* bytes, 1500 - IPv6 - UDP headers */

/* RFC 8415 §7.3 message types */
enum dhcpv6_msg_type {
	DHCPV6_SOLICIT = 1,
	DHCPV6_ADVERTISE = 2,
	DHCPV6_REQUEST = 3,
	DHCPV6_CONFIRM = 4,
	DHCPV6_RENEW = 5,
	DHCPV6_REBIND = 6,
	DHCPV6_REPLY = 7,
	DHCPV6_RELEASE = 8,
	DHCPV6_DECLINE = 9,
	DHCPV6_INFO_REQUEST = 11,
};

/* Option codes we read or write: RFC 8415 §21, RFC 3646, RFC 4704 */
#define DHCPV6_OPT_CLIENTID	1
#define DHCPV6_OPT_SERVERID	2
#define DHCPV6_OPT_IA_NA	3
#define DHCPV6_OPT_IAADDR	5
#define DHCPV6_OPT_PREFERENCE	7
#define DHCPV6_OPT_STATUS	13
#define DHCPV6_OPT_RAPID_COMMIT	14
#define DHCPV6_OPT_DNS		23
#define DHCPV6_OPT_DOMAIN_LIST	24
#define DHCPV6_OPT_FQDN		39

/* RFC 8415 §21.13 status codes */
#define DHCPV6_STATUS_SUCCESS		0
#define DHCPV6_STATUS_NOADDRS		2
#define DHCPV6_STATUS_NOTONLINK		4

#define DHCPV6_LIFETIME_S	0xffffffffU	/* infinite, RFC 8415 §7.7 */
#define DHCPV6_DUID_LEN		10	/* bytes, DUID-LL with a MAC */

int dhcpv6_tap_handler(struct ctx *c, const struct tap_pkt *p);

/* Pure helpers, exported for unit tests */
int dhcpv6_reply_build(const struct ctx *c, const uint8_t *msg, size_t len,
		       uint8_t *out, size_t out_size);

#endif /* DHCPV6_H */
