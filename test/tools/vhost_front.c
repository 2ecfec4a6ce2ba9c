/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vhost_front.c - Test tool: a vhost-user front-end relaying a tap device
 *
 * Usage: vhost_front -i IFNAME -s SOCKPATH [-m MAC] [-n MTU] [OPTIONS]
 *
 * The guest side of the test bed over vhost-user, in place of a VM: what
 * test/tools/tapbridge.c is to the qemu stream socket. The tool creates tap device
 * IFNAME (IFF_TAP, IFF_NO_PI, IFF_VNET_HDR) in the current network namespace,
 * sets its MAC and MTU, brings it up, connects to the vhost-user back-end
 * listening on SOCKPATH and drives it as qemu would: it owns the "guest
 * memory" (a memfd), negotiates features, sets up queue 0 (RX) and queue 1
 * (TX) of a virtio-net device with split virtqueues, then relays frames:
 *
 *   tap -> TX queue   each frame, read with its virtio-net header from the
 *                     tap straight into a guest buffer, is posted as a plain
 *                     buffer, a descriptor chain or an indirect table
 *   RX queue -> tap   used RX buffers (merged per num_buffers with
 *                     VIRTIO_NET_F_MRG_RXBUF) are written to the tap with
 *                     one writev() from guest memory, then posted again
 *
 * The tap's vnet header is the virtio-net header, byte for byte: 12 bytes
 * with VIRTIO_F_VERSION_1 or VIRTIO_NET_F_MRG_RXBUF, 10 otherwise. Offloads
 * of the tap follow the features the back-end accepted: TUN_F_CSUM with
 * VIRTIO_NET_F_CSUM, TUN_F_TSO4/6 with VIRTIO_NET_F_HOST_TSO4/6, so partial
 * checksums and TSO frames of the guest kernel reach the back-end as they
 * are; GSO and partial-checksum frames from the back-end (GUEST_CSUM,
 * GUEST_TSO4/6) are accepted by any tap. One flag has no tap equivalent:
 * VIRTIO_NET_HDR_F_DATA_VALID on RX, "checksum verified", which Linux's
 * virtio-net driver honours (even without GUEST_CSUM, where virtio forbids
 * it) and a tap ignores. The tool trusts it as the driver does, rewriting the
 * header to NEEDS_CSUM over the TCP or UDP checksum: the guest's stack then
 * skips verification as it would in a VM. Frames with DATA_VALID but without
 * GUEST_CSUM negotiated are counted and reported once. On TX, DATA_VALID
 * (which the tap may set) is cleared: a driver must not send it.
 *
 * Set-up, in this order: SET_OWNER, GET_FEATURES, GET_PROTOCOL_FEATURES and
 * SET_PROTOCOL_FEATURES (MQ, REPLY_ACK; when VHOST_USER_F_PROTOCOL_FEATURES
 * is offered), GET_QUEUE_NUM (with MQ), SET_FEATURES, SET_MEM_TABLE, then per
 * queue SET_VRING_NUM, SET_VRING_ADDR, SET_VRING_BASE 0, SET_VRING_CALL, and
 * once RX buffers are posted, per queue SET_VRING_KICK and SET_VRING_ENABLE 1
 * (with protocol features). With REPLY_ACK negotiated every message without
 * a reply of its own asks for one (need_reply), and a non-zero ack is fatal.
 * Then "vhost_front: connected to SOCKPATH" goes to stderr (the test library
 * waits for it).
 *
 * Options:
 *   -i, --ifname IFNAME  tap device to create (required)
 *   -s, --socket PATH    back-end's unix socket (required)
 *   -m, --mac MAC        MAC address of the tap device
 *   -n, --mtu MTU        MTU of the tap device (68 to 65520)
 *   -r, --reconnect      when the back-end closes the connection, connect
 *                        again (for up to --wait seconds) with fresh guest
 *                        memory and rings, keeping the tap device
 *   -v, --verbose        log vhost-user messages; twice: every frame
 *   -h, --help           print usage
 *   --wait SEC           keep retrying to connect for SEC seconds (10)
 *   --mem MIB            guest memory size, MiB (64)
 *   --regions N          split guest memory into N regions of SET_MEM_TABLE
 *                        (1 to 8, default 1) of MEM / N bytes rounded
 *                        down to 2 MiB: region i starts at guest address
 *                        i * 4 GiB and at offset i times that size in the
 *                        memfd (passed once per region), so rings and
 *                        buffers spread over regions. Descriptors carry
 *                        guest addresses; SET_VRING_ADDR carries our own
 *                        virtual addresses (the regions' user addresses),
 *                        as qemu does
 *   --ring N             queue size, a power of 2 from 8 to 1024 (256)
 *   --rx-buf BYTES       size of one RX buffer (4096): with MRG_RXBUF each
 *                        descriptor is one buffer, without it each buffer is
 *                        a chain of descriptors of this size covering 65562
 *                        bytes
 *   --seg BYTES          split TX data into pieces of this size for chains
 *                        and indirect tables (4096, at least 512)
 *   --tx-mode MODE       how TX frames are posted: "flat" (one descriptor,
 *                        header and data together), "chain" (header, then
 *                        data pieces, chained), "indirect" (the same in an
 *                        indirect table; chain if not negotiated), "mix"
 *                        (rotate the three per frame; default)
 *   --indirect           same as --tx-mode indirect
 *   --features MASK      AND the features we would accept with MASK
 *   --disable LIST       comma-separated features not to accept: csum,
 *                        guest-csum, host-tso4, host-tso6, guest-tso4,
 *                        guest-tso6, offloads (all six), mrg-rxbuf,
 *                        event-idx, indirect, version-1, protocol-features,
 *                        and the protocol features mq, reply-ack
 *   --no-call            pass no call eventfd (invalid FD flag) and poll the
 *                        used rings every millisecond instead
 *   --strict-csum        write RX frames with VIRTIO_NET_HDR_F_DATA_VALID to
 *                        the tap as they are: the guest's stack then checks
 *                        their checksums (by default the tool trusts the flag
 *                        like Linux's virtio-net driver, see below)
 *   --fault KIND         misbehave once, in exactly one way, then carry on
 *                        relaying (see below; --help lists them)
 *   --loss, --reorder, --dup, --dir, --seed
 *                        impair the link for TCP frames (impair.h): "out"
 *                        is TX (tap to back-end), "in" RX; a TX frame is
 *                        what the tap gave, a TSO super-frame included
 *
 * Faults (on the first connection only): during set-up,
 *   mem-pipe             SET_MEM_TABLE with a pipe as region descriptor,
 *                        then the right table
 *   mem-nofd             SET_MEM_TABLE with no descriptor, then the right one
 *   mem-short            SET_MEM_TABLE whose regions lie past the end of the
 *                        memfd (offsets moved by its size), then the right one
 *   ring-oob             SET_VRING_ADDR for TX with a descriptor table
 *                        outside every region (kept: TX never works)
 * right after "connected" (descriptors), posted and kicked once:
 *   tx-oob               TX descriptor at a guest address in no region
 *   tx-straddle          TX descriptor crossing the end of the last region
 *   rx-oob               RX buffer at a guest address in no region
 *   loop                 TX chain of two descriptors pointing at each other
 *   zero-len             TX buffer of length 0
 *   rx-zero-len          RX buffer of length 0
 *   indirect-len         indirect table length not a multiple of 16
 *   indirect-nested      indirect table holding an indirect descriptor
 *   head-oob             avail ring entry naming descriptor N + 5
 * and messages (each followed by a GET_FEATURES probe, outcome printed):
 *   msg-short            SET_FEATURES with a 4-byte payload (size 4)
 *   msg-long             SET_VRING_ENABLE with a 16-byte payload (size 16)
 *   msg-huge             SET_VRING_ENABLE claiming 1 GiB, sending 8 bytes
 *   msg-trunc            SET_VRING_ENABLE claiming 8 bytes, sending 4
 *   unknown-req          request 1000, empty
 *
 * Exit status: 0 on SIGTERM/SIGINT, when the back-end closes the connection
 * once the rings run (without -r), and when it closes it during set-up after
 * a fault was injected; 1 on errors (no back-end, set-up refused or cut
 * short, a NACK); 2 if the back-end breaks the virtqueue protocol (a used
 * element that is not ours, a length beyond the buffer, a bad num_buffers, a
 * used index running ahead). Every stop prints "back-end closed the
 * connection", "back-end refused request N", ... before the counters: frames
 * and bytes each way, kicks sent and saved (by EVENT_IDX or NO_NOTIFY),
 * calls, tap drops, DATA_VALID rewrites, then the ring indices (ours and the
 * back-end's). The counters also go to stderr on SIGUSR1.
 *
 * Specs: qemu's docs/interop/vhost-user.rst (messages, ring states,
 * REPLY_ACK), virtio 1.1 §2.6 (split virtqueues, event index), §5.1.6
 * (virtio-net header, mergeable RX buffers).
 */

#include <assert.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "impair.h"

/* vhost-user messages, docs/interop/vhost-user.rst "Front-end message types" */
enum vf_req {
	VU_GET_FEATURES = 1,
	VU_SET_FEATURES = 2,
	VU_SET_OWNER = 3,
	VU_SET_MEM_TABLE = 5,
	VU_SET_VRING_NUM = 8,
	VU_SET_VRING_ADDR = 9,
	VU_SET_VRING_BASE = 10,
	VU_SET_VRING_KICK = 12,
	VU_SET_VRING_CALL = 13,
	VU_GET_PROTOCOL_FEATURES = 15,
	VU_SET_PROTOCOL_FEATURES = 16,
	VU_GET_QUEUE_NUM = 17,
	VU_SET_VRING_ENABLE = 18,
	VU_REQ_UNKNOWN = 1000,	/* --fault unknown-req */
};

#define VU_FLAG_VERSION		0x1U	/* bits 0-1: version 1 */
#define VU_FLAG_REPLY		0x4U
#define VU_FLAG_NEED_REPLY	0x8U
#define VU_VRING_NOFD		(1U << 8)	/* KICK/CALL: polling */
#define VU_REGIONS_MAX		8
#define VU_F_PROTOCOL_FEATURES	30	/* feature bit */
#define VU_PROTO_MQ		0	/* protocol feature bits */
#define VU_PROTO_REPLY_ACK	3

/* virtio feature bits: virtio 1.1 §5.1.3, §6 */
#define VIO_NET_CSUM		0
#define VIO_NET_GUEST_CSUM	1
#define VIO_NET_GUEST_TSO4	7
#define VIO_NET_GUEST_TSO6	8
#define VIO_NET_HOST_TSO4	11
#define VIO_NET_HOST_TSO6	12
#define VIO_NET_MRG_RXBUF	15
#define VIO_RING_INDIRECT_DESC	28
#define VIO_RING_EVENT_IDX	29
#define VIO_VERSION_1		32

#define BIT64(n)		(1ULL << (n))
#define VF_OFFLOADS	(BIT64(VIO_NET_CSUM) | BIT64(VIO_NET_GUEST_CSUM) |   \
			 BIT64(VIO_NET_GUEST_TSO4) | BIT64(VIO_NET_GUEST_TSO6) | \
			 BIT64(VIO_NET_HOST_TSO4) | BIT64(VIO_NET_HOST_TSO6))
#define VF_WANTED	(VF_OFFLOADS | BIT64(VIO_NET_MRG_RXBUF) |	     \
			 BIT64(VIO_RING_INDIRECT_DESC) |		     \
			 BIT64(VIO_RING_EVENT_IDX) | BIT64(VIO_VERSION_1) |   \
			 BIT64(VU_F_PROTOCOL_FEATURES))
#define VF_PROTO_WANTED	(BIT64(VU_PROTO_MQ) | BIT64(VU_PROTO_REPLY_ACK))

/* virtio-net header flags, virtio 1.1 §5.1.6 */
#define VIO_HDR_F_NEEDS_CSUM	1
#define VIO_HDR_F_DATA_VALID	2
#define VIO_HDR_F_RSC_INFO	4

/* Split virtqueue layout, virtio 1.1 §2.6 */
#define VRING_DESC_F_NEXT	1
#define VRING_DESC_F_WRITE	2
#define VRING_DESC_F_INDIRECT	4
#define VRING_AVAIL_F_NO_INTERRUPT 1
#define VRING_USED_F_NO_NOTIFY	1

/**
 * struct vf_desc - Descriptor table entry (little-endian fields)
 * @addr:	Guest physical address of the buffer
 * @len:	Length of the buffer, bytes
 * @flags:	VRING_DESC_F_*
 * @next:	Index of the next descriptor with VRING_DESC_F_NEXT
 */
struct vf_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};
static_assert(sizeof(struct vf_desc) == 16, "virtq_desc is 16 bytes");

/**
 * struct vf_avail - Available ring, followed by used_event (EVENT_IDX)
 * @flags:	VRING_AVAIL_F_NO_INTERRUPT
 * @idx:	Where the driver puts the next entry (free-running)
 * @ring:	Heads of descriptor chains, then used_event at ring[num]
 */
struct vf_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};

/**
 * struct vf_used_elem - Used ring entry
 * @id:		Head of the descriptor chain used
 * @len:	Bytes written into the chain's buffers
 */
struct vf_used_elem {
	uint32_t id;
	uint32_t len;
};

/**
 * struct vf_used - Used ring, followed by avail_event (EVENT_IDX)
 * @flags:	VRING_USED_F_NO_NOTIFY
 * @idx:	Where the device puts the next entry (free-running)
 * @ring:	Used elements, then avail_event (16 bits) after ring[num]
 */
struct vf_used {
	uint16_t flags;
	uint16_t idx;
	struct vf_used_elem ring[];
};

/**
 * struct vu_hdr - vhost-user message header
 * @request:	Request type, enum vf_req
 * @flags:	VU_FLAG_*
 * @size:	Payload size, bytes
 */
struct vu_hdr {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
};

/**
 * struct vu_state - Vring state description payload
 * @index:	Queue index
 * @num:	Number (size, base, enable)
 */
struct vu_state {
	uint32_t index;
	uint32_t num;
};

/**
 * struct vu_addr - Vring address description payload
 * @index:	Queue index
 * @flags:	Vring flags (logging), 0 here
 * @desc:	User address of the descriptor table
 * @used:	User address of the used ring
 * @avail:	User address of the available ring
 * @log:	Guest address for logging of the used ring, unused
 *
 * The table in vhost-user.rst shows a "size" column between flags and
 * descriptor, but lists no such field: the payload is these 40 bytes.
 */
struct vu_addr {
	uint32_t index;
	uint32_t flags;
	uint64_t desc;
	uint64_t used;
	uint64_t avail;
	uint64_t log;
};
static_assert(sizeof(struct vu_addr) == 40, "vring address is 40 bytes");

/**
 * struct vu_region - Memory region description
 * @gpa:	Guest physical address of the region
 * @size:	Size, bytes
 * @uaddr:	Our (the front-end's) virtual address of the region
 * @mmap_offset: Offset of the region in the file descriptor passed for it
 */
struct vu_region {
	uint64_t gpa;
	uint64_t size;
	uint64_t uaddr;
	uint64_t mmap_offset;
};

/**
 * struct vu_mem - Memory regions description payload
 * @nregions:	Number of regions in use
 * @padding:	Zero
 * @r:		Regions
 */
struct vu_mem {
	uint32_t nregions;
	uint32_t padding;
	struct vu_region r[VU_REGIONS_MAX];
};

#define VF_RING_MAX		1024	/* entries: qemu's virtio-net limit */
#define VF_RING_MIN		8	/* entries */
#define VF_FRAME_MAX		65550	/* bytes: virtio's 65562 less header */
#define VF_TX_SLOT_BYTES	69632	/* bytes, one TX frame with header */
#define VF_SEG_MIN		512	/* bytes, --seg and --rx-buf floor */
#define VF_PIECES_MAX		(VF_FRAME_MAX / VF_SEG_MIN + 2)	/* per frame */
#define VF_RX_IOV_MAX		256	/* buffers or pieces in one RX frame */
#define VF_GPA_STRIDE		(1ULL << 32)	/* bytes between regions */
#define VF_REPLY_MS		5000	/* ms, wait for a set-up reply */
#define VF_FAULT_REPLY_MS	2000	/* ms, wait for a reply after a fault */
#define VF_RETRY_STEP_MS	50	/* ms between connection attempts */
#define VF_TX_KICK_BATCH	32	/* frames posted between kick checks */
#define VF_POLL_MS		1	/* ms, used ring polling with --no-call */
#define VF_RX	0
#define VF_TX	1

static_assert(VF_PIECES_MAX <= VF_RX_IOV_MAX, "iovec array covers a frame");

#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))

/* Faults, see the header comment; names index vf_fault_names */
enum vf_fault {
	VF_FAULT_NONE,
	VF_FAULT_MEM_PIPE,
	VF_FAULT_MEM_NOFD,
	VF_FAULT_MEM_SHORT,
	VF_FAULT_RING_OOB,
	VF_FAULT_TX_OOB,
	VF_FAULT_TX_STRADDLE,
	VF_FAULT_RX_OOB,
	VF_FAULT_LOOP,
	VF_FAULT_ZERO_LEN,
	VF_FAULT_RX_ZERO_LEN,
	VF_FAULT_INDIRECT_LEN,
	VF_FAULT_INDIRECT_NESTED,
	VF_FAULT_HEAD_OOB,
	VF_FAULT_MSG_SHORT,
	VF_FAULT_MSG_LONG,
	VF_FAULT_MSG_HUGE,
	VF_FAULT_MSG_TRUNC,
	VF_FAULT_UNKNOWN_REQ,
	VF_FAULT_COUNT
};

static const char *const vf_fault_names[VF_FAULT_COUNT] = {
	[VF_FAULT_NONE] = "none",
	[VF_FAULT_MEM_PIPE] = "mem-pipe",
	[VF_FAULT_MEM_NOFD] = "mem-nofd",
	[VF_FAULT_MEM_SHORT] = "mem-short",
	[VF_FAULT_RING_OOB] = "ring-oob",
	[VF_FAULT_TX_OOB] = "tx-oob",
	[VF_FAULT_TX_STRADDLE] = "tx-straddle",
	[VF_FAULT_RX_OOB] = "rx-oob",
	[VF_FAULT_LOOP] = "loop",
	[VF_FAULT_ZERO_LEN] = "zero-len",
	[VF_FAULT_RX_ZERO_LEN] = "rx-zero-len",
	[VF_FAULT_INDIRECT_LEN] = "indirect-len",
	[VF_FAULT_INDIRECT_NESTED] = "indirect-nested",
	[VF_FAULT_HEAD_OOB] = "head-oob",
	[VF_FAULT_MSG_SHORT] = "msg-short",
	[VF_FAULT_MSG_LONG] = "msg-long",
	[VF_FAULT_MSG_HUGE] = "msg-huge",
	[VF_FAULT_MSG_TRUNC] = "msg-trunc",
	[VF_FAULT_UNKNOWN_REQ] = "unknown-req",
};

enum vf_tx_mode {
	VF_TX_FLAT,
	VF_TX_CHAIN,
	VF_TX_INDIRECT,
	VF_TX_MIX,
};

/* Who owns a descriptor (head) */
enum vf_slot {
	VF_SLOT_OURS,		/* free (TX) or held while merging (RX) */
	VF_SLOT_POSTED,		/* in the avail ring, the back-end's */
	VF_SLOT_FAULT,		/* posted by --fault, never reposted */
};

/**
 * struct vf_conf - Options
 * @ifname:	Tap device name
 * @path:	Back-end's socket path
 * @mac:	MAC address, if @has_mac
 * @has_mac:	Set the MAC address
 * @mtu:	MTU to set, 0 to leave it
 * @reconnect:	Connect again when the back-end closes the connection
 * @verbose:	1: messages, 2: frames
 * @wait_ms:	Connection retry window
 * @mem_mib:	Guest memory, MiB
 * @regions:	Memory regions
 * @ring:	Queue size
 * @rx_buf:	RX buffer (MRG_RXBUF) or RX descriptor size, bytes
 * @seg:	TX piece size for chains and indirect tables, bytes
 * @tx_mode:	How TX frames are posted
 * @features:	Mask of features we accept
 * @protocol:	Mask of protocol features we accept
 * @no_call:	Poll used rings instead of call eventfds
 * @strict_csum: Pass DATA_VALID to the tap as is (--strict-csum)
 * @fault:	Fault to inject
 */
struct vf_conf {
	const char *ifname;
	const char *path;
	uint8_t mac[6];
	bool has_mac;
	int mtu;
	bool reconnect;
	int verbose;
	long wait_ms;
	unsigned int mem_mib;
	unsigned int regions;
	unsigned int ring;
	unsigned int rx_buf;
	unsigned int seg;
	enum vf_tx_mode tx_mode;
	uint64_t features;
	uint64_t protocol;
	bool no_call;
	bool strict_csum;
	enum vf_fault fault;
};

/**
 * struct vf_vq - One virtqueue, driver side
 * @index:	Queue index, VF_RX or VF_TX
 * @num:	Queue size
 * @desc:	Descriptor table, in guest memory
 * @avail:	Available ring, in guest memory
 * @used:	Used ring, in guest memory
 * @used_event:	used_event field, after the available ring
 * @avail_event: avail_event field, after the used ring
 * @avail_idx:	Our next available index (already published)
 * @kick_idx:	Available index at the last kick decision
 * @last_used:	Next used index we will read
 * @nfree:	Descriptors on @free
 * @free:	Stack of free descriptor indices (TX)
 * @next:	Our copy of each descriptor's next field
 * @len:	Our copy of each descriptor's length
 * @chain_len:	Descriptors in the chain starting at each head
 * @state:	Owner of each head, enum vf_slot
 * @kick_fd:	Kick eventfd (ours to write)
 * @call_fd:	Call eventfd (ours to read), -1 with --no-call
 *
 * Guest memory is shared with the back-end: we never read back what we
 * wrote there (descriptors, chain links), only used elements, the used index
 * and the back-end's notification fields.
 */
struct vf_vq {
	unsigned int index;
	unsigned int num;
	struct vf_desc *desc;
	struct vf_avail *avail;
	struct vf_used *used;
	uint16_t *used_event;
	uint16_t *avail_event;
	uint16_t avail_idx;
	uint16_t kick_idx;
	uint16_t last_used;
	unsigned int nfree;
	uint16_t free[VF_RING_MAX];
	uint16_t next[VF_RING_MAX];
	uint32_t len[VF_RING_MAX];
	uint16_t chain_len[VF_RING_MAX];
	uint8_t state[VF_RING_MAX];
	int kick_fd;
	int call_fd;
};

/**
 * struct vf_mem - Guest memory: one memfd, mapped once, split in regions
 * @fd:		memfd
 * @base:	Our mapping
 * @size:	Mapped size, bytes
 * @nregions:	Regions
 * @region_size: Size of each region, bytes
 * @gpa:	Guest physical address of each region
 * @bump:	Offset of the first byte not yet allocated
 */
struct vf_mem {
	int fd;
	uint8_t *base;
	size_t size;
	unsigned int nregions;
	size_t region_size;
	uint64_t gpa[VU_REGIONS_MAX];
	size_t bump;
};

/**
 * struct vf_dev - One connection to the back-end, and its device state
 * @sock:	vhost-user socket
 * @features:	Features acknowledged with SET_FEATURES
 * @protocol:	Protocol features acknowledged
 * @reply_ack:	REPLY_ACK negotiated: ask for an ack on every message
 * @hdr_len:	virtio-net header size, bytes
 * @mem:	Guest memory
 * @vq:		RX and TX queues
 * @tx_buf:	TX frame buffer of each descriptor (used as head)
 * @tx_table:	Indirect table of each TX head
 * @tx_turn:	Frames posted, for --tx-mode mix
 * @rx_buf:	RX buffer of each descriptor
 * @rx_cap:	Capacity of one RX buffer (chain), bytes
 * @rx_fault:	RX descriptor reserved for an RX fault, or VF_RING_MAX
 * @rx_iov:	Pieces of the frame being merged
 * @rx_niov:	Entries in @rx_iov
 * @rx_heads:	Heads to post again once the frame being merged is written
 * @rx_nheads:	Entries in @rx_heads
 * @rx_nbufs:	Buffers of that frame seen so far
 * @rx_want:	Buffers that frame spans (num_buffers), 0 between frames
 * @rx_bad:	That frame went through a fault buffer: drop it
 */
struct vf_dev {
	int sock;
	uint64_t features;
	uint64_t protocol;
	bool reply_ack;
	size_t hdr_len;
	struct vf_mem mem;
	struct vf_vq vq[2];
	uint8_t *tx_buf[VF_RING_MAX];
	struct vf_desc *tx_table[VF_RING_MAX];
	unsigned long tx_turn;
	uint8_t *rx_buf[VF_RING_MAX];
	size_t rx_cap;
	unsigned int rx_fault;
	struct iovec rx_iov[VF_RX_IOV_MAX];
	unsigned int rx_niov;
	uint16_t rx_heads[VF_RX_IOV_MAX];
	unsigned int rx_nheads;
	unsigned int rx_nbufs;
	unsigned int rx_want;
	bool rx_bad;
};

/**
 * struct vf_stats - Counters, printed at exit and on SIGUSR1
 * @tx_frames:	Frames from the tap posted to the TX queue
 * @tx_bytes:	Their bytes, without virtio-net header
 * @tx_starved:	Times the TX queue had no free descriptor
 * @rx_frames:	Frames from the RX queue written to the tap
 * @rx_bytes:	Their bytes, without virtio-net header
 * @rx_drops:	Frames the tap refused
 * @rx_bad:	Frames dropped because they used a fault buffer
 * @rx_data_valid: Frames with DATA_VALID mapped to NEEDS_CSUM for the tap
 * @rx_dv_nego:	Frames with DATA_VALID though GUEST_CSUM was not negotiated
 * @kicks:	Kicks sent, per queue
 * @kicks_saved: Kicks the back-end told us to skip, per queue
 * @calls:	Wake-ups on the call eventfd, per queue
 * @conns:	Connections set up
 */
struct vf_stats {
	unsigned long long tx_frames;
	unsigned long long tx_bytes;
	unsigned long long tx_starved;
	unsigned long long rx_frames;
	unsigned long long rx_bytes;
	unsigned long long rx_drops;
	unsigned long long rx_bad;
	unsigned long long rx_data_valid;
	unsigned long long rx_dv_nego;
	unsigned long kicks[2];
	unsigned long kicks_saved[2];
	unsigned long calls[2];
	unsigned long conns;
};

static struct vf_conf vf_conf = {
	.wait_ms = 10000,
	.mem_mib = 64,
	.regions = 1,
	.ring = 256,
	.rx_buf = 4096,
	.seg = 4096,
	.tx_mode = VF_TX_MIX,
	.features = ~0ULL,
	.protocol = ~0ULL,
};
static struct vf_dev vf_dev;
static struct vf_stats vf_stats;
static volatile sig_atomic_t vf_stop, vf_dump;
static sigset_t vf_sigmask_wait;	/* signals unblocked while waiting */
static bool vf_fault_done;		/* faults: first connection only */
static uint16_t vf_fault_head = UINT16_MAX;	/* head-oob: bogus head */

/**
 * vf_log() - Print a message to stderr if verbose enough
 * @level:	0: always, 1: -v, 2: -vv
 * @fmt:	Format string
 */
__attribute__((format(printf, 2, 3)))
static void vf_log(int level, const char *fmt, ...)
{
	va_list ap;

	if (vf_conf.verbose < level)
		return;
	va_start(ap, fmt);
	fputs("vhost_front: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/**
 * vf_stats_print() - Print the counters to stderr
 * @why:	What prompted it ("exit", "SIGUSR1")
 */
static void vf_stats_print(const char *why)
{
	const struct vf_vq *rx = &vf_dev.vq[VF_RX], *tx = &vf_dev.vq[VF_TX];
	const struct vf_stats *st = &vf_stats;

	fprintf(stderr, "vhost_front: %s: %lu connections; tx %llu frames "
		"%llu bytes, %lu kicks (%lu saved), %lu calls, %llu starved; "
		"rx %llu frames %llu bytes, %lu kicks (%lu saved), %lu calls, "
		"%llu tap drops, %llu bad, %llu data-valid (%llu without "
		"GUEST_CSUM)\n", why, vf_stats.conns,
		st->tx_frames, st->tx_bytes, st->kicks[VF_TX],
		st->kicks_saved[VF_TX], st->calls[VF_TX], st->tx_starved,
		st->rx_frames, st->rx_bytes, st->kicks[VF_RX],
		st->kicks_saved[VF_RX], st->calls[VF_RX], st->rx_drops,
		st->rx_bad, st->rx_data_valid, st->rx_dv_nego);
	if (!rx->used || !tx->used)	/* not connected */
		return;
	fprintf(stderr, "vhost_front: %s: rings: rx avail %u used %u (read "
		"%u), tx avail %u used %u (read %u), %u free\n", why,
		rx->avail_idx, le16toh(rx->used->idx), rx->last_used,
		tx->avail_idx, le16toh(tx->used->idx), tx->last_used,
		tx->nfree);
}

/**
 * vf_exit() - Print the counters and exit
 * @status:	Exit status
 */
__attribute__((noreturn))
static void vf_exit(int status)
{
	vf_stats_print("exit");
	impair_report("vhost_front");
	exit(status);
}

/**
 * vf_die() - Print a message with errno text and exit 1
 * @what:	What failed
 */
__attribute__((noreturn))
static void vf_die(const char *what)
{
	fprintf(stderr, "vhost_front: %s: %s\n", what, strerror(errno));
	vf_exit(1);
}

/**
 * vf_fail() - Print a message and exit with a status
 * @status:	1: error on our side or set-up refused, 2: back-end broke the
 *		virtqueue protocol
 * @fmt:	Format string
 */
__attribute__((format(printf, 2, 3), noreturn))
static void vf_fail(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("vhost_front: ", stderr);
	if (status == 2)
		fputs("back-end protocol error: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	vf_exit(status);
}

/**
 * vf_on_signal() - Signal handler: SIGTERM/SIGINT stop, SIGUSR1 dumps
 * @sig:	Signal number
 */
static void vf_on_signal(int sig)
{
	if (sig == SIGUSR1)
		vf_dump = 1;
	else
		vf_stop = 1;
}

/**
 * vf_wait() - ppoll() with our signals deliverable meanwhile
 * @pfd:	Descriptors
 * @n:		Number of them
 * @timeout_ms:	Timeout, -1 for none
 *
 * Return: ppoll()'s return; after a signal, -1 with errno EINTR
 */
static int vf_wait(struct pollfd *pfd, nfds_t n, int timeout_ms)
{
	struct timespec ts = { timeout_ms / 1000,
			       (timeout_ms % 1000) * 1000000L };

	return ppoll(pfd, n, timeout_ms < 0 ? NULL : &ts, &vf_sigmask_wait);
}

/**
 * vf_check_stop() - Exit 0 if SIGTERM or SIGINT arrived, dump on SIGUSR1
 */
static void vf_check_stop(void)
{
	if (vf_dump) {
		vf_dump = 0;
		vf_stats_print("SIGUSR1");
	}
	if (vf_stop)
		vf_exit(0);
}

/* Guest memory */

/**
 * vf_mem_init() - Create, size and map the memfd, lay out its regions
 * @m:		Guest memory to set up
 * @size:	Size, bytes
 * @nregions:	Regions to split it into
 */
static void vf_mem_init(struct vf_mem *m, size_t size, unsigned int nregions)
{
	unsigned int i;

	m->fd = memfd_create("vhost_front", MFD_CLOEXEC);
	if (m->fd < 0)
		vf_die("memfd_create");
	if (ftruncate(m->fd, (off_t)size))
		vf_die("ftruncate memfd");
	m->base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd,
		       0);
	if (m->base == MAP_FAILED)
		vf_die("mmap memfd");
	m->size = size;
	m->nregions = nregions;
	/* Page-aligned region boundaries: 2 MiB granules */
	m->region_size = size / nregions / (2U << 20) * (2U << 20);
	for (i = 0; i < nregions; i++)
		m->gpa[i] = i * VF_GPA_STRIDE;
	m->bump = 0;
}

/**
 * vf_mem_free() - Unmap and close guest memory
 * @m:		Guest memory
 */
static void vf_mem_free(struct vf_mem *m)
{
	if (m->base && m->base != MAP_FAILED)
		munmap(m->base, m->size);
	if (m->fd >= 0)
		close(m->fd);
	memset(m, 0, sizeof(*m));
	m->fd = -1;
}

/**
 * vf_alloc() - Carve a zeroed block out of guest memory, within one region
 * @m:		Guest memory
 * @size:	Bytes
 * @align:	Alignment, a power of 2
 *
 * Return: pointer into our mapping; exits if memory is short
 */
static void *vf_alloc(struct vf_mem *m, size_t size, size_t align)
{
	size_t off = (m->bump + align - 1) & ~(align - 1);

	if (off % m->region_size + size > m->region_size)
		off = (off / m->region_size + 1) * m->region_size;
	if (off / m->region_size >= m->nregions || size > m->region_size)
		vf_fail(1, "guest memory too small: raise --mem (now %u MiB)",
			vf_conf.mem_mib);
	m->bump = off + size;
	return m->base + off;
}

/**
 * vf_gpa() - Guest physical address of a pointer into guest memory
 * @m:		Guest memory
 * @p:		Pointer from vf_alloc()
 *
 * Return: guest physical address
 */
static uint64_t vf_gpa(const struct vf_mem *m, const void *p)
{
	size_t off = (size_t)((const uint8_t *)p - m->base);

	return m->gpa[off / m->region_size] + off % m->region_size;
}

/**
 * vf_gpa_end() - Guest address just past the end of the last region
 * @m:		Guest memory
 *
 * Return: guest physical address, mapped by no region
 */
static uint64_t vf_gpa_end(const struct vf_mem *m)
{
	return m->gpa[m->nregions - 1] + m->region_size;
}

/* vhost-user messages */

/**
 * vf_send() - Send one message, with a header size of our choice
 * @sock:	vhost-user socket
 * @req:	Request
 * @flags:	VU_FLAG_NEED_REPLY or 0 (the version is added)
 * @hdr_size:	Size field of the header (the payload size, unless faulty)
 * @payload:	Payload, or NULL
 * @len:	Bytes of payload actually sent
 * @fds:	Descriptors for SCM_RIGHTS, or NULL
 * @nfds:	Number of them
 *
 * Return: 0 on success, -1 if the back-end is gone
 */
static int vf_send(int sock, uint32_t req, uint32_t flags, uint32_t hdr_size,
		   const void *payload, size_t len, const int *fds,
		   unsigned int nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * VU_REGIONS_MAX)];
		struct cmsghdr align;
	} u;
	uint8_t msg[sizeof(struct vu_hdr) + sizeof(struct vu_mem)];
	struct vu_hdr h = { req, flags | VU_FLAG_VERSION, hdr_size };
	struct iovec iov = { msg, sizeof(h) + len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (len > sizeof(msg) - sizeof(h) || nfds > VU_REGIONS_MAX)
		vf_fail(1, "message too long");
	memcpy(msg, &h, sizeof(h));
	if (len)
		memcpy(msg + sizeof(h), payload, len);
	if (nfds) {
		struct cmsghdr *c;

		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	vf_log(1, "-> request %u flags 0x%x size %u (%zu sent, %u fds)", req,
	       h.flags, hdr_size, len, nfds);
	n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	if (n != (ssize_t)(sizeof(h) + len)) {
		vf_log(0, "send request %u: %s", req,
		       n < 0 ? strerror(errno) : "short write");
		return -1;
	}
	return 0;
}

/**
 * vf_recv() - Receive one reply
 * @sock:	vhost-user socket
 * @timeout_ms:	How long to wait for it
 * @h:		Filled with the header
 * @payload:	Filled with the payload
 * @max:	Room in @payload; a longer payload is consumed and refused
 *
 * Return: 0 on success, -ETIMEDOUT, -EPIPE if the back-end closed the
 * connection, -EMSGSIZE if the payload did not fit
 */
static int vf_recv(int sock, int timeout_ms, struct vu_hdr *h, void *payload,
		   size_t max)
{
	struct pollfd p = { .fd = sock, .events = POLLIN };
	uint8_t junk[256];
	size_t left;
	ssize_t n;
	int rc;

	do {
		rc = vf_wait(&p, 1, timeout_ms);
		if (rc < 0 && errno == EINTR)
			vf_check_stop();
	} while (rc < 0 && errno == EINTR);
	if (rc < 0)
		vf_die("poll");
	if (!rc)
		return -ETIMEDOUT;
	n = recv(sock, h, sizeof(*h), MSG_WAITALL);
	if (n != (ssize_t)sizeof(*h))
		return -EPIPE;
	vf_log(1, "<- request %u flags 0x%x size %u", h->request, h->flags,
	       h->size);
	if (h->size <= max) {
		if (!h->size)
			return 0;
		n = recv(sock, payload, h->size, MSG_WAITALL);
		return n == (ssize_t)h->size ? 0 : -EPIPE;
	}
	for (left = h->size; left; left -= (size_t)n) {
		n = recv(sock, junk, left < sizeof(junk) ? left : sizeof(junk),
			 MSG_WAITALL);
		if (n <= 0)
			return -EPIPE;
	}
	return -EMSGSIZE;
}

/**
 * vf_reply() - Receive the reply to @req and check its header
 * @d:		Device
 * @req:	Request it answers
 * @timeout_ms:	How long to wait
 * @val:	Filled with the u64 payload
 *
 * Return: 0 on success, -1 if the back-end is gone or the reply is wrong
 * (message printed)
 */
static int vf_reply(const struct vf_dev *d, uint32_t req, int timeout_ms,
		    uint64_t *val)
{
	struct vu_hdr h;
	int rc;

	rc = vf_recv(d->sock, timeout_ms, &h, val, sizeof(*val));
	if (rc) {
		vf_log(0, "reply to request %u: %s", req,
		       rc == -ETIMEDOUT ? "none in time" :
		       rc == -EPIPE ? "connection closed" : "payload too long");
		return -1;
	}
	if (h.request != req || (h.flags & 0x3) != VU_FLAG_VERSION ||
	    !(h.flags & VU_FLAG_REPLY) || h.size != sizeof(*val)) {
		vf_log(0, "reply to request %u: got request %u flags 0x%x size "
		       "%u", req, h.request, h.flags, h.size);
		return -1;
	}
	return 0;
}

/**
 * vf_get() - Send a GET_* request, return the u64 it answers
 * @d:		Device
 * @req:	VU_GET_FEATURES, VU_GET_PROTOCOL_FEATURES or VU_GET_QUEUE_NUM
 *
 * Return: the value; exits if the back-end does not answer properly
 */
static uint64_t vf_get(const struct vf_dev *d, uint32_t req)
{
	uint64_t val;

	if (vf_send(d->sock, req, 0, 0, NULL, 0, NULL, 0) ||
	    vf_reply(d, req, VF_REPLY_MS, &val))
		vf_fail(1, "set-up failed at request %u", req);
	return val;
}

/**
 * vf_set() - Send a request without reply of its own, check the ack
 * @d:		Device
 * @req:	Request
 * @payload:	Payload, or NULL
 * @len:	Payload size
 * @fds:	Descriptors to pass, or NULL
 * @nfds:	Number of them
 *
 * With REPLY_ACK, need_reply is set and a non-zero ack is fatal.
 */
static void vf_set(const struct vf_dev *d, uint32_t req, const void *payload,
		   size_t len, const int *fds, unsigned int nfds)
{
	uint32_t flags = d->reply_ack ? VU_FLAG_NEED_REPLY : 0;
	uint64_t ack;

	if (vf_send(d->sock, req, flags, (uint32_t)len, payload, len, fds,
		    nfds))
		vf_fail(vf_fault_done ? 0 : 1, "back-end closed the "
			"connection during set-up (request %u)", req);
	if (!d->reply_ack)
		return;
	if (vf_reply(d, req, VF_REPLY_MS, &ack))
		vf_fail(vf_fault_done ? 0 : 1, "set-up failed at request %u",
			req);
	if (ack)
		vf_fail(1, "back-end refused request %u (ack %llu)", req,
			(unsigned long long)ack);
}

/**
 * vf_set_state() - Send a vring state description message
 * @d:		Device
 * @req:	VU_SET_VRING_NUM, _BASE or _ENABLE
 * @index:	Queue index
 * @num:	Value
 */
static void vf_set_state(const struct vf_dev *d, uint32_t req,
			 unsigned int index, unsigned int num)
{
	struct vu_state s = { index, num };

	vf_set(d, req, &s, sizeof(s), NULL, 0);
}

/**
 * vf_set_fd() - Send SET_VRING_KICK or SET_VRING_CALL
 * @d:		Device
 * @req:	VU_SET_VRING_KICK or VU_SET_VRING_CALL
 * @index:	Queue index
 * @fd:		eventfd, or -1 for the invalid FD flag (polling)
 */
static void vf_set_fd(const struct vf_dev *d, uint32_t req,
		      unsigned int index, int fd)
{
	uint64_t v = index | (fd < 0 ? VU_VRING_NOFD : 0);

	vf_set(d, req, &v, sizeof(v), fd < 0 ? NULL : &fd, fd < 0 ? 0 : 1);
}

/* Virtqueues */

/**
 * vf_need_event() - Does moving an index from @old to @new cross @event?
 * @event:	used_event or avail_event published by the other side
 * @new:	Index now
 * @old:	Index at the last notification decision
 *
 * Virtio 1.1 §2.6.7.2, §2.6.10.2: notify if @event lies in [@old, @new).
 *
 * Return: true if the other side asked to be notified
 */
static bool vf_need_event(uint16_t event, uint16_t new, uint16_t old)
{
	return (uint16_t)(new - event - 1) < (uint16_t)(new - old);
}

/**
 * vf_has() - Was a feature negotiated?
 * @d:		Device
 * @bit:	Feature bit
 *
 * Return: true if acknowledged in SET_FEATURES
 */
static bool vf_has(const struct vf_dev *d, unsigned int bit)
{
	return d->features & BIT64(bit);
}

/**
 * vf_vq_init() - Allocate a queue's rings in guest memory, reset its state
 * @d:		Device
 * @vq:		Queue
 * @index:	VF_RX or VF_TX
 */
static void vf_vq_init(struct vf_dev *d, struct vf_vq *vq, unsigned int index)
{
	unsigned int num = vf_conf.ring, i;
	size_t avail_size = sizeof(struct vf_avail) + sizeof(uint16_t) *
			    (num + 1);
	size_t used_size = sizeof(struct vf_used) +
			   sizeof(struct vf_used_elem) * num + sizeof(uint16_t);

	memset(vq, 0, sizeof(*vq));
	vq->index = index;
	vq->num = num;
	vq->desc = vf_alloc(&d->mem, sizeof(struct vf_desc) * num, 4096);
	vq->avail = vf_alloc(&d->mem, avail_size, 4096);
	vq->used = vf_alloc(&d->mem, used_size, 4096);
	vq->used_event = &vq->avail->ring[num];
	vq->avail_event = (uint16_t *)&vq->used->ring[num];
	for (i = 0; i < num; i++)
		vq->free[i] = (uint16_t)(num - 1 - i);
	vq->nfree = num;
	vq->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (vq->kick_fd < 0)
		vf_die("eventfd");
	vq->call_fd = -1;
	if (!vf_conf.no_call) {
		vq->call_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (vq->call_fd < 0)
			vf_die("eventfd");
	}
}

/**
 * vf_desc_get() - Take a free descriptor
 * @vq:		Queue, with @vq->nfree > 0
 *
 * Return: descriptor index
 */
static uint16_t vf_desc_get(struct vf_vq *vq)
{
	return vq->free[--vq->nfree];
}

/**
 * vf_desc_put() - Return a descriptor to the free stack
 * @vq:		Queue
 * @i:		Descriptor index
 */
static void vf_desc_put(struct vf_vq *vq, uint16_t i)
{
	vq->free[vq->nfree++] = i;
}

/**
 * vf_desc_set() - Write a descriptor, keep our copy of length and link
 * @vq:		Queue
 * @i:		Descriptor index
 * @addr:	Guest address
 * @len:	Length, bytes
 * @flags:	VRING_DESC_F_*
 * @next:	Next descriptor (with VRING_DESC_F_NEXT)
 */
static void vf_desc_set(struct vf_vq *vq, uint16_t i, uint64_t addr,
			uint32_t len, uint16_t flags, uint16_t next)
{
	struct vf_desc *e = &vq->desc[i];

	e->addr = htole64(addr);
	e->len = htole32(len);
	e->flags = htole16(flags);
	e->next = htole16(next);
	vq->len[i] = len;
	vq->next[i] = next;
}

/**
 * vf_avail_push() - Publish a head in the available ring
 * @vq:		Queue
 * @head:	Head of the descriptor chain
 *
 * The descriptors are written before the index (release store), so the
 * back-end sees them once it sees the index.
 */
static void vf_avail_push(struct vf_vq *vq, uint16_t head)
{
	vq->avail->ring[vq->avail_idx % vq->num] = htole16(head);
	vq->avail_idx++;
	__atomic_store_n(&vq->avail->idx, htole16(vq->avail_idx),
			 __ATOMIC_RELEASE);
}

/**
 * vf_kick() - Notify the back-end of new available buffers, if it asks for it
 * @d:		Device
 * @vq:		Queue
 *
 * With EVENT_IDX, kick if the available index crossed avail_event since the
 * last decision; otherwise unless the back-end set VRING_USED_F_NO_NOTIFY.
 */
static void vf_kick(const struct vf_dev *d, struct vf_vq *vq)
{
	uint16_t old = vq->kick_idx, new = vq->avail_idx;
	uint64_t one = 1;
	bool need;

	if (old == new)
		return;
	/* Our index store before their notification field load */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vf_has(d, VIO_RING_EVENT_IDX))
		need = vf_need_event(le16toh(__atomic_load_n(vq->avail_event,
							      __ATOMIC_RELAXED)),
				     new, old);
	else
		need = !(le16toh(__atomic_load_n(&vq->used->flags,
						 __ATOMIC_RELAXED)) &
			 VRING_USED_F_NO_NOTIFY);
	vq->kick_idx = new;
	if (!need) {
		vf_stats.kicks_saved[vq->index]++;
		return;
	}
	if (write(vq->kick_fd, &one, sizeof(one)) != sizeof(one) &&
	    errno != EAGAIN)
		vf_die("write kick eventfd");
	vf_stats.kicks[vq->index]++;
}

/**
 * vf_used_idx() - Read the used index, check it against what we posted
 * @vq:		Queue
 *
 * Return: used index (acquire: the elements before it are visible)
 */
static uint16_t vf_used_idx(const struct vf_vq *vq)
{
	uint16_t idx = le16toh(__atomic_load_n(&vq->used->idx,
					       __ATOMIC_ACQUIRE));

	if ((uint16_t)(idx - vq->last_used) > vq->num)
		vf_fail(2, "queue %u: used index %u, %u entries past %u",
			vq->index, idx, (uint16_t)(idx - vq->last_used),
			vq->last_used);
	return idx;
}

/**
 * vf_notify_set() - Ask for calls on a queue, or not
 * @d:		Device
 * @vq:		Queue
 * @on:		Ask to be called at the next used buffer
 *
 * With EVENT_IDX, used_event is set to our next used index (call me at the
 * next one) or one before it (never, until the index wraps around); without,
 * VRING_AVAIL_F_NO_INTERRUPT is cleared or set.
 *
 * Return: true if used buffers arrived meanwhile (after asking for calls)
 */
static bool vf_notify_set(const struct vf_dev *d, struct vf_vq *vq, bool on)
{
	if (vf_has(d, VIO_RING_EVENT_IDX))
		__atomic_store_n(vq->used_event,
				 htole16((uint16_t)(vq->last_used - !on)),
				 __ATOMIC_RELAXED);
	else
		__atomic_store_n(&vq->avail->flags,
				 htole16(on ? 0 : VRING_AVAIL_F_NO_INTERRUPT),
				 __ATOMIC_RELAXED);
	if (!on)
		return false;
	/* Our request store before the used index load */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return vf_used_idx(vq) != vq->last_used;
}

/* TX: tap to back-end */

/**
 * vf_tx_pieces() - Describe header and data of a frame as separate pieces
 * @d:		Device
 * @buf:	Frame, header first
 * @len:	Total length, header included
 * @addr:	Filled with guest addresses of the pieces
 * @plen:	Filled with their lengths
 *
 * Return: number of pieces: the header, then data in --seg sized pieces
 */
static unsigned int vf_tx_pieces(const struct vf_dev *d, const uint8_t *buf,
				 size_t len, uint64_t *addr, uint32_t *plen)
{
	uint64_t gpa = vf_gpa(&d->mem, buf);
	size_t off = d->hdr_len;
	unsigned int n = 1;

	addr[0] = gpa;
	plen[0] = (uint32_t)d->hdr_len;
	while (off < len) {
		size_t piece = len - off < vf_conf.seg ? len - off :
			       vf_conf.seg;

		addr[n] = gpa + off;
		plen[n++] = (uint32_t)piece;
		off += piece;
	}
	return n;
}

/**
 * vf_tx_mode() - Pick how to post the next TX frame
 * @d:		Device
 *
 * Return: VF_TX_FLAT, VF_TX_CHAIN or VF_TX_INDIRECT
 */
static enum vf_tx_mode vf_tx_mode(struct vf_dev *d)
{
	enum vf_tx_mode m = vf_conf.tx_mode;

	if (m == VF_TX_MIX)
		m = (enum vf_tx_mode)(d->tx_turn++ % 3);
	if (m == VF_TX_INDIRECT && !vf_has(d, VIO_RING_INDIRECT_DESC))
		m = VF_TX_CHAIN;
	return m;
}

/**
 * vf_tx_post() - Post a frame read into a head's buffer to the TX queue
 * @d:		Device
 * @head:	Head descriptor, its buffer holding the frame
 * @len:	Frame length, header included
 *
 * A chain longer than the free descriptors or the queue size falls back to
 * one flat descriptor.
 */
static void vf_tx_post(struct vf_dev *d, uint16_t head, size_t len)
{
	struct vf_vq *vq = &d->vq[VF_TX];
	uint64_t addr[VF_PIECES_MAX];
	uint32_t plen[VF_PIECES_MAX];
	enum vf_tx_mode mode = vf_tx_mode(d);
	unsigned int n = 0, i;

	if (mode != VF_TX_FLAT)
		n = vf_tx_pieces(d, d->tx_buf[head], len, addr, plen);
	if (mode == VF_TX_CHAIN && (n > vq->nfree + 1 || n > vq->num))
		mode = VF_TX_FLAT;
	if (mode == VF_TX_INDIRECT && n > vq->num)
		mode = VF_TX_FLAT;

	vq->chain_len[head] = 1;
	switch (mode) {
	case VF_TX_FLAT:
	case VF_TX_MIX:
		vf_desc_set(vq, head, vf_gpa(&d->mem, d->tx_buf[head]),
			    (uint32_t)len, 0, 0);
		break;
	case VF_TX_CHAIN: {
		uint16_t cur = head;

		for (i = 0; i < n; i++) {
			uint16_t nxt = i + 1 < n ? vf_desc_get(vq) : 0;

			vf_desc_set(vq, cur, addr[i], plen[i],
				    i + 1 < n ? VRING_DESC_F_NEXT : 0, nxt);
			cur = nxt;
		}
		vq->chain_len[head] = (uint16_t)n;
		break;
	}
	case VF_TX_INDIRECT: {
		struct vf_desc *t = d->tx_table[head];

		for (i = 0; i < n; i++) {
			t[i].addr = htole64(addr[i]);
			t[i].len = htole32(plen[i]);
			t[i].flags = htole16(i + 1 < n ? VRING_DESC_F_NEXT : 0);
			t[i].next = htole16(i + 1 < n ? (uint16_t)(i + 1) : 0);
		}
		vf_desc_set(vq, head, vf_gpa(&d->mem, t),
			    (uint32_t)(n * sizeof(*t)), VRING_DESC_F_INDIRECT,
			    0);
		break;
	}
	}
	vq->state[head] = VF_SLOT_POSTED;
	vf_avail_push(vq, head);
	vf_stats.tx_frames++;
	vf_stats.tx_bytes += len - d->hdr_len;
	vf_log(2, "tx: %zu bytes, head %u, mode %d, flags 0x%x gso %u",
	       len - d->hdr_len, head, mode, d->tx_buf[head][0],
	       d->tx_buf[head][1]);
}

/**
 * vf_tx_copy() - Post a copy of a frame in a free TX head
 * @d:		Device
 * @f:		Frame, virtio-net header included
 * @len:	Its length
 *
 * Return: true if posted, false if no head is free
 */
static bool vf_tx_copy(struct vf_dev *d, const uint8_t *f, size_t len)
{
	struct vf_vq *vq = &d->vq[VF_TX];
	uint16_t head;

	if (!vq->num || !vq->nfree || len > VF_TX_SLOT_BYTES)
		return false;		/* not set up, or full */
	head = vf_desc_get(vq);
	memcpy(d->tx_buf[head], f, len);
	vf_tx_post(d, head, len);
	return true;
}

/**
 * vf_tx_held() - Post the TX frame held back for reordering, if any
 * @d:		Device
 * @due_only:	Only if it waited long enough (nothing overtook it)
 *
 * Return: true if posted (the caller kicks)
 */
static bool vf_tx_held(struct vf_dev *d, bool due_only)
{
	const struct impair_held *h = impair_held_frame(IMPAIR_OUT, due_only);

	if (!h || !vf_tx_copy(d, h->buf, h->len))
		return false;
	impair_release(IMPAIR_OUT);
	return true;
}

/**
 * vf_tx_impair() - Drop, hold back or duplicate a TX frame, if drawn
 * @d:		Device
 * @head:	Its head, not posted yet
 * @len:	Frame length, header included
 *
 * Return: true if the frame is not to be posted now (its head is free again)
 */
static bool vf_tx_impair(struct vf_dev *d, uint16_t head, size_t len)
{
	struct vf_vq *vq = &d->vq[VF_TX];
	uint8_t *buf = d->tx_buf[head];
	struct iovec iov = { .iov_base = buf, .iov_len = len };

	switch (impair_decide(IMPAIR_OUT, buf + d->hdr_len, len - d->hdr_len)) {
	case IMPAIR_DROP:
		vf_desc_put(vq, head);
		return true;
	case IMPAIR_HOLD:
		if (!impair_hold(IMPAIR_OUT, &iov, 1))
			return false;
		vf_desc_put(vq, head);
		return true;
	case IMPAIR_DUP:
		vf_tx_post(d, head, len);
		if (!vf_tx_copy(d, buf, len))
			vf_log(1, "no free head for a duplicate");
		vf_tx_held(d, false);
		return true;
	case IMPAIR_PASS:
	case IMPAIR_ACTS:
		break;
	}
	return false;
}

/**
 * vf_tx_fill() - Read frames from the tap into the TX queue until EAGAIN
 * @d:		Device
 * @tap:	Tap descriptor, non-blocking
 *
 * Each frame goes straight from the tap into the buffer of a free head; the
 * back-end is kicked (if it asks) every VF_TX_KICK_BATCH frames and at the
 * end.
 */
static void vf_tx_fill(struct vf_dev *d, int tap)
{
	struct vf_vq *vq = &d->vq[VF_TX];
	unsigned int batch = 0;

	while (vq->nfree) {
		uint16_t head = vf_desc_get(vq);
		uint8_t *buf = d->tx_buf[head];
		ssize_t n = read(tap, buf, VF_TX_SLOT_BYTES);

		if (n < 0) {
			vf_desc_put(vq, head);
			if (errno == EAGAIN || errno == EINTR)
				break;
			vf_die("read tap");
		}
		if ((size_t)n <= d->hdr_len) {
			vf_desc_put(vq, head);
			continue;
		}
		/* The tap may set DATA_VALID: not for a driver to send
		 * (virtio 1.1 5.1.6.2.1); num_buffers is 0 on TX
		 */
		buf[0] &= (uint8_t)~(VIO_HDR_F_DATA_VALID | VIO_HDR_F_RSC_INFO);
		if (d->hdr_len == 12) {
			buf[10] = 0;
			buf[11] = 0;
		}
		if (vf_tx_impair(d, head, (size_t)n))
			continue;
		vf_tx_post(d, head, (size_t)n);
		vf_tx_held(d, false);
		if (++batch % VF_TX_KICK_BATCH == 0)
			vf_kick(d, vq);
	}
	if (!vq->nfree)
		vf_stats.tx_starved++;
	vf_kick(d, vq);
}

/**
 * vf_tx_reclaim() - Take back the TX chains the back-end used
 * @d:		Device
 *
 * Chains are freed from our own copy of their links, never from guest memory
 * (a faulty chain may loop).
 */
static void vf_tx_reclaim(struct vf_dev *d)
{
	struct vf_vq *vq = &d->vq[VF_TX];
	uint16_t idx = vf_used_idx(vq);

	while (vq->last_used != idx) {
		const struct vf_used_elem *e;
		uint32_t id, len, i;
		uint16_t cur;

		e = &vq->used->ring[vq->last_used % vq->num];
		id = le32toh(e->id);
		len = le32toh(e->len);
		vq->last_used++;
		if (id == vf_fault_head) {
			vf_log(0, "fault: back-end returned bogus head %u, "
			       "len %u", id, len);
			continue;
		}
		if (id >= vq->num || vq->state[id] == VF_SLOT_OURS)
			vf_fail(2, "TX used element names descriptor %u, not "
				"posted", id);
		if (vq->state[id] == VF_SLOT_FAULT)
			vf_log(0, "fault: back-end returned fault descriptor "
			       "%u, len %u", id, len);
		cur = (uint16_t)id;
		for (i = 0; i < vq->chain_len[id]; i++) {
			uint16_t nxt = vq->next[cur];

			vf_desc_put(vq, cur);
			cur = nxt;
		}
		vq->state[id] = VF_SLOT_OURS;
	}
}

/* RX: back-end to tap */

/**
 * vf_rx_post() - Post an RX buffer (chain) again
 * @vq:		RX queue
 * @head:	Its head
 */
static void vf_rx_post(struct vf_vq *vq, uint16_t head)
{
	vq->state[head] = VF_SLOT_POSTED;
	vf_avail_push(vq, head);
}

/**
 * vf_rx_init() - Write all RX descriptors and post them
 * @d:		Device
 *
 * With MRG_RXBUF every descriptor is a buffer of --rx-buf bytes; without,
 * a buffer is a chain of such descriptors covering 65562 bytes (virtio 1.1
 * §5.1.6.3.1, for GUEST_TSO, and used whatever the offloads). With an RX
 * fault, the last descriptor is kept aside for it.
 */
static void vf_rx_init(struct vf_dev *d)
{
	struct vf_vq *vq = &d->vq[VF_RX];
	unsigned int usable = vq->num, k = 1, i, j;

	d->rx_fault = VF_RING_MAX;
	if (!vf_fault_done && (vf_conf.fault == VF_FAULT_RX_OOB ||
			       vf_conf.fault == VF_FAULT_RX_ZERO_LEN))
		d->rx_fault = --usable;
	if (!vf_has(d, VIO_NET_MRG_RXBUF))
		k = DIV_ROUND_UP(VF_FRAME_MAX + 12U, vf_conf.rx_buf);
	if (k > usable)
		vf_fail(1, "--ring %u too small for buffers of %u descriptors",
			vq->num, k);
	d->rx_cap = (size_t)k * vf_conf.rx_buf;
	vq->nfree = 0;		/* RX chains are fixed, never freed */
	for (i = 0; i + k <= usable; i += k) {
		for (j = 0; j < k; j++) {
			uint16_t cur = (uint16_t)(i + j);

			vf_desc_set(vq, cur, vf_gpa(&d->mem, d->rx_buf[cur]),
				    vf_conf.rx_buf, VRING_DESC_F_WRITE |
				    (j + 1 < k ? VRING_DESC_F_NEXT : 0),
				    j + 1 < k ? (uint16_t)(cur + 1) : 0);
		}
		vq->chain_len[i] = (uint16_t)k;
		vf_rx_post(vq, (uint16_t)i);
	}
	d->rx_want = 0;
}

/**
 * vf_rx_l4() - Find the TCP or UDP header of a frame, for its checksum
 * @f:		Ethernet frame
 * @len:	Bytes of it contiguous at @f
 * @csum_off:	Filled with the checksum's offset in the L4 header
 *
 * Return: offset of the L4 header in the frame, 0 if not TCP or UDP right
 * after an IPv4 or IPv6 header (or not in @len)
 */
static size_t vf_rx_l4(const uint8_t *f, size_t len, uint16_t *csum_off)
{
	size_t l3 = 14, l4;
	uint16_t type;
	uint8_t proto;

	if (len < l3 + 40)
		return 0;
	type = (uint16_t)(f[12] << 8 | f[13]);
	if (type == 0x8100) {		/* one VLAN tag */
		type = (uint16_t)(f[16] << 8 | f[17]);
		l3 += 4;
	}
	if (type == 0x0800 && (f[l3] >> 4) == 4 &&
	    !((f[l3 + 6] & 0x3f) | f[l3 + 7])) {	/* not a fragment */
		l4 = l3 + (size_t)(f[l3] & 0xf) * 4;
		proto = f[l3 + 9];
	} else if (type == 0x86dd && (f[l3] >> 4) == 6) {
		l4 = l3 + 40;
		proto = f[l3 + 6];
	} else {
		return 0;
	}
	if (proto == 6 && l4 + 20 <= len)
		*csum_off = 16;
	else if (proto == 17 && l4 + 8 <= len)
		*csum_off = 6;
	else
		return 0;
	return l4;
}

/**
 * vf_rx_data_valid() - Make a tap honour VIRTIO_NET_HDR_F_DATA_VALID
 * @d:		Device, a complete frame in @d->rx_iov
 *
 * Linux's virtio-net driver takes DATA_VALID as "checksum verified"
 * (CHECKSUM_UNNECESSARY) whatever the features; a tap ignores the flag and
 * the guest's stack verifies, and drops, a frame whose checksum the device
 * left out. As the driver would, we trust the device: the header becomes
 * NEEDS_CSUM over the TCP or UDP checksum, which a tap passes on as
 * CHECKSUM_PARTIAL, not verified on local delivery. Virtio 1.1 §5.1.6.4.1
 * allows DATA_VALID only with GUEST_CSUM: frames without are counted.
 */
static void vf_rx_data_valid(const struct vf_dev *d)
{
	uint8_t *h = d->rx_iov[0].iov_base;
	uint16_t csum_off;
	size_t l4;

	if (!(h[0] & VIO_HDR_F_DATA_VALID) || (h[0] & VIO_HDR_F_NEEDS_CSUM))
		return;
	if (!vf_has(d, VIO_NET_GUEST_CSUM) && !vf_stats.rx_dv_nego++)
		vf_log(0, "back-end sets DATA_VALID without GUEST_CSUM "
		       "(virtio 1.1 5.1.6.4.1)%s", vf_conf.strict_csum ? "" :
		       ": trusted, as Linux does");
	if (vf_conf.strict_csum)
		return;
	l4 = vf_rx_l4(h + d->hdr_len, d->rx_iov[0].iov_len - d->hdr_len,
		      &csum_off);
	if (!l4)
		return;
	h[0] = VIO_HDR_F_NEEDS_CSUM;
	h[6] = (uint8_t)l4;		/* csum_start, little-endian */
	h[7] = (uint8_t)(l4 >> 8);
	h[8] = (uint8_t)csum_off;	/* csum_offset */
	h[9] = 0;
	vf_stats.rx_data_valid++;
}

/**
 * vf_rx_held() - Write the RX frame held back for reordering, if any
 * @tap:	Tap descriptor
 * @due_only:	Only if it waited long enough (nothing overtook it)
 */
static void vf_rx_held(int tap, bool due_only)
{
	const struct impair_held *h = impair_held_frame(IMPAIR_IN, due_only);

	if (!h)
		return;
	if (write(tap, h->buf, h->len) != (ssize_t)h->len)
		vf_stats.rx_drops++;
	impair_release(IMPAIR_IN);
}

/**
 * vf_rx_write() - Write the frame in @d->rx_iov to the tap, impaired if asked
 * @d:		Device
 * @tap:	Tap descriptor
 * @total:	Frame length, header included
 *
 * A frame dropped or held back on purpose counts as written.
 *
 * Return: false if the tap refused it
 */
static bool vf_rx_write(struct vf_dev *d, int tap, size_t total)
{
	const struct iovec *iov = d->rx_iov;
	int cnt = (int)d->rx_niov;
	bool ok;

	switch (impair_decide(IMPAIR_IN, (uint8_t *)iov[0].iov_base +
			      d->hdr_len, iov[0].iov_len - d->hdr_len)) {
	case IMPAIR_DROP:
		return true;
	case IMPAIR_HOLD:
		if (impair_hold(IMPAIR_IN, iov, d->rx_niov))
			return true;
		break;
	case IMPAIR_DUP:
		if (writev(tap, iov, cnt) != (ssize_t)total)
			vf_stats.rx_drops++;
		break;
	case IMPAIR_PASS:
	case IMPAIR_ACTS:
		break;
	}
	ok = writev(tap, iov, cnt) == (ssize_t)total;
	vf_rx_held(tap, false);
	return ok;
}

/**
 * vf_rx_frame_done() - Write a complete frame to the tap, repost its buffers
 * @d:		Device
 * @tap:	Tap descriptor
 */
static void vf_rx_frame_done(struct vf_dev *d, int tap)
{
	struct vf_vq *vq = &d->vq[VF_RX];
	size_t total = 0;
	unsigned int i;

	for (i = 0; i < d->rx_niov; i++)
		total += d->rx_iov[i].iov_len;
	if (!d->rx_bad)
		vf_rx_data_valid(d);
	if (d->rx_bad) {
		vf_stats.rx_bad++;
	} else if (!vf_rx_write(d, tap, total)) {
		vf_stats.rx_drops++;
	} else {
		vf_stats.rx_frames++;
		vf_stats.rx_bytes += total - d->hdr_len;
		const uint8_t *h = d->rx_iov[0].iov_base;

		vf_log(2, "rx: %zu bytes in %u buffers, flags 0x%x gso %u",
		       total - d->hdr_len, d->rx_nbufs, h[0], h[1]);
	}
	for (i = 0; i < d->rx_nheads; i++)
		vf_rx_post(vq, d->rx_heads[i]);
	d->rx_want = 0;
}

/**
 * vf_rx_one() - Take one used RX element into the frame being merged
 * @d:		Device
 * @tap:	Tap descriptor
 * @id:		Head the back-end used
 * @len:	Bytes it wrote there
 */
static void vf_rx_one(struct vf_dev *d, int tap, uint32_t id, uint32_t len)
{
	struct vf_vq *vq = &d->vq[VF_RX];
	uint32_t left = len, i;
	uint16_t cur;

	if (id >= vq->num || vq->state[id] == VF_SLOT_OURS)
		vf_fail(2, "RX used element names descriptor %u, not posted",
			id);
	if (vq->state[id] == VF_SLOT_FAULT) {
		vf_log(0, "fault: back-end used fault RX buffer %u, len %u",
		       id, len);
		vq->state[id] = VF_SLOT_OURS;	/* never posted again */
		if (!d->rx_want)
			return;
		d->rx_bad = d->rx_bad || len;
		if (++d->rx_nbufs == d->rx_want)
			vf_rx_frame_done(d, tap);
		return;
	}
	if (len > d->rx_cap)
		vf_fail(2, "RX used length %u beyond buffer of %zu", len,
			d->rx_cap);
	vq->state[id] = VF_SLOT_OURS;
	if (!d->rx_want) {
		unsigned int want = 1;

		if (len < d->hdr_len)
			vf_fail(2, "RX frame of %u bytes, shorter than the "
				"%zu-byte header", len, d->hdr_len);
		if (vf_has(d, VIO_NET_MRG_RXBUF)) {
			const uint8_t *h = d->rx_buf[id];

			want = (unsigned int)h[10] | (unsigned int)h[11] << 8;
		}
		if (!want || want > VF_RX_IOV_MAX || want > vq->num)
			vf_fail(2, "RX num_buffers %u", want);
		d->rx_want = want;
		d->rx_nbufs = 0;
		d->rx_nheads = 0;
		d->rx_niov = 0;
		d->rx_bad = false;
	}
	d->rx_heads[d->rx_nheads++] = (uint16_t)id;
	d->rx_nbufs++;
	cur = (uint16_t)id;
	for (i = 0; i < vq->chain_len[id] && left; i++) {
		uint32_t piece = left < vq->len[cur] ? left : vq->len[cur];

		if (d->rx_niov == VF_RX_IOV_MAX)
			vf_fail(2, "RX frame in more than %d pieces",
				VF_RX_IOV_MAX);
		d->rx_iov[d->rx_niov].iov_base = d->rx_buf[cur];
		d->rx_iov[d->rx_niov++].iov_len = piece;
		left -= piece;
		cur = vq->next[cur];
	}
	if (d->rx_nbufs == d->rx_want)
		vf_rx_frame_done(d, tap);
}

/**
 * vf_rx_drain() - Write every frame the back-end put in the RX queue to tap
 * @d:		Device
 * @tap:	Tap descriptor
 *
 * Reposts the buffers, kicks if asked, then asks for a call at the next
 * used buffer and loops if one arrived meanwhile.
 */
static void vf_rx_drain(struct vf_dev *d, int tap)
{
	struct vf_vq *vq = &d->vq[VF_RX];

	do {
		uint16_t idx = vf_used_idx(vq);

		while (vq->last_used != idx) {
			const struct vf_used_elem *e;

			e = &vq->used->ring[vq->last_used % vq->num];
			vq->last_used++;
			vf_rx_one(d, tap, le32toh(e->id), le32toh(e->len));
		}
		vf_kick(d, vq);
	} while (vf_notify_set(d, vq, true));
}

/* Faults */

/**
 * vf_fault_tx() - Post one faulty TX chain, kick
 * @d:		Device
 * @f:		VF_FAULT_TX_OOB, _TX_STRADDLE, _LOOP, _ZERO_LEN,
 *		_INDIRECT_LEN or _INDIRECT_NESTED
 */
static void vf_fault_tx(struct vf_dev *d, enum vf_fault f)
{
	struct vf_vq *vq = &d->vq[VF_TX];
	uint64_t end = vf_gpa_end(&d->mem);
	uint16_t a = vf_desc_get(vq), b;
	uint64_t gpa_a = vf_gpa(&d->mem, d->tx_buf[a]);
	struct vf_desc *t = d->tx_table[a];
	bool nested = f == VF_FAULT_INDIRECT_NESTED;

	memset(d->tx_buf[a], 0, 64);
	vq->chain_len[a] = 1;
	if (f == VF_FAULT_TX_OOB) {
		vf_desc_set(vq, a, end + (256U << 20), 64, 0, 0);
	} else if (f == VF_FAULT_TX_STRADDLE) {
		vf_desc_set(vq, a, end - 32, 64, 0, 0);
	} else if (f == VF_FAULT_LOOP) {
		b = vf_desc_get(vq);
		memset(d->tx_buf[b], 0, 64);
		vf_desc_set(vq, a, gpa_a, 64, VRING_DESC_F_NEXT, b);
		vf_desc_set(vq, b, vf_gpa(&d->mem, d->tx_buf[b]), 64,
			    VRING_DESC_F_NEXT, a);
		vq->chain_len[a] = 2;
	} else if (f == VF_FAULT_ZERO_LEN) {
		vf_desc_set(vq, a, gpa_a, 0, 0, 0);
	} else {
		t[0].addr = htole64(gpa_a);
		t[0].len = htole32((uint32_t)d->hdr_len);
		t[0].flags = htole16(VRING_DESC_F_NEXT);
		t[0].next = htole16(1);
		t[1].addr = htole64(nested ? vf_gpa(&d->mem, t) :
				    gpa_a + d->hdr_len);
		t[1].len = htole32(nested ? 2 * sizeof(*t) : 60);
		t[1].flags = htole16(nested ? VRING_DESC_F_INDIRECT : 0);
		t[1].next = 0;
		/* Two and a half entries, or two with one nested */
		vf_desc_set(vq, a, vf_gpa(&d->mem, t),
			    2 * sizeof(*t) + (nested ? 0 : 8),
			    VRING_DESC_F_INDIRECT, 0);
	}
	vq->state[a] = VF_SLOT_FAULT;
	vf_avail_push(vq, a);
	vf_kick(d, vq);
}

/**
 * vf_fault_rx() - Post the RX descriptor kept aside as a faulty buffer, kick
 * @d:		Device
 * @f:		VF_FAULT_RX_OOB or VF_FAULT_RX_ZERO_LEN
 */
static void vf_fault_rx(struct vf_dev *d, enum vf_fault f)
{
	struct vf_vq *vq = &d->vq[VF_RX];
	uint16_t r = (uint16_t)d->rx_fault;

	if (f == VF_FAULT_RX_OOB)
		vf_desc_set(vq, r, vf_gpa_end(&d->mem) + (256U << 20),
			    vf_conf.rx_buf, VRING_DESC_F_WRITE, 0);
	else
		vf_desc_set(vq, r, vf_gpa(&d->mem, d->rx_buf[r]), 0,
			    VRING_DESC_F_WRITE, 0);
	vq->chain_len[r] = 1;
	vq->state[r] = VF_SLOT_FAULT;
	vf_avail_push(vq, r);
	vf_kick(d, vq);
}

/**
 * vf_fault_head_oob() - Post a head beyond the descriptor table, kick
 * @d:		Device
 */
static void vf_fault_head_oob(struct vf_dev *d)
{
	struct vf_vq *vq = &d->vq[VF_TX];

	vf_fault_head = (uint16_t)(vq->num + 5);
	vf_avail_push(vq, vf_fault_head);
	vf_kick(d, vq);
}

/**
 * vf_fault_msg() - Send a malformed message, then probe with GET_FEATURES
 * @d:		Device
 * @f:		VF_FAULT_MSG_* or VF_FAULT_UNKNOWN_REQ
 *
 * Prints what came back: an ack, nothing, or the connection closing.
 */
static void vf_fault_msg(struct vf_dev *d, enum vf_fault f)
{
	uint32_t flags = d->reply_ack ? VU_FLAG_NEED_REPLY : 0;
	uint32_t req = VU_SET_VRING_ENABLE, size = 8;
	struct vu_state en = { VF_RX, 1 };
	const char *name = vf_fault_names[f];
	uint8_t p[16] = { 0 };
	size_t len = 8;
	uint64_t val;

	memcpy(p, &en, sizeof(en));
	if (f == VF_FAULT_MSG_SHORT) {
		req = VU_SET_FEATURES;
		memcpy(p, &d->features, 4);	/* low half, little-endian */
		size = len = 4;
	} else if (f == VF_FAULT_MSG_LONG) {
		size = len = 16;
	} else if (f == VF_FAULT_MSG_HUGE) {
		size = 1U << 30;
	} else if (f == VF_FAULT_MSG_TRUNC) {
		len = 4;
	} else {
		req = VU_REQ_UNKNOWN;
		size = len = 0;
	}
	if (vf_send(d->sock, req, flags, size, p, len, NULL, 0)) {
		vf_log(0, "fault %s: connection closed", name);
		return;
	}
	if (flags && !vf_reply(d, req, VF_FAULT_REPLY_MS, &val))
		vf_log(0, "fault %s: ack %llu", name, (unsigned long long)val);
	if (vf_send(d->sock, VU_GET_FEATURES, 0, 0, NULL, 0, NULL, 0) ||
	    vf_reply(d, VU_GET_FEATURES, VF_FAULT_REPLY_MS, &val))
		vf_log(0, "fault %s: probe GET_FEATURES failed", name);
	else
		vf_log(0, "fault %s: probe GET_FEATURES answered 0x%llx", name,
		       (unsigned long long)val);
}

/**
 * vf_fault_inject() - Inject the fault chosen with --fault, once set up
 * @d:		Device, queues started
 * @f:		Fault; set-up faults were injected already
 */
static void vf_fault_inject(struct vf_dev *d, enum vf_fault f)
{
	switch (f) {
	case VF_FAULT_NONE:
	case VF_FAULT_MEM_PIPE:
	case VF_FAULT_MEM_NOFD:
	case VF_FAULT_MEM_SHORT:
	case VF_FAULT_RING_OOB:
	case VF_FAULT_COUNT:
		return;
	case VF_FAULT_INDIRECT_LEN:
	case VF_FAULT_INDIRECT_NESTED:
		if (!vf_has(d, VIO_RING_INDIRECT_DESC)) {
			vf_log(0, "fault %s skipped: INDIRECT_DESC not "
			       "negotiated", vf_fault_names[f]);
			return;
		}
		vf_fault_tx(d, f);
		break;
	case VF_FAULT_TX_OOB:
	case VF_FAULT_TX_STRADDLE:
	case VF_FAULT_LOOP:
	case VF_FAULT_ZERO_LEN:
		vf_fault_tx(d, f);
		break;
	case VF_FAULT_RX_OOB:
	case VF_FAULT_RX_ZERO_LEN:
		vf_fault_rx(d, f);
		break;
	case VF_FAULT_HEAD_OOB:
		vf_fault_head_oob(d);
		break;
	case VF_FAULT_MSG_SHORT:
	case VF_FAULT_MSG_LONG:
	case VF_FAULT_MSG_HUGE:
	case VF_FAULT_MSG_TRUNC:
	case VF_FAULT_UNKNOWN_REQ:
		vf_log(0, "fault %s injected", vf_fault_names[f]);
		vf_fault_msg(d, f);
		return;
	}
	vf_log(0, "fault %s injected", vf_fault_names[f]);
}

/* Set-up */

/**
 * vf_tap_open() - Create the tap device, set MAC and MTU, bring it up
 * @c:		Options
 *
 * Return: non-blocking tap file descriptor; exits on failure
 */
static int vf_tap_open(const struct vf_conf *c)
{
	struct ifreq ifr;
	int fd, s;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		vf_die("open /dev/net/tun");
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", c->ifname);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		vf_die("TUNSETIFF");

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		vf_die("socket");
	if (c->has_mac) {
		ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
		memcpy(ifr.ifr_hwaddr.sa_data, c->mac, 6);
		if (ioctl(s, SIOCSIFHWADDR, &ifr) < 0)
			vf_die("SIOCSIFHWADDR");
	}
	if (c->mtu) {
		ifr.ifr_mtu = c->mtu;
		if (ioctl(s, SIOCSIFMTU, &ifr) < 0)
			vf_die("SIOCSIFMTU");
	}
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		vf_die("SIOCGIFFLAGS");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		vf_die("SIOCSIFFLAGS");
	close(s);
	return fd;
}

/**
 * vf_tap_config() - Match the tap's vnet header and offloads to features
 * @d:		Device, features negotiated
 * @tap:	Tap descriptor
 */
static void vf_tap_config(const struct vf_dev *d, int tap)
{
	unsigned int off = 0;
	int sz = (int)d->hdr_len, le = 1;

	if (ioctl(tap, TUNSETVNETHDRSZ, &sz) < 0)
		vf_die("TUNSETVNETHDRSZ");
	if (vf_has(d, VIO_VERSION_1) && ioctl(tap, TUNSETVNETLE, &le) < 0)
		vf_die("TUNSETVNETLE");
	if (vf_has(d, VIO_NET_CSUM)) {
		off |= TUN_F_CSUM;
		if (vf_has(d, VIO_NET_HOST_TSO4))
			off |= TUN_F_TSO4;
		if (vf_has(d, VIO_NET_HOST_TSO6))
			off |= TUN_F_TSO6;
	}
	if (ioctl(tap, TUNSETOFFLOAD, off) < 0)
		vf_die("TUNSETOFFLOAD");
}

/**
 * vf_connect() - Connect to the back-end's socket, retrying for a while
 * @path:	Socket path, or "fd:N": descriptor N, inherited and connected
 *		(qemu's -netdev passt,vhost-user=on), usable once
 * @retry_ms:	Keep retrying for this long
 *
 * Return: connected, blocking socket, or -1 (message printed)
 */
static int vf_connect(const char *path, long retry_ms)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	long waited_ms = 0;

	if (strlen(path) >= sizeof(a.sun_path)) {
		vf_log(0, "socket path too long");
		return -1;
	}
	memcpy(a.sun_path, path, strlen(path) + 1);
	if (!strncmp(path, "fd:", 3)) {		/* inherited, connected */
		static bool used;
		int fd = atoi(path + 3);

		if (fd < 3 || fcntl(fd, F_GETFD) < 0 || used) {
			vf_log(0, "bad -s %s (or used already)", path);
			return -1;
		}
		used = true;
		return fd;
	}
	for (;;) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), err;

		if (fd < 0)
			vf_die("socket AF_UNIX");
		if (!connect(fd, (struct sockaddr *)&a, sizeof(a)))
			return fd;
		err = errno;
		close(fd);
		if (waited_ms >= retry_ms) {
			vf_log(0, "connect %s: %s", path, strerror(err));
			return -1;
		}
		vf_wait(NULL, 0, VF_RETRY_STEP_MS);
		vf_check_stop();
		waited_ms += VF_RETRY_STEP_MS;
	}
}

/**
 * vf_negotiate() - Exchange features and protocol features
 * @d:		Device, connected
 * @c:		Options (masks)
 */
static void vf_negotiate(struct vf_dev *d, const struct vf_conf *c)
{
	uint64_t offered, want, proto = 0;

	d->reply_ack = false;
	vf_set(d, VU_SET_OWNER, NULL, 0, NULL, 0);
	offered = vf_get(d, VU_GET_FEATURES);
	want = offered & VF_WANTED & c->features;
	/* Dependencies, virtio 1.1 §5.1.3.1 */
	if (!(want & BIT64(VIO_NET_CSUM)))
		want &= ~(BIT64(VIO_NET_HOST_TSO4) | BIT64(VIO_NET_HOST_TSO6));
	if (!(want & BIT64(VIO_NET_GUEST_CSUM)))
		want &= ~(BIT64(VIO_NET_GUEST_TSO4) |
			  BIT64(VIO_NET_GUEST_TSO6));
	if (want & BIT64(VU_F_PROTOCOL_FEATURES)) {
		proto = vf_get(d, VU_GET_PROTOCOL_FEATURES);
		vf_log(1, "protocol features offered 0x%llx",
		       (unsigned long long)proto);
		proto &= VF_PROTO_WANTED & c->protocol;
		vf_set(d, VU_SET_PROTOCOL_FEATURES, &proto, sizeof(proto),
		       NULL, 0);
		d->reply_ack = proto & BIT64(VU_PROTO_REPLY_ACK);
		if (proto & BIT64(VU_PROTO_MQ)) {
			uint64_t nq = vf_get(d, VU_GET_QUEUE_NUM);

			vf_log(1, "back-end supports %llu queues",
			       (unsigned long long)nq);
			if (!nq)
				vf_fail(1, "back-end supports no queue");
		}
	}
	vf_set(d, VU_SET_FEATURES, &want, sizeof(want), NULL, 0);
	d->features = want;
	d->protocol = proto;
	d->hdr_len = (vf_has(d, VIO_VERSION_1) ||
		      vf_has(d, VIO_NET_MRG_RXBUF)) ? 12 : 10;
	vf_log(0, "features offered 0x%llx, accepted 0x%llx, protocol 0x%llx,"
	       " %zu-byte header", (unsigned long long)offered,
	       (unsigned long long)want, (unsigned long long)proto,
	       d->hdr_len);
}

/**
 * vf_mem_table() - Send SET_MEM_TABLE (and a faulty one first if asked)
 * @d:		Device, guest memory set up
 * @inject:	Inject a mem-pipe, mem-nofd or mem-short fault first
 */
static void vf_mem_table(struct vf_dev *d, bool inject)
{
	const struct vf_mem *m = &d->mem;
	int fds[VU_REGIONS_MAX], pfd[2];
	struct vu_mem t = { .nregions = m->nregions };
	unsigned int i;

	for (i = 0; i < m->nregions; i++) {
		t.r[i].gpa = m->gpa[i];
		t.r[i].size = m->region_size;
		t.r[i].uaddr = (uint64_t)(uintptr_t)(m->base +
						     i * m->region_size);
		t.r[i].mmap_offset = i * m->region_size;
		fds[i] = m->fd;
	}
	if (inject && (vf_conf.fault == VF_FAULT_MEM_PIPE ||
		       vf_conf.fault == VF_FAULT_MEM_NOFD ||
		       vf_conf.fault == VF_FAULT_MEM_SHORT)) {
		uint32_t flags = d->reply_ack ? VU_FLAG_NEED_REPLY : 0;
		unsigned int nfds = 0;
		uint64_t ack;

		if (vf_conf.fault == VF_FAULT_MEM_SHORT) {
			for (i = 0; i < m->nregions; i++)
				t.r[i].mmap_offset += m->size;
			nfds = m->nregions;
		}
		if (vf_conf.fault == VF_FAULT_MEM_PIPE) {
			if (pipe2(pfd, O_CLOEXEC))
				vf_die("pipe");
			for (i = 0; i < m->nregions; i++)
				fds[i] = pfd[0];
			nfds = m->nregions;
		}
		vf_fault_done = true;
		vf_log(0, "fault %s injected", vf_fault_names[vf_conf.fault]);
		if (vf_send(d->sock, VU_SET_MEM_TABLE, flags, sizeof(t), &t,
			    sizeof(t), fds, nfds))
			vf_fail(0, "back-end closed the connection");
		if (flags && !vf_reply(d, VU_SET_MEM_TABLE, VF_REPLY_MS, &ack))
			vf_log(0, "fault %s: ack %llu",
			       vf_fault_names[vf_conf.fault],
			       (unsigned long long)ack);
		if (vf_conf.fault == VF_FAULT_MEM_PIPE) {
			close(pfd[0]);
			close(pfd[1]);
			for (i = 0; i < m->nregions; i++)
				fds[i] = m->fd;
		}
		for (i = 0; i < m->nregions; i++)
			t.r[i].mmap_offset = i * m->region_size;
	}
	vf_set(d, VU_SET_MEM_TABLE, &t, sizeof(t), fds, m->nregions);
}

/**
 * vf_vring_addr() - Send SET_VRING_ADDR: our addresses of the three parts
 * @d:		Device
 * @vq:		Queue
 * @inject:	Inject ring-oob (TX descriptor table outside every region)
 *
 * Ring addresses are user addresses, ours, as qemu passes its own virtual
 * addresses: the back-end finds them through the regions' user addresses.
 */
static void vf_vring_addr(struct vf_dev *d, const struct vf_vq *vq,
			  bool inject)
{
	struct vu_addr a = {
		.index = vq->index,
		.desc = (uint64_t)(uintptr_t)vq->desc,
		.used = (uint64_t)(uintptr_t)vq->used,
		.avail = (uint64_t)(uintptr_t)vq->avail,
	};

	if (inject && vq->index == VF_TX &&
	    vf_conf.fault == VF_FAULT_RING_OOB) {
		a.desc = (uint64_t)(uintptr_t)d->mem.base + d->mem.size +
			 (64U << 20);
		vf_fault_done = true;
		vf_log(0, "fault ring-oob injected");
	}
	vf_set(d, VU_SET_VRING_ADDR, &a, sizeof(a), NULL, 0);
}

/**
 * vf_layout() - Allocate rings and buffers in fresh guest memory
 * @d:		Device
 */
static void vf_layout(struct vf_dev *d)
{
	unsigned int i;

	vf_mem_init(&d->mem, (size_t)vf_conf.mem_mib << 20, vf_conf.regions);
	vf_vq_init(d, &d->vq[VF_RX], VF_RX);
	vf_vq_init(d, &d->vq[VF_TX], VF_TX);
	for (i = 0; i < vf_conf.ring; i++)
		d->rx_buf[i] = vf_alloc(&d->mem, vf_conf.rx_buf, 64);
	for (i = 0; i < vf_conf.ring; i++) {
		d->tx_buf[i] = vf_alloc(&d->mem, VF_TX_SLOT_BYTES, 64);
		d->tx_table[i] = vf_alloc(&d->mem, VF_PIECES_MAX *
					  sizeof(struct vf_desc), 16);
	}
	vf_log(1, "guest memory: %u MiB in %u regions, %zu KiB used",
	       vf_conf.mem_mib, d->mem.nregions, d->mem.bump >> 10);
}

/**
 * vf_teardown() - Forget a connection: socket, eventfds, guest memory
 * @d:		Device
 */
static void vf_teardown(struct vf_dev *d)
{
	unsigned int q;

	if (d->sock >= 0)
		close(d->sock);
	d->sock = -1;
	for (q = 0; q < 2; q++) {
		if (d->vq[q].kick_fd >= 0)
			close(d->vq[q].kick_fd);
		if (d->vq[q].call_fd >= 0)
			close(d->vq[q].call_fd);
		d->vq[q].kick_fd = d->vq[q].call_fd = -1;
		d->vq[q].desc = NULL;	/* unmapped below */
		d->vq[q].avail = NULL;
		d->vq[q].used = NULL;
	}
	vf_mem_free(&d->mem);
}

/**
 * vf_setup() - Negotiate, share memory, start both queues
 * @d:		Device, @d->sock connected
 * @tap:	Tap descriptor
 */
static void vf_setup(struct vf_dev *d, int tap)
{
	bool inject = !vf_fault_done;
	unsigned int q;

	vf_negotiate(d, &vf_conf);
	vf_tap_config(d, tap);
	vf_layout(d);
	vf_mem_table(d, inject);
	for (q = 0; q < 2; q++) {
		struct vf_vq *vq = &d->vq[q];

		vf_set_state(d, VU_SET_VRING_NUM, q, vq->num);
		vf_vring_addr(d, vq, inject);
		vf_set_state(d, VU_SET_VRING_BASE, q, 0);
		/* Before the kick starts the ring: no call can be lost */
		vf_set_fd(d, VU_SET_VRING_CALL, q, vq->call_fd);
	}
	vf_rx_init(d);
	vf_notify_set(d, &d->vq[VF_RX], true);
	vf_notify_set(d, &d->vq[VF_TX], false);
	for (q = 0; q < 2; q++)
		vf_set_fd(d, VU_SET_VRING_KICK, q, d->vq[q].kick_fd);
	if (vf_has(d, VU_F_PROTOCOL_FEATURES))
		for (q = 0; q < 2; q++)
			vf_set_state(d, VU_SET_VRING_ENABLE, q, 1);
	vf_kick(d, &d->vq[VF_RX]);
	vf_stats.conns++;
	vf_log(0, "connected to %s", vf_conf.path);
	if (inject && vf_conf.fault >= VF_FAULT_TX_OOB) {
		vf_fault_done = true;
		vf_fault_inject(d, vf_conf.fault);
	}
}

/**
 * vf_sock_event() - Handle the back-end's socket becoming readable
 * @d:		Device
 *
 * The back-end has nothing to say outside replies: data is logged and
 * dropped (say, a late reply after a fault).
 *
 * Return: 0 while connected, -1 once the back-end closed the connection
 */
static int vf_sock_event(const struct vf_dev *d)
{
	uint8_t buf[4096];
	ssize_t n = recv(d->sock, buf, sizeof(buf), MSG_DONTWAIT);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		return -1;
	if (n > 0)
		vf_log(0, "%zd unexpected bytes from the back-end", n);
	return 0;
}

/**
 * vf_run() - Relay between tap and queues until a signal or a hang-up
 * @d:		Device, queues started
 * @tap:	Tap descriptor
 *
 * Return: -1 when the back-end closed the connection (exits on SIGTERM)
 */
static int vf_run(struct vf_dev *d, int tap)
{
	struct vf_vq *rx = &d->vq[VF_RX], *tx = &d->vq[VF_TX];

	for (;;) {
		struct pollfd p[4];
		nfds_t n = 0, i;
		bool starved;
		int rc;

		vf_check_stop();
		vf_tx_reclaim(d);
		vf_rx_drain(d, tap);
		starved = !tx->nfree;
		if (vf_notify_set(d, tx, starved))
			continue;

		p[n++] = (struct pollfd){ .fd = d->sock, .events = POLLIN };
		p[n++] = (struct pollfd){ .fd = starved ? -1 : tap,
					  .events = POLLIN };
		p[n++] = (struct pollfd){ .fd = rx->call_fd, .events = POLLIN };
		p[n++] = (struct pollfd){ .fd = starved ? tx->call_fd : -1,
					  .events = POLLIN };
		rc = vf_wait(p, n, impair_poll_ms(vf_conf.no_call ?
						  VF_POLL_MS : -1));
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			vf_die("ppoll");
		}
		vf_rx_held(tap, true);
		if (vf_tx_held(d, true))
			vf_kick(d, tx);
		for (i = 2; i < 4; i++) {
			uint64_t v;

			if (!(p[i].revents & POLLIN))
				continue;
			if (read(p[i].fd, &v, sizeof(v)) == sizeof(v))
				vf_stats.calls[i == 2 ? VF_RX : VF_TX]++;
		}
		if (p[0].revents && vf_sock_event(d))
			return -1;
		if (p[1].revents & (POLLERR | POLLHUP | POLLNVAL))
			vf_fail(1, "tap device gone");
		if (p[1].revents & POLLIN)
			vf_tx_fill(d, tap);
	}
}

/* Options */

/**
 * vf_usage() - Print usage and exit
 * @status:	Exit status
 */
__attribute__((noreturn))
static void vf_usage(int status)
{
	int f;

	fprintf(status ? stderr : stdout,
"usage: vhost_front -i IFNAME -s SOCKPATH [-m MAC] [-n MTU] [-r] [-v]\n"
"       [--wait SEC] [--mem MIB] [--regions N] [--ring N] [--rx-buf BYTES]\n"
"       [--seg BYTES] [--tx-mode flat|chain|indirect|mix] [--indirect]\n"
"       [--features MASK] [--disable LIST] [--no-call] [--strict-csum]\n"
"       [--fault KIND] " IMPAIR_USAGE "\n"
"\n"
"A vhost-user front-end (the VM side) relaying tap device IFNAME to the\n"
"vhost-user back-end listening on SOCKPATH. See the header of\n"
"test/tools/vhost_front.c for every option.\n"
"\n"
"  -i, --ifname IFNAME  tap device to create\n"
"  -s, --socket PATH    back-end's unix socket\n"
"  -m, --mac MAC        MAC address of the tap device\n"
"  -n, --mtu MTU        MTU of the tap device\n"
"  -r, --reconnect      connect again, fresh, when the back-end hangs up\n"
"  -v, --verbose        log messages (twice: frames)\n"
"  --wait SEC           retry connecting for SEC seconds (10)\n"
"  --mem MIB            guest memory (64)\n"
"  --regions N          memory regions, 1 to 8 (1)\n"
"  --ring N             queue size, power of 2, 8 to 1024 (256)\n"
"  --rx-buf BYTES       RX buffer size (4096)\n"
"  --seg BYTES          TX piece size in chains and tables (4096)\n"
"  --tx-mode MODE       flat, chain, indirect or mix (mix)\n"
"  --indirect           --tx-mode indirect\n"
"  --features MASK      accept only features in MASK\n"
"  --disable LIST       csum,guest-csum,host-tso4,host-tso6,guest-tso4,\n"
"                       guest-tso6,offloads,mrg-rxbuf,event-idx,indirect,\n"
"                       version-1,protocol-features,mq,reply-ack\n"
"  --no-call            no call eventfds: poll the used rings\n"
"  --strict-csum        write DATA_VALID frames to the tap as they are\n"
"  --fault KIND         misbehave once, KIND one of:");
	for (f = 1; f < VF_FAULT_COUNT; f++)
		fprintf(status ? stderr : stdout, "%s%s", (f - 1) % 5 ? " " :
			"\n                       ", vf_fault_names[f]);
	fputc('\n', status ? stderr : stdout);
	exit(status);
}

/**
 * vf_parse_mac() - Parse "xx:xx:xx:xx:xx:xx"
 * @s:		String to parse
 * @mac:	Filled with the address
 *
 * Return: 0 on success, -1 on syntax error
 */
static int vf_parse_mac(const char *s, uint8_t mac[6])
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
 * vf_parse_uint() - Parse an unsigned number within bounds, or exit
 * @s:		String
 * @min:	Lowest value allowed
 * @max:	Highest value allowed
 *
 * Return: the value
 */
static unsigned long vf_parse_uint(const char *s, unsigned long min,
				   unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || !*s || *end || v < min || v > max) {
		fprintf(stderr, "vhost_front: bad value '%s' (%lu to %lu)\n",
			s, min, max);
		vf_usage(1);
	}
	return v;
}

/**
 * vf_parse_disable() - Apply a --disable list to the feature masks
 * @c:		Options
 * @list:	Comma-separated names
 */
static void vf_parse_disable(struct vf_conf *c, const char *list)
{
	static const struct {
		const char *name;
		uint64_t features;
		uint64_t protocol;
	} names[] = {
		{ "csum", BIT64(VIO_NET_CSUM), 0 },
		{ "guest-csum", BIT64(VIO_NET_GUEST_CSUM), 0 },
		{ "host-tso4", BIT64(VIO_NET_HOST_TSO4), 0 },
		{ "host-tso6", BIT64(VIO_NET_HOST_TSO6), 0 },
		{ "guest-tso4", BIT64(VIO_NET_GUEST_TSO4), 0 },
		{ "guest-tso6", BIT64(VIO_NET_GUEST_TSO6), 0 },
		{ "offloads", VF_OFFLOADS, 0 },
		{ "mrg-rxbuf", BIT64(VIO_NET_MRG_RXBUF), 0 },
		{ "event-idx", BIT64(VIO_RING_EVENT_IDX), 0 },
		{ "indirect", BIT64(VIO_RING_INDIRECT_DESC), 0 },
		{ "version-1", BIT64(VIO_VERSION_1), 0 },
		{ "protocol-features", BIT64(VU_F_PROTOCOL_FEATURES), 0 },
		{ "mq", 0, BIT64(VU_PROTO_MQ) },
		{ "reply-ack", 0, BIT64(VU_PROTO_REPLY_ACK) },
	};
	const char *p = list;

	while (*p) {
		size_t len = strcspn(p, ","), i;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			if (strlen(names[i].name) == len &&
			    !strncmp(p, names[i].name, len)) {
				c->features &= ~names[i].features;
				c->protocol &= ~names[i].protocol;
				break;
			}
		}
		if (i == sizeof(names) / sizeof(names[0])) {
			fprintf(stderr, "vhost_front: unknown feature in '%s'"
				"\n", list);
			vf_usage(1);
		}
		p += len + (p[len] == ',');
	}
}

/**
 * vf_parse_name() - Look a name up in a table of names
 * @s:		Name
 * @names:	Table
 * @n:		Entries in the table
 *
 * Return: index of the name; exits with usage if not found
 */
static int vf_parse_name(const char *s, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	fprintf(stderr, "vhost_front: unknown name '%s'\n", s);
	vf_usage(1);
}

/**
 * vf_parse() - Parse the command line into vf_conf
 * @argc:	Argument count
 * @argv:	Arguments
 */
static void vf_parse(int argc, char **argv)
{
	enum { O_WAIT = 256, O_MEM, O_REGIONS, O_RING, O_RXBUF, O_SEG,
	       O_TXMODE, O_INDIRECT, O_FEATURES, O_DISABLE, O_NOCALL,
	       O_STRICT, O_FAULT };
	static const struct option opts[] = {
		{ "ifname", required_argument, NULL, 'i' },
		{ "socket", required_argument, NULL, 's' },
		{ "mac", required_argument, NULL, 'm' },
		{ "mtu", required_argument, NULL, 'n' },
		{ "reconnect", no_argument, NULL, 'r' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "wait", required_argument, NULL, O_WAIT },
		{ "mem", required_argument, NULL, O_MEM },
		{ "regions", required_argument, NULL, O_REGIONS },
		{ "ring", required_argument, NULL, O_RING },
		{ "rx-buf", required_argument, NULL, O_RXBUF },
		{ "seg", required_argument, NULL, O_SEG },
		{ "tx-mode", required_argument, NULL, O_TXMODE },
		{ "indirect", no_argument, NULL, O_INDIRECT },
		{ "features", required_argument, NULL, O_FEATURES },
		{ "disable", required_argument, NULL, O_DISABLE },
		{ "no-call", no_argument, NULL, O_NOCALL },
		{ "strict-csum", no_argument, NULL, O_STRICT },
		{ "fault", required_argument, NULL, O_FAULT },
		IMPAIR_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	static const char *const modes[] = { "flat", "chain", "indirect",
					     "mix" };
	struct vf_conf *c = &vf_conf;
	int opt;

	while ((opt = getopt_long(argc, argv, "i:s:m:n:rvh", opts,
				  NULL)) != -1) {
		switch (opt) {
		case 'i':
			c->ifname = optarg;
			break;
		case 's':
			c->path = optarg;
			break;
		case 'm':
			if (vf_parse_mac(optarg, c->mac))
				vf_usage(1);
			c->has_mac = true;
			break;
		case 'n':
			c->mtu = (int)vf_parse_uint(optarg, 68, 65520);
			break;
		case 'r':
			c->reconnect = true;
			break;
		case 'v':
			c->verbose++;
			break;
		case 'h':
			vf_usage(0);
		case O_WAIT:
			c->wait_ms = (long)vf_parse_uint(optarg, 0, 3600) *
				     1000;
			break;
		case O_MEM:
			c->mem_mib = (unsigned int)vf_parse_uint(optarg, 4,
								 4096);
			break;
		case O_REGIONS:
			c->regions = (unsigned int)vf_parse_uint(optarg, 1,
								 VU_REGIONS_MAX);
			break;
		case O_RING:
			c->ring = (unsigned int)vf_parse_uint(optarg,
							      VF_RING_MIN,
							      VF_RING_MAX);
			if (c->ring & (c->ring - 1))
				vf_usage(1);
			break;
		case O_RXBUF:
			c->rx_buf = (unsigned int)vf_parse_uint(optarg,
								VF_SEG_MIN,
								65536);
			break;
		case O_SEG:
			c->seg = (unsigned int)vf_parse_uint(optarg,
							     VF_SEG_MIN,
							     VF_TX_SLOT_BYTES);
			break;
		case O_TXMODE:
			c->tx_mode = (enum vf_tx_mode)vf_parse_name(optarg,
								    modes, 4);
			break;
		case O_INDIRECT:
			c->tx_mode = VF_TX_INDIRECT;
			break;
		case O_FEATURES:
			c->features &= (uint64_t)vf_parse_uint(optarg, 0,
							       ULONG_MAX);
			break;
		case O_DISABLE:
			vf_parse_disable(c, optarg);
			break;
		case O_NOCALL:
			c->no_call = true;
			break;
		case O_STRICT:
			c->strict_csum = true;
			break;
		case O_FAULT:
			c->fault = (enum vf_fault)vf_parse_name(optarg,
								vf_fault_names,
								VF_FAULT_COUNT);
			break;
		default:
			if (impair_opt(opt, optarg))
				vf_usage(1);
		}
	}
	if (!c->ifname || !c->path || optind != argc ||
	    strlen(c->ifname) >= IFNAMSIZ)
		vf_usage(1);
}

/**
 * main() - Parse options, create the tap, connect, relay
 * @argc:	Argument count
 * @argv:	Arguments
 *
 * Return: 0 on SIGTERM/SIGINT or hang-up, 1 on errors, 2 on protocol errors
 */
int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = vf_on_signal };
	struct vf_dev *d = &vf_dev;
	sigset_t block;
	int tap;

	vf_parse(argc, argv);

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &vf_sigmask_wait);
	sigdelset(&vf_sigmask_wait, SIGTERM);
	sigdelset(&vf_sigmask_wait, SIGINT);
	sigdelset(&vf_sigmask_wait, SIGUSR1);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	d->sock = -1;
	d->mem.fd = -1;
	d->vq[0].kick_fd = d->vq[0].call_fd = -1;
	d->vq[1].kick_fd = d->vq[1].call_fd = -1;
	tap = vf_tap_open(&vf_conf);

	for (;;) {
		d->sock = vf_connect(vf_conf.path, vf_conf.wait_ms);
		if (d->sock < 0)
			vf_exit(vf_stats.conns ? 0 : 1);
		vf_setup(d, tap);
		vf_run(d, tap);
		vf_log(0, "back-end closed the connection");
		vf_teardown(d);
		if (!vf_conf.reconnect)
			vf_exit(0);
	}
}
