/* SPDX-License-Identifier: GPL-2.0-or-later */
/* flow.h - The flow table: allocation, lookup, sides, deferred free, sweeps */

#ifndef FLOW_H
#define FLOW_H

#include <stdint.h>

struct ctx;

void flow_init(void);
void flow_tick(struct ctx *c, uint64_t now_ms);
void flow_dump(const struct ctx *c, uint64_t now_ms);

#endif /* FLOW_H */
