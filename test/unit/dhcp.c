/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test/unit/dhcp.c - DHCPv4: message flow, options, name encoding, bad input */

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include "unit.h"
#include "ctx.h"
#include "tap.h"
#include "checksum.h"
#include "util.h"
#include "dhcp.h"

static const uint8_t our_mac[6] = MAC_OUR_DEFAULT;
static const uint8_t guest_mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
static struct ctx c;

/* The bed's configuration: guest 192.0.2.2/24 via .1, DNS .53 */
static void ctx_init(void)
{
	memset(&c, 0, sizeof(c));
	memcpy(c.our_mac, our_mac, 6);
	c.fd_tap = -1;
	c.epollfd = -1;
	c.ifi4 = true;
	c.mtu = 1500;
	inet_pton(AF_INET, "192.0.2.2", &c.ip4.addr);
	c.ip4.prefix_len = 24;
	inet_pton(AF_INET, "192.0.2.1", &c.ip4.gw);
	inet_pton(AF_INET, "192.0.2.53", &c.ip4.dns[0]);
	c.ip4.dns_count = 1;
	strcpy(c.search[0], "test.example");
	c.search_count = 1;
	strcpy(c.hostname, "guest1");
}

static uint32_t ip(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

/* Client message: type, then @opts (raw, @olen bytes), then END */
static size_t msg(uint8_t *m, uint8_t type, const uint8_t *opts, size_t olen)
{
	size_t n = DHCP_OPTS_OFF;

	memset(m, 0, 1024);
	m[0] = 1;
	m[1] = 1;
	m[2] = 6;
	m[4] = 0x12; m[5] = 0x34; m[6] = 0x56; m[7] = 0x78;
	memcpy(m + 28, guest_mac, 6);
	m[236] = 99; m[237] = 130; m[238] = 83; m[239] = 99;
	m[n++] = 53;
	m[n++] = 1;
	m[n++] = type;
	if (olen)
		memcpy(m + n, opts, olen);
	n += olen;
	m[n++] = 255;
	return n;
}

/* Concatenate all instances of option @code (RFC 3396); -1 if absent */
static int opt(const uint8_t *r, int len, uint8_t code, uint8_t *out)
{
	int i = DHCP_OPTS_OFF, n = -1;

	while (i < len && r[i] != 255) {
		if (r[i] == 0) {
			i++;
			continue;
		}
		if (r[i] == code) {
			if (n < 0)
				n = 0;
			memcpy(out + n, r + i + 2, r[i + 1]);
			n += r[i + 1];
		}
		i += 2 + r[i + 1];
	}
	return n;
}

/* Index of option @code in the reply, to check ordering */
static int opt_pos(const uint8_t *r, int len, uint8_t code)
{
	int i = DHCP_OPTS_OFF;

	while (i < len && r[i] != 255) {
		if (r[i] == code)
			return i;
		i += r[i] ? 2 + r[i + 1] : 1;
	}
	return -1;
}

/* Do the reply's options end with END within @len? */
static int has_end(const uint8_t *r, int len)
{
	int i = DHCP_OPTS_OFF;

	while (i < len) {
		if (r[i] == 255)
			return 1;
		i += r[i] ? 2 + r[i + 1] : 1;
	}
	return 0;
}

static int build(const uint8_t *m, size_t len, uint8_t *r, struct in_addr *d)
{
	return dhcp_reply_build(&c, m, len, r, DHCP_REPLY_MAX_BYTES, d);
}

UNIT_TEST(discover_gets_offer_with_lease_and_options)
{
	uint8_t m[1024], r[DHCP_REPLY_MAX_BYTES], o[512];
	struct in_addr d;
	uint32_t a;
	int n;

	ctx_init();
	n = build(m, msg(m, DHCP_DISCOVER, NULL, 0), r, &d);
	CHECK(n >= 300);
	CHECK_EQ(r[0], 2);
	CHECK(r[1] == 1 && r[2] == 6);
	CHECK(!memcmp(r + 4, m + 4, 4));		/* xid */
	memcpy(&a, r + 16, 4);
	CHECK_EQ(a, ip("192.0.2.2"));			/* yiaddr */
	memcpy(&a, r + 12, 4);
	CHECK_EQ(a, 0);					/* ciaddr */
	CHECK(!memcmp(r + 28, guest_mac, 6));
	CHECK(r[236] == 99 && r[237] == 130 && r[238] == 83 && r[239] == 99);
	CHECK_EQ(d.s_addr, ip("192.0.2.2"));		/* unicast, no flag */

	CHECK_EQ(opt(r, n, 53, o), 1);
	CHECK_EQ(o[0], DHCP_OFFER);
	CHECK_EQ(opt_pos(r, n, 53), DHCP_OPTS_OFF);
	CHECK_EQ(opt(r, n, 54, o), 4);
	CHECK(!memcmp(o, "\xc0\x00\x02\x01", 4));
	CHECK_EQ(opt(r, n, 51, o), 4);
	CHECK(!memcmp(o, "\xff\xff\xff\xff", 4));
	CHECK_EQ(opt(r, n, 1, o), 4);
	CHECK(!memcmp(o, "\xff\xff\xff\x00", 4));
	CHECK_EQ(opt(r, n, 3, o), 4);
	CHECK(!memcmp(o, "\xc0\x00\x02\x01", 4));
	CHECK_EQ(opt(r, n, 6, o), 4);
	CHECK(!memcmp(o, "\xc0\x00\x02\x35", 4));
	CHECK_EQ(opt(r, n, 26, o), 2);
	CHECK(o[0] == 0x05 && o[1] == 0xdc);
	CHECK_EQ(opt(r, n, 119, o), 14);
	CHECK(!memcmp(o, "\x04test\x07" "example\x00", 14));
	CHECK_EQ(opt(r, n, 15, o), 12);
	CHECK(!memcmp(o, "test.example", 12));
	CHECK_EQ(opt(r, n, 12, o), 6);
	CHECK(!memcmp(o, "guest1", 6));
	CHECK_EQ(opt(r, n, 28, o), 4);
	CHECK(!memcmp(o, "\xc0\x00\x02\xff", 4));
	CHECK_EQ(opt(r, n, 81, o), -1);			/* no --fqdn */
}

UNIT_TEST(request_for_our_address_gets_ack)
{
	uint8_t m[1024], r[DHCP_REPLY_MAX_BYTES], o[512];
	uint8_t ro[] = { 50, 4, 192, 0, 2, 2, 54, 4, 192, 0, 2, 1 };
	struct in_addr d;
	uint32_t a;
	int n;

	ctx_init();
	n = build(m, msg(m, DHCP_REQUEST, ro, sizeof(ro)), r, &d);
	CHECK(n > 0);
	CHECK_EQ(opt(r, n, 53, o), 1);
	CHECK_EQ(o[0], DHCP_ACK);
	memcpy(&a, r + 16, 4);
	CHECK_EQ(a, ip("192.0.2.2"));
	CHECK_EQ(opt(r, n, 51, o), 4);
}

UNIT_TEST(renewing_request_with_ciaddr_gets_unicast_ack)
{
	uint8_t m[1024], r[DHCP_REPLY_MAX_BYTES], o[512];
	struct in_addr d;
	size_t l;
	int n;

	ctx_init();
	l = msg(m, DHCP_REQUEST, NULL, 0);
	memcpy(m + 12, "\xc0\x00\x02\x02", 4);		/* ciaddr */
	n = build(m, l, r, &d);
	CHECK(n > 0);
	CHECK_EQ(opt(r, n, 53, o), 1);
	CHECK_EQ(o[0], DHCP_ACK);
	CHECK(!memcmp(r + 12, "\xc0\x00\x02\x02", 4));
	CHECK_EQ(d.s_addr, ip("192.0.2.2"));
}

UNIT_TEST(request_for_other_address_gets_broadcast_nak)
{
	uint8_t m[1024], r[DHCP_REPLY_MAX_BYTES], o[512];
	uint8_t ro[] = { 50, 4, 10, 0, 0, 7 };
	struct in_addr d;
	uint32_t a;
	int n;

	ctx_init();
	n = build(m, msg(m, DHCP_REQUEST, ro, sizeof(ro)), r, &d);
	CHECK(n > 0);
	CHECK_EQ(opt(r, n, 53, o), 1);
	CHECK_EQ(o[0], DHCP_NAK);
	memcpy(&a, r + 16, 4);
	CHECK_EQ(a, 0);
	CHECK_EQ(opt(r, n, 54, o), 4);
	CHECK_EQ(opt(r, n, 51, o), -1);
	CHECK_EQ(opt(r, n, 3, o), -1);
	CHECK_EQ(d.s_addr, INADDR_BROADCAST);
}

UNIT_TEST(request_naming_other_server_gets_no_reply)
{
	uint8_t m[1024], r[DHCP_REPLY_MAX_BYTES];
	uint8_t ro[] = { 50, 4, 192, 0, 2, 2, 54, 4, 192, 0, 2, 254 };
	struct in_addr d;

	ctx_init();
	CHECK_EQ(build(m, msg(m, DHCP_REQUEST, ro, sizeof(ro)), r, &d), 0);
}

UNIT_TEST(inform_gets_ack_without_yiaddr_or_lease_time)
{
	uint8_t m[1024], r[DHCP_REPLY_MAX_BYTES], o[512];
	struct in_addr d;
	uint32_t a;
	size_t l;
	int n;

	ctx_init();
	l = msg(m, DHCP_INFORM, NULL, 0);
	memcpy(m + 12, "\xc0\x00\x02\x02", 4);
	n = build(m, l, r, &d);
	CHECK(n > 0);
	CHECK_EQ(opt(r, n, 53, o), 1);
	CHECK_EQ(o[0], DHCP_ACK);
	memcpy(&a, r + 16, 4);
	CHECK_EQ(a, 0);
	CHECK_EQ(opt(r, n, 51, o), -1);
	CHECK_EQ(opt(r, n, 6, o), 4);
	CHECK_EQ(d.s_addr, ip("192.0.2.2"));		/* to ciaddr */
}

UNIT_TEST(decline_and_release_get_no_reply)
{
	uint8_t m[1024], r[DHCP_REPLY_MAX_BYTES];
	struct in_addr d;

	ctx_init();
	CHECK_EQ(build(m, msg(m, DHCP_DECLINE, NULL, 0), r, &d), 0);
	CHECK_EQ(build(m, msg(m, DHCP_RELEASE, NULL, 0), r, &d), 0);
	CHECK_EQ(build(m, msg(m, DHCP_OFFER, NULL, 0), r, &d), 0);
}

UNIT_TEST(broadcast_flag_gets_broadcast_reply)
{
	uint8_t m[1024], r[DHCP_REPLY_MAX_BYTES];
	struct in_addr d;
	size_t l;

	ctx_init();
	l = msg(m, DHCP_DISCOVER, NULL, 0);
	m[10] = 0x80;
	CHECK(build(m, l, r, &d) > 0);
	CHECK_EQ(d.s_addr, INADDR_BROADCAST);
	CHECK(r[10] == 0x80 && r[11] == 0);
}

UNIT_TEST(parameter_request_list_order_is_followed)
{
	uint8_t m[1024], r[DHCP_REPLY_MAX_BYTES];
	uint8_t ro[] = { 55, 4, 119, 12, 26, 1 };
	struct in_addr d;
	int n;

	ctx_init();
	n = build(m, msg(m, DHCP_DISCOVER, ro, sizeof(ro)), r, &d);
	CHECK(n > 0);
	CHECK(opt_pos(r, n, 6) < opt_pos(r, n, 119));	/* basics first */
	CHECK(opt_pos(r, n, 119) < opt_pos(r, n, 12));
	CHECK(opt_pos(r, n, 12) < opt_pos(r, n, 26));
	CHECK(opt_pos(r, n, 26) < opt_pos(r, n, 28));	/* the rest last */
}

UNIT_TEST(no_dhcp_dns_and_no_dhcp_search_omit_options)
{
	uint8_t m[1024], r[DHCP_REPLY_MAX_BYTES], o[512];
	struct in_addr d;
	int n;

	ctx_init();
	c.no_dhcp_dns = true;
	c.no_dhcp_search = true;
	n = build(m, msg(m, DHCP_DISCOVER, NULL, 0), r, &d);
	CHECK(n > 0);
	CHECK_EQ(opt(r, n, 6, o), -1);
	CHECK_EQ(opt(r, n, 119, o), -1);
	CHECK_EQ(opt(r, n, 15, o), -1);
	CHECK_EQ(opt(r, n, 3, o), 4);
}

UNIT_TEST(overrides_are_reflected_in_offer)
{
	uint8_t m[1024], r[DHCP_REPLY_MAX_BYTES], o[512];
	struct in_addr d;
	uint32_t a;
	int n;

	ctx_init();
	c.ip4.addr.s_addr = ip("10.9.8.7");
	c.ip4.prefix_len = 16;
	c.ip4.gw.s_addr = ip("10.9.0.1");
	c.ip4.dns[0].s_addr = ip("10.9.0.53");
	c.mtu = 1400;
	n = build(m, msg(m, DHCP_DISCOVER, NULL, 0), r, &d);
	memcpy(&a, r + 16, 4);
	CHECK_EQ(a, ip("10.9.8.7"));
	CHECK_EQ(opt(r, n, 1, o), 4);
	CHECK(!memcmp(o, "\xff\xff\x00\x00", 4));
	CHECK_EQ(opt(r, n, 54, o), 4);
	CHECK(!memcmp(o, "\x0a\x09\x00\x01", 4));
	CHECK_EQ(opt(r, n, 26, o), 2);
	CHECK(o[0] == 0x05 && o[1] == 0x78);
	CHECK_EQ(opt(r, n, 28, o), 4);
	CHECK(!memcmp(o, "\x0a\x09\xff\xff", 4));
}

UNIT_TEST(fqdn_option_in_wire_format_or_ascii_as_client_asked)
{
	uint8_t m[1024], r[DHCP_REPLY_MAX_BYTES], o[512];
	uint8_t ascii[] = { 81, 3, 0x00, 0, 0 };
	struct in_addr d;
	int n;

	ctx_init();
	strcpy(c.fqdn, "vm.test.example.");
	n = build(m, msg(m, DHCP_DISCOVER, NULL, 0), r, &d);
	CHECK_EQ(opt(r, n, 81, o), 3 + 17);
	CHECK_EQ(o[0], 0x0c);				/* E, N */
	CHECK(o[1] == 255 && o[2] == 255);
	CHECK(!memcmp(o + 3, "\x02vm\x04test\x07" "example\x00", 17));

	n = build(m, msg(m, DHCP_DISCOVER, ascii, sizeof(ascii)), r, &d);
	CHECK_EQ(opt(r, n, 81, o), 3 + 15);
	CHECK_EQ(o[0], 0x08);				/* N */
	CHECK(!memcmp(o + 3, "vm.test.example", 15));
}

UNIT_TEST(search_list_uses_rfc3397_compression)
{
	uint8_t out[256];
	static const char names[3][CONF_DOMAIN_LEN] = {
		"eng.apple.com", "marketing.apple.com.", "apple.com" };
	static const uint8_t want[] = "\x03" "eng\x05" "apple\x03" "com\x00"
				      "\x09" "marketing\xc0\x04" "\xc0\x04";
	int n;

	n = dhcp_dns_names_encode(names, 3, true, out, sizeof(out));
	CHECK_EQ(n, (int)sizeof(want) - 1);
	CHECK(!memcmp(out, want, sizeof(want) - 1));

	n = dhcp_dns_names_encode(names, 3, false, out, sizeof(out));
	CHECK_EQ(n, 15 + 21 + 11);
	CHECK(!memcmp(out + 15, "\x09marketing\x05" "apple\x03" "com\x00", 21));
	CHECK_EQ(dhcp_dns_names_encode(names, 3, false, out, 46), -1);
}

UNIT_TEST(search_list_compression_is_case_insensitive_whole_labels)
{
	uint8_t out[256];
	static const char names[3][CONF_DOMAIN_LEN] = {
		"a.Example.org", "b.example.ORG", "xexample.org" };
	int n;

	n = dhcp_dns_names_encode(names, 3, true, out, sizeof(out));
	/* 1a 7example 3org 0 | 1b c0 02 | 8xexample c0 0a */
	CHECK_EQ(n, 15 + 4 + 11);
	CHECK(!memcmp(out + 15, "\x01" "b\xc0\x02", 4));
	CHECK(!memcmp(out + 19, "\x08xexample\xc0\x0a", 11));
}

UNIT_TEST(invalid_domain_names_are_skipped)
{
	uint8_t out[512];
	static char names[5][CONF_DOMAIN_LEN] = {
		"a..b", ".", "", "ok.example", "" };
	int n;

	memset(names[4], 'x', 64);			/* 64-byte label */
	n = dhcp_dns_names_encode((const char (*)[CONF_DOMAIN_LEN])names, 5,
				  true, out, sizeof(out));
	CHECK_EQ(n, 12);
	CHECK(!memcmp(out, "\x02ok\x07" "example\x00", 12));
}

UNIT_TEST(long_search_list_is_split_or_trimmed_to_fit)
{
	uint8_t m[1024], r[DHCP_REPLY_MAX_BYTES], o[2048];
	uint8_t big[] = { 57, 2, 0x05, 0xdc };		/* 1500 bytes */
	struct in_addr d;
	int i, n, l;

	ctx_init();
	for (i = 0; i < CONF_SEARCH_MAX; i++) {
		memset(c.search[i], 'a' + i, 60);
		c.search[i][60] = '\0';
		strcat(c.search[i], ".example");
	}
	c.search_count = CONF_SEARCH_MAX;

	/* Max size 1500: all six, compressed to 70 + 5 * 63, in 2 parts */
	n = build(m, msg(m, DHCP_DISCOVER, big, sizeof(big)), r, &d);
	l = opt(r, n, 119, o);
	CHECK_EQ(l, 70 + 5 * 63);
	CHECK(n <= 1472);
	CHECK(!memcmp(o + 70 + 61, "\xc0\x3d", 2));	/* -> "example" */
	CHECK(has_end(r, n));

	/* Default 576: what fits, whole domains from the front */
	n = build(m, msg(m, DHCP_DISCOVER, NULL, 0), r, &d);
	CHECK(n <= 548);
	l = opt(r, n, 119, o);
	CHECK_EQ(l, 70 + 3 * 63);
	CHECK(has_end(r, n));
}

UNIT_TEST(message_shorter_than_bootp_header_is_malformed)
{
	uint8_t m[1024], r[DHCP_REPLY_MAX_BYTES];
	struct in_addr d;

	ctx_init();
	msg(m, DHCP_DISCOVER, NULL, 0);
	CHECK_EQ(build(m, 235, r, &d), -1);
	CHECK_EQ(build(m, 239, r, &d), -1);		/* cookie cut */
	CHECK_EQ(build(m, 0, r, &d), -1);
}

UNIT_TEST(bad_cookie_or_hardware_is_malformed)
{
	uint8_t m[1024], r[DHCP_REPLY_MAX_BYTES];
	struct in_addr d;
	size_t l;

	ctx_init();
	l = msg(m, DHCP_DISCOVER, NULL, 0);
	m[239] = 98;
	CHECK_EQ(build(m, l, r, &d), -1);
	l = msg(m, DHCP_DISCOVER, NULL, 0);
	m[2] = 16;
	CHECK_EQ(build(m, l, r, &d), -1);
	l = msg(m, DHCP_DISCOVER, NULL, 0);
	m[0] = 2;					/* BOOTREPLY: ignored */
	CHECK_EQ(build(m, l, r, &d), 0);
}

UNIT_TEST(overlong_or_truncated_options_are_malformed)
{
	uint8_t m[1024], r[DHCP_REPLY_MAX_BYTES];
	uint8_t over[] = { 12, 200, 'x' };
	uint8_t badlen[] = { 50, 3, 1, 2, 3 };
	struct in_addr d;
	size_t l;

	ctx_init();
	l = msg(m, DHCP_DISCOVER, over, sizeof(over));
	CHECK_EQ(build(m, l, r, &d), -1);
	l = msg(m, DHCP_REQUEST, badlen, sizeof(badlen));
	CHECK_EQ(build(m, l, r, &d), -1);
	/* option code as last byte, no length: no END to save it */
	l = msg(m, DHCP_DISCOVER, NULL, 0);
	m[l - 1] = 12;
	CHECK_EQ(build(m, l, r, &d), -1);
	/* message type with length 2 */
	l = msg(m, DHCP_DISCOVER, NULL, 0);
	m[DHCP_OPTS_OFF + 1] = 2;
	CHECK_EQ(build(m, l, r, &d), -1);
}

UNIT_TEST(missing_message_type_is_malformed)
{
	uint8_t m[1024], r[DHCP_REPLY_MAX_BYTES];
	struct in_addr d;
	size_t l;

	ctx_init();
	l = msg(m, DHCP_DISCOVER, NULL, 0);
	m[DHCP_OPTS_OFF] = 0;				/* 53 -> pads */
	m[DHCP_OPTS_OFF + 1] = 0;
	m[DHCP_OPTS_OFF + 2] = 0;
	CHECK_EQ(build(m, l, r, &d), -1);
}

UNIT_TEST(pads_end_and_trailing_garbage_are_accepted)
{
	uint8_t m[1024], r[DHCP_REPLY_MAX_BYTES], o[512];
	uint8_t pads[] = { 0, 0, 0 };
	struct in_addr d;
	size_t l;
	int n;

	ctx_init();
	l = msg(m, DHCP_DISCOVER, pads, sizeof(pads));
	m[l] = 12;					/* after END: ignored */
	m[l + 1] = 250;
	n = build(m, l + 2, r, &d);
	CHECK(n > 0);
	CHECK_EQ(opt(r, n, 53, o), 1);
	CHECK_EQ(o[0], DHCP_OFFER);
	/* no END at all, options ending exactly at the payload end */
	n = build(m, l - 1, r, &d);
	CHECK(n > 0);
}

/* Run a message through the handler and a socketpair; return the frame */
static ssize_t via_handler(const uint8_t *m, size_t len, uint16_t dport,
			   uint8_t *frame, size_t size, int *ret)
{
	static uint8_t pkt[1500];
	struct tap_pkt p = { 0 };
	uint8_t lenb[4];
	int sv[2];
	ssize_t n = -1;

	memset(pkt, 0, sizeof(pkt));
	util_put_be16(pkt, 68);
	util_put_be16(pkt + 2, dport);
	util_put_be16(pkt + 4, (uint16_t)(len + 8));
	memcpy(pkt + 8, m, len);
	p.l4 = pkt;
	p.l4_len = len + 8;
	p.proto = IPPROTO_UDP;
	p.af = AF_INET;
	p.dst4.s_addr = INADDR_BROADCAST;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -1;
	c.fd_tap = sv[0];
	*ret = dhcp_tap_handler(&c, &p);
	tap_flush(&c);
	if (recv(sv[1], lenb, 4, MSG_DONTWAIT) == 4)
		n = recv(sv[1], frame, size, MSG_DONTWAIT);
	close(sv[0]);
	close(sv[1]);
	c.fd_tap = -1;
	return n;
}

UNIT_TEST(handler_reply_has_valid_ip_and_udp_checksums_odd_length)
{
	uint8_t m[1024], f[2048];
	struct in_addr s, d;
	size_t l, ulen, ulens[2] = { 0, 0 };
	ssize_t n;
	int ret, i;

	for (i = 0; i < 2; i++) {
		ctx_init();
		c.guest_mac_known = true;
		memcpy(c.guest_mac, guest_mac, 6);
		strcpy(c.hostname, i ? "guest1" : "guest12");
		strcpy(c.fqdn, "guest.vm.example");
		l = msg(m, DHCP_DISCOVER, NULL, 0);
		n = via_handler(m, l, 67, f, sizeof(f), &ret);
		CHECK_EQ(ret, 1);
		CHECK(n > 14 + 28);
		if (n <= 14 + 28)
			return;
		CHECK(!memcmp(f, guest_mac, 6));
		CHECK(!memcmp(f + 6, our_mac, 6));
		CHECK_EQ(csum(f + 14, 20, 0), 0);	/* IPv4 header */
		memcpy(&s, f + 26, 4);
		memcpy(&d, f + 30, 4);
		CHECK_EQ(s.s_addr, ip("192.0.2.1"));
		CHECK_EQ(d.s_addr, ip("192.0.2.2"));
		CHECK_EQ(util_get_be16(f + 34), 67);
		CHECK_EQ(util_get_be16(f + 36), 68);
		ulen = util_get_be16(f + 38);
		CHECK_EQ(ulen, (size_t)n - 34);
		ulens[i] = ulen;
		CHECK_EQ(csum_l4_4(s, d, IPPROTO_UDP, f + 34, ulen), 0);
		CHECK_EQ(f[42], 2);				/* BOOTREPLY */
	}
	CHECK(ulens[0] % 2 != ulens[1] % 2);		/* odd and even */
}

UNIT_TEST(handler_ignores_other_ports_and_drops_when_disabled)
{
	uint8_t m[1024], f[2048];
	size_t l;
	int ret;

	ctx_init();
	l = msg(m, DHCP_DISCOVER, NULL, 0);
	CHECK_EQ(via_handler(m, l, 68, f, sizeof(f), &ret), -1);
	CHECK_EQ(ret, 0);
	c.no_dhcp = true;
	/* Broadcast to port 67: consumed (never forwarded), not answered */
	CHECK_EQ(via_handler(m, l, 67, f, sizeof(f), &ret), -1);
	CHECK_EQ(ret, 1);
	c.no_dhcp = false;
	CHECK_EQ(via_handler(m, 100, 67, f, sizeof(f), &ret), -1);
	CHECK_EQ(ret, -1);
}
