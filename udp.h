/* SPDX-License-Identifier: GPL-2.0-or-later */
/* udp.h - UDP flows between guest datagrams and host sockets */

#ifndef UDP_H
#define UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "epoll_ctl.h"
#include "flow.h"

struct ctx;
struct tap_pkt;

/* Idle time after which a UDP flow and its socket are closed: default
 * FLOW_UDP_IDLE_DEFAULT_S (flow.h), settable with --udp-timeout
 */
#define UDP_TIMEOUT_MAX_S	86400	/* one day, largest --udp-timeout */


void udp_init(void);
void udp_tap_batch(struct ctx *c, const struct tap_pkt *pkts, size_t n,
		   uint64_t now_ms);
void udp_sock_handler(struct ctx *c, union epoll_ref ref, uint32_t events,
		      uint64_t now_ms);
void udp_listen_handler(struct ctx *c, union epoll_ref ref, uint32_t events,
			uint64_t now_ms);
void udp_reply_sock_gone(const struct ctx *c, int s);

/* Pure helpers, exported for unit tests */
size_t udp_payload_max(const struct ctx *c, bool v4);
size_t udp_icmp_quote4(uint8_t *buf, size_t size,
		       const union inany_addr *guest, uint16_t gport,
		       const union inany_addr *peer, uint16_t pport,
		       const uint8_t *payload, size_t len);
size_t udp_icmp_quote6(uint8_t *buf, size_t size,
		       const union inany_addr *guest, uint16_t gport,
		       const union inany_addr *peer, uint16_t pport,
		       const uint8_t *payload, size_t len);

#endif /* UDP_H */
