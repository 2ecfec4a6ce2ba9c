/* SPDX-License-Identifier: GPL-2.0-or-later */
/* icmp.h - ICMP/ICMPv6 echo through unprivileged ping sockets */

#ifndef ICMP_H
#define ICMP_H

#include <stdint.h>

#include "epoll_ctl.h"

struct ctx;
struct tap_pkt;

void icmp_init(struct ctx *c);
int icmp_tap_handler(struct ctx *c, const struct tap_pkt *p, uint64_t now_ms);
void icmp_sock_handler(struct ctx *c, union epoll_ref ref, uint32_t events,
		       uint64_t now_ms);

/* Pure helpers, exported for unit tests */
int icmp_echo_check(const struct tap_pkt *p);
void icmp_echo_set_id(uint8_t *msg, uint16_t id);

#endif /* ICMP_H */
