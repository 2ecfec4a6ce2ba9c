/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tapbridge.c - Test tool: relay a tap device to a qemu-framed unix socket
 *
 * Usage: tapbridge -i IFNAME -s SOCKPATH [-m MAC] [-n MTU] [-r] [-R NETNS]
 *                  [IMPAIRMENT]
 *        (SOCKPATH "fd:N": descriptor N, inherited and already connected,
 *        as qemu's -netdev passt gives the daemon; no -r then)
 *        tapbridge -l -i IFNAME -s SOCKPATH [-m MAC] [-n MTU] [IMPAIRMENT]
 *
 * Creates tap device IFNAME in the current network namespace, optionally
 * sets its MAC address and MTU, brings it up, connects to the unix stream
 * socket SOCKPATH and relays Ethernet frames both ways with qemu's stream
 * framing (32-bit big-endian length, then the frame).
 *
 * Both descriptors are non-blocking and served by one poll() loop, with a
 * bounded buffer per direction: while the socket does not take our data, we
 * stop reading the tap (its kernel queue then drops, as it does for qemu), but
 * we keep writing frames from the socket to the tap. Frames the tap refuses
 * are dropped. Exits 0 when the socket closes (or, with -r, reconnects for up
 * to 10 s) and on SIGTERM/SIGINT, 1 on errors, 2 if the daemon sends a bad
 * frame length; prints frame counters to stderr on exit.
 *
 * With -R NETNS (a path like /run/netns/NAME), the bridge can "reboot" the
 * guest while the socket stays connected, as a VM reboot does under qemu:
 * SIGUSR1 closes the tap (the device and everything the guest's stack had
 * on it vanish; frames from the socket are dropped meanwhile), SIGUSR2
 * enters NETNS (the test may have recreated it) and creates the tap there.
 *
 * With -l, the bridge takes the daemon's place instead: it listens on
 * SOCKPATH, accepts one connection (another bridge, the "guest"), relays it
 * to its own tap device, and exits when that connection closes. The kernel
 * of the listening side's namespace then routes the guest's packets: the
 * benchmarks' "relay" contender, a daemon that does nothing but one read()
 * and one write() per frame, the floor for latency through this bed.
 *
 * IMPAIRMENT (--loss, --reorder, --dup, --dir, --seed; see impair.h) makes
 * the link between the tap and the socket lose, reorder or duplicate TCP
 * frames: "out" is tap to socket (from the guest), "in" socket to tap.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "impair.h"

#define TB_LEN_PREFIX		4		/* bytes */
#define TB_FRAME_MAX		(65535 + 14)	/* bytes, framing limit */
#define TB_BUF_BYTES		(1024 * 1024)	/* bytes, per direction */
#define TB_RECONNECT_MS		10000		/* ms, -r retry window */
#define TB_RETRY_STEP_MS	50		/* ms between attempts */

/**
 * struct tb_buf - Byte buffer for one direction: data in [head, tail)
 * @data:	Storage
 * @head:	Offset of the first byte not yet consumed
 * @tail:	Offset past the last byte stored
 */
struct tb_buf {
	uint8_t data[TB_BUF_BYTES];
	size_t head;
	size_t tail;
};

static struct tb_buf tb_to_sock;	/* framed frames toward the socket */
static struct tb_buf tb_from_sock;	/* framed bytes from the socket */
static volatile sig_atomic_t tb_stop;
static volatile sig_atomic_t tb_power_off, tb_power_on;	/* -R: SIGUSR1/2 */
static int tb_fd_tap = -1;		/* -1 while powered off */
static const char *tb_ifname, *tb_netns;
static const uint8_t *tb_mac;
static int tb_mtu;
static unsigned long tb_n_tap_in, tb_n_sock_in, tb_n_tap_drop, tb_n_conn;

/**
 * tb_on_signal() - SIGTERM/SIGINT handler: ask the loop to stop
 * @sig:	Signal number, unused
 */
static void tb_on_signal(int sig)
{
	(void)sig;
	tb_stop = 1;
}

/**
 * tb_on_power() - SIGUSR1/SIGUSR2 handler (-R): power the guest off or on
 * @sig:	SIGUSR1 (off) or SIGUSR2 (on)
 */
static void tb_on_power(int sig)
{
	if (sig == SIGUSR1)
		tb_power_off = 1;
	else
		tb_power_on = 1;
}

/**
 * tb_die() - Print a message with errno text and exit 1
 * @what:	What failed
 */
static void tb_die(const char *what)
{
	fprintf(stderr, "tapbridge: %s: %s\n", what, strerror(errno));
	exit(1);
}

/**
 * tb_usage() - Print usage and exit 1
 */
static void tb_usage(void)
{
	fprintf(stderr, "usage: tapbridge [-l] -i IFNAME -s SOCKPATH "
		"[-m MAC] [-n MTU] [-r] [-R NETNS] " IMPAIR_USAGE "\n");
	exit(1);
}

/**
 * tb_parse_mac() - Parse "xx:xx:xx:xx:xx:xx"
 * @s:		String to parse
 * @mac:	Filled with the address
 *
 * Return: 0 on success, -1 on syntax error
 */
static int tb_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char end;
	int i;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2],
		   &b[3], &b[4], &b[5], &end) != 6)
		return -1;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

/**
 * tb_tap_open() - Create the tap device, set MAC and MTU, bring it up
 * @ifname:	Interface name
 * @mac:	MAC address to set, or NULL
 * @mtu:	MTU to set, or 0
 *
 * Return: non-blocking tap file descriptor; exits on failure
 */
static int tb_tap_open(const char *ifname, const uint8_t *mac, int mtu)
{
	struct ifreq ifr;
	int fd, s;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		tb_die("open /dev/net/tun");
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		tb_die("TUNSETIFF");

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		tb_die("socket");
	if (mac) {
		ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
		memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
		if (ioctl(s, SIOCSIFHWADDR, &ifr) < 0)
			tb_die("SIOCSIFHWADDR");
	}
	if (mtu) {
		ifr.ifr_mtu = mtu;
		if (ioctl(s, SIOCSIFMTU, &ifr) < 0)
			tb_die("SIOCSIFMTU");
	}
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		tb_die("SIOCGIFFLAGS");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		tb_die("SIOCSIFFLAGS");
	close(s);
	return fd;
}

/**
 * tb_sleep_ms() - Sleep, returning early on a signal
 * @ms:		Milliseconds
 */
static void tb_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/**
 * tb_connect() - Connect to the daemon's socket, retrying if asked
 * @path:	Socket path, or "fd:N" for inherited descriptor N
 * @retry_ms:	Keep retrying for this long, 0 for one attempt
 *
 * Return: non-blocking socket, or -1 (message printed) on failure
 */
static int tb_connect(const char *path, long retry_ms)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	long waited_ms = 0;
	int fd;

	if (strlen(path) >= sizeof(a.sun_path)) {
		fprintf(stderr, "tapbridge: socket path too long\n");
		return -1;
	}
	memcpy(a.sun_path, path, strlen(path) + 1);
	if (!strncmp(path, "fd:", 3)) {		/* inherited, connected */
		fd = atoi(path + 3);
		if (fd < 3 || fcntl(fd, F_GETFD) < 0 || retry_ms) {
			fprintf(stderr, "tapbridge: bad -s %s\n", path);
			return -1;
		}
		goto connected;
	}
	for (;;) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			tb_die("socket AF_UNIX");
		if (!connect(fd, (struct sockaddr *)&a, sizeof(a)))
			break;
		close(fd);
		if (waited_ms >= retry_ms || tb_stop) {
			fprintf(stderr, "tapbridge: connect %s: %s\n", path,
				strerror(errno));
			return -1;
		}
		tb_sleep_ms(TB_RETRY_STEP_MS);
		waited_ms += TB_RETRY_STEP_MS;
	}
connected:
	if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0)
		tb_die("fcntl O_NONBLOCK");
	tb_n_conn++;
	fprintf(stderr, "tapbridge: connected to %s\n", path);
	return fd;
}

/**
 * tb_listen_accept() - Listen on @path, accept one connection, stop listening
 * @path:	Socket path, replaced if it exists
 *
 * Return: non-blocking connected socket; exits on failure
 */
static int tb_listen_accept(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int l, fd;

	if (strlen(path) >= sizeof(a.sun_path)) {
		fprintf(stderr, "tapbridge: socket path too long\n");
		exit(1);
	}
	memcpy(a.sun_path, path, strlen(path) + 1);
	l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0)
		tb_die("socket AF_UNIX");
	unlink(path);
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1))
		tb_die(path);
	fprintf(stderr, "tapbridge: listening on %s\n", path);
	fd = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		tb_die("accept");
	close(l);
	unlink(path);
	tb_n_conn++;
	fprintf(stderr, "tapbridge: accepted on %s\n", path);
	return fd;
}

/**
 * tb_compact() - Move buffered bytes to the start of a buffer
 * @b:		Buffer
 */
static void tb_compact(struct tb_buf *b)
{
	if (!b->head)
		return;
	memmove(b->data, b->data + b->head, b->tail - b->head);
	b->tail -= b->head;
	b->head = 0;
}

/**
 * tb_out_append() - Append one frame, with its length, to the socket buffer
 * @f:		Frame
 * @len:	Its length
 *
 * The caller made sure it fits.
 */
static void tb_out_append(const uint8_t *f, size_t len)
{
	struct tb_buf *b = &tb_to_sock;

	b->data[b->tail] = (uint8_t)(len >> 24);
	b->data[b->tail + 1] = (uint8_t)(len >> 16);
	b->data[b->tail + 2] = (uint8_t)(len >> 8);
	b->data[b->tail + 3] = (uint8_t)len;
	memmove(b->data + b->tail + TB_LEN_PREFIX, f, len);
	b->tail += TB_LEN_PREFIX + len;
}

/**
 * tb_out_held() - Append the frame held back from the guest, if any
 * @due_only:	Only if it waited long enough (nothing overtook it)
 */
static void tb_out_held(bool due_only)
{
	const struct impair_held *h = impair_held_frame(IMPAIR_OUT, due_only);
	struct tb_buf *b = &tb_to_sock;

	if (!h)
		return;
	if (sizeof(b->data) - b->tail < TB_LEN_PREFIX + h->len)
		tb_compact(b);
	if (sizeof(b->data) - b->tail < TB_LEN_PREFIX + h->len)
		return;		/* next time */
	tb_out_append(h->buf, h->len);
	impair_release(IMPAIR_OUT);
}

/**
 * tb_tap_read() - Read frames from the tap into the socket-bound buffer
 * @fd_tap:	Tap descriptor
 *
 * Reads while a maximum-size frame still fits three times (a duplicate and
 * a held frame may follow it), each prefixed with its length.
 */
static void tb_tap_read(int fd_tap)
{
	const size_t room = 3 * (TB_LEN_PREFIX + TB_FRAME_MAX);
	struct tb_buf *b = &tb_to_sock;

	for (;;) {
		uint8_t *f;
		struct iovec iov;
		ssize_t n;

		if (sizeof(b->data) - b->tail < room)
			tb_compact(b);
		if (sizeof(b->data) - b->tail < room)
			return;
		f = b->data + b->tail + TB_LEN_PREFIX;
		n = read(fd_tap, f, TB_FRAME_MAX);
		if (n <= 0) {
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				tb_die("read tap");
			return;
		}
		tb_n_tap_in++;
		iov.iov_base = f;
		iov.iov_len = (size_t)n;
		switch (impair_decide(IMPAIR_OUT, f, (size_t)n)) {
		case IMPAIR_DROP:
			continue;
		case IMPAIR_HOLD:
			if (impair_hold(IMPAIR_OUT, &iov, 1))
				continue;
			tb_out_append(f, (size_t)n);
			break;
		case IMPAIR_DUP:
			tb_out_append(f, (size_t)n);
			tb_out_append(b->data + b->tail - n, (size_t)n);
			break;
		case IMPAIR_PASS:
		case IMPAIR_ACTS:
			tb_out_append(f, (size_t)n);
			break;
		}
		tb_out_held(false);
	}
}

/**
 * tb_sock_write() - Write buffered framed data to the socket
 * @fd_sock:	Socket
 *
 * Return: 0 on success or would-block, -1 if the peer is gone
 */
static int tb_sock_write(int fd_sock)
{
	struct tb_buf *b = &tb_to_sock;

	while (b->head < b->tail) {
		size_t len = b->tail - b->head;
		ssize_t n;

		n = send(fd_sock, b->data + b->head, len,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			return -1;
		}
		b->head += (size_t)n;
	}
	b->head = b->tail = 0;
	return 0;
}

/**
 * tb_tap_write() - Write one frame to the tap, counting a refusal
 * @fd_tap:	Tap descriptor, -1 while powered off
 * @f:		Frame
 * @len:	Its length
 */
static void tb_tap_write(int fd_tap, const uint8_t *f, size_t len)
{
	if (fd_tap < 0 || write(fd_tap, f, len) != (ssize_t)len)
		tb_n_tap_drop++;
}

/**
 * tb_in_held() - Write the frame held back from the daemon, if any
 * @fd_tap:	Tap descriptor
 * @due_only:	Only if it waited long enough (nothing overtook it)
 */
static void tb_in_held(int fd_tap, bool due_only)
{
	const struct impair_held *h = impair_held_frame(IMPAIR_IN, due_only);

	if (!h)
		return;
	tb_tap_write(fd_tap, h->buf, h->len);
	impair_release(IMPAIR_IN);
}

/**
 * tb_in_frame() - One frame from the socket to the tap, impaired if asked
 * @fd_tap:	Tap descriptor
 * @f:		Frame
 * @len:	Its length
 */
static void tb_in_frame(int fd_tap, const uint8_t *f, size_t len)
{
	struct iovec iov = { .iov_base = (void *)(uintptr_t)f,
			     .iov_len = len };

	switch (impair_decide(IMPAIR_IN, f, len)) {
	case IMPAIR_DROP:
		return;
	case IMPAIR_HOLD:
		if (impair_hold(IMPAIR_IN, &iov, 1))
			return;
		break;
	case IMPAIR_DUP:
		tb_tap_write(fd_tap, f, len);
		break;
	case IMPAIR_PASS:
	case IMPAIR_ACTS:
		break;
	}
	tb_tap_write(fd_tap, f, len);
	tb_in_held(fd_tap, false);
}

/**
 * tb_sock_read() - Read from the socket, write every complete frame to tap
 * @fd_sock:	Socket
 * @fd_tap:	Tap descriptor
 *
 * A bad length from the daemon is a bug there: exit 2 at once.
 *
 * Return: 0 while connected, -1 on end of stream or error
 */
static int tb_sock_read(int fd_sock, int fd_tap)
{
	struct tb_buf *b = &tb_from_sock;
	ssize_t n;

	tb_compact(b);
	n = recv(fd_sock, b->data + b->tail, sizeof(b->data) - b->tail,
		 MSG_DONTWAIT);
	if (n == 0)
		return -1;
	if (n < 0)
		return (errno == EAGAIN || errno == EINTR) ? 0 : -1;
	b->tail += (size_t)n;

	while (b->tail - b->head >= TB_LEN_PREFIX) {
		const uint8_t *p = b->data + b->head;
		uint32_t len = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
			       (uint32_t)p[2] << 8 | p[3];
		if (!len || len > TB_FRAME_MAX) {
			fprintf(stderr, "tapbridge: bad frame length %u from "
				"socket\n", len);
			exit(2);
		}
		if (b->tail - b->head < TB_LEN_PREFIX + len)
			break;
		tb_in_frame(fd_tap, p + TB_LEN_PREFIX, len);
		tb_n_sock_in++;
		b->head += TB_LEN_PREFIX + len;
	}
	return 0;
}

/**
 * tb_power_apply() - Act on SIGUSR1/SIGUSR2 (-R): close or recreate the tap
 */
static void tb_power_apply(void)
{
	if (tb_power_off) {
		tb_power_off = 0;
		if (tb_fd_tap >= 0) {
			close(tb_fd_tap);
			tb_fd_tap = -1;
			fprintf(stderr, "tapbridge: guest powered off\n");
		}
	}
	if (tb_power_on) {
		int ns;

		tb_power_on = 0;
		if (tb_fd_tap >= 0 || !tb_netns)
			return;
		ns = open(tb_netns, O_RDONLY | O_CLOEXEC);
		if (ns < 0)
			tb_die(tb_netns);
		if (setns(ns, CLONE_NEWNET))
			tb_die("setns");
		close(ns);
		tb_fd_tap = tb_tap_open(tb_ifname, tb_mac, tb_mtu);
		fprintf(stderr, "tapbridge: guest powered on\n");
	}
}

/**
 * tb_loop() - Relay until the socket closes or a signal arrives
 * @fd_sock:	Connected, non-blocking socket
 *
 * Return: 0 if stopped by a signal, -1 if the socket closed
 */
static int tb_loop(int fd_sock)
{
	struct pollfd pfd[2];

	while (!tb_stop) {
		int fd_tap;

		tb_power_apply();
		fd_tap = tb_fd_tap;
		size_t space = sizeof(tb_to_sock.data) - tb_to_sock.tail +
			       tb_to_sock.head;

		pfd[0].fd = fd_tap;
		pfd[0].events = space >= TB_LEN_PREFIX + TB_FRAME_MAX ?
				POLLIN : 0;
		pfd[1].fd = fd_sock;
		pfd[1].events = POLLIN;
		if (tb_to_sock.tail > tb_to_sock.head)
			pfd[1].events |= POLLOUT;
		if (poll(pfd, 2, impair_poll_ms(-1)) < 0) {
			if (errno == EINTR)
				continue;
			tb_die("poll");
		}
		tb_in_held(fd_tap, true);
		tb_out_held(true);
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))
			if (tb_sock_read(fd_sock, fd_tap))
				return -1;
		if (fd_tap < 0)
			continue;	/* powered off: frames dropped */
		if (pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
			fprintf(stderr, "tapbridge: tap device gone\n");
			exit(1);
		}
		if (pfd[0].revents & POLLIN)
			tb_tap_read(fd_tap);
		if (tb_to_sock.tail > tb_to_sock.head)
			if (tb_sock_write(fd_sock))
				return -1;
	}
	return 0;
}

/**
 * main() - Parse options, set up the tap device, relay
 * @argc:	Argument count
 * @argv:	Arguments
 *
 * Return: 0 on socket close or signal, 1 on error
 */
int main(int argc, char **argv)
{
	const char *ifname = NULL, *path = NULL;
	struct sigaction sa = { .sa_handler = tb_on_signal };
	uint8_t mac[6], *macp = NULL;
	int opt, mtu = 0, reconnect = 0, listen_mode = 0, fd_sock, rc = 0;
	char *end;

	static const struct option opts[] = {
		IMPAIR_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};

	while ((opt = getopt_long(argc, argv, "i:s:m:n:rR:l", opts,
				  NULL)) != -1) {
		switch (opt) {
		case 'l':
			listen_mode = 1;
			break;
		case 'i':
			ifname = optarg;
			break;
		case 's':
			path = optarg;
			break;
		case 'm':
			if (tb_parse_mac(optarg, mac))
				tb_usage();
			macp = mac;
			break;
		case 'n':
			mtu = (int)strtol(optarg, &end, 10);
			if (*end || mtu < 68 || mtu > 65535)
				tb_usage();
			break;
		case 'r':
			reconnect = 1;
			break;
		case 'R':
			tb_netns = optarg;
			break;
		default:
			if (impair_opt(opt, optarg))
				tb_usage();
		}
	}
	if (!ifname || !path || optind != argc || strlen(ifname) >= IFNAMSIZ ||
	    (listen_mode && (reconnect || tb_netns)))
		tb_usage();

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (tb_netns) {
		struct sigaction sp = { .sa_handler = tb_on_power };

		sigaction(SIGUSR1, &sp, NULL);
		sigaction(SIGUSR2, &sp, NULL);
	}

	tb_ifname = ifname;
	tb_mac = macp;
	tb_mtu = mtu;
	tb_fd_tap = tb_tap_open(ifname, macp, mtu);
	if (listen_mode)
		fd_sock = tb_listen_accept(path);
	else
		fd_sock = tb_connect(path, reconnect ? TB_RECONNECT_MS : 0);
	if (fd_sock < 0)
		return 1;

	while (tb_loop(fd_sock)) {
		close(fd_sock);
		fprintf(stderr, "tapbridge: socket closed\n");
		tb_to_sock.head = tb_to_sock.tail = 0;
		tb_from_sock.head = tb_from_sock.tail = 0;
		if (!reconnect)
			break;
		fd_sock = tb_connect(path, TB_RECONNECT_MS);
		if (fd_sock < 0) {
			rc = tb_stop ? 0 : 1;
			break;
		}
	}
	fprintf(stderr, "tapbridge: exit: %lu connections, %lu frames "
		"tap->sock, %lu frames sock->tap, %lu tap write drops\n",
		tb_n_conn, tb_n_tap_in, tb_n_sock_in, tb_n_tap_drop);
	impair_report("tapbridge");
	return rc;
}
