/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ndp.h - NDP: neighbour advertisements and router advertisements (RFC 4861) */

#ifndef NDP_H
#define NDP_H

#include <stdint.h>

struct ctx;
struct tap_pkt;

int ndp_tap_handler(struct ctx *c, const struct tap_pkt *p);
void ndp_timer(struct ctx *c, uint64_t now_ms);

#endif /* NDP_H */
