/* SPDX-License-Identifier: GPL-2.0-or-later */
/* inany.c - IPv4 or IPv6 addresses in one type, and socket addresses */

#include <arpa/inet.h>
#include <stdio.h>

#include "inany.h"

/**
 * inany_any() - The unspecified address of one IP version
 * @a:		Output: 0.0.0.0 (IPv4-mapped) or ::
 * @v4:		IPv4, else IPv6
 */
void inany_any(union inany_addr *a, bool v4)
{
	if (v4) {
		struct in_addr any = { htonl(INADDR_ANY) };

		inany_from_v4(a, any);
	} else {
		inany_from_v6(a, &in6addr_any);
	}
}

/**
 * inany_loopback() - The loopback address of one IP version
 * @a:		Output: 127.0.0.1 (IPv4-mapped) or ::1
 * @v4:		IPv4, else IPv6
 */
void inany_loopback(union inany_addr *a, bool v4)
{
	if (v4) {
		struct in_addr lo = { htonl(INADDR_LOOPBACK) };

		inany_from_v4(a, lo);
	} else {
		inany_from_v6(a, &in6addr_loopback);
	}
}

/**
 * inany_is_loopback() - Is an address a loopback one?
 * @a:		Address
 *
 * Return: true for 127.0.0.0/8 and ::1
 */
bool inany_is_loopback(const union inany_addr *a)
{
	if (inany_is_v4(a))
		return (ntohl(inany_v4(a)->s_addr) >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(&a->a6);
}

/**
 * inany_ntop() - Format an inany address: dotted quad or IPv6 text
 * @a:		Address
 * @buf:	Output buffer
 * @len:	Size of @buf, at least INANY_STR_LEN
 *
 * Return: @buf
 */
const char *inany_ntop(const union inany_addr *a, char *buf, size_t len)
{
	const struct in_addr *v4 = inany_v4(a);

	if (v4) {
		if (!inet_ntop(AF_INET, v4, buf, (socklen_t)len))
			snprintf(buf, len, "?");
	} else if (!inet_ntop(AF_INET6, &a->a6, buf, (socklen_t)len)) {
		snprintf(buf, len, "?");
	}
	return buf;
}

/**
 * inany_to_sockaddr() - Socket address for an inany address and a port
 * @a:		Address: an IPv4-mapped one gives AF_INET, others AF_INET6
 * @port:	Port, host order
 * @sa:		Output, zeroed first
 *
 * Return: length of the socket address written
 */
socklen_t inany_to_sockaddr(const union inany_addr *a, uint16_t port,
			    struct sockaddr_storage *sa)
{
	const struct in_addr *v4 = inany_v4(a);

	memset(sa, 0, sizeof(*sa));
	if (v4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)sa;

		sin->sin_family = AF_INET;
		sin->sin_addr = *v4;
		sin->sin_port = htons(port);
		return sizeof(*sin);
	}
	{
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)sa;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = a->a6;
		sin6->sin6_port = htons(port);
		return sizeof(*sin6);
	}
}

/**
 * inany_from_sockaddr() - Address and port of a socket address
 * @sa:		Socket address, AF_INET or AF_INET6 (an IPv4-mapped IPv6
 *		address is the same IPv4 address: one inany value for both)
 * @a:		Address, output
 * @port:	Port, host order, output
 *
 * Return: 0 on success, -1 for another address family (outputs untouched)
 */
int inany_from_sockaddr(const struct sockaddr_storage *sa,
			union inany_addr *a, uint16_t *port)
{
	if (sa->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		inany_from_v4(a, sin->sin_addr);
		*port = ntohs(sin->sin_port);
		return 0;
	}
	if (sa->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 =
			(const struct sockaddr_in6 *)sa;

		inany_from_v6(a, &sin6->sin6_addr);
		*port = ntohs(sin6->sin6_port);
		return 0;
	}
	return -1;
}
