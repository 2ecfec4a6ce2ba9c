/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vhost_user.c - The vhost-user back-end: qemu's guest memory and rings */

/**
 * DOC: Theory of operation
 *
 * With --vhost-user, the socket qemu (or libvirt, or a test front-end)
 * connects to carries vhost-user messages (qemu's docs/interop/vhost-user.rst)
 * instead of frames: the front-end hands over its guest memory (file
 * descriptors of shared memory, mapped here) and the addresses of two split
 * virtqueues in it (virtio 1.x), and the daemon is the virtio-net device:
 * it takes the guest's frames from the transmit queue and writes frames for
 * the guest into the buffers of the receive queue itself. tap.c still owns
 * the socket set-up, frame validation and the output queue; this module is
 * the back-end below it (struct tap_backend).
 *
 * Messages: read from the non-blocking control socket into a buffer until
 * a whole message (header and its payload, at most VU_PAYLOAD_MAX bytes)
 * and its descriptors are in, then handled; a size beyond the limit cannot
 * be skipped safely and ends the connection. Each message's payload size is
 * checked before it is read. With REPLY_ACK negotiated, a message asking
 * for a reply gets 0 (done) or 1 (refused); an unknown request is refused
 * the same way, and logged.
 *
 * Guest to host (transmit queue, on a kick): chains are taken in batches of
 * VU_TX_BATCH chains or VU_TX_BATCH_BYTES of frames, and what a batch made
 * (the ACKs of its data) goes to the guest before the next batch
 * (tap_frames_end()), so that a bulk sender hears of its data while it
 * sends (guest to remote 8.9 to 10.6 Gbit/s before, 10.2 to 11.1 after:
 * e2e bed, 3 s runs, five each, 2026-12-06); a frame in one segment is
 * handed to tap_frame_in() where it lies in guest memory, one spread over
 * several segments is gathered into vu_tx_buf first. The chains go back to
 * the guest once the whole batch was handed over (tap_frames_end()), since
 * TCP and UDP write the batch's payload to their sockets straight from the
 * frames.
 *
 * Host to guest (receive queue): tap_flush() hands each queued frame to
 * vu_send(), which takes as many receive buffers as the frame and its
 * virtio-net header need (mergeable buffers: num_buffers in the header),
 * copies the frame into them, and publishes them with the others of the
 * loop turn in vu_send_end(), then notifies the guest once, if it asked
 * (EVENT_IDX or the NO_INTERRUPT flag). With no buffers left, TCP stops
 * reading its sockets (tap_room()) and the receive queue's kick, enabled
 * then, says when the guest added some.
 *
 * A hostile or broken front-end: every ring access goes through virtio.c,
 * which checks every descriptor against the memory regions; a broken ring
 * is logged and ends the connection, and the daemon waits for the next
 * front-end. The front-end going away (its socket closed), a reset
 * (RESET_OWNER) or the receive ring stopping (GET_VRING_BASE, a guest
 * reset) resets every flow toward its host peer.
 *
 * Limits: VU_MEM_REGIONS_MAX regions of guest memory (mapped here, not
 * counted as the daemon's own memory: vu_mapped_bytes() reports them);
 * VU_TX_BATCH chains per transmit batch; VU_RX_BUFS_MAX receive buffers per
 * frame; one queue pair.
 */

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checksum.h"
#include "ctx.h"
#include "log.h"
#include "tap.h"
#include "util.h"
#include "vhost_user.h"
#include "virtio.h"

/* Requests, vhost-user.rst: Front-end message types */
enum vu_request {
	VU_GET_FEATURES		= 1,
	VU_SET_FEATURES		= 2,
	VU_SET_OWNER		= 3,
	VU_RESET_OWNER		= 4,
	VU_SET_MEM_TABLE	= 5,
	VU_SET_LOG_BASE		= 6,
	VU_SET_LOG_FD		= 7,
	VU_SET_VRING_NUM	= 8,
	VU_SET_VRING_ADDR	= 9,
	VU_SET_VRING_BASE	= 10,
	VU_GET_VRING_BASE	= 11,
	VU_SET_VRING_KICK	= 12,
	VU_SET_VRING_CALL	= 13,
	VU_SET_VRING_ERR	= 14,
	VU_GET_PROTOCOL_FEATURES = 15,
	VU_SET_PROTOCOL_FEATURES = 16,
	VU_GET_QUEUE_NUM	= 17,
	VU_SET_VRING_ENABLE	= 18,
	VU_SEND_RARP		= 19,
	VU_NET_SET_MTU		= 20,
};

/* Header flags: version in bits 0-1, reply, need_reply */
#define VU_VERSION		0x1U
#define VU_VERSION_MASK		0x3U
#define VU_FLAG_REPLY		0x4U
#define VU_FLAG_NEED_REPLY	0x8U

/* SET_VRING_KICK/CALL/ERR payload: queue index, "no descriptor" flag */
#define VU_VRING_IDX_MASK	0xffU
#define VU_VRING_NOFD		(1ULL << 8)

/* Feature bits we offer (virtio 1.x, virtio-net and reserved bits) */
#define VU_F_CSUM		0	/* VIRTIO_NET_F_CSUM: guest may send
					 * partial checksums */
#define VU_F_GUEST_CSUM		1	/* we may send partial checksums */
#define VU_F_GUEST_TSO4		7	/* we may send TCP/IPv4 super-frames */
#define VU_F_GUEST_TSO6		8	/* we may send TCP/IPv6 super-frames */
#define VU_F_HOST_TSO4		11	/* the guest may send them to us */
#define VU_F_HOST_TSO6		12
#define VU_F_MRG_RXBUF		15	/* VIRTIO_NET_F_MRG_RXBUF */
#define VU_F_INDIRECT_DESC	28	/* VIRTIO_F_INDIRECT_DESC */
#define VU_F_EVENT_IDX		29	/* VIRTIO_F_EVENT_IDX */
#define VU_F_PROTOCOL_FEATURES	30	/* VHOST_USER_F_PROTOCOL_FEATURES */
#define VU_F_VERSION_1		32	/* VIRTIO_F_VERSION_1 */
#define VU_FEATURES	((1ULL << VU_F_CSUM) | (1ULL << VU_F_GUEST_CSUM) |	\
			 (1ULL << VU_F_GUEST_TSO4) |			\
			 (1ULL << VU_F_GUEST_TSO6) |			\
			 (1ULL << VU_F_HOST_TSO4) |			\
			 (1ULL << VU_F_HOST_TSO6) |			\
			 (1ULL << VU_F_MRG_RXBUF) |			\
			 (1ULL << VU_F_INDIRECT_DESC) |			\
			 (1ULL << VU_F_EVENT_IDX) |			\
			 (1ULL << VU_F_PROTOCOL_FEATURES) |		\
			 (1ULL << VU_F_VERSION_1))

/* Protocol feature bits we offer: one queue pair (MQ, to answer
 * GET_QUEUE_NUM), REPLY_ACK
 */
#define VU_PROTO_MQ		0
#define VU_PROTO_REPLY_ACK	3
#define VU_PROTO_FEATURES	((1ULL << VU_PROTO_MQ) |		\
				 (1ULL << VU_PROTO_REPLY_ACK))
#define VU_QUEUE_PAIRS		1	/* GET_QUEUE_NUM */

#define VU_PAYLOAD_MAX		4096	/* bytes, largest message accepted */
#define VU_FDS_MAX		VU_MEM_REGIONS_MAX	/* per message */
#define VU_NET_HDR_LEN		12	/* virtio_net_hdr_mrg_rxbuf, VERSION_1 */
/* virtio_net_hdr fields: flags, gso_type, hdr_len, gso_size, csum_start,
 * csum_offset, num_buffers (virtio 1.x, Device Operation: Packet
 * Transmission)
 */
#define VU_HDR_F_NEEDS_CSUM	1
#define VU_HDR_F_DATA_VALID	2
#define VU_HDR_GSO_TCPV4	1
#define VU_HDR_GSO_TCPV6	4
#define VU_NET_HDR_LEN_LEGACY	10	/* without VERSION_1 or MRG_RXBUF */
#define VU_TX_BATCH		256	/* chains per transmit batch */
/* A batch ends past this: twice TAP_BATCH_BYTES, as 256 KiB measured lower
 * here (9.1 and 9.9 Gbit/s guest to remote against 10.7 and 11.1)
 */
#define VU_TX_BATCH_BYTES	(2 * TAP_BATCH_BYTES)
/* Gathered frames: a batch's bytes, then the frame that ends it */
#define VU_TX_BUF_BYTES		\
	(VU_TX_BATCH_BYTES + TAP_FRAME_MAX + VU_NET_HDR_LEN)
#define VU_RX_BUFS_MAX		64	/* receive buffers per frame, 128 KiB */
#define VU_RX_BUF_GUESS		1526	/* bytes per receive buffer, first guess */
#define VU_MTU_MAX		65535	/* NET_SET_MTU */
/* Frames the guest had no receive buffer for, kept in order until it posts
 * some, as a socket buffer would keep them: control segments of many flows
 * at once (a thousand SYN-ACKs) outnumber a 256-entry ring. 2 MiB, 2048
 * frames; beyond that, frames are dropped (counted, TAP_FULL).
 */
#define VU_BACKLOG_BYTES	(2 * 1024 * 1024)
#define VU_BACKLOG_FRAMES	2048

_Static_assert(VU_TX_BUF_BYTES >= 2 * (TAP_FRAME_MAX + VU_NET_HDR_LEN),
	       "gather buffer must hold the largest frame");

/**
 * struct vu_hdr - Message header, vhost-user.rst: Message format
 * @request:	enum vu_request
 * @flags:	VU_VERSION, VU_FLAG_*
 * @size:	Payload bytes following
 */
struct vu_hdr {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
};

/**
 * struct vu_vring_state - Payload of SET_VRING_NUM/BASE/ENABLE, GET_VRING_BASE
 * @index:	Queue
 * @num:	Value
 */
struct vu_vring_state {
	uint32_t index;
	uint32_t num;
};

/**
 * struct vu_vring_addr - Payload of SET_VRING_ADDR
 * @index:	Queue
 * @flags:	Logging flag (we offer no logging)
 * @desc:	Descriptor table, front-end address
 * @used:	Used ring, front-end address
 * @avail:	Available ring, front-end address
 * @log:	Log address, unused
 */
struct vu_vring_addr {
	uint32_t index;
	uint32_t flags;
	uint64_t desc;
	uint64_t used;
	uint64_t avail;
	uint64_t log;
};

/**
 * struct vu_mem_desc - One region of SET_MEM_TABLE
 * @gpa:	Guest-physical address
 * @size:	Bytes
 * @uva:	Front-end's address
 * @mmap_offset:	Offset of the region in the descriptor's file
 */
struct vu_mem_desc {
	uint64_t gpa;
	uint64_t size;
	uint64_t uva;
	uint64_t mmap_offset;
};

/**
 * struct vu_mem_table - Payload of SET_MEM_TABLE
 * @nregions:	Regions used
 * @padding:	Zero
 * @r:		Regions, one descriptor each in the message
 */
struct vu_mem_table {
	uint32_t nregions;
	uint32_t padding;
	struct vu_mem_desc r[VU_MEM_REGIONS_MAX];
};

/**
 * struct vu_map - One mapping of guest memory
 * @addr:	Where it is mapped, NULL if unused
 * @len:	Bytes mapped (region and its offset in the file)
 */
struct vu_map {
	void *addr;
	size_t len;
};

/**
 * struct vu_vring - One queue: what the front-end said, and the ring
 * @q:		The split virtqueue (virtio.c)
 * @num:	SET_VRING_NUM
 * @desc:	SET_VRING_ADDR: descriptor table
 * @avail:	SET_VRING_ADDR: available ring
 * @used:	SET_VRING_ADDR: used ring
 * @base:	SET_VRING_BASE
 * @kick:	Kick eventfd (the guest tells us), -1 if none
 * @call:	Call eventfd (we tell the guest), -1 if none
 * @started:	Set up by SET_VRING_KICK, not stopped since
 * @enabled:	Enabled (SET_VRING_ENABLE, or no protocol features)
 */
struct vu_vring {
	struct virtq q;
	unsigned int num;
	uint64_t desc;
	uint64_t avail;
	uint64_t used;
	uint16_t base;
	int kick;
	int call;
	bool started;
	bool enabled;
};

/**
 * struct vu_dev - The device, for the one front-end attached
 * @fd:		Control socket, -1 if none
 * @features:	Negotiated features
 * @proto:	Negotiated protocol features
 * @hdr_len:	virtio-net header length for the negotiated features
 * @mem:	Guest memory regions (virtio.c)
 * @map:	Our mappings of them
 * @vq:		Receive and transmit queues
 * @rx_pending:	Receive chains filled this loop turn, not yet published
 * @rx_buf_len:	Running average of a receive buffer's size, for vu_room()
 * @rx_waiting:	Someone waits for receive buffers (tap_room_wait())
 * @broken:	The front-end broke the protocol or a ring: being dropped
 */
static struct vu_dev {
	int fd;
	uint64_t features;
	uint64_t proto;
	size_t hdr_len;
	struct vu_mem mem;
	struct vu_map map[VU_MEM_REGIONS_MAX];
	struct vu_vring vq[VU_QUEUES];
	unsigned int rx_pending;
	size_t rx_buf_len;
	bool rx_waiting;
	bool broken;
} vu = { .fd = -1 };

/* Message under reception: header and payload, descriptors that came */
static uint8_t vu_msg[sizeof(struct vu_hdr) + VU_PAYLOAD_MAX]
	__attribute__((aligned(8)));
static size_t vu_msg_len;
static int vu_msg_fds[VU_FDS_MAX];
static unsigned int vu_msg_nfds;

/* Transmit batch: chains taken, and frames gathered from several segments */
static struct virtq_elem vu_tx_elem[VU_TX_BATCH];
static uint8_t vu_tx_buf[VU_TX_BUF_BYTES];

/* Receive buffers taken for the frame being written */
static struct virtq_elem vu_rx_elem[VU_RX_BUFS_MAX];

/* Receive buffers taken for frames written in place (vu_direct_get()):
 * per buffer its head and writable bytes, per frame its first buffer and
 * where its virtio-net header goes
 */
#define VU_DIRECT_BUFS		1024
static struct {
	uint16_t head;
	uint32_t cap;
} vu_dbuf[VU_DIRECT_BUFS];
static struct {
	uint8_t *net_hdr;
	unsigned int buf;
} vu_dframe[TAP_DIRECT_FRAMES + 1];

/* Frames waiting for receive buffers: a ring of bytes, and their lengths */
static uint8_t vu_backlog[VU_BACKLOG_BYTES];
static size_t vu_backlog_len[VU_BACKLOG_FRAMES];
static uint8_t vu_backlog_hdr[VU_BACKLOG_FRAMES][VU_NET_HDR_LEN];
static unsigned int vu_backlog_first, vu_backlog_n;
static size_t vu_backlog_head, vu_backlog_used;	/* byte offset, bytes */

static const char *const vu_queue_name[VU_QUEUES] = { "RX", "TX" };

/**
 * vu_mapped_bytes() - Guest memory mapped now (the guest's, not ours)
 *
 * Return: bytes
 */
uint64_t vu_mapped_bytes(void)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < VU_MEM_REGIONS_MAX; i++)
		n += vu.map[i].len;
	return n;
}

/**
 * vu_print_capabilities() - The JSON of the vhost-user back-end program
 *			     convention (vhost-user.rst: Backend program
 *			     conventions), for --print-capabilities
 */
void vu_print_capabilities(void)
{
	printf("{\n  \"type\": \"net\"\n}\n");
}

/**
 * vu_fds_close() - Close descriptors that came with a message, unused
 *
 * #syscalls close
 */
static void vu_fds_close(void)
{
	unsigned int i;

	for (i = 0; i < vu_msg_nfds; i++)
		if (vu_msg_fds[i] >= 0)
			close(vu_msg_fds[i]);
	vu_msg_nfds = 0;
}

/**
 * vu_unmap() - Drop every mapping of guest memory
 *
 * #syscalls munmap
 */
static void vu_unmap(void)
{
	int i;

	for (i = 0; i < VU_MEM_REGIONS_MAX; i++) {
		if (vu.map[i].addr)
			munmap(vu.map[i].addr, vu.map[i].len);
		vu.map[i].addr = NULL;
		vu.map[i].len = 0;
	}
	vu_mem_init(&vu.mem);
}

/**
 * vu_notify() - Tell the guest a queue has used buffers, if it asked
 * @vr:		Queue
 *
 * #syscalls write
 */
static void vu_notify(struct vu_vring *vr)
{
	uint64_t one = 1;

	if (vr->call < 0 || !virtq_need_notify(&vr->q))
		return;
	if (write(vr->call, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_debug("vhost-user: call eventfd: %s", strerror(errno));
}

/**
 * vu_vring_stop() - Stop a queue: no more processing, kick fd closed
 * @c:		Execution context
 * @vr:		Queue
 *
 * #syscalls close epoll_ctl
 */
static void vu_vring_stop(const struct ctx *c, struct vu_vring *vr)
{
	if (vr->kick >= 0) {
		util_epoll_del(c->epollfd, vr->kick);
		close(vr->kick);
	}
	vr->kick = -1;
	vr->started = false;
}

/**
 * vu_vring_reset() - Forget a queue entirely
 * @c:		Execution context
 * @vr:		Queue
 *
 * #syscalls close
 */
static void vu_vring_reset(const struct ctx *c, struct vu_vring *vr)
{
	vu_vring_stop(c, vr);
	if (vr->call >= 0)
		close(vr->call);
	memset(vr, 0, sizeof(*vr));
	vr->kick = vr->call = -1;
	virtq_init(&vr->q);
}

/**
 * vu_dev_reset() - Back to the state of a fresh connection
 * @c:		Execution context
 */
static void vu_dev_reset(const struct ctx *c)
{
	int i;

	for (i = 0; i < VU_QUEUES; i++)
		vu_vring_reset(c, &vu.vq[i]);
	vu_unmap();
	vu.features = vu.proto = 0;
	vu.hdr_len = VU_NET_HDR_LEN_LEGACY;
	vu.rx_pending = 0;
	vu.rx_buf_len = VU_RX_BUF_GUESS;
	vu.rx_waiting = false;
	vu.broken = false;
	vu_backlog_first = vu_backlog_n = 0;
	vu_backlog_head = vu_backlog_used = 0;
	vu_msg_len = 0;
	vu_fds_close();
}

/**
 * vu_drop() - End the connection to the front-end, reset its flows
 * @c:		Execution context
 * @why:	Reason, for the log
 * @now_ms:	Current time, milliseconds
 *
 * tap.c then tells the layer above (flows reset, --one-off exits).
 */
static void vu_drop(struct ctx *c, const char *why, uint64_t now_ms)
{
	if (vu.fd < 0)
		return;
	vu_dev_reset(c);
	vu.fd = -1;
	tap_guest_detach(c, why, now_ms);
}

/**
 * vu_attach() - A front-end connected (struct tap_backend)
 * @c:		Execution context
 * @fd:		Its socket
 *
 * #syscalls close
 */
static void vu_attach(struct ctx *c, int fd)
{
	union epoll_ref ref = { .type = EPOLL_TYPE_VHOST_CMD, .fd = fd };

	if (util_epoll_add(c->epollfd, fd, EPOLLIN | EPOLLRDHUP, ref)) {
		log_err("epoll_ctl on vhost-user socket: %s", strerror(errno));
		close(fd);
		return;
	}
	vu_dev_reset(c);
	vu.fd = c->fd_tap = fd;
	log_info("Guest connected (vhost-user front-end)");
}

/**
 * vu_connected() - Can frames go to the guest? (struct tap_backend)
 * @c:		Execution context
 *
 * Return: true if the receive queue is started and enabled
 */
static bool vu_connected(const struct ctx *c)
{
	(void)c;
	return vu.fd >= 0 && vu.vq[VU_RX_QUEUE].started &&
	       vu.vq[VU_RX_QUEUE].enabled && !vu.broken;
}

/**
 * vu_reply() - Send a reply to the front-end
 * @req:	Request it answers
 * @payload:	Payload
 * @len:	Its size, bytes
 *
 * #syscalls sendmsg
 * Return: 0 on success, -1 if the socket failed (the caller drops it)
 */
static int vu_reply(uint32_t req, const void *payload, size_t len)
{
	struct vu_hdr h = { req, VU_VERSION | VU_FLAG_REPLY, (uint32_t)len };
	struct iovec iov[2] = { { &h, sizeof(h) },
				{ (void *)(uintptr_t)payload, len } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	ssize_t n = sendmsg(vu.fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);

	return n == (ssize_t)(sizeof(h) + len) ? 0 : -1;
}

/**
 * vu_reply_u64() - Send a 64-bit reply
 * @req:	Request it answers
 * @v:		Value
 *
 * Return: vu_reply() result
 */
static int vu_reply_u64(uint32_t req, uint64_t v)
{
	return vu_reply(req, &v, sizeof(v));
}

/**
 * vu_mem_fd_covers() - Does a region's file hold all the region says it has?
 * @fd:		Descriptor from SET_MEM_TABLE
 * @len:	Bytes the region takes from the file's start (offset + size)
 *
 * A mapping reaching past the end of a regular file (memfd, tmpfs,
 * hugetlbfs: what qemu backs guest memory with) is made all the same, but
 * touching a ring or buffer there raises SIGBUS: a wrong table would end
 * the daemon. Other kinds of file are left to mmap() to accept or refuse.
 * A front-end that shrinks the file later can still do it, as it can
 * break the guest in other ways; this is against mistakes.
 *
 * #syscalls fstat newfstatat
 * Return: true if it does, or the file has no size to check
 */
static bool vu_mem_fd_covers(int fd, uint64_t len)
{
	struct stat st;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		return true;
	return st.st_size >= 0 && (uint64_t)st.st_size >= len;
}

/**
 * vu_mem_table_set() - SET_MEM_TABLE: map the guest's memory
 * @t:		Table, size already checked
 *
 * Each region is mapped shared from its descriptor; the new table replaces
 * the old one only if every region could be mapped, and started rings are
 * moved over to it before the old mappings go.
 *
 * #syscalls mmap munmap
 * Return: 0 on success, -1 if refused (logged)
 */
static int vu_mem_table_set(const struct vu_mem_table *t)
{
	struct vu_map map[VU_MEM_REGIONS_MAX] = { 0 };
	struct vu_mem mem;
	unsigned int i;
	int q;

	vu_mem_init(&mem);
	if (t->nregions > VU_MEM_REGIONS_MAX || t->nregions != vu_msg_nfds) {
		log_warn("vhost-user: SET_MEM_TABLE with %u regions and %u "
			 "descriptors: refused", t->nregions, vu_msg_nfds);
		return -1;
	}
	for (i = 0; i < t->nregions; i++) {
		const struct vu_mem_desc *r = &t->r[i];
		uint64_t len = r->mmap_offset + r->size;
		void *p;

		if (!r->size || len < r->size || len > SIZE_MAX)
			goto fail;
		if (!vu_mem_fd_covers(vu_msg_fds[i], len)) {
			log_warn("vhost-user: region %u ends at %llu bytes, "
				 "past the end of its file: refused", i,
				 (unsigned long long)len);
			goto fail;
		}
		p = mmap(NULL, (size_t)len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_NORESERVE, vu_msg_fds[i], 0);
		if (p == MAP_FAILED) {
			log_warn("vhost-user: mapping region %u (%llu bytes): "
				 "%s", i, (unsigned long long)len,
				 strerror(errno));
			goto fail;
		}
		map[i].addr = p;
		map[i].len = (size_t)len;
		if (vu_mem_add(&mem, r->gpa, r->size, r->uva,
			       (uint8_t *)p + r->mmap_offset))
			goto fail;
	}

	for (q = 0; q < VU_QUEUES; q++) {
		struct vu_vring *vr = &vu.vq[q];

		if (vr->started && virtq_remap(&vr->q, &mem)) {
			log_warn("vhost-user: %s ring outside the new memory "
				 "table: refused", vu_queue_name[q]);
			goto fail;
		}
	}
	vu_unmap();
	memcpy(vu.map, map, sizeof(map));
	vu.mem = mem;
	log_info("vhost-user: guest memory mapped, %u regions, %llu bytes "
		 "(the guest's, beside our own)", t->nregions,
		 (unsigned long long)vu_mapped_bytes());
	return 0;
fail:
	for (i = 0; i < VU_MEM_REGIONS_MAX; i++)
		if (map[i].addr)
			munmap(map[i].addr, map[i].len);
	for (q = 0; q < VU_QUEUES; q++)
		if (vu.vq[q].started)
			virtq_remap(&vu.vq[q].q, &vu.mem);
	return -1;
}

/**
 * vu_vring_start() - SET_VRING_KICK: set the ring up and start it
 * @c:		Execution context
 * @q:		Queue
 * @fd:		Kick eventfd, or -1 (the front-end will not kick: refused)
 *
 * #syscalls epoll_ctl
 * Return: 0 on success, -1 if refused (logged)
 */
static int vu_vring_start(const struct ctx *c, int q, int fd)
{
	union epoll_ref ref = { .type = EPOLL_TYPE_VHOST_KICK, .idx = q };
	struct vu_vring *vr = &vu.vq[q];

	vu_vring_stop(c, vr);
	if (fd < 0) {
		log_warn("vhost-user: %s ring without a kick descriptor "
			 "(polling): not supported", vu_queue_name[q]);
		return -1;
	}
	vr->kick = fd;
	virtq_set_features(&vr->q, vu.features);
	if (virtq_setup(&vr->q, &vu.mem, vr->num, vr->desc, vr->avail,
			vr->used, vr->base)) {
		log_warn("vhost-user: %s ring refused: %s", vu_queue_name[q],
			 virtq_err_str(vr->q.broken_why));
		return -1;
	}
	ref.fd = fd;
	/* Edge-triggered: every write of the front-end to the eventfd is one
	 * event, so the counter needs no read() to re-arm it (one system call
	 * less per kick); it cannot reach its limit, 2^64 - 2 kicks
	 */
	if (util_epoll_add(c->epollfd, fd, EPOLLIN | EPOLLET, ref))
		return -1;
	if (q == VU_RX_QUEUE)
		virtq_disable_kicks(&vr->q);	/* only when waiting: room */
	vr->started = true;
	log_debug("vhost-user: %s ring started, %u descriptors, base %u",
		  vu_queue_name[q], vr->num, vr->base);
	return 0;
}

/**
 * vu_vring_msg_queue() - Queue index of a vring message, checked
 * @index:	Index from the payload
 *
 * Return: queue, or -1 if not one of ours
 */
static int vu_vring_msg_queue(uint64_t index)
{
	return index < VU_QUEUES ? (int)index : -1;
}

static void vu_tx(struct ctx *c, uint64_t now_ms);
static bool vu_backlog_flush(struct ctx *c);
static void vu_send_end(struct ctx *c);
static void vu_room_wait(struct ctx *c);

/**
 * vu_vring_fd_msg() - SET_VRING_KICK, _CALL or _ERR
 * @c:		Execution context
 * @req:	Request
 * @v:		Payload: queue index, VU_VRING_NOFD
 * @now_ms:	Current time, milliseconds
 *
 * #syscalls close
 * Return: 0 on success, -1 if refused
 */
static int vu_vring_fd_msg(struct ctx *c, uint32_t req, uint64_t v,
			   uint64_t now_ms)
{
	int q = vu_vring_msg_queue(v & VU_VRING_IDX_MASK), fd = -1;
	bool nofd = v & VU_VRING_NOFD;

	if (q < 0 || nofd != !vu_msg_nfds || vu_msg_nfds > 1)
		return -1;
	if (!nofd) {
		fd = vu_msg_fds[0];
		vu_msg_nfds = 0;		/* ours now */
	}
	switch ((enum vu_request)req) {
	case VU_SET_VRING_KICK:
		if (vu_vring_start(c, q, fd)) {
			if (fd >= 0 && vu.vq[q].kick != fd)
				close(fd);
			return -1;
		}
		if (q == VU_TX_QUEUE)
			vu_tx(c, now_ms);	/* no kick needed to start */
		return 0;
	case VU_SET_VRING_CALL:
		if (vu.vq[q].call >= 0)
			close(vu.vq[q].call);
		vu.vq[q].call = fd;		/* -1: never signal */
		return 0;
	default:				/* VU_SET_VRING_ERR: unused */
		if (fd >= 0)
			close(fd);
		return 0;
	}
}

/**
 * vu_features_set() - SET_FEATURES
 * @v:		Features the front-end accepted
 *
 * Return: 0 on success, -1 if it accepted one we did not offer
 */
static int vu_features_set(uint64_t v)
{
	int q;

	if (v & ~VU_FEATURES)
		return -1;
	vu.features = v;
	vu.hdr_len = (v & ((1ULL << VU_F_VERSION_1) |
			   (1ULL << VU_F_MRG_RXBUF))) ?
		     VU_NET_HDR_LEN : VU_NET_HDR_LEN_LEGACY;
	for (q = 0; q < VU_QUEUES; q++) {
		virtq_set_features(&vu.vq[q].q, v);
		/* Without protocol features, rings start enabled */
		if (!(v & (1ULL << VU_F_PROTOCOL_FEATURES)))
			vu.vq[q].enabled = true;
	}
	return 0;
}

/**
 * vu_payload_ok() - Is a message's payload the size its request takes?
 * @req:	Request
 * @size:	Payload size
 *
 * Return: true if it is (or the request takes any size)
 */
static bool vu_payload_ok(uint32_t req, uint32_t size)
{
	switch ((enum vu_request)req) {
	case VU_GET_FEATURES:
	case VU_SET_OWNER:
	case VU_RESET_OWNER:
	case VU_GET_PROTOCOL_FEATURES:
	case VU_GET_QUEUE_NUM:
		return true;		/* no payload to read */
	case VU_SET_FEATURES:
	case VU_SET_PROTOCOL_FEATURES:
	case VU_SET_VRING_KICK:
	case VU_SET_VRING_CALL:
	case VU_SET_VRING_ERR:
	case VU_SET_LOG_BASE:
	case VU_SET_LOG_FD:
	case VU_NET_SET_MTU:
	case VU_SEND_RARP:
		return size >= sizeof(uint64_t);
	case VU_SET_VRING_NUM:
	case VU_SET_VRING_BASE:
	case VU_GET_VRING_BASE:
	case VU_SET_VRING_ENABLE:
		return size == sizeof(struct vu_vring_state);
	case VU_SET_VRING_ADDR:
		return size == sizeof(struct vu_vring_addr);
	case VU_SET_MEM_TABLE:
		return size >= 8 && size <= sizeof(struct vu_mem_table) &&
		       !((size - 8) % sizeof(struct vu_mem_desc));
	}
	return true;			/* unknown: refused by the handler */
}

/**
 * vu_handle() - Handle one whole message
 * @c:		Execution context
 * @h:		Header
 * @p:		Payload, h->size bytes
 * @now_ms:	Current time, milliseconds
 *
 * Return: 0 done, 1 refused (ack 1 if asked), -1 drop the front-end
 */
static int vu_handle(struct ctx *c, const struct vu_hdr *h, const uint8_t *p,
		     uint64_t now_ms)
{
	struct vu_vring_state st;
	struct vu_vring_addr a;
	uint64_t v = 0;
	int q;

	if (!vu_payload_ok(h->request, h->size)) {
		log_warn("vhost-user: request %u with a %u-byte payload: "
			 "refused", h->request, h->size);
		return 1;
	}
	if (h->size >= sizeof(v))
		memcpy(&v, p, sizeof(v));
	memcpy(&st, p, MIN(sizeof(st), (size_t)h->size));

	switch ((enum vu_request)h->request) {
	case VU_GET_FEATURES:
		return vu_reply_u64(h->request, VU_FEATURES);
	case VU_SET_FEATURES:
		return vu_features_set(v) ? 1 : 0;
	case VU_GET_PROTOCOL_FEATURES:
		return vu_reply_u64(h->request, VU_PROTO_FEATURES);
	case VU_SET_PROTOCOL_FEATURES:
		if (v & ~VU_PROTO_FEATURES)
			return 1;
		vu.proto = v;
		return 0;
	case VU_GET_QUEUE_NUM:
		return vu_reply_u64(h->request, VU_QUEUE_PAIRS);
	case VU_SET_OWNER:
		return 0;
	case VU_RESET_OWNER:
		log_info("vhost-user: RESET_OWNER, guest's flows reset");
		vu_dev_reset(c);
		tap_guest_reset(c, now_ms);
		return 0;
	case VU_SET_MEM_TABLE: {
		struct vu_mem_table t = { 0 };

		memcpy(&t, p, MIN(sizeof(t), (size_t)h->size));
		return vu_mem_table_set(&t) ? 1 : 0;
	}
	case VU_SET_VRING_NUM:
		q = vu_vring_msg_queue(st.index);
		if (q < 0 || vu.vq[q].started)
			return 1;
		vu.vq[q].num = st.num;
		return 0;
	case VU_SET_VRING_ADDR:
		memcpy(&a, p, sizeof(a));
		q = vu_vring_msg_queue(a.index);
		if (q < 0 || vu.vq[q].started)
			return 1;
		vu.vq[q].desc = a.desc;
		vu.vq[q].avail = a.avail;
		vu.vq[q].used = a.used;
		return 0;
	case VU_SET_VRING_BASE:
		q = vu_vring_msg_queue(st.index);
		if (q < 0 || vu.vq[q].started || st.num > UINT16_MAX)
			return 1;
		vu.vq[q].base = (uint16_t)st.num;
		return 0;
	case VU_GET_VRING_BASE:
		q = vu_vring_msg_queue(st.index);
		if (q < 0)
			return 1;
		st.num = vu.vq[q].started ? virtq_get_base(&vu.vq[q].q) :
					    vu.vq[q].base;
		vu.vq[q].base = (uint16_t)st.num;
		vu_vring_stop(c, &vu.vq[q]);
		if (q == VU_RX_QUEUE) {
			log_info("vhost-user: rings stopped (guest reset?), "
				 "guest's flows reset");
			vu.rx_pending = 0;
			tap_guest_reset(c, now_ms);
		}
		return vu_reply(h->request, &st, sizeof(st));
	case VU_SET_VRING_KICK:
	case VU_SET_VRING_CALL:
	case VU_SET_VRING_ERR:
		return vu_vring_fd_msg(c, h->request, v, now_ms) ? 1 : 0;
	case VU_SET_VRING_ENABLE:
		q = vu_vring_msg_queue(st.index);
		if (q < 0 || st.num > 1)
			return 1;
		vu.vq[q].enabled = st.num;
		virtq_set_enabled(&vu.vq[q].q, st.num);
		return 0;
	case VU_NET_SET_MTU:
		return v < MTU_MIN || v > VU_MTU_MAX ? 1 : 0;
	case VU_SEND_RARP:
		return 0;		/* no migration here: nothing to do */
	case VU_SET_LOG_BASE:
	case VU_SET_LOG_FD:
		break;			/* logging never offered */
	}
	log_warn("vhost-user: request %u not supported: refused",
		 h->request);
	return 1;
}

/**
 * vu_ack() - Answer a message that asked for a reply, with REPLY_ACK
 * @h:		Header
 * @ret:	vu_handle() result: 0 done, 1 refused
 *
 * Requests that have a reply of their own (GET_*) answered already.
 *
 * Return: 0, or -1 if the socket failed
 */
static int vu_ack(const struct vu_hdr *h, int ret)
{
	switch ((enum vu_request)h->request) {
	case VU_GET_FEATURES:
	case VU_GET_PROTOCOL_FEATURES:
	case VU_GET_QUEUE_NUM:
	case VU_GET_VRING_BASE:
		if (!ret)
			return 0;
		break;
	default:
		break;
	}
	if (!(h->flags & VU_FLAG_NEED_REPLY) ||
	    !(vu.proto & (1ULL << VU_PROTO_REPLY_ACK)))
		return 0;
	return vu_reply_u64(h->request, ret ? 1 : 0);
}

/**
 * vu_recv() - Read what the control socket has toward the next message
 *
 * Descriptors that come with the bytes are kept for the message (up to
 * VU_FDS_MAX; more are closed and the message refused).
 *
 * #syscalls recvmsg close
 * Return: bytes read, 0 at end of stream, -errno on failure
 */
static ssize_t vu_recv(void)
{
	size_t want = sizeof(struct vu_hdr);
	union {
		char buf[CMSG_SPACE(sizeof(int) * VU_FDS_MAX)];
		struct cmsghdr align;
	} u;
	struct iovec iov;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm;
	ssize_t n;

	if (vu_msg_len >= want) {
		const struct vu_hdr *h = (const struct vu_hdr *)
					 (const void *)vu_msg;

		want += h->size;
	}
	iov.iov_base = vu_msg + vu_msg_len;
	iov.iov_len = want - vu_msg_len;
	n = recvmsg(vu.fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n <= 0)
		return n ? -errno : 0;

	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		size_t i, nfd;

		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfd; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int),
			       sizeof(fd));
			if (vu_msg_nfds < VU_FDS_MAX)
				vu_msg_fds[vu_msg_nfds++] = fd;
			else
				close(fd);
		}
	}
	if (mh.msg_flags & MSG_CTRUNC)
		log_warn("vhost-user: descriptors lost with a message");
	vu_msg_len += (size_t)n;
	return n;
}

/**
 * vu_cmd_handler() - The control socket: messages, or the front-end gone
 * @c:		Execution context
 * @events:	epoll events
 * @now_ms:	Current time, milliseconds
 */
void vu_cmd_handler(struct ctx *c, uint32_t events, uint64_t now_ms)
{
	const struct vu_hdr *h = (const struct vu_hdr *)(const void *)vu_msg;
	int i;

	for (i = 0; i < 64 && vu.fd >= 0 && (events & EPOLLIN); i++) {
		ssize_t n = vu_recv();
		int ret;

		if (!n) {
			vu_drop(c, "front-end closed the connection", now_ms);
			return;
		}
		if (n < 0) {
			if (n == -EAGAIN || n == -EINTR)
				break;
			vu_drop(c, strerror((int)-n), now_ms);
			return;
		}
		if (vu_msg_len < sizeof(*h))
			continue;
		if ((h->flags & VU_VERSION_MASK) != VU_VERSION ||
		    h->size > VU_PAYLOAD_MAX) {
			log_err("vhost-user: message with version %u and a "
				"%u-byte payload (limit %u): dropping the "
				"front-end", h->flags & VU_VERSION_MASK,
				h->size, VU_PAYLOAD_MAX);
			vu_drop(c, "bad message", now_ms);
			return;
		}
		if (vu_msg_len < sizeof(*h) + h->size)
			continue;

		log_trace("vhost-user: request %u, %u bytes, %u descriptors",
			  h->request, h->size, vu_msg_nfds);
		ret = vu_handle(c, h, vu_msg + sizeof(*h), now_ms);
		if (vu.fd < 0)
			return;
		if (ret < 0 || vu_ack(h, ret)) {
			vu_drop(c, "reply failed", now_ms);
			return;
		}
		vu_fds_close();
		vu_msg_len = 0;
		if (vu.broken) {
			vu_drop(c, "broken ring", now_ms);
			return;
		}
	}
	if (vu.fd >= 0 && (events & (EPOLLHUP | EPOLLRDHUP | EPOLLERR)) &&
	    !(events & EPOLLIN))
		vu_drop(c, "hang-up", now_ms);
}

/**
 * vu_broken() - A queue's ring is broken: say why, drop the front-end soon
 * @q:		Queue
 */
static void vu_broken(int q)
{
	if (!vu.broken)
		log_err("vhost-user: %s ring broken by the guest: %s; "
			"dropping the front-end", vu_queue_name[q],
			virtq_err_str(vu.vq[q].q.broken_why));
	vu.broken = true;
}

/**
 * vu_tx_csum_finish() - Finish a partial checksum the guest left us
 * @frame:	Frame, gathered (ours to write)
 * @len:	Its length
 * @hdr:	Its virtio-net header
 *
 * With VIRTIO_NET_F_CSUM, the guest may leave an L4 checksum partial
 * (NEEDS_CSUM: the sum from csum_start on is ours to add). TCP and UDP
 * payload goes to sockets, whose kernel sums it again: their checksums are
 * never looked at. ICMP and NDP messages are checked, so theirs is done.
 */
static void vu_tx_csum_finish(uint8_t *frame, size_t len, const uint8_t *hdr)
{
	size_t start = hdr[6] | (size_t)hdr[7] << 8;
	size_t off = hdr[8] | (size_t)hdr[9] << 8;

	if (start + off + 2 > len)
		return;			/* left as it is: checked, dropped */
	util_put_be16(frame + start + off,
		      csum_fold(csum_partial(frame + start, len - start, 0)));
}

/**
 * vu_tx_in_place() - Can a frame spread over segments be used where it is?
 * @p:		Its first segment's bytes, from the Ethernet header
 * @n:		Bytes at @p
 *
 * Only TCP, whose payload goes to a socket from any number of pieces
 * (struct tap_pkt's frags), and only with every header in the first
 * segment; a partial checksum there needs nothing from us.
 *
 * Return: true if so; false: gather it (and finish a partial checksum)
 */
static bool vu_tx_in_place(const uint8_t *p, size_t n)
{
	size_t l4;

	if (n < ETH_HDR_LEN + 20)
		return false;
	if (util_get_be16(p + 12) == ETHERTYPE_IP) {
		l4 = ETH_HDR_LEN + (size_t)(p[ETH_HDR_LEN] & 0xf) * 4;
		if (p[ETH_HDR_LEN + 9] != IPPROTO_TCP)
			return false;
	} else if (util_get_be16(p + 12) == ETHERTYPE_IPV6 &&
		   n >= ETH_HDR_LEN + 40 &&
		   p[ETH_HDR_LEN + 6] == IPPROTO_TCP) {
		l4 = ETH_HDR_LEN + 40;
	} else {
		return false;
	}
	return l4 + 20 <= n && l4 + (size_t)(p[l4 + 12] >> 4) * 4 <= n;
}

/**
 * vu_tx_frame() - The frame of one transmit chain
 * @e:		Chain
 * @gather:	Room for a gathered copy, at least TAP_FRAME_MAX bytes
 * @head:	Bytes of the frame at the returned address, output
 * @frags:	The rest of the frame in guest memory, output (NULL: none)
 * @nfrags:	Entries in @frags, output
 * @len:	Frame length, output
 *
 * In place when it lies in one segment, or is TCP with every header in
 * the first (the rest goes as frags); else gathered into @gather, and a
 * partial checksum of ICMP or NDP finished there.
 *
 * Return: the frame's first bytes, NULL if the chain is too short for a
 * header and an Ethernet header, or too long
 */
static const uint8_t *vu_tx_frame(const struct virtq_elem *e, uint8_t *gather,
				  size_t *head, const struct iovec **frags,
				  unsigned int *nfrags, size_t *len)
{
	size_t total = 0, off = 0, skip = vu.hdr_len;
	uint8_t hdr[VU_NET_HDR_LEN] = { 0 };
	const uint8_t *first;
	unsigned int i;

	for (i = 0; i < e->out_num; i++)
		total += e->out[i].iov_len;
	if (total < vu.hdr_len + ETH_HDR_LEN ||
	    total - vu.hdr_len > TAP_FRAME_MAX)
		return NULL;
	*len = total - vu.hdr_len;
	*frags = NULL;
	*nfrags = 0;
	for (i = 0; i < e->out_num && off < vu.hdr_len; i++) {
		size_t k = MIN(e->out[i].iov_len, vu.hdr_len - off);

		memcpy(hdr + off, e->out[i].iov_base, k);
		off += k;
	}

	for (i = 0; i < e->out_num && skip >= e->out[i].iov_len; i++)
		skip -= e->out[i].iov_len;
	first = (const uint8_t *)e->out[i].iov_base + skip;
	*head = e->out[i].iov_len - skip;
	if (*head == *len &&
	    (!(hdr[0] & VU_HDR_F_NEEDS_CSUM) || vu_tx_in_place(first, *head)))
		return first;		/* one segment */
	if (*head < *len && vu_tx_in_place(first, *head) &&
	    e->out_num - i - 1 <= TAP_FRAGS_MAX) {
		*frags = &e->out[i + 1];
		*nfrags = e->out_num - i - 1;
		return first;		/* TCP: payload where it lies */
	}

	for (off = 0; i < e->out_num; i++, skip = 0) {
		size_t n = e->out[i].iov_len - skip;

		memcpy(gather + off, (const uint8_t *)e->out[i].iov_base +
		       skip, n);
		off += n;
	}
	*head = *len;
	if (hdr[0] & VU_HDR_F_NEEDS_CSUM)
		vu_tx_csum_finish(gather, *len, hdr);
	return gather;
}

/**
 * vu_tx_batch() - Take one batch of transmit chains, hand their frames on
 * @c:		Execution context
 * @now_ms:	Current time, milliseconds
 *
 * Return: true if the batch ended at a limit (more may wait), false if the
 *	   queue had no more chains or broke
 */
static bool vu_tx_batch(struct ctx *c, uint64_t now_ms)
{
	struct vu_vring *vr = &vu.vq[VU_TX_QUEUE];
	size_t gathered = 0, bytes = 0;
	bool more = true;
	unsigned int n, i;

	for (n = 0; n < VU_TX_BATCH && bytes < VU_TX_BATCH_BYTES; n++) {
		struct virtq_elem *e = &vu_tx_elem[n];
		const struct iovec *frags;
		const uint8_t *frame;
		unsigned int nfrags;
		size_t len, head;
		int rc;

		if (gathered + TAP_FRAME_MAX + VU_NET_HDR_LEN >
		    sizeof(vu_tx_buf))
			break;
		rc = virtq_pop(&vr->q, &vu.mem, e);
		if (!rc || rc == -EIO) {
			more = false;
			if (rc)
				vu_broken(VU_TX_QUEUE);
			break;
		}
		if (rc < 0) {		/* -E2BIG: too many segments */
			tap_count_drop(TAP_DROP_VU_CHAIN);
			continue;	/* given back empty below */
		}
		frame = vu_tx_frame(e, vu_tx_buf + gathered, &head, &frags,
				    &nfrags, &len);
		if (!frame) {
			tap_count_drop(TAP_DROP_VU_CHAIN);
			continue;
		}
		if (frame == vu_tx_buf + gathered)
			gathered += len;
		bytes += len;
		if (vr->enabled)
			tap_frame_in_frags(c, frame, head, frags, nfrags, len,
					   now_ms);
	}
	if (n)
		tap_frames_end(c, now_ms);
	for (i = 0; i < n; i++)
		virtq_fill(&vr->q, vu_tx_elem[i].head, 0, i);
	if (n) {
		virtq_flush(&vr->q, n);
		vu_notify(vr);
	}
	return more;
}

/**
 * vu_tx() - Handle the guest's frames until its transmit queue is empty
 * @c:		Execution context
 * @now_ms:	Current time, milliseconds
 */
static void vu_tx(struct ctx *c, uint64_t now_ms)
{
	struct vu_vring *vr = &vu.vq[VU_TX_QUEUE];

	if (!vr->started || vu.broken)
		return;
	do {
		virtq_disable_kicks(&vr->q);
		while (!vu.broken && vu_tx_batch(c, now_ms))
			;
	} while (!vu.broken && vu.fd >= 0 && vr->started &&
		 virtq_enable_kicks_and_check(&vr->q));
}

/**
 * vu_kick_handler() - A kick: the guest added buffers to a queue
 * @c:		Execution context
 * @ref:	epoll reference: queue index
 * @now_ms:	Current time, milliseconds
 *
 * The kick eventfd is watched edge-triggered and never read (vu_vring_start())
 */
void vu_kick_handler(struct ctx *c, union epoll_ref ref, uint64_t now_ms)
{
	struct vu_vring *vr;

	if (ref.idx >= VU_QUEUES)
		return;
	vr = &vu.vq[ref.idx];
	if (vr->kick != ref.fd)
		return;			/* stale event, ring restarted */

	if (ref.idx == VU_TX_QUEUE) {
		vu_tx(c, now_ms);
	} else if (vu.rx_waiting) {
		bool empty = vu_backlog_flush(c);

		vu_send_end(c);
		if (empty) {
			vu.rx_waiting = false;
			virtq_disable_kicks(&vr->q);
			tap_room_ready(c, now_ms);
		} else {
			vu.rx_waiting = false;
			vu_room_wait(c);	/* the rest at the next kick */
		}
	}
	if (vu.broken)
		vu_drop(c, "broken ring", now_ms);
}

/**
 * vu_copy_to() - Copy bytes into writable segments
 * @to:		Segments
 * @n:		Number of segments
 * @off:	Offset to start at, bytes
 * @from:	Source
 * @len:	Bytes
 *
 * Return: bytes copied (less than @len if the segments end first)
 */
static size_t vu_copy_to(const struct iovec *to, unsigned int n, size_t off,
			 const uint8_t *from, size_t len)
{
	size_t done = 0;
	unsigned int i;

	for (i = 0; i < n && done < len; i++) {
		size_t seg = to[i].iov_len, k;

		if (off >= seg) {
			off -= seg;
			continue;
		}
		k = MIN(seg - off, len - done);
		memcpy((uint8_t *)to[i].iov_base + off, from + done, k);
		done += k;
		off = 0;
	}
	return done;
}

/**
 * vu_rx_write() - Write one frame into the guest's receive buffers
 * @c:		Execution context
 * @iov:	Segments of the frame
 * @iovcnt:	Number of segments
 * @len:	Frame length, bytes
 * @net_hdr:	Its virtio-net header (num_buffers is set here)
 *
 * Return: true if written, false if the guest has no room for it (the
 * buffers taken are given back)
 */
static bool vu_rx_write(struct ctx *c, const struct iovec *iov, int iovcnt,
			size_t len, const uint8_t *net_hdr)
{
	struct vu_vring *vr = &vu.vq[VU_RX_QUEUE];
	bool mrg = vu.features & (1ULL << VU_F_MRG_RXBUF);
	uint8_t hdr[VU_NET_HDR_LEN];
	size_t total = vu.hdr_len + len, cap = 0, done;
	unsigned int nbufs = 0, b, i;
	int k;

	if (!vu_connected(c))
		return false;
	while (cap < total) {
		struct virtq_elem *e = &vu_rx_elem[nbufs];
		int rc;

		if (nbufs == VU_RX_BUFS_MAX || (nbufs && !mrg))
			goto no_room;
		rc = virtq_pop(&vr->q, &vu.mem, e);
		if (!rc)
			goto no_room;
		if (rc < 0) {
			vu_broken(VU_RX_QUEUE);
			goto no_room;
		}
		for (i = 0; i < e->in_num; i++)
			cap += e->in[i].iov_len;
		nbufs++;
	}

	memcpy(hdr, net_hdr, sizeof(hdr));
	if (mrg)
		util_put_le16(hdr + 10, (uint16_t)nbufs);	/* num_buffers */

	/* Header, then the frame, across the buffers in order */
	for (b = 0, done = 0; b < nbufs; b++) {
		const struct virtq_elem *e = &vu_rx_elem[b];
		size_t used = 0, bcap = 0;

		for (i = 0; i < e->in_num; i++)
			bcap += e->in[i].iov_len;
		if (done < vu.hdr_len) {
			used = vu_copy_to(e->in, e->in_num, 0, hdr + done,
					  vu.hdr_len - done);
			done += used;
		}
		for (k = 0; k < iovcnt && used < bcap; k++) {
			size_t start = 0, skip, n, m;

			for (i = 0; (int)i < k; i++)
				start += iov[i].iov_len;
			if (done - vu.hdr_len >= start + iov[k].iov_len)
				continue;
			skip = done - vu.hdr_len - start;
			n = iov[k].iov_len - skip;
			m = vu_copy_to(e->in, e->in_num, used,
				       (const uint8_t *)iov[k].iov_base + skip,
				       n);
			used += m;
			done += m;
		}
		virtq_fill(&vr->q, e->head, (uint32_t)used,
			   vu.rx_pending + b);
		vu.rx_buf_len = (vu.rx_buf_len * 7 + bcap) / 8;
	}
	vu.rx_pending += nbufs;
	return true;

no_room:
	if (nbufs)
		virtq_unpop(&vr->q, (int)nbufs);
	return false;
}

/**
 * vu_backlog_flush() - Write kept frames, in order, while buffers last
 * @c:		Execution context
 *
 * Return: true if the backlog is empty now
 */
static bool vu_backlog_flush(struct ctx *c)
{
	while (vu_backlog_n) {
		size_t len = vu_backlog_len[vu_backlog_first];
		struct iovec iov[2];
		int n = 1;

		iov[0].iov_base = vu_backlog + vu_backlog_head;
		iov[0].iov_len = MIN(len, VU_BACKLOG_BYTES - vu_backlog_head);
		if (iov[0].iov_len < len) {	/* wraps around */
			iov[1].iov_base = vu_backlog;
			iov[1].iov_len = len - iov[0].iov_len;
			n = 2;
		}
		if (!vu_rx_write(c, iov, n, len,
				 vu_backlog_hdr[vu_backlog_first]))
			return false;
		vu_backlog_head = (vu_backlog_head + len) % VU_BACKLOG_BYTES;
		vu_backlog_used -= len;
		vu_backlog_first = (vu_backlog_first + 1) % VU_BACKLOG_FRAMES;
		vu_backlog_n--;
	}
	vu_backlog_head = 0;
	return true;
}

/**
 * vu_backlog_add() - Keep a copy of a frame the guest had no room for
 * @iov:	Segments of the frame
 * @iovcnt:	Number of segments
 * @len:	Frame length, bytes
 * @net_hdr:	Its virtio-net header
 *
 * Return: true if kept, false if the backlog is full (dropped)
 */
static bool vu_backlog_add(const struct iovec *iov, int iovcnt, size_t len,
			   const uint8_t *net_hdr)
{
	size_t off;
	int i;

	if (vu_backlog_n == VU_BACKLOG_FRAMES ||
	    vu_backlog_used + len > VU_BACKLOG_BYTES)
		return false;
	off = (vu_backlog_head + vu_backlog_used) % VU_BACKLOG_BYTES;
	for (i = 0; i < iovcnt; i++) {
		const uint8_t *p = iov[i].iov_base;
		size_t n = iov[i].iov_len;

		while (n) {
			size_t k = MIN(n, VU_BACKLOG_BYTES - off);

			memcpy(vu_backlog + off, p, k);
			off = (off + k) % VU_BACKLOG_BYTES;
			p += k;
			n -= k;
		}
	}
	i = (int)((vu_backlog_first + vu_backlog_n) % VU_BACKLOG_FRAMES);
	vu_backlog_len[i] = len;
	memcpy(vu_backlog_hdr[i], net_hdr, VU_NET_HDR_LEN);
	vu_backlog_n++;
	vu_backlog_used += len;
	return true;
}

/**
 * vu_net_hdr() - The virtio-net header of a frame toward the guest
 * @hdr:	Header, output (num_buffers left 0)
 * @iov:	Segments of the frame: Ethernet, IP and L4 headers in the first
 * @offl:	Work left to the guest (tap_offloads() allowed it)
 *
 * A complete frame is marked DATA_VALID if the guest takes our checksums
 * (GUEST_CSUM): it need not verify them. A partial checksum becomes
 * NEEDS_CSUM from the L4 header on, a TCP super-frame gets its GSO fields
 * (virtio 1.x, Device Operation: Setting Up Receive Buffers).
 */
static void vu_net_hdr(uint8_t *hdr, const struct iovec *iov,
		       const struct tap_offload *offl)
{
	const uint8_t *p = iov[0].iov_base, *l3;
	size_t l4, l4len, have = iov[0].iov_len;
	bool v4;

	memset(hdr, 0, VU_NET_HDR_LEN);
	if (!offl->gso_size && !offl->csum_partial) {
		if (vu.features & (1ULL << VU_F_GUEST_CSUM))
			hdr[0] = VU_HDR_F_DATA_VALID;
		return;
	}
	/* Our own TCP frames: headers in the first segment, checked anyway */
	if (have < ETH_HDR_LEN + 20)
		return;
	l3 = p + ETH_HDR_LEN;
	v4 = util_get_be16(p + 12) == ETHERTYPE_IP;
	l4 = ETH_HDR_LEN + (v4 ? (size_t)(l3[0] & 0xf) * 4 : 40);
	if (l4 + 20 > have)
		return;
	l4len = (size_t)(p[l4 + 12] >> 4) * 4;
	hdr[0] = VU_HDR_F_NEEDS_CSUM;
	util_put_le16(hdr + 6, (uint16_t)l4);		/* csum_start */
	util_put_le16(hdr + 8, 16);			/* TCP's check */
	if (offl->gso_size) {
		hdr[1] = v4 ? VU_HDR_GSO_TCPV4 : VU_HDR_GSO_TCPV6;
		util_put_le16(hdr + 2, (uint16_t)(l4 + l4len));	/* hdr_len */
		util_put_le16(hdr + 4, offl->gso_size);
	}
}

/**
 * vu_send() - Put one frame toward the guest (struct tap_backend)
 * @c:		Execution context
 * @iov:	Segments of the frame
 * @iovcnt:	Number of segments
 * @len:	Frame length, bytes
 * @offl:	Work left to the guest
 *
 * Into its receive buffers if it has some and nothing waits before the
 * frame, else into the backlog, in order, written as buffers come.
 *
 * Return: true if written or kept, false if dropped (backlog full)
 */
static bool vu_send(struct ctx *c, const struct iovec *iov, int iovcnt,
		    size_t len, const struct tap_offload *offl)
{
	uint8_t hdr[VU_NET_HDR_LEN];

	if (!vu_connected(c))
		return false;
	vu_net_hdr(hdr, iov, offl);
	if (!vu_backlog_n && vu_rx_write(c, iov, iovcnt, len, hdr))
		return true;
	if (!vu_backlog_add(iov, iovcnt, len, hdr))
		return false;
	vu_room_wait(c);	/* the receive queue's kick flushes it */
	return true;
}

/**
 * vu_offloads() - What the guest finishes for us (struct tap_backend)
 * @c:		Execution context
 *
 * Return: TAP_OFFLOAD_* flags from the negotiated features
 */
static uint32_t vu_offloads(const struct ctx *c)
{
	uint32_t f = 0;

	(void)c;
	if (!(vu.features & (1ULL << VU_F_GUEST_CSUM)))
		return 0;
	f |= TAP_OFFLOAD_CSUM;
	if (vu.features & (1ULL << VU_F_GUEST_TSO4))
		f |= TAP_OFFLOAD_TSO4;
	if (vu.features & (1ULL << VU_F_GUEST_TSO6))
		f |= TAP_OFFLOAD_TSO6;
	return f;
}

/**
 * vu_send_end() - Publish this loop turn's frames, notify the guest once
 *		   (struct tap_backend)
 * @c:		Execution context
 */
static void vu_send_end(struct ctx *c)
{
	struct vu_vring *vr = &vu.vq[VU_RX_QUEUE];

	(void)c;
	if (!vu.rx_pending || !vr->started)
		return;
	virtq_flush(&vr->q, (int)vu.rx_pending);
	vu.rx_pending = 0;
	vu_notify(vr);
}

/**
 * vu_room() - How many frames of a length fit in the guest's receive buffers
 *	       now, an estimate (struct tap_backend)
 * @c:		Execution context
 * @frame_len:	Frame length, bytes
 *
 * Return: available buffers over the buffers one frame takes (mergeable
 * buffers: the frame and its header over their running average size)
 */
static size_t vu_room(struct ctx *c, size_t frame_len)
{
	struct vu_vring *vr = &vu.vq[VU_RX_QUEUE];
	size_t per = 1;
	int n;

	if (!vu_connected(c))
		return 0;
	n = virtq_peek_avail(&vr->q);
	if (n <= 0)
		return 0;
	if (vu.features & (1ULL << VU_F_MRG_RXBUF))
		per = DIV_ROUND_UP(frame_len + vu.hdr_len,
				   MAX(vu.rx_buf_len, (size_t)64));
	if ((size_t)n / per <= vu_backlog_n)
		return 0;
	return (size_t)n / per - vu_backlog_n;
}

/**
 * vu_room_wait() - Be told when the guest adds receive buffers
 *		    (struct tap_backend)
 * @c:		Execution context
 *
 * The receive queue's kicks are enabled only while someone waits; if
 * buffers came in the meantime, the wait is over at once.
 */
static void vu_room_wait(struct ctx *c)
{
	struct vu_vring *vr = &vu.vq[VU_RX_QUEUE];

	(void)c;
	if (!vr->started || vu.rx_waiting)
		return;
	vu.rx_waiting = true;
	if (virtq_enable_kicks_and_check(&vr->q)) {
		/* Buffers raced in: the next loop turn sends; a kick that
		 * never comes would leave senders blocked, so fake one
		 */
		uint64_t one = 1;

		if (vr->kick >= 0 && write(vr->kick, &one, sizeof(one)) < 0)
			log_debug("vhost-user: self-kick: %s",
				  strerror(errno));
	}
}

/**
 * vu_carve() - Take contiguous bytes from a chain's writable segments
 * @e:		Chain
 * @seg:	Segment the cursor is in, updated
 * @off:	Offset in it, updated
 * @len:	Bytes wanted, all in one segment
 *
 * Return: where they start, NULL if the segment the cursor is in (or the
 * next, at a segment's end) has fewer, or the chain ends
 */
static uint8_t *vu_carve(const struct virtq_elem *e, unsigned int *seg,
			 size_t *off, size_t len)
{
	uint8_t *p;

	if (*seg < e->in_num && *off == e->in[*seg].iov_len) {
		(*seg)++;
		*off = 0;
	}
	if (*seg >= e->in_num || e->in[*seg].iov_len - *off < len)
		return NULL;
	p = (uint8_t *)e->in[*seg].iov_base + *off;
	*off += len;
	return p;
}

/**
 * vu_direct_frame() - Take the receive buffers of one frame written in place
 * @d:		Reservation: the frame's header and payload entries filled
 * @f:		Frame index in @d
 * @payload:	Payload bytes
 * @nbufs:	Buffers taken so far, updated
 *
 * Return: 1 taken; 0 no buffers (or no table space) for it, nothing taken;
 * -1 the guest's buffers cannot hold it in place (nothing taken)
 */
static int vu_direct_frame(struct tap_direct *d, unsigned int f,
			   size_t payload, unsigned int *nbufs)
{
	struct vu_vring *vr = &vu.vq[VU_RX_QUEUE];
	bool mrg = vu.features & (1ULL << VU_F_MRG_RXBUF);
	struct virtq_elem *e = &vu_rx_elem[0];
	unsigned int b = *nbufs, k = d->first[f], seg, i;
	size_t left = payload, off;
	int ret = 0, rc;

	while (left || b == *nbufs) {
		if (b > *nbufs && !mrg) {
			ret = -1;	/* one chain per frame, too small */
			goto back;
		}
		if (b == VU_DIRECT_BUFS)
			goto back;
		rc = virtq_pop(&vr->q, &vu.mem, e);
		if (rc <= 0) {
			if (rc < 0)
				vu_broken(VU_RX_QUEUE);
			goto back;
		}
		vu_dbuf[b].head = e->head;
		vu_dbuf[b].cap = 0;
		for (i = 0; i < e->in_num; i++)
			vu_dbuf[b].cap += (uint32_t)e->in[i].iov_len;
		b++;

		seg = 0;
		off = 0;
		if (b == *nbufs + 1) {		/* first buffer: headers */
			vu_dframe[f].net_hdr = vu_carve(e, &seg, &off,
							vu.hdr_len);
			d->hdr[f] = vu_carve(e, &seg, &off, d->hdr_len);
			if (!vu_dframe[f].net_hdr || !d->hdr[f]) {
				ret = -1;
				goto back;
			}
		}
		for (; seg < e->in_num && left; seg++, off = 0) {
			size_t n = MIN(e->in[seg].iov_len - off, left);

			if (!n)
				continue;
			if (k == TAP_DIRECT_IOV)
				goto back;
			d->iov[k].iov_base = (uint8_t *)e->in[seg].iov_base +
					     off;
			d->iov[k++].iov_len = n;
			left -= n;
		}
	}
	vu_dframe[f].buf = *nbufs;
	d->first[f + 1] = k;
	*nbufs = b;
	return 1;

back:
	if (b > *nbufs)
		virtq_unpop(&vr->q, b - *nbufs);
	return ret;
}

/**
 * vu_direct_get() - Take receive buffers for frames written in place
 *		     (struct tap_backend)
 * @c:		Execution context
 * @d:		Reservation, output; @d->hdr_len set by the caller
 * @payload:	Payload bytes per frame
 * @frames:	Frames wanted
 *
 * Each frame's virtio-net header and its @d->hdr_len bytes of headers must
 * be contiguous at the start of its first buffer (they are, in buffers of
 * any usual size); its payload follows, across as many buffers as
 * mergeable buffers allow.
 *
 * Return: frames taken; 0 if the guest has no buffers now, or frames wait
 * in the backlog before these; -1 if the guest's buffers cannot hold them
 */
static int vu_direct_get(struct ctx *c, struct tap_direct *d, size_t payload,
			 unsigned int frames)
{
	unsigned int f, nbufs = 0;
	int rc = 0;

	d->frames = 0;
	d->first[0] = 0;
	if (!vu_connected(c))
		return -1;
	if (vu_backlog_n)
		return 0;
	for (f = 0; f < frames; f++) {
		rc = vu_direct_frame(d, f, payload, &nbufs);
		if (rc <= 0)
			break;
	}
	vu_dframe[f].buf = nbufs;
	d->frames = f;
	if (!f && rc < 0)
		return -1;
	return (int)f;
}

/**
 * vu_direct_put() - Publish frames written in place, give back the rest
 *		     (struct tap_backend)
 * @c:		Execution context
 * @d:		Reservation: @d->len and @d->offl set for the first @used
 * @used:	Frames written; every one but the last is whole
 *
 * Writes each frame's virtio-net header, and a used entry for each buffer
 * it fills, published with this loop turn's other frames (vu_send_end()).
 */
static void vu_direct_put(struct ctx *c, const struct tap_direct *d,
			  unsigned int used)
{
	struct vu_vring *vr = &vu.vq[VU_RX_QUEUE];
	bool mrg = vu.features & (1ULL << VU_F_MRG_RXBUF);
	unsigned int f, b = 0;

	(void)c;
	for (f = 0; f < used; f++) {
		size_t left = vu.hdr_len + d->hdr_len + d->len[f];
		struct iovec h = { d->hdr[f], d->hdr_len };
		uint8_t hdr[VU_NET_HDR_LEN];
		unsigned int first = vu_dframe[f].buf;

		for (b = first; left; b++) {
			uint32_t n = (uint32_t)MIN(left, vu_dbuf[b].cap);

			ASSERT(b < vu_dframe[f + 1].buf);
			virtq_fill(&vr->q, vu_dbuf[b].head, n,
				   vu.rx_pending + b);
			left -= n;
			vu.rx_buf_len = (vu.rx_buf_len * 7 + vu_dbuf[b].cap) / 8;
		}
		vu_net_hdr(hdr, &h, &d->offl[f]);
		if (mrg)
			util_put_le16(hdr + 10, (uint16_t)(b - first));
		memcpy(vu_dframe[f].net_hdr, hdr, vu.hdr_len);
		/* Only the last frame may be short: buffers go back in order */
		ASSERT(f + 1 == used || b == vu_dframe[f + 1].buf);
	}
	vu.rx_pending += b;
	if (vu_dframe[d->frames].buf > b)
		virtq_unpop(&vr->q, vu_dframe[d->frames].buf - b);
}

/* The back-end as tap.c sees it */
static const struct tap_backend vu_backend = {
	.attach		= vu_attach,
	.connected	= vu_connected,
	.send		= vu_send,
	.send_end	= vu_send_end,
	.room		= vu_room,
	.room_wait	= vu_room_wait,
	.offloads	= vu_offloads,
	.direct_get	= vu_direct_get,
	.direct_put	= vu_direct_put,
};

/**
 * vu_init() - Be tap.c's back-end, before tap_init() opens the socket
 * @c:		Execution context
 */
void vu_init(struct ctx *c)
{
	int q;

	for (q = 0; q < VU_QUEUES; q++) {
		vu.vq[q].kick = vu.vq[q].call = -1;
		virtq_init(&vu.vq[q].q);
	}
	vu_mem_init(&vu.mem);
	vu.hdr_len = VU_NET_HDR_LEN_LEGACY;
	vu.rx_buf_len = VU_RX_BUF_GUESS;
	(void)c;
	tap_backend_set(&vu_backend);
}
