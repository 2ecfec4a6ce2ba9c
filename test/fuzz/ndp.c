/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test/fuzz/ndp.c - NDP message and option parsing, reply building
 *
 * Input: one configuration byte (see fuzz_ctx_vary()), one selector byte,
 * then an ICMPv6 message. The selector picks the IPv6 source (bits 0-2) and
 * destination (bits 3-5) from addresses that matter to NDP (unspecified,
 * link-local and global guest addresses, ours, the gateway, all-nodes,
 * solicited-node groups), a hop limit of 64 instead of 255 (bit 6), and
 * whether the ICMPv6 checksum is left as given instead of computed (bit 7).
 * The message is wrapped in Ethernet and IPv6 headers, validated by
 * tap_pkt_parse() as tap.c does, and handed to ndp_reply_build() and
 * ndp_tap_handler(); ndp_opts_check() also gets the raw bytes.
 */

#include "checksum.h"
#include "fuzz.h"
#include "ndp.h"

#define FUZZ_NDP_MSG_MAX	1500	/* bytes of ICMPv6 message used */

static struct ctx fuzz_base;

static const char *const fuzz_ndp_addrs[8] = {
	"::", "fe80::1", "2001:db8:1::2", "2001:db8:1::99",
	"fe80::9855:9aff:fe55:9a55", "2001:db8:1::1", "ff02::1",
	"ff02::1:ff55:9a55",
};

static const char *const fuzz_ndp_dsts[8] = {
	"ff02::2", "ff02::1", "ff02::1:ff00:1", "ff02::1:ff55:9a55",
	"fe80::9855:9aff:fe55:9a55", "2001:db8:1::1", "2001:db8:1::2", "::",
};

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
 * fuzz_ndp_frame() - Wrap an ICMPv6 message in Ethernet and IPv6 headers
 * @f:		Output frame, at least 54 + @len bytes
 * @sel:	Selector byte (see the file's header)
 * @msg:	ICMPv6 message
 * @len:	Length, bytes
 *
 * Return: frame length
 */
static size_t fuzz_ndp_frame(uint8_t *f, uint8_t sel, const uint8_t *msg,
			     size_t len)
{
	static const uint8_t guest_mac[6] = { 0x02, 0, 0, 0, 0, 1 };
	struct in6_addr src = fuzz_addr6(fuzz_ndp_addrs[sel & 7]);
	struct in6_addr dst = fuzz_addr6(fuzz_ndp_dsts[(sel >> 3) & 7]);
	uint8_t *ip = f + ETH_HDR_LEN;

	f[0] = 0x33;
	f[1] = 0x33;
	memcpy(f + 2, dst.s6_addr + 12, 4);
	memcpy(f + 6, guest_mac, 6);
	util_put_be16(f + 12, 0x86dd);
	util_put_be32(ip, 0x60000000U);
	util_put_be16(ip + 4, (uint16_t)len);
	ip[6] = IPPROTO_ICMPV6;
	ip[7] = (sel & 64) ? 64 : 255;
	memcpy(ip + 8, &src, 16);
	memcpy(ip + 24, &dst, 16);
	memcpy(ip + 40, msg, len);
	if (!(sel & 128) && len >= 4) {
		util_put_be16(ip + 42, 0);
		util_put_be16(ip + 42, csum_l4_6(&src, &dst, IPPROTO_ICMPV6,
						 ip + 40, len));
	}
	return ETH_HDR_LEN + 40 + len;
}

/**
 * LLVMFuzzerTestOneInput() - Parse one NDP message and build the reply
 * @data:	Configuration byte, selector byte, ICMPv6 message
 * @size:	Bytes
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frame[ETH_HDR_LEN + 40 + FUZZ_NDP_MSG_MAX];
	static uint8_t out[NDP_FRAME_MAX];
	const uint8_t *slla = NULL;
	static struct ctx c;
	struct tap_pkt p;
	enum tap_drop why;
	size_t len;
	int n;

	if (size < 2)
		return 0;
	c = fuzz_base;
	fuzz_ctx_vary(&c, data[0]);

	ndp_opts_check(data + 2, size - 2, &slla);
	if (slla && (slla < data + 2 || slla + 6 > data + size))
		abort();		/* address must lie inside the input */

	len = fuzz_ndp_frame(frame, data[1], data + 2,
			     MIN(size - 2, FUZZ_NDP_MSG_MAX));
	if (tap_pkt_parse(frame, len, &p, &why) != AF_INET6 ||
	    p.proto != IPPROTO_ICMPV6)
		return 0;
	n = ndp_reply_build(&c, &p, out, sizeof(out));
	if (n > (int)sizeof(out))
		abort();
	ndp_tap_handler(&c, &p);
	return 0;
}
