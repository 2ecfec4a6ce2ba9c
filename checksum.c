/* SPDX-License-Identifier: GPL-2.0-or-later */
/* checksum.c - Internet checksum (RFC 1071) and pseudo-headers
 *
 * Sums are folded to 16 bits as they go. Buffers are summed eight bytes at a
 * time in host order (no alignment assumed) and the result swapped to the
 * value of 16-bit big-endian words once (RFC 1071 §2(B)). Values returned by
 * csum() and csum_l4_*() are in host order: store them with htons() or
 * util_put_be16().
 */

#include <arpa/inet.h>
#include <string.h>

#include "checksum.h"

/**
 * csum_native() - One's complement sum of 8-byte words in host byte order
 * @p:		Data
 * @len:	Length, bytes, even
 *
 * RFC 1071 §2(B): the sum is independent of byte order, so words are added
 * as the host loads them (eight bytes at a time, carries counted apart) and
 * the folded result is swapped to network order once, by the caller.
 *
 * Return: sum folded to 16 bits, host byte order
 */
static uint32_t csum_native(const uint8_t *p, size_t len)
{
	uint64_t sum = 0, carry = 0, w, s2;
	uint16_t w16;

	while (len >= 32) {
		uint64_t a, b, c, d;

		memcpy(&a, p, 8);
		memcpy(&b, p + 8, 8);
		memcpy(&c, p + 16, 8);
		memcpy(&d, p + 24, 8);
		sum += a;
		carry += sum < a;
		sum += b;
		carry += sum < b;
		sum += c;
		carry += sum < c;
		sum += d;
		carry += sum < d;
		p += 32;
		len -= 32;
	}
	while (len >= 8) {
		memcpy(&w, p, 8);
		sum += w;
		carry += sum < w;
		p += 8;
		len -= 8;
	}
	while (len >= 2) {
		memcpy(&w16, p, 2);
		sum += w16;
		carry += sum < w16;
		p += 2;
		len -= 2;
	}
	/* Fold 64 bits plus carries (each worth 2^64 = 1 mod 2^16 - 1) */
	s2 = (sum & 0xffffffff) + (sum >> 32) + carry;
	while (s2 >> 16)
		s2 = (s2 & 0xffff) + (s2 >> 16);
	return (uint32_t)s2;
}

/**
 * csum_partial() - Add a buffer to a running one's complement sum
 * @buf:	Data
 * @len:	Length, bytes; only the last chunk of a sum may be odd
 * @init:	Running sum
 *
 * Return: updated sum, folded to at most 16 bits (not complemented)
 */
uint32_t csum_partial(const void *buf, size_t len, uint32_t init)
{
	const uint8_t *p = buf;
	uint64_t sum = init;
	uint32_t n = csum_native(p, len & ~(size_t)1);

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	n = ((n & 0xff) << 8) | (n >> 8);
#endif
	sum += n;
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);	/* RFC 1071: zero pad */

	while (sum >> 16)	/* fold: callers may add small values */
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint32_t)sum;
}

/**
 * csum_fold() - Fold a 32-bit sum to 16 bits and complement it
 * @sum:	Unfolded sum
 *
 * Return: checksum field value, host order
 */
uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/**
 * csum() - Checksum of a buffer with an initial sum
 * @buf:	Data
 * @len:	Length, bytes
 * @init:	Initial sum (pseudo-header), or 0
 *
 * Return: checksum field value, host order
 */
uint16_t csum(const void *buf, size_t len, uint32_t init)
{
	return csum_fold(csum_partial(buf, len, init));
}

/**
 * csum_pseudo4() - Sum of the IPv4 pseudo-header (RFC 768, RFC 9293 §3.1)
 * @src:	Source address
 * @dst:	Destination address
 * @proto:	L4 protocol
 * @l4_len:	L4 header and payload length, bytes
 *
 * Return: unfolded sum
 */
uint32_t csum_pseudo4(struct in_addr src, struct in_addr dst, uint8_t proto,
		      uint16_t l4_len)
{
	uint32_t sum;

	sum = csum_partial(&src.s_addr, 4, 0);
	sum = csum_partial(&dst.s_addr, 4, sum);
	return sum + proto + l4_len;
}

/**
 * csum_pseudo6() - Sum of the IPv6 pseudo-header (RFC 8200 §8.1)
 * @src:	Source address
 * @dst:	Destination address
 * @proto:	Next header value of the L4 protocol
 * @l4_len:	Upper-layer packet length, bytes
 *
 * Return: unfolded sum
 */
uint32_t csum_pseudo6(const struct in6_addr *src, const struct in6_addr *dst,
		      uint8_t proto, uint32_t l4_len)
{
	uint32_t sum;

	sum = csum_partial(src->s6_addr, 16, 0);
	sum = csum_partial(dst->s6_addr, 16, sum);
	return sum + (l4_len >> 16) + (l4_len & 0xffff) + proto;
}

/**
 * csum_l4_4() - Checksum of an L4 packet over IPv4, checksum field zeroed
 * @src:	Source address
 * @dst:	Destination address
 * @proto:	L4 protocol
 * @l4:		L4 header and payload, with a zero checksum field
 * @l4_len:	Length, bytes
 *
 * Return: checksum field value, host order (UDP callers map 0 to 0xffff)
 */
uint16_t csum_l4_4(struct in_addr src, struct in_addr dst, uint8_t proto,
		   const void *l4, size_t l4_len)
{
	return csum(l4, l4_len, csum_pseudo4(src, dst, proto,
					     (uint16_t)l4_len));
}

/**
 * csum_l4_6() - Checksum of an L4 packet over IPv6, checksum field zeroed
 * @src:	Source address
 * @dst:	Destination address
 * @proto:	L4 protocol
 * @l4:		L4 header and payload, with a zero checksum field
 * @l4_len:	Length, bytes
 *
 * Return: checksum field value, host order (UDP callers map 0 to 0xffff)
 */
uint16_t csum_l4_6(const struct in6_addr *src, const struct in6_addr *dst,
		   uint8_t proto, const void *l4, size_t l4_len)
{
	return csum(l4, l4_len, csum_pseudo6(src, dst, proto,
					     (uint32_t)l4_len));
}
