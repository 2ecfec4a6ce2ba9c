/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test/unit/inany.c - Addresses of either IP version, socket addresses */

#include <arpa/inet.h>

#include "unit.h"
#include "inany.h"

/**
 * v4() - An IPv4 address from text
 * @s:		Dotted quad
 *
 * Return: address
 */
static struct in_addr v4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a;
}

UNIT_TEST(v4_is_mapped_and_round_trips)
{
	union inany_addr a;
	char buf[INANY_STR_LEN];

	inany_from_v4(&a, v4("192.0.2.7"));
	CHECK(inany_is_v4(&a));
	CHECK(IN6_IS_ADDR_V4MAPPED(&a.a6));
	CHECK(inany_v4(&a)->s_addr == v4("192.0.2.7").s_addr);
	CHECK(!strcmp(inany_ntop(&a, buf, sizeof(buf)), "192.0.2.7"));
}

UNIT_TEST(v6_is_not_v4_and_formats)
{
	union inany_addr a;
	struct in6_addr six;
	char buf[INANY_STR_LEN];

	inet_pton(AF_INET6, "2001:db8::1", &six);
	inany_from_v6(&a, &six);
	CHECK(!inany_is_v4(&a));
	CHECK(!inany_v4(&a));
	CHECK(!strcmp(inany_ntop(&a, buf, sizeof(buf)), "2001:db8::1"));
}

UNIT_TEST(any_of_each_version)
{
	union inany_addr a;

	inany_any(&a, true);
	CHECK(inany_is_v4(&a) && inany_v4(&a)->s_addr == htonl(INADDR_ANY));
	inany_any(&a, false);
	CHECK(IN6_IS_ADDR_UNSPECIFIED(&a.a6));
}

UNIT_TEST(sockaddr_v4_round_trip_keeps_port)
{
	struct sockaddr_storage sa;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&sa;
	union inany_addr a, b;
	uint16_t port = 0;
	socklen_t sl;

	inany_from_v4(&a, v4("198.51.100.1"));
	sl = inany_to_sockaddr(&a, 8080, &sa);
	CHECK_EQ(sl, sizeof(struct sockaddr_in));
	CHECK_EQ(sin->sin_family, AF_INET);
	CHECK_EQ(ntohs(sin->sin_port), 8080);
	CHECK_EQ(inany_from_sockaddr(&sa, &b, &port), 0);
	CHECK(inany_equals(&a, &b));
	CHECK_EQ(port, 8080);
}

UNIT_TEST(sockaddr_v6_round_trip_keeps_port)
{
	struct sockaddr_storage sa;
	union inany_addr a, b;
	struct in6_addr six;
	uint16_t port = 0;

	inet_pton(AF_INET6, "2001:db8:100::1", &six);
	inany_from_v6(&a, &six);
	CHECK_EQ(inany_to_sockaddr(&a, 53, &sa), sizeof(struct sockaddr_in6));
	CHECK_EQ(sa.ss_family, AF_INET6);
	CHECK_EQ(inany_from_sockaddr(&sa, &b, &port), 0);
	CHECK(inany_equals(&a, &b));
	CHECK_EQ(port, 53);
}

UNIT_TEST(sockaddr_v4_mapped_v6_is_the_v4_address)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6,
				     .sin6_port = htons(7) };
	struct sockaddr_storage sa;
	union inany_addr a, b;
	uint16_t port = 0;

	inet_pton(AF_INET6, "::ffff:192.0.2.9", &sin6.sin6_addr);
	memset(&sa, 0, sizeof(sa));
	memcpy(&sa, &sin6, sizeof(sin6));
	CHECK_EQ(inany_from_sockaddr(&sa, &a, &port), 0);
	inany_from_v4(&b, v4("192.0.2.9"));
	CHECK(inany_equals(&a, &b));
	CHECK_EQ(port, 7);
}

UNIT_TEST(sockaddr_other_family_refused)
{
	struct sockaddr_storage sa = { .ss_family = AF_UNIX };
	union inany_addr a;
	uint16_t port = 99;

	CHECK_EQ(inany_from_sockaddr(&sa, &a, &port), -1);
	CHECK_EQ(port, 99);
}
