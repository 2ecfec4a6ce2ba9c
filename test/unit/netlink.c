/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test/unit/netlink.c - rtnetlink requests byte by byte, acknowledgements
 *
 * Offsets and values are written out from netlink(7) and rtnetlink(7)
 * (struct nlmsghdr: len u32 @0, type u16 @4, flags u16 @6, seq u32 @8,
 * pid u32 @12; the family header at 16, attributes after it, each a
 * struct rtattr: len u16, type u16, payload padded to 4 bytes) and the
 * numbers of linux/rtnetlink.h, not taken from the headers, so that a
 * builder that used the wrong structure or constant fails here. Integers
 * are in host order, as on the socket.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>

#include "unit.h"
#include "netlink.h"

/**
 * u16at() - Host-order 16-bit value at an offset
 * @b:		Buffer
 * @off:	Offset
 *
 * Return: value
 */
static unsigned u16at(const uint8_t *b, size_t off)
{
	uint16_t v;

	memcpy(&v, b + off, sizeof(v));
	return v;
}

/**
 * u32at() - Host-order 32-bit value at an offset
 * @b:		Buffer
 * @off:	Offset
 *
 * Return: value
 */
static uint32_t u32at(const uint8_t *b, size_t off)
{
	uint32_t v;

	memcpy(&v, b + off, sizeof(v));
	return v;
}

/**
 * header_ok() - Check a netlink header
 * @b:		Request
 * @len:	Length the builder returned
 * @type:	Expected message type
 * @flags:	Expected flags
 * @seq:	Expected sequence number
 *
 * Return: true if every field is as expected
 */
static bool header_ok(const uint8_t *b, size_t len, unsigned type,
		      unsigned flags, uint32_t seq)
{
	return u32at(b, 0) == len && u16at(b, 4) == type &&
	       u16at(b, 6) == flags && u32at(b, 8) == seq &&
	       u32at(b, 12) == 0;
}

/**
 * attr_ok() - Check an attribute header
 * @b:		Request
 * @off:	Offset of the attribute
 * @len:	Expected rta_len (header and payload, unpadded)
 * @type:	Expected type
 *
 * Return: true if both match
 */
static bool attr_ok(const uint8_t *b, size_t off, unsigned len, unsigned type)
{
	return u16at(b, off) == len && u16at(b, off + 2) == type;
}

UNIT_TEST(link_up_with_mtu)
{
	uint8_t b[NETLINK_REQ_BYTES];
	size_t len;

	memset(b, 0xaa, sizeof(b));
	len = netlink_build_link(b, sizeof(b), 7, 2, NETLINK_LINK_UP, 1500,
				 NULL);
	CHECK_EQ(len, 40);
	/* RTM_NEWLINK 16, NLM_F_REQUEST 1 | NLM_F_ACK 4 */
	CHECK(header_ok(b, len, 16, 0x5, 7));
	CHECK_EQ(b[16], 0);			/* AF_UNSPEC */
	CHECK_EQ(b[17], 0);			/* padding */
	CHECK_EQ(u16at(b, 18), 0);		/* ifi_type */
	CHECK_EQ(u32at(b, 20), 2);		/* ifi_index */
	CHECK_EQ(u32at(b, 24), 1);		/* ifi_flags: IFF_UP */
	CHECK_EQ(u32at(b, 28), 1);		/* ifi_change: IFF_UP */
	CHECK(attr_ok(b, 32, 8, 4));		/* IFLA_MTU */
	CHECK_EQ(u32at(b, 36), 1500);
	CHECK_EQ(b[40], 0xaa);			/* nothing written past */
}

UNIT_TEST(link_down_changes_the_up_flag_only)
{
	uint8_t b[NETLINK_REQ_BYTES];
	size_t len;

	len = netlink_build_link(b, sizeof(b), 8, 3, NETLINK_LINK_DOWN, 0,
				 NULL);
	CHECK_EQ(len, 32);
	CHECK_EQ(u32at(b, 24), 0);
	CHECK_EQ(u32at(b, 28), 1);
}

UNIT_TEST(link_address_keeps_state_and_pads_to_four)
{
	const uint8_t mac[6] = { 0x02, 0x00, 0x5e, 0x00, 0x53, 0x01 };
	uint8_t b[NETLINK_REQ_BYTES];
	size_t len;

	memset(b, 0xaa, sizeof(b));
	len = netlink_build_link(b, sizeof(b), 9, 4, NETLINK_LINK_KEEP, 0,
				 mac);
	CHECK_EQ(len, 44);
	CHECK(header_ok(b, len, 16, 0x5, 9));
	CHECK_EQ(u32at(b, 24), 0);
	CHECK_EQ(u32at(b, 28), 0);		/* flags untouched */
	CHECK(attr_ok(b, 32, 10, 1));		/* IFLA_ADDRESS */
	CHECK(!memcmp(b + 36, mac, 6));
	CHECK(b[42] == 0 && b[43] == 0);	/* padding zeroed */
}

UNIT_TEST(ipv4_address_has_local_and_address)
{
	uint8_t b[NETLINK_REQ_BYTES];
	struct in_addr a;
	size_t len;

	inet_pton(AF_INET, "192.0.2.10", &a);
	len = netlink_build_addr(b, sizeof(b), 10, 5, AF_INET, &a, 24);
	CHECK_EQ(len, 40);
	/* RTM_NEWADDR 20, REQUEST | ACK | NLM_F_EXCL 0x200 | CREATE 0x400 */
	CHECK(header_ok(b, len, 20, 0x605, 10));
	CHECK_EQ(b[16], AF_INET);
	CHECK_EQ(b[17], 24);			/* ifa_prefixlen */
	CHECK_EQ(b[18], 0);			/* ifa_flags */
	CHECK_EQ(b[19], 0);			/* RT_SCOPE_UNIVERSE */
	CHECK_EQ(u32at(b, 20), 5);		/* ifa_index */
	CHECK(attr_ok(b, 24, 8, 2));		/* IFA_LOCAL */
	CHECK(!memcmp(b + 28, &a, 4));
	CHECK(attr_ok(b, 32, 8, 1));		/* IFA_ADDRESS */
	CHECK(!memcmp(b + 36, &a, 4));
}

UNIT_TEST(ipv6_address_is_nodad)
{
	uint8_t b[NETLINK_REQ_BYTES];
	struct in6_addr a;
	size_t len;

	inet_pton(AF_INET6, "2001:db8::10", &a);
	len = netlink_build_addr(b, sizeof(b), 11, 6, AF_INET6, &a, 64);
	CHECK_EQ(len, 72);
	CHECK(header_ok(b, len, 20, 0x605, 11));
	CHECK_EQ(b[16], AF_INET6);
	CHECK_EQ(b[17], 64);
	CHECK_EQ(b[18], 0x02);			/* IFA_F_NODAD */
	CHECK_EQ(u32at(b, 20), 6);
	CHECK(attr_ok(b, 24, 20, 2));
	CHECK(!memcmp(b + 28, &a, 16));
	CHECK(attr_ok(b, 44, 20, 1));
	CHECK(!memcmp(b + 48, &a, 16));
	CHECK(attr_ok(b, 64, 8, 8));		/* IFA_FLAGS */
	CHECK_EQ(u32at(b, 68), 0x02);
}

UNIT_TEST(ipv4_default_route_via_gateway_is_onlink)
{
	uint8_t b[NETLINK_REQ_BYTES];
	struct in_addr gw;
	size_t len;

	inet_pton(AF_INET, "192.0.2.1", &gw);
	len = netlink_build_route(b, sizeof(b), 12, 7, AF_INET, NULL, 0, &gw);
	CHECK_EQ(len, 44);
	/* RTM_NEWROUTE 24 */
	CHECK(header_ok(b, len, 24, 0x605, 12));
	CHECK_EQ(b[16], AF_INET);
	CHECK_EQ(b[17], 0);			/* rtm_dst_len */
	CHECK_EQ(b[18], 0);			/* rtm_src_len */
	CHECK_EQ(b[19], 0);			/* rtm_tos */
	CHECK_EQ(b[20], 254);			/* RT_TABLE_MAIN */
	CHECK_EQ(b[21], 4);			/* RTPROT_STATIC */
	CHECK_EQ(b[22], 0);			/* RT_SCOPE_UNIVERSE */
	CHECK_EQ(b[23], 1);			/* RTN_UNICAST */
	CHECK_EQ(u32at(b, 24), 4);		/* RTNH_F_ONLINK */
	CHECK(attr_ok(b, 28, 8, 5));		/* RTA_GATEWAY */
	CHECK(!memcmp(b + 32, &gw, 4));
	CHECK(attr_ok(b, 36, 8, 4));		/* RTA_OIF */
	CHECK_EQ(u32at(b, 40), 7);
}

UNIT_TEST(ipv6_onlink_prefix_route_has_link_scope)
{
	uint8_t b[NETLINK_REQ_BYTES];
	struct in6_addr dst;
	size_t len;

	inet_pton(AF_INET6, "2001:db8:1::", &dst);
	len = netlink_build_route(b, sizeof(b), 13, 8, AF_INET6, &dst, 48,
				  NULL);
	CHECK_EQ(len, 56);
	CHECK(header_ok(b, len, 24, 0x605, 13));
	CHECK_EQ(b[16], AF_INET6);
	CHECK_EQ(b[17], 48);
	CHECK_EQ(b[22], 253);			/* RT_SCOPE_LINK */
	CHECK_EQ(u32at(b, 24), 0);		/* no RTNH_F_ONLINK */
	CHECK(attr_ok(b, 28, 20, 1));		/* RTA_DST */
	CHECK(!memcmp(b + 32, &dst, 16));
	CHECK(attr_ok(b, 48, 8, 4));
	CHECK_EQ(u32at(b, 52), 8);
}

UNIT_TEST(ipv6_default_route_via_link_local_gateway)
{
	uint8_t b[NETLINK_REQ_BYTES];
	struct in6_addr gw;
	size_t len;

	inet_pton(AF_INET6, "fe80::1", &gw);
	len = netlink_build_route(b, sizeof(b), 14, 9, AF_INET6, NULL, 0,
				  &gw);
	CHECK_EQ(len, 56);
	CHECK_EQ(b[22], 0);
	CHECK_EQ(u32at(b, 24), 0);
	CHECK(attr_ok(b, 28, 20, 5));
	CHECK(!memcmp(b + 32, &gw, 16));
	CHECK(attr_ok(b, 48, 8, 4));
}

UNIT_TEST(builders_refuse_bad_arguments_and_small_buffers)
{
	uint8_t b[NETLINK_REQ_BYTES];
	struct in6_addr a = { 0 };

	CHECK_EQ(netlink_build_addr(b, sizeof(b), 1, 1, AF_INET, &a, 33), 0);
	CHECK_EQ(netlink_build_addr(b, sizeof(b), 1, 1, AF_INET6, &a, 129),
		 0);
	CHECK_EQ(netlink_build_addr(b, sizeof(b), 1, 1, AF_INET, &a, -1), 0);
	CHECK_EQ(netlink_build_addr(b, sizeof(b), 1, 1, AF_UNIX, &a, 8), 0);
	CHECK_EQ(netlink_build_route(b, sizeof(b), 1, 1, AF_INET, NULL, 8,
				     NULL), 0);
	CHECK_EQ(netlink_build_route(b, sizeof(b), 1, 1, AF_INET6, &a, 129,
				     NULL), 0);
	CHECK_EQ(netlink_build_link(b, sizeof(b), 1, 1, NETLINK_LINK_UP, -1,
				    NULL), 0);
	CHECK_EQ(netlink_build_addr(b, 71, 1, 1, AF_INET6, &a, 64), 0);
	CHECK_EQ(netlink_build_addr(b, 72, 1, 1, AF_INET6, &a, 64), 72);
	CHECK_EQ(netlink_build_link(b, 16, 1, 1, NETLINK_LINK_UP, 0, NULL),
		 0);
}

/**
 * put_msg() - Write a netlink message header and an int payload
 * @b:		Buffer
 * @off:	Offset
 * @type:	Message type
 * @seq:	Sequence number
 * @payload:	Int payload (the error of an NLMSG_ERROR)
 * @extra:	Bytes after the int, counted in the length
 *
 * Return: offset after the message, aligned to 4
 */
static size_t put_msg(uint8_t *b, size_t off, uint16_t type, uint32_t seq,
		      int payload, size_t extra)
{
	uint32_t len = (uint32_t)(16 + sizeof(int) + extra);
	uint16_t flags = 0;
	uint32_t pid = 0;

	memcpy(b + off, &len, 4);
	memcpy(b + off + 4, &type, 2);
	memcpy(b + off + 6, &flags, 2);
	memcpy(b + off + 8, &seq, 4);
	memcpy(b + off + 12, &pid, 4);
	memcpy(b + off + 16, &payload, sizeof(int));
	memset(b + off + 20, 0, extra);
	return off + ((len + 3) & ~3U);
}

UNIT_TEST(ack_of_our_sequence_gives_its_error)
{
	uint8_t b[256];
	size_t len;
	int err = 1;

	len = put_msg(b, 0, 2, 41, 0, 16);	/* NLMSG_ERROR 2, seq 41 */
	len = put_msg(b, len, 2, 42, -EEXIST, 16);
	CHECK(netlink_ack_parse(b, len, 42, &err));
	CHECK_EQ(err, -EEXIST);
	CHECK(netlink_ack_parse(b, len, 41, &err));
	CHECK_EQ(err, 0);
	CHECK(!netlink_ack_parse(b, len, 43, &err));
}

UNIT_TEST(ack_parse_skips_other_types_and_stops_at_bad_lengths)
{
	uint8_t b[256];
	size_t len;
	int err = 1;

	len = put_msg(b, 0, 16, 5, 0, 3);	/* RTM_NEWLINK, odd length */
	len = put_msg(b, len, 2, 5, -ENODEV, 0);
	CHECK(netlink_ack_parse(b + 0, len, 5, &err));
	CHECK_EQ(err, -ENODEV);
	CHECK(!netlink_ack_parse(b, len - 1, 5, &err));	/* cut short */
	CHECK(!netlink_ack_parse(b, 15, 5, &err));
	/* A zero length must not loop */
	memset(b, 0, 32);
	CHECK(!netlink_ack_parse(b, 32, 0, &err));
	/* An error message too short for its int */
	put_msg(b, 0, 2, 6, 0, 0);
	memcpy(b, &(uint32_t){ 17 }, 4);
	CHECK(netlink_ack_parse(b, 20, 6, &err));
	CHECK_EQ(err, -EPROTO);
}

UNIT_TEST(ack_parse_refuses_positive_error)
{
	uint8_t b[64];
	int err = 0;

	put_msg(b, 0, 2, 9, 5, 16);
	CHECK(netlink_ack_parse(b, 36, 9, &err));
	CHECK_EQ(err, -EPROTO);
}
