/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test/unit/arp.c - ARP replies: who gets one, RFC 826 layout, bad input */

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include "unit.h"
#include "ctx.h"
#include "tap.h"
#include "arp.h"

static const uint8_t our_mac[6] = MAC_OUR_DEFAULT;
static const uint8_t guest_mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
static struct ctx c;

/* Configuration of the bed: guest 192.0.2.2/24 via 192.0.2.1 */
static void ctx_init(void)
{
	memset(&c, 0, sizeof(c));
	memcpy(c.our_mac, our_mac, 6);
	c.fd_tap = -1;
	c.ifi4 = true;
	inet_pton(AF_INET, "192.0.2.2", &c.ip4.addr);
	c.ip4.prefix_len = 24;
	inet_pton(AF_INET, "192.0.2.1", &c.ip4.gw);
}

/* Build an Ethernet/ARP frame of @len bytes (>= 42, zero padding) */
static size_t arp_frame(uint8_t *f, size_t len, uint16_t op,
			const char *spa, const char *tpa)
{
	struct in_addr a;

	memset(f, 0, len);
	memset(f, 0xff, 6);
	memcpy(f + 6, guest_mac, 6);
	f[12] = 0x08; f[13] = 0x06;
	f[14] = 0; f[15] = 1;			/* Ethernet */
	f[16] = 0x08; f[17] = 0x00;		/* IPv4 */
	f[18] = 6; f[19] = 4;
	f[20] = (uint8_t)(op >> 8); f[21] = (uint8_t)op;
	memcpy(f + 22, guest_mac, 6);
	inet_pton(AF_INET, spa, &a);
	memcpy(f + 28, &a, 4);
	inet_pton(AF_INET, tpa, &a);
	memcpy(f + 38, &a, 4);
	return len;
}

static int build(const uint8_t *f, size_t len, uint8_t *out)
{
	return arp_reply_build(&c, f, len, out, ARP_FRAME_LEN);
}

UNIT_TEST(request_for_gateway_gets_rfc826_reply)
{
	uint8_t f[42], out[ARP_FRAME_LEN];
	struct in_addr a;

	ctx_init();
	arp_frame(f, 42, 1, "192.0.2.2", "192.0.2.1");
	CHECK_EQ(build(f, 42, out), 42);
	CHECK(!memcmp(out, guest_mac, 6));		/* to requester */
	CHECK(!memcmp(out + 6, our_mac, 6));
	CHECK(out[12] == 0x08 && out[13] == 0x06);
	CHECK(out[14] == 0 && out[15] == 1);
	CHECK(out[16] == 0x08 && out[17] == 0x00);
	CHECK(out[18] == 6 && out[19] == 4);
	CHECK(out[20] == 0 && out[21] == 2);		/* reply */
	CHECK(!memcmp(out + 22, our_mac, 6));		/* sender: us */
	inet_pton(AF_INET, "192.0.2.1", &a);
	CHECK(!memcmp(out + 28, &a, 4));		/* ...asked address */
	CHECK(!memcmp(out + 32, guest_mac, 6));		/* target: requester */
	inet_pton(AF_INET, "192.0.2.2", &a);
	CHECK(!memcmp(out + 38, &a, 4));
}

UNIT_TEST(request_for_any_other_address_gets_reply)
{
	uint8_t f[42], out[ARP_FRAME_LEN];
	struct in_addr a;

	ctx_init();
	arp_frame(f, 42, 1, "192.0.2.2", "192.0.2.77");
	CHECK_EQ(build(f, 42, out), 42);
	inet_pton(AF_INET, "192.0.2.77", &a);
	CHECK(!memcmp(out + 28, &a, 4));
	arp_frame(f, 42, 1, "192.0.2.2", "198.51.100.1");
	CHECK_EQ(build(f, 42, out), 42);
}

UNIT_TEST(padded_60_byte_request_gets_42_byte_reply)
{
	uint8_t f[60], out[ARP_FRAME_LEN];

	ctx_init();
	arp_frame(f, 60, 1, "192.0.2.2", "192.0.2.1");
	CHECK_EQ(build(f, 60, out), 42);
}

UNIT_TEST(request_for_guest_own_address_gets_no_reply)
{
	uint8_t f[42], out[ARP_FRAME_LEN];

	ctx_init();
	arp_frame(f, 42, 1, "192.0.2.99", "192.0.2.2");
	CHECK_EQ(build(f, 42, out), 0);
	inet_pton(AF_INET, "192.0.2.50", &c.ip4.addr_seen);
	arp_frame(f, 42, 1, "192.0.2.99", "192.0.2.50");
	CHECK_EQ(build(f, 42, out), 0);
}

UNIT_TEST(dad_probe_for_guest_address_gets_no_reply)
{
	uint8_t f[42], out[ARP_FRAME_LEN];

	ctx_init();
	arp_frame(f, 42, 1, "0.0.0.0", "192.0.2.2");
	CHECK_EQ(build(f, 42, out), 0);
}

UNIT_TEST(dad_probe_for_free_address_gets_no_reply)
{
	uint8_t f[42], out[ARP_FRAME_LEN];

	ctx_init();
	arp_frame(f, 42, 1, "0.0.0.0", "192.0.2.33");
	CHECK_EQ(build(f, 42, out), 0);
}

UNIT_TEST(dad_probe_for_gateway_gets_reply)
{
	uint8_t f[42], out[ARP_FRAME_LEN];

	ctx_init();
	arp_frame(f, 42, 1, "0.0.0.0", "192.0.2.1");
	CHECK_EQ(build(f, 42, out), 42);
	CHECK(!memcmp(out + 38, "\0\0\0\0", 4));
}

UNIT_TEST(announcement_and_zero_target_get_no_reply)
{
	uint8_t f[42], out[ARP_FRAME_LEN];

	ctx_init();
	arp_frame(f, 42, 1, "192.0.2.9", "192.0.2.9");
	CHECK_EQ(build(f, 42, out), 0);
	arp_frame(f, 42, 1, "192.0.2.2", "0.0.0.0");
	CHECK_EQ(build(f, 42, out), 0);
	arp_frame(f, 42, 1, "192.0.2.2", "255.255.255.255");
	CHECK_EQ(build(f, 42, out), 0);
	arp_frame(f, 42, 1, "192.0.2.2", "224.0.0.1");
	CHECK_EQ(build(f, 42, out), 0);
}

UNIT_TEST(reply_from_guest_is_ignored)
{
	uint8_t f[42], out[ARP_FRAME_LEN];

	ctx_init();
	arp_frame(f, 42, 2, "192.0.2.2", "192.0.2.1");
	CHECK_EQ(build(f, 42, out), 0);
}

UNIT_TEST(truncated_request_is_malformed)
{
	uint8_t f[42], out[ARP_FRAME_LEN];

	ctx_init();
	arp_frame(f, 42, 1, "192.0.2.2", "192.0.2.1");
	CHECK_EQ(build(f, 41, out), -1);
	CHECK_EQ(build(f, 14, out), -1);
}

UNIT_TEST(wrong_hardware_protocol_or_lengths_are_malformed)
{
	uint8_t f[42], out[ARP_FRAME_LEN];

	ctx_init();
	arp_frame(f, 42, 1, "192.0.2.2", "192.0.2.1");
	f[15] = 6;				/* IEEE 802 */
	CHECK_EQ(build(f, 42, out), -1);
	arp_frame(f, 42, 1, "192.0.2.2", "192.0.2.1");
	f[16] = 0x86; f[17] = 0xdd;
	CHECK_EQ(build(f, 42, out), -1);
	arp_frame(f, 42, 1, "192.0.2.2", "192.0.2.1");
	f[18] = 8;
	CHECK_EQ(build(f, 42, out), -1);
	arp_frame(f, 42, 1, "192.0.2.2", "192.0.2.1");
	f[19] = 16;
	CHECK_EQ(build(f, 42, out), -1);
	arp_frame(f, 42, 3, "192.0.2.2", "192.0.2.1");	/* RARP request */
	CHECK_EQ(build(f, 42, out), -1);
	arp_frame(f, 42, 1, "192.0.2.2", "192.0.2.1");
	memset(f + 22, 0xff, 6);			/* broadcast sender */
	CHECK_EQ(build(f, 42, out), -1);
}

UNIT_TEST(handler_queues_reply_frame_to_the_guest)
{
	uint8_t f[42], buf[128];
	int sv[2];
	ssize_t n;

	ctx_init();
	CHECK(!socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	c.fd_tap = sv[0];
	c.epollfd = -1;
	arp_frame(f, 42, 1, "192.0.2.2", "192.0.2.1");
	CHECK_EQ(arp_tap_handler(&c, f, 42), 1);
	tap_flush(&c);
	n = recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT);
	CHECK_EQ(n, 4 + 42);
	CHECK(buf[0] == 0 && buf[1] == 0 && buf[2] == 0 && buf[3] == 42);
	CHECK(buf[4 + 21] == 2);

	arp_frame(f, 42, 1, "0.0.0.0", "192.0.2.2");
	CHECK_EQ(arp_tap_handler(&c, f, 42), 1);
	tap_flush(&c);
	CHECK_EQ(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), -1);
	CHECK_EQ(arp_tap_handler(&c, f, 30), -1);
	close(sv[0]);
	close(sv[1]);
	c.fd_tap = -1;
}
