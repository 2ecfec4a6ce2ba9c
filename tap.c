/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tap.c - The guest side: frames in and out over qemu's stream socket */

/**
 * DOC: Theory of operation
 *
 * The guest's network card is a unix stream socket that qemu (-netdev
 * stream), libvirt or a test bridge connects to. Each frame is a 32-bit
 * big-endian length followed by the Ethernet frame.
 *
 * In: one read() takes up to TAP_BATCH_BYTES of frames into a static buffer;
 * each complete frame is validated (lengths first: Ethernet,
 * IPv4 header length, total length and fragments, IPv6 payload length and
 * extension headers, minimum L4 header) and dispatched. TCP and UDP packets
 * are collected into per-protocol batches handed over once per read, so that
 * handlers can group segments of one flow into one system call. A frame cut
 * by the end of a read stays at the buffer's start for the next one. A length
 * of zero or above TAP_FRAME_MAX is a broken or hostile peer: the guest
 * connection is dropped (never a read past the buffer). The frames of one
 * read are handled and what they produced (the ACKs of the guest's data
 * above all) is written before the next read, up to TAP_READS_MAX reads
 * per wake-up, so that a bulk sender hears about its data while it
 * sends, as on the tap device (tap_dev.c, where that doubled the rate).
 * Here the guest's bridge limits first: reads of up to the whole 4 MiB
 * buffer of before, ACKs at the end of the wake-up, gave 8.1, 8.5 and
 * 7.9 Gbit/s guest to remote, interleaved with 7.9, 8.8 and 8.3 now (e2e
 * bed, iperf3 3 s, 2026-12-06); the buffer is 3.75 MiB smaller.
 *
 * Out: handlers queue frames during one loop iteration, either copied
 * (tap_send_frame()) or by reference (tap_queue_iov(): memory stays valid
 * until tap_flush()), and the loop flushes them with one sendmsg() per
 * TAP_OUT_IOV segments. The socket is non-blocking: if the guest does not
 * read, the rest of a frame cut by a short write is kept (one frame at most)
 * and written when the socket is writable again; frames behind it are
 * dropped and counted, as a full link would drop them. TCP data stays in the
 * host socket until the guest acknowledges it, so nothing is lost for good.
 *
 * Limits: TAP_BATCH_BYTES of input per read, TAP_BATCH_PKTS packets per
 * protocol batch, TAP_OUT_FRAMES frames and TAP_OUT_IOV segments queued per
 * iteration, TAP_COPY_BYTES of copied frames per iteration.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/sockios.h>
#include <net/ethernet.h>

#include "checksum.h"
#include "inany.h"
#include "ctx.h"
#include "log.h"
#include "pcap.h"
#include "tap.h"
#include "util.h"

/* Input buffer: a read of TAP_BATCH_BYTES at most, after what is left of a
 * frame cut by the last one
 */
#define TAP_BUF_BYTES	(TAP_BATCH_BYTES + TAP_FRAME_MAX + TAP_LEN_PREFIX)
#define TAP_READS_MAX	16	/* reads per wake-up, for fairness */
#define TAP_OUT_FRAMES	2048	/* frames queued per loop iteration */
#define TAP_OUT_IOV	4096	/* segments queued, incl. length prefixes */
#define TAP_COPY_BYTES	(1024 * 1024)	/* copied frames, ~1 MiB */
#define TAP_SNDBUF_BYTES (8 * 1024 * 1024)	/* socket send buffer asked */
#define TAP_IOV_PER_CALL 1024	/* segments per sendmsg(), IOV_MAX */
#define TAP_ROOM_REQUERY_BYTES	(256 * 1024)	/* estimate low: ask again */

_Static_assert(TAP_BUF_BYTES > 2 * (TAP_FRAME_MAX + TAP_LEN_PREFIX),
	      "input buffer must hold a maximum frame and more");

static uint8_t tap_buf[TAP_BUF_BYTES];
static size_t tap_buf_used;

/* What the layer above hears of the guest link (tap_init()) */
static const struct tap_handlers *tap_h;

/* The back-end below, if not the stream socket (tap_backend_set()) */
static const struct tap_backend *tap_be;

static struct iovec tap_out_iov[TAP_OUT_IOV];
static int tap_out_iovcnt;
static uint32_t tap_out_len_be[TAP_OUT_FRAMES];	/* length prefixes */
static struct tap_offload tap_out_offl[TAP_OUT_FRAMES];	/* back-ends' */
static int tap_out_first[TAP_OUT_FRAMES + 1];	/* first segment of frame */
static int tap_out_frames;
static uint8_t tap_copy[TAP_COPY_BYTES];
static size_t tap_copy_used;

/* Rest of a frame cut by a short write, sent before anything else */
static uint8_t tap_pending[TAP_FRAME_MAX + TAP_LEN_PREFIX];
static size_t tap_pending_len;
static bool tap_pollout;		/* EPOLLOUT requested on the socket */

/* Room in the socket: bytes it surely takes (estimate, only ever lowered by
 * what we write, asked again with SIOCOUTQ when it runs low), bytes queued
 * since the last flush, and whether someone waits for room (tap_room_wait())
 */
static size_t tap_sndbuf_bytes;
static size_t tap_room_est;
static size_t tap_out_bytes;
static bool tap_room_waiting;

static uint64_t tap_drops[TAP_DROP_COUNT];

#define TAP_DROP_NAME_(name, desc)	[TAP_DROP_##name] = #name,
static const char *const tap_drop_names[TAP_DROP_COUNT] = {
	TAP_DROP_REASONS(TAP_DROP_NAME_)
};
#undef TAP_DROP_NAME_

/**
 * tap_count_drop() - Count a dropped frame under its reason
 * @reason:	Why it was dropped
 */
void tap_count_drop(enum tap_drop reason)
{
	if (reason < TAP_DROP_COUNT)
		tap_drops[reason]++;
}

/**
 * tap_drop_count() - Frames dropped for a reason so far
 * @reason:	Reason
 *
 * Return: count
 */
uint64_t tap_drop_count(enum tap_drop reason)
{
	return reason < TAP_DROP_COUNT ? tap_drops[reason] : 0;
}

/**
 * tap_drop_name() - Name of a drop reason, for counters and logs
 * @reason:	Reason
 *
 * Return: static string
 */
const char *tap_drop_name(enum tap_drop reason)
{
	return reason < TAP_DROP_COUNT ? tap_drop_names[reason] : "?";
}

/**
 * tap_connected() - Is a guest attached?
 * @c:		Execution context
 *
 * Return: true if frames can be sent
 */
bool tap_connected(const struct ctx *c)
{
	return c->fd_tap >= 0 && (!tap_be || tap_be->connected(c));
}

/**
 * tap_backend_set() - Put a back-end other than the stream socket below
 * @be:		Its operations, static: tap.c keeps the pointer
 *
 * The socket the front-end connects to is still set up here (-s, -F,
 * default path); what goes over it once connected is the back-end's.
 */
void tap_backend_set(const struct tap_backend *be)
{
	tap_be = be;
}

/**
 * tap_sock_try() - Bind a listening unix socket at a path if it is free
 * @path:	Socket path
 * @probe:	Leave an existing path alone (default path search) rather
 *		than replacing a stale socket there
 *
 * A path where a connect() is refused holds a stale socket from a daemon
 * that did not clean up: it is replaced. A live listener is left alone.
 *
 * Return: listening socket, or -errno
 */
static int tap_sock_try(const char *path, bool probe)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd, probe_fd;

	if (strlen(path) >= sizeof(a.sun_path))
		return -ENAMETOOLONG;
	strcpy(a.sun_path, path);

	/* A datagram probe: a live stream listener refuses it with
	 * EPROTOTYPE without ever seeing a connection (a stream probe would
	 * look like a guest to it, and end a --one-off daemon)
	 */
	probe_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (probe_fd < 0)
		return -errno;
	if (!connect(probe_fd, (struct sockaddr *)&a, sizeof(a)) ||
	    errno == EPROTOTYPE) {
		close(probe_fd);
		return -EADDRINUSE;
	}
	if (errno == ECONNREFUSED)
		unlink(path);		/* stale socket, nobody listens */
	else if (errno != ENOENT && probe) {
		close(probe_fd);
		return -EADDRINUSE;
	}
	close(probe_fd);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 1)) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}

static void tap_guest_attach(struct ctx *c, int fd);

/**
 * tap_sock_setup() - Set up the stream socket side: -F, -s PATH or default
 * @c:		Execution context
 */
static void tap_sock_setup(struct ctx *c)
{
	union epoll_ref ref = { .type = EPOLL_TYPE_TAP_LISTEN };
	int fd = -ENOENT;

	if (c->fd_from_cmdline >= 0) {
		int on = 0;
		socklen_t sl = sizeof(on);

		fd = c->fd_from_cmdline;
		if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK))
			die("--fd %d: fcntl: %s", fd, strerror(errno));
		if (!getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &sl) &&
		    on) {
			c->fd_tap_listen = fd;	/* listening: accept there */
			ref.fd = fd;
			if (util_epoll_add(c->epollfd, fd, EPOLLIN, ref))
				die("--fd %d: not a usable descriptor", fd);
			return;
		}
		/* Connected (qemu's -netdev passt): as if just accepted, so
		 * that the send buffer size and the stream state are set
		 */
		if (tap_be)
			tap_be->attach(c, fd);
		else
			tap_guest_attach(c, fd);
		if (c->fd_tap < 0)
			die("--fd %d: not a usable descriptor", fd);
		if (c->pasta)
			log_debug("Tap device on descriptor %d", fd);
		else if (tap_be)
			log_info("Front-end attached on descriptor %d", fd);
		else
			log_info("Guest attached on descriptor %d", fd);
		return;
	}

	if (*c->sock_path) {
		fd = tap_sock_try(c->sock_path, false);
		if (fd < 0)
			die("Socket %s: %s", c->sock_path, strerror(-fd));
	} else {
		int n;

		for (n = 1; n <= TAP_SOCK_N_MAX; n++) {
			snprintf(c->sock_path, sizeof(c->sock_path),
				 "/tmp/passt_%d.socket", n);
			fd = tap_sock_try(c->sock_path, true);
			if (fd >= 0)
				break;
		}
		if (fd < 0) {
			*c->sock_path = '\0';
			die("No free socket path /tmp/passt_1..%d.socket",
			    TAP_SOCK_N_MAX);
		}
	}
	c->fd_tap_listen = fd;
	ref.fd = fd;
	if (util_epoll_add(c->epollfd, fd, EPOLLIN, ref))
		die("epoll_ctl on tap listener: %s", strerror(errno));
}

/**
 * tap_handlers_set() - Say who hears of frames and of the guest link
 * @h:		Handlers, static: tap.c keeps the pointer
 *
 * The layer above registers itself: tap.c names none of the protocol
 * handlers, it calls these.
 */
void tap_handlers_set(const struct tap_handlers *h)
{
	tap_h = h;
}

/**
 * tap_init() - Open the tap side before the loop starts
 * @c:		Execution context
 * @h:		Handlers of frames and link events (tap_handlers_set())
 */
void tap_init(struct ctx *c, const struct tap_handlers *h)
{
	tap_handlers_set(h);
	c->fd_tap = -1;
	c->fd_tap_listen = -1;
	tap_sock_setup(c);
}

static void tap_out_reset(int dropped);
static void tap_flush_backend(struct ctx *c, bool publish);

/**
 * tap_guest_state_reset() - Forget everything about the guest connection:
 *			     partial input, partial output, queue, room
 *
 * Called when a guest attaches and when it goes away, so that the two can
 * never disagree on what a fresh connection starts from.
 */
static void tap_guest_state_reset(void)
{
	tap_buf_used = 0;
	tap_pending_len = 0;
	tap_pollout = false;
	tap_room_est = 0;
	tap_room_waiting = false;
	tap_out_reset(0);
}

/**
 * tap_guest_attach() - Start serving a newly connected guest
 * @c:		Execution context
 * @fd:		Connected socket
 *
 * #syscalls setsockopt getsockopt close
 */
static void tap_guest_attach(struct ctx *c, int fd)
{
	union epoll_ref ref = { .type = EPOLL_TYPE_TAP, .fd = fd };
	int sndbuf = TAP_SNDBUF_BYTES;

	socklen_t sl = sizeof(sndbuf);

	/* Best effort: a bigger buffer means fewer drops on bursts */
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &sl) || sndbuf < 0)
		sndbuf = 0;
	tap_sndbuf_bytes = (size_t)sndbuf;
	if (util_epoll_add(c->epollfd, fd, EPOLLIN | EPOLLRDHUP, ref)) {
		log_err("epoll_ctl on guest socket: %s", strerror(errno));
		close(fd);
		return;
	}
	c->fd_tap = fd;
	tap_guest_state_reset();
	log_info("Guest connected");
}

/**
 * tap_listen_handler() - Accept a guest, or refuse a second one
 * @c:		Execution context
 * @events:	epoll events
 *
 * #syscalls accept4 close
 */
void tap_listen_handler(struct ctx *c, uint32_t events)
{
	int fd;

	(void)events;
	fd = accept4(c->fd_tap_listen, NULL, NULL,
		     SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn("accept on %s: %s", c->sock_path,
				 strerror(errno));
		return;
	}
	if (c->fd_tap >= 0) {
		log_warn("Another guest tried to connect to %s while one is "
			 "attached: connection refused (one guest at a time)",
			 c->sock_path);
		close(fd);
		return;
	}
	if (tap_be)
		tap_be->attach(c, fd);
	else
		tap_guest_attach(c, fd);
}

/**
 * tap_guest_detach() - The guest went away: close, forget, tell the layer
 *			above (which may end the process: --one-off, -F)
 *
 * Back-ends call it too, once they let go of what they hold.
 * @c:		Execution context
 * @why:	Reason, for the log
 * @now_ms:	Current time, milliseconds
 *
 * #syscalls close
 */
void tap_guest_detach(struct ctx *c, const char *why, uint64_t now_ms)
{
	log_info("Guest disconnected (%s)", why);
	util_epoll_del(c->epollfd, c->fd_tap);
	close(c->fd_tap);
	c->fd_tap = -1;
	c->guest_mac_known = false;	/* next guest: RA at once, new MAC */
	tap_guest_state_reset();
	tap_h->gone(c, now_ms);
}

/**
 * tap_parse_stream() - Find the next complete frame in stream data
 * @buf:	Stream data
 * @len:	Bytes available
 * @consumed:	Set to the bytes this frame takes, prefix included
 * @frame_off:	Set to the frame's offset in @buf
 * @frame_len:	Set to the frame's length
 *
 * Return: 1 if a frame is complete, 0 if more data is needed, -1 if the
 *	   length prefix is zero or above TAP_FRAME_MAX
 */
int tap_parse_stream(const uint8_t *buf, size_t len, size_t *consumed,
		     size_t *frame_off, size_t *frame_len)
{
	uint32_t l;

	if (len < TAP_LEN_PREFIX)
		return 0;
	l = util_get_be32(buf);
	if (!l || l > TAP_FRAME_MAX)
		return -1;
	if (len - TAP_LEN_PREFIX < l)
		return 0;
	*frame_off = TAP_LEN_PREFIX;
	*frame_len = l;
	*consumed = TAP_LEN_PREFIX + l;
	return 1;
}

/**
 * tap_ip4_parse() - Validate an IPv4 packet and fill addresses and L4 bounds
 * @l3:		Start of the IPv4 header
 * @len:	Bytes received from @l3 to the end of the frame
 * @avail:	Of those, bytes readable at @l3 (the rest in other buffers)
 * @p:		Packet to fill
 * @why:	Set to the drop reason on failure
 *
 * Return: 0 if valid, -1 if dropped
 */
static int tap_ip4_parse(const uint8_t *l3, size_t len, size_t avail,
			 struct tap_pkt *p, enum tap_drop *why)
{
	size_t ihl, tot;

	if (len < 20 || (l3[0] >> 4) != 4 || (l3[0] & 0xf) < 5) {
		*why = TAP_DROP_IP4_HDR;
		return -1;
	}
	ihl = (size_t)(l3[0] & 0xf) * 4;
	tot = util_get_be16(l3 + 2);
	if (ihl > len) {
		*why = TAP_DROP_IP4_HDR;
		return -1;
	}
	if (ihl > avail) {
		*why = TAP_DROP_SCATTERED;
		return -1;
	}
	if (tot < ihl || tot > len) {
		*why = TAP_DROP_IP4_LEN;
		return -1;
	}
	if (util_get_be16(l3 + 6) & 0x3fff) {	/* MF or fragment offset */
		*why = TAP_DROP_IP4_FRAG;
		return -1;
	}
	if (csum(l3, ihl, 0)) {
		*why = TAP_DROP_IP4_CSUM;
		return -1;
	}
	p->af = AF_INET;
	p->l3 = l3;
	p->l3_len = tot;
	p->l4 = l3 + ihl;
	p->l4_len = tot - ihl;
	p->proto = l3[9];
	p->ttl = l3[8];
	memcpy(&p->src4, l3 + 12, 4);
	memcpy(&p->dst4, l3 + 16, 4);
	return 0;
}

/**
 * tap_ip6_parse() - Validate an IPv6 packet, walk extension headers
 * @l3:		Start of the IPv6 header
 * @len:	Bytes received from @l3 to the end of the frame
 * @avail:	Of those, bytes readable at @l3 (the rest in other buffers)
 * @p:		Packet to fill
 * @why:	Set to the drop reason on failure
 *
 * Hop-by-hop, routing and destination options headers are skipped within
 * bounds (RFC 8200 §4); fragments are dropped.
 *
 * Return: 0 if valid, -1 if dropped
 */
static int tap_ip6_parse(const uint8_t *l3, size_t len, size_t avail,
			 struct tap_pkt *p, enum tap_drop *why)
{
	size_t plen, off = 40;
	uint8_t nh;
	int hops = 0;

	if (len < 40 || (l3[0] >> 4) != 6) {
		*why = TAP_DROP_IP6_HDR;
		return -1;
	}
	if (avail < 40) {
		*why = TAP_DROP_SCATTERED;
		return -1;
	}
	plen = util_get_be16(l3 + 4);
	if (!plen || plen > len - 40) {		/* 0: jumbogram, unsupported */
		*why = TAP_DROP_IP6_LEN;
		return -1;
	}
	nh = l3[6];
	while (nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING ||
	       nh == IPPROTO_DSTOPTS || nh == IPPROTO_FRAGMENT) {
		size_t hl;

		if (nh == IPPROTO_FRAGMENT || ++hops > 8 ||
		    off + 8 > 40 + plen) {
			*why = TAP_DROP_IP6_EXT;
			return -1;
		}
		if (off + 8 > avail) {
			*why = TAP_DROP_SCATTERED;
			return -1;
		}
		hl = ((size_t)l3[off + 1] + 1) * 8;
		if (off + hl > 40 + plen) {
			*why = TAP_DROP_IP6_EXT;
			return -1;
		}
		nh = l3[off];
		off += hl;
	}
	p->af = AF_INET6;
	p->l3 = l3;
	p->l3_len = 40 + plen;
	p->l4 = l3 + off;
	p->l4_len = 40 + plen - off;
	p->proto = nh;
	p->ttl = l3[7];
	memcpy(&p->src6, l3 + 8, 16);
	memcpy(&p->dst6, l3 + 24, 16);
	return 0;
}

/**
 * tap_l4_check() - Check the minimum L4 header size for a protocol
 * @p:		Parsed packet
 * @avail:	Bytes readable at @p->l4 (TCP payload may lie beyond, in
 *		other buffers; everything else must be whole there)
 * @why:	Set to the drop reason on failure
 *
 * Return: 0 if the header fits, -1 if dropped
 */
static int tap_l4_check(struct tap_pkt *p, size_t avail, enum tap_drop *why)
{
	size_t min, l;

	if (p->proto != IPPROTO_TCP && avail < p->l4_len) {
		*why = TAP_DROP_SCATTERED;	/* handlers read it whole */
		return -1;
	}
	switch (p->proto) {
	case IPPROTO_TCP:
		if (p->l4_len < 20)
			break;
		if (avail < 20) {
			*why = TAP_DROP_SCATTERED;
			return -1;
		}
		l = (size_t)(p->l4[12] >> 4) * 4;	/* data offset */
		if (l < 20 || l > p->l4_len)
			break;
		if (l > avail) {
			*why = TAP_DROP_SCATTERED;
			return -1;
		}
		return 0;
	case IPPROTO_UDP:
		if (p->l4_len < 8)
			break;
		l = util_get_be16(p->l4 + 4);
		if (l < 8 || l > p->l4_len)
			break;
		p->l4_len = l;		/* ignore padding after the datagram */
		return 0;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		min = 4;
		if (p->l4_len < min)
			break;
		return 0;
	default:
		*why = TAP_DROP_L4_PROTO;
		return -1;
	}
	*why = TAP_DROP_L4_SHORT;
	return -1;
}

/**
 * tap_pkt_parse_frags() - Validate a frame from the guest, maybe scattered
 * @frame:	Ethernet frame, its first @head bytes
 * @head:	Bytes readable at @frame
 * @len:	Frame length, bytes: the rest (@len - @head) in other buffers
 * @p:		Filled for IPv4/IPv6 packets
 * @why:	Set to the drop reason on failure
 *
 * Every header (Ethernet, IP and extension headers, L4) must lie in the
 * first @head bytes, and only TCP payload may go past them: a back-end
 * that hands over scattered frames gathers the others (SCATTERED drops
 * otherwise). Nothing past @head is read here.
 *
 * Return: 0 for ARP (@p->af is 0; only the Ethernet header is checked),
 *	   AF_INET or AF_INET6 for a valid IP packet, -1 if dropped
 */
int tap_pkt_parse_frags(const uint8_t *frame, size_t head, size_t len,
			struct tap_pkt *p, enum tap_drop *why)
{
	uint16_t type;
	int ret;

	memset(p, 0, sizeof(*p));
	if (len < ETH_HDR_LEN) {
		*why = TAP_DROP_ETH_SHORT;
		return -1;
	}
	if (head < ETH_HDR_LEN || head > len) {
		*why = TAP_DROP_SCATTERED;
		return -1;
	}
	p->eth = frame;
	p->eth_len = len;
	p->head_len = head;
	type = util_get_be16(frame + 12);

	switch (type) {
	case ETHERTYPE_ARP:
		if (head < len) {
			*why = TAP_DROP_SCATTERED;
			return -1;
		}
		return 0;
	case ETHERTYPE_IP:
		ret = tap_ip4_parse(frame + ETH_HDR_LEN, len - ETH_HDR_LEN,
				    head - ETH_HDR_LEN, p, why);
		break;
	case ETHERTYPE_IPV6:
		ret = tap_ip6_parse(frame + ETH_HDR_LEN, len - ETH_HDR_LEN,
				    head - ETH_HDR_LEN, p, why);
		break;
	default:		/* VLAN tags (0x8100, 0x88a8), LLC, ... */
		*why = TAP_DROP_ETH_TYPE;
		return -1;
	}
	if (ret || tap_l4_check(p, head - (size_t)(p->l4 - frame), why))
		return -1;
	return p->af;
}

/**
 * tap_pkt_parse() - Validate a frame from the guest, in one piece
 * @frame:	Ethernet frame
 * @len:	Bytes received
 * @p:		Filled for IPv4/IPv6 packets
 * @why:	Set to the drop reason on failure
 *
 * Return: 0 for ARP (@p->af is 0; only the Ethernet header is checked),
 *	   AF_INET or AF_INET6 for a valid IP packet, -1 if dropped
 */
int tap_pkt_parse(const uint8_t *frame, size_t len, struct tap_pkt *p,
		  enum tap_drop *why)
{
	return tap_pkt_parse_frags(frame, len, len, p, why);
}

/**
 * tap_frames_end() - The frames of one read are all handed over
 * @c:		Execution context
 * @now_ms:	Current time, milliseconds
 *
 * Handlers that collect packets into batches write them out now: the
 * frames' memory is reused by the next read. Then what they queued for
 * the guest, the ACKs of that data above all, goes out at once, not at
 * the end of the loop turn: a bulk sender must hear of its data while it
 * sends. Every back-end ends its batches here, and keeps them bounded
 * (256 KiB on the stream socket and the tap device, 512 KiB on
 * vhost-user), so that the ACKs come every few hundred KiB: with the
 * batches of up to 16 MiB of before and one flush per loop turn, guest
 * to remote went 5.9-7.0 Gbit/s on the tap device against 9.7-10.8, and
 * 9.1-9.8 on vhost-user against 10.3-11.7 (tap_dev.c, vhost_user.c).
 */
void tap_frames_end(struct ctx *c, uint64_t now_ms)
{
	tap_h->pkts_end(c, now_ms);
	tap_flush(c);
}

/**
 * tap_mac_clash() - The guest uses our MAC address: take another one
 * @c:		Execution context
 *
 * --mac-addr is our own address, the source of every frame we send (as for
 * upstream passt), but libvirt before 9.x passed the guest's MAC there.
 * Answering ARP and NDP with the guest's own address, and deriving our
 * link-local address (the guest's router) from it, would give the guest
 * its own link-local address as its default router. So when the first
 * frame shows the guest with our MAC, we move to the default one (or, if
 * the guest has that, the default with its last bit flipped) before
 * anything of ours reaches it: tap.c calls this as it learns the guest's
 * MAC, before the frame's handler answers.
 *
 * Context: main loop; called by tap.c only (declared in tap.h for the
 * unit tests).
 */
void tap_mac_clash(struct ctx *c)
{
	static const uint8_t def[6] = MAC_OUR_DEFAULT;
	char old[MAC_STR_LEN], new[MAC_STR_LEN];
	struct in6_addr old_ll = c->ip6.our_ll;

	util_mac_ntop(c->our_mac, old, sizeof(old));
	memcpy(c->our_mac, def, sizeof(def));
	if (!memcmp(c->our_mac, c->guest_mac, 6))
		c->our_mac[5] ^= 1;
	util_ll_from_mac(c->our_mac, &c->ip6.our_ll);
	if (IN6_ARE_ADDR_EQUAL(&c->ip6.gw, &old_ll))
		c->ip6.gw = c->ip6.our_ll;
	log_info("The guest uses our MAC address %s (--mac-addr): ours is "
		 "%s from now on", old,
		 util_mac_ntop(c->our_mac, new, sizeof(new)));
}

/**
 * tap_learn() - Learn the guest's MAC and addresses from a valid frame
 * @c:		Execution context
 * @p:		Parsed packet (af 0 for ARP)
 */
static void tap_learn(struct ctx *c, const struct tap_pkt *p)
{
	const uint8_t *src_mac = p->eth + ETH_ALEN;
	/* cppcheck-suppress variableScope ; used inside log_debug()'s block */
	char buf[MAC_STR_LEN];

	if (!(src_mac[0] & 1) && !util_mac_is_zero(src_mac) &&
	    (!c->guest_mac_known || memcmp(c->guest_mac, src_mac, 6))) {
		memcpy(c->guest_mac, src_mac, 6);
		c->guest_mac_known = true;
		log_debug("Guest MAC address: %s",
			  util_mac_ntop(src_mac, buf, sizeof(buf)));
		if (!memcmp(c->guest_mac, c->our_mac, 6))
			tap_mac_clash(c);
	}
	if (p->af == AF_INET && p->src4.s_addr != INADDR_ANY)
		c->ip4.addr_seen = p->src4;
	if (p->af == AF_INET6 && !IN6_IS_ADDR_UNSPECIFIED(&p->src6)) {
		if (IN6_IS_ADDR_LINKLOCAL(&p->src6))
			c->ip6.addr_ll_seen = p->src6;
		else
			c->ip6.addr_seen = p->src6;
	}
}

/**
 * tap_frame_in_frags() - Validate one frame from the guest, maybe
 *			  scattered, and hand it over
 * @c:		Execution context
 * @frame:	Ethernet frame, its first @head bytes
 * @head:	Bytes readable at @frame
 * @frags:	The rest of the frame (TCP payload only), or NULL
 * @nfrags:	Entries in @frags
 * @len:	Frame length, bytes
 * @now_ms:	Current time, milliseconds
 *
 * The handler may keep the packet, and @frags, until tap_frames_end().
 */
void tap_frame_in_frags(struct ctx *c, const uint8_t *frame, size_t head,
			const struct iovec *frags, unsigned int nfrags,
			size_t len, uint64_t now_ms)
{
	enum tap_drop why = TAP_DROP_L4_BAD;
	struct tap_pkt p;

	if (nfrags) {
		struct iovec iov[TAP_FRAGS_MAX + 1];
		unsigned int i;

		iov[0].iov_base = (void *)(uintptr_t)frame;
		iov[0].iov_len = head;
		for (i = 0; i < nfrags && i < TAP_FRAGS_MAX; i++)
			iov[i + 1] = frags[i];
		pcap_iov(iov, (int)i + 1, 0);
	} else {
		pcap_frame(frame, len);
	}
	if (nfrags > TAP_FRAGS_MAX) {
		tap_count_drop(TAP_DROP_SCATTERED);
		return;
	}
	if (tap_pkt_parse_frags(frame, head, len, &p, &why) < 0) {
		log_trace("tap: dropped %zu-byte frame: %s", len,
			  tap_drop_name(why));
		tap_count_drop(why);
		return;
	}
	p.frags = frags;
	p.nfrags = nfrags;
	tap_learn(c, &p);
	if (!tap_h->pkt(c, &p, now_ms)) {
		why = p.af ? TAP_DROP_L4_BAD : TAP_DROP_ARP_BAD;
		log_trace("tap: %zu-byte frame rejected: %s", len,
			  tap_drop_name(why));
		tap_count_drop(why);
	}
}

/**
 * tap_frame_in() - Validate one frame from the guest and hand it over
 * @c:		Execution context
 * @frame:	Ethernet frame
 * @len:	Length, bytes
 * @now_ms:	Current time, milliseconds
 *
 * The handler may keep the packet until tap_frames_end().
 */
void tap_frame_in(struct ctx *c, const uint8_t *frame, size_t len,
		  uint64_t now_ms)
{
	tap_frame_in_frags(c, frame, len, NULL, 0, len, now_ms);
}

/**
 * tap_handler() - Read frames from the guest and dispatch them
 * @c:		Execution context
 * @events:	epoll events
 * @now_ms:	Current time, milliseconds
 *
 * #syscalls read recvfrom
 */
void tap_handler(struct ctx *c, uint32_t events, uint64_t now_ms)
{
	int reads;

	if (events & EPOLLOUT) {
		tap_flush(c);
		if (tap_room_waiting && !tap_pending_len) {
			/* Writable: the queue is down to a quarter of the
			 * buffer (unix sockets), those who waited may send
			 */
			tap_room_waiting = false;
			tap_room_est = 0;
			tap_h->room(c, now_ms);
		}
	}

	for (reads = 0; reads < TAP_READS_MAX && (events & EPOLLIN); reads++) {
		size_t off = 0, consumed, foff, flen;
		size_t space = MIN(sizeof(tap_buf) - tap_buf_used,
				   (size_t)TAP_BATCH_BYTES);
		ssize_t n;
		int r;

		n = read(c->fd_tap, tap_buf + tap_buf_used, space);
		if (n == 0) {
			tap_guest_detach(c, "end of stream", now_ms);
			return;
		}
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			tap_guest_detach(c, strerror(errno), now_ms);
			return;
		}
		tap_buf_used += (size_t)n;

		while ((r = tap_parse_stream(tap_buf + off, tap_buf_used - off,
					     &consumed, &foff, &flen)) > 0) {
			tap_frame_in(c, tap_buf + off + foff, flen, now_ms);
			off += consumed;
		}
		tap_frames_end(c, now_ms);	/* and their ACKs go out */

		if (r < 0) {
			log_err("Guest sent a frame length of %u bytes (limit "
				"%u): dropping the guest connection",
				util_get_be32(tap_buf + off), TAP_FRAME_MAX);
			tap_guest_detach(c, "bad frame length", now_ms);
			return;
		}
		memmove(tap_buf, tap_buf + off, tap_buf_used - off);
		tap_buf_used -= off;
		if ((size_t)n < space)
			break;		/* short read: drained for now */
	}

	if (events & (EPOLLHUP | EPOLLRDHUP | EPOLLERR) &&
	    !(events & EPOLLIN))
		tap_guest_detach(c, "hang-up", now_ms);
}

/**
 * tap_out_full() - Would a frame of @segs segments and @copy bytes overflow
 *		    the output queue?
 * @segs:	Segments the frame needs
 * @copy:	Bytes to copy
 *
 * Return: true if the queue must be flushed first
 */
static bool tap_out_full(int segs, size_t copy)
{
	return tap_out_frames == TAP_OUT_FRAMES ||
	       tap_out_iovcnt + segs + 1 > TAP_OUT_IOV ||
	       tap_copy_used + copy > TAP_COPY_BYTES;
}

/**
 * tap_offloads() - What the guest side may finish for us (TAP_OFFLOAD_*)
 * @c:		Execution context
 *
 * Return: flags; 0 on the stream socket, whose frames go out complete
 */
uint32_t tap_offloads(const struct ctx *c)
{
	return tap_be && tap_be->offloads ? tap_be->offloads(c) : 0;
}

/**
 * tap_queue_iov_offload() - Queue a frame given as segments, without
 *			     copying, with work left to the guest side
 * @c:		Execution context
 * @iov:	Segments of the Ethernet frame; memory must stay valid until
 *		the next tap_flush(); the IP and L4 headers in the first one
 * @iovcnt:	Number of segments
 * @offl:	What the guest side finishes (only what tap_offloads()
 *		allows), or NULL
 *
 * Return: true if queued, false if dropped (no guest, or bad size)
 */
bool tap_queue_iov_offload(struct ctx *c, const struct iovec *iov, int iovcnt,
			   const struct tap_offload *offl)
{
	static const struct tap_offload none = { 0 };
	size_t len = 0;
	int i;

	if (c->fd_tap < 0 || iovcnt <= 0 || iovcnt >= TAP_OUT_IOV)
		return false;
	for (i = 0; i < iovcnt; i++)
		len += iov[i].iov_len;
	if (len < ETH_HDR_LEN || len > TAP_FRAME_MAX)
		return false;

	if (tap_out_full(iovcnt, 0))
		tap_flush(c);

	tap_out_bytes += TAP_LEN_PREFIX + len;
	tap_out_first[tap_out_frames] = tap_out_iovcnt;
	tap_out_len_be[tap_out_frames] = htonl((uint32_t)len);
	tap_out_offl[tap_out_frames] = offl ? *offl : none;
	tap_out_iov[tap_out_iovcnt].iov_base = &tap_out_len_be[tap_out_frames];
	tap_out_iov[tap_out_iovcnt++].iov_len = TAP_LEN_PREFIX;
	for (i = 0; i < iovcnt; i++)
		tap_out_iov[tap_out_iovcnt++] = iov[i];
	tap_out_frames++;
	return true;
}

/**
 * tap_queue_iov() - Queue a complete frame given as segments, no copy
 * @c:		Execution context
 * @iov:	Segments of the Ethernet frame; memory must stay valid until
 *		the next tap_flush()
 * @iovcnt:	Number of segments
 *
 * Return: true if queued, false if dropped (no guest, or bad size)
 */
bool tap_queue_iov(struct ctx *c, const struct iovec *iov, int iovcnt)
{
	return tap_queue_iov_offload(c, iov, iovcnt, NULL);
}

/**
 * tap_send_frame() - Queue a copy of a complete Ethernet frame
 * @c:		Execution context
 * @frame:	Frame
 * @len:	Length, bytes
 */
void tap_send_frame(struct ctx *c, const void *frame, size_t len)
{
	struct iovec iov;

	if (c->fd_tap < 0 || len < ETH_HDR_LEN || len > TAP_COPY_BYTES)
		return;
	if (tap_out_full(1, len))
		tap_flush(c);
	memcpy(tap_copy + tap_copy_used, frame, len);
	iov.iov_base = tap_copy + tap_copy_used;
	iov.iov_len = len;
	tap_copy_used += len;
	tap_queue_iov(c, &iov, 1);
}

/**
 * tap_pending_write() - Write the rest of a frame cut by a short write
 * @c:		Execution context
 *
 * #syscalls sendto
 * Return: true if nothing is pending any more
 */
static bool tap_pending_write(struct ctx *c)
{
	ssize_t n;

	if (!tap_pending_len)
		return true;
	n = send(c->fd_tap, tap_pending, tap_pending_len,
		 MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0)
		return false;
	memmove(tap_pending, tap_pending + n, tap_pending_len - (size_t)n);
	tap_pending_len -= (size_t)n;
	return !tap_pending_len;
}

/**
 * tap_set_pollout() - Ask for EPOLLOUT while a partial frame is pending
 * @c:		Execution context
 * @on:		Whether to wait for writability
 *
 * EPOLLOUT is level-triggered: left on with the socket writable, every
 * epoll_wait() would return at once. It goes off again as soon as nothing
 * waits to be written.
 */
static void tap_set_pollout(struct ctx *c, bool on)
{
	union epoll_ref ref = { .type = EPOLL_TYPE_TAP, .fd = c->fd_tap };

	if (on == tap_pollout)
		return;
	if (!util_epoll_mod(c->epollfd, c->fd_tap,
			    EPOLLIN | EPOLLRDHUP | (on ? EPOLLOUT : 0), ref))
		tap_pollout = on;
}

/**
 * tap_out_seg_end() - Index after the last segment of a queued frame
 * @f:		Frame index
 *
 * Return: segment index
 */
static int tap_out_seg_end(int f)
{
	return f + 1 < tap_out_frames ? tap_out_first[f + 1] : tap_out_iovcnt;
}

/**
 * tap_keep_rest() - Keep the unwritten rest of a frame cut by a short write
 * @f:		Frame index
 * @skip:	Bytes of the frame (prefix included) already written
 */
static void tap_keep_rest(int f, size_t skip)
{
	int i;

	for (i = tap_out_first[f]; i < tap_out_seg_end(f); i++) {
		const struct iovec *v = &tap_out_iov[i];

		if (skip >= v->iov_len) {
			skip -= v->iov_len;
			continue;
		}
		memcpy(tap_pending + tap_pending_len,
		       (const uint8_t *)v->iov_base + skip, v->iov_len - skip);
		tap_pending_len += v->iov_len - skip;
		skip = 0;
	}
}

/**
 * tap_out_reset() - Empty the output queue
 * @dropped:	Frames still queued that were not written, counted as drops
 */
static void tap_out_reset(int dropped)
{
	if (dropped > 0)
		tap_drops[TAP_DROP_TAP_FULL] += (uint64_t)dropped;
	tap_out_iovcnt = 0;
	tap_out_frames = 0;
	tap_copy_used = 0;
	tap_out_bytes = 0;
}

/**
 * tap_room() - How many frames of a size may still be queued now without
 *		the guest link refusing them
 * @c:		Execution context
 * @frame_len:	Length of each frame, bytes (Ethernet header included)
 *
 * Frames the link refuses are dropped by tap_flush(), and for TCP that
 * costs a retransmission: bulk senders ask first and send no more than this.
 * Stream socket: its free space (SO_SNDBUF less SIOCOUTQ, with an eighth
 * kept for the kernel's per-buffer overhead), asked only when the estimate
 * runs low, not per frame, less what is queued already. Other back-ends
 * count their own buffers (struct tap_backend), less the frames queued.
 *
 * Return: frames
 *
 * #syscalls ioctl
 */
size_t tap_room(struct ctx *c, size_t frame_len)
{
	int outq = 0;

	if (c->fd_tap < 0 || tap_pending_len || !frame_len)
		return 0;
	if (tap_be) {
		size_t n = tap_be->room(c, frame_len);

		return n > (size_t)tap_out_frames ? n - tap_out_frames : 0;
	}
	if (tap_room_est < tap_out_bytes + TAP_ROOM_REQUERY_BYTES) {
		size_t keep = tap_sndbuf_bytes / 8;

		if (ioctl(c->fd_tap, SIOCOUTQ, &outq) || outq < 0)
			outq = (int)tap_sndbuf_bytes;
		tap_room_est = tap_sndbuf_bytes > (size_t)outq + keep ?
			       tap_sndbuf_bytes - (size_t)outq - keep : 0;
	}
	if (tap_room_est <= tap_out_bytes)
		return 0;
	return (tap_room_est - tap_out_bytes) / (frame_len + TAP_LEN_PREFIX);
}

/**
 * tap_room_ready() - A back-end has room again after tap_room_wait()
 * @c:		Execution context
 * @now_ms:	Current time, milliseconds
 */
void tap_room_ready(struct ctx *c, uint64_t now_ms)
{
	tap_h->room(c, now_ms);
}

/**
 * tap_guest_reset() - The guest reset its link, the front-end stays: the
 *		       flows it held are gone
 * @c:		Execution context
 * @now_ms:	Current time, milliseconds
 */
void tap_guest_reset(struct ctx *c, uint64_t now_ms)
{
	c->guest_mac_known = false;
	tap_h->reset(c, now_ms);
}

/**
 * tap_direct_get() - Take the guest's receive buffers for frames written in
 *		      place: headers by the caller, payload by a socket read
 * @c:		Execution context
 * @d:		Reservation, output; @d->hdr_len set by the caller
 * @payload:	Payload bytes per frame
 * @frames:	Frames wanted, at most TAP_DIRECT_FRAMES
 *
 * Frames queued before go to the guest first, so that order holds. Until
 * tap_direct_put(), no other frame may go out.
 *
 * Return: frames taken; 0 if the guest has no room now (tap_room_wait()
 * applies); -1 if this back-end or its state cannot take frames in place
 */
int tap_direct_get(struct ctx *c, struct tap_direct *d, size_t payload,
		   unsigned int frames)
{
	ASSERT(frames <= TAP_DIRECT_FRAMES);
	if (!tap_be || !tap_be->direct_get || !tap_connected(c) ||
	    tap_pending_len)
		return -1;
	if (tap_out_frames)
		tap_flush_backend(c, false);
	return tap_be->direct_get(c, d, payload, frames);
}

/**
 * tap_direct_put() - Publish frames written in place, give back the rest
 * @c:		Execution context
 * @d:		Reservation from tap_direct_get(), @d->len and @d->offl set
 * @used:	Frames written, the first @used of @d->frames (0: none)
 */
void tap_direct_put(struct ctx *c, const struct tap_direct *d,
		    unsigned int used)
{
	static struct iovec iov[TAP_DIRECT_IOV + 1];
	unsigned int f;

	ASSERT(used <= d->frames);
	for (f = 0; f < used && pcap_active(); f++) {
		unsigned int k = d->first[f], n = 1;
		size_t left = d->len[f];

		iov[0].iov_base = d->hdr[f];
		iov[0].iov_len = d->hdr_len;
		for (; k < d->first[f + 1] && left; k++, n++) {
			iov[n] = d->iov[k];
			iov[n].iov_len = MIN(iov[n].iov_len, left);
			left -= iov[n].iov_len;
		}
		pcap_iov(iov, (int)n, 0);
	}
	tap_be->direct_put(c, d, used);
}

/**
 * tap_room_wait() - Ask to be told (the room handler) when the socket drains
 * @c:		Execution context
 */
void tap_room_wait(struct ctx *c)
{
	if (c->fd_tap < 0)
		return;
	if (tap_be) {
		tap_be->room_wait(c);
		return;
	}
	tap_room_waiting = true;
	tap_set_pollout(c, true);
}

/**
 * tap_flush_backend() - Hand every queued frame to the back-end below
 * @c:		Execution context
 * @publish:	Make them visible to the guest now (else at the next flush)
 *
 * Frames the back-end has no room for are dropped and counted (TAP_FULL),
 * as the stream socket's are.
 */
static void tap_flush_backend(struct ctx *c, bool publish)
{
	int f, dropped = 0;

	for (f = 0; f < tap_out_frames; f++) {
		int first = tap_out_first[f] + 1;	/* past the prefix */
		int n = tap_out_seg_end(f) - first;
		size_t len = ntohl(tap_out_len_be[f]);

		if (tap_be->send(c, &tap_out_iov[first], n, len,
				 &tap_out_offl[f]))
			pcap_iov(&tap_out_iov[first], n, 0);
		else
			dropped++;
	}
	if (publish)
		tap_be->send_end(c);	/* frames written in place too */
	tap_out_reset(dropped);
}

/**
 * tap_flush() - Write every queued frame to the guest, without blocking
 * @c:		Execution context
 *
 * Frames go out in as few sendmsg() calls as the segment limit allows, each
 * call covering whole frames. On a short write the rest of the cut frame is
 * kept for EPOLLOUT and the frames after it are dropped (counted).
 *
 * #syscalls sendmsg sendto
 */
void tap_flush(struct ctx *c)
{
	int f = 0, i;

	if (c->fd_tap < 0) {
		tap_out_reset(0);
		return;
	}
	if (tap_be) {
		tap_flush_backend(c, true);
		return;
	}
	if (!tap_pending_write(c)) {
		tap_out_reset(tap_out_frames);
		tap_set_pollout(c, true);
		return;
	}

	while (f < tap_out_frames) {
		struct msghdr mh = { 0 };
		int g = f, s = tap_out_first[f];
		size_t total = 0, n;
		ssize_t ret;

		while (g < tap_out_frames &&
		       (g == f || tap_out_seg_end(g) - s <= TAP_IOV_PER_CALL)) {
			total += TAP_LEN_PREFIX + ntohl(tap_out_len_be[g]);
			g++;
		}
		mh.msg_iov = &tap_out_iov[s];
		mh.msg_iovlen = (size_t)(tap_out_seg_end(g - 1) - s);
		ret = sendmsg(c->fd_tap, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (ret < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_debug("tap: sendmsg: %s", strerror(errno));
			else
				tap_set_pollout(c, true);
			break;
		}

		/* Capture what was written, the cut frame included */
		for (n = (size_t)ret, i = f; i < g && n; i++) {
			size_t flen = TAP_LEN_PREFIX +
				      ntohl(tap_out_len_be[i]);

			pcap_iov(&tap_out_iov[tap_out_first[i]],
				 tap_out_seg_end(i) - tap_out_first[i],
				 TAP_LEN_PREFIX);
			if (n < flen) {		/* cut: keep the rest */
				tap_keep_rest(i, n);
				tap_set_pollout(c, true);
				i++;
				break;
			}
			n -= flen;
		}
		if ((size_t)ret < total) {
			f = i;
			break;
		}
		f = g;
	}
	if (f == tap_out_frames && !tap_pending_len && !tap_room_waiting)
		tap_set_pollout(c, false);
	tap_room_est = tap_room_est > tap_out_bytes ?
		       tap_room_est - tap_out_bytes : 0;
	tap_out_reset(tap_out_frames - f);
}

/**
 * tap_eth_write() - Write an Ethernet header
 * @buf:	Buffer, at least ETH_HDR_LEN bytes
 * @dst:	Destination MAC address
 * @src:	Source MAC address
 * @ethertype:	Ethertype, host order
 *
 * Every Ethernet header toward the guest is written here: through
 * tap_eth_hdr(), or directly by ARP and NDP replies, which go to the
 * requester's own MAC address.
 *
 * Context: pure.
 * Return: ETH_HDR_LEN
 */
size_t tap_eth_write(uint8_t *buf, const uint8_t *dst, const uint8_t *src,
		     uint16_t ethertype)
{
	memcpy(buf, dst, ETH_ALEN);
	memcpy(buf + ETH_ALEN, src, ETH_ALEN);
	util_put_be16(buf + 2 * ETH_ALEN, ethertype);
	return ETH_HDR_LEN;
}

/**
 * tap_eth_hdr() - Write an Ethernet header toward the guest
 * @c:		Execution context
 * @buf:	Buffer, at least ETH_HDR_LEN bytes
 * @ethertype:	Ethertype, host order
 *
 * To the guest's MAC address, broadcast until it is known.
 *
 * Return: ETH_HDR_LEN
 */
size_t tap_eth_hdr(const struct ctx *c, uint8_t *buf, uint16_t ethertype)
{
	static const uint8_t bcast[ETH_ALEN] = { 0xff, 0xff, 0xff,
						 0xff, 0xff, 0xff };

	return tap_eth_write(buf, c->guest_mac_known ? c->guest_mac : bcast,
			     c->our_mac, ethertype);
}

/**
 * tap_ip4_hdr() - Write an IPv4 header toward the guest
 * @ip:		Buffer, at least 20 bytes
 * @src:	Source address
 * @dst:	Destination address
 * @proto:	L4 protocol
 * @l4_len:	L4 header and payload length, bytes (at most 65515)
 *
 * No options, DF set, ID 0 (RFC 6864 §4.1), TTL 64, header checksum set.
 *
 * Return: header length, 20
 */
size_t tap_ip4_hdr(uint8_t *ip, struct in_addr src, struct in_addr dst,
		   uint8_t proto, size_t l4_len)
{
	ip[0] = 0x45;
	ip[1] = 0;
	util_put_be16(ip + 2, (uint16_t)(20 + l4_len));
	util_put_be16(ip + 4, 0);
	util_put_be16(ip + 6, 0x4000);		/* DF */
	ip[8] = 64;
	ip[9] = proto;
	util_put_be16(ip + 10, 0);
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	util_put_be16(ip + 10, csum(ip, 20, 0));
	return 20;
}

/**
 * tap_ip6_hdr() - Write an IPv6 header toward the guest
 * @ip:		Buffer, at least 40 bytes
 * @src:	Source address
 * @dst:	Destination address
 * @proto:	Next header
 * @l4_len:	Payload length, bytes (at most 65535)
 * @hop_limit:	Hop limit (255 for NDP, RFC 4861 §6.1.2)
 *
 * Return: header length, 40
 */
size_t tap_ip6_hdr(uint8_t *ip, const struct in6_addr *src,
		   const struct in6_addr *dst, uint8_t proto, size_t l4_len,
		   uint8_t hop_limit)
{
	util_put_be32(ip, 0x60000000U);
	util_put_be16(ip + 4, (uint16_t)l4_len);
	ip[6] = proto;
	ip[7] = hop_limit;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	return 40;
}

/**
 * tap_mcast_mac() - Multicast Ethernet destination for an IPv6 multicast
 *		     address, while the guest's MAC is not known
 * @c:		Execution context
 * @frame:	Frame, Ethernet header written
 * @dst:	IPv6 destination
 *
 * RFC 2464 §7: 33:33 and the address's last 32 bits.
 */
static void tap_mcast_mac(const struct ctx *c, uint8_t *frame,
			  const struct in6_addr *dst)
{
	if (!IN6_IS_ADDR_MULTICAST(dst) || c->guest_mac_known)
		return;
	frame[0] = 0x33;
	frame[1] = 0x33;
	memcpy(frame + 2, dst->s6_addr + 12, 4);
}

/* Scratch frame for the builders below: control traffic, one at a time */
static uint8_t tap_scratch[TAP_FRAME_MAX];

/**
 * tap_send_ip4() - Send an L4 packet to the guest over IPv4
 * @c:		Execution context
 * @src:	Source address
 * @dst:	Destination address
 * @proto:	L4 protocol
 * @l4:		L4 header and payload, checksum already set
 * @l4_len:	Length, bytes
 */
void tap_send_ip4(struct ctx *c, struct in_addr src, struct in_addr dst,
		  uint8_t proto, const void *l4, size_t l4_len)
{
	uint8_t *ip = tap_scratch + ETH_HDR_LEN;

	if (l4_len > TAP_FRAME_MAX - ETH_HDR_LEN - 20)
		return;
	tap_eth_hdr(c, tap_scratch, ETHERTYPE_IP);
	if (dst.s_addr == INADDR_BROADCAST)	/* DHCP broadcast replies */
		memset(tap_scratch, 0xff, ETH_ALEN);
	tap_ip4_hdr(ip, src, dst, proto, l4_len);
	memcpy(ip + 20, l4, l4_len);
	tap_send_frame(c, tap_scratch, ETH_HDR_LEN + 20 + l4_len);
}

/**
 * tap_send_ip6() - Send an L4 packet to the guest over IPv6
 * @c:		Execution context
 * @src:	Source address
 * @dst:	Destination address
 * @proto:	L4 protocol (next header)
 * @l4:		L4 header and payload, checksum already set
 * @l4_len:	Length, bytes
 *
 * The hop limit is 255, as NDP requires (RFC 4861 §6.1.2).
 */
void tap_send_ip6(struct ctx *c, const struct in6_addr *src,
		  const struct in6_addr *dst, uint8_t proto,
		  const void *l4, size_t l4_len)
{
	uint8_t *ip = tap_scratch + ETH_HDR_LEN;

	if (l4_len > 65535 || l4_len > TAP_FRAME_MAX - ETH_HDR_LEN - 40)
		return;
	tap_eth_hdr(c, tap_scratch, ETHERTYPE_IPV6);
	tap_mcast_mac(c, tap_scratch, dst);
	tap_ip6_hdr(ip, src, dst, proto, l4_len, 255);
	memcpy(ip + 40, l4, l4_len);
	tap_send_frame(c, tap_scratch, ETH_HDR_LEN + 40 + l4_len);
}

/**
 * tap_udp_frame() - Write Ethernet, IP and UDP headers before a payload
 * @c:		Execution context (MAC addresses)
 * @frame:	Frame start; the payload is already at @frame +
 *		TAP_UDP4_PAYLOAD_OFF (IPv4 @src) or TAP_UDP6_PAYLOAD_OFF
 * @src:	Source address: IPv4-mapped for an IPv4 frame
 * @sport:	Source port
 * @dst:	Destination address, same IP version
 * @dport:	Destination port
 * @len:	Payload length, at most 65507 (IPv4) or 65527 (IPv6)
 *
 * The one UDP header builder: udp.c's datagrams and the link services'
 * replies (tap_send_udp4/6()) both come here. A checksum of 0 is sent as
 * 0xffff (RFC 768; RFC 8200 §8.1 forbids 0 over IPv6).
 *
 * Context: pure but for the MAC addresses in @c.
 * Return: frame length
 */
size_t tap_udp_frame(const struct ctx *c, uint8_t *frame,
		     const union inany_addr *src, uint16_t sport,
		     const union inany_addr *dst, uint16_t dport, size_t len)
{
	const struct in_addr *s4 = inany_v4(src);
	uint8_t *ip = frame + ETH_HDR_LEN, *uh;
	size_t ulen = 8 + len;
	uint16_t sum;

	if (s4) {
		tap_eth_hdr(c, frame, ETHERTYPE_IP);
		uh = ip + tap_ip4_hdr(ip, *s4, *inany_v4(dst), IPPROTO_UDP,
				      ulen);
	} else {
		tap_eth_hdr(c, frame, ETHERTYPE_IPV6);
		uh = ip + tap_ip6_hdr(ip, &src->a6, &dst->a6, IPPROTO_UDP,
				      ulen, 64);
	}
	util_put_be16(uh, sport);
	util_put_be16(uh + 2, dport);
	util_put_be16(uh + 4, (uint16_t)ulen);
	util_put_be16(uh + 6, 0);
	if (s4)
		sum = csum_l4_4(*s4, *inany_v4(dst), IPPROTO_UDP, uh, ulen);
	else
		sum = csum_l4_6(&src->a6, &dst->a6, IPPROTO_UDP, uh, ulen);
	util_put_be16(uh + 6, sum ? sum : 0xffff);
	return (size_t)(uh - frame) + ulen;
}

/**
 * tap_send_udp4() - Send a UDP datagram to the guest over IPv4
 * @c:		Execution context
 * @src:	Source address
 * @sport:	Source port
 * @dst:	Destination address (255.255.255.255: Ethernet broadcast too)
 * @dport:	Destination port
 * @payload:	Payload
 * @len:	Payload length, bytes
 */
void tap_send_udp4(struct ctx *c, struct in_addr src, uint16_t sport,
		   struct in_addr dst, uint16_t dport,
		   const void *payload, size_t len)
{
	union inany_addr s, d;
	size_t n;

	if (len > sizeof(tap_scratch) - TAP_UDP4_PAYLOAD_OFF)
		return;
	inany_from_v4(&s, src);
	inany_from_v4(&d, dst);
	memcpy(tap_scratch + TAP_UDP4_PAYLOAD_OFF, payload, len);
	n = tap_udp_frame(c, tap_scratch, &s, sport, &d, dport, len);
	if (dst.s_addr == INADDR_BROADCAST)	/* DHCP broadcast replies */
		memset(tap_scratch, 0xff, ETH_ALEN);
	tap_send_frame(c, tap_scratch, n);
}

/**
 * tap_send_udp6() - Send a UDP datagram to the guest over IPv6
 * @c:		Execution context
 * @src:	Source address
 * @sport:	Source port
 * @dst:	Destination address (multicast: multicast MAC until the
 *		guest's is known, RFC 2464 §7)
 * @dport:	Destination port
 * @payload:	Payload
 * @len:	Payload length, bytes
 */
void tap_send_udp6(struct ctx *c, const struct in6_addr *src, uint16_t sport,
		   const struct in6_addr *dst, uint16_t dport,
		   const void *payload, size_t len)
{
	union inany_addr s, d;
	size_t n;

	if (len > sizeof(tap_scratch) - TAP_UDP6_PAYLOAD_OFF)
		return;
	inany_from_v6(&s, src);
	inany_from_v6(&d, dst);
	memcpy(tap_scratch + TAP_UDP6_PAYLOAD_OFF, payload, len);
	n = tap_udp_frame(c, tap_scratch, &s, sport, &d, dport, len);
	tap_mcast_mac(c, tap_scratch, dst);
	tap_send_frame(c, tap_scratch, n);
}

/* ICMP header and body under construction, for the ICMP builders */
static uint8_t tap_l4_scratch[65535];

/**
 * tap_send_icmp4() - Send an ICMP message to the guest, computing its sum
 * @c:		Execution context
 * @src:	Source address
 * @dst:	Destination address
 * @icmp:	ICMP header and body (checksum field is overwritten)
 * @len:	Length, bytes
 */
void tap_send_icmp4(struct ctx *c, struct in_addr src, struct in_addr dst,
		    const void *icmp, size_t len)
{
	if (len < 4 || len > sizeof(tap_l4_scratch))
		return;
	memcpy(tap_l4_scratch, icmp, len);
	util_put_be16(tap_l4_scratch + 2, 0);
	util_put_be16(tap_l4_scratch + 2, csum(tap_l4_scratch, len, 0));
	tap_send_ip4(c, src, dst, IPPROTO_ICMP, tap_l4_scratch, len);
}

/**
 * tap_send_icmp6() - Send an ICMPv6 message to the guest, computing its sum
 * @c:		Execution context
 * @src:	Source address
 * @dst:	Destination address
 * @icmp:	ICMPv6 header and body (checksum field is overwritten)
 * @len:	Length, bytes
 */
void tap_send_icmp6(struct ctx *c, const struct in6_addr *src,
		    const struct in6_addr *dst, const void *icmp, size_t len)
{
	if (len < 4 || len > sizeof(tap_l4_scratch))
		return;
	memcpy(tap_l4_scratch, icmp, len);
	util_put_be16(tap_l4_scratch + 2, 0);
	util_put_be16(tap_l4_scratch + 2,
		      csum_l4_6(src, dst, IPPROTO_ICMPV6, tap_l4_scratch, len));
	tap_send_ip6(c, src, dst, IPPROTO_ICMPV6, tap_l4_scratch, len);
}

/**
 * tap_cleanup() - Close the tap side and remove the socket at exit
 * @c:		Execution context
 *
 * #syscalls close unlink
 */
void tap_cleanup(struct ctx *c)
{
	if (c->fd_tap >= 0)
		close(c->fd_tap);
	if (c->fd_tap_listen >= 0) {
		close(c->fd_tap_listen);
		if (*c->sock_path)
			unlink(c->sock_path);
	}
	c->fd_tap = c->fd_tap_listen = -1;
}
