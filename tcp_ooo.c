/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcp_ooo.c - Guest data the host socket has not taken yet: segments beyond
 * a hole, and what the socket refused
 */

/**
 * DOC: Theory of operation
 *
 * When a guest segment is lost (or overtaken) on its way to us, what the
 * guest sends after it arrives beyond a hole. Dropping it makes one loss
 * cost the whole window, resent one segment per round trip (NewReno) or
 * after a timeout. Instead it is copied here, described to the guest in
 * SACK blocks (RFC 2018) of the duplicate ACK it gets at once, and written
 * to the socket, behind the segment that fills the hole, in the same
 * sendmsg(). Data the socket refused (its buffer full) is kept here too and
 * written on EPOLLOUT, rather than asked for again.
 *
 * Nothing here is acknowledged: the ACK number only moves once the socket
 * took the data (tcp_from_guest.c).
 *
 * Store: TCP_OOO_CHUNKS chunks of TCP_OOO_CHUNK_BYTES payload each, one
 * static pool for all connections (8 MiB, resident only once used), a free
 * list and, per connection, a list sorted by sequence number of chunks
 * that do not overlap (struct tcp_conn: @ooo_head, @ooo_tail, index + 1,
 * 0 for none). A segment may take several chunks; a chunk holds bytes of
 * one segment only, and the FIN that followed them, if any.
 *
 * Limits: a connection stores nothing beyond TCP_OOO_SPAN_BYTES past
 * rcv_nxt (nor beyond the window we advertised), so that one connection
 * cannot take the whole pool; at the limit, or with the pool empty, the
 * segment (or its rest) is dropped, counted, and the duplicate ACK that
 * answers it still goes out, with the SACK blocks of what is held: the
 * guest resends what we dropped once the hole is filled.
 */

#include <string.h>

#include "flow.h"
#include "log.h"
#include "tcp.h"
#include "tcp_internal.h"
#include "util.h"

#define TCP_OOO_CHUNK_BYTES	2048	/* payload per chunk, bytes */
#define TCP_OOO_CHUNKS		4096	/* chunks in the pool: 8 MiB */
#define TCP_OOO_SPAN_BYTES	(4U << 20)	/* per connection, from rcv_nxt */

_Static_assert(TCP_OOO_CHUNKS < UINT16_MAX, "chunk index + 1 fits uint16_t");

/**
 * struct tcp_ooo_chunk - Where one chunk's bytes go
 * @seq:	Sequence number of the first byte
 * @stamp:	When it arrived, in chunks stored so far: the newest one's
 *		block is the first SACK block (RFC 2018 §4)
 * @len:	Bytes held
 * @next:	Next chunk of the connection (or of the free list), index + 1
 * @fin:	The guest's FIN follows the last byte
 */
struct tcp_ooo_chunk {
	uint32_t seq;
	uint32_t stamp;
	uint16_t len;
	uint16_t next;
	uint8_t fin;
};

static struct tcp_ooo_chunk tcp_ooo_meta[TCP_OOO_CHUNKS];
static uint8_t tcp_ooo_data[TCP_OOO_CHUNKS][TCP_OOO_CHUNK_BYTES];
static uint16_t tcp_ooo_free_head;	/* free list, index + 1 */
static unsigned int tcp_ooo_fresh;	/* chunks never used: 0 up to here */
static uint32_t tcp_ooo_stamp;

/**
 * tcp_ooo_at() - Chunk by index + 1
 * @ref:	Index + 1, not 0
 *
 * Return: the chunk
 */
static struct tcp_ooo_chunk *tcp_ooo_at(uint16_t ref)
{
	ASSERT(ref && ref <= TCP_OOO_CHUNKS);
	return &tcp_ooo_meta[ref - 1];
}

/**
 * tcp_ooo_get() - Take a chunk from the pool
 *
 * Return: index + 1, 0 if the pool is empty
 */
static uint16_t tcp_ooo_get(void)
{
	uint16_t ref = tcp_ooo_free_head;

	if (ref) {
		tcp_ooo_free_head = tcp_ooo_at(ref)->next;
	} else {
		if (tcp_ooo_fresh >= TCP_OOO_CHUNKS)
			return 0;
		ref = (uint16_t)++tcp_ooo_fresh;
	}
	tcp_stats.ooo_chunks++;
	return ref;
}

/**
 * tcp_ooo_put() - Give a chunk back to the pool
 * @ref:	Index + 1
 */
static void tcp_ooo_put(uint16_t ref)
{
	tcp_ooo_at(ref)->next = tcp_ooo_free_head;
	tcp_ooo_free_head = ref;
	tcp_stats.ooo_chunks--;
}

/**
 * tcp_ooo_end() - Sequence number after a chunk's last byte
 * @k:		Chunk
 *
 * Return: seq + len
 */
static uint32_t tcp_ooo_end(const struct tcp_ooo_chunk *k)
{
	return k->seq + k->len;
}

/**
 * tcp_ooo_copy() - Copy bytes out of an iovec
 * @dst:	Destination
 * @iov:	Source
 * @cnt:	Entries in @iov
 * @off:	Offset of the first byte in @iov
 * @len:	Bytes to copy, all within @iov
 */
static void tcp_ooo_copy(uint8_t *dst, const struct iovec *iov, size_t cnt,
			 size_t off, size_t len)
{
	size_t i;

	for (i = 0; i < cnt && len; i++) {
		size_t n;

		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		n = MIN(iov[i].iov_len - off, len);
		memcpy(dst, (const uint8_t *)iov[i].iov_base + off, n);
		dst += n;
		len -= n;
		off = 0;
	}
}

/**
 * tcp_ooo_fill() - Store a range the connection holds none of, after @prev
 * @conn:	Connection
 * @prev:	Chunk it follows, index + 1, 0 for the head of the list
 * @seq:	Sequence number of the range's first byte
 * @len:	Bytes
 * @iov:	Payload, its byte at @off being @seq
 * @cnt:	Entries in @iov
 * @off:	Offset of @seq's byte in @iov
 *
 * Return: the last chunk stored (index + 1), @prev if none; stops early
 * when the pool is empty
 */
static uint16_t tcp_ooo_fill(struct tcp_conn *conn, uint16_t prev,
			     uint32_t seq, size_t len, const struct iovec *iov,
			     size_t cnt, size_t off)
{
	while (len) {
		size_t n = MIN(len, (size_t)TCP_OOO_CHUNK_BYTES);
		uint16_t ref = tcp_ooo_get();
		struct tcp_ooo_chunk *k;

		if (!ref) {
			tcp_stats.ooo_dropped_bytes += len;
			break;
		}
		k = tcp_ooo_at(ref);
		tcp_ooo_copy(tcp_ooo_data[ref - 1], iov, cnt, off, n);
		k->seq = seq;
		k->len = (uint16_t)n;
		k->fin = 0;
		k->stamp = ++tcp_ooo_stamp;
		if (prev) {
			k->next = tcp_ooo_at(prev)->next;
			tcp_ooo_at(prev)->next = ref;
		} else {
			k->next = conn->ooo_head;
			conn->ooo_head = ref;
		}
		if (!k->next)
			conn->ooo_tail = ref;
		tcp_stats.ooo_stored_bytes += n;
		prev = ref;
		seq += (uint32_t)n;
		off += n;
		len -= n;
	}
	return prev;
}

/**
 * tcp_ooo_add() - Keep guest payload the socket has not taken
 * @conn:	Connection
 * @seq:	Sequence number of the first byte, at or after rcv_nxt
 * @iov:	Payload (guest memory, or the batch's iovec)
 * @cnt:	Entries in @iov
 * @off:	Offset of the first byte in @iov
 * @len:	Bytes
 * @fin:	The guest's FIN follows them
 *
 * Bytes held already are kept as they are (a retransmission carries the
 * same ones); bytes beyond the span limit or the window are dropped.
 */
void tcp_ooo_add(struct tcp_conn *conn, uint32_t seq, const struct iovec *iov,
		 size_t cnt, size_t off, size_t len, bool fin)
{
	/* RFC 9293 §3.10.7.4: nothing past the window we advertised */
	uint32_t limit = conn->rcv_nxt + TCP_OOO_SPAN_BYTES;

	if (TCP_SEQ_LT(conn->rcv_adv, limit))
		limit = conn->rcv_adv;
	uint32_t end = seq + (uint32_t)len;
	uint16_t prev = 0, ref;

	if (TCP_SEQ_GT(end, limit)) {
		if (!TCP_SEQ_LT(seq, limit))
			len = 0;
		else
			len = limit - seq;
		tcp_stats.ooo_dropped_bytes += end - seq - len;
		end = seq + (uint32_t)len;
		fin = false;
	}
	/* Appending past the last chunk is the common case: start there */
	if (conn->ooo_tail && TCP_SEQ_GE(seq, tcp_ooo_end(
		    tcp_ooo_at(conn->ooo_tail))))
		prev = conn->ooo_tail;
	ref = prev ? 0 : conn->ooo_head;
	while (ref && TCP_SEQ_LT(seq, end)) {
		struct tcp_ooo_chunk *k = tcp_ooo_at(ref);

		if (TCP_SEQ_LE(tcp_ooo_end(k), seq)) {
			prev = ref;
			ref = k->next;
			continue;
		}
		if (TCP_SEQ_GE(k->seq, end))
			break;
		if (TCP_SEQ_LT(seq, k->seq)) {
			uint32_t n = k->seq - seq;

			if (tcp_ooo_fill(conn, prev, seq, n, iov, cnt, off) ==
			    prev)
				return;
			off += n;
			seq = k->seq;
		}
		off += tcp_ooo_end(k) - seq;
		seq = tcp_ooo_end(k);
		prev = ref;
		ref = k->next;
	}
	if (TCP_SEQ_LT(seq, end)) {
		uint16_t last = tcp_ooo_fill(conn, prev, seq, end - seq, iov,
					     cnt, off);

		if (last == prev ||
		    tcp_ooo_end(tcp_ooo_at(last)) != end)
			return;
		prev = last;
	}
	if (fin && prev && tcp_ooo_end(tcp_ooo_at(prev)) == end)
		tcp_ooo_at(prev)->fin = 1;
}

/**
 * tcp_ooo_take() - Point an iovec at held data from a sequence number on
 * @conn:	Connection
 * @seq:	Sequence number the socket's next byte has
 * @iov:	Filled with the held bytes that follow on from @seq
 * @max:	Entries @iov has room for
 * @cnt:	Entries used, output
 * @fin:	Set if the guest's FIN follows them
 *
 * The chunks stay held until tcp_ooo_release(): the iovec points into them.
 *
 * Return: bytes
 */
size_t tcp_ooo_take(const struct tcp_conn *conn, uint32_t seq,
		    struct iovec *iov, size_t max, size_t *cnt, bool *fin)
{
	uint16_t ref = conn->ooo_head;
	size_t bytes = 0;

	*cnt = 0;
	*fin = false;
	while (ref && *cnt < max) {
		const struct tcp_ooo_chunk *k = tcp_ooo_at(ref);
		uint32_t skip;

		ref = k->next;
		if (TCP_SEQ_LE(tcp_ooo_end(k), seq) && !k->fin)
			continue;		/* the socket has it */
		if (TCP_SEQ_GT(k->seq, seq))
			break;			/* a hole */
		if (TCP_SEQ_LT(tcp_ooo_end(k), seq))
			continue;		/* FIN of data before: gone */
		skip = seq - k->seq;
		if (k->len > skip) {
			iov[*cnt].iov_base = tcp_ooo_data[k - tcp_ooo_meta] +
					     skip;
			iov[(*cnt)++].iov_len = k->len - skip;
			bytes += k->len - skip;
			seq = tcp_ooo_end(k);
		}
		if (k->fin) {
			*fin = true;
			break;
		}
	}
	return bytes;
}

/**
 * tcp_ooo_release() - Drop what the socket took (before rcv_nxt)
 * @conn:	Connection
 */
void tcp_ooo_release(struct tcp_conn *conn)
{
	while (conn->ooo_head) {
		uint16_t ref = conn->ooo_head;
		struct tcp_ooo_chunk *k = tcp_ooo_at(ref);

		if (TCP_SEQ_GE(k->seq, conn->rcv_nxt))
			return;
		if (TCP_SEQ_LT(k->seq, conn->rcv_nxt) &&
		    TCP_SEQ_GT(tcp_ooo_end(k), conn->rcv_nxt)) {
			uint32_t skip = conn->rcv_nxt - k->seq;

			memmove(tcp_ooo_data[ref - 1],
				tcp_ooo_data[ref - 1] + skip, k->len - skip);
			k->len = (uint16_t)(k->len - skip);
			k->seq = conn->rcv_nxt;
			return;
		}
		conn->ooo_head = k->next;
		if (!conn->ooo_head)
			conn->ooo_tail = 0;
		tcp_ooo_put(ref);
	}
}

/**
 * tcp_ooo_free() - Drop everything a connection holds (it is closing)
 * @conn:	Connection
 */
void tcp_ooo_free(struct tcp_conn *conn)
{
	while (conn->ooo_head) {
		uint16_t ref = conn->ooo_head;

		conn->ooo_head = tcp_ooo_at(ref)->next;
		tcp_ooo_put(ref);
	}
	conn->ooo_tail = 0;
}

/**
 * tcp_ooo_sack() - SACK blocks for what a connection holds, RFC 2018 §4
 * @conn:	Connection
 * @blk:	Filled with left and right edges, at most @max blocks
 * @max:	Blocks wanted
 *
 * The first block holds the chunk stored last; the others follow in order
 * of sequence numbers.
 *
 * Return: number of blocks
 */
unsigned int tcp_ooo_sack(const struct tcp_conn *conn, uint32_t blk[][2],
			  unsigned int max)
{
	uint16_t ref, newest = conn->ooo_head;
	unsigned int n = 1;
	bool first = false;

	if (!max || !newest)
		return 0;
	for (ref = conn->ooo_head; ref; ref = tcp_ooo_at(ref)->next) {
		if ((int32_t)(tcp_ooo_at(ref)->stamp -
			      tcp_ooo_at(newest)->stamp) > 0)
			newest = ref;
	}
	for (ref = conn->ooo_head; ref; ) {
		const struct tcp_ooo_chunk *k = tcp_ooo_at(ref);
		uint32_t l = k->seq, r = tcp_ooo_end(k);
		bool has_newest = false;

		for (;;) {
			has_newest |= ref == newest;
			ref = k->next;
			if (!ref || tcp_ooo_at(ref)->seq != r)
				break;
			k = tcp_ooo_at(ref);
			r = tcp_ooo_end(k);
		}
		if (has_newest) {
			blk[0][0] = l;
			blk[0][1] = r;
			first = true;
		} else if (n < max) {
			blk[n][0] = l;
			blk[n++][1] = r;
		}
	}
	ASSERT(first);
	return n;
}
