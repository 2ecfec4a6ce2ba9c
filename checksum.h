/* SPDX-License-Identifier: GPL-2.0-or-later */
/* checksum.h - Internet checksum (RFC 1071) and pseudo-headers */

#ifndef CHECKSUM_H
#define CHECKSUM_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void csum_simd(bool on);
uint32_t csum_partial(const void *buf, size_t len, uint32_t init);
uint16_t csum_fold(uint32_t sum);
uint16_t csum(const void *buf, size_t len, uint32_t init);
uint32_t csum_pseudo4(struct in_addr src, struct in_addr dst, uint8_t proto,
		      uint16_t l4_len);
uint32_t csum_pseudo6(const struct in6_addr *src, const struct in6_addr *dst,
		      uint8_t proto, uint32_t l4_len);
uint16_t csum_l4_4(struct in_addr src, struct in_addr dst, uint8_t proto,
		   const void *l4, size_t l4_len);
uint16_t csum_l4_6(const struct in6_addr *src, const struct in6_addr *dst,
		   uint8_t proto, const void *l4, size_t l4_len);

#endif /* CHECKSUM_H */
