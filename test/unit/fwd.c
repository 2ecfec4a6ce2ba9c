/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test/unit/fwd.c - Forwarding spec parser, port lookup, translation */

#include <arpa/inet.h>

#include "unit.h"
#include "passt.h"
#include "fwd.h"

/**
 * parse_ok() - Parse a spec that must be valid
 * @s:		Spec text
 * @spec:	Output
 *
 * Return: true if it parsed
 */
static bool parse_ok(const char *s, struct fwd_spec *spec)
{
	char err[FWD_ERR_LEN] = "";
	int ret = fwd_parse_spec(s, spec, err, sizeof(err));

	if (ret)
		fprintf(stderr, "  '%s': %s\n", s, err);
	return !ret;
}

/**
 * parse_err() - Parse a spec that must be refused, with a reason
 * @s:		Spec text
 *
 * Return: true if refused with a non-empty reason
 */
static bool parse_err(const char *s)
{
	char err[FWD_ERR_LEN] = "";
	struct fwd_spec spec;

	return fwd_parse_spec(s, &spec, err, sizeof(err)) == -1 && *err;
}

/**
 * port_to() - Look up a port: target, or -1 if not forwarded
 * @spec:	Parsed spec
 * @port:	Port
 *
 * Return: target port or -1
 */
static int port_to(const struct fwd_spec *spec, uint16_t port)
{
	uint16_t to;

	return fwd_spec_port(spec, port, &to) ? to : -1;
}

UNIT_TEST(single_port_forwards_itself_only)
{
	struct fwd_spec s;

	CHECK(parse_ok("22", &s));
	CHECK_EQ(port_to(&s, 22), 22);
	CHECK_EQ(port_to(&s, 23), -1);
	CHECK(!s.has_addr);
}

UNIT_TEST(mapped_range_with_exclusion_and_address)
{
	struct fwd_spec s;
	char buf[INANY_STR_LEN];

	CHECK(parse_ok("1.2.3.4/5000-5020:6000-6020,~5010-5015", &s));
	CHECK(s.has_addr);
	CHECK(!strcmp(inany_ntop(&s.addr, buf, sizeof(buf)), "1.2.3.4"));
	CHECK_EQ(port_to(&s, 5000), 6000);
	CHECK_EQ(port_to(&s, 5009), 6009);
	CHECK_EQ(port_to(&s, 5010), -1);
	CHECK_EQ(port_to(&s, 5015), -1);
	CHECK_EQ(port_to(&s, 5016), 6016);
	CHECK_EQ(port_to(&s, 5020), 6020);
	CHECK_EQ(port_to(&s, 5021), -1);
	CHECK_EQ(port_to(&s, 4999), -1);
}

UNIT_TEST(port_to_port_and_list)
{
	struct fwd_spec s;

	CHECK(parse_ok("80:8080,443,1000-1002", &s));
	CHECK_EQ(port_to(&s, 80), 8080);
	CHECK_EQ(port_to(&s, 443), 443);
	CHECK_EQ(port_to(&s, 1001), 1001);
	CHECK_EQ(port_to(&s, 8080), -1);
}

UNIT_TEST(none_all_and_exclusions_only)
{
	struct fwd_spec s;

	CHECK(parse_ok("none", &s));
	CHECK(s.none);
	CHECK_EQ(port_to(&s, 80), -1);
	CHECK(parse_ok("all", &s));
	CHECK_EQ(port_to(&s, 1), 1);
	CHECK_EQ(port_to(&s, 65535), 65535);
	CHECK(parse_ok("~22,~6000-6010", &s));
	CHECK_EQ(port_to(&s, 22), -1);
	CHECK_EQ(port_to(&s, 6005), -1);
	CHECK_EQ(port_to(&s, 80), 80);
	CHECK(parse_ok("all,~22", &s));
	CHECK_EQ(port_to(&s, 22), -1);
	CHECK_EQ(port_to(&s, 21), 21);
}

UNIT_TEST(ipv6_address_and_interface_prefix)
{
	struct fwd_spec s;
	char buf[INANY_STR_LEN];

	CHECK(parse_ok("2001:db8::1%eth0/8080", &s));
	CHECK(s.has_addr && !inany_is_v4(&s.addr));
	CHECK(!strcmp(inany_ntop(&s.addr, buf, sizeof(buf)), "2001:db8::1"));
	CHECK(!strcmp(s.ifname, "eth0"));
	CHECK(parse_ok("%lo/9000", &s));
	CHECK(!s.has_addr);
	CHECK(!strcmp(s.ifname, "lo"));
	CHECK_EQ(port_to(&s, 9000), 9000);
}

UNIT_TEST(invalid_specs_refused_with_reason)
{
	CHECK(parse_err(""));
	CHECK(parse_err("0"));
	CHECK(parse_err("65536"));
	CHECK(parse_err("abc"));
	CHECK(parse_err("22,"));
	CHECK(parse_err(",22"));
	CHECK(parse_err("5000-4000"));
	CHECK(parse_err("5000-5010:6000-6005"));	/* sizes differ */
	CHECK(parse_err("~5000:6000"));		/* exclusion mapped */
	CHECK(parse_err("1.2.3.4/"));
	CHECK(parse_err("1.2.3/80"));
	CHECK(parse_err("%/80"));
	CHECK(parse_err("%averyveryverylongifname/80"));
	CHECK(parse_err("22-"));
	CHECK(parse_err("-22"));
	CHECK(parse_err("22:"));
	CHECK(parse_err("none,22"));
	CHECK(parse_err("123456"));
}

UNIT_TEST(too_many_items_refused)
{
	char s[1024] = "";
	int i;

	for (i = 1; i <= FWD_RANGES_MAX + 1; i++)
		snprintf(s + strlen(s), sizeof(s) - strlen(s), "%s%d",
			 i > 1 ? "," : "", i);
	CHECK(parse_err(s));
}

/**
 * ctx4() - A context with the test bed's addresses
 * @c:		Context to fill
 */
static void ctx4(struct ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->ifi4 = c->ifi6 = true;
	inet_pton(AF_INET, "192.0.2.2", &c->ip4.addr);
	inet_pton(AF_INET, "192.0.2.1", &c->ip4.gw);
	inet_pton(AF_INET6, "2001:db8:1::2", &c->ip6.addr);
	inet_pton(AF_INET6, "2001:db8:1::1", &c->ip6.gw);
}

/**
 * a4() - inany from text
 * @s:		IPv4 text
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

UNIT_TEST(guest_to_gateway_reaches_host_loopback_unless_no_map_gw)
{
	struct ctx c;
	union inany_addr dst = a4("192.0.2.1"), host, lo = a4("127.0.0.1");
	union inany_addr d6, lo6;

	ctx4(&c);
	CHECK(fwd_guest_to_host(&c, &dst, &host));
	CHECK(inany_equals(&host, &lo));
	inany_from_v6(&d6, &c.ip6.gw);
	inany_from_v6(&lo6, &in6addr_loopback);
	CHECK(fwd_guest_to_host(&c, &d6, &host));
	CHECK(inany_equals(&host, &lo6));

	c.no_map_gw = true;
	CHECK(fwd_guest_to_host(&c, &dst, &host));
	CHECK(inany_equals(&host, &dst));
}

UNIT_TEST(guest_to_other_address_unchanged_bad_ones_refused)
{
	struct ctx c;
	union inany_addr dst = a4("198.51.100.1"), host;

	ctx4(&c);
	CHECK(fwd_guest_to_host(&c, &dst, &host));
	CHECK(inany_equals(&host, &dst));
	dst = a4("0.0.0.0");
	CHECK(!fwd_guest_to_host(&c, &dst, &host));
	dst = a4("224.0.0.1");
	CHECK(!fwd_guest_to_host(&c, &dst, &host));
	dst = a4("255.255.255.255");
	CHECK(!fwd_guest_to_host(&c, &dst, &host));
	dst = a4("127.0.0.1");
	CHECK(!fwd_guest_to_host(&c, &dst, &host));
}

UNIT_TEST(map_host_loopback_and_map_guest_addr)
{
	struct ctx c;
	union inany_addr dst = a4("10.9.9.9"), host, lo = a4("127.0.0.1");
	union inany_addr me = a4("192.0.2.2");

	ctx4(&c);
	inet_pton(AF_INET, "10.9.9.9", &c.ip4.map_host_loopback);
	inet_pton(AF_INET, "10.8.8.8", &c.ip4.map_guest_addr);
	CHECK(fwd_guest_to_host(&c, &dst, &host));
	CHECK(inany_equals(&host, &lo));
	dst = a4("10.8.8.8");
	CHECK(fwd_guest_to_host(&c, &dst, &host));
	CHECK(inany_equals(&host, &me));
}

UNIT_TEST(host_loopback_peer_seen_as_gateway)
{
	struct ctx c;
	union inany_addr peer = a4("127.0.0.1"), seen, gw = a4("192.0.2.1");
	union inany_addr other = a4("198.51.100.1");

	ctx4(&c);
	fwd_host_to_guest(&c, &peer, &seen);
	CHECK(inany_equals(&seen, &gw));
	peer = a4("192.0.2.2");			/* host's own = guest's */
	fwd_host_to_guest(&c, &peer, &seen);
	CHECK(inany_equals(&seen, &gw));
	fwd_host_to_guest(&c, &other, &seen);
	CHECK(inany_equals(&seen, &other));
}

UNIT_TEST(guest_addr_prefers_the_address_seen)
{
	struct ctx c;
	union inany_addr g, want = a4("192.0.2.99");

	ctx4(&c);
	inet_pton(AF_INET, "192.0.2.99", &c.ip4.addr_seen);
	CHECK(fwd_guest_addr(&c, true, &g));
	CHECK(inany_equals(&g, &want));
	c.ifi6 = false;
	CHECK(!fwd_guest_addr(&c, false, &g));
}
