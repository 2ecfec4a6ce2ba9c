/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test/unit/fwd.c - Forwarding spec parser, port lookup, translation */

#include <arpa/inet.h>

#include "unit.h"
#include "ctx.h"
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
 * port_to() - Where one spec's rules send a port, as the daemon's sockets
 *	       would: the rule forwarding it, its guest port
 * @s:		Spec text (TCP, no ephemeral range left out of "all")
 * @port:	Host port
 *
 * Return: guest port, or -1 if no rule forwards @port
 */
static int port_to(const char *s, uint16_t port)
{
	static struct fwd_table t;
	char err[FWD_ERR_LEN] = "";
	int i;

	memset(&t, 0, sizeof(t));
	if (fwd_table_add(&t, FWD_TCP, s, 0, 0, err, sizeof(err)))
		return -2;
	for (i = 0; i < t.count; i++)
		if (fwd_rule_has_port(&t.rules[i], port))
			return fwd_rule_to(&t.rules[i], port);
	return -1;
}

UNIT_TEST(single_port_forwards_itself_only)
{
	struct fwd_spec s;

	CHECK(parse_ok("22", &s));
	CHECK_EQ(port_to("22", 22), 22);
	CHECK_EQ(port_to("22", 23), -1);
	CHECK(!s.has_addr);
}

UNIT_TEST(mapped_range_with_exclusion_and_address)
{
	const char *m = "1.2.3.4/5000-5020:6000-6020,~5010-5015";
	struct fwd_spec s;
	char buf[INANY_STR_LEN];

	CHECK(parse_ok(m, &s));
	CHECK(s.has_addr);
	CHECK(!strcmp(inany_ntop(&s.addr, buf, sizeof(buf)), "1.2.3.4"));
	CHECK_EQ(port_to(m, 5000), 6000);
	CHECK_EQ(port_to(m, 5009), 6009);
	CHECK_EQ(port_to(m, 5010), -1);
	CHECK_EQ(port_to(m, 5015), -1);
	CHECK_EQ(port_to(m, 5016), 6016);
	CHECK_EQ(port_to(m, 5020), 6020);
	CHECK_EQ(port_to(m, 5021), -1);
	CHECK_EQ(port_to(m, 4999), -1);
}

UNIT_TEST(port_to_port_and_list)
{
	struct fwd_spec s;

	CHECK(parse_ok("80:8080,443,1000-1002", &s));
	CHECK_EQ(port_to("80:8080,443,1000-1002", 80), 8080);
	CHECK_EQ(port_to("80:8080,443,1000-1002", 443), 443);
	CHECK_EQ(port_to("80:8080,443,1000-1002", 1001), 1001);
	CHECK_EQ(port_to("80:8080,443,1000-1002", 8080), -1);
}

UNIT_TEST(none_all_and_exclusions_only)
{
	struct fwd_spec s;

	CHECK(parse_ok("none", &s));
	CHECK(s.none);
	CHECK_EQ(port_to("none", 80), -1);
	CHECK(parse_ok("all", &s));
	CHECK_EQ(port_to("all", 1), 1);
	CHECK_EQ(port_to("all", 65535), 65535);
	CHECK(parse_ok("~22,~6000-6010", &s));
	CHECK_EQ(port_to("~22,~6000-6010", 22), -1);
	CHECK_EQ(port_to("~22,~6000-6010", 6005), -1);
	CHECK_EQ(port_to("~22,~6000-6010", 80), 80);
	CHECK(parse_ok("all,~22", &s));
	CHECK_EQ(port_to("all,~22", 22), -1);
	CHECK_EQ(port_to("all,~22", 21), 21);
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
	CHECK_EQ(port_to("%lo/9000", 9000), 9000);
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
	CHECK(fwd_host_to_guest(&c, &peer, &seen));
	CHECK(inany_equals(&seen, &gw));
	peer = a4("192.0.2.2");			/* host's own = guest's */
	CHECK(fwd_host_to_guest(&c, &peer, &seen));
	CHECK(inany_equals(&seen, &gw));
	CHECK(fwd_host_to_guest(&c, &other, &seen));
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

/**
 * a6() - inany from IPv6 text
 * @s:		IPv6 text
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
 * dns_ctx() - Guest 192.0.2.2 via 192.0.2.1, 2001:db8:1::2 via ::1
 * @c:		Context to fill
 */
static void dns_ctx(struct ctx *c)
{
	ctx4(c);
	inet_pton(AF_INET6, "fe80::1", &c->ip6.our_ll);
}

UNIT_TEST(dns_forward_address_port_53_goes_to_host_resolver)
{
	struct ctx c;
	union inany_addr dst = a4("169.254.1.1"), host, want = a4("192.0.2.53");

	dns_ctx(&c);
	inet_pton(AF_INET, "169.254.1.1", &c.ip4.dns_match);
	inet_pton(AF_INET, "192.0.2.53", &c.ip4.dns_host);
	CHECK_EQ(fwd_dns_redirect(&c, &dst, 53, &host), 1);
	CHECK(inany_equals(&host, &want));
	CHECK_EQ(fwd_dns_redirect(&c, &dst, 54, &host), 0);
	dst = a4("169.254.1.2");
	CHECK_EQ(fwd_dns_redirect(&c, &dst, 53, &host), 0);
}

UNIT_TEST(dns_forward_without_host_resolver_is_refused)
{
	struct ctx c;
	union inany_addr dst = a4("169.254.1.1"), host;

	dns_ctx(&c);
	inet_pton(AF_INET, "169.254.1.1", &c.ip4.dns_match);
	CHECK_EQ(fwd_dns_redirect(&c, &dst, 53, &host), -1);
}

UNIT_TEST(dns_gateway_dns_goes_to_loopback_resolver)
{
	struct ctx c;
	union inany_addr dst = a4("192.0.2.1"), host, want = a4("127.0.0.53");

	dns_ctx(&c);
	inet_pton(AF_INET, "127.0.0.53", &c.ip4.dns_host);
	CHECK_EQ(fwd_dns_redirect(&c, &dst, 53, &host), 1);
	CHECK(inany_equals(&host, &want));
	c.no_map_gw = true;		/* gateway not mapped, not told */
	CHECK_EQ(fwd_dns_redirect(&c, &dst, 53, &host), 0);
	c.ip4.dns[c.ip4.dns_count++] = c.ip4.gw;	/* told: redirected */
	CHECK_EQ(fwd_dns_redirect(&c, &dst, 53, &host), 1);
}

UNIT_TEST(dns_gateway_dns_with_remote_resolver_is_not_redirected)
{
	struct ctx c;
	union inany_addr dst = a4("192.0.2.1"), host;

	dns_ctx(&c);
	inet_pton(AF_INET, "192.0.2.53", &c.ip4.dns_host);
	c.ip4.dns[c.ip4.dns_count++] = c.ip4.dns_host;
	CHECK_EQ(fwd_dns_redirect(&c, &dst, 53, &host), 0);
}

UNIT_TEST(dns_gateway_dns6_and_link_local_go_to_loopback_resolver)
{
	struct ctx c;
	union inany_addr dst = a6("2001:db8:1::1"), host, want = a6("::1");

	dns_ctx(&c);
	c.ip6.dns_host = in6addr_loopback;
	CHECK_EQ(fwd_dns_redirect(&c, &dst, 53, &host), 1);
	CHECK(inany_equals(&host, &want));
	dst = a6("fe80::1");
	CHECK_EQ(fwd_dns_redirect(&c, &dst, 53, &host), 1);
	dst = a6("2001:db8:1::3");
	CHECK_EQ(fwd_dns_redirect(&c, &dst, 53, &host), 0);
}

UNIT_TEST(dns_forward6_goes_to_host_resolver)
{
	struct ctx c;
	union inany_addr dst = a6("fd00::53"), host, want = a6("2001:db8::53");

	dns_ctx(&c);
	inet_pton(AF_INET6, "fd00::53", &c.ip6.dns_match);
	inet_pton(AF_INET6, "2001:db8::53", &c.ip6.dns_host);
	CHECK_EQ(fwd_dns_redirect(&c, &dst, 53, &host), 1);
	CHECK(inany_equals(&host, &want));
	CHECK_EQ(fwd_dns_redirect(&c, &dst, 5353, &host), 0);
}

UNIT_TEST(host_loopback6_peer_refused_without_a_mapping)
{
	union inany_addr lo = a6("::1"), own = a6("2001:db8:1::2"), seen;
	union inany_addr gw = a6("2001:db8:1::1"), other = a6("2001:db8::9");
	struct ctx c;

	ctx4(&c);
	CHECK(fwd_host_to_guest(&c, &lo, &seen));
	CHECK(inany_equals(&seen, &gw));
	c.no_map_gw = true;			/* --map-host-loopback none */
	CHECK(!fwd_host_to_guest(&c, &lo, &seen));
	CHECK(!fwd_host_to_guest(&c, &own, &seen));
	CHECK(fwd_host_to_guest(&c, &other, &seen));
	CHECK(inany_equals(&seen, &other));
}

UNIT_TEST(pasta_no_map_gw_shows_loopback_as_host_or_gateway)
{
	union inany_addr lo = a4("127.0.0.1"), own = a4("192.0.2.2");
	union inany_addr gw = a4("192.0.2.1"), host = a4("169.254.1.2");
	union inany_addr seen;
	struct ctx c;

	ctx4(&c);
	c.pasta = true;
	c.no_map_gw = true;		/* podman's options */
	CHECK(fwd_host_to_guest(&c, &lo, &seen));
	CHECK(inany_equals(&seen, &gw));
	inet_pton(AF_INET, "169.254.1.2", &c.ip4.map_guest_addr);
	CHECK(fwd_host_to_guest(&c, &lo, &seen));
	CHECK(inany_equals(&seen, &host));
	CHECK(fwd_host_to_guest(&c, &own, &seen));
	CHECK(inany_equals(&seen, &host));
	c.map_host_loopback_none = true;	/* said explicitly: refused */
	c.ip4.map_guest_addr.s_addr = 0;
	CHECK(!fwd_host_to_guest(&c, &lo, &seen));
}

static struct fwd_table tbl;

/**
 * tbl_add() - Add an option to the test table, report errors
 * @proto:	Protocol
 * @s:		Spec
 * @err:	Error message, output
 *
 * Return: fwd_table_add() result
 */
static int tbl_add(enum fwd_proto proto, const char *s, char *err)
{
	return fwd_table_add(&tbl, proto, s, 32768, 60999, err, FWD_ERR_LEN);
}

/**
 * tbl_to() - Guest port for a host port, -1 if not forwarded, as the socket
 *	      of the rule bound to that address would receive it
 * @proto:	Protocol
 * @local:	Local address the traffic arrives on, or NULL for any
 * @port:	Host port
 *
 * Return: guest port or -1
 */
static int tbl_to(enum fwd_proto proto, const union inany_addr *local,
		  uint16_t port)
{
	int i;

	for (i = 0; i < tbl.count; i++) {
		const struct fwd_rule *r = &tbl.rules[i];

		if (r->proto != proto || !fwd_rule_has_port(r, port))
			continue;
		if (local && r->has_addr && !inany_equals(&r->addr, local))
			continue;
		return fwd_rule_to(r, port);
	}
	return -1;
}

UNIT_TEST(table_libvirt_forms_become_rules_with_exclusions)
{
	union inany_addr a = a4("192.0.2.2"), b = a4("192.0.2.3");
	char err[FWD_ERR_LEN] = "", buf[FWD_RULE_STR_LEN];

	memset(&tbl, 0, sizeof(tbl));
	CHECK_EQ(tbl_add(FWD_TCP, "80-80:8080-8080", err), 0);
	CHECK_EQ(tbl_add(FWD_TCP, "192.0.2.2/5000-5020:6000-6020,~5010-5015",
			 err), 0);
	CHECK_EQ(tbl_add(FWD_UDP, "none", err), 0);
	CHECK_EQ(tbl.count, 2);
	CHECK_EQ(tbl_to(FWD_TCP, NULL, 80), 8080);
	CHECK_EQ(tbl_to(FWD_UDP, NULL, 80), -1);
	CHECK_EQ(tbl_to(FWD_TCP, &a, 5000), 6000);
	CHECK_EQ(tbl_to(FWD_TCP, &a, 5009), 6009);
	CHECK_EQ(tbl_to(FWD_TCP, &a, 5010), -1);
	CHECK_EQ(tbl_to(FWD_TCP, &a, 5015), -1);
	CHECK_EQ(tbl_to(FWD_TCP, &a, 5016), 6016);
	CHECK_EQ(tbl_to(FWD_TCP, &a, 5021), -1);
	CHECK_EQ(tbl_to(FWD_TCP, &b, 5000), -1);	/* other address */
	CHECK_EQ(tbl.rules[1].nexcl, 1);
	fwd_rule_str(&tbl.rules[1], buf, sizeof(buf));
	CHECK(!strcmp(buf, "TCP 192.0.2.2/5000-5020 => 6000-6020, except "
		      "5010-5015"));
}

UNIT_TEST(table_all_skips_ephemeral_ports_and_exclusions)
{
	char err[FWD_ERR_LEN] = "";

	memset(&tbl, 0, sizeof(tbl));
	CHECK_EQ(tbl_add(FWD_UDP, "all,~22", err), 0);
	CHECK_EQ(tbl.count, 1);
	CHECK(tbl.rules[0].all);
	CHECK_EQ(tbl_to(FWD_UDP, NULL, 1), 1);
	CHECK_EQ(tbl_to(FWD_UDP, NULL, 22), -1);
	CHECK_EQ(tbl_to(FWD_UDP, NULL, 32767), 32767);
	CHECK_EQ(tbl_to(FWD_UDP, NULL, 32768), -1);
	CHECK_EQ(tbl_to(FWD_UDP, NULL, 60999), -1);
	CHECK_EQ(tbl_to(FWD_UDP, NULL, 61000), 61000);
	CHECK_EQ(tbl_to(FWD_TCP, NULL, 1), -1);
	/* Exclusions only: like all */
	CHECK_EQ(tbl_add(FWD_TCP, "~80", err), 0);
	CHECK_EQ(tbl_to(FWD_TCP, NULL, 81), 81);
	CHECK_EQ(tbl_to(FWD_TCP, NULL, 80), -1);
}

UNIT_TEST(table_overlap_same_protocol_and_address_refused)
{
	char err[FWD_ERR_LEN] = "";

	memset(&tbl, 0, sizeof(tbl));
	CHECK_EQ(tbl_add(FWD_TCP, "80-90", err), 0);
	CHECK_EQ(tbl_add(FWD_TCP, "85", err), -1);
	CHECK(strstr(err, "port 85 overlaps rule 1") != NULL);
	CHECK(strstr(err, "'80-90'") != NULL);
	CHECK_EQ(tbl.count, 1);
	/* An addressed rule collides with the unaddressed one */
	CHECK_EQ(tbl_add(FWD_TCP, "192.0.2.2/90", err), -1);
	/* Items of one option overlapping each other */
	CHECK_EQ(tbl_add(FWD_TCP, "100,100:8100", err), -1);
	/* Other protocol, or a port left out by an exclusion: fine */
	CHECK_EQ(tbl_add(FWD_UDP, "85", err), 0);
	CHECK_EQ(tbl_add(FWD_TCP, "91-95,~80-90", err), 0);
}

UNIT_TEST(table_same_port_on_two_addresses_looked_up_by_address)
{
	union inany_addr a = a4("192.0.2.2"), b = a4("192.0.2.3");
	char err[FWD_ERR_LEN] = "";

	memset(&tbl, 0, sizeof(tbl));
	CHECK_EQ(tbl_add(FWD_TCP, "192.0.2.2/80:8080", err), 0);
	CHECK_EQ(tbl_add(FWD_TCP, "192.0.2.3/80:9090", err), 0);
	CHECK_EQ(tbl.count, 2);
	CHECK_EQ(tbl_to(FWD_TCP, &a, 80), 8080);
	CHECK_EQ(tbl_to(FWD_TCP, &b, 80), 9090);
	/* Interfaces keep rules apart too */
	CHECK_EQ(tbl_add(FWD_UDP, "%lo/53", err), 0);
	CHECK_EQ(tbl_add(FWD_UDP, "%eth0/53", err), 0);
	CHECK_EQ(tbl_add(FWD_UDP, "53", err), -1);
}

UNIT_TEST(table_bad_specs_name_the_reason)
{
	char err[FWD_ERR_LEN] = "";

	memset(&tbl, 0, sizeof(tbl));
	CHECK_EQ(tbl_add(FWD_TCP, "5000-4000", err), -1);
	CHECK(strstr(err, "ends before it starts") != NULL);
	CHECK_EQ(tbl_add(FWD_TCP, "1-10:20-30", err), -1);
	CHECK(strstr(err, "differ in size") != NULL);
	CHECK_EQ(tbl_add(FWD_TCP, "300.1.1.1/80", err), -1);
	CHECK(strstr(err, "bad address") != NULL);
	CHECK_EQ(tbl_add(FWD_TCP, "80,~80", err), -1);
	CHECK(strstr(err, "every port excluded") != NULL);
	CHECK_EQ(tbl_add(FWD_TCP, "0", err), -1);
	CHECK_EQ(tbl_add(FWD_TCP, "65536", err), -1);
	CHECK_EQ(tbl.count, 0);
}

UNIT_TEST(table_rule_limit_refused)
{
	char err[FWD_ERR_LEN] = "", s[16];
	int i;

	memset(&tbl, 0, sizeof(tbl));
	for (i = 0; i < FWD_RULES_MAX; i++) {
		snprintf(s, sizeof(s), "%d", 1000 + i);
		CHECK_EQ(tbl_add(FWD_TCP, i ? s : "1000", err), 0);
	}
	CHECK_EQ(tbl_add(FWD_TCP, "2000", err), -1);
	CHECK(strstr(err, "more than") != NULL);
}

UNIT_TEST(map_host_loopback_replaces_gateway_none_disables)
{
	struct ctx c;
	union inany_addr gw = a4("192.0.2.1"), x = a4("10.0.2.2"), host;
	union inany_addr lo = a4("127.0.0.1"), seen, peer = a4("127.0.0.1");

	ctx4(&c);
	inet_pton(AF_INET, "10.0.2.2", &c.ip4.map_host_loopback);
	CHECK(fwd_guest_to_host(&c, &x, &host));
	CHECK(inany_equals(&host, &lo));
	CHECK(fwd_guest_to_host(&c, &gw, &host));
	CHECK(inany_equals(&host, &gw));	/* gateway no longer mapped */
	fwd_host_to_guest(&c, &peer, &seen);
	CHECK(inany_equals(&seen, &x));
	/* none: nothing mapped, and a loopback or own-address peer has no
	 * address the guest would accept: refused
	 */
	c.ip4.map_host_loopback.s_addr = 0;
	c.no_map_gw = true;
	CHECK(fwd_guest_to_host(&c, &gw, &host));
	CHECK(inany_equals(&host, &gw));
	CHECK(!fwd_host_to_guest(&c, &peer, &seen));
	peer = a4("192.0.2.2");			/* host's own = guest's */
	CHECK(!fwd_host_to_guest(&c, &peer, &seen));
	inet_pton(AF_INET, "10.0.2.3", &c.ip4.map_guest_addr);
	CHECK(fwd_host_to_guest(&c, &peer, &seen));
	x = a4("10.0.2.3");
	CHECK(inany_equals(&seen, &x));
	peer = a4("198.51.100.1");		/* others need no mapping */
	CHECK(fwd_host_to_guest(&c, &peer, &seen));
	CHECK(inany_equals(&seen, &peer));
}

UNIT_TEST(map_guest_addr_is_the_source_of_host_address_peers)
{
	struct ctx c;
	union inany_addr me = a4("192.0.2.2"), m = a4("10.0.2.3"), seen;
	union inany_addr peer = a4("127.0.0.1"), gw = a4("192.0.2.1");

	ctx4(&c);
	inet_pton(AF_INET, "10.0.2.3", &c.ip4.map_guest_addr);
	fwd_host_to_guest(&c, &me, &seen);
	CHECK(inany_equals(&seen, &m));
	fwd_host_to_guest(&c, &peer, &seen);	/* loopback: gateway still */
	CHECK(inany_equals(&seen, &gw));
}

UNIT_TEST(dns_to_map_host_loopback_goes_to_loopback_resolver)
{
	struct ctx c;
	union inany_addr dst = a4("10.0.2.2"), host, want = a4("127.0.0.53");

	dns_ctx(&c);
	inet_pton(AF_INET, "127.0.0.53", &c.ip4.dns_host);
	inet_pton(AF_INET, "10.0.2.2", &c.ip4.map_host_loopback);
	CHECK_EQ(fwd_dns_redirect(&c, &dst, 53, &host), 1);
	CHECK(inany_equals(&host, &want));
	dst = a4("192.0.2.1");			/* gateway: not mapped now */
	CHECK_EQ(fwd_dns_redirect(&c, &dst, 53, &host), 0);
}

UNIT_TEST(table_exclusions_only_is_one_all_rule_whatever_the_items)
{
	char err[FWD_ERR_LEN] = "";

	memset(&tbl, 0, sizeof(tbl));
	CHECK_EQ(tbl_add(FWD_UDP, "~22,~6000-6010", err), 0);
	CHECK_EQ(tbl.count, 1);
	CHECK(tbl.rules[0].all);
	CHECK_EQ(tbl_to(FWD_UDP, NULL, 21), 21);
	CHECK_EQ(tbl_to(FWD_UDP, NULL, 22), -1);
	CHECK_EQ(tbl_to(FWD_UDP, NULL, 6005), -1);
	CHECK_EQ(tbl_to(FWD_UDP, NULL, 32768), -1);	/* ephemeral */
}

UNIT_TEST(table_port_below_finds_privileged_ports_of_exclusion_specs)
{
	char err[FWD_ERR_LEN] = "";

	memset(&tbl, 0, sizeof(tbl));
	CHECK_EQ(fwd_table_port_below(&tbl, FWD_UDP, 1024), 0);
	CHECK_EQ(tbl_add(FWD_UDP, "5353", err), 0);
	CHECK_EQ(tbl_add(FWD_TCP, "80", err), 0);
	CHECK_EQ(fwd_table_port_below(&tbl, FWD_UDP, 1024), 0);
	CHECK_EQ(fwd_table_port_below(&tbl, FWD_TCP, 1024), 80);
	CHECK_EQ(tbl_add(FWD_UDP, "53:5353", err), 0);
	CHECK_EQ(fwd_table_port_below(&tbl, FWD_UDP, 1024), 53);
	CHECK_EQ(fwd_table_port_below(&tbl, FWD_UDP, 53), 0);

	/* "~5000": every port but 5000 and the ephemeral range, so 1 */
	memset(&tbl, 0, sizeof(tbl));
	CHECK_EQ(tbl_add(FWD_UDP, "~5000", err), 0);
	CHECK_EQ(fwd_table_port_below(&tbl, FWD_UDP, 1024), 1);
	memset(&tbl, 0, sizeof(tbl));
	CHECK_EQ(tbl_add(FWD_UDP, "~1-1023", err), 0);
	CHECK_EQ(fwd_table_port_below(&tbl, FWD_UDP, 1024), 0);
	CHECK_EQ(fwd_table_port_below(&tbl, FWD_UDP, 1025), 1024);
}
