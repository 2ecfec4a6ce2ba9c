/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test/fuzz/dhcpv6.c - DHCPv6 message and option parsing, reply building
 *
 * Input: one configuration byte (see fuzz_ctx_vary()), then the UDP payload
 * the guest sends to port 547 (message type, transaction ID, options). The
 * reply goes into a buffer of the size dhcpv6_tap_handler() uses.
 */

#include "dhcpv6.h"
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
 * LLVMFuzzerTestOneInput() - Parse one DHCPv6 message and build the reply
 * @data:	Configuration byte, then the message
 * @size:	Bytes
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[DHCPV6_REPLY_MAX_BYTES];
	static struct ctx c;
	int n;

	if (size < 1)
		return 0;
	c = fuzz_base;
	fuzz_ctx_vary(&c, data[0]);

	n = dhcpv6_reply_build(&c, data + 1, size - 1, out, sizeof(out));
	if (n > (int)sizeof(out))
		abort();
	return 0;
}
