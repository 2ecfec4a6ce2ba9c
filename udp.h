/* SPDX-License-Identifier: GPL-2.0-or-later */
/* udp.h - UDP flows between guest datagrams and host sockets */

#ifndef UDP_H
#define UDP_H

#include <stddef.h>
#include <stdint.h>

#include "epoll_ctl.h"

struct ctx;
struct tap_pkt;

int udp_init(struct ctx *c);
void udp_tap_batch(struct ctx *c, const struct tap_pkt *pkts, size_t n,
		   uint64_t now_ms);
void udp_sock_handler(struct ctx *c, union epoll_ref ref, uint32_t events,
		      uint64_t now_ms);
void udp_listen_handler(struct ctx *c, union epoll_ref ref, uint32_t events,
			uint64_t now_ms);

#endif /* UDP_H */
