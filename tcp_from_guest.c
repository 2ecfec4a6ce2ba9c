/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcp_from_guest.c - TCP segments from the guest: parsing, batching, ACK
 * processing, delayed ACKs, writing to the socket
 */

/**
 * DOC: Theory of operation
 *
 * tap.c hands us the guest's TCP segments in batches (tcp_tap_batch()); a
 * SYN without a flow opens one (tcp_conn_from_guest(), tcp.c), anything
 * else without a flow gets a RST. Segments toward the guest are built in
 * tcp_to_guest.c, the connection's life is in tcp.c.
 *
 * Data path, guest to host: in-order payload of consecutive segments of one
 * flow in a batch is written with one sendmsg(); we acknowledge what the
 * socket accepted. A segment beyond a hole is kept in the store of
 * tcp_ooo.c and answered at once with a duplicate ACK (same ACK number,
 * same window, no data: RFC 5681 §2, §4.2) carrying SACK blocks (RFC 2018)
 * if the guest allowed them; the segment that fills the hole goes out with
 * everything held behind it in one sendmsg(). Duplicate segments get a
 * duplicate ACK each. The window we advertise is 7/8 of the socket's free
 * send memory (SO_MEMINFO); guest data the socket still refuses is kept in
 * the store too, unacknowledged, and written on EPOLLOUT (tcp_ooo_flush()).
 *
 * ACKs from the guest release host data from the socket (after the batch's
 * write), move the window and drive further sending; duplicate ACKs trigger
 * fast retransmission (tcp_ack_from_guest()). The ACK of a lone in-order
 * segment waits up to TCP_DELACK_MS for host data to carry it
 * (tcp_ack_delay()); the TCP timerfd (tcp.c) sends those still owed
 * (tcp_delack_flush()).
 *
 * Limits: TCP_BATCH_IOV guest segments per sendmsg(); TCP_DELACK_MAX
 * delayed ACKs at once, more are sent at once.
 */

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "flow.h"
#include "log.h"
#include "tap.h"
#include "tcp.h"
#include "tcp_internal.h"
#include "util.h"

#define TCP_DUPACKS_MAX		64	/* duplicate ACKs per batch, at most */
#define TCP_WS_MAX		14	/* RFC 7323 §2.3 */
#define TCP_BATCH_IOV		1024	/* guest segments per sendmsg() */
#define TCP_DELACK_MS		2	/* a lone segment's ACK waits 1-2 ms */
/* Only a short segment's ACK waits: a request, whose answer may carry it.
 * A bulk sender's segment alone in its batch (a vhost-user kick each) is
 * acknowledged at once: a delay there would be its round trip, and its
 * pacing would follow it down
 */
#define TCP_DELACK_BYTES_MAX	2048
#define TCP_DELACK_MAX		256	/* ACKs waiting at once, more go now */

/**
 * struct tcp_delack - One delayed ACK, in the order they were delayed
 * @due_ms:	When it goes out unless a segment carried it, milliseconds
 * @idx:	Flow index
 * @gen:	The connection's @delack_gen when it was delayed: a later
 *		delay of the same connection has its own entry and time
 */
struct tcp_delack {
	uint64_t due_ms;
	uint32_t idx;
	uint8_t gen;
};

/* Delayed ACKs (tcp_ack_delay()): a ring, oldest (earliest due) first */
static struct tcp_delack tcp_delack[TCP_DELACK_MAX];
static unsigned int tcp_delack_head;
static unsigned int tcp_delack_n;

/**
 * tcp_parse_sack() - Take the blocks of a SACK option, RFC 2018 §3
 * @p:		First block
 * @n:		Blocks in the option
 * @seg:	Segment: @sack and @nsack set, at most TCP_SACK_BLOCKS
 */
static void tcp_parse_sack(const uint8_t *p, size_t n, struct tcp_seg *seg)
{
	size_t i;

	for (i = 0; i < n && seg->nsack < TCP_SACK_BLOCKS; i++) {
		seg->sack[seg->nsack][0] = util_get_be32(p + 8 * i);
		seg->sack[seg->nsack++][1] = util_get_be32(p + 8 * i + 4);
	}
}

/**
 * tcp_parse_seg() - Parse a TCP header and options from the guest
 * @p:		Packet
 * @seg:	Output
 *
 * Return: 0 on success, -1 if malformed
 */
static int tcp_parse_seg(const struct tap_pkt *p, struct tcp_seg *seg)
{
	const uint8_t *th = p->l4;
	size_t doff, i;

	if (p->l4_len < 20)
		return -1;
	doff = (size_t)(th[12] >> 4) * 4;
	if (doff < 20 || doff > p->l4_len)
		return -1;
	seg->seq = util_get_be32(th + 4);
	seg->ack = util_get_be32(th + 8);
	seg->flags = th[13];
	seg->wnd = util_get_be16(th + 14);
	seg->data = th + doff;
	seg->len = p->l4_len - doff;
	seg->head = MIN(seg->len, p->head_len - (size_t)(seg->data - p->eth));
	seg->frags = p->frags;
	seg->nfrags = p->nfrags;
	seg->mss = 0;
	seg->ws = -1;
	seg->sack_ok = false;
	seg->nsack = 0;

	for (i = 20; i < doff; ) {
		uint8_t kind = th[i], olen;

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= doff)
			break;
		olen = th[i + 1];
		if (olen < 2 || i + olen > doff)
			break;
		if (kind == 2 && olen == 4)
			seg->mss = util_get_be16(th + i + 2);
		else if (kind == 3 && olen == 3)
			seg->ws = MIN(th[i + 2], TCP_WS_MAX);
		else if (kind == 4 && olen == 2)
			seg->sack_ok = true;
		else if (kind == 5 && olen >= 10 && (olen - 2) % 8 == 0)
			tcp_parse_sack(th + i + 2, (olen - 2U) / 8, seg);
		i += olen;
	}
	return 0;
}

/**
 * struct tcp_batch - In-order guest payload of one flow, for one sendmsg()
 * @conn:	Connection the batch belongs to, NULL if none
 * @iovcnt:	Segments in tcp_batch_iov
 * @bytes:	Bytes in the batch
 * @fin:	A FIN follows the batch's data
 * @ack:	An ACK is owed to the guest (data, FIN, or duplicate)
 * @send:	The guest acknowledged data or moved its window: try sending
 * @discard:	Bytes the guest acknowledged, still to drop from the socket:
 *		after the batch's write (tcp_batch_flush()), so that the host
 *		peer gets the guest's data without waiting for that
 * @dups:	Segments out of order, duplicate, or refused by the socket: one
 *		duplicate ACK each (up to TCP_DUPACKS_MAX), as a receiver
 *		sends, so that the guest fast-retransmits (RFC 5681 §4.2)
 * @nseg:	Segments with payload in the batch
 */
struct tcp_batch {
	struct tcp_conn *conn;
	int iovcnt;
	size_t bytes;
	bool fin;
	bool ack;
	bool send;
	uint32_t discard;
	unsigned int dups;
	unsigned int nseg;
};

static struct iovec tcp_batch_iov[TCP_BATCH_IOV];
_Static_assert(TCP_BATCH_IOV > TAP_FRAGS_MAX + 1,
	       "a scattered segment must fit an empty batch");

/**
 * tcp_batch_discard() - Drop what the guest acknowledged from the socket
 * @c:		Execution context
 * @conn:	Connection
 * @b:		Its batch
 *
 * Return: true if the connection is gone (reset)
 */
static bool tcp_batch_discard(struct ctx *c, struct tcp_conn *conn,
			     struct tcp_batch *b)
{
	uint32_t n = b->discard;

	b->discard = 0;
	return n ? tcp_discard_acked(c, conn, n) : false;
}

/**
 * tcp_ack_from_guest() - Process the ACK and window of a guest segment
 * @c:		Execution context
 * @conn:	Connection, established (our SYN acknowledged)
 * @seg:	Segment
 * @b:		Batch of @conn: @send set if we may send more now
 * @now_ms:	Current time, milliseconds
 *
 * Return: true if the connection is gone (closed)
 */
static bool tcp_ack_from_guest(struct ctx *c, struct tcp_conn *conn,
			      const struct tcp_seg *seg, struct tcp_batch *b,
			      uint64_t now_ms)
{
	uint32_t wnd = (uint32_t)seg->wnd << conn->ws_snd;
	uint32_t acked = seg->ack - conn->snd_una;
	bool wnd_changed = wnd != conn->snd_wnd;

	if (!(seg->flags & TCP_ACK))
		return false;
	if (TCP_SEQ_GT(seg->ack, conn->snd_max) ||
	    TCP_SEQ_LT(seg->ack, conn->snd_una))
		return false;		/* RFC 9293 §3.10.7.4: ignore */

	conn->snd_wnd = wnd;
	if (acked) {
		uint32_t data = acked;
		bool fin_acked = tcp_has(conn, TCP_TAP_FIN_SENT) &&
				 TCP_SEQ_GT(seg->ack, conn->snd_fin);

		if (fin_acked)
			data--;
		conn->snd_una = seg->ack;
		if (TCP_SEQ_LT(conn->snd_nxt, conn->snd_una))
			conn->snd_nxt = conn->snd_una;
		conn->dup_acks = 0;
		conn->retrans = 0;
		tcp_rtt_ack(conn, seg->ack, now_ms);
		conn->rto_ms = tcp_rto_base(conn);
		b->discard += data;
		/* Closing with unread data would reset the host peer, and a
		 * retransmission peeks from the head: those discard now
		 */
		if ((fin_acked || conn->recovering) &&
		    tcp_batch_discard(c, conn, b))
			return true;
		if (fin_acked && !tcp_has(conn, TCP_TAP_FIN_ACKED) &&
		    tcp_conn_fact(c, conn, TCP_TAP_FIN_ACKED))
			return true;
		if (conn->recovering) {
			/* RFC 6582 §3.2 step 3: partial ACK, next hole */
			if (TCP_SEQ_LE(conn->snd_una, conn->snd_recover))
				tcp_retransmit_hole(c, conn, seg);
			else
				conn->recovering = 0;
		}
		tcp_rto_arm(conn, now_ms, true);
		b->send = true;
		return false;
	}

	if (conn->ka_sent && !seg->len) {
		conn->ka_sent = 0;	/* answer to our keepalive: not a dup */
	} else if (!seg->len && !(seg->flags & (TCP_SYN | TCP_FIN)) &&
		   (!wnd_changed || seg->nsack) &&
		   conn->snd_una != conn->snd_max) {
		/* A duplicate ACK (RFC 5681 §2); with SACK blocks, the
		 * window may have moved: the guest's out-of-order queue
		 * takes from it (RFC 6675 §2, "duplicate acknowledgment")
		 */
		if (conn->dup_acks < UINT8_MAX)
			conn->dup_acks++;
		if (conn->dup_acks == TCP_DUP_ACK_THRESH &&
		    TCP_SEQ_GT(conn->snd_una, conn->snd_recover)) {
			conn->snd_recover = conn->snd_max - 1;
			conn->recovering = 1;
			conn->snd_rexmit = conn->snd_una;
			flow_log(tcp_cflow(conn), LOG_DEBUG,
				 "fast retransmit at %u",
				 conn->snd_una - conn->isn);
			if (tcp_batch_discard(c, conn, b))
				return true;
			tcp_retransmit_one(c, conn);
			conn->snd_rexmit = conn->snd_una + conn->mss;
		} else if (conn->recovering && seg->nsack) {
			if (tcp_batch_discard(c, conn, b))
				return true;
			tcp_retransmit_hole(c, conn, seg);
		}
	}
	if (wnd_changed) {
		tcp_rto_arm(conn, now_ms, false);
		b->send = true;
	}
	return false;
}

/**
 * tcp_ack_delay() - Let the ACK for a lone segment wait for data to ride on
 * @conn:	Connection
 * @b:		Its batch, written to the socket
 * @sent:	Bytes the socket took
 * @now_ms:	Current time, milliseconds
 *
 * A request/response exchange otherwise costs a pure ACK toward the guest
 * for every request: one more frame, and a wake-up of whatever carries the
 * guest's frames, while the host peer prepares its answer. Like any receiver
 * (RFC 1122 §4.2.3.2, RFC 5681 §4.2), we delay the ACK of a single in-order
 * segment, here by 1 to 2 ms (TCP_DELACK_MS, whole milliseconds of the
 * clock) rather than the hundreds of milliseconds the RFCs allow: host data
 * sent meanwhile carries it, else tcp_delack_flush() sends it. Every delay
 * has its own entry and due time, so a connection that delays again right
 * after a segment carried its last ACK waits its full time again. A second segment, anything out of order,
 * a FIN, a short window or a full list of waiting ACKs: acknowledge now.
 *
 * Return: true if the ACK waits
 */
static bool tcp_ack_delay(struct tcp_conn *conn, const struct tcp_batch *b,
			  size_t sent, uint64_t now_ms)
{
	struct tcp_delack *d;

	if (b->dups || b->fin || b->nseg != 1 || !sent || sent != b->bytes ||
	    sent > TCP_DELACK_BYTES_MAX ||
	    conn->ack_delayed || conn->wnd_low || conn->sock_full ||
	    tcp_has(conn, TCP_GUEST_FIN))
		return false;
	if (tcp_delack_n >= TCP_DELACK_MAX)
		return false;
	d = &tcp_delack[(tcp_delack_head + tcp_delack_n++) % TCP_DELACK_MAX];
	d->due_ms = now_ms + TCP_DELACK_MS;
	d->idx = flow_idx(tcp_cflow(conn));
	d->gen = ++conn->delack_gen;
	conn->ack_delayed = 1;
	if (tcp_delack_n == 1)
		tcp_timer_arm();
	return true;
}

/**
 * tcp_delack_deadline_ms() - When the next delayed ACK is due, for the timerfd
 *
 * Return: absolute time, milliseconds, 0 if no ACK waits
 */
uint64_t tcp_delack_deadline_ms(void)
{
	return tcp_delack_n ? tcp_delack[tcp_delack_head].due_ms : 0;
}

/**
 * tcp_delack_flush() - Send the delayed ACKs that are due, unless a segment
 *			carried them meanwhile
 * @c:		Execution context
 * @now_ms:	Current time, milliseconds
 */
void tcp_delack_flush(struct ctx *c, uint64_t now_ms)
{
	while (tcp_delack_n && tcp_delack[tcp_delack_head].due_ms <= now_ms) {
		const struct tcp_delack *d = &tcp_delack[tcp_delack_head];
		union flow *flow = flow_at(d->idx);

		tcp_delack_head = (tcp_delack_head + 1) % TCP_DELACK_MAX;
		tcp_delack_n--;
		if (!flow || !flow_is_active(flow) ||
		    flow->f.type != FLOW_TCP)
			continue;
		if (flow->tcp.ack_delayed && flow->tcp.delack_gen == d->gen)
			tcp_send_ack(c, &flow->tcp);
	}
}

/**
 * tcp_batch_take_held() - Add held data that follows on to the batch
 * @conn:	Connection of the batch, holding data (tcp_ooo.c)
 * @b:		Batch
 *
 * A segment filled the hole in front of it, or the socket has room again:
 * everything contiguous goes out in the same sendmsg(), and the ACK that
 * follows goes at once (RFC 5681 §4.2: it fills a gap).
 */
static void tcp_batch_take_held(const struct tcp_conn *conn,
				struct tcp_batch *b)
{
	size_t cnt, n;
	bool fin;

	n = tcp_ooo_take(conn, conn->rcv_nxt + (uint32_t)b->bytes,
			 tcp_batch_iov + b->iovcnt,
			 (size_t)(TCP_BATCH_IOV - b->iovcnt), &cnt, &fin);
	if (!n && !fin)
		return;
	b->iovcnt += (int)cnt;
	b->bytes += n;
	b->fin = fin;
	b->ack = true;
	b->dups = MAX(b->dups, 1U);
}

/**
 * tcp_batch_flush() - Write a batch to the socket, acknowledge what it took
 * @c:		Execution context
 * @b:		Batch
 * @now_ms:	Current time, milliseconds
 *
 * #syscalls sendmsg shutdown
 */
static void tcp_batch_flush(struct ctx *c, struct tcp_batch *b,
			    uint64_t now_ms)
{
	struct tcp_conn *conn = b->conn;
	struct msghdr mh = { .msg_iov = tcp_batch_iov };
	size_t sent = 0;
	ssize_t n;

	b->conn = NULL;
	if (!conn || !flow_is_active(tcp_flow(conn)))
		goto reset;	/* reset meanwhile: its payload goes nowhere */

	if (conn->ooo_head && !b->fin)
		tcp_batch_take_held(conn, b);
	if (b->iovcnt) {
		mh.msg_iovlen = (size_t)b->iovcnt;
		n = sendmsg(conn->sock, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			tcp_conn_reset(c, conn, strerror(errno));
			goto reset;
		}
		sent = n > 0 ? (size_t)n : 0;
		if (sent)
			conn->wnd_cached = 0;
		conn->rcv_nxt += (uint32_t)sent;
		if (sent < b->bytes) {
			/* The rest is kept (tcp_ooo.c) and written once the
			 * socket has room (tcp_sock_handler()); what the store
			 * cannot take, the guest must resend: duplicate ACKs
			 */
			uint64_t dropped = tcp_stats.ooo_dropped_bytes;

			flow_log(tcp_cflow(conn), LOG_TRACE, "socket took %zu of "
				 "%zu bytes", sent, b->bytes);
			conn->sock_full = 1;
			tcp_ooo_add(conn, conn->rcv_nxt, tcp_batch_iov,
				    (size_t)b->iovcnt, sent, b->bytes - sent,
				    b->fin);
			if (tcp_stats.ooo_dropped_bytes != dropped)
				b->dups += b->nseg;
		}
		if (conn->ooo_head)
			tcp_ooo_release(conn);
		flow_count_bytes(tcp_flow(conn), FLOW_SIDE_TAP, sent);
		if (sent)
			flow_touch(tcp_flow(conn), now_ms);
	}
	if (tcp_batch_discard(c, conn, b))
		goto reset;

	if (b->fin && sent == b->bytes) {
		conn->rcv_nxt++;
		if (tcp_conn_fact(c, conn, TCP_GUEST_FIN))
			goto reset;
		tcp_send_ack(c, conn);
		b->ack = false;
		/* The last fact missing: close(), which follows at once, sends
		 * the FIN itself (all host data was discarded, so no RST)
		 */
		if (!(tcp_has(conn, TCP_SOCK_EOF) &&
		      tcp_has(conn, TCP_TAP_FIN_ACKED)) &&
		    shutdown(conn->sock, SHUT_WR)) {
			tcp_conn_reset(c, conn, "shutdown failed");
			goto reset;
		}
		if (tcp_conn_fact(c, conn, TCP_SOCK_SHUT_WR))
			goto reset;
	}
	/* ACKs ride along; if the last peek emptied the socket, new data
	 * comes with EPOLLIN: a peek now would only find nothing
	 */
	if (b->send && (!conn->sock_drained || conn->sock_rdhup ||
			conn->snd_nxt != conn->snd_max))
		tcp_data_to_guest(c, conn, now_ms);
	if (b->ack && flow_is_active(tcp_flow(conn)) &&
	    !tcp_ack_delay(conn, b, sent, now_ms)) {
		unsigned int i;

		tcp_send_ack(c, conn);
		for (i = 1; i < MIN(b->dups, TCP_DUPACKS_MAX); i++)
			tcp_send_ack(c, conn);
	}
	if (flow_is_active(tcp_flow(conn)))
		tcp_epoll_update(c, conn);
reset:
	b->iovcnt = 0;
	b->bytes = 0;
	b->fin = false;
	b->ack = false;
	b->send = false;
	b->discard = 0;
	b->dups = 0;
	b->nseg = 0;
}

/**
 * tcp_ooo_flush() - Write held guest data the socket refused before
 * @c:		Execution context
 * @conn:	Connection, the socket writable again
 * @now_ms:	Current time, milliseconds
 *
 * Context: socket events, outside a batch of guest segments.
 * Return: true if some data was held (and an ACK went out)
 */
bool tcp_ooo_flush(struct ctx *c, struct tcp_conn *conn, uint64_t now_ms)
{
	struct tcp_batch b = { .conn = conn };

	if (!conn->ooo_head)
		return false;
	tcp_batch_flush(c, &b, now_ms);
	return true;
}

/**
 * tcp_seg_payload_add() - Add payload of a segment to the batch's iovec
 * @b:		Batch
 * @seg:	Segment
 * @skip:	Bytes of payload not to add (acknowledged already)
 *
 * The payload at @seg->data, then the rest in @seg->frags (guest memory:
 * no copy either way).
 */
static void tcp_seg_payload_add(struct tcp_batch *b, const struct tcp_seg *seg,
				size_t skip)
{
	size_t left = seg->len - skip;
	unsigned int i;

	if (skip < seg->head) {
		size_t n = MIN(seg->head - skip, left);

		tcp_batch_iov[b->iovcnt].iov_base =
			(void *)(uintptr_t)(seg->data + skip);
		tcp_batch_iov[b->iovcnt++].iov_len = n;
		left -= n;
		skip = 0;
	} else {
		skip -= seg->head;
	}
	for (i = 0; i < seg->nfrags && left; i++) {
		const struct iovec *f = &seg->frags[i];
		size_t n;

		if (skip >= f->iov_len) {
			skip -= f->iov_len;
			continue;
		}
		n = MIN(f->iov_len - skip, left);
		tcp_batch_iov[b->iovcnt].iov_base =
			(uint8_t *)f->iov_base + skip;
		tcp_batch_iov[b->iovcnt++].iov_len = n;
		left -= n;
		skip = 0;
	}
}

/**
 * tcp_seg_hold() - Keep a segment that arrived beyond a hole (tcp_ooo.c)
 * @conn:	Connection
 * @seg:	Segment
 * @seq:	Sequence number of its first new byte
 * @skip:	Bytes of its payload before that one
 * @len:	New bytes
 */
static void tcp_seg_hold(struct tcp_conn *conn, const struct tcp_seg *seg,
			 uint32_t seq, size_t skip, size_t len)
{
	static struct iovec iov[TAP_FRAGS_MAX + 1];
	size_t cnt = 0;
	unsigned int i;

	if (TCP_SEQ_LT(seq, conn->rcv_nxt))
		return;		/* overlaps data in this batch: resent later */
	iov[cnt].iov_base = (void *)(uintptr_t)seg->data;
	iov[cnt++].iov_len = seg->head;
	for (i = 0; i < seg->nfrags && cnt < ARRAY_SIZE(iov); i++)
		iov[cnt++] = seg->frags[i];
	tcp_ooo_add(conn, seq, iov, cnt, skip, len,
		    !!(seg->flags & TCP_FIN));
}

/**
 * tcp_data_from_guest() - Queue a segment's payload and FIN into the batch
 * @conn:	Connection, established
 * @seg:	Segment
 * @b:		Batch of @conn
 */
static void tcp_data_from_guest(struct tcp_conn *conn,
				const struct tcp_seg *seg, struct tcp_batch *b)
{
	uint32_t expect = conn->rcv_nxt + (uint32_t)b->bytes;
	size_t len = seg->len, skip = 0;
	uint32_t seq = seg->seq;

	if (!len && !(seg->flags & TCP_FIN)) {
		if (seq != expect)
			b->ack = true;	/* keepalive (RFC 9293 §3.8.4) */
		return;
	}
	if (tcp_has(conn, TCP_GUEST_FIN) || b->fin) {
		b->ack = true;		/* retransmitted FIN or data after it */
		return;
	}
	if (TCP_SEQ_LT(seq, expect)) {
		uint32_t old = expect - seq;

		if (old >= len && !((seg->flags & TCP_FIN) && old == len)) {
			flow_log(tcp_cflow(conn), LOG_TRACE, "duplicate %u+%zu, "
				 "expected %u", seq - conn->rcv_nxt, len,
				 (uint32_t)b->bytes);
			b->ack = true;	/* duplicate */
			b->dups++;
			return;
		}
		old = (uint32_t)MIN(old, len);
		skip = old;
		len -= old;
		seq += old;
	}
	if (seq != expect) {
		flow_log(tcp_cflow(conn), LOG_TRACE, "out of order %u+%zu, "
			 "expected %u", seq - conn->rcv_nxt, len,
			 (uint32_t)b->bytes);
		tcp_seg_hold(conn, seg, seq, skip, len);
		b->ack = true;		/* out of order: duplicate ACK */
		b->dups++;
		return;
	}
	if (len) {
		tcp_seg_payload_add(b, seg, skip);
		b->bytes += len;
		b->nseg++;
	}
	if (seg->flags & TCP_FIN)
		b->fin = true;
	b->ack = true;
}

/**
 * tcp_handshake_from_guest() - Segments before the guest ACKed our SYN
 * @c:		Execution context
 * @conn:	Connection, TAP_SYN_ACKED not set
 * @seg:	Segment
 * @b:		Batch of @conn
 * @now_ms:	Current time, milliseconds
 *
 * Return: true if the segment is consumed, false to go on with it
 *
 * #syscalls setsockopt
 */
static bool tcp_handshake_from_guest(struct ctx *c, struct tcp_conn *conn,
				     const struct tcp_seg *seg,
				     struct tcp_batch *b, uint64_t now_ms)
{
	if (!tcp_has(conn, TCP_TAP_SYN_SENT)) {
		return true;	/* connect() pending: guest SYN repeats */
	}
	if (conn->inbound && !tcp_has(conn, TCP_GUEST_SYN)) {
		/* SYN_SENT: expect SYN-ACK, RFC 9293 §3.10.7.3 */
		if (!(seg->flags & TCP_SYN) || !(seg->flags & TCP_ACK) ||
		    seg->ack != conn->isn + 1) {
			if (seg->flags & TCP_ACK) {
				struct flow_side t = conn->f.side[FLOW_SIDE_TAP];

				tcp_rst_reply(c, &t, seg);
			}
			return true;
		}
		conn->rcv_nxt = seg->seq + 1;
		tcp_set_mss(c, conn, seg->mss);
		if (seg->ws >= 0) {
			conn->ws_snd = (uint8_t)seg->ws;
			conn->ws_rcv = TCP_WS_OURS;
		} else {
			conn->ws_snd = conn->ws_rcv = 0;
		}
		conn->snd_una = conn->isn + 1;
		conn->snd_wnd = seg->wnd;	/* unscaled in a SYN */
		conn->sack_ok = seg->sack_ok;	/* we offered it */
		conn->retrans = 0;
		tcp_rtt_ack(conn, conn->snd_una, now_ms);
		conn->rto_ms = tcp_rto_base(conn);
		tcp_timer_set(conn, 0);
		if (tcp_conn_fact(c, conn, TCP_GUEST_SYN) ||
		    tcp_conn_fact(c, conn, TCP_TAP_SYN_ACKED))
			return true;
		if (tcp_peek_off_supported()) {
			int zero = 0;

			setsockopt(conn->sock, SOL_SOCKET, SO_PEEK_OFF, &zero,
				   sizeof(zero));
		}
		tcp_send_ack(c, conn);
		tcp_data_to_guest(c, conn, now_ms);
		return true;
	}

	/* SYN_RCVD: our SYN-ACK is out */
	if (seg->flags & TCP_SYN) {
		if (seg->seq + 1 == conn->rcv_nxt) {
			conn->rtt_on = 0;	/* Karn: ambiguous now */
			tcp_send_ctl(c, conn, TCP_SYN | TCP_ACK, conn->isn);
		}
		return true;
	}
	if (!(seg->flags & TCP_ACK))
		return true;
	if (seg->ack != conn->isn + 1) {
		struct flow_side t = conn->f.side[FLOW_SIDE_TAP];

		tcp_rst_reply(c, &t, seg);
		return true;
	}
	conn->snd_una = conn->isn + 1;
	conn->retrans = 0;
	tcp_rtt_ack(conn, conn->snd_una, now_ms);
	conn->rto_ms = tcp_rto_base(conn);
	tcp_timer_set(conn, 0);
	if (tcp_conn_fact(c, conn, TCP_TAP_SYN_ACKED))
		return true;
	b->send = true;		/* host data may be waiting since connect */
	return false;
}

/**
 * tcp_seg_from_guest() - One guest segment for an existing connection
 * @c:		Execution context
 * @conn:	Connection
 * @seg:	Segment
 * @b:		Batch of @conn (flushed by the caller)
 * @now_ms:	Current time, milliseconds
 */
static void tcp_seg_from_guest(struct ctx *c, struct tcp_conn *conn,
			       const struct tcp_seg *seg, struct tcp_batch *b,
			       uint64_t now_ms)
{
	if (seg->flags & TCP_RST) {
		/* RFC 5961 §3.2: only a RST at or within the window */
		uint32_t off = seg->seq - conn->rcv_nxt;

		if (tcp_has(conn, TCP_GUEST_SYN) &&
		    off > MAX(conn->rcv_wnd, 1U))
			return;
		if (conn->inbound && !tcp_has(conn, TCP_GUEST_SYN) &&
		    seg->ack != conn->isn + 1)
			return;
		flow_log(tcp_cflow(conn), LOG_DEBUG, "RST from guest");
		b->conn = NULL;
		tcp_conn_fact(c, conn, TCP_RESET);
		return;
	}
	/* Any segment shows the guest knows the flow; only SYN, FIN and
	 * data are activity (a keepalive's answer is not)
	 */
	flow_tap_seen(tcp_flow(conn));
	if (seg->len || (seg->flags & (TCP_SYN | TCP_FIN)))
		flow_touch(tcp_flow(conn), now_ms);

	if (!tcp_has(conn, TCP_TAP_SYN_ACKED) &&
	    tcp_handshake_from_guest(c, conn, seg, b, now_ms)) {
		if (!flow_is_active(tcp_flow(conn)))
			b->conn = NULL;
		return;
	}
	if (seg->flags & TCP_SYN) {
		b->ack = true;		/* RFC 5961 §4: challenge ACK */
		return;
	}
	if (!(seg->flags & TCP_ACK))
		return;			/* RFC 9293 §3.10.7.4 fifth check */
	if (tcp_ack_from_guest(c, conn, seg, b, now_ms)) {
		b->conn = NULL;
		return;
	}
	if (b->iovcnt + 1 + seg->nfrags > TCP_BATCH_IOV) {
		tcp_batch_flush(c, b, now_ms);
		if (!flow_is_active(tcp_flow(conn)))
			return;
		b->conn = conn;
	}
	tcp_data_from_guest(conn, seg, b);
}

/**
 * tcp_tap_batch() - Handle a batch of TCP segments from the guest
 * @c:		Execution context
 * @pkts:	Validated packets, @pkts[i].proto is IPPROTO_TCP
 * @n:		Number of packets
 * @now_ms:	Current time, milliseconds
 *
 * Consecutive segments of one connection share one sendmsg() and one ACK.
 */
void tcp_tap_batch(struct ctx *c, const struct tap_pkt *pkts, size_t n,
		   uint64_t now_ms)
{
	struct tcp_batch b = { 0 };
	size_t i;

	for (i = 0; i < n; i++) {
		const struct tap_pkt *p = &pkts[i];
		struct flow_side tap;
		struct tcp_seg seg;
		union flow *flow;

		if (tcp_parse_seg(p, &seg)) {
			tap_count_drop(TAP_DROP_L4_BAD);
			continue;
		}
		memset(&tap, 0, sizeof(tap));
		if (p->af == AF_INET) {
			inany_from_v4(&tap.ep_addr, p->src4);
			inany_from_v4(&tap.our_addr, p->dst4);
		} else {
			inany_from_v6(&tap.ep_addr, &p->src6);
			inany_from_v6(&tap.our_addr, &p->dst6);
		}
		tap.ep_port = util_get_be16(p->l4);
		tap.our_port = util_get_be16(p->l4 + 2);

		flow = flow_lookup(FLOW_TCP, &tap.ep_addr, tap.ep_port,
				   &tap.our_addr, tap.our_port);
		if (!flow || !flow_is_active(flow)) {
			if ((seg.flags & (TCP_SYN | TCP_ACK | TCP_RST)) ==
			    TCP_SYN && tap.ep_port && tap.our_port) {
				tcp_batch_flush(c, &b, now_ms);
				tcp_conn_from_guest(c, &tap, &seg, now_ms);
			} else {
				tcp_rst_reply(c, &tap, &seg);
			}
			continue;
		}
		if (b.conn != &flow->tcp) {
			tcp_batch_flush(c, &b, now_ms);
			b.conn = &flow->tcp;
		}
		tcp_seg_from_guest(c, &flow->tcp, &seg, &b, now_ms);
	}
	tcp_batch_flush(c, &b, now_ms);
}
