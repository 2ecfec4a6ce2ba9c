/* SPDX-License-Identifier: GPL-2.0-or-later */
/* arp.h - ARP replies for the addresses the guest reaches through us (RFC 826) */

#ifndef ARP_H
#define ARP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ctx;

#define ARP_PKT_LEN		28	/* bytes, Ethernet/IPv4 ARP packet */
#define ARP_FRAME_LEN		(14 + ARP_PKT_LEN)	/* bytes, no padding */

int arp_tap_handler(struct ctx *c, const uint8_t *frame, size_t len);

/* Pure helper, exported for unit tests */
int arp_reply_build(const struct ctx *c, const uint8_t *frame, size_t len,
		    uint8_t *out, size_t out_size);

#endif /* ARP_H */
