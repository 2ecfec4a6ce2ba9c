/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcp_internal.h - What tcp.c, tcp_to_guest.c and tcp_from_guest.c share
 *
 * For those three files only: constants both directions use, the parsed
 * guest segment, helpers on struct tcp_conn, and the functions one of them
 * calls in another, grouped by the file that defines them (kernel-doc is
 * beside each definition). Each file keeps its own state (pools, deadline
 * heap, delayed-ACK list, timerfd) static: the others reach it only through
 * the functions below.
 */

#ifndef TCP_INTERNAL_H
#define TCP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "flow.h"

#define TCP_RTO_INIT_MS		1000	/* RFC 6298 §2.1 */
#define TCP_RTO_MIN_MS		200	/* Linux's floor; RFC 6298 §2.4: 1 s */
#define TCP_DUP_ACK_THRESH	3	/* RFC 5681 §3.2 fast retransmit */
#define TCP_WS_OURS		8	/* our window scale, RFC 7323 §2.3 */
#define TCP_SACK_BLOCKS		4	/* per ACK: 36 bytes of options */

/* TCP header flags */
#define TCP_FIN	0x01
#define TCP_SYN	0x02
#define TCP_RST	0x04
#define TCP_PSH	0x08
#define TCP_ACK	0x10

struct ctx;

/**
 * struct tcp_seg - A parsed segment from the guest
 * @seq:	Sequence number
 * @ack:	Acknowledgment number
 * @wnd:	Window field, unscaled
 * @flags:	TCP flags
 * @data:	Payload, its first @head bytes
 * @len:	Payload length, bytes
 * @head:	Bytes of payload at @data; the rest in @frags
 * @frags:	The rest of the payload (vhost-user chains), or NULL
 * @nfrags:	Entries in @frags
 * @mss:	MSS option, 0 if absent
 * @ws:		Window scale option, -1 if absent
 * @sack_ok:	SACK-permitted option (RFC 2018 §2)
 * @nsack:	SACK blocks in @sack (RFC 2018 §3), not yet validated
 * @sack:	Their left and right edges
 */
struct tcp_seg {
	uint32_t seq;
	uint32_t ack;
	uint16_t wnd;
	uint8_t flags;
	const uint8_t *data;
	size_t len;
	size_t head;
	const struct iovec *frags;
	unsigned int nfrags;
	uint16_t mss;
	int ws;
	bool sack_ok;
	unsigned int nsack;
	uint32_t sack[TCP_SACK_BLOCKS][2];
};

/**
 * tcp_has() - Is a fact set?
 * @conn:	Connection
 * @fact:	Fact
 *
 * Return: true if set
 */
static inline bool tcp_has(const struct tcp_conn *conn, enum tcp_fact fact)
{
	return conn->facts & TCP_FACT(fact);
}

/**
 * tcp_flow() - The flow entry of a connection
 * @conn:	Connection
 *
 * Return: flow
 */
static inline union flow *tcp_flow(struct tcp_conn *conn)
{
	return (union flow *)conn;
}

/**
 * tcp_cflow() - The flow entry of a connection, read-only
 * @conn:	Connection
 *
 * Return: flow
 */
static inline const union flow *tcp_cflow(const struct tcp_conn *conn)
{
	return (const union flow *)conn;
}

/**
 * tcp_is_v4() - Is the guest side of a connection IPv4?
 * @conn:	Connection
 *
 * Return: true for IPv4
 */
static inline bool tcp_is_v4(const struct tcp_conn *conn)
{
	return inany_is_v4(&conn->f.side[FLOW_SIDE_TAP].ep_addr);
}

/* tcp.c: deadlines, epoll interest, facts, opening a connection */
void tcp_timer_arm(void);
void tcp_timer_set(struct tcp_conn *conn, uint64_t deadline_ms);
void tcp_epoll_update(const struct ctx *c, struct tcp_conn *conn);
bool tcp_conn_fact(struct ctx *c, struct tcp_conn *conn, enum tcp_fact fact);
void tcp_conn_reset(struct ctx *c, struct tcp_conn *conn, const char *why);
void tcp_set_mss(const struct ctx *c, struct tcp_conn *conn, uint16_t opt);
void tcp_conn_from_guest(struct ctx *c, const struct flow_side *tap,
			 const struct tcp_seg *seg, uint64_t now_ms);

/* tcp_to_guest.c: segments toward the guest, windows, retransmission */
void tcp_peek_off_probe(void);
bool tcp_peek_off_supported(void);
void tcp_update_rcv_wnd(struct tcp_conn *conn);
void tcp_send_ctl(struct ctx *c, struct tcp_conn *conn, uint8_t flags,
		  uint32_t seq);
void tcp_send_ack(struct ctx *c, struct tcp_conn *conn);
void tcp_rst_reply(struct ctx *c, const struct flow_side *tap,
		   const struct tcp_seg *seg);
void tcp_rto_arm(struct tcp_conn *conn, uint64_t now_ms, bool restart);
void tcp_rtt_ack(struct tcp_conn *conn, uint32_t ack, uint64_t now_ms);
uint32_t tcp_rto_base(const struct tcp_conn *conn);
void tcp_retransmit_one(struct ctx *c, struct tcp_conn *conn);
void tcp_retransmit_hole(struct ctx *c, struct tcp_conn *conn,
			 const struct tcp_seg *seg);
void tcp_data_to_guest(struct ctx *c, struct tcp_conn *conn, uint64_t now_ms);
void tcp_rewind(struct ctx *c, struct tcp_conn *conn, uint64_t now_ms);
bool tcp_discard_acked(struct ctx *c, struct tcp_conn *conn, uint32_t bytes);

/* tcp_ooo.c: guest data held beyond a hole or refused by the socket */
void tcp_ooo_add(struct tcp_conn *conn, uint32_t seq, const struct iovec *iov,
		 size_t cnt, size_t off, size_t len, bool fin);
size_t tcp_ooo_take(const struct tcp_conn *conn, uint32_t seq,
		    struct iovec *iov, size_t max, size_t *cnt, bool *fin);
void tcp_ooo_release(struct tcp_conn *conn);
void tcp_ooo_free(struct tcp_conn *conn);
unsigned int tcp_ooo_sack(const struct tcp_conn *conn, uint32_t blk[][2],
			  unsigned int max);

/* tcp_from_guest.c: delayed ACKs, held data */
bool tcp_ooo_flush(struct ctx *c, struct tcp_conn *conn, uint64_t now_ms);
uint64_t tcp_delack_deadline_ms(void);
void tcp_delack_flush(struct ctx *c, uint64_t now_ms);

#endif /* TCP_INTERNAL_H */
