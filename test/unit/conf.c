/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test/unit/conf.c - Address, resolv.conf and helper parsing */

#include <arpa/inet.h>
#include <string.h>

#include "conf.h"
#include "ctx.h"
#include "log.h"
#include "util.h"
#include "unit.h"

UNIT_TEST(addr4_with_and_without_prefix)
{
	struct in_addr a;
	int plen;

	CHECK_EQ(conf_parse_addr4("10.1.2.3", &a, &plen), 0);
	CHECK_EQ(plen, -1);
	CHECK_EQ(ntohl(a.s_addr), 0x0a010203);
	CHECK_EQ(conf_parse_addr4("10.1.2.3/16", &a, &plen), 0);
	CHECK_EQ(plen, 16);
	CHECK(conf_parse_addr4("10.1.2.3/33", &a, &plen) < 0);
	CHECK(conf_parse_addr4("10.1.2.3/", &a, &plen) < 0);
	CHECK(conf_parse_addr4("10.1.2", &a, &plen) < 0);
	CHECK(conf_parse_addr4("10.1.2.3/8", &a, NULL) < 0);
}

UNIT_TEST(addr6_with_and_without_prefix)
{
	struct in6_addr a;
	int plen;

	CHECK_EQ(conf_parse_addr6("2001:db8::1", &a, &plen), 0);
	CHECK_EQ(plen, -1);
	CHECK_EQ(conf_parse_addr6("2001:db8::1/64", &a, &plen), 0);
	CHECK_EQ(plen, 64);
	CHECK(conf_parse_addr6("2001:db8::1/129", &a, &plen) < 0);
	CHECK(conf_parse_addr6("2001:db8:::1", &a, &plen) < 0);
}

UNIT_TEST(resolv_conf_takes_servers_and_search_skips_loopback)
{
	static const char text[] =
		"# comment\n"
		"nameserver 127.0.0.53\n"
		"nameserver 192.0.2.53\n"
		"nameserver  2001:db8::53\n"
		"nameserver fe80::1%eth0\n"
		"nameserver ::1\n"
		"search a.example b.example\n"
		"options edns0\n";
	static struct ctx c;

	memset(&c, 0, sizeof(c));
	CHECK_EQ(conf_resolv_parse(&c, text), 3);
	CHECK_EQ(c.ip4.dns_count, 1);
	CHECK_EQ(ntohl(c.ip4.dns[0].s_addr), 0xc0000235);
	CHECK_EQ(ntohl(c.ip4.dns_host.s_addr), 0x7f000035);
	CHECK_EQ(c.ip6.dns_count, 2);
	CHECK(IN6_IS_ADDR_LOOPBACK(&c.ip6.dns_host));
	CHECK_EQ(c.search_count, 2);
	CHECK(!strcmp(c.search[1], "b.example"));
}

UNIT_TEST(resolv_conf_keeps_at_most_three_servers)
{
	static const char text[] = "nameserver 10.0.0.1\nnameserver 10.0.0.2\n"
				   "nameserver 10.0.0.3\nnameserver 10.0.0.4\n";
	static struct ctx c;

	memset(&c, 0, sizeof(c));
	conf_resolv_parse(&c, text);
	CHECK_EQ(c.ip4.dns_count, CONF_DNS_MAX);
}

UNIT_TEST(resolv_conf_without_newline_at_end)
{
	static struct ctx c;

	memset(&c, 0, sizeof(c));
	CHECK_EQ(conf_resolv_parse(&c, "nameserver 10.0.0.9"), 1);
	CHECK_EQ(conf_resolv_parse(&c, ""), 0);
}

UNIT_TEST(mac_parse_accepts_only_full_form)
{
	uint8_t m[6];

	CHECK_EQ(util_mac_pton("9a:55:9a:55:9a:55", m), 0);
	CHECK_EQ(m[0], 0x9a);
	CHECK_EQ(m[5], 0x55);
	CHECK(util_mac_pton("9a:55:9a:55:9a", m) < 0);
	CHECK(util_mac_pton("9a:55:9a:55:9a:5g", m) < 0);
	CHECK(util_mac_pton("9a:55:9a:55:9a:555", m) < 0);
}

UNIT_TEST(netmask_and_prefix_round_trip)
{
	struct in_addr m;
	int i;

	for (i = 0; i <= 32; i++) {
		CHECK_EQ(util_prefix_to_mask4(i, &m), 0);
		CHECK_EQ(util_mask4_to_prefix(m), i);
	}
	m.s_addr = htonl(0xff00ff00);
	CHECK(util_mask4_to_prefix(m) < 0);
	CHECK(util_prefix_to_mask4(33, &m) < 0);
}

UNIT_TEST(same_prefix_checks_partial_bytes)
{
	struct in6_addr a, b;

	inet_pton(AF_INET6, "2001:db8:1::1", &a);
	inet_pton(AF_INET6, "2001:db8:1:ff::1", &b);
	CHECK(util_in6_same_prefix(&a, &b, 48));
	CHECK(!util_in6_same_prefix(&a, &b, 64));
	CHECK(util_in6_same_prefix(&a, &b, 56));
	CHECK(!util_in6_same_prefix(&a, &b, 57));
}

UNIT_TEST(parse_u32_rejects_junk_and_range)
{
	unsigned long v;

	CHECK_EQ(util_parse_u32("65520", 65520, &v), 0);
	CHECK_EQ(v, 65520);
	CHECK(util_parse_u32("65521", 65520, &v) < 0);
	CHECK(util_parse_u32("-1", 65520, &v) < 0);
	CHECK(util_parse_u32("12a", 65520, &v) < 0);
	CHECK(util_parse_u32("", 65520, &v) < 0);
}
