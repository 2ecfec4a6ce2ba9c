/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test/unit/dhcpv6.c - DHCPv6: message flow, IA_NA, options, bad input */

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include "unit.h"
#include "ctx.h"
#include "tap.h"
#include "util.h"
#include "checksum.h"
#include "dhcpv6.h"

static const uint8_t our_mac[6] = MAC_OUR_DEFAULT;
static const uint8_t duid[10] = { 0, 3, 0, 1, 0x9a, 0x55, 0x9a, 0x55, 0x9a,
				  0x55 };
static const uint8_t client_duid[] = { 0, 3, 0, 1, 2, 0x11, 0x22, 0x33,
				       0x44, 0x55 };
static struct ctx c;

/* The bed: guest 2001:db8:1::2/64, DNS 2001:db8:1::53, test.example */
static void ctx_init(void)
{
	memset(&c, 0, sizeof(c));
	memcpy(c.our_mac, our_mac, 6);
	c.fd_tap = -1;
	c.epollfd = -1;
	c.ifi6 = true;
	c.mtu = 1500;
	inet_pton(AF_INET6, "2001:db8:1::2", &c.ip6.addr);
	c.ip6.prefix_len = 64;
	inet_pton(AF_INET6, "2001:db8:1::1", &c.ip6.gw);
	inet_pton(AF_INET6, "fe80::9855:9aff:fe55:9a55", &c.ip6.our_ll);
	inet_pton(AF_INET6, "2001:db8:1::53", &c.ip6.dns[0]);
	c.ip6.dns_count = 1;
	strcpy(c.search[0], "test.example");
	c.search_count = 1;
}

/* Message builder: header, then options appended with put() */
struct m6 {
	uint8_t b[1024];
	size_t len;
};

static void start(struct m6 *m, uint8_t type)
{
	m->b[0] = type;
	m->b[1] = 0xab; m->b[2] = 0xcd; m->b[3] = 0xef;
	m->len = 4;
}

static void put(struct m6 *m, uint16_t code, const void *d, size_t len)
{
	util_put_be16(m->b + m->len, code);
	util_put_be16(m->b + m->len + 2, (uint16_t)len);
	if (len)
		memcpy(m->b + m->len + 4, d, len);
	m->len += 4 + len;
}

/* IA_NA with IAID @iaid, optionally one IAADDR for @addr */
static void put_ia(struct m6 *m, uint32_t iaid, const char *addr)
{
	uint8_t ia[12 + 28] = { 0 };
	size_t l = 12;

	util_put_be32(ia, iaid);
	if (addr) {
		util_put_be16(ia + 12, 5);
		util_put_be16(ia + 14, 24);
		inet_pton(AF_INET6, addr, ia + 16);
		l += 28;
	}
	put(m, 3, ia, l);
}

/* Find option @code in an option area; return its length or -1 */
static int find(const uint8_t *a, size_t len, uint16_t code, int nth,
		const uint8_t **d)
{
	size_t off = 0;

	while (off + 4 <= len) {
		size_t l = util_get_be16(a + off + 2);

		if (util_get_be16(a + off) == code && !nth--) {
			*d = a + off + 4;
			return (int)l;
		}
		off += 4 + l;
	}
	return -1;
}

static int build(const struct m6 *m, uint8_t *r)
{
	return dhcpv6_reply_build(&c, m->b, m->len, r, DHCPV6_REPLY_MAX_BYTES);
}

UNIT_TEST(solicit_gets_advertise_with_address_and_info)
{
	uint8_t r[DHCPV6_REPLY_MAX_BYTES];
	const uint8_t *d, *s;
	struct in6_addr a;
	struct m6 m;
	int n;

	ctx_init();
	strcpy(c.fqdn, "vm.test.example");
	start(&m, DHCPV6_SOLICIT);
	put(&m, 1, client_duid, sizeof(client_duid));
	put_ia(&m, 0x01020304, NULL);
	n = build(&m, r);
	CHECK(n > 4);
	CHECK_EQ(r[0], DHCPV6_ADVERTISE);
	CHECK(r[1] == 0xab && r[2] == 0xcd && r[3] == 0xef);
	CHECK_EQ(find(r + 4, n - 4, 2, 0, &d), 10);
	CHECK(!memcmp(d, duid, 10));
	CHECK_EQ(find(r + 4, n - 4, 1, 0, &d), (int)sizeof(client_duid));
	CHECK(!memcmp(d, client_duid, sizeof(client_duid)));
	CHECK_EQ(find(r + 4, n - 4, 7, 0, &d), 1);
	CHECK_EQ(d[0], 255);
	CHECK_EQ(find(r + 4, n - 4, 14, 0, &d), -1);

	CHECK_EQ(find(r + 4, n - 4, 3, 0, &d), 12 + 28);
	CHECK_EQ(util_get_be32(d), 0x01020304);
	CHECK_EQ(util_get_be32(d + 4), 0xffffffffU);	/* T1 */
	CHECK_EQ(util_get_be32(d + 8), 0xffffffffU);	/* T2 */
	CHECK_EQ(find(d + 12, 28, 5, 0, &s), 24);
	inet_pton(AF_INET6, "2001:db8:1::2", &a);
	CHECK(!memcmp(s, &a, 16));
	CHECK_EQ(util_get_be32(s + 16), 0xffffffffU);	/* preferred */
	CHECK_EQ(util_get_be32(s + 20), 0xffffffffU);	/* valid */

	CHECK_EQ(find(r + 4, n - 4, 23, 0, &d), 16);
	inet_pton(AF_INET6, "2001:db8:1::53", &a);
	CHECK(!memcmp(d, &a, 16));
	CHECK_EQ(find(r + 4, n - 4, 24, 0, &d), 14);
	CHECK(!memcmp(d, "\x04test\x07" "example\x00", 14));
	CHECK_EQ(find(r + 4, n - 4, 39, 0, &d), 1 + 17);
	CHECK_EQ(d[0], 0x04);				/* N */
	CHECK(!memcmp(d + 1, "\x02vm\x04test\x07" "example\x00", 17));
}

UNIT_TEST(solicit_with_rapid_commit_gets_reply)
{
	uint8_t r[DHCPV6_REPLY_MAX_BYTES];
	const uint8_t *d;
	struct m6 m;
	int n;

	ctx_init();
	start(&m, DHCPV6_SOLICIT);
	put(&m, 1, client_duid, sizeof(client_duid));
	put(&m, 14, NULL, 0);
	put_ia(&m, 7, NULL);
	n = build(&m, r);
	CHECK_EQ(r[0], DHCPV6_REPLY);
	CHECK_EQ(find(r + 4, n - 4, 14, 0, &d), 0);
	CHECK_EQ(find(r + 4, n - 4, 3, 0, &d), 40);
	CHECK_EQ(find(r + 4, n - 4, 7, 0, &d), -1);
}

UNIT_TEST(request_renew_rebind_get_reply_with_address)
{
	static const uint8_t types[] = { DHCPV6_REQUEST, DHCPV6_RENEW,
					 DHCPV6_REBIND };
	uint8_t r[DHCPV6_REPLY_MAX_BYTES];
	const uint8_t *d, *s;
	struct in6_addr a;
	struct m6 m;
	size_t i;
	int n;

	inet_pton(AF_INET6, "2001:db8:1::2", &a);
	for (i = 0; i < sizeof(types); i++) {
		ctx_init();
		start(&m, types[i]);
		put(&m, 1, client_duid, sizeof(client_duid));
		if (types[i] != DHCPV6_REBIND)
			put(&m, 2, duid, sizeof(duid));
		put_ia(&m, 9, "2001:db8:1::2");
		n = build(&m, r);
		CHECK_EQ(r[0], DHCPV6_REPLY);
		CHECK_EQ(find(r + 4, n - 4, 3, 0, &d), 40);
		CHECK_EQ(find(d + 12, 28, 5, 0, &s), 24);
		CHECK(!memcmp(s, &a, 16));
	}
}

UNIT_TEST(renew_with_stale_address_gets_it_with_zero_lifetimes)
{
	uint8_t r[DHCPV6_REPLY_MAX_BYTES];
	const uint8_t *d, *s;
	struct in6_addr a;
	struct m6 m;
	int n, l;

	ctx_init();
	start(&m, DHCPV6_RENEW);
	put(&m, 1, client_duid, sizeof(client_duid));
	put(&m, 2, duid, sizeof(duid));
	put_ia(&m, 9, "2001:db8:1::99");
	n = build(&m, r);
	l = find(r + 4, n - 4, 3, 0, &d);
	CHECK_EQ(l, 12 + 28 + 28);
	CHECK_EQ(find(d + 12, l - 12, 5, 1, &s), 24);
	inet_pton(AF_INET6, "2001:db8:1::99", &a);
	CHECK(!memcmp(s, &a, 16));
	CHECK_EQ(util_get_be32(s + 16), 0);
	CHECK_EQ(util_get_be32(s + 20), 0);
}

UNIT_TEST(second_ia_na_gets_no_addrs_avail)
{
	uint8_t r[DHCPV6_REPLY_MAX_BYTES];
	const uint8_t *d, *s;
	struct m6 m;
	int n, l;

	ctx_init();
	start(&m, DHCPV6_SOLICIT);
	put(&m, 1, client_duid, sizeof(client_duid));
	put_ia(&m, 1, NULL);
	put_ia(&m, 2, NULL);
	n = build(&m, r);
	l = find(r + 4, n - 4, 3, 1, &d);
	CHECK_EQ(l, 12 + 6);
	CHECK_EQ(util_get_be32(d), 2);
	CHECK_EQ(find(d + 12, l - 12, 13, 0, &s), 2);
	CHECK_EQ(util_get_be16(s), DHCPV6_STATUS_NOADDRS);
}

UNIT_TEST(no_ipv6_address_gets_no_addrs_avail)
{
	uint8_t r[DHCPV6_REPLY_MAX_BYTES];
	const uint8_t *d, *s;
	struct m6 m;
	int n, l;

	ctx_init();
	memset(&c.ip6.addr, 0, sizeof(c.ip6.addr));
	start(&m, DHCPV6_SOLICIT);
	put(&m, 1, client_duid, sizeof(client_duid));
	put_ia(&m, 1, NULL);
	n = build(&m, r);
	l = find(r + 4, n - 4, 3, 0, &d);
	CHECK_EQ(l, 12 + 6);
	CHECK_EQ(find(d + 12, l - 12, 5, 0, &s), -1);
	CHECK_EQ(find(d + 12, l - 12, 13, 0, &s), 2);
}

UNIT_TEST(request_for_other_server_gets_no_reply)
{
	uint8_t r[DHCPV6_REPLY_MAX_BYTES];
	uint8_t other[10] = { 0, 3, 0, 1, 1, 2, 3, 4, 5, 6 };
	struct m6 m;

	ctx_init();
	start(&m, DHCPV6_REQUEST);
	put(&m, 1, client_duid, sizeof(client_duid));
	put(&m, 2, other, sizeof(other));
	put_ia(&m, 9, NULL);
	CHECK_EQ(build(&m, r), 0);
}

UNIT_TEST(id_rules_violations_are_dropped)
{
	uint8_t r[DHCPV6_REPLY_MAX_BYTES];
	struct m6 m;

	ctx_init();
	start(&m, DHCPV6_REQUEST);			/* no Server ID */
	put(&m, 1, client_duid, sizeof(client_duid));
	CHECK_EQ(build(&m, r), -1);
	start(&m, DHCPV6_SOLICIT);			/* Server ID */
	put(&m, 1, client_duid, sizeof(client_duid));
	put(&m, 2, duid, sizeof(duid));
	CHECK_EQ(build(&m, r), -1);
	start(&m, DHCPV6_SOLICIT);			/* no Client ID */
	put_ia(&m, 1, NULL);
	CHECK_EQ(build(&m, r), -1);
	start(&m, DHCPV6_SOLICIT);			/* two Client IDs */
	put(&m, 1, client_duid, sizeof(client_duid));
	put(&m, 1, client_duid, sizeof(client_duid));
	CHECK_EQ(build(&m, r), -1);
	start(&m, DHCPV6_ADVERTISE);			/* server message */
	put(&m, 1, client_duid, sizeof(client_duid));
	CHECK_EQ(build(&m, r), 0);
}

UNIT_TEST(information_request_gets_reply_without_ia)
{
	uint8_t r[DHCPV6_REPLY_MAX_BYTES];
	const uint8_t *d;
	struct m6 m;
	int n;

	ctx_init();
	start(&m, DHCPV6_INFO_REQUEST);
	put(&m, 1, client_duid, sizeof(client_duid));
	put_ia(&m, 1, NULL);		/* must be ignored, §18.3.6 */
	n = build(&m, r);
	CHECK_EQ(r[0], DHCPV6_REPLY);
	CHECK_EQ(find(r + 4, n - 4, 3, 0, &d), -1);
	CHECK_EQ(find(r + 4, n - 4, 23, 0, &d), 16);
	CHECK_EQ(find(r + 4, n - 4, 2, 0, &d), 10);

	start(&m, DHCPV6_INFO_REQUEST);			/* no Client ID: ok */
	n = build(&m, r);
	CHECK(n > 4);
	CHECK_EQ(find(r + 4, n - 4, 1, 0, &d), -1);
}

UNIT_TEST(confirm_on_link_success_off_link_notonlink)
{
	uint8_t r[DHCPV6_REPLY_MAX_BYTES];
	const uint8_t *d;
	struct m6 m;
	int n;

	ctx_init();
	start(&m, DHCPV6_CONFIRM);
	put(&m, 1, client_duid, sizeof(client_duid));
	put_ia(&m, 1, "2001:db8:1::2");
	n = build(&m, r);
	CHECK_EQ(r[0], DHCPV6_REPLY);
	CHECK_EQ(find(r + 4, n - 4, 13, 0, &d), 2);
	CHECK_EQ(util_get_be16(d), DHCPV6_STATUS_SUCCESS);

	start(&m, DHCPV6_CONFIRM);
	put(&m, 1, client_duid, sizeof(client_duid));
	put_ia(&m, 1, "2001:db8:2::2");
	n = build(&m, r);
	CHECK_EQ(find(r + 4, n - 4, 13, 0, &d), 2);
	CHECK_EQ(util_get_be16(d), DHCPV6_STATUS_NOTONLINK);

	start(&m, DHCPV6_CONFIRM);			/* no address */
	put(&m, 1, client_duid, sizeof(client_duid));
	put_ia(&m, 1, NULL);
	CHECK_EQ(build(&m, r), 0);
}

UNIT_TEST(release_gets_success)
{
	uint8_t r[DHCPV6_REPLY_MAX_BYTES];
	const uint8_t *d;
	struct m6 m;
	int n;

	ctx_init();
	start(&m, DHCPV6_RELEASE);
	put(&m, 1, client_duid, sizeof(client_duid));
	put(&m, 2, duid, sizeof(duid));
	put_ia(&m, 1, "2001:db8:1::2");
	n = build(&m, r);
	CHECK_EQ(r[0], DHCPV6_REPLY);
	CHECK_EQ(find(r + 4, n - 4, 13, 0, &d), 2);
	CHECK_EQ(util_get_be16(d), 0);
	CHECK_EQ(find(r + 4, n - 4, 3, 0, &d), -1);
}

UNIT_TEST(no_dhcp_dns_and_search_omit_options)
{
	uint8_t r[DHCPV6_REPLY_MAX_BYTES];
	const uint8_t *d;
	struct m6 m;
	int n;

	ctx_init();
	c.no_dhcp_dns = true;
	c.no_dhcp_search = true;
	start(&m, DHCPV6_INFO_REQUEST);
	n = build(&m, r);
	CHECK_EQ(find(r + 4, n - 4, 23, 0, &d), -1);
	CHECK_EQ(find(r + 4, n - 4, 24, 0, &d), -1);
	CHECK_EQ(find(r + 4, n - 4, 39, 0, &d), -1);	/* no --fqdn */
}

UNIT_TEST(truncated_or_overlong_options_are_malformed)
{
	uint8_t r[DHCPV6_REPLY_MAX_BYTES];
	struct m6 m;

	ctx_init();
	start(&m, DHCPV6_SOLICIT);
	CHECK_EQ(dhcpv6_reply_build(&c, m.b, 3, r, sizeof(r)), -1);
	put(&m, 1, client_duid, sizeof(client_duid));
	CHECK_EQ(dhcpv6_reply_build(&c, m.b, m.len - 1, r, sizeof(r)), -1);
	CHECK_EQ(dhcpv6_reply_build(&c, m.b, 4 + 3, r, sizeof(r)), -1);
	util_put_be16(m.b + 6, 200);			/* length past end */
	CHECK_EQ(build(&m, r), -1);

	start(&m, DHCPV6_SOLICIT);			/* IA_NA too short */
	put(&m, 1, client_duid, sizeof(client_duid));
	put(&m, 3, "\0\0\0\1\0\0\0\0", 8);
	CHECK_EQ(build(&m, r), -1);

	start(&m, DHCPV6_SOLICIT);			/* IAADDR overruns */
	put(&m, 1, client_duid, sizeof(client_duid));
	put_ia(&m, 1, "2001:db8:1::2");
	util_put_be16(m.b + m.len - 28 + 2, 25);
	CHECK_EQ(build(&m, r), -1);

	start(&m, DHCPV6_SOLICIT);			/* empty Client ID */
	put(&m, 1, NULL, 0);
	CHECK_EQ(build(&m, r), -1);
}

UNIT_TEST(handler_reply_goes_from_our_link_local_to_port_546)
{
	static uint8_t pkt[1500];
	struct tap_pkt p = { 0 };
	struct in6_addr src, dst;
	uint8_t f[2048];
	struct m6 m;
	int sv[2];
	ssize_t n;

	ctx_init();
	start(&m, DHCPV6_SOLICIT);
	put(&m, 1, client_duid, sizeof(client_duid));
	put(&m, 6, "\0\x17\0\x18", 4);			/* ORO: 23, 24 */
	put_ia(&m, 1, NULL);
	util_put_be16(pkt, 546);
	util_put_be16(pkt + 2, 547);
	util_put_be16(pkt + 4, (uint16_t)(m.len + 8));
	memcpy(pkt + 8, m.b, m.len);
	p.l4 = pkt;
	p.l4_len = m.len + 8;
	p.proto = IPPROTO_UDP;
	p.af = AF_INET6;
	inet_pton(AF_INET6, "fe80::11:22ff:fe33:4455", &p.src6);
	inet_pton(AF_INET6, "ff02::1:2", &p.dst6);

	CHECK(!socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	c.fd_tap = sv[0];
	c.guest_mac_known = true;
	CHECK_EQ(dhcpv6_tap_handler(&c, &p), 1);
	tap_flush(&c);
	CHECK_EQ(recv(sv[1], f, 4, MSG_DONTWAIT), 4);
	n = recv(sv[1], f, sizeof(f), MSG_DONTWAIT);
	CHECK(n > 14 + 48);
	if (n > 14 + 48) {
		memcpy(&src, f + 22, 16);
		memcpy(&dst, f + 38, 16);
		CHECK(!memcmp(&src, &c.ip6.our_ll, 16));
		CHECK(!memcmp(&dst, &p.src6, 16));
		CHECK_EQ(util_get_be16(f + 54), 547);
		CHECK_EQ(util_get_be16(f + 56), 546);
		CHECK_EQ(csum_l4_6(&src, &dst, IPPROTO_UDP, f + 54,
				   (size_t)n - 54), 0);
		CHECK_EQ(f[62], DHCPV6_ADVERTISE);
	}

	c.no_dhcpv6 = true;
	/* To a multicast group: consumed (never forwarded), not answered */
	CHECK(IN6_IS_ADDR_MULTICAST(&p.dst6));
	CHECK_EQ(dhcpv6_tap_handler(&c, &p), 1);
	c.no_dhcpv6 = false;
	p.l4_len = 8 + 3;
	util_put_be16(pkt + 4, 8 + 3);
	CHECK_EQ(dhcpv6_tap_handler(&c, &p), -1);
	close(sv[0]);
	close(sv[1]);
	c.fd_tap = -1;
}
