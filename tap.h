/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tap.h - The guest side: frames in and out */

#ifndef TAP_H
#define TAP_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <net/ethernet.h>

#include "epoll_ctl.h"
#include "inany.h"

struct ctx;

#define ETH_HDR_LEN		14
/* Largest frame, bytes: an IPv6 packet of the largest payload (65535 after
 * its 40-byte header; an IPv4 packet ends 40 bytes earlier) and its Ethernet
 * header, as a guest offloading TCP segmentation sends them
 */
#define TAP_FRAME_MAX		(ETH_HDR_LEN + 40 + 65535)
#define TAP_LEN_PREFIX		4	/* bytes, qemu stream framing */
/* Frames from the guest per batch, at most (and one frame more): each
 * batch's ACKs go out before the next (tap_frames_end()). The stream socket
 * and the tap device use it; vhost-user twice it (measured, vhost_user.c)
 */
#define TAP_BATCH_BYTES		(256 * 1024)
#define TAP_FRAGS_MAX		64	/* buffers a scattered frame spans */
#define TAP_UDP4_PAYLOAD_OFF	(ETH_HDR_LEN + 20 + 8)	/* tap_udp_frame() */
#define TAP_UDP6_PAYLOAD_OFF	(ETH_HDR_LEN + 40 + 8)
#define TAP_SOCK_N_MAX		64	/* /tmp/passt_N.socket, N = 1..64 */

/*
 * enum tap_drop - Why a frame from the guest was dropped; each is counted.
 * The list generates the enum, the names and the counters (tap_drop_name()).
 */
#define TAP_DROP_REASONS(X)						\
	X(ETH_SHORT,	"frame shorter than an Ethernet header")	\
	X(ETH_TYPE,	"unsupported ethertype (VLAN, LLC, ...)")	\
	X(ARP_BAD,	"ARP packet malformed or not for us")		\
	X(IP4_HDR,	"IPv4 header truncated or bad IHL/version")	\
	X(IP4_LEN,	"IPv4 total length beyond the frame")		\
	X(IP4_FRAG,	"IPv4 fragment")				\
	X(IP4_CSUM,	"IPv4 header checksum wrong")			\
	X(IP6_HDR,	"IPv6 header truncated or bad version")		\
	X(IP6_LEN,	"IPv6 payload length beyond the frame")		\
	X(IP6_EXT,	"IPv6 extension header truncated or fragment")	\
	X(L4_SHORT,	"L4 header truncated")				\
	X(L4_PROTO,	"L4 protocol not handled")			\
	X(L4_BAD,	"L4 packet rejected by its handler")		\
	X(NOT_FOR_US,	"frame not addressed to us")			\
	X(TAP_FULL,	"frame toward the guest dropped: guest slow")	\
	X(VU_CHAIN,	"vhost-user chain too short or too long")	\
	X(SCATTERED,	"headers, or a non-TCP packet, across buffers")

#define TAP_DROP_ENUM_(name, desc)	TAP_DROP_##name,
enum tap_drop {
	TAP_DROP_REASONS(TAP_DROP_ENUM_)
	TAP_DROP_COUNT
};
#undef TAP_DROP_ENUM_

/**
 * struct tap_pkt - One validated IPv4 or IPv6 packet from the guest
 * @eth:	Start of the Ethernet frame (for ARP, the only field set but
 *		@eth_len and @af, which is 0)
 * @eth_len:	Frame length, bytes
 * @l3:		Start of the IP header
 * @l3_len:	IP packet length per the IP header (<= bytes received)
 * @l4:		Start of the L4 header (after IPv6 extension headers)
 * @l4_len:	L4 header plus payload, bytes, bounded by the IP length
 * @proto:	L4 protocol number (IPPROTO_TCP, ...)
 * @af:		AF_INET or AF_INET6
 * @ttl:	IPv4 TTL or IPv6 hop limit
 * @src4:	Source, IPv4
 * @dst4:	Destination, IPv4
 * @src6:	Source, IPv6
 * @dst6:	Destination, IPv6
 * @head_len:	Bytes of the frame readable at @eth: every header is there
 * @frags:	The rest of the frame (@eth_len - @head_len bytes, TCP
 *		payload only), in other buffers: vhost-user chains; or NULL
 * @nfrags:	Entries in @frags
 *
 * Only @l4/@l4_len are guaranteed to cover the L4 header's minimum size for
 * TCP (20), UDP (8), ICMP/ICMPv6 (4): tap.c checks these before dispatching.
 * Pointers are valid until the handler returns (batch handlers: until the
 * batch call returns).
 */
struct tap_pkt {
	const uint8_t *eth;
	size_t eth_len;
	const uint8_t *l3;
	size_t l3_len;
	const uint8_t *l4;
	size_t l4_len;
	uint8_t proto;
	int af;
	uint8_t ttl;
	struct in_addr src4;
	struct in_addr dst4;
	struct in6_addr src6;
	struct in6_addr dst6;
	size_t head_len;
	const struct iovec *frags;
	unsigned int nfrags;
};

/**
 * struct tap_handlers - What the layer above hears of the guest link
 * @pkt:	A validated frame: ARP (@p->af 0) or an IP packet. The
 *		packet's memory stays valid until @pkts_end. Return false if
 *		the handler rejected it (tap.c counts the drop)
 * @pkts_end:	The frames of one read were all handed over: write out
 *		whatever was collected from them
 * @gone:	The guest went away (hang-up, error, bad framing); the next
 *		one may attach later
 * @room:	Frames toward the guest fit again after tap_room_wait()
 * @reset:	The guest reset its link (a vhost-user ring stopped): its
 *		flows are gone, the front-end stays attached
 *
 * tap.c calls up only through these, registered with tap_init() or
 * tap_handlers_set(): it names no protocol module.
 */
struct tap_handlers {
	bool (*pkt)(struct ctx *c, const struct tap_pkt *p, uint64_t now_ms);
	void (*pkts_end)(struct ctx *c, uint64_t now_ms);
	void (*gone)(struct ctx *c, uint64_t now_ms);
	void (*room)(struct ctx *c, uint64_t now_ms);
	void (*reset)(struct ctx *c, uint64_t now_ms);
};

/* What the guest side may finish for us (tap_offloads()), virtio-net's
 * VIRTIO_NET_F_GUEST_CSUM and _GUEST_TSO4/6 on vhost-user
 */
#define TAP_OFFLOAD_CSUM	(1U << 0)	/* L4 checksum left partial */
#define TAP_OFFLOAD_TSO4	(1U << 1)	/* TCP/IPv4 super-frames */
#define TAP_OFFLOAD_TSO6	(1U << 2)	/* TCP/IPv6 super-frames */

/**
 * struct tap_offload - The work left to the guest side, for one frame
 * @gso_size:	TCP payload per segment the guest's stack cuts this frame
 *		into (its MSS), 0 if the frame is one segment
 * @csum_partial:	The L4 checksum field holds the pseudo-header's sum
 *		only: the rest, from the L4 header on, is the guest side's
 */
struct tap_offload {
	uint16_t gso_size;
	bool csum_partial;
};

/* Frames written straight into the guest's receive buffers (vhost-user):
 * at most TAP_DIRECT_FRAMES frames and TAP_DIRECT_IOV payload segments per
 * reservation; with TCP's discard segments (no SO_PEEK_OFF), one peek
 * stays below UIO_MAXIOV (1024).
 */
#define TAP_DIRECT_FRAMES	256
#define TAP_DIRECT_IOV		960

/**
 * struct tap_direct - The guest's receive buffers taken for whole frames
 * @frames:	Frames reserved by tap_direct_get()
 * @hdr_len:	Bytes of Ethernet, IP and L4 headers per frame
 * @hdr:	Per frame: where its headers go, @hdr_len contiguous bytes
 * @first:	Per frame: its first payload segment in @iov; @first[@frames]
 *		is one past the last frame's last
 * @iov:	Payload segments, frame after frame: each frame's add up to
 *		the payload size asked for, exactly
 * @len:	Per frame, set by the caller: payload bytes written; only the
 *		last frame given back may be short
 * @offl:	Per frame, set by the caller: work left to the guest side
 */
struct tap_direct {
	unsigned int frames;
	size_t hdr_len;
	uint8_t *hdr[TAP_DIRECT_FRAMES];
	unsigned int first[TAP_DIRECT_FRAMES + 1];
	struct iovec iov[TAP_DIRECT_IOV];
	size_t len[TAP_DIRECT_FRAMES];
	struct tap_offload offl[TAP_DIRECT_FRAMES];
};

/**
 * struct tap_backend - A way to the guest other than the stream socket
 * @attach:	A front-end connected on @fd (accepted, or --fd): take it,
 *		and set c->fd_tap to it (or close it, refused)
 * @connected:	Frames can go to the guest now
 * @send:	Put one frame (@iovcnt segments, @len bytes, the work
 *		@offl leaves to the guest side) toward the guest; false if
 *		there is no room (dropped, counted)
 * @send_end:	The frames of this loop turn are all in: make them visible
 * @room:	How many frames of a length surely fit now (an estimate)
 * @room_wait:	Call tap_room_ready() when more fits
 * @offloads:	TAP_OFFLOAD_* the guest side does now, NULL for none
 * @direct_get:	Take receive buffers for up to @frames frames of
 *		@d->hdr_len header and @payload payload bytes each into @d:
 *		number of frames taken, 0 if none now (room_wait() then
 *		tells), -1 if frames cannot be written in place (use send());
 *		NULL if the back-end has no guest buffers
 * @direct_put:	Publish the first @used frames of @d (headers and payload
 *		written, @d->len and @d->offl set), give back the rest
 *
 * Registered with tap_backend_set() before tap_init(): the socket set-up,
 * validation of frames from the guest (tap_frame_in()), the output queue
 * and every header builder stay tap.c's, for every back-end.
 */
struct tap_backend {
	void (*attach)(struct ctx *c, int fd);
	bool (*connected)(const struct ctx *c);
	bool (*send)(struct ctx *c, const struct iovec *iov, int iovcnt,
		     size_t len, const struct tap_offload *offl);
	void (*send_end)(struct ctx *c);
	size_t (*room)(struct ctx *c, size_t frame_len);
	void (*room_wait)(struct ctx *c);
	uint32_t (*offloads)(const struct ctx *c);
	int (*direct_get)(struct ctx *c, struct tap_direct *d, size_t payload,
			  unsigned int frames);
	void (*direct_put)(struct ctx *c, const struct tap_direct *d,
			   unsigned int used);
};

void tap_backend_set(const struct tap_backend *be);
void tap_guest_detach(struct ctx *c, const char *why, uint64_t now_ms);
void tap_guest_reset(struct ctx *c, uint64_t now_ms);
void tap_room_ready(struct ctx *c, uint64_t now_ms);

void tap_handlers_set(const struct tap_handlers *h);
void tap_init(struct ctx *c, const struct tap_handlers *h);
void tap_listen_handler(struct ctx *c, uint32_t events);
void tap_handler(struct ctx *c, uint32_t events, uint64_t now_ms);
void tap_flush(struct ctx *c);
bool tap_connected(const struct ctx *c);
void tap_count_drop(enum tap_drop reason);
uint64_t tap_drop_count(enum tap_drop reason);
const char *tap_drop_name(enum tap_drop reason);
void tap_cleanup(struct ctx *c);

/* Outbound frames. All queue frames that go out at the next tap_flush(),
 * which the loop calls once per iteration. */
size_t tap_eth_write(uint8_t *buf, const uint8_t *dst, const uint8_t *src,
		     uint16_t ethertype);
size_t tap_eth_hdr(const struct ctx *c, uint8_t *buf, uint16_t ethertype);
size_t tap_ip4_hdr(uint8_t *ip, struct in_addr src, struct in_addr dst,
		   uint8_t proto, size_t l4_len);
size_t tap_ip6_hdr(uint8_t *ip, const struct in6_addr *src,
		   const struct in6_addr *dst, uint8_t proto, size_t l4_len,
		   uint8_t hop_limit);
void tap_send_frame(struct ctx *c, const void *frame, size_t len);
bool tap_queue_iov(struct ctx *c, const struct iovec *iov, int iovcnt);
uint32_t tap_offloads(const struct ctx *c);
bool tap_queue_iov_offload(struct ctx *c, const struct iovec *iov, int iovcnt,
			   const struct tap_offload *offl);
size_t tap_room(struct ctx *c, size_t frame_len);
int tap_direct_get(struct ctx *c, struct tap_direct *d, size_t payload,
		   unsigned int frames);
void tap_direct_put(struct ctx *c, const struct tap_direct *d,
		    unsigned int used);
void tap_room_wait(struct ctx *c);
void tap_send_ip4(struct ctx *c, struct in_addr src, struct in_addr dst,
		  uint8_t proto, const void *l4, size_t l4_len);
void tap_send_ip6(struct ctx *c, const struct in6_addr *src,
		  const struct in6_addr *dst, uint8_t proto,
		  const void *l4, size_t l4_len);
size_t tap_udp_frame(const struct ctx *c, uint8_t *frame,
		     const union inany_addr *src, uint16_t sport,
		     const union inany_addr *dst, uint16_t dport, size_t len);
void tap_send_udp4(struct ctx *c, struct in_addr src, uint16_t sport,
		   struct in_addr dst, uint16_t dport,
		   const void *payload, size_t len);
void tap_send_udp6(struct ctx *c, const struct in6_addr *src, uint16_t sport,
		   const struct in6_addr *dst, uint16_t dport,
		   const void *payload, size_t len);
void tap_send_icmp4(struct ctx *c, struct in_addr src, struct in_addr dst,
		    const void *icmp, size_t len);
void tap_send_icmp6(struct ctx *c, const struct in6_addr *src,
		    const struct in6_addr *dst, const void *icmp, size_t len);

/* Pure helpers, exported for unit tests and fuzzing */
int tap_parse_stream(const uint8_t *buf, size_t len, size_t *consumed,
		     size_t *frame_off, size_t *frame_len);
int tap_pkt_parse(const uint8_t *frame, size_t len, struct tap_pkt *p,
		  enum tap_drop *why);
void tap_frame_in(struct ctx *c, const uint8_t *frame, size_t len,
		  uint64_t now_ms);
int tap_pkt_parse_frags(const uint8_t *frame, size_t head, size_t len,
			struct tap_pkt *p, enum tap_drop *why);
void tap_frame_in_frags(struct ctx *c, const uint8_t *frame, size_t head,
			const struct iovec *frags, unsigned int nfrags,
			size_t len, uint64_t now_ms);
void tap_frames_end(struct ctx *c, uint64_t now_ms);

void tap_mac_clash(struct ctx *c);

#endif /* TAP_H */
