/* SPDX-License-Identifier: GPL-2.0-or-later */
/* util.h - Helpers that know no protocol */

#ifndef UTIL_H
#define UTIL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "epoll_ctl.h"

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define MIN(a, b)		((a) < (b) ? (a) : (b))
#define MAX(a, b)		((a) > (b) ? (a) : (b))
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))

#define MAC_STR_LEN		18	/* "xx:xx:xx:xx:xx:xx" and NUL */
#define ADDR_STR_LEN		INET6_ADDRSTRLEN

uint64_t util_now_ms(void);
bool util_interval_due(uint64_t *next_ms, uint64_t interval_ms,
		       uint64_t now_ms, uint64_t tick_ms);
int util_epoll_add(int epollfd, int fd, uint32_t events, union epoll_ref ref);
int util_epoll_mod(int epollfd, int fd, uint32_t events, union epoll_ref ref);
void util_epoll_del(int epollfd, int fd);
const char *util_mac_ntop(const uint8_t mac[6], char *buf, size_t len);
void util_ll_from_mac(const uint8_t mac[6], struct in6_addr *ll);
int util_mac_pton(const char *s, uint8_t mac[6]);
bool util_mac_is_zero(const uint8_t mac[6]);
int util_prefix_to_mask4(int prefix_len, struct in_addr *mask);
int util_mask4_to_prefix(struct in_addr mask);
bool util_in6_same_prefix(const struct in6_addr *a, const struct in6_addr *b,
			  int prefix_len);
int util_parse_u32(const char *s, unsigned long max, unsigned long *out);
int util_key_init(void *key, size_t len);
int util_write_all(int fd, const void *buf, size_t len);

/* Unaligned big-endian access into guest frames */
static inline uint16_t util_get_be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t util_get_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | p[3];
}

static inline void util_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void util_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Little-endian store, for virtio headers */
static inline void util_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

#endif /* UTIL_H */
