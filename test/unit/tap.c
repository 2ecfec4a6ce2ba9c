/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test/unit/tap.c - Stream framing and frame validation */

#include <arpa/inet.h>
#include <string.h>

#include "checksum.h"
#include "ctx.h"
#include "log.h"
#include "tap.h"
#include "util.h"
#include "unit.h"

/**
 * build_ip4() - Build an Ethernet + IPv4 frame around an L4 payload
 * @f:		Output frame
 * @proto:	L4 protocol
 * @l4:		L4 bytes
 * @l4_len:	Length of @l4
 *
 * Return: frame length
 */
static size_t build_ip4(uint8_t *f, uint8_t proto, const uint8_t *l4,
			size_t l4_len)
{
	uint8_t *ip = f + 14;

	memset(f, 0, 14 + 20);
	memset(f, 0x02, 12);
	util_put_be16(f + 12, 0x0800);
	ip[0] = 0x45;
	util_put_be16(ip + 2, (uint16_t)(20 + l4_len));
	ip[8] = 64;
	ip[9] = proto;
	ip[12] = 192; ip[13] = 0; ip[14] = 2; ip[15] = 2;
	ip[16] = 198; ip[17] = 51; ip[18] = 100; ip[19] = 1;
	util_put_be16(ip + 10, csum(ip, 20, 0));
	memcpy(ip + 20, l4, l4_len);
	return 14 + 20 + l4_len;
}

UNIT_TEST(stream_needs_four_bytes_of_length)
{
	static const uint8_t b[3] = { 0, 0, 0 };
	size_t used, off, len;

	CHECK_EQ(tap_parse_stream(b, 3, &used, &off, &len), 0);
}

UNIT_TEST(stream_zero_length_is_rejected)
{
	static const uint8_t b[8] = { 0 };
	size_t used, off, len;

	CHECK_EQ(tap_parse_stream(b, 8, &used, &off, &len), -1);
}

UNIT_TEST(stream_length_above_limit_is_rejected)
{
	uint8_t b[4];
	size_t used, off, len;

	util_put_be32(b, TAP_FRAME_MAX + 1);
	CHECK_EQ(tap_parse_stream(b, 4, &used, &off, &len), -1);
	util_put_be32(b, TAP_FRAME_MAX);
	CHECK_EQ(tap_parse_stream(b, 4, &used, &off, &len), 0);
}

UNIT_TEST(stream_split_frame_waits_then_completes)
{
	uint8_t b[4 + 60] = { 0 };
	size_t used = 0, off = 0, len = 0, i;

	util_put_be32(b, 60);
	for (i = 0; i < sizeof(b); i++)
		CHECK_EQ(tap_parse_stream(b, i, &used, &off, &len), 0);
	CHECK_EQ(tap_parse_stream(b, sizeof(b), &used, &off, &len), 1);
	CHECK_EQ(used, 64);
	CHECK_EQ(off, 4);
	CHECK_EQ(len, 60);
}

UNIT_TEST(stream_two_frames_in_one_buffer)
{
	uint8_t b[2 * (4 + 20)] = { 0 };
	size_t used, off, len;

	util_put_be32(b, 20);
	util_put_be32(b + 24, 20);
	CHECK_EQ(tap_parse_stream(b, sizeof(b), &used, &off, &len), 1);
	CHECK_EQ(used, 24);
	CHECK_EQ(tap_parse_stream(b + used, sizeof(b) - used, &used, &off,
				  &len), 1);
	CHECK_EQ(len, 20);
}

UNIT_TEST(frame_shorter_than_ethernet_is_dropped)
{
	uint8_t f[13] = { 0 };
	enum tap_drop why;
	struct tap_pkt p;

	CHECK_EQ(tap_pkt_parse(f, sizeof(f), &p, &why), -1);
	CHECK_EQ(why, TAP_DROP_ETH_SHORT);
}

UNIT_TEST(vlan_tagged_frame_is_dropped)
{
	uint8_t f[64] = { 0 };
	enum tap_drop why;
	struct tap_pkt p;

	util_put_be16(f + 12, 0x8100);
	CHECK_EQ(tap_pkt_parse(f, sizeof(f), &p, &why), -1);
	CHECK_EQ(why, TAP_DROP_ETH_TYPE);
}

UNIT_TEST(valid_udp4_is_parsed_with_bounds)
{
	uint8_t l4[8 + 4] = { 0x12, 0x34, 0x00, 0x35, 0, 12, 0, 0, 1, 2, 3, 4 };
	uint8_t f[128];
	size_t n = build_ip4(f, IPPROTO_UDP, l4, sizeof(l4));
	enum tap_drop why;
	struct tap_pkt p;

	CHECK_EQ(tap_pkt_parse(f, n, &p, &why), AF_INET);
	CHECK_EQ(p.proto, IPPROTO_UDP);
	CHECK_EQ(p.l4_len, 12);
	CHECK(p.l4 == f + 34);
	CHECK_EQ(ntohl(p.src4.s_addr), 0xc0000202);
}

UNIT_TEST(ethernet_padding_after_ip_is_ignored)
{
	uint8_t l4[8] = { 0x12, 0x34, 0x00, 0x35, 0, 8, 0, 0 };
	uint8_t f[128] = { 0 };
	size_t n = build_ip4(f, IPPROTO_UDP, l4, sizeof(l4));
	enum tap_drop why;
	struct tap_pkt p;

	CHECK_EQ(tap_pkt_parse(f, n + 18, &p, &why), AF_INET);
	CHECK_EQ(p.l3_len, 28);
	CHECK_EQ(p.l4_len, 8);
}

UNIT_TEST(ip4_total_length_beyond_frame_is_dropped)
{
	uint8_t l4[8] = { 0x12, 0x34, 0x00, 0x35, 0, 8, 0, 0 };
	uint8_t f[128];
	size_t n = build_ip4(f, IPPROTO_UDP, l4, sizeof(l4));
	enum tap_drop why;
	struct tap_pkt p;

	CHECK_EQ(tap_pkt_parse(f, n - 1, &p, &why), -1);
	CHECK_EQ(why, TAP_DROP_IP4_LEN);
}

UNIT_TEST(ip4_bad_ihl_is_dropped)
{
	uint8_t l4[8] = { 0 };
	uint8_t f[128];
	size_t n = build_ip4(f, IPPROTO_UDP, l4, sizeof(l4));
	enum tap_drop why;
	struct tap_pkt p;

	f[14] = 0x44;		/* IHL 4: below the minimum */
	CHECK_EQ(tap_pkt_parse(f, n, &p, &why), -1);
	CHECK_EQ(why, TAP_DROP_IP4_HDR);
	f[14] = 0x4f;		/* IHL 15: 60 bytes, beyond the frame */
	CHECK_EQ(tap_pkt_parse(f, 14 + 40, &p, &why), -1);
	CHECK_EQ(why, TAP_DROP_IP4_HDR);
}

UNIT_TEST(ip4_fragment_is_dropped)
{
	uint8_t l4[8] = { 0x12, 0x34, 0x00, 0x35, 0, 8, 0, 0 };
	uint8_t f[128];
	size_t n = build_ip4(f, IPPROTO_UDP, l4, sizeof(l4));
	enum tap_drop why;
	struct tap_pkt p;

	f[14 + 6] = 0x20;	/* MF */
	util_put_be16(f + 14 + 10, 0);
	util_put_be16(f + 14 + 10, csum(f + 14, 20, 0));
	CHECK_EQ(tap_pkt_parse(f, n, &p, &why), -1);
	CHECK_EQ(why, TAP_DROP_IP4_FRAG);
}

UNIT_TEST(ip4_bad_header_checksum_is_dropped)
{
	uint8_t l4[8] = { 0x12, 0x34, 0x00, 0x35, 0, 8, 0, 0 };
	uint8_t f[128];
	size_t n = build_ip4(f, IPPROTO_UDP, l4, sizeof(l4));
	enum tap_drop why;
	struct tap_pkt p;

	f[14 + 10] ^= 0xff;
	CHECK_EQ(tap_pkt_parse(f, n, &p, &why), -1);
	CHECK_EQ(why, TAP_DROP_IP4_CSUM);
}

UNIT_TEST(tcp_data_offset_out_of_range_is_dropped)
{
	uint8_t tcp[20] = { 0 };
	uint8_t f[128];
	enum tap_drop why;
	struct tap_pkt p;
	size_t n;

	tcp[12] = 0x60;		/* 24 bytes of header in a 20-byte segment */
	n = build_ip4(f, IPPROTO_TCP, tcp, sizeof(tcp));
	CHECK_EQ(tap_pkt_parse(f, n, &p, &why), -1);
	CHECK_EQ(why, TAP_DROP_L4_SHORT);
	tcp[12] = 0x40;		/* 16 bytes: below the minimum */
	n = build_ip4(f, IPPROTO_TCP, tcp, sizeof(tcp));
	CHECK_EQ(tap_pkt_parse(f, n, &p, &why), -1);
	tcp[12] = 0x50;
	n = build_ip4(f, IPPROTO_TCP, tcp, sizeof(tcp));
	CHECK_EQ(tap_pkt_parse(f, n, &p, &why), AF_INET);
}

UNIT_TEST(udp_length_field_beyond_ip_payload_is_dropped)
{
	uint8_t l4[8] = { 0x12, 0x34, 0x00, 0x35, 0, 9, 0, 0 };
	uint8_t f[128];
	size_t n = build_ip4(f, IPPROTO_UDP, l4, sizeof(l4));
	enum tap_drop why;
	struct tap_pkt p;

	CHECK_EQ(tap_pkt_parse(f, n, &p, &why), -1);
	CHECK_EQ(why, TAP_DROP_L4_SHORT);
}

/**
 * build_ip6() - Ethernet + IPv6 header with a payload
 * @f:		Output frame
 * @nh:		Next header
 * @pl:		Payload after the fixed header
 * @pl_len:	Length of @pl
 *
 * Return: frame length
 */
static size_t build_ip6(uint8_t *f, uint8_t nh, const uint8_t *pl,
			size_t pl_len)
{
	uint8_t *ip = f + 14;

	memset(f, 0, 14 + 40);
	memset(f, 0x02, 12);
	util_put_be16(f + 12, 0x86dd);
	ip[0] = 0x60;
	util_put_be16(ip + 4, (uint16_t)pl_len);
	ip[6] = nh;
	ip[7] = 64;
	ip[8] = 0xfe; ip[9] = 0x80; ip[23] = 2;
	ip[24] = 0xfe; ip[25] = 0x80; ip[39] = 1;
	memcpy(ip + 40, pl, pl_len);
	return 14 + 40 + pl_len;
}

UNIT_TEST(ip6_extension_headers_are_walked_to_l4)
{
	/* Hop-by-hop (8 bytes), destination options (16 bytes), ICMPv6 */
	uint8_t pl[8 + 16 + 8] = { 0 };
	uint8_t f[128];
	enum tap_drop why;
	struct tap_pkt p;
	size_t n;

	pl[0] = IPPROTO_DSTOPTS; pl[1] = 0;
	pl[8] = IPPROTO_ICMPV6; pl[9] = 1;
	pl[24] = 128;
	n = build_ip6(f, IPPROTO_HOPOPTS, pl, sizeof(pl));
	CHECK_EQ(tap_pkt_parse(f, n, &p, &why), AF_INET6);
	CHECK_EQ(p.proto, IPPROTO_ICMPV6);
	CHECK_EQ(p.l4_len, 8);
	CHECK(p.l4 == f + 14 + 40 + 24);
}

UNIT_TEST(ip6_extension_header_beyond_payload_is_dropped)
{
	uint8_t pl[8] = { IPPROTO_ICMPV6, 3 };	/* claims 32 bytes */
	uint8_t f[128];
	enum tap_drop why;
	struct tap_pkt p;
	size_t n = build_ip6(f, IPPROTO_DSTOPTS, pl, sizeof(pl));

	CHECK_EQ(tap_pkt_parse(f, n, &p, &why), -1);
	CHECK_EQ(why, TAP_DROP_IP6_EXT);
}

UNIT_TEST(ip6_fragment_header_is_dropped)
{
	uint8_t pl[16] = { IPPROTO_UDP, 0 };
	uint8_t f[128];
	enum tap_drop why;
	struct tap_pkt p;
	size_t n = build_ip6(f, IPPROTO_FRAGMENT, pl, sizeof(pl));

	CHECK_EQ(tap_pkt_parse(f, n, &p, &why), -1);
	CHECK_EQ(why, TAP_DROP_IP6_EXT);
}

UNIT_TEST(ip6_payload_length_beyond_frame_is_dropped)
{
	uint8_t pl[8] = { 0 };
	uint8_t f[128];
	enum tap_drop why;
	struct tap_pkt p;
	size_t n = build_ip6(f, IPPROTO_ICMPV6, pl, sizeof(pl));

	CHECK_EQ(tap_pkt_parse(f, n - 1, &p, &why), -1);
	CHECK_EQ(why, TAP_DROP_IP6_LEN);
}

UNIT_TEST(drop_reasons_have_names)
{
	int i;

	for (i = 0; i < TAP_DROP_COUNT; i++)
		CHECK(tap_drop_name((enum tap_drop)i) != NULL &&
		      strcmp(tap_drop_name((enum tap_drop)i), "?"));
}

UNIT_TEST(scattered_tcp_with_headers_in_the_first_buffer_is_valid)
{
	uint8_t tcp[20 + 1000] = { 0 };
	uint8_t f[14 + 20 + sizeof(tcp)];
	enum tap_drop why;
	struct tap_pkt p;
	size_t n;

	tcp[12] = 0x50;
	n = build_ip4(f, IPPROTO_TCP, tcp, sizeof(tcp));
	/* Headers and 100 bytes of payload here, 900 in other buffers */
	CHECK_EQ(tap_pkt_parse_frags(f, 14 + 20 + 20 + 100, n, &p, &why),
		 AF_INET);
	CHECK_EQ(p.l4_len, sizeof(tcp));
	CHECK_EQ(p.head_len, 14 + 20 + 20 + 100);
	CHECK_EQ(p.eth_len, n);
}

UNIT_TEST(scattered_headers_or_non_tcp_are_dropped_unread)
{
	uint8_t l4[20 + 100] = { 0 };
	uint8_t f[14 + 20 + sizeof(l4)];
	enum tap_drop why;
	struct tap_pkt p;
	size_t n;

	l4[12] = 0x80;		/* TCP header of 32 bytes ... */
	n = build_ip4(f, IPPROTO_TCP, l4, sizeof(l4));
	/* ... of which 30 in the first buffer */
	CHECK_EQ(tap_pkt_parse_frags(f, 14 + 20 + 30, n, &p, &why), -1);
	CHECK_EQ(why, TAP_DROP_SCATTERED);
	/* IPv4 header cut */
	CHECK_EQ(tap_pkt_parse_frags(f, 14 + 10, n, &p, &why), -1);
	CHECK_EQ(why, TAP_DROP_SCATTERED);
	/* UDP is read whole by its handlers: never scattered */
	util_put_be16(l4 + 4, sizeof(l4));
	n = build_ip4(f, IPPROTO_UDP, l4, sizeof(l4));
	CHECK_EQ(tap_pkt_parse_frags(f, 14 + 20 + 50, n, &p, &why), -1);
	CHECK_EQ(why, TAP_DROP_SCATTERED);
	CHECK_EQ(tap_pkt_parse_frags(f, n, n, &p, &why), AF_INET);
}

UNIT_TEST(guest_with_our_mac_moves_us_to_the_default_and_new_ll)
{
	static struct ctx c;
	const uint8_t guest[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	const uint8_t def[6] = MAC_OUR_DEFAULT;
	struct in6_addr old_ll;

	memset(&c, 0, sizeof(c));
	log_set_level(LOG_ERR);		/* the info line, not here */
	memcpy(c.our_mac, guest, 6);	/* libvirt 9.0: --mac-addr GUEST */
	memcpy(c.guest_mac, guest, 6);
	inet_pton(AF_INET6, "fe80::5054:ff:fe12:3456", &old_ll);
	c.ip6.our_ll = old_ll;
	c.ip6.gw = old_ll;		/* no IPv6 gateway: ours */
	tap_mac_clash(&c);
	CHECK(!memcmp(c.our_mac, def, 6));
	CHECK(!IN6_ARE_ADDR_EQUAL(&c.ip6.our_ll, &old_ll));
	CHECK(c.ip6.our_ll.s6_addr[8] == (def[0] ^ 0x02));
	CHECK(IN6_ARE_ADDR_EQUAL(&c.ip6.gw, &c.ip6.our_ll));
}

UNIT_TEST(guest_with_the_default_mac_gets_us_its_neighbour)
{
	static struct ctx c;
	const uint8_t def[6] = MAC_OUR_DEFAULT;

	log_set_level(LOG_ERR);
	memset(&c, 0, sizeof(c));
	memcpy(c.our_mac, def, 6);
	memcpy(c.guest_mac, def, 6);
	inet_pton(AF_INET6, "2001:db8::1", &c.ip6.gw);
	tap_mac_clash(&c);
	CHECK(memcmp(c.our_mac, c.guest_mac, 6));
	CHECK_EQ(c.our_mac[5], def[5] ^ 1);
	CHECK(!IN6_IS_ADDR_LINKLOCAL(&c.ip6.gw));	/* a given gateway stays */
}
