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
 * TCP_FACTS - The transition table: what has happened on a connection, one
 * bit each, and how each bit comes to be set
 *
 * A bit is set once and never cleared, and means the same thing for the
 * whole life of the connection. tcp_state() derives the RFC 9293 state name
 * from the set. This list is the one copy of the table: it generates enum
 * tcp_fact, the names in logs, what tcp_facts_next() requires before
 * setting each bit (tcp.c), and the table in doc/tcp.md, which
 * test/unit/tcp.c renders from it and compares. Columns:
 *   X(name, meaning, set by (event), requires (facts), then (what follows))
 */
#define TCP_REQ_(f_)	TCP_FACT(TCP_##f_)
#define TCP_FACTS(X)							\
	X(GUEST_SYN,							\
	  "SYN (outbound) or SYN-ACK (inbound) received from the guest", \
	  "guest SYN, or SYN-ACK", 0,					\
	  "outbound: connect()")					\
	X(SOCK_CONNECTED,						\
	  "host handshake done: connect() completed, or accept()",	\
	  "connect() done, accept()", 0,				\
	  "SYN-ACK (outbound) or SYN (inbound) to the guest")		\
	X(TAP_SYN_SENT,							\
	  "our SYN-ACK (outbound) or SYN (inbound) sent to the guest",	\
	  "SYN(-ACK) sent", TCP_REQ_(SOCK_CONNECTED),			\
	  "retransmission timer armed")					\
	X(TAP_SYN_ACKED,						\
	  "the guest acknowledged our SYN",				\
	  "guest ACKs our SYN",						\
	  TCP_REQ_(TAP_SYN_SENT) | TCP_REQ_(GUEST_SYN),			\
	  "data flows both ways")					\
	X(GUEST_FIN,							\
	  "the guest's FIN accepted (in order, after all its data)",	\
	  "guest FIN", TCP_REQ_(TAP_SYN_ACKED),				\
	  "ACK it; shutdown(SHUT_WR) the socket")			\
	X(SOCK_SHUT_WR,							\
	  "shutdown(SHUT_WR) done on the socket",			\
	  "shutdown(SHUT_WR)", TCP_REQ_(GUEST_FIN),			\
	  "keep relaying host data")					\
	X(SOCK_EOF,							\
	  "end of stream read from the socket",				\
	  "socket EOF", TCP_REQ_(SOCK_CONNECTED),			\
	  "FIN to the guest after the data")				\
	X(TAP_FIN_SENT,							\
	  "FIN sent to the guest, after all host data",			\
	  "FIN to guest", TCP_REQ_(SOCK_EOF) | TCP_REQ_(TAP_SYN_ACKED),	\
	  "keep relaying guest data")					\
	X(TAP_FIN_ACKED,						\
	  "the guest acknowledged our FIN",				\
	  "guest ACKs our FIN", TCP_REQ_(TAP_FIN_SENT),			\
	  "-")								\
	X(RESET,							\
	  "aborted: RST from either side, socket error, or timeout",	\
	  "RST, error, timeout", 0,					\
	  "RST to the other side; close at once")

/* enum tcp_fact - One bit each, from TCP_FACTS */
#define TCP_FACT_ENUM_(name, meaning, event, requires, then)	TCP_##name,
enum tcp_fact {
	TCP_FACTS(TCP_FACT_ENUM_)
	TCP_FACT_COUNT
};
#undef TCP_FACT_ENUM_

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
 * @sack_ok:	SACK permitted both ways (RFC 2018 §2): our ACKs carry
 *		SACK blocks for data held in tcp_ooo.c
 * @rtt_on:	A round-trip sample is running (@rtt_seq, @rtt_ts_ms)
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
 * @ooo_head:	First chunk of guest data held beyond rcv_nxt (tcp_ooo.c),
 *		index + 1, 0 if none
 * @ooo_tail:	Last such chunk, index + 1, 0 if none
 * @rtt_seq:	Sequence number whose acknowledgment ends the running round
 *		trip sample (snd_max when it started)
 * @rtt_ts_ms:	When that sample started, low 32 bits of milliseconds
 * @rcv_adv:	Right edge of the window we advertised last (rcv_nxt then +
 *		window): guest data past it is not kept (tcp_ooo.c)
 * @snd_rexmit:	In recovery, where the search for the next hole to resend
 *		starts (RFC 6675 §4 NextSeg(), from the guest's SACK blocks)
 * @srtt8:	Smoothed round-trip time toward the guest, 1/8 ms (RFC 6298)
 * @rttvar4:	Its variation, 1/4 ms; both 0 before the first sample
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
	uint8_t sack_ok:1;
	uint8_t rtt_on:1;
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
	uint16_t ooo_head;
	uint16_t ooo_tail;
	uint32_t rtt_seq;
	uint32_t rtt_ts_ms;
	uint32_t snd_rexmit;
	uint32_t rcv_adv;
	uint16_t srtt8;
	uint16_t rttvar4;
};

/* Sequence number arithmetic, RFC 9293 §3.4 (modulo 2^32) */
#define TCP_SEQ_LT(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define TCP_SEQ_LE(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define TCP_SEQ_GT(a, b)	TCP_SEQ_LT(b, a)
#define TCP_SEQ_GE(a, b)	TCP_SEQ_LE(b, a)

#endif /* TCP_CONN_H */
