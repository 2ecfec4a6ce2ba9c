/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dhcp.h - DHCPv4 server for the guest's single lease (RFC 2131, RFC 2132) */

#ifndef DHCP_H
#define DHCP_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctx.h"

struct tap_pkt;

#define DHCP_SERVER_PORT	67
#define DHCP_CLIENT_PORT	68
#define DHCP_BOOTP_LEN		236	/* bytes, fixed BOOTP header */
#define DHCP_OPTS_OFF		240	/* bytes, header and magic cookie */
#define DHCP_MAGIC		0x63825363U	/* RFC 2131 §3 */
#define DHCP_REPLY_MAX_BYTES	1472	/* bytes, 1500 - IPv4 - UDP headers */

/* RFC 2132 §9.6 message types */
enum dhcp_msg_type {
	DHCP_DISCOVER = 1,
	DHCP_OFFER = 2,
	DHCP_REQUEST = 3,
	DHCP_DECLINE = 4,
	DHCP_ACK = 5,
	DHCP_NAK = 6,
	DHCP_RELEASE = 7,
	DHCP_INFORM = 8,
};

/* Option codes we read or write */
#define DHCP_OPT_PAD		0
#define DHCP_OPT_MASK		1
#define DHCP_OPT_ROUTER		3
#define DHCP_OPT_DNS		6
#define DHCP_OPT_HOSTNAME	12
#define DHCP_OPT_DOMAIN		15
#define DHCP_OPT_MTU		26
#define DHCP_OPT_BROADCAST	28
#define DHCP_OPT_REQ_ADDR	50
#define DHCP_OPT_LEASE		51
#define DHCP_OPT_MSG_TYPE	53
#define DHCP_OPT_SERVER_ID	54
#define DHCP_OPT_PRL		55
#define DHCP_OPT_MAX_SIZE	57
#define DHCP_OPT_FQDN		81
#define DHCP_OPT_SEARCH		119
#define DHCP_OPT_END		255

#define DHCP_LEASE_TIME_S	0xffffffffU	/* infinite, RFC 2132 §9.2 */

int dhcp_tap_handler(struct ctx *c, const struct tap_pkt *p);

/* Pure helpers, exported for unit tests and the other link services */
int dhcp_reply_build(const struct ctx *c, const uint8_t *msg, size_t len,
		     uint8_t *out, size_t out_size, struct in_addr *dst);
int dhcp_dns_names_encode(const char (*names)[CONF_DOMAIN_LEN], int count,
			  bool compress, uint8_t *out, size_t size);

#endif /* DHCP_H */
