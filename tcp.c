/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcp.c - TCP translation between guest segments and host sockets: the
 * connection's life (facts, deadlines, opening, closing, events, accepting)
 */

/**
 * DOC: Theory of operation
 *
 * Every guest TCP connection is one flow (struct tcp_conn in tcp_conn.h) and
 * one host socket. We speak TCP to the guest; the host side is an ordinary
 * kernel socket, so data we hold stays in kernel buffers: host data is read
 * with MSG_PEEK and only discarded from the socket once the guest has
 * acknowledged it, and guest data is acknowledged only once the socket took
 * it.
 *
 * Files: the TCP code is split by concern, and the files share
 * tcp_internal.h (nothing else includes it):
 * - tcp.c: the connection's life: facts and derived state, the deadline
 *   heap behind the timerfd, epoll interest, opening (connect(), accept()),
 *   closing and resetting, socket and timer events, sweep ticks, accepting
 *   on the -t listeners (opened by listen.c);
 * - tcp_to_guest.c: segments toward the guest: headers, control segments,
 *   host data peeked from the socket, windows, retransmission;
 * - tcp_from_guest.c: segments from the guest: parsing, batching, ACK
 *   processing, delayed ACKs, writing to the socket.
 *
 * Outbound: guest SYN -> flow, non-blocking connect() to the translated
 * destination (fwd_guest_to_host()); SYN-ACK to the guest only when the
 * connect completes, RST if it fails. Inbound (-t): accept() on a listener,
 * then SYN to the guest from the peer's address (fwd_host_to_guest());
 * nothing but the handshake is sent to the guest before it answers.
 *
 * Facts and states: one bit per fact (enum tcp_fact); tcp_state() derives
 * the RFC 9293 name; tcp_conn_fact() is the only place facts change: it
 * checks the row is legal (tcp_facts_next()), logs old -> new state, and
 * updates epoll interest, the deadline, and closes when the connection is
 * done. The table is TCP_FACTS in tcp_conn.h, its one copy: the names,
 * what each fact requires and doc/tcp.md's table all come from it. When
 * GUEST_FIN, SOCK_SHUT_WR, SOCK_EOF and TAP_FIN_ACKED all hold, the socket
 * is closed in order and the flow freed.
 *
 * Data paths and retransmission: see tcp_to_guest.c and tcp_from_guest.c.
 *
 * Timers: per-flow deadlines (SYN and data retransmission, RFC 6298 RTO: 1 s
 * initial, doubled per timeout, TCP_RETRANS_MAX tries, then RST, except
 * that a lone FIN is resent every TCP_RTO_MAX_MS until the closing clock
 * reaps the flow; zero-window probes; connect timeout) live in one binary
 * min-heap behind one timerfd, so a flow costs one file descriptor.
 * Retransmission rewinds the peek offset to the oldest unacknowledged byte.
 * Coarse limits are clock sweeps in flow.c (no per-flow timer):
 * tcp_flow_tick() acts on the marks that fired: keepalive toward a silent
 * guest, inactivity reset, closing-timeout reset (tcp_tick_action()).
 *
 * Limits: flow_limit() flows; TCP_ACCEPT_BATCH accept() calls per listener
 * event.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "flow.h"
#include "fwd.h"
#include "listen.h"
#include "log.h"
#include "ctx.h"
#include "tap.h"
#include "tcp.h"
#include "tcp_splice.h"
#include "tcp_internal.h"
#include "util.h"

#define TCP_RTO_MAX_MS		60000	/* RFC 6298 §2.5 upper bound */
#define TCP_RETRANS_MAX		8	/* timeouts in a row, then RST */
#define TCP_SYN_RETRIES		6	/* SYN/SYN-ACK timeouts, then give up */
#define TCP_CONNECT_TIMEOUT_MS	30000	/* host connect() in progress */
#define TCP_MSS_DEFAULT4	536	/* RFC 9293 §3.7.1 */
#define TCP_MSS_DEFAULT6	1220	/* RFC 8200 §5: 1280 - 60 */
#define TCP_ACCEPT_BATCH	64	/* accept() calls per listener event */

static int tcp_timer_fd = -1;

struct tcp_stats tcp_stats;
static uint64_t tcp_timer_armed_ms;
static uint32_t tcp_heap[FLOW_MAX];	/* flow indices, min-heap by deadline */
static unsigned int tcp_heap_n;

static uint8_t tcp_isn_key[16];

static const char *const tcp_state_names[] = {
	[TCP_STATE_SYN_SENT]	= "SYN_SENT",
	[TCP_STATE_SYN_RCVD]	= "SYN_RCVD",
	[TCP_STATE_ESTABLISHED]	= "ESTABLISHED",
	[TCP_STATE_FIN_WAIT_1]	= "FIN_WAIT_1",
	[TCP_STATE_FIN_WAIT_2]	= "FIN_WAIT_2",
	[TCP_STATE_CLOSE_WAIT]	= "CLOSE_WAIT",
	[TCP_STATE_LAST_ACK]	= "LAST_ACK",
	[TCP_STATE_CLOSED]	= "CLOSED",
};
_Static_assert(ARRAY_SIZE(tcp_state_names) == TCP_STATE_COUNT,
	       "tcp_state_names must name every state");

/* Fact names and what each requires, from the one table (TCP_FACTS) */
#define TCP_FACT_NAME_(name, meaning, event, requires, then)		\
	[TCP_##name] = #name,
static const char *const tcp_fact_names[] = {
	TCP_FACTS(TCP_FACT_NAME_)
};
#undef TCP_FACT_NAME_

#define TCP_FACT_REQ_(name, meaning, event, requires, then)		\
	[TCP_##name] = (requires),
static const uint16_t tcp_fact_requires[] = {
	TCP_FACTS(TCP_FACT_REQ_)
};
#undef TCP_FACT_REQ_

/**
 * tcp_state() - Derive the RFC 9293 state name from the facts
 * @facts:	TCP_FACT() bits
 *
 * Context: pure.
 * Return: state
 */
enum tcp_state tcp_state(uint16_t facts)
{
	bool gfin = facts & TCP_FACT(TCP_GUEST_FIN);
	bool fsent = facts & TCP_FACT(TCP_TAP_FIN_SENT);
	bool facked = facts & TCP_FACT(TCP_TAP_FIN_ACKED);

	if (facts & TCP_FACT(TCP_RESET))
		return TCP_STATE_CLOSED;
	if (!(facts & TCP_FACT(TCP_TAP_SYN_ACKED)))
		return (facts & TCP_FACT(TCP_GUEST_SYN)) ?
		       TCP_STATE_SYN_RCVD : TCP_STATE_SYN_SENT;
	if (!gfin && !fsent)
		return TCP_STATE_ESTABLISHED;
	if (!gfin)
		return facked ? TCP_STATE_FIN_WAIT_2 : TCP_STATE_FIN_WAIT_1;
	if (!fsent)
		return TCP_STATE_CLOSE_WAIT;
	return facked ? TCP_STATE_CLOSED : TCP_STATE_LAST_ACK;
}

/**
 * tcp_state_name() - Name of a derived state
 * @state:	State
 *
 * Return: constant string
 */
const char *tcp_state_name(enum tcp_state state)
{
	return state < TCP_STATE_COUNT ? tcp_state_names[state] : "?";
}

/**
 * tcp_flow_state_str() - Name of a connection's current state, for logs
 * @flow:	Flow of a connection (struct flow_ops)
 *
 * Return: constant string
 */
static const char *tcp_flow_state_str(const union flow *flow)
{
	return tcp_state_name(tcp_state(flow->tcp.facts));
}

/**
 * tcp_facts_next() - Set one fact, if the transition table allows it
 * @facts:	Current facts
 * @fact:	Fact to set
 * @next:	Resulting facts, output
 *
 * A fact is set once: setting it again, or before what it requires, is
 * refused. RESET may be set at any time but once.
 *
 * Context: pure.
 * Return: 0 on success, -EINVAL if the row is not legal
 */
int tcp_facts_next(uint16_t facts, enum tcp_fact fact, uint16_t *next)
{
	uint16_t req;

	if (fact >= TCP_FACT_COUNT || (facts & TCP_FACT(fact)))
		return -EINVAL;
	if ((facts & TCP_FACT(TCP_RESET)))
		return -EINVAL;
	req = tcp_fact_requires[fact];
	if ((facts & req) != req)
		return -EINVAL;
	*next = facts | TCP_FACT(fact);
	return 0;
}

/* Timer heap ------------------------------------------------------------- */

/**
 * tcp_heap_conn() - Connection at a heap position
 * @pos:	Position, 0-based
 *
 * Return: connection
 */
static struct tcp_conn *tcp_heap_conn(unsigned int pos)
{
	return &flowtab[tcp_heap[pos]].tcp;
}

/**
 * tcp_heap_swap() - Swap two heap positions, keeping back-references
 * @a:		Position
 * @b:		Position
 */
static void tcp_heap_swap(unsigned int a, unsigned int b)
{
	uint32_t t = tcp_heap[a];

	tcp_heap[a] = tcp_heap[b];
	tcp_heap[b] = t;
	tcp_heap_conn(a)->heap_pos = a + 1;
	tcp_heap_conn(b)->heap_pos = b + 1;
}

/**
 * tcp_heap_fix() - Restore heap order around one position
 * @pos:	Position whose key changed
 */
static void tcp_heap_fix(unsigned int pos)
{
	while (pos > 0) {
		unsigned int parent = (pos - 1) / 2;

		if (tcp_heap_conn(pos)->deadline_ms >=
		    tcp_heap_conn(parent)->deadline_ms)
			break;
		tcp_heap_swap(pos, parent);
		pos = parent;
	}
	for (;;) {
		unsigned int l = 2 * pos + 1, r = l + 1, m = pos;

		if (l < tcp_heap_n && tcp_heap_conn(l)->deadline_ms <
				      tcp_heap_conn(m)->deadline_ms)
			m = l;
		if (r < tcp_heap_n && tcp_heap_conn(r)->deadline_ms <
				      tcp_heap_conn(m)->deadline_ms)
			m = r;
		if (m == pos)
			break;
		tcp_heap_swap(pos, m);
		pos = m;
	}
}

/**
 * tcp_timer_arm() - Arm the timerfd if the earliest deadline is before it
 *
 * The timerfd is only ever moved earlier: a deadline that moves later or
 * goes away (every acknowledgment restarts or clears the RTO) leaves it
 * armed, and tcp_timer_handler() then finds nothing due and arms it for the
 * real earliest deadline. That costs one early wake-up per RTO period instead
 * of two timerfd_settime() calls per request/response exchange.
 *
 * #syscalls timerfd_settime
 */
void tcp_timer_arm(void)
{
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };
	uint64_t when = tcp_heap_n ? tcp_heap_conn(0)->deadline_ms : 0;
	uint64_t delack_ms = tcp_delack_deadline_ms();

	if (delack_ms && (!when || delack_ms < when))
		when = delack_ms;

	if (!when || tcp_timer_fd < 0 ||
	    (tcp_timer_armed_ms && tcp_timer_armed_ms <= when))
		return;
	tcp_timer_armed_ms = when;
	its.it_value.tv_sec = (time_t)(when / 1000);
	its.it_value.tv_nsec = (long)(when % 1000) * 1000000;
	if (timerfd_settime(tcp_timer_fd, TFD_TIMER_ABSTIME, &its, NULL))
		log_err("TCP timerfd_settime: %s", strerror(errno));
}

/**
 * tcp_timer_set() - Set, move or clear a connection's deadline
 * @conn:	Connection
 * @deadline_ms:	Absolute time, milliseconds, 0 to clear
 */
void tcp_timer_set(struct tcp_conn *conn, uint64_t deadline_ms)
{
	if (!deadline_ms) {
		if (conn->heap_pos) {
			unsigned int pos = conn->heap_pos - 1;

			if (pos != tcp_heap_n - 1)
				tcp_heap_swap(pos, tcp_heap_n - 1);
			tcp_heap_n--;
			conn->heap_pos = 0;
			conn->deadline_ms = 0;
			if (pos < tcp_heap_n)
				tcp_heap_fix(pos);
		}
		conn->deadline_ms = 0;
		tcp_timer_arm();
		return;
	}
	conn->deadline_ms = deadline_ms;
	if (!conn->heap_pos) {
		tcp_heap[tcp_heap_n] = flow_idx(tcp_cflow(conn));
		conn->heap_pos = ++tcp_heap_n;
	}
	tcp_heap_fix(conn->heap_pos - 1);
	tcp_timer_arm();
}

/* Epoll interest, closing, transitions ----------------------------------- */

/**
 * tcp_epoll_update() - Register the socket for the events we need now
 * @c:		Execution context
 * @conn:	Connection
 *
 * Edge-triggered: EPOLLIN stays ready while unacknowledged data sits in
 * the socket, so level triggering would spin. An event says new data (or
 * EOF) arrived; guest ACKs and window updates drive further sending
 * (tcp_batch_flush()), and the retransmission timer drives resending.
 * EPOLLOUT while connecting, or while our window to the guest is short of
 * one segment (to send a window update once the socket drains); EPOLLIN
 * from the end of connect() to the close: before the guest completes the
 * handshake, tcp_data_to_guest() ignores it and the handshake's end peeks
 * anyway; after the peer's FIN, edge triggering reports nothing new. So a
 * connection changes its registration once, not at every step. The socket
 * stays registered until closed, so that a reset from the host peer is seen
 * in any state (edge-triggered EPOLLHUP does not repeat).
 *
 * #syscalls epoll_ctl
 */
void tcp_epoll_update(const struct ctx *c, struct tcp_conn *conn)
{
	union epoll_ref ref = { .type = EPOLL_TYPE_TCP,
				.idx = flow_idx(tcp_cflow(conn)),
				.fd = conn->sock };
	uint32_t ev = 0;

	if (conn->sock < 0)
		return;
	if (!tcp_has(conn, TCP_SOCK_CONNECTED)) {
		ev = EPOLLOUT;
	} else {
		ev = EPOLLIN;
		if (tcp_has(conn, TCP_TAP_SYN_ACKED) &&
		    !tcp_has(conn, TCP_GUEST_FIN) &&
		    (conn->wnd_low || conn->sock_full))
			ev |= EPOLLOUT;
	}

	ev |= EPOLLET | EPOLLRDHUP;	/* errors and resets, always */
	if (conn->epoll_on && ev == conn->epoll_events)
		return;
	if (conn->epoll_on ? util_epoll_mod(c->epollfd, conn->sock, ev, ref) :
			     util_epoll_add(c->epollfd, conn->sock, ev, ref)) {
		flow_log(tcp_cflow(conn), LOG_ERR, "epoll_ctl: %s",
			 strerror(errno));
		return;
	}
	conn->epoll_on = 1;
	conn->epoll_events = ev;
}

/**
 * tcp_sock_abort() - Close a socket with a reset (SO_LINGER 0)
 * @s:		Socket
 *
 * #syscalls setsockopt close
 */
static void tcp_sock_abort(int s)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(s, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(s);
}

/**
 * tcp_conn_close() - Close the socket and finish the flow
 * @conn:	Connection
 * @abort:	Reset the host side (SO_LINGER 0) instead of an orderly close
 *
 * close() takes the socket out of the epoll set (it has no other descriptor):
 * no EPOLL_CTL_DEL first. Events already returned for it are dropped by
 * tcp_sock_handler(), which checks the flow and the descriptor.
 *
 * #syscalls close
 */
static void tcp_conn_close(struct tcp_conn *conn, bool abort)
{
	tcp_timer_set(conn, 0);
	tcp_ooo_free(conn);
	if (conn->sock >= 0) {
		if (abort)
			tcp_sock_abort(conn->sock);
		else
			close(conn->sock);
		conn->sock = -1;
	}
	conn->epoll_on = 0;
	flow_log(tcp_cflow(conn), LOG_DEBUG, "closed%s, %llu bytes to host, "
		 "%llu to guest", abort ? " (reset)" : "",
		 (unsigned long long)conn->f.bytes[FLOW_SIDE_TAP],
		 (unsigned long long)conn->f.bytes[FLOW_SIDE_SOCK]);
	flow_close(tcp_flow(conn));
}

/**
 * tcp_conn_done() - Both directions finished and our FIN acknowledged?
 * @conn:	Connection
 *
 * Return: true if the connection can be closed in order
 */
static bool tcp_conn_done(const struct tcp_conn *conn)
{
	const uint16_t all = TCP_FACT(TCP_GUEST_FIN) |
			     TCP_FACT(TCP_SOCK_SHUT_WR) |
			     TCP_FACT(TCP_SOCK_EOF) |
			     TCP_FACT(TCP_TAP_FIN_ACKED);

	return (conn->facts & all) == all;
}

/**
 * tcp_conn_fact() - The one place facts change: check, log, follow up
 * @c:		Execution context
 * @conn:	Connection
 * @fact:	Fact that became true
 *
 * A transition the table (TCP_FACTS) does not allow is a bug of ours:
 * callers check what the guest or the socket said before they set a fact,
 * so nothing from outside can make one illegal.
 *
 * Return: true if the connection is gone (reset, or done and closed): the
 * caller must not touch @conn again; false if it goes on
 */
bool tcp_conn_fact(struct ctx *c, struct tcp_conn *conn, enum tcp_fact fact)
{
	enum tcp_state old = tcp_state(conn->facts);
	uint16_t next;

	if (tcp_facts_next(conn->facts, fact, &next)) {
		flow_log(tcp_cflow(conn), LOG_ERR, "%s not allowed now",
			 tcp_fact_names[fact]);
		ASSERT(0);
	}
	conn->facts = next;
	if (old != tcp_state(next))
		flow_log(tcp_cflow(conn), LOG_DEBUG, "%s: %s -> %s",
			 tcp_fact_names[fact], tcp_state_name(old),
			 tcp_state_name(tcp_state(next)));
	else
		flow_log(tcp_cflow(conn), LOG_TRACE, "%s",
			 tcp_fact_names[fact]);

	if (fact == TCP_RESET) {
		tcp_conn_close(conn, true);
		return true;
	}
	if (tcp_conn_done(conn)) {
		tcp_conn_close(conn, false);
		return true;
	}
	tcp_epoll_update(c, conn);
	return false;
}

/**
 * tcp_conn_reset() - Abort: RST to the guest (if it knows us), reset socket
 * @c:		Execution context
 * @conn:	Connection
 * @why:	Reason, for the log
 */
void tcp_conn_reset(struct ctx *c, struct tcp_conn *conn,
		    const char *why)
{
	flow_log(tcp_cflow(conn), LOG_DEBUG, "reset: %s", why);
	if (tcp_has(conn, TCP_GUEST_SYN) || tcp_has(conn, TCP_TAP_SYN_SENT))
		tcp_send_ctl(c, conn, TCP_RST | TCP_ACK, conn->snd_nxt);
	tcp_conn_fact(c, conn, TCP_RESET);
}

/* Opening: connect(), handshake with the guest --------------------------- */

/**
 * tcp_set_mss() - MSS toward the guest from its option and our MTU
 * @c:		Execution context
 * @conn:	Connection
 * @opt:	Guest's MSS option, 0 if absent
 */
void tcp_set_mss(const struct ctx *c, struct tcp_conn *conn,
		 uint16_t opt)
{
	unsigned int mtu_mss = (unsigned int)c->mtu - (tcp_is_v4(conn) ?
							40 : 60);

	if (!opt)
		opt = tcp_is_v4(conn) ? TCP_MSS_DEFAULT4 : TCP_MSS_DEFAULT6;
	conn->mss = (uint16_t)MIN(MAX(opt, 64U), mtu_mss);
}

/**
 * tcp_isn() - Initial sequence number, RFC 6528
 * @tap:	Tap side of the connection
 * @now_ms:	Current time, milliseconds
 *
 * ISN = M + F(addresses, ports, secret): M a 4 microsecond clock, F keyed
 * SipHash.
 *
 * Return: ISN
 */
static uint32_t tcp_isn(const struct flow_side *tap, uint64_t now_ms)
{
	uint8_t in[2 * sizeof(union inany_addr) + 4];

	memcpy(in, &tap->ep_addr, sizeof(union inany_addr));
	memcpy(in + 16, &tap->our_addr, sizeof(union inany_addr));
	util_put_be16(in + 32, tap->ep_port);
	util_put_be16(in + 34, tap->our_port);
	return (uint32_t)flow_siphash(tcp_isn_key, in, sizeof(in)) +
	       (uint32_t)(now_ms * 250);
}

/**
 * tcp_sock_connected() - Host handshake done: record it, greet the guest
 * @c:		Execution context
 * @conn:	Connection
 * @now_ms:	Current time, milliseconds
 *
 * Return: true if the connection is gone (closed)
 *
 * #syscalls getsockname
 */
static bool tcp_sock_connected(struct ctx *c, struct tcp_conn *conn,
			      uint64_t now_ms)
{
	struct sockaddr_storage sa;
	socklen_t sl = sizeof(sa);

	memset(&sa, 0, sizeof(sa));
	if (!getsockname(conn->sock, (struct sockaddr *)&sa, &sl))
		inany_from_sockaddr(&sa,
				&conn->f.side[FLOW_SIDE_SOCK].our_addr,
				&conn->f.side[FLOW_SIDE_SOCK].our_port);
	if (tcp_conn_fact(c, conn, TCP_SOCK_CONNECTED))
		return true;
	tcp_update_rcv_wnd(conn);
	conn->snd_nxt = conn->isn + 1;
	conn->snd_max = conn->snd_nxt;
	tcp_send_ctl(c, conn, conn->inbound ? TCP_SYN :
			      (TCP_SYN | TCP_ACK), conn->isn);
	conn->rto_ms = TCP_RTO_INIT_MS;
	/* The handshake's round trip is the first sample (RFC 6298 §2.2): a
	 * loss early in the first flight then costs TCP_RTO_MIN_MS, not the
	 * initial second
	 */
	conn->rtt_seq = conn->isn + 1;
	conn->rtt_ts_ms = (uint32_t)now_ms;
	conn->rtt_on = 1;
	tcp_timer_set(conn, now_ms + conn->rto_ms);
	return tcp_conn_fact(c, conn, TCP_TAP_SYN_SENT);
}

/**
 * tcp_connect_result() - An outbound connect() completed or failed
 * @c:		Execution context
 * @conn:	Connection, not yet SOCK_CONNECTED
 * @err:	0 if connected, else the error
 * @now_ms:	Current time, milliseconds
 *
 * #syscalls setsockopt
 */
static void tcp_connect_result(struct ctx *c, struct tcp_conn *conn, int err,
			       uint64_t now_ms)
{
	if (err) {
		flow_log(tcp_cflow(conn), LOG_DEBUG, "connect: %s",
			 strerror(err));
		tcp_conn_reset(c, conn, "connect failed");
		return;
	}
	if (tcp_peek_off_supported()) {
		int zero = 0;

		setsockopt(conn->sock, SOL_SOCKET, SO_PEEK_OFF, &zero,
			   sizeof(zero));
	}
	tcp_sock_connected(c, conn, now_ms);
}

/**
 * tcp_conn_from_guest() - Guest SYN without a flow: connect to the host side
 * @c:		Execution context
 * @tap:	Tap side from the segment
 * @seg:	The SYN
 * @now_ms:	Current time, milliseconds
 *
 * #syscalls socket connect close
 */
void tcp_conn_from_guest(struct ctx *c, const struct flow_side *tap,
			 const struct tcp_seg *seg, uint64_t now_ms)
{
	union inany_addr host, any;
	struct sockaddr_storage sa;
	struct tcp_conn *conn;
	union flow *flow;
	socklen_t sl;
	int s, dns, err;

	dns = fwd_dns_redirect(c, &tap->our_addr, tap->our_port, &host);
	if (dns < 0 ||
	    (!dns && !fwd_guest_to_host(c, &tap->our_addr, &host))) {
		tcp_rst_reply(c, tap, seg);
		return;
	}
	flow = flow_alloc(FLOW_TCP, now_ms);
	if (!flow) {
		log_ratelimit(LOG_WARNING, now_ms, "TCP: flow table full "
			      "(%u flows), refusing connection", flow_limit());
		tcp_rst_reply(c, tap, seg);
		return;
	}
	conn = &flow->tcp;
	conn->sock = -1;
	memset(&any, 0, sizeof(any));
	flow_set_side(flow, FLOW_SIDE_TAP, &tap->ep_addr, tap->ep_port,
		      &tap->our_addr, tap->our_port);
	flow_set_side(flow, FLOW_SIDE_SOCK, &host, tap->our_port, &any, 0);
	if (flow_hash_insert(flow)) {
		flow_cancel(flow);
		return;
	}

	s = socket(inany_is_v4(&host) ? AF_INET : AF_INET6,
		   SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (s < 0) {
		log_ratelimit(LOG_WARNING, now_ms, "TCP: socket: %s",
			      strerror(errno));
		tcp_rst_reply(c, tap, seg);
		flow_cancel(flow);
		return;
	}
	sl = inany_to_sockaddr(&host, tap->our_port, &sa);
	if ((err = flow_sock_outbound(c, s, &host))) {
		flow_log(flow, LOG_DEBUG, "outbound binding: %s",
			 strerror(-err));
		tcp_rst_reply(c, tap, seg);
		close(s);
		flow_cancel(flow);
		return;
	}
	if (connect(s, (struct sockaddr *)&sa, sl) && errno != EINPROGRESS) {
		flow_log(flow, LOG_DEBUG, "connect: %s", strerror(errno));
		tcp_rst_reply(c, tap, seg);
		close(s);
		flow_cancel(flow);
		return;
	}

	conn->rcv_nxt = seg->seq + 1;
	conn->isn = tcp_isn(tap, now_ms);
	conn->snd_una = conn->snd_nxt = conn->snd_max = conn->isn;
	conn->snd_recover = conn->isn;
	conn->snd_wnd = seg->wnd;		/* unscaled in a SYN */
	conn->sack_ok = seg->sack_ok;		/* we answer with ours */
	tcp_set_mss(c, conn, seg->mss);
	if (seg->ws >= 0) {
		conn->ws_snd = (uint8_t)seg->ws;
		conn->ws_rcv = TCP_WS_OURS;
	}
	conn->rto_ms = TCP_RTO_INIT_MS;
	flow_activate(flow);
	tcp_conn_fact(c, conn, TCP_GUEST_SYN);	/* no socket yet: no epoll */
	tcp_timer_set(conn, now_ms + TCP_CONNECT_TIMEOUT_MS);
	conn->sock = s;

	/* A peer on this host (loopback, or a namespace behind a veth) took
	 * the SYN and answered it in the softirq of connect() itself: asking
	 * again costs one call, where waiting costs an epoll round, the
	 * SO_ERROR query and a change of the epoll registration
	 */
	err = connect(s, (struct sockaddr *)&sa, sl) ? errno : 0;
	if (err == EALREADY || err == EINPROGRESS)
		tcp_epoll_update(c, conn);	/* EPOLLOUT, connect pending */
	else
		tcp_connect_result(c, conn, err == EISCONN ? 0 : err, now_ms);
}

/**
 * tcp_sock_writable_connect() - Connect completed or failed
 * @c:		Execution context
 * @conn:	Connection, not yet SOCK_CONNECTED
 * @now_ms:	Current time, milliseconds
 *
 * #syscalls getsockopt
 */
static void tcp_sock_writable_connect(struct ctx *c, struct tcp_conn *conn,
				      uint64_t now_ms)
{
	int err = 0;
	socklen_t sl = sizeof(err);

	if (getsockopt(conn->sock, SOL_SOCKET, SO_ERROR, &err, &sl))
		err = errno;
	tcp_connect_result(c, conn, err, now_ms);
}

/* Socket and timer events ------------------------------------------------ */

/**
 * tcp_sock_handler() - Events on a flow's host socket
 * @c:		Execution context
 * @ref:	epoll reference
 * @events:	epoll events
 * @now_ms:	Current time, milliseconds
 *
 * #syscalls getsockopt
 */
void tcp_sock_handler(struct ctx *c, union epoll_ref ref, uint32_t events,
		      uint64_t now_ms)
{
	union flow *flow = flow_at(ref.idx);
	struct tcp_conn *conn;

	if (!flow || !flow_is_active(flow) || flow->f.type != FLOW_TCP ||
	    flow->tcp.sock != ref.fd)
		return;
	conn = &flow->tcp;

	if (!tcp_has(conn, TCP_SOCK_CONNECTED)) {
		tcp_sock_writable_connect(c, conn, now_ms);
		return;
	}
	if (events & EPOLLERR) {
		int err = 0;
		socklen_t sl = sizeof(err);

		getsockopt(conn->sock, SOL_SOCKET, SO_ERROR, &err, &sl);
		tcp_conn_reset(c, conn, err ? strerror(err) : "socket error");
		return;
	}
	if (events & EPOLLRDHUP)
		conn->sock_rdhup = 1;
	if (events & EPOLLIN) {
		conn->sock_drained = 0;
		tcp_data_to_guest(c, conn, now_ms);
		if (!flow_is_active(flow))
			return;
	}
	if ((events & EPOLLOUT) && !tcp_has(conn, TCP_GUEST_FIN)) {
		uint32_t old = conn->rcv_wnd;

		conn->wnd_cached = 0;
		tcp_update_rcv_wnd(conn);
		if (conn->sock_full) {
			/* Guest data the socket could not take is held: write
			 * it now. If the store could not take it either,
			 * duplicate ACKs make the guest resend it now rather
			 * than after its backed-off timeout (RFC 5681 §3.2)
			 */
			conn->sock_full = 0;
			if (tcp_ooo_flush(c, conn, now_ms)) {
				if (!flow_is_active(flow))
					return;
			} else {
				unsigned int i;

				for (i = 0; i < TCP_DUP_ACK_THRESH; i++)
					tcp_send_ack(c, conn);
			}
		} else if (conn->rcv_wnd != old) {
			tcp_send_ack(c, conn);
		}
		tcp_epoll_update(c, conn);
	}
}

/**
 * tcp_conn_timeout() - A connection's deadline passed
 * @c:		Execution context
 * @conn:	Connection
 * @now_ms:	Current time, milliseconds
 */
static void tcp_conn_timeout(struct ctx *c, struct tcp_conn *conn,
			     uint64_t now_ms)
{
	if (!tcp_has(conn, TCP_SOCK_CONNECTED)) {
		tcp_conn_reset(c, conn, "connect timed out");
		return;
	}
	conn->rto_ms = MIN(conn->rto_ms * 2, (uint32_t)TCP_RTO_MAX_MS);
	if (!tcp_has(conn, TCP_TAP_SYN_ACKED)) {
		if (++conn->retrans > TCP_SYN_RETRIES) {
			tcp_conn_reset(c, conn, "no answer to our SYN");
			return;
		}
		conn->rtt_on = 0;	/* Karn: the answer is ambiguous now */
		tcp_send_ctl(c, conn, conn->inbound ? TCP_SYN :
				      (TCP_SYN | TCP_ACK), conn->isn);
		tcp_timer_set(conn, now_ms + conn->rto_ms);
		return;
	}
	if (conn->snd_una == conn->snd_max) {
		/* Zero window probe, RFC 9293 §3.8.6.1 */
		if (!conn->snd_wnd && !tcp_has(conn, TCP_SOCK_EOF)) {
			tcp_send_ctl(c, conn, TCP_ACK, conn->snd_una - 1);
			tcp_timer_set(conn, now_ms + conn->rto_ms);
		}
		return;
	}
	if (conn->retrans < TCP_RETRANS_MAX) {
		conn->retrans++;
	} else if (!tcp_has(conn, TCP_TAP_FIN_SENT) ||
		   conn->snd_una != conn->snd_fin) {
		tcp_conn_reset(c, conn, "too many retransmissions");
		return;
	}
	/* else only our FIN is unacknowledged: keep resending it every
	 * TCP_RTO_MAX_MS, the closing clock reaps the flow (RFC 5382 REQ-5
	 * transitory floor, 4 minutes)
	 */
	conn->snd_recover = conn->snd_max - 1;
	conn->recovering = 0;
	flow_log(tcp_cflow(conn), LOG_DEBUG, "retransmission timeout %u, "
		 "rewind %u bytes", conn->retrans,
		 conn->snd_nxt - conn->snd_una);
	tcp_timer_set(conn, now_ms + conn->rto_ms);
	tcp_rewind(c, conn, now_ms);
}

/**
 * tcp_timer_handler() - The TCP deadline timerfd expired
 * @c:		Execution context
 * @ref:	epoll reference
 * @now_ms:	Current time, milliseconds
 *
 * #syscalls read
 */
void tcp_timer_handler(struct ctx *c, union epoll_ref ref, uint64_t now_ms)
{
	uint64_t expirations, delack_ms;

	if (read(ref.fd, &expirations, sizeof(expirations)) < 0 &&
	    errno != EAGAIN)
		log_debug("TCP timerfd read: %s", strerror(errno));
	tcp_timer_armed_ms = 0;
	delack_ms = tcp_delack_deadline_ms();
	if (delack_ms && delack_ms <= now_ms)
		tcp_delack_flush(c, now_ms);
	while (tcp_heap_n && tcp_heap_conn(0)->deadline_ms <= now_ms) {
		struct tcp_conn *conn = tcp_heap_conn(0);

		tcp_timer_set(conn, 0);
		tcp_conn_timeout(c, conn, now_ms);
	}
	tcp_timer_arm();
}

/**
 * tcp_tick_action() - What the sweep marks that fired mean for a connection
 * @conn:	Connection
 * @fired:	FLOW_MARK_* bits that fired (flow_sweep_marks())
 *
 * Inactivity (no data, SYN, FIN or RST either way for a whole interval of
 * the idle clock) resets any connection. The closing clock resets a
 * connection with one direction closed (a FIN either way) that stayed idle
 * a whole interval of it: LAST_ACK whose FIN the guest never acknowledges,
 * FIN_WAIT_2 whose peer never closes. A guest silent for a whole interval of
 * the tap clock on a synchronised connection gets a keepalive, unless data
 * or a FIN is in flight (retransmission covers those): its answer clears the
 * mark, an RST from a guest that forgot the flow frees it, no answer changes
 * nothing (RFC 9293 MUST-29).
 *
 * Return: the action, pure
 */
enum tcp_tick_action tcp_tick_action(const struct tcp_conn *conn,
				     unsigned int fired)
{
	if (fired & FLOW_MARK_IDLE)
		return TCP_TICK_RESET_IDLE;
	if ((fired & FLOW_MARK_CLOSING) &&
	    (tcp_has(conn, TCP_GUEST_FIN) || tcp_has(conn, TCP_SOCK_EOF)))
		return TCP_TICK_RESET_CLOSING;
	if ((fired & FLOW_MARK_TAP) && tcp_has(conn, TCP_TAP_SYN_ACKED) &&
	    conn->snd_una == conn->snd_max)
		return TCP_TICK_KEEPALIVE;
	return TCP_TICK_NONE;
}

/**
 * tcp_flow_sweep() - Act on the sweep marks that fired for a connection
 * @c:		Execution context
 * @flow:	Flow of the connection (struct flow_ops)
 * @fired:	FLOW_MARK_* bits that fired
 * @now_ms:	Current time, milliseconds
 */
static void tcp_flow_sweep(struct ctx *c, union flow *flow,
			   unsigned int fired, uint64_t now_ms)
{
	struct tcp_conn *conn = &flow->tcp;

	(void)now_ms;
	switch (tcp_tick_action(conn, fired)) {
	case TCP_TICK_RESET_IDLE:
		tcp_stats.reset_idle++;
		tcp_conn_reset(c, conn, "inactivity timeout");
		break;
	case TCP_TICK_RESET_CLOSING:
		tcp_stats.reset_closing++;
		tcp_conn_reset(c, conn, "closing timeout");
		break;
	case TCP_TICK_KEEPALIVE:
		/* RFC 9293 §3.8.4: one below the next sequence, no data */
		tcp_stats.keepalives++;
		conn->ka_sent = 1;
		flow_log(tcp_cflow(conn), LOG_DEBUG, "keepalive to guest");
		tcp_send_ctl(c, conn, TCP_ACK, conn->snd_una - 1);
		break;
	case TCP_TICK_NONE:
		break;
	}
}

/* What flow.c asks of TCP connections */
static const struct flow_ops tcp_flow_ops = {
	.sweep		= tcp_flow_sweep,
	.state_str	= tcp_flow_state_str,
};

/* Accepting on -t listeners ---------------------------------------------- */

/**
 * tcp_conn_from_sock() - Accepted connection: open one toward the guest
 * @c:		Execution context
 * @s:		Accepted socket
 * @sa:		Peer address
 * @port:	Guest port to connect to
 * @now_ms:	Current time, milliseconds
 *
 * #syscalls getsockname close
 */
static void tcp_conn_from_sock(struct ctx *c, int s,
			       const struct sockaddr_storage *sa,
			       uint16_t port, uint64_t now_ms)
{
	union inany_addr peer, seen, guest;
	struct sockaddr_storage la;
	socklen_t sl = sizeof(la);
	uint16_t peer_port, lport = 0;
	struct tcp_conn *conn;
	union inany_addr local;
	union flow *flow;

	inany_from_sockaddr(sa, &peer, &peer_port);
	if (!fwd_host_to_guest(c, &peer, &seen)) {
		char a[INET6_ADDRSTRLEN];

		log_ratelimit(LOG_WARNING, now_ms, "TCP: connection from "
			      "%s:%u to guest port %u refused: no address "
			      "stands for it (--map-host-loopback none)",
			      inany_ntop(&peer, a, sizeof(a)), peer_port, port);
		tcp_sock_abort(s);
		return;
	}
	if (!tap_connected(c) ||
	    !fwd_guest_addr(c, inany_is_v4(&seen), &guest)) {
		tcp_sock_abort(s);
		return;
	}
	memset(&local, 0, sizeof(local));
	memset(&la, 0, sizeof(la));
	if (!getsockname(s, (struct sockaddr *)&la, &sl))
		inany_from_sockaddr(&la, &local, &lport);

	flow = flow_alloc(FLOW_TCP, now_ms);
	if (!flow) {
		log_ratelimit(LOG_WARNING, now_ms, "TCP: flow table full "
			      "(%u flows), refusing connection", flow_limit());
		tcp_sock_abort(s);
		return;
	}
	conn = &flow->tcp;
	conn->sock = -1;
	flow_set_side(flow, FLOW_SIDE_TAP, &guest, port, &seen, peer_port);
	flow_set_side(flow, FLOW_SIDE_SOCK, &peer, peer_port, &local, lport);
	if (flow_hash_insert(flow)) {
		flow_cancel(flow);
		tcp_sock_abort(s);
		return;
	}
	conn->sock = s;
	conn->inbound = 1;
	conn->isn = tcp_isn(&flow->f.side[FLOW_SIDE_TAP], now_ms);
	conn->snd_una = conn->snd_nxt = conn->snd_max = conn->isn;
	conn->snd_recover = conn->isn;
	conn->ws_rcv = TCP_WS_OURS;
	tcp_set_mss(c, conn, 0);
	flow_activate(flow);
	flow_log(flow, LOG_DEBUG, "accepted");
	tcp_sock_connected(c, conn, now_ms);
}

/**
 * tcp_listen_handler() - New connection on a -t listener, or (pasta) a
 *			  -T listener in the namespace
 * @c:		Execution context
 * @ref:	epoll reference: rule, family and port in idx
 * @events:	epoll events
 * @now_ms:	Current time, milliseconds
 *
 * #syscalls accept4
 */
void tcp_listen_handler(struct ctx *c, union epoll_ref ref, uint32_t events,
			uint64_t now_ms)
{
	struct listen_ref l;
	int i;

	if (!(events & EPOLLIN) || listen_ref_get(ref, FWD_TCP, &l))
		return;
	if (ref.type == EPOLL_TYPE_TCP_NS_LISTEN) {	/* -T: no tap path */
		tcp_splice_listen_handler(c, ref, l.to, l.v6, now_ms);
		return;
	}
	for (i = 0; i < TCP_ACCEPT_BATCH; i++) {
		struct sockaddr_storage sa;
		socklen_t sl = sizeof(sa);
		int s;

		memset(&sa, 0, sizeof(sa));
		s = accept4(ref.fd, (struct sockaddr *)&sa, &sl,
			    SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (s < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_ratelimit(LOG_WARNING, now_ms,
					      "TCP: accept: %s",
					      strerror(errno));
			return;
		}
		if (!tcp_splice_from_host(c, s, &sa, l.to, now_ms))
			tcp_conn_from_sock(c, s, &sa, l.to, now_ms);
	}
}

/**
 * tcp_init() - Register with the flow table, open the TCP timerfd
 * @c:		Execution context
 *
 * Return: 0 on success, negative error code on failure
 */
int tcp_init(struct ctx *c)
{
	union epoll_ref ref = { .type = EPOLL_TYPE_TCP_TIMER };
	int ret;

	flow_ops_set(FLOW_TCP, &tcp_flow_ops);
	tcp_splice_init();
	ret = util_key_init(tcp_isn_key, sizeof(tcp_isn_key));
	if (ret)
		return ret;

	tcp_peek_off_probe();

	tcp_timer_fd = timerfd_create(CLOCK_MONOTONIC,
				      TFD_NONBLOCK | TFD_CLOEXEC);
	if (tcp_timer_fd < 0)
		return -errno;
	ref.fd = tcp_timer_fd;
	if (util_epoll_add(c->epollfd, tcp_timer_fd, EPOLLIN, ref))
		return -errno;
	return 0;
}

/**
 * tcp_tap_room() - The guest socket has room again: resume blocked senders
 * @c:		Execution context
 * @now_ms:	Current time, milliseconds
 *
 * Context: rare (the guest stopped reading for a while), so a scan of the
 * flow table is fine.
 */
void tcp_tap_room(struct ctx *c, uint64_t now_ms)
{
	union flow *flow;

	flow_foreach(flow) {
		if (flow->f.type != FLOW_TCP || !flow->tcp.tap_blocked)
			continue;
		flow->tcp.tap_blocked = 0;
		tcp_data_to_guest(c, &flow->tcp, now_ms);
	}
}

/**
 * tcp_tap_disconnected() - The guest went away: reset its connections
 * @c:		Execution context
 * @now_ms:	Current time, milliseconds
 */
void tcp_tap_disconnected(struct ctx *c, uint64_t now_ms)
{
	union flow *flow;

	(void)now_ms;
	flow_foreach(flow) {
		if (flow->f.type != FLOW_TCP)
			continue;
		flow_log(flow, LOG_DEBUG, "guest gone");
		tcp_conn_fact(c, &flow->tcp, TCP_RESET);
	}
}
