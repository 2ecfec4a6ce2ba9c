/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test/fuzz/arp.c - ARP request parsing and reply building
 *
 * Input: one configuration byte (see fuzz_ctx_vary()), then an Ethernet
 * frame as the guest sends it. Both the pure builder (into a buffer exactly
 * the size of a reply, so ASan sees any write past it) and the tap handler
 * run on it.
 */

#include "arp.h"
#include "fuzz.h"

static struct ctx fuzz_base;

/**
 * LLVMFuzzerInitialize() - One-time set-up
 * @argc:	Unused
 * @argv:	Unused
 *
 * Return: 0
 */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_log_init();
	fuzz_ctx_init(&fuzz_base);
	return 0;
}

/**
 * LLVMFuzzerTestOneInput() - Parse one frame as ARP
 * @data:	Configuration byte, then the frame
 * @size:	Bytes
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[ARP_FRAME_LEN];
	static struct ctx c;
	int n;

	if (size < 1)
		return 0;
	c = fuzz_base;
	fuzz_ctx_vary(&c, data[0]);
	data++;
	size--;

	n = arp_reply_build(&c, data, size, out, sizeof(out));
	if (n > (int)sizeof(out))
		abort();
	if (size >= ETH_HDR_LEN)	/* tap.c's guarantee to the handler */
		arp_tap_handler(&c, data, size);
	return 0;
}
