/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcp.h - TCP translation between guest segments and host sockets */

#ifndef TCP_H
#define TCP_H

#include <stddef.h>
#include <stdint.h>

#include "epoll_ctl.h"

struct ctx;
struct tap_pkt;

int tcp_init(struct ctx *c);
void tcp_tap_batch(struct ctx *c, const struct tap_pkt *pkts, size_t n,
		   uint64_t now_ms);
void tcp_sock_handler(struct ctx *c, union epoll_ref ref, uint32_t events,
		      uint64_t now_ms);
void tcp_listen_handler(struct ctx *c, union epoll_ref ref, uint32_t events,
			uint64_t now_ms);
void tcp_timer_handler(struct ctx *c, union epoll_ref ref, uint64_t now_ms);
void tcp_tap_disconnected(struct ctx *c, uint64_t now_ms);
void tcp_tap_room(struct ctx *c, uint64_t now_ms);

#endif /* TCP_H */
