/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcp_splice.c - pasta: TCP between the host's and the namespace's
 * loopback, relayed between two sockets with splice(2)
 */

/**
 * DOC: Theory of operation
 *
 * A connection from the host's loopback to a -t port, or from the
 * namespace's loopback to a -T port, needs no tap device and no TCP
 * translation: both ends are local sockets. The daemon accepts it, opens
 * a connection to the loopback of the other side (127.0.0.1 or ::1, the
 * forwarded port; a socket made in the namespace by pasta_sock.c's
 * helper, or one of its own on the host), and moves the bytes between
 * the two sockets with splice(2) through one pipe per direction: socket
 * to pipe, pipe to socket, pages passed by reference, never copied into
 * our memory. --no-splice turns it off: then a -t connection from the
 * host's loopback takes the tap path like any other.
 *
 * A FLOW_TCP_SPLICE flow (flow.h, struct flow_tcp_splice): side 0 is the
 * connection we accepted, side 1 the one we opened. Direction i carries
 * what sock[i] sends, through pipe i, to sock[!i]; pending[i] counts its
 * bytes read from sock[i] and not yet written. Each socket holds one
 * descriptor, each pipe two: FLOW_SPLICE_FDS (6), which flow_alloc()
 * counts against the descriptor limit.
 *
 * Facts (TCP_SPLICE_*; each set once, in tcp_splice_fact(), logged):
 *
 *   event                  requires           sets         then
 *   connect() completes    -                  CONNECTED    read both ways
 *   sock[i] reads EOF      CONNECTED          EOF_i        drain pipe i
 *   pipe i drained         EOF_i              SHUT_i       shutdown(SHUT_WR)
 *                                                          of sock[!i]
 *   SHUT_0 and SHUT_1      -                  -            close all
 *   RST/error either side  -                  -            SO_LINGER 0 close
 *                                                          of both: RST
 *
 * So a FIN from one side reaches the other after the data before it, and
 * the other direction goes on until its own FIN: the half-close rules of
 * the tap path (tcp.c). A reset or an error on either socket (read, write,
 * SO_ERROR on EPOLLERR, a refused connect()) resets the other and closes
 * the flow: data still in the pipes is dropped, as a reset drops it. The
 * state name (logs, SIGUSR1 dump) comes from the facts:
 * tcp_splice_state_str().
 *
 * epoll: level-triggered. sock[i] is watched for EPOLLIN while direction
 * i may read (not at EOF, pipe i empty) and for EPOLLOUT while pipe !i
 * holds bytes sock[i] did not take; a socket done both ways (EOF read
 * from it, its write side shut) leaves the epoll set, so that the
 * EPOLLHUP it then reports cannot spin the loop. One event moves at most
 * TCP_SPLICE_ROUNDS pipe loads per direction, so that a fast flow does
 * not starve the others; level-triggered epoll brings it back.
 *
 * Timers: the TCP sweep clocks (flow.c): idle for --inactivity-timeout,
 * both sides reset; a FIN either way (or a connect() not completed) and
 * no data for --tcp-closing-timeout, both reset. No timerfd.
 *
 * Limits: pipes start at the kernel's default size (64 KiB, 16 pages); a
 * direction that fills its pipe more than once in one event gets
 * TCP_SPLICE_PIPE_BIG (256 KiB) for it (tcp_splice_pipe_grow(); measured
 * on the bench's loopback path, 2026-12-06: 12.8 to 14.4 Gbit/s against
 * 10.8 to 11.8, two rounds each way; 1 MiB pipes gained nothing more). A
 * flow holds at most its pipes' size in each. The per-user pipe page limit
 * (fs.pipe-user-pages-soft, 16384 pages) fits 512 flows of small pipes, or
 * about 120 of grown ones; past it a pipe is not grown, and new pipes get
 * a single page from the kernel, which only slows them.
 * A namespace service bound to a non-loopback address only is not
 * reachable this way (the connection to the namespace's loopback is
 * refused, and so is the one we accepted): use --no-splice for it.
 */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "ctx.h"
#include "flow.h"
#include "log.h"
#include "pasta_sock.h"
#include "tcp_splice.h"
#include "util.h"

#define TCP_SPLICE_CHUNK	(1 << 20)	/* bytes asked of one splice() */
#define TCP_SPLICE_ROUNDS	8	/* pipe loads per direction per event */
#define TCP_SPLICE_PIPE_BIG	(256 * 1024)	/* a bulk flow's pipes */
#define TCP_SPLICE_ACCEPT_BATCH	16	/* accept() calls per listener event */
#define TCP_SPLICE_EV_GONE	0xffffffffU	/* .events: out of epoll */

/* Facts of a spliced connection: flow_tcp_splice.facts */
#define TCP_SPLICE_CONNECTED	(1U << 0)	/* our connect() completed */
#define TCP_SPLICE_EOF(i)	(1U << (1 + (i)))	/* sock[i] read EOF */
#define TCP_SPLICE_SHUT(i)	(1U << (3 + (i)))	/* direction i done:
							 * sock[!i] SHUT_WR */

static const char *const tcp_splice_state_name[] = {
	[TCP_SPLICE_CONNECTING]		= "CONNECTING",
	[TCP_SPLICE_ESTABLISHED]	= "ESTABLISHED",
	[TCP_SPLICE_FIN_ACCEPTED]	= "FIN_ACCEPTED",
	[TCP_SPLICE_FIN_OPENED]		= "FIN_OPENED",
	[TCP_SPLICE_FIN_BOTH]		= "FIN_BOTH",
};
_Static_assert(ARRAY_SIZE(tcp_splice_state_name) == TCP_SPLICE_STATE_COUNT,
	       "a name for every state");

/**
 * tcp_splice_state() - State of a spliced connection, from its facts
 * @facts:	TCP_SPLICE_* bits
 *
 * Context: pure.
 * Return: the state
 */
enum tcp_splice_state tcp_splice_state(unsigned int facts)
{
	bool eof0 = facts & TCP_SPLICE_EOF(0), eof1 = facts & TCP_SPLICE_EOF(1);

	if (!(facts & TCP_SPLICE_CONNECTED))
		return TCP_SPLICE_CONNECTING;
	if (eof0 && eof1)
		return TCP_SPLICE_FIN_BOTH;
	if (eof0)
		return TCP_SPLICE_FIN_ACCEPTED;
	if (eof1)
		return TCP_SPLICE_FIN_OPENED;
	return TCP_SPLICE_ESTABLISHED;
}

/**
 * tcp_splice_state_str() - State name of a spliced flow (struct flow_ops)
 * @flow:	FLOW_TCP_SPLICE flow
 *
 * Return: constant string
 */
static const char *tcp_splice_state_str(const union flow *flow)
{
	return tcp_splice_state_name[tcp_splice_state(flow->tcp_splice.facts)];
}

/**
 * tcp_splice_fact_str() - What a fact means, for logs
 * @fact:	One TCP_SPLICE_* bit
 *
 * Return: constant string
 */
static const char *tcp_splice_fact_str(unsigned int fact)
{
	switch (fact) {
	case TCP_SPLICE_CONNECTED:	return "connected";
	case TCP_SPLICE_EOF(0):		return "EOF from the accepted side";
	case TCP_SPLICE_EOF(1):		return "EOF from the opened side";
	case TCP_SPLICE_SHUT(0):	return "FIN passed on to the opened side";
	case TCP_SPLICE_SHUT(1):	return "FIN passed on to the accepted side";
	default:			return "?";
	}
}

/**
 * tcp_splice_fact() - Record a fact, once, and log it with the new state
 * @flow:	FLOW_TCP_SPLICE flow
 * @fact:	TCP_SPLICE_* bit
 */
static void tcp_splice_fact(union flow *flow, unsigned int fact)
{
	struct flow_tcp_splice *sp = &flow->tcp_splice;
	const char *old = tcp_splice_state_str(flow);

	ASSERT(!(sp->facts & fact));
	sp->facts |= (uint16_t)fact;
	flow_log(flow, LOG_DEBUG, "%s: %s -> %s", tcp_splice_fact_str(fact),
		 old, tcp_splice_state_str(flow));
}

/**
 * tcp_splice_abort_sock() - Close a socket with a reset (SO_LINGER 0)
 * @s:		Socket, or -1
 *
 * #syscalls setsockopt close
 */
static void tcp_splice_abort_sock(int s)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	if (s < 0)
		return;
	setsockopt(s, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(s);
}

/**
 * tcp_splice_close() - Close every descriptor of a flow, and the flow
 * @flow:	FLOW_TCP_SPLICE flow, NEW or ACTIVE
 * @abort:	Reset both sockets (SO_LINGER 0) instead of closing them
 *
 * close() takes a socket out of the epoll set (it has no other
 * descriptor); events already returned for it are dropped by the handler,
 * which checks the flow's state.
 *
 * #syscalls close
 */
static void tcp_splice_close(union flow *flow, bool abort)
{
	struct flow_tcp_splice *sp = &flow->tcp_splice;
	int i;

	for (i = 0; i < FLOW_SIDES; i++) {
		if (abort)
			tcp_splice_abort_sock(sp->sock[i]);
		else if (sp->sock[i] >= 0)
			close(sp->sock[i]);
		if (sp->pipe_r[i] >= 0)
			close(sp->pipe_r[i]);
		if (sp->pipe_w[i] >= 0)
			close(sp->pipe_w[i]);
		sp->sock[i] = sp->pipe_r[i] = sp->pipe_w[i] = -1;
	}
	if (flow->f.state == FLOW_STATE_NEW)
		flow_cancel(flow);
	else
		flow_close(flow);
}

/**
 * tcp_splice_reset() - Reset both sides and close the flow
 * @flow:	FLOW_TCP_SPLICE flow, ACTIVE
 * @why:	What happened, for the log
 * @err:	errno value that came with it, 0 if none
 */
static void tcp_splice_reset(union flow *flow, const char *why, int err)
{
	if (err)
		flow_log(flow, LOG_DEBUG, "%s: %s, resetting both sides", why,
			 strerror(err));
	else
		flow_log(flow, LOG_DEBUG, "%s, resetting both sides", why);
	tcp_splice_close(flow, true);
}

/**
 * tcp_splice_pipe_grow() - Make a bulk flow's pipe bigger, once
 * @flow:	FLOW_TCP_SPLICE flow
 * @i:		Direction whose pipe went round more than once in one event
 *
 * Pipes start at the kernel's default (64 KiB); a direction that fills its
 * pipe again within one event is moving bulk data, and a pipe of
 * TCP_SPLICE_PIPE_BIG takes four times fewer splice() calls per byte. It
 * counts against the user's pipe page limit (fs.pipe-user-pages-soft): past
 * it, the kernel refuses (EPERM) and the pipe simply stays as it was.
 *
 * #syscalls:pasta fcntl
 */
static void tcp_splice_pipe_grow(union flow *flow, int i)
{
	struct flow_tcp_splice *sp = &flow->tcp_splice;

	if (sp->pipe_grown & (1U << i))
		return;
	sp->pipe_grown |= (uint8_t)(1U << i);
	if (fcntl(sp->pipe_w[i], F_SETPIPE_SZ, TCP_SPLICE_PIPE_BIG) < 0)
		flow_log(flow, LOG_DEBUG, "pipe %d stays small: %s", i,
			 strerror(errno));
}

/**
 * tcp_splice_move() - Move what one side sent toward the other
 * @flow:	FLOW_TCP_SPLICE flow, connected
 * @from:	Side whose data moves (direction @from)
 * @now_ms:	Current time, milliseconds
 *
 * Pipe to socket first (what an earlier call could not write), then
 * socket to pipe, in turns, until the socket has nothing more, the other
 * socket takes no more, or TCP_SPLICE_ROUNDS pipe loads went. With the
 * pipe empty, EAGAIN from the read side means the socket has nothing:
 * a full pipe is never read into. At EOF, once the pipe is drained, the
 * write side of the other socket is shut.
 *
 * #syscalls:pasta splice
 * #syscalls shutdown
 * Return: 0, or -errno of a call that failed (the caller resets)
 */
static int tcp_splice_move(union flow *flow, int from, uint64_t now_ms)
{
	struct flow_tcp_splice *sp = &flow->tcp_splice;
	int to = !from, round;
	ssize_t n;

	for (round = 0; round < TCP_SPLICE_ROUNDS; round++) {
		if (sp->pending[from]) {
			n = splice(sp->pipe_r[from], NULL, sp->sock[to], NULL,
				   sp->pending[from],
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n < 0)
				return errno == EAGAIN ? 0 : -errno;
			sp->pending[from] -= (uint32_t)n;
			flow_count_bytes(flow, (enum flow_sidx)from, (size_t)n);
			flow_touch(flow, now_ms);
			if (sp->pending[from])
				return 0;	/* wait for EPOLLOUT on @to */
		}
		if (sp->facts & TCP_SPLICE_EOF(from))
			break;
		n = splice(sp->sock[from], NULL, sp->pipe_w[from], NULL,
			   TCP_SPLICE_CHUNK, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n < 0) {
			if (errno == EAGAIN)
				break;
			return -errno;
		}
		if (!n) {
			flow_touch(flow, now_ms);
			tcp_splice_fact(flow, TCP_SPLICE_EOF(from));
			continue;
		}
		sp->pending[from] += (uint32_t)n;
		if (round)
			tcp_splice_pipe_grow(flow, from);
	}
	if ((sp->facts & TCP_SPLICE_EOF(from)) && !sp->pending[from] &&
	    !(sp->facts & TCP_SPLICE_SHUT(from))) {
		if (shutdown(sp->sock[to], SHUT_WR))
			return -errno;
		tcp_splice_fact(flow, TCP_SPLICE_SHUT(from));
	}
	return 0;
}

/**
 * tcp_splice_interest() - epoll events a socket of a flow waits for
 * @sp:		Spliced connection
 * @i:		Side
 *
 * Return: events, 0 if the socket is done both ways
 */
static uint32_t tcp_splice_interest(const struct flow_tcp_splice *sp, int i)
{
	uint32_t ev = 0;

	if (!(sp->facts & TCP_SPLICE_CONNECTED))
		return i == 1 ? EPOLLOUT : 0;
	if (!(sp->facts & TCP_SPLICE_EOF(i)) && !sp->pending[i])
		ev |= EPOLLIN;
	if (sp->pending[!i])
		ev |= EPOLLOUT;
	return ev;
}

/**
 * tcp_splice_epoll() - Set the epoll interest of both sockets of a flow
 * @c:		Execution context
 * @flow:	FLOW_TCP_SPLICE flow
 *
 * A socket done both ways (EOF read from it, its write side shut) leaves
 * the epoll set: its EPOLLHUP would come back at every wait.
 *
 * #syscalls epoll_ctl
 * Return: 0, or -errno if epoll_ctl() failed
 */
static int tcp_splice_epoll(const struct ctx *c, union flow *flow)
{
	struct flow_tcp_splice *sp = &flow->tcp_splice;
	union epoll_ref ref = { .type = EPOLL_TYPE_TCP_SPLICE,
				.idx = flow_idx(flow) };
	int i;

	for (i = 0; i < FLOW_SIDES; i++) {
		uint32_t ev = tcp_splice_interest(sp, i);
		bool done = (sp->facts & TCP_SPLICE_EOF(i)) &&
			    (sp->facts & TCP_SPLICE_SHUT(!i));

		if (done) {
			if (sp->events[i] != TCP_SPLICE_EV_GONE)
				util_epoll_del(c->epollfd, sp->sock[i]);
			sp->events[i] = TCP_SPLICE_EV_GONE;
			continue;
		}
		if (ev == sp->events[i])
			continue;
		ref.fd = sp->sock[i];
		if (util_epoll_mod(c->epollfd, sp->sock[i], ev, ref))
			return -errno;
		sp->events[i] = ev;
	}
	return 0;
}

/**
 * tcp_splice_connected() - Our connect() completed, or failed
 * @flow:	FLOW_TCP_SPLICE flow, CONNECTING
 *
 * #syscalls getsockopt
 * Return: 0 if connected, -errno of the connection's failure
 */
static int tcp_splice_connected(union flow *flow)
{
	struct flow_tcp_splice *sp = &flow->tcp_splice;
	socklen_t sl = sizeof(int);
	int err = 0;

	if (getsockopt(sp->sock[1], SOL_SOCKET, SO_ERROR, &err, &sl))
		return -errno;
	if (err)
		return -err;
	tcp_splice_fact(flow, TCP_SPLICE_CONNECTED);
	return 0;
}

/**
 * tcp_splice_sock_handler() - Events on a socket of a spliced flow
 * @c:		Execution context
 * @ref:	epoll reference: flow index and socket
 * @events:	epoll events
 * @now_ms:	Current time, milliseconds
 *
 * #syscalls getsockopt
 */
void tcp_splice_sock_handler(struct ctx *c, union epoll_ref ref,
			     uint32_t events, uint64_t now_ms)
{
	union flow *flow = flow_at(ref.idx);
	struct flow_tcp_splice *sp;
	int ret, side;

	if (!flow || !flow_is_active(flow) || flow->f.type != FLOW_TCP_SPLICE)
		return;
	sp = &flow->tcp_splice;
	if (ref.fd == sp->sock[0])
		side = 0;
	else if (ref.fd == sp->sock[1])
		side = 1;
	else
		return;

	if (!(sp->facts & TCP_SPLICE_CONNECTED)) {
		if (side == 0) {
			if (events & (EPOLLERR | EPOLLHUP))
				tcp_splice_reset(flow, "accepted side gone "
						 "before connect", 0);
			return;
		}
		ret = tcp_splice_connected(flow);
		if (ret) {
			tcp_splice_reset(flow, "connect", -ret);
			return;
		}
		flow_touch(flow, now_ms);
	} else if (events & EPOLLERR) {
		int err = 0;
		socklen_t sl = sizeof(err);

		getsockopt(ref.fd, SOL_SOCKET, SO_ERROR, &err, &sl);
		tcp_splice_reset(flow, side ? "error on the opened side" :
				 "error on the accepted side", err);
		return;
	}

	if ((ret = tcp_splice_move(flow, 0, now_ms)) ||
	    (ret = tcp_splice_move(flow, 1, now_ms))) {
		tcp_splice_reset(flow, "splice", -ret);
		return;
	}
	if ((sp->facts & TCP_SPLICE_SHUT(0)) && (sp->facts & TCP_SPLICE_SHUT(1))) {
		flow_log(flow, LOG_DEBUG, "both directions done, closing");
		tcp_splice_close(flow, false);
		return;
	}
	if ((ret = tcp_splice_epoll(c, flow)))
		tcp_splice_reset(flow, "epoll_ctl", -ret);
}

/**
 * tcp_splice_new() - Start a spliced flow: connect, watch both sockets
 * @c:		Execution context
 * @flow:	NEW FLOW_TCP_SPLICE flow, nothing set but its type
 * @s:		Accepted socket
 * @peer:	Its peer's address (from accept())
 * @t:		Socket to connect, in the other side's namespace
 * @dst:	Loopback address to connect @t to
 * @dport:	Port to connect @t to
 *
 * On failure both sockets are reset and the flow cancelled.
 *
 * #syscalls:pasta pipe2
 * #syscalls connect getsockname
 */
static void tcp_splice_new(const struct ctx *c, union flow *flow, int s,
			   const struct sockaddr_storage *peer, int t,
			   const union inany_addr *dst, uint16_t dport)
{
	struct flow_tcp_splice *sp = &flow->tcp_splice;
	union epoll_ref ref = { .type = EPOLL_TYPE_TCP_SPLICE,
				.idx = flow_idx(flow) };
	union inany_addr pa, la, ta;
	struct sockaddr_storage sa;
	socklen_t sl = sizeof(sa);
	uint16_t pport = 0, lport = 0, tport = 0;
	const char *step;
	int i, p[2], err;

	memset(&pa, 0, sizeof(pa));
	memset(&la, 0, sizeof(la));
	inany_any(&ta, inany_is_v4(dst));
	inany_from_sockaddr(peer, &pa, &pport);
	if (!getsockname(s, (struct sockaddr *)&sa, &sl))
		inany_from_sockaddr(&sa, &la, &lport);
	flow_set_side(flow, FLOW_SIDE_TAP, &pa, pport, &la, lport);
	sp->sock[0] = s;
	sp->sock[1] = t;
	for (i = 0; i < FLOW_SIDES; i++)
		sp->pipe_r[i] = sp->pipe_w[i] = -1;
	for (i = 0; i < FLOW_SIDES; i++) {
		if (pipe2(p, O_NONBLOCK | O_CLOEXEC)) {
			step = "pipe2";
			goto fail;
		}
		sp->pipe_r[i] = p[0];
		sp->pipe_w[i] = p[1];
	}
	sl = inany_to_sockaddr(dst, dport, &sa);
	if (connect(t, (struct sockaddr *)&sa, sl) && errno != EINPROGRESS) {
		step = "connect";
		goto fail;
	}
	sl = sizeof(sa);	/* the local port is chosen by connect() */
	if (!getsockname(t, (struct sockaddr *)&sa, &sl))
		inany_from_sockaddr(&sa, &ta, &tport);
	flow_set_side(flow, FLOW_SIDE_SOCK, dst, dport, &ta, tport);
	ref.fd = s;
	if (util_epoll_add(c->epollfd, s, 0, ref)) {
		step = "epoll_ctl";
		goto fail;
	}
	ref.fd = t;
	if (util_epoll_add(c->epollfd, t, EPOLLOUT, ref)) {
		step = "epoll_ctl";
		goto fail;
	}
	sp->events[0] = 0;
	sp->events[1] = EPOLLOUT;
	flow_activate(flow);
	flow_log(flow, LOG_DEBUG, "spliced to port %u of the other loopback",
		 dport);
	return;
fail:
	err = errno;
	flow_log(flow, LOG_DEBUG, "%s: %s, refusing", step, strerror(err));
	tcp_splice_close(flow, true);
}

/**
 * tcp_splice_from_host() - A -t connection from the host's loopback:
 *			    splice it to the namespace's loopback
 * @c:		Execution context
 * @s:		Accepted socket
 * @peer:	Its peer's address
 * @port:	Namespace port the rule maps it to
 * @now_ms:	Current time, milliseconds
 *
 * Return: true if the connection is taken (spliced, or refused: @s is
 *	   closed then), false if it must take the tap path (not pasta,
 *	   --no-splice, a peer that is not on loopback, no helper)
 */
bool tcp_splice_from_host(const struct ctx *c, int s,
			  const struct sockaddr_storage *peer, uint16_t port,
			  uint64_t now_ms)
{
	union inany_addr pa, dst;
	union flow *flow;
	uint16_t pport;
	int t;

	if (!c->pasta || c->no_splice || !pasta_sock_ready() ||
	    inany_from_sockaddr(peer, &pa, &pport) ||
	    !inany_is_loopback(&pa))
		return false;

	flow = flow_alloc(FLOW_TCP_SPLICE, now_ms);
	if (!flow) {
		log_ratelimit(LOG_WARNING, now_ms, "TCP: flow table full "
			      "(%u descriptors), refusing spliced "
			      "connection", flow_limit());
		tcp_splice_abort_sock(s);
		return true;
	}
	t = pasta_sock_get(PASTA_SOCK_TCP, !inany_is_v4(&pa), 0);
	if (t < 0) {
		flow_cancel(flow);
		if (t == -ENOTCONN)
			return false;		/* no helper: tap path */
		log_ratelimit(LOG_WARNING, now_ms, "TCP: socket in the "
			      "namespace: %s, refusing connection",
			      strerror(-t));
		tcp_splice_abort_sock(s);
		return true;
	}
	inany_loopback(&dst, inany_is_v4(&pa));
	tcp_splice_new(c, flow, s, peer, t, &dst, port);
	return true;
}

/**
 * tcp_splice_listen_handler() - New connection on a -T listener (in the
 *				 namespace): splice it to the host's loopback
 * @c:		Execution context
 * @ref:	epoll reference of the listener
 * @port:	Host port the rule maps the listener's port to
 * @v6:		IPv6 listener (else IPv4)
 * @now_ms:	Current time, milliseconds
 *
 * #syscalls accept4 socket
 */
void tcp_splice_listen_handler(const struct ctx *c, union epoll_ref ref,
			       uint16_t port, bool v6, uint64_t now_ms)
{
	int i;

	for (i = 0; i < TCP_SPLICE_ACCEPT_BATCH; i++) {
		struct sockaddr_storage sa;
		socklen_t sl = sizeof(sa);
		union inany_addr dst;
		union flow *flow;
		int s, t;

		memset(&sa, 0, sizeof(sa));
		s = accept4(ref.fd, (struct sockaddr *)&sa, &sl,
			    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (s < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_ratelimit(LOG_WARNING, now_ms,
					      "TCP: accept in the namespace: "
					      "%s", strerror(errno));
			return;
		}
		flow = flow_alloc(FLOW_TCP_SPLICE, now_ms);
		if (!flow) {
			log_ratelimit(LOG_WARNING, now_ms, "TCP: flow table "
				      "full (%u descriptors), refusing "
				      "connection to host port %u",
				      flow_limit(), port);
			tcp_splice_abort_sock(s);
			continue;
		}
		t = socket(v6 ? AF_INET6 : AF_INET,
			   SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			   IPPROTO_TCP);
		if (t < 0) {
			log_ratelimit(LOG_WARNING, now_ms, "TCP: socket: %s, "
				      "refusing connection to host port %u",
				      strerror(errno), port);
			flow_cancel(flow);
			tcp_splice_abort_sock(s);
			continue;
		}
		inany_loopback(&dst, !v6);
		tcp_splice_new(c, flow, s, &sa, t, &dst, port);
	}
}

/**
 * tcp_splice_sweep() - The TCP sweep clocks on a spliced flow (flow_ops)
 * @c:		Execution context
 * @flow:	FLOW_TCP_SPLICE flow, ACTIVE
 * @fired:	FLOW_MARK_* bits that fired
 * @now_ms:	Current time, milliseconds
 *
 * Idle a whole --inactivity-timeout: reset. A FIN either way, or a
 * connect() not completed, and no data for --tcp-closing-timeout: reset.
 */
static void tcp_splice_sweep(struct ctx *c, union flow *flow,
			     unsigned int fired, uint64_t now_ms)
{
	enum tcp_splice_state st = tcp_splice_state(flow->tcp_splice.facts);

	(void)c;
	(void)now_ms;
	if (fired & FLOW_MARK_IDLE)
		tcp_splice_reset(flow, "idle (--inactivity-timeout)", 0);
	else if ((fired & FLOW_MARK_CLOSING) && st != TCP_SPLICE_ESTABLISHED)
		tcp_splice_reset(flow, "closing (--tcp-closing-timeout)", 0);
}

/* What flow.c asks of spliced flows */
static const struct flow_ops tcp_splice_flow_ops = {
	.sweep		= tcp_splice_sweep,
	.state_str	= tcp_splice_state_str,
};

/**
 * tcp_splice_init() - Register with the flow table
 *
 * Context: start-up.
 */
void tcp_splice_init(void)
{
	flow_ops_set(FLOW_TCP_SPLICE, &tcp_splice_flow_ops);
}
