/* SPDX-License-Identifier: GPL-2.0-or-later */
/* inany.h - IPv4 or IPv6 addresses in one type, and socket addresses
 *
 * The bottom of the module graph: no module of ours below it. Flows,
 * forwarding rules and the protocol handlers all name endpoints this way.
 */

#ifndef INANY_H
#define INANY_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

/*
 * union inany_addr - An IPv4 or IPv6 address in one type
 *
 * IPv4 addresses are held as IPv4-mapped IPv6 addresses (::ffff:a.b.c.d,
 * RFC 4291 §2.5.5.2), so that one comparison and one hash cover both.
 */
union inany_addr {
	struct in6_addr a6;
	struct {
		uint8_t zero[10];
		uint8_t one[2];
		struct in_addr a4;
	} v4mapped;
	uint32_t u32[4];
};

_Static_assert(sizeof(union inany_addr) == sizeof(struct in6_addr),
	       "inany_addr must be exactly an IPv6 address");

#define INANY_STR_LEN	INET6_ADDRSTRLEN

/**
 * inany_from_v4() - Make an inany address from an IPv4 address
 * @a:		Output
 * @v4:		IPv4 address
 */
static inline void inany_from_v4(union inany_addr *a, struct in_addr v4)
{
	memset(a->v4mapped.zero, 0, sizeof(a->v4mapped.zero));
	memset(a->v4mapped.one, 0xff, sizeof(a->v4mapped.one));
	a->v4mapped.a4 = v4;
}

/**
 * inany_from_v6() - Make an inany address from an IPv6 address
 * @a:		Output
 * @v6:		IPv6 address
 */
static inline void inany_from_v6(union inany_addr *a,
				 const struct in6_addr *v6)
{
	a->a6 = *v6;
}

/**
 * inany_v4() - The IPv4 address held, if any
 * @a:		Address
 *
 * Return: pointer to the IPv4 address if @a is IPv4-mapped, else NULL
 */
static inline const struct in_addr *inany_v4(const union inany_addr *a)
{
	if (!IN6_IS_ADDR_V4MAPPED(&a->a6))
		return NULL;
	return &a->v4mapped.a4;
}

/**
 * inany_is_v4() - Is this an IPv4 (mapped) address?
 * @a:		Address
 *
 * Return: true if IPv4-mapped
 */
static inline bool inany_is_v4(const union inany_addr *a)
{
	return IN6_IS_ADDR_V4MAPPED(&a->a6);
}

/**
 * inany_equals() - Compare two addresses
 * @a:		First address
 * @b:		Second address
 *
 * Return: true if equal
 */
static inline bool inany_equals(const union inany_addr *a,
				const union inany_addr *b)
{
	return !memcmp(a, b, sizeof(*a));
}

void inany_any(union inany_addr *a, bool v4);
void inany_loopback(union inany_addr *a, bool v4);
bool inany_is_loopback(const union inany_addr *a);
const char *inany_ntop(const union inany_addr *a, char *buf, size_t len);
socklen_t inany_to_sockaddr(const union inany_addr *a, uint16_t port,
			    struct sockaddr_storage *sa);
int inany_from_sockaddr(const struct sockaddr_storage *sa,
			union inany_addr *a, uint16_t *port);

#endif /* INANY_H */
