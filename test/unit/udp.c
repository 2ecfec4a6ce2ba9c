/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test/unit/udp.c - Frame and ICMP quote builders */

#include <arpa/inet.h>
#include <string.h>

#include "checksum.h"
#include "flow.h"
#include "ctx.h"
#include "tap.h"
#include "udp.h"
#include "util.h"
#include "unit.h"

static struct ctx c;

/**
 * a4() - IPv4-mapped inany address from text
 * @s:		Dotted quad
 *
 * Return: address
 */
static union inany_addr a4(const char *s)
{
	union inany_addr a;
	struct in_addr v4;

	inet_pton(AF_INET, s, &v4);
	inany_from_v4(&a, v4);
	return a;
}

/**
 * a6() - IPv6 inany address from text
 * @s:		IPv6 address
 *
 * Return: address
 */
static union inany_addr a6(const char *s)
{
	union inany_addr a;

	inet_pton(AF_INET6, s, &a.a6);
	return a;
}

/**
 * ctx_reset() - Guest 192.0.2.2 via 192.0.2.1, 2001:db8:1::2 via ::1
 */
static void ctx_reset(void)
{
	memset(&c, 0, sizeof(c));
	c.mtu = 65520;
	inet_pton(AF_INET, "192.0.2.2", &c.ip4.addr);
	inet_pton(AF_INET, "192.0.2.1", &c.ip4.gw);
	inet_pton(AF_INET6, "2001:db8:1::2", &c.ip6.addr);
	inet_pton(AF_INET6, "2001:db8:1::1", &c.ip6.gw);
	inet_pton(AF_INET6, "fe80::1", &c.ip6.our_ll);
}

UNIT_TEST(payload_max_follows_mtu_and_length_fields)
{
	ctx_reset();
	c.mtu = 1500;
	CHECK_EQ(udp_payload_max(&c, true), 1472);
	CHECK_EQ(udp_payload_max(&c, false), 1452);
	c.mtu = 65520;
	CHECK_EQ(udp_payload_max(&c, true), 65492);
	CHECK_EQ(udp_payload_max(&c, false), 65472);
	c.mtu = 20;
	CHECK_EQ(udp_payload_max(&c, true), 0);
}

UNIT_TEST(frame4_has_valid_ip_and_udp_checksums)
{
	static uint8_t frame[ETH_HDR_LEN + 28 + 1000];
	union inany_addr src = a4("198.51.100.1"), dst = a4("192.0.2.2");
	uint8_t *ip = frame + ETH_HDR_LEN;
	struct in_addr s4, d4;
	size_t len;

	ctx_reset();
	memset(frame + ETH_HDR_LEN + 28, 0x3c, 1000);
	len = tap_udp_frame(&c, frame, &src, 5000, &dst, 40000, 1000);
	CHECK_EQ(len, sizeof(frame));
	CHECK_EQ(util_get_be16(frame + 12), 0x0800);
	CHECK_EQ(ip[0], 0x45);
	CHECK_EQ(util_get_be16(ip + 2), 1028);
	CHECK_EQ(ip[9], IPPROTO_UDP);
	CHECK_EQ(csum(ip, 20, 0), 0);
	CHECK_EQ(util_get_be16(ip + 20), 5000);
	CHECK_EQ(util_get_be16(ip + 22), 40000);
	CHECK_EQ(util_get_be16(ip + 24), 1008);
	s4 = *inany_v4(&src);
	d4 = *inany_v4(&dst);
	CHECK_EQ(csum_l4_4(s4, d4, IPPROTO_UDP, ip + 20, 1008), 0);
}

UNIT_TEST(frame6_has_valid_udp_checksum)
{
	static uint8_t frame[ETH_HDR_LEN + 48 + 333];
	union inany_addr src = a6("2001:db8:100::1"), dst = a6("2001:db8:1::2");
	uint8_t *ip = frame + ETH_HDR_LEN;
	size_t len;

	ctx_reset();
	memset(frame + ETH_HDR_LEN + 48, 0xc3, 333);
	len = tap_udp_frame(&c, frame, &src, 53, &dst, 1234, 333);
	CHECK_EQ(len, sizeof(frame));
	CHECK_EQ(util_get_be16(frame + 12), 0x86dd);
	CHECK_EQ(ip[0] >> 4, 6);
	CHECK_EQ(util_get_be16(ip + 4), 341);
	CHECK_EQ(ip[6], IPPROTO_UDP);
	CHECK(!memcmp(ip + 8, &src.a6, 16));
	CHECK(!memcmp(ip + 24, &dst.a6, 16));
	CHECK_EQ(csum_l4_6(&src.a6, &dst.a6, IPPROTO_UDP, ip + 40, 341), 0);
	CHECK(util_get_be16(ip + 46) != 0);
}

UNIT_TEST(icmp_quote4_rebuilds_guest_datagram_and_truncates)
{
	union inany_addr g = a4("192.0.2.2"), p = a4("198.51.100.1");
	uint8_t payload[1000], buf[548];
	size_t n;

	memset(payload, 0x77, sizeof(payload));
	n = udp_icmp_quote4(buf, sizeof(buf), &g, 40000, &p, 5999, payload,
			    sizeof(payload));
	CHECK_EQ(n, sizeof(buf));
	CHECK_EQ(buf[0], 0x45);
	CHECK_EQ(buf[9], IPPROTO_UDP);
	CHECK_EQ(util_get_be16(buf + 2), 1028);	/* original length */
	CHECK_EQ(csum(buf, 20, 0), 0);
	CHECK(!memcmp(buf + 12, &inany_v4(&g)->s_addr, 4));
	CHECK(!memcmp(buf + 16, &inany_v4(&p)->s_addr, 4));
	CHECK_EQ(util_get_be16(buf + 20), 40000);
	CHECK_EQ(util_get_be16(buf + 22), 5999);
	CHECK_EQ(util_get_be16(buf + 24), 1008);
	CHECK_EQ(buf[28], 0x77);
	CHECK_EQ(buf[547], 0x77);
	n = udp_icmp_quote4(buf, sizeof(buf), &g, 1, &p, 2, payload, 4);
	CHECK_EQ(n, 32);
	CHECK_EQ(udp_icmp_quote4(buf, 27, &g, 1, &p, 2, payload, 4), 0);
}

UNIT_TEST(icmp_quote6_rebuilds_guest_datagram)
{
	union inany_addr g = a6("2001:db8:1::2"), p = a6("2001:db8:100::1");
	uint8_t payload[10], buf[1232];
	size_t n;

	memset(payload, 0x11, sizeof(payload));
	n = udp_icmp_quote6(buf, sizeof(buf), &g, 40000, &p, 5999, payload,
			    sizeof(payload));
	CHECK_EQ(n, 58);
	CHECK_EQ(buf[0] >> 4, 6);
	CHECK_EQ(util_get_be16(buf + 4), 18);
	CHECK_EQ(buf[6], IPPROTO_UDP);
	CHECK(!memcmp(buf + 8, &g.a6, 16));
	CHECK(!memcmp(buf + 24, &p.a6, 16));
	CHECK_EQ(util_get_be16(buf + 40), 40000);
	CHECK_EQ(util_get_be16(buf + 42), 5999);
	CHECK_EQ(buf[57], 0x11);
	CHECK_EQ(udp_icmp_quote6(buf, 47, &g, 1, &p, 2, payload, 4), 0);
}
