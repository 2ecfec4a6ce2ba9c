// SPDX-License-Identifier: GPL-2.0-or-later
/* test/perf/rr.c - Request/response and connection-rate benchmark tool
 *
 *   rr -s PORT                      serve: echo every byte back, forever;
 *                                   on PORT + 1000, echo once, then close
 *   rr -c ADDR PORT SECONDS rr      1-byte transactions on one connection
 *   rr -c ADDR PORT SECONDS crr     connect to PORT + 1000, 1-byte exchange,
 *                                   wait for the server's close, close
 *   rr -c ADDR PORT N hold          open N connections, check each, keep
 *                                   them open, measure crr to PORT + 1 for
 *                                   3 s, then check each again: prints
 *                                   "held N open_s S" and "usable N
 *                                   conn_per_s_while_held R"
 *
 * Prints "rate N/s p50_us N p99_us N count N". The server handles any number
 * of connections with epoll: it is never the limit.
 *
 * In crr the server closes first (as an HTTP/1.0 server does), so that
 * TIME_WAIT stays on the server's side. With the client closing first, every
 * connection left a TIME_WAIT socket in the client's namespace, and, through
 * the daemon, in the host's: tens of thousands of them within a minute, for
 * one destination address and port, ran the source ports out and made the
 * rate of each contender depend on how many connections the ones before it
 * had opened (it fell eightfold from one round to the next).
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RR_HOLD_MAX	65536	/* hold mode: connections held at once */
#define RR_SAMPLES_MAX	(1 << 22)	/* latency samples kept */
#define RR_FD_MAX	(RR_HOLD_MAX + 64)	/* server descriptors */
#define RR_ONCE_PORT	1000	/* PORT + this: echo once, then close */

static unsigned int rr_samples[RR_SAMPLES_MAX];
static unsigned char rr_once[RR_FD_MAX];	/* server: close after echo */

/**
 * rr_now_ns() - Monotonic time
 *
 * Return: nanoseconds
 */
static unsigned long long rr_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL +
	       (unsigned long long)ts.tv_nsec;
}

/**
 * rr_listen() - Listening socket on all addresses, IPv4 and IPv6
 * @port:	TCP port
 *
 * Return: socket, -1 on failure
 */
static int rr_listen(int port)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6,
				  .sin6_port = htons((uint16_t)port) };
	int one = 1, lfd;

	lfd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(lfd, 4096)) {
		perror("rr: bind/listen");
		close(lfd);
		return -1;
	}
	return lfd;
}

/**
 * rr_accept() - Accept every pending connection, watch each with epoll
 * @efd:	epoll descriptor
 * @lfd:	Listening socket
 * @once:	Connections echo once, then close
 */
static void rr_accept(int efd, int lfd, int once)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int one = 1, s;

	while ((s = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
		if (s >= RR_FD_MAX) {
			close(s);
			continue;
		}
		setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		rr_once[s] = (unsigned char)once;
		ev.data.fd = s;
		epoll_ctl(efd, EPOLL_CTL_ADD, s, &ev);
	}
}

/**
 * rr_serve() - Echo server: PORT echoes forever, PORT + RR_ONCE_PORT echoes
 *		once and closes; any number of connections (epoll)
 * @port:	TCP port
 *
 * Return: 1 on failure, never returns otherwise
 */
static int rr_serve(int port)
{
	struct rlimit rl = { RR_FD_MAX, RR_FD_MAX };
	struct epoll_event ev = { .events = EPOLLIN }, evs[256];
	int lfd, ofd, efd, i, n;

	/* Serves every connection a held client opens: as many descriptors */
	setrlimit(RLIMIT_NOFILE, &rl);
	if ((lfd = rr_listen(port)) < 0 ||
	    (ofd = rr_listen(port + RR_ONCE_PORT)) < 0)
		return 1;
	efd = epoll_create1(0);
	ev.data.fd = lfd;
	epoll_ctl(efd, EPOLL_CTL_ADD, lfd, &ev);
	ev.data.fd = ofd;
	epoll_ctl(efd, EPOLL_CTL_ADD, ofd, &ev);
	for (;;) {
		n = epoll_wait(efd, evs, 256, -1);
		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			char buf[4096];
			ssize_t r;

			if (fd == lfd || fd == ofd) {
				rr_accept(efd, fd, fd == ofd);
				continue;
			}
			r = read(fd, buf, sizeof(buf));
			if (r < 0 && errno == EAGAIN)
				continue;
			if (r <= 0 || write(fd, buf, (size_t)r) != r ||
			    rr_once[fd])
				close(fd);
		}
	}
}

/**
 * rr_connect() - Connect to the server
 * @addr:	IPv4 or IPv6 address string
 * @port:	Port
 *
 * Return: socket, -1 on failure
 */
static int rr_connect(const char *addr, int port)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons((uint16_t)port) };
	struct sockaddr_in a4 = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port) };
	int one = 1, s;

	if (inet_pton(AF_INET, addr, &a4.sin_addr) == 1) {
		s = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(s, (struct sockaddr *)&a4, sizeof(a4))) {
			close(s);
			return -1;
		}
	} else if (inet_pton(AF_INET6, addr, &a6.sin6_addr) == 1) {
		s = socket(AF_INET6, SOCK_STREAM, 0);
		if (connect(s, (struct sockaddr *)&a6, sizeof(a6))) {
			close(s);
			return -1;
		}
	} else {
		return -1;
	}
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return s;
}

/**
 * rr_cmp() - qsort comparison of latency samples
 * @a:		First sample
 * @b:		Second sample
 *
 * Return: <0, 0, >0
 */
static int rr_cmp(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

/**
 * rr_client() - Run transactions for a while and print rate and latency
 * @addr:	Server address
 * @port:	Port
 * @secs:	Duration, seconds
 * @crr:	New connection per transaction
 *
 * Return: 0 on success, 1 on failure
 */
static int rr_client(const char *addr, int port, double secs, int crr)
{
	unsigned long long start = rr_now_ns(), end, t0, t1;
	unsigned long count = 0, fails = 0;
	int s = -1;
	char c = 'x';

	end = start + (unsigned long long)(secs * 1e9);
	if (crr)
		port += RR_ONCE_PORT;
	while ((t0 = rr_now_ns()) < end) {
		if (s < 0 && (s = rr_connect(addr, port)) < 0) {
			if (++fails > 100) {
				fprintf(stderr, "rr: connect failed\n");
				return 1;
			}
			continue;
		}
		if (write(s, &c, 1) != 1 || read(s, &c, 1) != 1) {
			fprintf(stderr, "rr: transaction failed: %s\n",
				strerror(errno));
			return 1;
		}
		t1 = rr_now_ns();
		if (count < RR_SAMPLES_MAX)
			rr_samples[count] = (unsigned int)((t1 - t0) / 1000);
		count++;
		if (crr) {
			/* The server closes first: wait for its FIN */
			if (read(s, &c, 1) != 0) {
				fprintf(stderr, "rr: no close from server\n");
				return 1;
			}
			close(s);
			s = -1;
		}
	}
	if (!count)
		return 1;
	t1 = rr_now_ns();
	{
		unsigned long n = count < RR_SAMPLES_MAX ? count :
							   RR_SAMPLES_MAX;

		qsort(rr_samples, n, sizeof(rr_samples[0]), rr_cmp);
		printf("rate %.0f p50_us %u p99_us %u count %lu\n",
		       (double)count * 1e9 / (double)(t1 - start),
		       rr_samples[n / 2], rr_samples[n * 99 / 100], count);
	}
	return 0;
}

static int rr_held[RR_HOLD_MAX];

/**
 * rr_echo_ok() - One 1-byte exchange on a connection
 * @s:		Connected socket
 *
 * Return: 1 if the byte came back, 0 otherwise
 */
static int rr_echo_ok(int s)
{
	char c = 'h';

	return write(s, &c, 1) == 1 && read(s, &c, 1) == 1 && c == 'h';
}

/**
 * rr_hold() - Hold many connections open, measure the connection rate
 * @addr:	Server address
 * @port:	Port
 * @n:		Connections to hold
 *
 * Return: 0 if every connection was opened and stayed usable, else 1
 */
static int rr_hold(const char *addr, int port, int n)
{
	struct rlimit rl = { RR_HOLD_MAX + 64, RR_HOLD_MAX + 64 };
	unsigned long long t0 = rr_now_ns(), t1, end;
	int i, held = 0, usable = 0;
	unsigned long crr = 0;

	setrlimit(RLIMIT_NOFILE, &rl);
	if (n > RR_HOLD_MAX)
		n = RR_HOLD_MAX;
	for (i = 0; i < n; i++) {
		int s = rr_connect(addr, port);

		if (s < 0 || !rr_echo_ok(s)) {
			fprintf(stderr, "rr: connection %d failed: %s\n", i,
				strerror(errno));
			if (s >= 0)
				close(s);
			break;
		}
		rr_held[held++] = s;
	}
	t1 = rr_now_ns();
	printf("held %d open_s %.1f\n", held, (double)(t1 - t0) / 1e9);
	fflush(stdout);

	/* New connections go to the next port: the kernel shares a local port
	 * between connections to different peers, so that connect() needs
	 * not hunt for a port among the N held ones (which then costs more
	 * than anything the daemon does)
	 */
	end = t1 + 3000000000ULL;
	while (rr_now_ns() < end) {
		int s = rr_connect(addr, port + 1 + RR_ONCE_PORT);
		char c;

		if (s < 0)
			break;
		if (rr_echo_ok(s) && read(s, &c, 1) == 0)	/* as crr */
			crr++;
		close(s);
	}
	for (i = 0; i < held; i++)
		usable += rr_echo_ok(rr_held[i]);
	printf("usable %d conn_per_s_while_held %.0f\n", usable,
	       (double)crr / 3.0);
	for (i = 0; i < held; i++)
		close(rr_held[i]);
	return held == n && usable == n ? 0 : 1;
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
	if (argc == 3 && !strcmp(argv[1], "-s"))
		return rr_serve(atoi(argv[2]));
	if (argc == 6 && !strcmp(argv[1], "-c") && !strcmp(argv[5], "hold"))
		return rr_hold(argv[2], atoi(argv[3]), atoi(argv[4]));
	if (argc == 6 && !strcmp(argv[1], "-c"))
		return rr_client(argv[2], atoi(argv[3]), atof(argv[4]),
				 !strcmp(argv[5], "crr"));
	fprintf(stderr, "usage: rr -s PORT | rr -c ADDR PORT SECONDS rr|crr | "
		"rr -c ADDR PORT N hold\n");
	return 1;
}
