/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tap_dev.c - The tap device back-end (pasta): frames on a tap descriptor */

/**
 * DOC: Theory of operation
 *
 * In pasta mode the guest is a network namespace and its network card a
 * tap device in it (pasta.c creates it, IFF_TAP | IFF_NO_PI): each read()
 * of the descriptor gives one whole Ethernet frame the namespace sent,
 * each write() puts one frame into the namespace's stack. This module is
 * the back-end below tap.c (struct tap_backend), as vhost_user.c is for
 * vhost-user: tap.c still validates every frame, owns the output queue and
 * builds every header.
 *
 * In: on EPOLLIN, frames are read one read() each into consecutive places
 * of a static buffer until the descriptor says EAGAIN, TAP_BATCH_BYTES
 * were read, or TAP_DEV_BATCH_FRAMES; each is handed to tap_frame_in() as
 * it comes and the batch ends with tap_frames_end(), so TCP and UDP write
 * a flow's payload with one call, and its ACKs go out right after. Then
 * the next batch, up to TAP_DEV_BATCHES_MAX per wake-up (the epoll loop is
 * level-triggered: what is left wakes it again at once).
 *
 * The byte bound is what keeps a bulk sender moving: the namespace's
 * kernel writes frames as fast as we read them, so a batch ending only
 * at EAGAIN ran until the buffer was full, 2 MiB, the sender's whole
 * window, which then waited, unacknowledged, through one long sendmsg()
 * (the kernel runs the receiving side of a veth or loopback peer inside
 * that call). Measured (iperf3 namespace to remote, e2e bed, 3 s each,
 * two rounds, 2026-12-06): batches of 2 MiB 5.9 and 7.0 Gbit/s, 1 MiB 7.2
 * and 7.3, 512 KiB 9.4 and 8.1, 256 KiB 9.9, 10.6, 10.8 and 9.7, 128 KiB
 * 9.8, 10.7, 10.0 and 9.4, 64 KiB (one frame) 9.6 and 9.5.
 *
 * Out: tap_flush() hands each queued frame to tap_dev_send(), which writes
 * it with one writev() from where it lies (headers and payload in separate
 * buffers). The kernel runs the namespace's receive path inside that call
 * (netif_rx() from process context), so a write fails only when the tap
 * socket's send buffer is exhausted: then the frame is dropped, counted
 * by tap.c, and EPOLLOUT says when to tell the senders (tap_room_ready()).
 * Plain frames: no virtio-net header, no offloads; the device's MTU
 * (65520 by default) already lets TCP send 64 KiB segments. A virtio-net
 * header with checksum offload toward the namespace (IFF_VNET_HDR,
 * NEEDS_CSUM on TCP, DATA_VALID on the rest) was tried and measured
 * (iperf3 in the e2e bed, two rounds interleaved, 2026-12-05): remote to
 * namespace 7.14 and 6.63 Gbit/s against 8.26 and 7.35 plain, namespace
 * to remote 6.38 and 6.81 against 6.42 and 6.92. It bought nothing here,
 * so it is not built.
 *
 * Limits: TAP_BATCH_BYTES (and one frame) of frames per batch,
 * TAP_DEV_BATCH_FRAMES frames per batch, TAP_DEV_BATCHES_MAX batches per
 * wake-up;
 * TAP_DEV_ROOM_FRAMES frames toward the namespace per loop turn.
 */

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ctx.h"
#include "log.h"
#include "tap.h"
#include "tap_dev.h"
#include "util.h"

#define TAP_DEV_BUF_BYTES	(TAP_BATCH_BYTES + TAP_FRAME_MAX)
#define TAP_DEV_BATCH_FRAMES	256	/* frames per batch */
#define TAP_DEV_BATCHES_MAX	8	/* batches per wake-up, for fairness */
#define TAP_DEV_ROOM_FRAMES	1024	/* frames per loop turn, see room */

_Static_assert(TAP_BATCH_BYTES >= 2 * TAP_FRAME_MAX,
	       "a batch must take a few frames of the largest size");

static uint8_t tap_dev_buf[TAP_DEV_BUF_BYTES];
static bool tap_dev_pollout;		/* EPOLLOUT asked: someone waits */

/**
 * tap_dev_events() - Set the events the tap descriptor is watched for
 * @c:		Execution context
 * @pollout:	Also EPOLLOUT (room awaited)
 *
 * Return: 0 on success, -1 on failure (errno set)
 */
static int tap_dev_events(const struct ctx *c, bool pollout)
{
	union epoll_ref ref = { .type = EPOLL_TYPE_TAP_DEV, .fd = c->fd_tap };

	tap_dev_pollout = pollout;
	return util_epoll_mod(c->epollfd, c->fd_tap,
			      EPOLLIN | (pollout ? EPOLLOUT : 0), ref);
}

/**
 * tap_dev_attach() - Take the tap descriptor (struct tap_backend)
 * @c:		Execution context
 * @fd:		Tap descriptor, non-blocking, from pasta_tap_open()
 *
 * #syscalls:pasta close
 */
static void tap_dev_attach(struct ctx *c, int fd)
{
	union epoll_ref ref = { .type = EPOLL_TYPE_TAP_DEV, .fd = fd };

	if (util_epoll_add(c->epollfd, fd, EPOLLIN, ref)) {
		log_err("epoll_ctl on the tap device: %s", strerror(errno));
		close(fd);
		return;
	}
	c->fd_tap = fd;
	tap_dev_pollout = false;
}

/**
 * tap_dev_connected() - Can frames go to the namespace? (struct tap_backend)
 * @c:		Execution context
 *
 * Return: true while the descriptor is open (a link that is down takes
 *	   frames and drops them: the namespace's business)
 */
static bool tap_dev_connected(const struct ctx *c)
{
	return c->fd_tap >= 0;
}

/**
 * tap_dev_send() - Write one frame to the namespace (struct tap_backend)
 * @c:		Execution context
 * @iov:	Segments of the frame
 * @iovcnt:	Number of segments
 * @len:	Frame length, bytes
 * @offl:	Work left to the guest side: none is offered (tap_dev_offloads
 *		is NULL), so it asks for none
 *
 * #syscalls:pasta writev
 * Return: true if written, false if dropped (counted by tap.c)
 */
static bool tap_dev_send(struct ctx *c, const struct iovec *iov, int iovcnt,
			 size_t len, const struct tap_offload *offl)
{
	ssize_t n;

	(void)offl;
	do
		n = writev(c->fd_tap, iov, iovcnt);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)len)
		return true;
	if (n < 0 && errno != EAGAIN)
		log_ratelimit(LOG_DEBUG, util_now_ms(),
			      "tap device: writev of %zu bytes: %s", len,
			      strerror(errno));
	return false;
}

/**
 * tap_dev_send_end() - The frames of this loop turn are written
 *			(struct tap_backend): nothing is held back
 * @c:		Execution context
 */
static void tap_dev_send_end(struct ctx *c)
{
	(void)c;
}

/**
 * tap_dev_room() - Frames that may go to the namespace now
 *		    (struct tap_backend)
 * @c:		Execution context
 * @frame_len:	Frame length, bytes
 *
 * A write runs the namespace's receive path at once and does not queue
 * in the device: there is no buffer to measure. TAP_DEV_ROOM_FRAMES per
 * loop turn keeps one turn's writing bounded; while a write failed for
 * want of buffer (EPOLLOUT awaited), nothing.
 *
 * Return: frames
 */
static size_t tap_dev_room(struct ctx *c, size_t frame_len)
{
	(void)frame_len;
	if (c->fd_tap < 0 || tap_dev_pollout)
		return 0;
	return TAP_DEV_ROOM_FRAMES;
}

/**
 * tap_dev_room_wait() - Be told when writes fit again (struct tap_backend)
 * @c:		Execution context
 */
static void tap_dev_room_wait(struct ctx *c)
{
	if (c->fd_tap < 0 || tap_dev_pollout)
		return;
	if (tap_dev_events(c, true))
		log_debug("tap device: epoll_ctl for EPOLLOUT: %s",
			  strerror(errno));
}

/* The back-end as tap.c sees it */
static const struct tap_backend tap_dev_backend = {
	.attach		= tap_dev_attach,
	.connected	= tap_dev_connected,
	.send		= tap_dev_send,
	.send_end	= tap_dev_send_end,
	.room		= tap_dev_room,
	.room_wait	= tap_dev_room_wait,
	.offloads	= NULL,
};

/**
 * tap_dev_read_batch() - Read and hand over one batch of frames
 * @c:		Execution context
 * @now_ms:	Current time, milliseconds
 * @more:	Set if the batch ended at a limit, not at EAGAIN
 *
 * #syscalls:pasta read
 * Return: frames read, or -errno if the descriptor failed (not EAGAIN)
 */
static int tap_dev_read_batch(struct ctx *c, uint64_t now_ms, bool *more)
{
	size_t off = 0;
	int frames = 0, ret = 0;

	while (frames < TAP_DEV_BATCH_FRAMES && off < TAP_BATCH_BYTES) {
		ssize_t n = read(c->fd_tap, tap_dev_buf + off, TAP_FRAME_MAX);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (errno != EAGAIN)
				ret = -errno;
			break;
		}
		if (!n) {
			ret = -EPIPE;
			break;
		}
		tap_frame_in(c, tap_dev_buf + off, (size_t)n, now_ms);
		off += (size_t)n;
		frames++;
	}
	*more = !ret && (frames == TAP_DEV_BATCH_FRAMES ||
			 off >= TAP_BATCH_BYTES);
	if (frames)
		tap_frames_end(c, now_ms);
	return ret ? ret : frames;
}

/**
 * tap_dev_handler() - Events on the tap descriptor
 * @c:		Execution context
 * @events:	epoll events
 * @now_ms:	Current time, milliseconds
 *
 * A descriptor that fails ends the guest's link (tap_guest_detach(): in
 * pasta mode the daemon exits, as nothing can attach again).
 */
void tap_dev_handler(struct ctx *c, uint32_t events, uint64_t now_ms)
{
	bool more = true;
	int i, n = 0;

	if ((events & EPOLLOUT) && tap_dev_pollout) {
		if (tap_dev_events(c, false))
			log_debug("tap device: epoll_ctl: %s",
				  strerror(errno));
		tap_room_ready(c, now_ms);
	}
	for (i = 0; i < TAP_DEV_BATCHES_MAX && (events & EPOLLIN) && more;
	     i++)
		n = tap_dev_read_batch(c, now_ms, &more);
	if (n < 0) {
		tap_guest_detach(c, strerror(-n), now_ms);
		return;
	}
	if ((events & (EPOLLERR | EPOLLHUP)) && !(events & EPOLLIN))
		tap_guest_detach(c, "tap device error or hang-up", now_ms);
}

/**
 * tap_dev_init() - Be tap.c's back-end, before tap_init() takes the
 *		    descriptor (pasta mode)
 * @c:		Execution context
 */
void tap_dev_init(struct ctx *c)
{
	(void)c;
	tap_backend_set(&tap_dev_backend);
}
