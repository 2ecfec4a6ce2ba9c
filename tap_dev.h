/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tap_dev.h - The tap device back-end (pasta): frames on a tap descriptor */

#ifndef TAP_DEV_H
#define TAP_DEV_H

#include <stdint.h>

struct ctx;

void tap_dev_init(struct ctx *c);
void tap_dev_handler(struct ctx *c, uint32_t events, uint64_t now_ms);

#endif /* TAP_DEV_H */
