/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vhost_user.h - The vhost-user back-end: qemu's guest memory and rings */

#ifndef VHOST_USER_H
#define VHOST_USER_H

#include <stdint.h>

#include "epoll_ctl.h"

struct ctx;

/* Queues of our one virtio-net queue pair (virtio 1.x, Network Device:
 * receiveq1 is 0, transmitq1 is 1)
 */
#define VU_RX_QUEUE		0
#define VU_TX_QUEUE		1
#define VU_QUEUES		2

void vu_init(struct ctx *c);
void vu_cmd_handler(struct ctx *c, uint32_t events, uint64_t now_ms);
void vu_kick_handler(struct ctx *c, union epoll_ref ref, uint64_t now_ms);
void vu_print_capabilities(void);
uint64_t vu_mapped_bytes(void);

#endif /* VHOST_USER_H */
