/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test/unit/checksum.c - RFC 1071 sums, odd lengths, pseudo-headers */

#include <arpa/inet.h>
#include <string.h>

#include "checksum.h"
#include "unit.h"

/* RFC 1071 §3 example: words 0001 f203 f4f5 f6f7 sum to ddf2 */
UNIT_TEST(rfc1071_example_sums_to_ddf2)
{
	static const uint8_t d[] = { 0x00, 0x01, 0xf2, 0x03,
				     0xf4, 0xf5, 0xf6, 0xf7 };

	CHECK_EQ(csum_partial(d, sizeof(d), 0), 0xddf2);
	CHECK_EQ(csum(d, sizeof(d), 0), (uint16_t)~0xddf2);
}

UNIT_TEST(odd_length_pads_last_byte_with_zero)
{
	static const uint8_t odd[] = { 0x12, 0x34, 0x56 };
	static const uint8_t even[] = { 0x12, 0x34, 0x56, 0x00 };

	CHECK_EQ(csum(odd, sizeof(odd), 0), csum(even, sizeof(even), 0));
	CHECK_EQ(csum_partial(odd, 3, 0), 0x1234 + 0x5600);
}

UNIT_TEST(carries_fold_back_into_sum)
{
	static const uint8_t d[] = { 0xff, 0xff, 0xff, 0xff, 0x00, 0x02 };

	/* ffff + ffff = 1fffe -> fffe + 1 = ffff; + 2 = 10001 -> 0002 */
	CHECK_EQ(csum_partial(d, sizeof(d), 0), 0x0002);
}

UNIT_TEST(ipv4_header_with_its_checksum_sums_to_zero)
{
	/* A real IPv4 header: 192.0.2.1 -> 192.0.2.2, TCP, 60 bytes */
	uint8_t h[20] = { 0x45, 0, 0, 60, 0x12, 0x34, 0x40, 0, 64, 6, 0, 0,
			  192, 0, 2, 1, 192, 0, 2, 2 };
	uint16_t s = csum(h, 20, 0);

	h[10] = (uint8_t)(s >> 8);
	h[11] = (uint8_t)s;
	CHECK_EQ(csum(h, 20, 0), 0);
	h[15] ^= 1;
	CHECK(csum(h, 20, 0) != 0);
}

UNIT_TEST(udp4_checksum_verifies_with_pseudo_header)
{
	struct in_addr s, d;
	uint8_t udp[8 + 5] = { 0x30, 0x39, 0x00, 0x35, 0, 13, 0, 0,
			       'h', 'e', 'l', 'l', 'o' };
	uint16_t sum;

	inet_pton(AF_INET, "10.0.0.1", &s);
	inet_pton(AF_INET, "10.0.0.2", &d);
	sum = csum_l4_4(s, d, IPPROTO_UDP, udp, sizeof(udp));
	udp[6] = (uint8_t)(sum >> 8);
	udp[7] = (uint8_t)sum;
	/* The receiver's sum over pseudo-header and datagram is zero */
	CHECK_EQ(csum(udp, sizeof(udp), csum_pseudo4(s, d, IPPROTO_UDP,
						     sizeof(udp))), 0);
}

UNIT_TEST(icmp6_checksum_verifies_with_pseudo_header)
{
	struct in6_addr s, d;
	uint8_t m[8 + 3] = { 128, 0, 0, 0, 0x12, 0x34, 0, 1, 'a', 'b', 'c' };
	uint16_t sum;

	inet_pton(AF_INET6, "fe80::1", &s);
	inet_pton(AF_INET6, "2001:db8::2", &d);
	sum = csum_l4_6(&s, &d, IPPROTO_ICMPV6, m, sizeof(m));
	m[2] = (uint8_t)(sum >> 8);
	m[3] = (uint8_t)sum;
	CHECK_EQ(csum(m, sizeof(m), csum_pseudo6(&s, &d, IPPROTO_ICMPV6,
						 sizeof(m))), 0);
}

UNIT_TEST(large_buffer_of_ones_does_not_overflow)
{
	static uint8_t big[65536];
	uint32_t s;

	memset(big, 0xff, sizeof(big));
	s = csum_partial(big, sizeof(big), 0xffff);
	CHECK(s <= 0xffff);
	CHECK_EQ(csum_fold(s), 0);
}

/**
 * csum_ref() - Reference sum: 16-bit big-endian words, one at a time
 * @p:		Data
 * @len:	Length, bytes
 * @init:	Running sum
 *
 * Return: folded sum
 */
static uint32_t csum_ref(const uint8_t *p, size_t len, uint32_t init)
{
	uint64_t sum = init;

	for (; len >= 2; p += 2, len -= 2)
		sum += (uint32_t)((p[0] << 8) | p[1]);
	if (len)
		sum += (uint32_t)(p[0] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint32_t)sum;
}

UNIT_TEST(wide_sum_matches_bytewise_reference_at_any_length_and_alignment)
{
	static uint8_t buf[65536 + 8];
	uint32_t x = 12345;
	size_t i, off, len;
	int simd;

	for (simd = 0; simd <= 1; simd++) {	/* scalar, then AVX2 if any */
		csum_simd(simd);
		for (i = 0; i < sizeof(buf); i++) {
			x = x * 1103515245U + 12345U;
			buf[i] = (uint8_t)(x >> 16);
		}
		for (off = 0; off < 8; off++) {
			for (len = 0; len <= 300; len++)
				CHECK_EQ(csum_partial(buf + off, len, 0x1234),
					 csum_ref(buf + off, len, 0x1234));
			for (len = 1000; len <= 1100; len += 7)
				CHECK_EQ(csum_partial(buf + off, len, 0),
					 csum_ref(buf + off, len, 0));
		}
		CHECK_EQ(csum_partial(buf + 3, 65535, 0),
			 csum_ref(buf + 3, 65535, 0));
		memset(buf, 0xff, sizeof(buf));
		CHECK_EQ(csum_partial(buf + 1, 65536, 0),
			 csum_ref(buf + 1, 65536, 0));
		CHECK_EQ(csum_partial(buf, 4095, 0xffff),
			 csum_ref(buf, 4095, 0xffff));
	}
	csum_simd(true);
}
