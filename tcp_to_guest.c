/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcp_to_guest.c - TCP segments toward the guest: headers, control segments,
 * host data peeked from the socket, windows, retransmission
 */

/**
 * DOC: Theory of operation
 *
 * Everything we send to the guest on a TCP connection is built here; the
 * connection's life (facts, deadlines, closing) is in tcp.c, what the guest
 * sends us in tcp_from_guest.c.
 *
 * Data path, host to guest: recvmsg(MSG_PEEK) at the peek offset
 * (SO_PEEK_OFF, or a discard buffer in front without it) into frame-sized
 * slices of a static payload pool, behind headers built in a static header
 * pool, queued zero-copy with tap_queue_iov(). The pools are used as rings:
 * when one wraps we tap_flush() first, so queued frames never see their
 * memory reused. We read no more than the guest's window allows, and stop
 * polling EPOLLIN while the window is full.
 *
 * Window toward the guest: 7/8 of the socket's free send memory
 * (SO_MEMINFO), tcp_update_rcv_wnd().
 *
 * Retransmission: one segment on three duplicate ACKs and on each partial
 * ACK after it (NewReno, RFC 6582); everything from snd_una on a timeout.
 *
 * Limits: TCP_FRAMES_MAX frames and TCP_PAYLOAD_BYTES of payload queued per
 * pool turn; without SO_PEEK_OFF, TCP_DISCARD_BYTES in flight per
 * connection.
 */

#include <errno.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/sock_diag.h>
#include <unistd.h>

#include "checksum.h"
#include "flow.h"
#include "log.h"
#include "ctx.h"
#include "tap.h"
#include "tcp.h"
#include "tcp_internal.h"
#include "util.h"

#define TCP_WND_MAX		(65535U << TCP_WS_OURS)	/* bytes, 16 MiB */
#define TCP_HDR_MAX		(ETH_HDR_LEN + 40 + 60)	/* bytes, per frame */
#define TCP_FRAMES_MAX		2048	/* headers in the pool, ~240 KiB */
#define TCP_PAYLOAD_BYTES	(8 * 1024 * 1024)	/* payload pool, 8 MiB */
#define TCP_DISCARD_BYTES	(1024 * 1024)	/* in flight without PEEK_OFF */
#define TCP_DISCARD_CHUNK	(32 * 1024)	/* one buffer for all of it */
#define TCP_DISCARD_IOV		(TCP_DISCARD_BYTES / TCP_DISCARD_CHUNK)
#define TCP_PEEK_IOV_MAX	1024	/* UIO_MAXIOV: segments of one peek */
/* TCP payload of a super-frame (tcp_seg_max()): an IPv4 packet's 65535
 * bytes less its header and ours, without options
 */
#define TCP_TSO_PAYLOAD_MAX	(65535 - 20 - 20)

static bool tcp_peek_off_ok;

_Static_assert(TCP_FRAMES_MAX / 4 + TCP_DISCARD_IOV <= TCP_PEEK_IOV_MAX &&
	       TAP_DIRECT_IOV + TCP_DISCARD_IOV <= TCP_PEEK_IOV_MAX,
	       "one peek's segments must fit UIO_MAXIOV");

static uint8_t tcp_hdrs[TCP_FRAMES_MAX][TCP_HDR_MAX];
static unsigned int tcp_hdrs_used;
static uint8_t tcp_payload[TCP_PAYLOAD_BYTES];
static size_t tcp_payload_used;
/* Without SO_PEEK_OFF, data sent already is peeked again on every peek:
 * into one small buffer, over and over, which stays in the cache
 */
static uint8_t tcp_discard[TCP_DISCARD_CHUNK];
static uint8_t tcp_ctl_frame[TCP_HDR_MAX];

/* Frames ----------------------------------------------------------------- */

/**
 * tcp_build_hdr() - Build Ethernet, IP and TCP headers toward the guest
 * @c:		Execution context
 * @buf:	Buffer, TCP_HDR_MAX bytes
 * @tap:	Tap side of the flow: guest is ep, we are our
 * @seq:	Sequence number
 * @ack:	Acknowledgment number
 * @flags:	TCP flags
 * @wnd:	Window field (already scaled down)
 * @opts:	TCP options, multiple of 4 bytes, or NULL
 * @optlen:	Length of @opts
 * @payload:	Payload that follows, for the checksum; NULL to leave the
 *		checksum partial (the pseudo-header's sum, not complemented:
 *		the guest side sums the rest, TAP_OFFLOAD_CSUM)
 * @plen:	Payload length
 *
 * Return: header length, bytes
 */
static size_t tcp_build_hdr(const struct ctx *c, uint8_t *buf,
			    const struct flow_side *tap, uint32_t seq,
			    uint32_t ack, uint8_t flags, uint16_t wnd,
			    const uint8_t *opts, size_t optlen,
			    const uint8_t *payload, size_t plen)
{
	const struct in_addr *src4 = inany_v4(&tap->our_addr);
	size_t thl = 20 + optlen, iphl, l4_len = thl + plen;
	uint8_t *ip = buf + ETH_HDR_LEN, *th;
	uint32_t sum;

	if (src4) {
		const struct in_addr *dst4 = inany_v4(&tap->ep_addr);

		tap_eth_hdr(c, buf, ETHERTYPE_IP);
		iphl = tap_ip4_hdr(ip, *src4, *dst4, IPPROTO_TCP, l4_len);
		sum = csum_pseudo4(*src4, *dst4, IPPROTO_TCP, (uint16_t)l4_len);
	} else {
		tap_eth_hdr(c, buf, ETHERTYPE_IPV6);
		iphl = tap_ip6_hdr(ip, &tap->our_addr.a6, &tap->ep_addr.a6,
				   IPPROTO_TCP, l4_len, 64);
		sum = csum_pseudo6(&tap->our_addr.a6, &tap->ep_addr.a6,
				   IPPROTO_TCP, (uint32_t)l4_len);
	}

	th = ip + iphl;
	util_put_be16(th, tap->our_port);
	util_put_be16(th + 2, tap->ep_port);
	util_put_be32(th + 4, seq);
	util_put_be32(th + 8, ack);
	th[12] = (uint8_t)((thl / 4) << 4);
	th[13] = flags;
	util_put_be16(th + 14, wnd);
	util_put_be16(th + 16, 0);
	util_put_be16(th + 18, 0);
	if (optlen)
		memcpy(th + 20, opts, optlen);
	if (!payload && plen) {
		util_put_be16(th + 16, (uint16_t)~csum_fold(sum));
		return ETH_HDR_LEN + iphl + thl;
	}
	sum = csum_partial(th, thl, sum);
	if (plen)
		sum = csum_partial(payload, plen, sum);
	util_put_be16(th + 16, csum_fold(sum));
	return ETH_HDR_LEN + iphl + thl;
}

/**
 * tcp_wnd_field() - Window field for a connection's current rcv_wnd
 * @conn:	Connection: @rcv_adv follows what the field says
 * @syn:	For a SYN segment (never scaled, RFC 7323 §2.2)
 *
 * Return: window field value
 */
static uint16_t tcp_wnd_field(struct tcp_conn *conn, bool syn)
{
	uint32_t w = syn ? conn->rcv_wnd : conn->rcv_wnd >> conn->ws_rcv;
	uint16_t f = (uint16_t)MIN(w, 65535U);

	conn->rcv_adv = conn->rcv_nxt + ((uint32_t)f << (syn ? 0 :
							 conn->ws_rcv));
	return f;
}

/**
 * tcp_update_rcv_wnd() - Window toward the guest: free socket send space
 * @conn:	Connection
 *
 * The kernel takes data while the memory queued (payload plus per-buffer
 * overhead, SK_MEMINFO_WMEM_QUEUED) is below SO_SNDBUF: we advertise 7/8 of
 * that free memory, so that what the guest may send fits, and data the
 * socket refuses (which the guest must then resend) stays rare. Once less
 * than a quarter of the buffer is free we also wait for EPOLLOUT: that poll
 * lets the kernel grow the buffer (send buffer autotuning).
 *
 * Free space only shrinks when we write guest data, and only matters when it
 * grows if it was short (then EPOLLOUT tells us): the value is kept until
 * one of those happens (@wnd_cached), not queried for every segment.
 *
 * #syscalls getsockopt
 */
void tcp_update_rcv_wnd(struct tcp_conn *conn)
{
	uint32_t max = conn->ws_rcv ? TCP_WND_MAX : 65535U;
	uint32_t mem[SK_MEMINFO_VARS] = { 0 };
	socklen_t sl = sizeof(mem);
	long free_b;

	if (conn->wnd_cached && !tcp_has(conn, TCP_GUEST_FIN))
		return;
	if (tcp_has(conn, TCP_GUEST_FIN) || conn->sock < 0 ||
	    getsockopt(conn->sock, SOL_SOCKET, SO_MEMINFO, mem, &sl) ||
	    sl < sizeof(uint32_t) * (SK_MEMINFO_WMEM_QUEUED + 1)) {
		conn->rcv_wnd = tcp_has(conn, TCP_GUEST_FIN) ? 0 : 65535U;
		conn->wnd_low = 0;
		return;
	}
	free_b = (long)mem[SK_MEMINFO_SNDBUF] -
		 (long)mem[SK_MEMINFO_WMEM_QUEUED];
	if (free_b < 0)
		free_b = 0;
	conn->wnd_low = free_b < (long)mem[SK_MEMINFO_SNDBUF] / 4;
	free_b = free_b / 8 * 7;
	conn->rcv_wnd = (uint32_t)MIN((unsigned long)free_b, max);
	conn->rcv_wnd &= ~((1U << conn->ws_rcv) - 1);
	conn->wnd_cached = 1;
}

/**
 * tcp_sack_opt() - SACK option for the guest data we hold, RFC 2018 §3
 * @conn:	Connection, SACK permitted, data held (tcp_ooo.c)
 * @opts:	Options buffer, 40 bytes
 *
 * Two NOPs, then kind 5 with up to TCP_SACK_BLOCKS blocks: we send no
 * other option after the SYN, so four blocks fit.
 *
 * Return: option bytes, a multiple of 4
 */
static size_t tcp_sack_opt(const struct tcp_conn *conn, uint8_t *opts)
{
	uint32_t blk[TCP_SACK_BLOCKS][2];
	unsigned int n, i;

	n = tcp_ooo_sack(conn, blk, TCP_SACK_BLOCKS);
	if (!n)
		return 0;
	opts[0] = 1;
	opts[1] = 1;
	opts[2] = 5;
	opts[3] = (uint8_t)(2 + 8 * n);
	for (i = 0; i < n; i++) {
		util_put_be32(opts + 4 + 8 * i, blk[i][0]);
		util_put_be32(opts + 8 + 8 * i, blk[i][1]);
	}
	return 4 + 8 * n;
}

/**
 * tcp_send_ctl() - Send a segment without payload to the guest
 * @c:		Execution context
 * @conn:	Connection
 * @flags:	TCP flags (SYN adds MSS and window scale options)
 * @seq:	Sequence number
 */
void tcp_send_ctl(struct ctx *c, struct tcp_conn *conn, uint8_t flags,
		  uint32_t seq)
{
	uint8_t opts[40];
	size_t optlen = 0, len;

	if (flags & TCP_SYN) {
		uint16_t mss = (uint16_t)MIN(c->mtu - (tcp_is_v4(conn) ?
						       40 : 60), 65535);

		opts[0] = 2;			/* MSS, RFC 9293 §3.7.1 */
		opts[1] = 4;
		util_put_be16(opts + 2, mss);
		optlen = 4;
		if (conn->ws_rcv || conn->inbound) {
			opts[4] = 1;		/* NOP */
			opts[5] = 3;		/* Window scale, RFC 7323 */
			opts[6] = 3;
			opts[7] = TCP_WS_OURS;
			optlen = 8;
		}
		if (conn->sack_ok || conn->inbound) {
			opts[optlen++] = 1;	/* NOP */
			opts[optlen++] = 1;
			opts[optlen++] = 4;	/* SACK-permitted, RFC 2018 */
			opts[optlen++] = 2;
		}
	} else {
		tcp_update_rcv_wnd(conn);
		if (conn->sack_ok && conn->ooo_head && (flags & TCP_ACK))
			optlen = tcp_sack_opt(conn, opts);
	}
	if (flags & TCP_ACK)
		conn->ack_delayed = 0;
	len = tcp_build_hdr(c, tcp_ctl_frame, &conn->f.side[FLOW_SIDE_TAP],
			    seq, (flags & TCP_ACK) ? conn->rcv_nxt : 0, flags,
			    tcp_wnd_field(conn, flags & TCP_SYN), opts, optlen,
			    NULL, 0);
	tap_send_frame(c, tcp_ctl_frame, len);
}

/**
 * tcp_send_ack() - Acknowledge up to rcv_nxt, with the current window
 * @c:		Execution context
 * @conn:	Connection
 */
void tcp_send_ack(struct ctx *c, struct tcp_conn *conn)
{
	tcp_send_ctl(c, conn, TCP_ACK, conn->snd_nxt);
}

/**
 * tcp_rst_reply() - Answer a guest segment that has no connection with RST
 * @c:		Execution context
 * @tap:	Tap side built from the segment (guest = ep)
 * @seg:	The segment
 *
 * RFC 9293 §3.10.7.1: if the segment has ACK, RST with seq = SEG.ACK;
 * otherwise RST+ACK with seq 0, ack = SEG.SEQ + SEG.LEN.
 */
void tcp_rst_reply(struct ctx *c, const struct flow_side *tap,
		   const struct tcp_seg *seg)
{
	size_t len;

	if (seg->flags & TCP_RST)
		return;
	if (seg->flags & TCP_ACK) {
		len = tcp_build_hdr(c, tcp_ctl_frame, tap, seg->ack, 0,
				    TCP_RST, 0, NULL, 0, NULL, 0);
	} else {
		uint32_t ack = seg->seq + (uint32_t)seg->len +
			       !!(seg->flags & TCP_SYN) +
			       !!(seg->flags & TCP_FIN);

		len = tcp_build_hdr(c, tcp_ctl_frame, tap, 0, ack,
				    TCP_RST | TCP_ACK, 0, NULL, 0, NULL, 0);
	}
	tap_send_frame(c, tcp_ctl_frame, len);
}

/* Host to guest ---------------------------------------------------------- */

/**
 * tcp_peek_off_probe() - Find out if sockets take SO_PEEK_OFF, at start-up
 *
 * Without it, every peek starts at the head of the socket's data:
 * tcp_data_to_guest() then peeks what was sent already into tcp_discard, in
 * front of the new data.
 *
 * Context: tcp_init(), at start-up, before the sandbox (no #syscalls line).
 */
void tcp_peek_off_probe(void)
{
	int s, zero = 0;

	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
	if (s >= 0) {
		tcp_peek_off_ok = !setsockopt(s, SOL_SOCKET, SO_PEEK_OFF,
					      &zero, sizeof(zero));
		close(s);
	}
	if (!tcp_peek_off_ok)
		log_info("TCP: no SO_PEEK_OFF, in-flight data limited to %u "
			 "bytes per connection", TCP_DISCARD_BYTES);
}

/**
 * tcp_peek_off_supported() - Do sockets take SO_PEEK_OFF?
 *
 * Return: result of tcp_peek_off_probe()
 */
bool tcp_peek_off_supported(void)
{
	return tcp_peek_off_ok;
}

/**
 * tcp_set_peek_off() - Set the socket's peek offset to snd_nxt - snd_una
 * @conn:	Connection
 *
 * Return: 0 on success, -errno on failure
 *
 * #syscalls setsockopt
 */
static int tcp_set_peek_off(const struct tcp_conn *conn)
{
	int off = (int)(conn->snd_nxt - conn->snd_una);

	if (!tcp_peek_off_ok)
		return 0;
	if (setsockopt(conn->sock, SOL_SOCKET, SO_PEEK_OFF, &off, sizeof(off)))
		return -errno;
	return 0;
}

/**
 * tcp_rtt_stop() - Karn's rule: no sample across a retransmission
 * @conn:	Connection
 *
 * RFC 6298 §3: the ACK of a retransmitted segment is ambiguous; sampling
 * resumes with data sent after everything in flight now.
 */
static void tcp_rtt_stop(struct tcp_conn *conn)
{
	conn->rtt_on = 0;
	conn->rtt_seq = conn->snd_max;
}

/**
 * tcp_rtt_ack() - Take a round-trip sample if the guest's ACK ends one
 * @conn:	Connection
 * @ack:	Acknowledgment number, new data acknowledged
 * @now_ms:	Current time, milliseconds
 *
 * RFC 6298 §2.2, §2.3, with SRTT in 1/8 ms and RTTVAR in 1/4 ms, one
 * sample per round trip (§3).
 */
void tcp_rtt_ack(struct tcp_conn *conn, uint32_t ack, uint64_t now_ms)
{
	uint32_t r8, srtt8 = conn->srtt8, var4 = conn->rttvar4;

	if (!conn->rtt_on || TCP_SEQ_LT(ack, conn->rtt_seq))
		return;
	conn->rtt_on = 0;
	r8 = (uint32_t)now_ms - conn->rtt_ts_ms;
	r8 = MIN(r8, 4096U) * 8;	/* 4 s at most: a stale sample */
	if (!srtt8) {
		srtt8 = MAX(r8, 1U);
		var4 = r8 / 4;
	} else {
		int32_t d8 = (int32_t)r8 - (int32_t)srtt8;
		uint32_t err4 = (uint32_t)(d8 < 0 ? -d8 : d8) / 2;

		var4 = var4 - var4 / 4 + err4 / 4;	/* beta 1/4 */
		srtt8 = srtt8 - srtt8 / 8 + r8 / 8;	/* alpha 1/8 */
		srtt8 = MAX(srtt8, 1U);
	}
	conn->srtt8 = (uint16_t)MIN(srtt8, (uint32_t)UINT16_MAX);
	conn->rttvar4 = (uint16_t)MIN(var4, (uint32_t)UINT16_MAX);
}

/**
 * tcp_rto_base() - Retransmission timeout from the round-trip samples
 * @conn:	Connection
 *
 * RFC 6298 §2.3: SRTT + max(G, 4 * RTTVAR), G one millisecond; the floor
 * is TCP_RTO_MIN_MS, as in Linux, not the 1 s of §2.4: between the guest
 * and us a round trip takes well under a millisecond, and a timeout of a
 * second per lost retransmission stalls a transfer for that long.
 * TCP_RTO_INIT_MS until the first sample (§2.1).
 *
 * Return: milliseconds
 */
uint32_t tcp_rto_base(const struct tcp_conn *conn)
{
	uint32_t rto;

	if (!conn->srtt8)
		return TCP_RTO_INIT_MS;
	rto = conn->srtt8 / 8U + MAX(1U, (uint32_t)conn->rttvar4);
	return MAX(rto, (uint32_t)TCP_RTO_MIN_MS);
}

/**
 * tcp_rto_arm() - Arm the retransmission deadline if something is in flight
 * @conn:	Connection
 * @now_ms:	Current time, milliseconds
 * @restart:	Restart it even if armed (new data acknowledged)
 */
void tcp_rto_arm(struct tcp_conn *conn, uint64_t now_ms, bool restart)
{
	if (!conn->rtt_on && TCP_SEQ_GT(conn->snd_max, conn->rtt_seq) &&
	    conn->snd_nxt == conn->snd_max) {
		/* New data went out since the last sample: time its ACK */
		conn->rtt_seq = conn->snd_max;
		conn->rtt_ts_ms = (uint32_t)now_ms;
		conn->rtt_on = 1;
	}
	if (conn->snd_una == conn->snd_max) {
		/* Nothing in flight: probe a zero window, else no deadline */
		if (!conn->snd_wnd && !tcp_has(conn, TCP_SOCK_EOF))
			tcp_timer_set(conn, restart || !conn->deadline_ms ?
				      now_ms + conn->rto_ms : conn->deadline_ms);
		else
			tcp_timer_set(conn, 0);
		return;
	}
	if (restart || !conn->deadline_ms)
		tcp_timer_set(conn, now_ms + conn->rto_ms);
}

/**
 * tcp_sock_eof() - The host peer's FIN is next in the socket
 * @c:		Execution context
 * @conn:	Connection
 * @now_ms:	Current time, milliseconds
 *
 * Return: true if the connection is gone (closed)
 */
static bool tcp_sock_eof(struct ctx *c, struct tcp_conn *conn, uint64_t now_ms)
{
	if (tcp_has(conn, TCP_SOCK_EOF))
		return false;
	flow_touch(tcp_flow(conn), now_ms);	/* host FIN */
	return tcp_conn_fact(c, conn, TCP_SOCK_EOF);
}

/**
 * tcp_fin_sent() - Account our first FIN, just queued at snd_nxt
 * @c:		Execution context
 * @conn:	Connection, SOCK_EOF set
 * @now_ms:	Current time, milliseconds
 *
 * Return: true if the connection is gone (closed)
 */
static bool tcp_fin_sent(struct ctx *c, struct tcp_conn *conn, uint64_t now_ms)
{
	conn->snd_fin = conn->snd_nxt;
	conn->snd_nxt++;
	conn->snd_max = conn->snd_nxt;
	tcp_rto_arm(conn, now_ms, false);
	return tcp_conn_fact(c, conn, TCP_TAP_FIN_SENT);
}

/**
 * tcp_send_fin() - Send (or resend) our FIN at snd_fin
 * @c:		Execution context
 * @conn:	Connection, SOCK_EOF set, all data before the FIN sent
 * @now_ms:	Current time, milliseconds
 *
 * Return: true if the connection is gone (closed)
 */
static bool tcp_send_fin(struct ctx *c, struct tcp_conn *conn, uint64_t now_ms)
{
	if (!tcp_has(conn, TCP_TAP_FIN_SENT)) {
		tcp_send_ctl(c, conn, TCP_FIN | TCP_ACK, conn->snd_nxt);
		return tcp_fin_sent(c, conn, now_ms);
	}
	conn->snd_nxt = conn->snd_fin + 1;
	tcp_send_ctl(c, conn, TCP_FIN | TCP_ACK, conn->snd_fin);
	tcp_rto_arm(conn, now_ms, false);
	tcp_epoll_update(c, conn);
	return false;
}

/**
 * tcp_sock_peer_fin() - Has the host-side peer closed its side?
 * @s:		Socket
 *
 * Only needed without SO_PEEK_OFF, where a peek always returns the data
 * already sent and cannot tell end of stream from no new data.
 *
 * Return: true if the peer's FIN was received
 *
 * #syscalls getsockopt
 */
static bool tcp_sock_peer_fin(int s)
{
	struct tcp_info ti;
	socklen_t sl = sizeof(ti);

	if (getsockopt(s, IPPROTO_TCP, TCP_INFO, &ti, &sl))
		return false;
	return ti.tcpi_state == TCP_CLOSE_WAIT ||
	       ti.tcpi_state == TCP_LAST_ACK ||
	       ti.tcpi_state == TCP_CLOSING || ti.tcpi_state == TCP_CLOSE ||
	       ti.tcpi_state == TCP_TIME_WAIT;
}

/**
 * tcp_pool_reserve() - Make room in the frame pools, flushing if they wrap
 * @c:		Execution context
 * @frames:	Frames wanted
 * @bytes:	Payload bytes wanted
 */
static void tcp_pool_reserve(struct ctx *c, unsigned int frames, size_t bytes)
{
	if (tcp_hdrs_used + frames <= TCP_FRAMES_MAX &&
	    tcp_payload_used + bytes <= TCP_PAYLOAD_BYTES)
		return;
	tap_flush(c);
	tcp_hdrs_used = 0;
	tcp_payload_used = 0;
}

/**
 * tcp_emit_seg() - Queue one data segment toward the guest, zero-copy
 * @c:		Execution context
 * @conn:	Connection
 * @seq:	Sequence number of the first payload byte
 * @p:		Payload, in tcp_payload: valid until the next tap_flush()
 * @plen:	Payload length, bytes: above the MSS, a super-frame the guest
 *		side cuts into MSS-sized segments (tcp_seg_max())
 * @flags:	TCP flags
 *
 * Return: true if queued
 */
static bool tcp_emit_seg(struct ctx *c, struct tcp_conn *conn, uint32_t seq,
			 const uint8_t *p, size_t plen, uint8_t flags)
{
	struct tap_offload offl = {
		.gso_size = plen > conn->mss ? conn->mss : 0,
		.csum_partial = tap_offloads(c) & TAP_OFFLOAD_CSUM,
	};
	uint8_t *h = tcp_hdrs[tcp_hdrs_used];
	struct iovec fiov[2];

	fiov[0].iov_base = h;
	fiov[0].iov_len = tcp_build_hdr(c, h, &conn->f.side[FLOW_SIDE_TAP],
					seq, conn->rcv_nxt, flags,
					tcp_wnd_field(conn, false), NULL, 0,
					offl.csum_partial ? NULL : p, plen);
	fiov[1].iov_base = (void *)(uintptr_t)p;
	fiov[1].iov_len = plen;
	if (!tap_queue_iov_offload(c, fiov, 2, &offl))
		return false;
	tcp_hdrs_used++;
	conn->ack_delayed = 0;		/* it rides on this segment */
	return true;
}

/**
 * tcp_retransmit_one() - Resend the oldest unacknowledged segment only
 * @c:		Execution context
 * @conn:	Connection
 *
 * Fast retransmit and NewReno partial ACKs (RFC 6582 §3.2): one segment at
 * snd_una, peeked from offset 0; the peek offset then goes back to snd_nxt.
 *
 * #syscalls setsockopt recvmsg
 */
void tcp_retransmit_one(struct ctx *c, struct tcp_conn *conn)
{
	uint32_t end = conn->snd_max, len;
	struct iovec iov;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	int zero = 0;
	ssize_t n;

	if (tcp_has(conn, TCP_TAP_FIN_SENT) &&
	    TCP_SEQ_GT(end, conn->snd_fin))
		end = conn->snd_fin;
	len = MIN(end - conn->snd_una, (uint32_t)conn->mss);
	if (!len) {
		if (tcp_has(conn, TCP_TAP_FIN_SENT) &&
		    conn->snd_una == conn->snd_fin)
			tcp_send_ctl(c, conn, TCP_FIN | TCP_ACK, conn->snd_fin);
		return;
	}

	tcp_pool_reserve(c, 1, len);
	iov.iov_base = tcp_payload + tcp_payload_used;
	iov.iov_len = len;
	if (tcp_peek_off_ok &&
	    setsockopt(conn->sock, SOL_SOCKET, SO_PEEK_OFF, &zero,
		       sizeof(zero)))
		return;
	n = recvmsg(conn->sock, &mh, MSG_PEEK | MSG_DONTWAIT);
	if (tcp_set_peek_off(conn))
		flow_log(tcp_cflow(conn), LOG_DEBUG, "SO_PEEK_OFF: %s",
			 strerror(errno));
	if (n <= 0)
		return;
	tcp_rtt_stop(conn);
	tcp_update_rcv_wnd(conn);
	if (tcp_emit_seg(c, conn, conn->snd_una, iov.iov_base, (size_t)n,
			 TCP_ACK))
		tcp_payload_used += (size_t)n;
}

/**
 * tcp_retransmit_at() - Resend one segment from within the data in flight
 * @c:		Execution context
 * @conn:	Connection, SO_PEEK_OFF supported
 * @seq:	Sequence number of its first byte, after snd_una
 * @len:	Bytes, at most the MSS
 *
 * #syscalls setsockopt recvmsg
 */
static void tcp_retransmit_at(struct ctx *c, struct tcp_conn *conn,
			      uint32_t seq, uint32_t len)
{
	int off = (int)(seq - conn->snd_una);
	struct iovec iov;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	tcp_pool_reserve(c, 1, len);
	iov.iov_base = tcp_payload + tcp_payload_used;
	iov.iov_len = len;
	if (setsockopt(conn->sock, SOL_SOCKET, SO_PEEK_OFF, &off, sizeof(off)))
		return;
	n = recvmsg(conn->sock, &mh, MSG_PEEK | MSG_DONTWAIT);
	if (tcp_set_peek_off(conn))
		flow_log(tcp_cflow(conn), LOG_DEBUG, "SO_PEEK_OFF: %s",
			 strerror(errno));
	if (n <= 0)
		return;
	tcp_rtt_stop(conn);
	tcp_update_rcv_wnd(conn);
	if (tcp_emit_seg(c, conn, seq, iov.iov_base, (size_t)n, TCP_ACK))
		tcp_payload_used += (size_t)n;
}

/**
 * tcp_retransmit_hole() - In recovery, resend the next segment the guest's
 *			   SACK blocks show missing (RFC 6675 §4, NextSeg())
 * @c:		Execution context
 * @conn:	Connection, recovering
 * @seg:	The guest's ACK: a duplicate, or a partial one
 *
 * From @snd_rexmit (or snd_una) on, skipping what the blocks cover, up to
 * the highest byte they cover: what lies below it unacknowledged and not
 * covered is lost (the guest got data beyond it). One segment per ACK, the
 * ACK clock of the guest paces the retransmissions. Without blocks (no
 * SACK), NewReno: the segment at snd_una only.
 */
void tcp_retransmit_hole(struct ctx *c, struct tcp_conn *conn,
			 const struct tcp_seg *seg)
{
	uint32_t seq = conn->snd_rexmit, high = conn->snd_una, end, len;
	bool moved = true;
	unsigned int i;

	if (TCP_SEQ_LT(seq, conn->snd_una))
		seq = conn->snd_una;
	end = conn->snd_max;
	if (tcp_has(conn, TCP_TAP_FIN_SENT) && TCP_SEQ_GT(end, conn->snd_fin))
		end = conn->snd_fin;
	while (moved) {
		moved = false;
		for (i = 0; i < seg->nsack; i++) {
			uint32_t l = seg->sack[i][0], r = seg->sack[i][1];

			if (TCP_SEQ_LE(l, conn->snd_una) || TCP_SEQ_GT(r, end) ||
			    !TCP_SEQ_LT(l, r))
				continue;	/* not a valid block */
			if (TCP_SEQ_GT(r, high))
				high = r;
			if (TCP_SEQ_LE(l, seq) && TCP_SEQ_LT(seq, r)) {
				seq = r;
				moved = true;
			}
		}
	}
	if (!seg->nsack || !tcp_peek_off_ok) {
		if (seq == conn->snd_una)
			tcp_retransmit_one(c, conn);
		conn->snd_rexmit = conn->snd_una + conn->mss;
		return;
	}
	if (!TCP_SEQ_LT(seq, high))
		return;			/* nothing known lost past snd_rexmit */
	len = MIN(high - seq, (uint32_t)conn->mss);
	for (i = 0; i < seg->nsack; i++) {
		uint32_t l = seg->sack[i][0];

		if (TCP_SEQ_GT(l, seq) && TCP_SEQ_LT(l, seq + len))
			len = l - seq;
	}
	if (seq == conn->snd_una)
		tcp_retransmit_one(c, conn);
	else
		tcp_retransmit_at(c, conn, seq, len);
	conn->snd_rexmit = seq + len;
}

/**
 * tcp_seg_max() - Most payload one frame toward the guest may carry
 * @c:		Execution context
 * @conn:	Connection
 *
 * The MSS, or, where the guest side cuts TCP super-frames into segments
 * itself (TAP_OFFLOAD_TSO4/6: vhost-user's GUEST_TSO), as many whole MSS
 * as fit one IP packet: the segments the guest's stack gets, and what it
 * acknowledges, are as the MSS says; what crosses the link is fewer frames.
 *
 * Return: bytes
 */
static uint32_t tcp_seg_max(const struct ctx *c, const struct tcp_conn *conn)
{
	uint32_t offl = tap_offloads(c), mss = conn->mss;

	if (!(offl & (tcp_is_v4(conn) ? TAP_OFFLOAD_TSO4 : TAP_OFFLOAD_TSO6)))
		return mss;
	return MAX(mss, TCP_TSO_PAYLOAD_MAX / mss * mss);
}

/**
 * tcp_peek_wnd_end() - Sequence number up to which data may be in flight
 * @conn:	Connection
 *
 * The guest's window; without SO_PEEK_OFF, every peek reads again what is
 * in flight, so at most TCP_DISCARD_BYTES of it.
 *
 * Return: end of the sendable range, modulo 2^32
 */
static uint32_t tcp_peek_wnd_end(const struct tcp_conn *conn)
{
	uint32_t wnd = conn->snd_wnd;

	if (!tcp_peek_off_ok)
		wnd = MIN(wnd, (uint32_t)TCP_DISCARD_BYTES);
	return conn->snd_una + wnd;
}

/**
 * tcp_peek() - Peek new host data, from snd_nxt, into the given segments
 * @conn:	Connection
 * @data:	Where the data goes: the payload of one frame after another
 * @ndata:	Number of segments, with TCP_DISCARD_IOV at most UIO_MAXIOV
 *
 * With SO_PEEK_OFF the socket's peek offset is at snd_nxt already. Without
 * it (kernels before 6.9) every peek starts at the head: what is in flight
 * is peeked again into tcp_discard first, and an empty peek cannot tell
 * the peer's FIN from no news, so TCP_INFO tells. This function and
 * tcp_peek_wnd_end() hold all of that fallback.
 *
 * #syscalls recvmsg
 * Return: bytes of new data in @data; 0 if the peer's FIN is next;
 * -ENODATA if nothing is new (fallback only); -errno (-EAGAIN: drained)
 * on failure
 */
static ssize_t tcp_peek(const struct tcp_conn *conn, const struct iovec *data,
			unsigned int ndata)
{
	static struct iovec iov[TCP_PEEK_IOV_MAX];
	uint32_t skip = tcp_peek_off_ok ? 0 : conn->snd_nxt - conn->snd_una;
	struct msghdr mh = { .msg_iov = iov };
	size_t off;
	ssize_t n;

	ASSERT(skip <= TCP_DISCARD_BYTES);	/* tcp_peek_wnd_end() */
	ASSERT(ndata + TCP_DISCARD_IOV <= TCP_PEEK_IOV_MAX);
	mh.msg_iovlen = 0;
	for (off = 0; off < skip; off += TCP_DISCARD_CHUNK) {
		iov[mh.msg_iovlen].iov_base = tcp_discard;
		iov[mh.msg_iovlen++].iov_len = MIN(TCP_DISCARD_CHUNK,
						   skip - off);
	}
	memcpy(&iov[mh.msg_iovlen], data, ndata * sizeof(*data));
	mh.msg_iovlen += ndata;

	n = recvmsg(conn->sock, &mh, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	/* Data in flight is not acknowledged: it is still in the socket */
	ASSERT((size_t)n >= skip);
	n -= skip;
	if (!n && skip && !tcp_sock_peer_fin(conn->sock))
		return -ENODATA;
	return n;
}

/**
 * tcp_peek_pool() - Segments for a peek into the payload pool
 * @buf:	Where the data goes, in tcp_payload: @want bytes reserved
 * @want:	Bytes wanted
 * @seg:	Bytes per frame (tcp_seg_max()): one segment each
 * @ndata:	Number of segments, output
 *
 * Return: the segments, valid until the next call
 */
static const struct iovec *tcp_peek_pool(uint8_t *buf, uint32_t want,
					 uint32_t seg, unsigned int *ndata)
{
	static struct iovec iov[TCP_FRAMES_MAX / 4];
	uint32_t off;

	*ndata = 0;
	for (off = 0; off < want; off += seg) {
		ASSERT(*ndata < ARRAY_SIZE(iov));	/* tcp_send_room() */
		iov[*ndata].iov_base = buf + off;
		iov[(*ndata)++].iov_len = MIN(seg, want - off);
	}
	return iov;
}

/**
 * tcp_send_window() - How much new data the guest's window takes now
 * @conn:	Connection, established
 * @fin_again:	Set if nothing may be sent but our FIN, with all data before
 *		it sent, is due again (a FIN takes no window)
 *
 * Return: bytes from snd_nxt, up to our FIN if it was sent
 */
static uint32_t tcp_send_window(const struct tcp_conn *conn, bool *fin_again)
{
	bool fin_sent = tcp_has(conn, TCP_TAP_FIN_SENT);
	uint32_t wnd_end = tcp_peek_wnd_end(conn), want = 0;

	*fin_again = false;
	if (fin_sent && TCP_SEQ_GT(conn->snd_nxt, conn->snd_fin))
		return 0;		/* FIN already sent, nothing after it */
	if (TCP_SEQ_LT(conn->snd_nxt, wnd_end))
		want = wnd_end - conn->snd_nxt;
	else if (!(tcp_has(conn, TCP_SOCK_EOF) && fin_sent &&
		   conn->snd_nxt == conn->snd_fin))
		return 0;
	if (fin_sent && TCP_SEQ_LT(conn->snd_fin, conn->snd_nxt + want))
		want = conn->snd_fin - conn->snd_nxt;
	*fin_again = !want && fin_sent && conn->snd_nxt == conn->snd_fin;
	return want;
}

/**
 * tcp_send_room() - How much data the frame pools and the guest link take
 * @c:		Execution context
 * @conn:	Connection
 * @seg:	Payload per frame (tcp_seg_max())
 *
 * No more than the guest link takes now (tap_room()): what it refused would
 * be dropped, and cost a retransmission. With no room, the connection waits
 * for the tap layer's room handler (tcp_tap_room()).
 *
 * Return: bytes, whole segments; 0 if the link is full
 */
static uint32_t tcp_send_room(struct ctx *c, struct tcp_conn *conn,
			      uint32_t seg)
{
	size_t frames = tap_room(c, seg + TCP_HDR_MAX);
	uint32_t cap;

	/* tap_room() once: MIN() evaluates an argument twice, and the link's
	 * room may grow between two calls (it did, past the pool's quarter)
	 */
	frames = MIN(frames, (size_t)(UINT32_MAX / seg));
	cap = MIN((uint32_t)(TCP_FRAMES_MAX / 4) * seg,
		  (uint32_t)(TCP_PAYLOAD_BYTES / 4));
	cap = MIN(cap, (uint32_t)frames * seg);
	conn->tap_blocked = !cap;
	if (!cap)
		tap_room_wait(c);
	return cap;
}

/**
 * tcp_emit_seg_direct() - Write one data segment's headers in place, in the
 *			   guest's receive buffers (tap_direct_get())
 * @c:		Execution context
 * @conn:	Connection
 * @d:		Reservation, the payload peeked into it already
 * @f:		Frame index in @d
 * @seq:	Sequence number of the first payload byte
 * @plen:	Payload length, bytes (super-frame above the MSS)
 * @flags:	TCP flags
 */
static void tcp_emit_seg_direct(const struct ctx *c, struct tcp_conn *conn,
				struct tap_direct *d, unsigned int f,
				uint32_t seq, size_t plen, uint8_t flags)
{
	size_t l;

	d->offl[f].gso_size = plen > conn->mss ? conn->mss : 0;
	d->offl[f].csum_partial = true;		/* tcp_direct_reserve() */
	d->len[f] = plen;
	l = tcp_build_hdr(c, d->hdr[f], &conn->f.side[FLOW_SIDE_TAP], seq,
			  conn->rcv_nxt, flags, tcp_wnd_field(conn, false),
			  NULL, 0, NULL, plen);
	ASSERT(l == d->hdr_len);
	conn->ack_delayed = 0;		/* it rides on this segment */
}

/**
 * tcp_emit_data() - Queue peeked host data to the guest as segments
 * @c:		Execution context
 * @conn:	Connection
 * @p:		Data, in tcp_payload; NULL if it is in the guest's buffers
 * @d:		Reservation of the guest's buffers holding the data, or NULL
 * @n:		Bytes peeked
 * @fin:	The peer's FIN follows the data: it rides on the last segment
 * @seg:	Payload per frame (tcp_seg_max())
 * @now_ms:	Current time, milliseconds
 *
 * Return: true if the connection is gone
 */
static bool tcp_emit_data(struct ctx *c, struct tcp_conn *conn,
			  const uint8_t *p, struct tap_direct *d, size_t n,
			  bool fin, uint32_t seg, uint64_t now_ms)
{
	unsigned int f = 0;
	size_t off;

	tcp_update_rcv_wnd(conn);
	for (off = 0; off < n; off += seg, f++) {
		size_t plen = MIN(seg, n - off);
		uint8_t fl = TCP_ACK;

		if (off + plen == n)
			fl |= TCP_PSH | (fin ? TCP_FIN : 0);

		if (d)
			tcp_emit_seg_direct(c, conn, d, f, conn->snd_nxt,
					    plen, fl);
		else if (!tcp_emit_seg(c, conn, conn->snd_nxt, p + off, plen,
				       fl))
			break;
		if (TCP_SEQ_GT(conn->snd_nxt + (uint32_t)plen, conn->snd_max)) {
			uint32_t fresh = conn->snd_nxt + (uint32_t)plen -
					 conn->snd_max;

			flow_count_bytes(tcp_flow(conn), FLOW_SIDE_SOCK, fresh);
			flow_touch(tcp_flow(conn), now_ms);	/* new data */
			conn->snd_max = conn->snd_nxt + (uint32_t)plen;
		}
		conn->snd_nxt += (uint32_t)plen;
	}
	if (d) {
		tap_direct_put(c, d, f);
		tcp_stats.frames_in_place += f;
	} else {
		tcp_payload_used += n;
		tcp_stats.frames_pooled += f;
	}
	if (off < n) {
		/* Not all queued: the next peek starts at snd_nxt */
		if (tcp_set_peek_off(conn))
			flow_log(tcp_cflow(conn), LOG_DEBUG, "SO_PEEK_OFF: %s",
				 strerror(errno));
	} else if (fin && (tcp_sock_eof(c, conn, now_ms) ||
			   tcp_fin_sent(c, conn, now_ms))) {
		return true;
	}
	if (tcp_has(conn, TCP_TAP_FIN_SENT) && conn->snd_nxt == conn->snd_fin)
		return tcp_send_fin(c, conn, now_ms);	/* resent data */
	return false;
}

/**
 * tcp_direct_reserve() - Take the guest's receive buffers for new data, so
 *			  that the peek writes it there: one copy, no pool
 * @c:		Execution context
 * @conn:	Connection
 * @want:	Bytes the window takes, cut to what the buffers taken hold
 *		(0: none now, the connection waits for room)
 * @seg:	Payload per frame (tcp_seg_max())
 *
 * Only where the guest side finishes checksums (TAP_OFFLOAD_CSUM): a full
 * checksum would read the payload again.
 *
 * Return: the reservation, its payload segments cut to @want; NULL if data
 * goes through the payload pool (tcp_send_room())
 */
static struct tap_direct *tcp_direct_reserve(struct ctx *c,
					     struct tcp_conn *conn,
					     uint32_t *want, uint32_t seg)
{
	static struct tap_direct d;
	uint32_t frames, left;
	unsigned int k;
	int got;

	if (!(tap_offloads(c) & TAP_OFFLOAD_CSUM))
		return NULL;
	/* As the pool path: no more than a quarter of the pool per peek */
	frames = MIN(DIV_ROUND_UP(*want, seg),
		     MAX(1U, (uint32_t)(TCP_PAYLOAD_BYTES / 4) / seg));
	d.hdr_len = ETH_HDR_LEN + (tcp_is_v4(conn) ? 20 : 40) + 20;
	got = tap_direct_get(c, &d, seg,
			     MIN(frames, (uint32_t)TAP_DIRECT_FRAMES));
	if (got < 0)
		return NULL;
	conn->tap_blocked = !got;
	if (!got) {
		tap_room_wait(c);
		*want = 0;
		return &d;
	}
	*want = MIN(*want, (uint32_t)got * seg);

	/* The last frame may take less than a segment */
	for (k = 0, left = *want; left; k++) {
		if (d.iov[k].iov_len >= left)
			d.iov[k].iov_len = left;
		left -= (uint32_t)d.iov[k].iov_len;
	}
	d.first[d.frames] = k;
	return &d;
}

/**
 * tcp_data_to_guest() - Peek host data and queue it to the guest
 * @c:		Execution context
 * @conn:	Connection, established
 * @now_ms:	Current time, milliseconds
 *
 * Three steps: what the guest's window takes (tcp_send_window()), where
 * the data goes and how much fits (the guest's own receive buffers,
 * tcp_direct_reserve(), or the payload pool, tcp_send_room()), then the
 * peek (tcp_peek()) and the segments (tcp_emit_data()). On end of stream
 * with everything before it sent, sends (or resends) the FIN.
 */
void tcp_data_to_guest(struct ctx *c, struct tcp_conn *conn,
		       uint64_t now_ms)
{
	const struct iovec *data;
	struct tap_direct *d;
	uint32_t want, room, seg;
	unsigned int ndata;
	bool fin_again, fin;
	uint8_t *p = NULL;
	ssize_t n;

	if (!tcp_has(conn, TCP_TAP_SYN_ACKED) || conn->sock < 0)
		return;

	want = tcp_send_window(conn, &fin_again);
	if (!want) {
		if (fin_again)
			tcp_send_fin(c, conn, now_ms);
		goto out;
	}
	seg = tcp_seg_max(c, conn);
	d = tcp_direct_reserve(c, conn, &want, seg);
	if (d) {
		if (!want)
			goto out;
		data = d->iov;
		ndata = d->first[d->frames];
	} else {
		room = tcp_send_room(c, conn, seg);
		if (!room)
			goto out;
		want = MIN(want, room);
		tcp_pool_reserve(c, DIV_ROUND_UP(want, seg), want);
		p = tcp_payload + tcp_payload_used;
		data = tcp_peek_pool(p, want, seg, &ndata);
	}

	n = tcp_peek(conn, data, ndata);
	if (n <= 0 && d)
		tap_direct_put(c, d, 0);
	if (n == -ENODATA)
		goto out;		/* nothing new, not EOF either */
	if (n < 0) {
		if (n == -EAGAIN || n == -EWOULDBLOCK)
			conn->sock_drained = 1;
		else
			tcp_conn_reset(c, conn, strerror((int)-n));
		return;
	}
	conn->sock_drained = (size_t)n < want;
	if (!n) {
		if (tcp_sock_eof(c, conn, now_ms))
			return;
		if (!tcp_has(conn, TCP_TAP_FIN_SENT) ||
		    conn->snd_nxt == conn->snd_fin)
			tcp_send_fin(c, conn, now_ms);
		return;
	}

	/* EPOLLRDHUP came before the peek, so the peer's FIN was queued
	 * behind all of its data: a short peek read up to the FIN, which
	 * then rides on the last segment (a request/response connection
	 * closed by the host saves a frame, and the guest an ACK)
	 */
	fin = conn->sock_rdhup && conn->sock_drained &&
	      !tcp_has(conn, TCP_TAP_FIN_SENT);
	if (tcp_emit_data(c, conn, p, d, (size_t)n, fin, seg, now_ms))
		return;
	tcp_rto_arm(conn, now_ms, false);
out:
	tcp_epoll_update(c, conn);
}

/**
 * tcp_rewind() - Retransmit from the oldest unacknowledged byte
 * @c:		Execution context
 * @conn:	Connection
 * @now_ms:	Current time, milliseconds
 */
void tcp_rewind(struct ctx *c, struct tcp_conn *conn, uint64_t now_ms)
{
	conn->snd_nxt = conn->snd_una;
	tcp_rtt_stop(conn);
	if (tcp_set_peek_off(conn))
		flow_log(tcp_cflow(conn), LOG_DEBUG, "SO_PEEK_OFF: %s",
			 strerror(errno));
	tcp_data_to_guest(c, conn, now_ms);
}

/**
 * tcp_discard_acked() - Drop from the socket what the guest acknowledged
 * @c:		Execution context
 * @conn:	Connection
 * @bytes:	Bytes of data acknowledged
 *
 * Return: true if the connection is gone (reset)
 *
 * #syscalls recvfrom
 */
bool tcp_discard_acked(struct ctx *c, struct tcp_conn *conn,
		      uint32_t bytes)
{
	while (bytes) {
		ssize_t n = recv(conn->sock, NULL, bytes,
				 MSG_TRUNC | MSG_DONTWAIT);

		if (n <= 0) {
			flow_log(tcp_cflow(conn), LOG_DEBUG,
				 "discarding %u acked bytes: %s", bytes,
				 n ? strerror(errno) : "EOF");
			tcp_conn_reset(c, conn, "socket lost acked data");
			return true;
		}
		bytes -= (uint32_t)n;
	}
	return false;
}
