// SPDX-License-Identifier: GPL-2.0-or-later
/* test/perf/udprr.c - UDP request/response benchmark tool
 *
 *   udprr -s PORT [ADDR]            serve: echo every datagram, forever,
 *                                   on ADDR (IPv4 or IPv6) or on all
 *                                   addresses (answers then leave from the
 *                                   address routing picks)
 *   udprr -c ADDR PORT SECONDS      1-byte transactions, one at a time,
 *                                   from one connected socket
 *
 * The client prints "rate N/s p50_us N p99_us N count N lost N": a request
 * with no answer within UDPRR_TIMEOUT_MS counts as lost and is sent again
 * (a late answer to it is recognised by its sequence byte and ignored).
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define UDPRR_SAMPLES_MAX	(1 << 22)	/* latency samples kept */
#define UDPRR_TIMEOUT_MS	200		/* answer deadline, ms */
#define UDPRR_BATCH		64		/* datagrams per recvmmsg() */

static unsigned int udprr_samples[UDPRR_SAMPLES_MAX];

/**
 * udprr_now_ns() - Monotonic time
 *
 * Return: nanoseconds
 */
static unsigned long long udprr_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL +
	       (unsigned long long)ts.tv_nsec;
}

/**
 * udprr_socket() - UDP socket connected to, or bound to, an address
 * @addr:	IPv4 or IPv6 address string
 * @port:	Port
 * @do_connect:	Connect if set, else bind
 *
 * Return: socket, -1 on failure
 */
static int udprr_socket(const char *addr, int port, int do_connect)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons((uint16_t)port) };
	struct sockaddr_in a4 = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port) };
	struct sockaddr *sa;
	socklen_t sl;
	int s;

	if (inet_pton(AF_INET, addr, &a4.sin_addr) == 1) {
		sa = (struct sockaddr *)&a4;
		sl = sizeof(a4);
	} else if (inet_pton(AF_INET6, addr, &a6.sin6_addr) == 1) {
		sa = (struct sockaddr *)&a6;
		sl = sizeof(a6);
	} else {
		return -1;
	}
	s = socket(sa->sa_family, SOCK_DGRAM, 0);
	if (s < 0)
		return -1;
	if (do_connect ? connect(s, sa, sl) : bind(s, sa, sl)) {
		close(s);
		return -1;
	}
	return s;
}

/**
 * udprr_serve() - Echo server
 * @port:	UDP port
 * @addr:	Address to bind, NULL for all IPv4 and IPv6 addresses
 *
 * Return: 1 on failure, never returns otherwise
 */
static int udprr_serve(int port, const char *addr)
{
	static struct sockaddr_in6 peers[UDPRR_BATCH];
	static char bufs[UDPRR_BATCH][2048];
	struct sockaddr_in6 a = { .sin6_family = AF_INET6,
				  .sin6_port = htons((uint16_t)port) };
	struct mmsghdr msgs[UDPRR_BATCH];
	struct iovec iov[UDPRR_BATCH];
	int s, i, n;

	if (addr) {
		s = udprr_socket(addr, port, 0);
	} else {
		s = socket(AF_INET6, SOCK_DGRAM, 0);
		if (s >= 0 && bind(s, (struct sockaddr *)&a, sizeof(a))) {
			close(s);
			s = -1;
		}
	}
	if (s < 0) {
		perror("udprr: bind");
		return 1;
	}
	for (;;) {
		for (i = 0; i < UDPRR_BATCH; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = sizeof(bufs[i]);
			memset(&msgs[i], 0, sizeof(msgs[i]));
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_name = &peers[i];
			msgs[i].msg_hdr.msg_namelen = sizeof(peers[i]);
		}
		n = recvmmsg(s, msgs, UDPRR_BATCH, MSG_WAITFORONE, NULL);
		if (n <= 0)
			continue;
		for (i = 0; i < n; i++)
			iov[i].iov_len = msgs[i].msg_len;
		sendmmsg(s, msgs, (unsigned int)n, 0);
	}
}

/**
 * udprr_cmp() - qsort comparison of latency samples
 * @a:		First sample
 * @b:		Second sample
 *
 * Return: <0, 0, >0
 */
static int udprr_cmp(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

/**
 * udprr_client() - Run transactions for a while, print rate and latency
 * @addr:	Server address
 * @port:	Port
 * @secs:	Duration, seconds
 *
 * Return: 0 on success, 1 on failure
 */
static int udprr_client(const char *addr, int port, double secs)
{
	unsigned long long start = udprr_now_ns(), end, t0, t1;
	unsigned long count = 0, lost = 0, n;
	struct pollfd pfd;
	uint8_t seq = 0;
	int s;

	s = udprr_socket(addr, port, 1);
	if (s < 0) {
		fprintf(stderr, "udprr: cannot connect\n");
		return 1;
	}
	pfd.fd = s;
	pfd.events = POLLIN;
	end = start + (unsigned long long)(secs * 1e9);
	while ((t0 = udprr_now_ns()) < end) {
		uint8_t c = ++seq;

		if (send(s, &c, 1, 0) != 1) {
			/* ICMP unreachable reported on the socket: retry */
			if (++lost > 1000) {
				fprintf(stderr, "udprr: send: %s\n",
					strerror(errno));
				return 1;
			}
			continue;
		}
		for (;;) {
			uint8_t r;

			if (poll(&pfd, 1, UDPRR_TIMEOUT_MS) <= 0) {
				lost++;
				break;
			}
			if (recv(s, &r, 1, 0) != 1)
				continue;	/* error queued: poll again */
			if (r != c)
				continue;	/* late answer to a lost one */
			t1 = udprr_now_ns();
			if (count < UDPRR_SAMPLES_MAX)
				udprr_samples[count] =
					(unsigned int)((t1 - t0) / 1000);
			count++;
			break;
		}
	}
	if (!count) {
		fprintf(stderr, "udprr: no answer\n");
		return 1;
	}
	t1 = udprr_now_ns();
	n = count < UDPRR_SAMPLES_MAX ? count : UDPRR_SAMPLES_MAX;
	qsort(udprr_samples, n, sizeof(udprr_samples[0]), udprr_cmp);
	printf("rate %.0f p50_us %u p99_us %u count %lu lost %lu\n",
	       (double)count * 1e9 / (double)(t1 - start), udprr_samples[n / 2],
	       udprr_samples[n * 99 / 100], count, lost);
	return 0;
}

/**
 * main() - Parse the mode and run it
 * @argc:	Argument count
 * @argv:	Arguments
 *
 * Return: exit status
 */
int main(int argc, char **argv)
{
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "-s"))
		return udprr_serve(atoi(argv[2]), argc == 4 ? argv[3] : NULL);
	if (argc == 5 && !strcmp(argv[1], "-c"))
		return udprr_client(argv[2], atoi(argv[3]), atof(argv[4]));
	fprintf(stderr, "usage: udprr -s PORT [ADDR] | udprr -c ADDR PORT SECONDS\n");
	return 1;
}
