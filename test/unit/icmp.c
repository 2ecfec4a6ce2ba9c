/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test/unit/icmp.c - Echo request validation and identifier rewriting */

#include <arpa/inet.h>
#include <string.h>

#include "checksum.h"
#include "icmp.h"
#include "tap.h"
#include "util.h"
#include "unit.h"

/**
 * echo4() - Build an ICMP echo request with a valid checksum
 * @buf:	Output, at least 8 + @data_len bytes
 * @p:		Packet descriptor to fill
 * @data_len:	Payload bytes
 */
static void echo4(uint8_t *buf, struct tap_pkt *p, size_t data_len)
{
	memset(p, 0, sizeof(*p));
	memset(buf, 0, 8);
	buf[0] = 8;
	util_put_be16(buf + 4, 0x1234);
	util_put_be16(buf + 6, 7);
	memset(buf + 8, 0xa5, data_len);
	util_put_be16(buf + 2, csum(buf, 8 + data_len, 0));
	p->af = AF_INET;
	p->proto = IPPROTO_ICMP;
	p->l4 = buf;
	p->l4_len = 8 + data_len;
	inet_pton(AF_INET, "192.0.2.2", &p->src4);
	inet_pton(AF_INET, "198.51.100.1", &p->dst4);
}

/**
 * echo6() - Build an ICMPv6 echo request with a valid checksum
 * @buf:	Output, at least 8 + @data_len bytes
 * @p:		Packet descriptor to fill
 * @data_len:	Payload bytes
 */
static void echo6(uint8_t *buf, struct tap_pkt *p, size_t data_len)
{
	memset(p, 0, sizeof(*p));
	memset(buf, 0, 8);
	buf[0] = 128;
	util_put_be16(buf + 4, 0x4321);
	util_put_be16(buf + 6, 1);
	memset(buf + 8, 0x5a, data_len);
	p->af = AF_INET6;
	p->proto = IPPROTO_ICMPV6;
	p->l4 = buf;
	p->l4_len = 8 + data_len;
	inet_pton(AF_INET6, "2001:db8:1::2", &p->src6);
	inet_pton(AF_INET6, "2001:db8:100::1", &p->dst6);
	util_put_be16(buf + 2, csum_l4_6(&p->src6, &p->dst6, IPPROTO_ICMPV6,
					 buf, p->l4_len));
}

UNIT_TEST(valid_echo_request4_is_accepted)
{
	uint8_t buf[64];
	struct tap_pkt p;

	echo4(buf, &p, 56);
	CHECK_EQ(icmp_echo_check(&p), 1);
	echo4(buf, &p, 0);
	CHECK_EQ(icmp_echo_check(&p), 1);
}

UNIT_TEST(echo_request4_with_bad_checksum_is_malformed)
{
	uint8_t buf[64];
	struct tap_pkt p;

	echo4(buf, &p, 56);
	buf[20] ^= 1;
	CHECK_EQ(icmp_echo_check(&p), -1);
}

UNIT_TEST(echo_request_shorter_than_header_is_malformed)
{
	uint8_t buf[64];
	struct tap_pkt p;

	echo4(buf, &p, 0);
	p.l4_len = 7;
	CHECK_EQ(icmp_echo_check(&p), -1);
	echo6(buf, &p, 0);
	p.l4_len = 4;
	CHECK_EQ(icmp_echo_check(&p), -1);
}

UNIT_TEST(echo_request_with_nonzero_code_is_malformed)
{
	uint8_t buf[64];
	struct tap_pkt p;

	echo4(buf, &p, 8);
	buf[1] = 1;
	util_put_be16(buf + 2, 0);
	util_put_be16(buf + 2, csum(buf, p.l4_len, 0));
	CHECK_EQ(icmp_echo_check(&p), -1);
}

UNIT_TEST(other_icmp_types_are_not_ours)
{
	uint8_t buf[64];
	struct tap_pkt p;

	echo4(buf, &p, 8);
	buf[0] = 0;		/* echo reply from the guest */
	CHECK_EQ(icmp_echo_check(&p), 0);
	buf[0] = 3;		/* destination unreachable */
	CHECK_EQ(icmp_echo_check(&p), 0);
	echo6(buf, &p, 8);
	buf[0] = 129;
	CHECK_EQ(icmp_echo_check(&p), 0);
	buf[0] = 8;		/* the IPv4 request type means nothing in v6 */
	CHECK_EQ(icmp_echo_check(&p), 0);
}

UNIT_TEST(valid_echo_request6_is_accepted)
{
	uint8_t buf[64];
	struct tap_pkt p;

	echo6(buf, &p, 32);
	CHECK_EQ(icmp_echo_check(&p), 1);
}

UNIT_TEST(echo_request6_checksum_covers_pseudo_header)
{
	uint8_t buf[64];
	struct tap_pkt p;

	echo6(buf, &p, 32);
	p.dst6.s6_addr[15] ^= 2;	/* same message, other destination */
	CHECK_EQ(icmp_echo_check(&p), -1);
}

UNIT_TEST(set_id_rewrites_only_the_identifier)
{
	uint8_t buf[64], before[64];
	struct tap_pkt p;

	echo4(buf, &p, 16);
	memcpy(before, buf, sizeof(buf));
	icmp_echo_set_id(buf, 0xbeef);
	CHECK_EQ(util_get_be16(buf + 4), 0xbeef);
	CHECK(!memcmp(buf, before, 4));
	CHECK(!memcmp(buf + 6, before + 6, 2 + 16));
}
