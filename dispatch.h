/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dispatch.h - Frames from the guest to the handler of their protocol */

#ifndef DISPATCH_H
#define DISPATCH_H

#include <stdbool.h>
#include <stdint.h>

struct ctx;
struct tap_pkt;

bool dispatch_pkt(struct ctx *c, const struct tap_pkt *p, uint64_t now_ms);
void dispatch_pkts_end(struct ctx *c, uint64_t now_ms);
void dispatch_guest_gone(struct ctx *c, uint64_t now_ms);
void dispatch_room(struct ctx *c, uint64_t now_ms);

#endif /* DISPATCH_H */
