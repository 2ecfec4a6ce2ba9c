/* SPDX-License-Identifier: GPL-2.0-or-later */
/* arp.c - ARP replies for the addresses the guest reaches through us (RFC 826) */

#include "passt.h"
#include "tap.h"
#include "arp.h"

/**
 * arp_tap_handler() - Answer an ARP request from the guest
 * @c:		Execution context
 * @frame:	Ethernet frame, starting at the Ethernet header
 * @len:	Frame length, bytes (at least ETH_HDR_LEN)
 *
 * Return: 1 if handled (answered or validly ignored), -1 if malformed
 */
int arp_tap_handler(struct ctx *c, const uint8_t *frame, size_t len)
{
	(void)c;
	(void)frame;
	(void)len;
	return -1;
}
