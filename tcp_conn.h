/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcp_conn.h - TCP connection state: data only, for union flow
 *
 * Included by flow.h (union flow holds struct tcp_conn): include flow.h,
 * not this file. The functions on this state are declared in tcp.h (what
 * other modules and the tests use) and tcp_internal.h (the TCP files').
 */

#ifndef TCP_CONN_H
#define TCP_CONN_H

#include <stdint.h>

#ifndef FLOW_H
#error "include flow.h, which includes tcp_conn.h"
#endif

/*
 * enum tcp_fact - What has happened on a connection, one bit each
 *
 * A bit is set once and never cleared, and means the same thing for the
 * whole life of the connection. tcp_state() derives the RFC 9293 state name
 * from the set; tcp_facts_next() says which bit may be set when (the table
 * is in the DOC block of tcp.c and in doc/tcp.md).
 */
enum tcp_fact {
	TCP_GUEST_SYN = 0,	/* SYN (or SYN-ACK) received from the guest */
	TCP_SOCK_CONNECTED,	/* host handshake done: connect() or accept() */
	TCP_TAP_SYN_SENT,	/* our SYN (or SYN-ACK) sent to the guest */
	TCP_TAP_SYN_ACKED,	/* the guest acknowledged our SYN */
	TCP_GUEST_FIN,		/* FIN from the guest accepted, in order */
	TCP_SOCK_SHUT_WR,	/* shutdown(SHUT_WR) done on the socket */
	TCP_SOCK_EOF,		/* end of stream read from the socket */
	TCP_TAP_FIN_SENT,	/* FIN sent to the guest after all data */
	TCP_TAP_FIN_ACKED,	/* the guest acknowledged our FIN */
	TCP_RESET,		/* aborted: RST either way, error, or timeout */
	TCP_FACT_COUNT
};

#define TCP_FACT(f_)	((uint16_t)(1U << (f_)))

_Static_assert(TCP_FACT_COUNT <= 16, "tcp facts must fit uint16_t");

/*
 * enum tcp_state - RFC 9293 state names, derived from facts (tcp_state()),
 * as the guest's peer: we are the endpoint the guest talks TCP to.
 */
enum tcp_state {
	TCP_STATE_SYN_SENT = 0,	/* inbound: our SYN to the guest unanswered */
	TCP_STATE_SYN_RCVD,	/* outbound: guest SYN seen, handshake open */
	TCP_STATE_ESTABLISHED,
	TCP_STATE_FIN_WAIT_1,	/* host closed, our FIN to guest unacked */
	TCP_STATE_FIN_WAIT_2,	/* host closed, FIN acked, guest still sends */
	TCP_STATE_CLOSE_WAIT,	/* guest closed, host data still flows */
	TCP_STATE_LAST_ACK,	/* both closed, our FIN to guest unacked */
	TCP_STATE_CLOSED,	/* both closed and acked, or reset */
	TCP_STATE_COUNT
};

/**
 * struct tcp_conn - One TCP connection: guest-side TCP, host socket
 * @f:		Common flow header
 * @sock:	Host socket, -1 once closed
 * @facts:	TCP_FACT() bits
 * @inbound:	Created from a -t listener (we sent the first SYN)
 * @epoll_on:	@sock is registered with epoll
 * @recovering:	In fast recovery (RFC 6582) until snd_una passes snd_recover
 * @wnd_low:	Less than a quarter of the socket send buffer is free
 * @ka_sent:	A keepalive is out: the guest's answer is no duplicate ACK
 * @sock_full:	The socket refused guest data: wait for EPOLLOUT, then ask
 *		the guest to resend
 * @sock_drained:	The last peek got less than it asked for: new host data
 *		will come with EPOLLIN, an ACK alone need not peek again
 * @wnd_cached:	@rcv_wnd still holds: no guest data written and no
 *		EPOLLOUT since the socket's free space was last queried
 * @tap_blocked:	Host data waits for room toward the guest (tap_room()):
 *		tcp_tap_room() resumes sending
 * @sock_rdhup:	EPOLLRDHUP seen: the peer's FIN is in the socket, and no
 *		further EPOLLIN edge will announce it, peek on every ACK
 * @ack_delayed:	Guest data is not acknowledged yet: the next segment
 *		toward the guest carries the ACK, or tcp_delack_flush() sends
 *		it (tcp_ack_delay())
 * @epoll_events:	Events @sock is registered for
 * @ws_snd:	Guest's window scale: shift for windows the guest sends
 * @ws_rcv:	Our window scale: shift for windows we advertise
 * @dup_acks:	Consecutive duplicate ACKs from the guest
 * @retrans:	Consecutive retransmission timeouts
 * @mss:	Largest payload per segment toward the guest, bytes
 * @delack_gen:	Counts delayed ACKs, to match the latest one's entry in the
 *		delayed-ACK ring (tcp_from_guest.c)
 * @snd_una:	Oldest sequence number toward the guest not yet acked
 * @snd_nxt:	Next sequence number we send to the guest
 * @snd_max:	Highest sequence number sent so far (>= @snd_nxt)
 * @snd_wnd:	Guest's receive window, bytes, scaled
 * @snd_fin:	Sequence number of our FIN, if TCP_TAP_FIN_SENT
 * @snd_recover:	Highest sequence number sent at the last retransmission
 *		(RFC 6582 "recover"): no new fast retransmit until acked
 * @isn:	Our initial sequence number toward the guest
 * @rcv_nxt:	Next sequence number expected from the guest
 * @rcv_wnd:	Window last advertised to the guest, bytes
 * @rto_ms:	Current retransmission timeout, milliseconds
 * @deadline_ms:	Per-flow deadline (RTO, SYN), 0 if none
 * @heap_pos:	Position in the deadline heap + 1, 0 if not in it
 */
struct tcp_conn {
	struct flow_common f;
	int sock;
	uint16_t facts;
	uint8_t inbound:1;
	uint8_t epoll_on:1;
	uint8_t recovering:1;
	uint8_t sock_full:1;
	uint8_t wnd_low:1;
	uint8_t ka_sent:1;
	uint8_t sock_drained:1;
	uint8_t wnd_cached:1;
	uint8_t tap_blocked:1;
	uint8_t sock_rdhup:1;
	uint8_t ack_delayed:1;
	uint32_t epoll_events;
	uint8_t ws_snd;
	uint8_t ws_rcv;
	uint8_t dup_acks;
	uint8_t retrans;
	uint16_t mss;
	uint8_t delack_gen;
	uint32_t snd_una;
	uint32_t snd_nxt;
	uint32_t snd_max;
	uint32_t snd_wnd;
	uint32_t snd_fin;
	uint32_t snd_recover;
	uint32_t isn;
	uint32_t rcv_nxt;
	uint32_t rcv_wnd;
	uint32_t rto_ms;
	uint64_t deadline_ms;
	uint32_t heap_pos;
};

/* Sequence number arithmetic, RFC 9293 §3.4 (modulo 2^32) */
#define TCP_SEQ_LT(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define TCP_SEQ_LE(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define TCP_SEQ_GT(a, b)	TCP_SEQ_LT(b, a)
#define TCP_SEQ_GE(a, b)	TCP_SEQ_LE(b, a)

#endif /* TCP_CONN_H */
