/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ndp.h - NDP: neighbour advertisements and router advertisements (RFC 4861) */

#ifndef NDP_H
#define NDP_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

struct ctx;
struct tap_pkt;

/* ICMPv6 types, RFC 4861 §4 */
#define NDP_RS			133
#define NDP_RA			134
#define NDP_NS			135
#define NDP_NA			136
#define NDP_REDIRECT		137

#define NDP_HOP_LIMIT		255	/* RFC 4861 §6.1, §7.1 */
#define NDP_HDRS_LEN		(14 + 40)	/* bytes, Ethernet and IPv6 */
#define NDP_FRAME_MAX		2048	/* bytes, largest RA we build */

/* RA contents and timing */
#define NDP_RA_INTERVAL_MS	(600 * 1000)	/* MaxRtrAdvInterval default */
#define NDP_ROUTER_LIFETIME_S	1800	/* 3 x MaxRtrAdvInterval, §6.2.1 */
#define NDP_PREFIX_LIFETIME_S	0xffffffffU	/* infinite, §4.6.2 */
#define NDP_DNS_LIFETIME_S	1800	/* RFC 8106 §5.1: >= 3 x interval */
#define NDP_CUR_HOP_LIMIT	64

int ndp_tap_handler(struct ctx *c, const struct tap_pkt *p);
void ndp_timer(struct ctx *c, uint64_t now_ms);

/* Pure helpers, exported for unit tests */
int ndp_opts_check(const uint8_t *opts, size_t len, const uint8_t **slla);
int ndp_reply_build(const struct ctx *c, const struct tap_pkt *p,
		    uint8_t *out, size_t out_size);
size_t ndp_ra_build(const struct ctx *c, const struct in6_addr *dst,
		    const uint8_t *dst_mac, uint8_t *out, size_t out_size);

#endif /* NDP_H */
