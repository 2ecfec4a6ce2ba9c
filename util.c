/* SPDX-License-Identifier: GPL-2.0-or-later */
/* util.c - Helpers that know no protocol */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>

#include "util.h"

/**
 * util_now_ms() - The one clock: monotonic time in milliseconds
 *
 * #syscalls clock_gettime
 * Return: milliseconds since an arbitrary start, never going back
 */
uint64_t util_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/**
 * util_interval_due() - Has a periodic interval, driven by a tick, passed?
 * @next_ms:	Time of the next pass, 0 before the first; moved on a pass
 * @interval_ms:	Interval, milliseconds
 * @now_ms:	Current time (util_now_ms()), milliseconds
 * @tick_ms:	Period of the tick that calls this, milliseconds
 *
 * Due at the first call and then once per interval, counted in whole ticks:
 * a tick that comes a little early (timer jitter, up to half a tick) still
 * counts, or an interval of one tick would pass every other tick. After a
 * stall it is due once, not once per missed interval.
 *
 * Return: true if due now
 */
bool util_interval_due(uint64_t *next_ms, uint64_t interval_ms,
		       uint64_t now_ms, uint64_t tick_ms)
{
	if (*next_ms && now_ms + tick_ms / 2 < *next_ms)
		return false;
	*next_ms = now_ms + interval_ms;
	return true;
}

/**
 * util_epoll_add() - Register a descriptor with its owner reference
 * @epollfd:	epoll instance
 * @fd:		Descriptor to add
 * @events:	epoll events of interest
 * @ref:	Owner reference, stored as the event's data
 *
 * #syscalls epoll_ctl
 * Return: 0 on success, -errno on failure
 */
int util_epoll_add(int epollfd, int fd, uint32_t events, union epoll_ref ref)
{
	struct epoll_event ev = { .events = events, .data.u64 = ref.u64 };

	if (epoll_ctl(epollfd, EPOLL_CTL_ADD, fd, &ev))
		return -errno;
	return 0;
}

/**
 * util_epoll_mod() - Change the events of interest of a descriptor
 * @epollfd:	epoll instance
 * @fd:		Registered descriptor
 * @events:	New epoll events of interest
 * @ref:	Owner reference, stored as the event's data
 *
 * #syscalls epoll_ctl
 * Return: 0 on success, -errno on failure
 */
int util_epoll_mod(int epollfd, int fd, uint32_t events, union epoll_ref ref)
{
	struct epoll_event ev = { .events = events, .data.u64 = ref.u64 };

	if (epoll_ctl(epollfd, EPOLL_CTL_MOD, fd, &ev))
		return -errno;
	return 0;
}

/**
 * util_epoll_del() - Remove a descriptor from epoll, ignoring errors
 * @epollfd:	epoll instance
 * @fd:		Descriptor to remove
 *
 * #syscalls epoll_ctl
 */
void util_epoll_del(int epollfd, int fd)
{
	epoll_ctl(epollfd, EPOLL_CTL_DEL, fd, NULL);
}

/**
 * util_mac_ntop() - Format a MAC address
 * @mac:	Address
 * @buf:	Output buffer, at least MAC_STR_LEN bytes
 * @len:	Size of @buf
 *
 * Return: @buf
 */
const char *util_mac_ntop(const uint8_t mac[6], char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return buf;
}

/**
 * util_mac_pton() - Parse a MAC address "xx:xx:xx:xx:xx:xx"
 * @s:		String
 * @mac:	Output
 *
 * Return: 0 on success, -EINVAL if @s is not a unicast-or-not MAC address
 */
int util_mac_pton(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;
	int i;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &tail) != 6)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		if (s[i * 3] == ' ' || s[i * 3] == '+' || s[i * 3] == '-')
			return -EINVAL;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

/**
 * util_mac_is_zero() - Is a MAC address all zeroes?
 * @mac:	Address
 *
 * Return: true if zero
 */
bool util_mac_is_zero(const uint8_t mac[6])
{
	static const uint8_t zero[6];

	return !memcmp(mac, zero, 6);
}

/**
 * util_prefix_to_mask4() - IPv4 prefix length to netmask
 * @prefix_len:	Prefix length, 0..32
 * @mask:	Output netmask
 *
 * Return: 0 on success, -EINVAL if out of range
 */
int util_prefix_to_mask4(int prefix_len, struct in_addr *mask)
{
	if (prefix_len < 0 || prefix_len > 32)
		return -EINVAL;
	mask->s_addr = prefix_len ? htonl(~0U << (32 - prefix_len)) : 0;
	return 0;
}

/**
 * util_mask4_to_prefix() - IPv4 netmask to prefix length
 * @mask:	Netmask
 *
 * Return: prefix length, -EINVAL if the mask is not contiguous
 */
int util_mask4_to_prefix(struct in_addr mask)
{
	uint32_t m = ntohl(mask.s_addr);
	int n = 0;

	while (m & 0x80000000U) {
		n++;
		m <<= 1;
	}
	return m ? -EINVAL : n;
}

/**
 * util_in6_same_prefix() - Do two IPv6 addresses share a prefix?
 * @a:		First address
 * @b:		Second address
 * @prefix_len:	Prefix length, 0..128
 *
 * Return: true if the first @prefix_len bits match
 */
bool util_in6_same_prefix(const struct in6_addr *a, const struct in6_addr *b,
			  int prefix_len)
{
	int bytes = prefix_len / 8, bits = prefix_len % 8;

	if (prefix_len < 0 || prefix_len > 128)
		return false;
	if (memcmp(a->s6_addr, b->s6_addr, (size_t)bytes))
		return false;
	if (!bits)
		return true;
	return !((a->s6_addr[bytes] ^ b->s6_addr[bytes]) &
		 (uint8_t)(0xff << (8 - bits)));
}

/**
 * util_parse_u32() - Parse a decimal number with an upper bound
 * @s:		String, digits only
 * @max:	Largest accepted value
 * @out:	Parsed value
 *
 * Return: 0 on success, -EINVAL if not a number, -ERANGE if above @max
 */
int util_parse_u32(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')	/* also rejects "" */
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/**
 * util_key_init() - Fill a secret key from the kernel's random source
 * @key:	Key, output
 * @len:	Length, bytes, at most 256 (getrandom() never returns less)
 *
 * Keys that keep a guest from predicting our choices (hash slots, TCP
 * initial sequence numbers) have no weaker fallback: callers end start-up
 * when this fails.
 *
 * Context: start-up.
 * Return: 0 on success, -errno on failure
 */
int util_key_init(void *key, size_t len)
{
	ssize_t n = getrandom(key, len, 0);

	if (n < 0)
		return -errno;
	return n == (ssize_t)len ? 0 : -EIO;
}

/**
 * util_write_all() - Write a whole buffer to a blocking descriptor
 * @fd:		Descriptor
 * @buf:	Data
 * @len:	Length, bytes
 *
 * #syscalls write
 * Return: 0 on success, -errno on failure
 */
int util_write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/**
 * util_ll_from_mac() - Our link-local address: fe80::/64 with EUI-64
 * @mac:	Our MAC address
 * @ll:		Filled link-local address (RFC 4291 Appendix A)
 */
void util_ll_from_mac(const uint8_t mac[6], struct in6_addr *ll)
{
	memset(ll, 0, sizeof(*ll));
	ll->s6_addr[0] = 0xfe;
	ll->s6_addr[1] = 0x80;
	ll->s6_addr[8] = mac[0] ^ 0x02;
	ll->s6_addr[9] = mac[1];
	ll->s6_addr[10] = mac[2];
	ll->s6_addr[11] = 0xff;
	ll->s6_addr[12] = 0xfe;
	ll->s6_addr[13] = mac[3];
	ll->s6_addr[14] = mac[4];
	ll->s6_addr[15] = mac[5];
}
