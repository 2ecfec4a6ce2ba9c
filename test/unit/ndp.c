/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test/unit/ndp.c - NDP: NS/NA, RS/RA contents, validation, timer */

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include "unit.h"
#include "ctx.h"
#include "tap.h"
#include "util.h"
#include "checksum.h"
#include "ndp.h"

static const uint8_t our_mac[6] = MAC_OUR_DEFAULT;
static const uint8_t guest_mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
static const uint8_t other_mac[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee };
static const char *guest_ll = "fe80::11:22ff:fe33:4455";
static const char *our_ll = "fe80::9855:9aff:fe55:9a55";
static struct ctx c;

/* The bed: guest 2001:db8:1::2/64 via 2001:db8:1::1 */
static void ctx_init(void)
{
	memset(&c, 0, sizeof(c));
	memcpy(c.our_mac, our_mac, 6);
	c.fd_tap = -1;
	c.epollfd = -1;
	c.ifi6 = true;
	c.mtu = 65520;
	inet_pton(AF_INET6, "2001:db8:1::2", &c.ip6.addr);
	c.ip6.prefix_len = 64;
	inet_pton(AF_INET6, "2001:db8:1::1", &c.ip6.gw);
	inet_pton(AF_INET6, our_ll, &c.ip6.our_ll);
	inet_pton(AF_INET6, "2001:db8:1::53", &c.ip6.dns[0]);
	c.ip6.dns_count = 1;
	strcpy(c.search[0], "test.example");
	c.search_count = 1;
}

/* Independent RFC 1071 check of an ICMPv6 message: true if the sum is OK */
static int icmp6_sum_ok(const uint8_t *ip6)
{
	size_t len = util_get_be16(ip6 + 4), i;
	uint32_t sum = 0;

	for (i = 8; i < 40; i += 2)
		sum += (uint32_t)(ip6[i] << 8 | ip6[i + 1]);
	sum += (uint32_t)len + 58;
	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(ip6[40 + i] << 8 | ip6[40 + i + 1]);
	if (len & 1)
		sum += (uint32_t)(ip6[40 + len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

/* Frame from the guest: Ethernet, IPv6 (@hop), ICMPv6 body of @len bytes */
static size_t frame6(uint8_t *f, const char *src, const char *dst,
		     uint8_t hop, const uint8_t *icmp, size_t len)
{
	struct in6_addr s, d;
	uint8_t *ip = f + 14;

	memset(f, 0, 14 + 40 + len);
	memcpy(f, our_mac, 6);
	memcpy(f + 6, guest_mac, 6);
	f[12] = 0x86; f[13] = 0xdd;
	ip[0] = 0x60;
	util_put_be16(ip + 4, (uint16_t)len);
	ip[6] = 58;
	ip[7] = hop;
	inet_pton(AF_INET6, src, &s);
	inet_pton(AF_INET6, dst, &d);
	memcpy(ip + 8, &s, 16);
	memcpy(ip + 24, &d, 16);
	memcpy(ip + 40, icmp, len);
	util_put_be16(ip + 42, 0);
	util_put_be16(ip + 42, csum_l4_6(&s, &d, 58, ip + 40, len));
	return 14 + 40 + len;
}

/* Neighbour Solicitation for @target, optional SLLA option */
static size_t ns(uint8_t *f, const char *src, const char *dst,
		 const char *target, const uint8_t *slla)
{
	uint8_t m[32] = { 135, 0 };
	size_t len = 24;

	inet_pton(AF_INET6, target, m + 8);
	if (slla) {
		m[24] = 1;
		m[25] = 1;
		memcpy(m + 26, slla, 6);
		len = 32;
	}
	return frame6(f, src, dst, 255, m, len);
}

/* Router Solicitation, optional SLLA option */
static size_t rs(uint8_t *f, const char *src, const uint8_t *slla)
{
	uint8_t m[16] = { 133, 0 };

	if (slla) {
		m[8] = 1;
		m[9] = 1;
		memcpy(m + 10, slla, 6);
	}
	return frame6(f, src, "ff02::2", 255, m, slla ? 16 : 8);
}

static int reply(const uint8_t *f, size_t len, uint8_t *out)
{
	enum tap_drop why;
	struct tap_pkt p;

	if (tap_pkt_parse(f, len, &p, &why) != AF_INET6)
		return -100;
	return ndp_reply_build(&c, &p, out, NDP_FRAME_MAX);
}

static int addr_is(const uint8_t *a, const char *s)
{
	struct in6_addr x;

	inet_pton(AF_INET6, s, &x);
	return !memcmp(a, &x, 16);
}

/* Check a solicited NA for @target, to @dst / @dst_mac */
static void check_na(const uint8_t *o, int n, const char *target,
		     const char *dst, const uint8_t *dst_mac, uint8_t flags)
{
	CHECK_EQ(n, 14 + 40 + 32);
	if (n != 14 + 40 + 32)
		return;
	CHECK(!memcmp(o, dst_mac, 6));
	CHECK(!memcmp(o + 6, our_mac, 6));
	CHECK(o[12] == 0x86 && o[13] == 0xdd);
	CHECK_EQ(o[14] >> 4, 6);
	CHECK_EQ(util_get_be16(o + 18), 32);
	CHECK_EQ(o[20], 58);
	CHECK_EQ(o[21], 255);				/* hop limit */
	CHECK(addr_is(o + 22, our_ll));
	CHECK(addr_is(o + 38, dst));
	CHECK(icmp6_sum_ok(o + 14));
	CHECK_EQ(o[54], 136);
	CHECK_EQ(o[55], 0);
	CHECK_EQ(o[58], flags);
	CHECK(addr_is(o + 62, target));
	CHECK(o[78] == 2 && o[79] == 1);		/* TLLA */
	CHECK(!memcmp(o + 80, our_mac, 6));
}

UNIT_TEST(ns_for_gateway_gets_solicited_na)
{
	uint8_t f[256], o[NDP_FRAME_MAX];

	ctx_init();
	check_na(o, reply(f, ns(f, guest_ll, "ff02::1:ff00:1",
				"2001:db8:1::1", NULL), o),
		 "2001:db8:1::1", guest_ll, guest_mac, 0xe0);
}

UNIT_TEST(ns_for_our_link_local_gets_na_to_slla_mac)
{
	uint8_t f[256], o[NDP_FRAME_MAX];

	ctx_init();
	check_na(o, reply(f, ns(f, "2001:db8:1::2", "ff02::1:ff55:9a55",
				our_ll, other_mac), o),
		 our_ll, "2001:db8:1::2", other_mac, 0xe0);
}

UNIT_TEST(ns_for_address_reached_through_us_gets_na)
{
	uint8_t f[256], o[NDP_FRAME_MAX];

	ctx_init();
	check_na(o, reply(f, ns(f, guest_ll, "ff02::1:ff00:77",
				"2001:db8:1::77", NULL), o),
		 "2001:db8:1::77", guest_ll, guest_mac, 0xe0);
	check_na(o, reply(f, ns(f, "2001:db8:1::2", "2001:db8:100::1",
				"2001:db8:100::1", NULL), o),
		 "2001:db8:100::1", "2001:db8:1::2", guest_mac, 0xe0);
}

UNIT_TEST(ns_for_guest_own_or_foreign_link_local_gets_nothing)
{
	uint8_t f[256], o[NDP_FRAME_MAX];

	ctx_init();
	inet_pton(AF_INET6, "2001:db8:1::abcd", &c.ip6.addr_seen);
	CHECK_EQ(reply(f, ns(f, guest_ll, "ff02::1:ff00:2", "2001:db8:1::2",
			     NULL), o), 0);
	CHECK_EQ(reply(f, ns(f, guest_ll, "ff02::1:ff00:abcd",
			     "2001:db8:1::abcd", NULL), o), 0);
	CHECK_EQ(reply(f, ns(f, guest_ll, "ff02::1:ff00:5", "fe80::5", NULL),
		       o), 0);
}

UNIT_TEST(dad_ns_for_guest_tentative_address_gets_nothing)
{
	uint8_t f[256], o[NDP_FRAME_MAX];

	ctx_init();
	CHECK_EQ(reply(f, ns(f, "::", "ff02::1:ff00:2", "2001:db8:1::2",
			     NULL), o), 0);
	CHECK_EQ(reply(f, ns(f, "::", "ff02::1:ff33:4455", guest_ll, NULL),
		       o), 0);
	CHECK_EQ(reply(f, ns(f, "::", "ff02::1:ff12:3456",
			     "2001:db8:1:0:1234:5678:9a12:3456", NULL), o), 0);
}

UNIT_TEST(dad_ns_for_gateway_gets_na_to_all_nodes_without_s)
{
	uint8_t f[256], o[NDP_FRAME_MAX];
	static const uint8_t mc[6] = { 0x33, 0x33, 0, 0, 0, 1 };

	ctx_init();
	check_na(o, reply(f, ns(f, "::", "ff02::1:ff00:1", "2001:db8:1::1",
				NULL), o),
		 "2001:db8:1::1", "ff02::1", mc, 0xa0);
}

UNIT_TEST(ns_with_bad_hop_limit_checksum_or_length_is_malformed)
{
	uint8_t f[256], o[NDP_FRAME_MAX];
	size_t l;

	ctx_init();
	l = ns(f, guest_ll, "ff02::1:ff00:1", "2001:db8:1::1", NULL);
	f[21] = 64;					/* hop limit */
	CHECK_EQ(reply(f, l, o), -1);
	l = ns(f, guest_ll, "ff02::1:ff00:1", "2001:db8:1::1", NULL);
	f[56] ^= 0x01;					/* checksum */
	CHECK_EQ(reply(f, l, o), -1);
	l = ns(f, guest_ll, "ff02::1:ff00:1", "2001:db8:1::1", NULL);
	f[55] = 1;					/* code */
	CHECK_EQ(reply(f, l, o), -1);
	{
		uint8_t m[20] = { 135, 0 };		/* truncated */

		l = frame6(f, guest_ll, "ff02::1:ff00:1", 255, m, 20);
		CHECK_EQ(reply(f, l, o), -1);
	}
}

UNIT_TEST(ns_with_zero_length_or_overrunning_option_is_malformed)
{
	uint8_t f[256], o[NDP_FRAME_MAX];
	uint8_t m[40] = { 135, 0 };

	ctx_init();
	inet_pton(AF_INET6, "2001:db8:1::1", m + 8);
	m[24] = 1;
	m[25] = 0;					/* length 0 */
	CHECK_EQ(reply(f, frame6(f, guest_ll, "ff02::1:ff00:1", 255, m, 32),
		       o), -1);
	m[25] = 2;					/* 16 > 8 left */
	CHECK_EQ(reply(f, frame6(f, guest_ll, "ff02::1:ff00:1", 255, m, 32),
		       o), -1);
	m[25] = 1;					/* 1 byte left */
	CHECK_EQ(reply(f, frame6(f, guest_ll, "ff02::1:ff00:1", 255, m, 33),
		       o), -1);
	m[32] = 14;					/* nonce, fine */
	m[33] = 1;
	CHECK_EQ(reply(f, frame6(f, guest_ll, "ff02::1:ff00:1", 255, m, 40),
		       o), 14 + 40 + 32);
}

UNIT_TEST(ns_for_multicast_target_or_dad_with_slla_is_malformed)
{
	uint8_t f[256], o[NDP_FRAME_MAX];

	ctx_init();
	CHECK_EQ(reply(f, ns(f, guest_ll, "ff02::1:ff00:1", "ff02::1", NULL),
		       o), -1);
	CHECK_EQ(reply(f, ns(f, "::", "ff02::1:ff00:1", "2001:db8:1::1",
			     guest_mac), o), -1);
	CHECK_EQ(reply(f, ns(f, "::", "2001:db8:1::1", "2001:db8:1::1",
			     NULL), o), -1);		/* DAD not multicast */
}

UNIT_TEST(opts_check_rejects_zero_length_and_overruns)
{
	const uint8_t *slla;
	uint8_t o[24] = { 1, 1, 2, 0x11, 0x22, 0x33, 0x44, 0x55,
			  25, 2 };

	CHECK_EQ(ndp_opts_check(o, 8, &slla), 0);
	CHECK(slla == o + 2);
	CHECK_EQ(ndp_opts_check(o, 24, &slla), 0);
	CHECK_EQ(ndp_opts_check(o, 23, &slla), -1);
	CHECK_EQ(ndp_opts_check(o, 9, &slla), -1);
	o[1] = 0;
	CHECK_EQ(ndp_opts_check(o, 8, &slla), -1);
	CHECK_EQ(ndp_opts_check(o, 0, &slla), 0);
	CHECK(!slla);
}

/* Find RA option @type; return its offset in @o or -1 */
static int ra_opt(const uint8_t *o, int n, uint8_t type)
{
	int i = 14 + 40 + 16;

	while (i + 2 <= n && o[i + 1]) {
		if (o[i] == type)
			return i;
		i += o[i + 1] * 8;
	}
	return -1;
}

UNIT_TEST(rs_gets_ra_with_prefix_mtu_dns_and_flags)
{
	uint8_t f[256], o[NDP_FRAME_MAX];
	int n, i;

	ctx_init();
	c.mtu = 1500;
	n = reply(f, rs(f, guest_ll, NULL), o);
	CHECK(n > 14 + 40 + 16);
	if (n <= 14 + 40 + 16)
		return;
	CHECK(!memcmp(o, guest_mac, 6));
	CHECK_EQ(o[21], 255);
	CHECK(addr_is(o + 22, our_ll));
	CHECK(addr_is(o + 38, guest_ll));
	CHECK_EQ(util_get_be16(o + 18), n - 54);
	CHECK(icmp6_sum_ok(o + 14));
	CHECK_EQ(o[54], 134);
	CHECK_EQ(o[55], 0);
	CHECK_EQ(o[58], 64);				/* cur hop limit */
	CHECK_EQ(o[59], 0xc0);				/* M, O */
	CHECK_EQ(util_get_be16(o + 60), NDP_ROUTER_LIFETIME_S);

	i = ra_opt(o, n, 1);				/* SLLA */
	CHECK(i > 0 && o[i + 1] == 1 && !memcmp(o + i + 2, our_mac, 6));
	i = ra_opt(o, n, 5);				/* MTU */
	CHECK(i > 0 && o[i + 1] == 1 && util_get_be32(o + i + 4) == 1500);
	i = ra_opt(o, n, 3);				/* prefix */
	CHECK(i > 0);
	if (i > 0) {
		CHECK_EQ(o[i + 1], 4);
		CHECK_EQ(o[i + 2], 64);
		CHECK_EQ(o[i + 3], 0xc0);		/* L, A */
		CHECK(util_get_be32(o + i + 4) >= util_get_be32(o + i + 8));
		CHECK(util_get_be32(o + i + 8) > 0);
		CHECK(addr_is(o + i + 16, "2001:db8:1::"));
	}
	i = ra_opt(o, n, 25);				/* RDNSS */
	CHECK(i > 0);
	if (i > 0) {
		CHECK_EQ(o[i + 1], 3);
		CHECK_EQ(util_get_be32(o + i + 4), NDP_DNS_LIFETIME_S);
		CHECK(addr_is(o + i + 8, "2001:db8:1::53"));
	}
	i = ra_opt(o, n, 31);				/* DNSSL */
	CHECK(i > 0);
	if (i > 0) {
		CHECK_EQ(o[i + 1], 3);			/* 8 + 14 -> 24 */
		CHECK_EQ(util_get_be32(o + i + 4), NDP_DNS_LIFETIME_S);
		CHECK(!memcmp(o + i + 8, "\x04test\x07" "example\0\0\0", 16));
	}
}

UNIT_TEST(rs_from_unspecified_gets_multicast_ra)
{
	uint8_t f[256], o[NDP_FRAME_MAX];
	static const uint8_t mc[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	int n;

	ctx_init();
	n = reply(f, rs(f, "::", NULL), o);
	CHECK(n > 0);
	CHECK(!memcmp(o, mc, 6));
	CHECK(addr_is(o + 38, "ff02::1"));
	CHECK_EQ(reply(f, rs(f, "::", guest_mac), o), -1);
	n = reply(f, rs(f, guest_ll, other_mac), o);	/* SLLA wins */
	CHECK(n > 0 && !memcmp(o, other_mac, 6));
}

UNIT_TEST(ra_without_dhcpv6_dns_or_search_drops_flags_and_options)
{
	uint8_t f[256], o[NDP_FRAME_MAX];
	int n;

	ctx_init();
	c.no_dhcpv6 = true;
	c.no_dhcp_dns = true;
	c.no_dhcp_search = true;
	n = reply(f, rs(f, guest_ll, NULL), o);
	CHECK(n > 0);
	CHECK_EQ(o[59], 0);
	CHECK_EQ(ra_opt(o, n, 25), -1);
	CHECK_EQ(ra_opt(o, n, 31), -1);
	CHECK(ra_opt(o, n, 3) > 0);
	c.no_dhcp_dns = false;
	c.ip6.dns_count = 0;
	n = reply(f, rs(f, guest_ll, NULL), o);
	CHECK_EQ(ra_opt(o, n, 25), -1);
}

UNIT_TEST(no_ra_answers_no_rs_but_still_answers_ns)
{
	uint8_t f[256], o[NDP_FRAME_MAX];

	ctx_init();
	c.no_ra = true;
	CHECK_EQ(reply(f, rs(f, guest_ll, NULL), o), 0);
	CHECK(reply(f, ns(f, guest_ll, "ff02::1:ff00:1", "2001:db8:1::1",
			  NULL), o) > 0);
}

UNIT_TEST(ra_with_long_search_list_fits_minimum_mtu)
{
	uint8_t o[NDP_FRAME_MAX], mc[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	struct in6_addr all;
	size_t n;
	int i, d;

	ctx_init();
	c.mtu = 1280;
	for (i = 0; i < CONF_SEARCH_MAX; i++) {
		memset(c.search[i], 'a' + i, 63);
		c.search[i][63] = '.';
		memset(c.search[i] + 64, 'q', 63);
		c.search[i][127] = '.';
		memset(c.search[i] + 128, 'z', 63);
		c.search[i][191] = '\0';
	}
	c.search_count = CONF_SEARCH_MAX;
	inet_pton(AF_INET6, "ff02::1", &all);
	n = ndp_ra_build(&c, &all, mc, o, sizeof(o));
	CHECK(n > 0 && n <= 14 + 1280);
	CHECK(icmp6_sum_ok(o + 14));
	d = ra_opt(o, (int)n, 31);
	CHECK(d > 0);					/* some, not all */
	if (d > 0)
		CHECK(o[d + 1] * 8 < 8 + CONF_SEARCH_MAX * 193);
}

UNIT_TEST(handler_ignores_non_ndp_and_drops_all_under_no_ndp)
{
	uint8_t f[256], echo[8] = { 128, 0, 0, 0, 0, 1, 0, 1 };
	enum tap_drop why;
	struct tap_pkt p;
	size_t l;

	ctx_init();
	l = frame6(f, guest_ll, our_ll, 64, echo, 8);
	CHECK_EQ(tap_pkt_parse(f, l, &p, &why), AF_INET6);
	CHECK_EQ(ndp_tap_handler(&c, &p), 0);

	l = ns(f, guest_ll, "ff02::1:ff00:1", "2001:db8:1::1", NULL);
	CHECK_EQ(tap_pkt_parse(f, l, &p, &why), AF_INET6);
	CHECK_EQ(ndp_tap_handler(&c, &p), 1);
	f[21] = 1;
	CHECK_EQ(tap_pkt_parse(f, l, &p, &why), AF_INET6);
	CHECK_EQ(ndp_tap_handler(&c, &p), -1);
	c.no_ndp = true;
	CHECK_EQ(ndp_tap_handler(&c, &p), 1);		/* dropped quietly */
}

/* Read one queued frame from the socketpair; return its length or -1 */
static ssize_t pull(int fd, uint8_t *f, size_t size)
{
	uint8_t l[4];

	if (recv(fd, l, 4, MSG_DONTWAIT) != 4)
		return -1;
	return recv(fd, f, MIN(size, util_get_be32(l)), MSG_DONTWAIT);
}

UNIT_TEST(timer_sends_ra_once_guest_known_then_every_interval)
{
	uint8_t f[NDP_FRAME_MAX];
	int sv[2];

	ctx_init();
	CHECK(!socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	c.fd_tap = sv[0];
	ndp_timer(&c, 1000);				/* guest unknown */
	tap_flush(&c);
	CHECK_EQ(pull(sv[1], f, sizeof(f)), -1);

	c.guest_mac_known = true;
	memcpy(c.guest_mac, guest_mac, 6);
	ndp_timer(&c, 2000);
	tap_flush(&c);
	CHECK(pull(sv[1], f, sizeof(f)) > 0);
	CHECK(f[0] == 0x33 && f[1] == 0x33 && f[5] == 1);
	CHECK_EQ(f[54], 134);
	CHECK(addr_is(f + 38, "ff02::1"));

	ndp_timer(&c, 2000 + NDP_RA_INTERVAL_MS - 1);
	tap_flush(&c);
	CHECK_EQ(pull(sv[1], f, sizeof(f)), -1);
	ndp_timer(&c, 2000 + NDP_RA_INTERVAL_MS);
	tap_flush(&c);
	CHECK(pull(sv[1], f, sizeof(f)) > 0);

	c.no_ra = true;
	ndp_timer(&c, 2000 + 3 * NDP_RA_INTERVAL_MS);
	tap_flush(&c);
	CHECK_EQ(pull(sv[1], f, sizeof(f)), -1);
	close(sv[0]);
	close(sv[1]);
	c.fd_tap = -1;
}
