/* SPDX-License-Identifier: GPL-2.0-or-later */
/* flow.h - The flow table: allocation, lookup, sides, deferred free, sweeps
 *
 * How a protocol module uses the table (ICMP, UDP and TCP all do this):
 *
 *	flow = flow_alloc(FLOW_PING4, now_ms);		FREE -> NEW
 *	if (!flow) { count it, log rate-limited, drop; }
 *	flow_set_side(flow, FLOW_SIDE_TAP, &guest, gport, &peer, pport);
 *	flow_set_side(flow, FLOW_SIDE_SOCK, &host_peer, hport, &local, lport);
 *	...protocol fields: flow->ping.sock = s; ...
 *	if (flow_hash_insert(flow)) { flow_cancel(flow); drop; }  NEW -> FREE
 *	flow_activate(flow);				NEW -> ACTIVE
 *
 *	later, from a frame:  flow = flow_lookup(FLOW_PING4, &guest, gport,
 *						 &peer, pport);
 *	from epoll:           flow = flow_at(ref.idx);  (check flow_is_active())
 *	on activity:          flow_touch(flow, now_ms);
 *			      flow_count_bytes(flow, FLOW_SIDE_TAP, n);
 *	to finish:            close your socket; flow_close(flow);
 *							ACTIVE -> CLOSED
 *	the next flow_tick() frees it:			CLOSED -> FREE
 *
 * A flow is never freed while a handler may still hold it: flow_close() only
 * marks it (and takes it out of the hash table at once, so a new flow with
 * the same addresses can start), and the sweep in flow_tick() frees it.
 * Handlers that reach a flow through an epoll reference must check
 * flow_is_active() first: events of one epoll_wait() batch may name a flow
 * that an earlier event in the same batch closed.
 *
 * Sweeps (clock algorithm, see flow.c): each coarse limit is a clock with an
 * interval; at each of its passes a flow still carrying the clock's mark has
 * been idle for at least one whole interval, and every flow is marked again.
 * Activity clears marks: flow_touch() the idle and closing marks (data, SYN,
 * FIN or RST from either side), flow_tap_seen() the tap mark (any segment
 * from the guest). The marks that fired go to the sweep handler the flow's
 * type registered (struct flow_ops): ICMP and UDP close an idle flow and its
 * socket, TCP sends keepalives or resets.
 */

#ifndef FLOW_H
#define FLOW_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "epoll_ctl.h"
#include "inany.h"

struct ctx;

/* Entries in the flow table, at most. Every flow holds one descriptor (its
 * socket), but for a spliced one (FLOW_SPLICE_FDS), so what limits flows in
 * practice is the open-file limit: passt.c calls flow_set_limit() with
 * RLIMIT_NOFILE minus the descriptors it holds and PASST_FD_RESERVE, and
 * flow_alloc() counts each flow's descriptors against it: 19,972 flows
 * under `ulimit -n 20000` (12 held), or 3,328 spliced ones.
 * Memory: the table is FLOW_MAX * sizeof(union flow) = 65536 * 216 B =
 * 14 MiB of address space (x86_64), but entries are handed out lowest index
 * first and never touched before their first use (scans stop at the first
 * one never used, flow_slots_used()), so only 216 B per flow the daemon
 * ever held at once is resident (19,972 flows: 4.1 MiB). Beside
 * it: the hash table, FLOW_HASH_SIZE * 4 B = 512 KiB (resident once flows
 * spread over it), the free list, FLOW_MAX * 4 B = 256 KiB, and TCP's timer
 * heap, FLOW_MAX * 4 B = 256 KiB, both resident in proportion to use.
 * At the limit flow_alloc() returns NULL and the protocol refuses the new
 * flow (TCP: RST; ICMP/UDP: drop) and counts it ("refused" in flow_stats_line()).
 */
#define FLOW_MAX		65536

/* Hash table slots (open addressing, linear probing): load factor <= 1/2 */
#define FLOW_HASH_SIZE		(FLOW_MAX * 2)

/* Sweep interval for ICMP echo flows: closed 1-2 intervals after the last
 * request or reply
 */
#define FLOW_PING_TIMEOUT_S	60

/**
 * enum flow_clock - Coarse limits, each swept at its own interval (seconds,
 * from struct ctx; defaults and RFC floors in conf.c)
 * @FLOW_CLOCK_TCP_IDLE:	TCP inactivity (--inactivity-timeout)
 * @FLOW_CLOCK_TCP_CLOSING:	TCP half-closed/closing (--tcp-closing-timeout)
 * @FLOW_CLOCK_TCP_TAP:		TCP tap-side keepalive
 *				(--tcp-keepalive-interval)
 * @FLOW_CLOCK_UDP_IDLE:	UDP idle timeout (--udp-timeout)
 * @FLOW_CLOCK_PING_IDLE:	ICMP echo idle timeout (FLOW_PING_TIMEOUT_S)
 * @FLOW_CLOCK_COUNT:		Number of clocks
 */
enum flow_clock {
	FLOW_CLOCK_TCP_IDLE,
	FLOW_CLOCK_TCP_CLOSING,
	FLOW_CLOCK_TCP_TAP,
	FLOW_CLOCK_UDP_IDLE,
	FLOW_CLOCK_PING_IDLE,
	FLOW_CLOCK_COUNT
};

/* Period of flow_tick() (the loop's tick), milliseconds */
#define FLOW_TICK_MS		1000

/* Default intervals, seconds, and the floors they respect (see conf.c) */
#define FLOW_TCP_IDLE_DEFAULT_S	7440	/* RFC 5382 REQ-5: >= 2 h 4 min */
#define FLOW_TCP_CLOSING_DEFAULT_S 240	/* RFC 5382 REQ-5: >= 4 min */
#define FLOW_TCP_TAP_DEFAULT_S	120	/* keepalive toward a silent guest */
#define FLOW_INTERVAL_MAX_S	604800	/* one week, largest interval option */
#define FLOW_UDP_IDLE_DEFAULT_S	180	/* RFC 4787 REQ-5: >= 2 min */

/* Kinds of (type, state) pairs flow_stats_line() counts: the 8 TCP states
 * (TCP_STATE_COUNT), 2 lifecycle states (ACTIVE, CLOSED) for each of the
 * 4 other types and for TCP, the 5 states of a spliced TCP flow
 * (TCP_SPLICE_STATE_COUNT) and its CLOSED, and room to spare
 */
#define FLOW_STATS_KINDS	48
#define FLOW_STATS_LINE_LEN	1024	/* bytes, one flow_stats_line() */

/* Marks a sweep may find still set: bits of flow_common.marks and of the
 * mask a type's sweep handler (struct flow_ops) gets
 */
#define FLOW_MARK_IDLE		(1U << 0)	/* no activity either side */
#define FLOW_MARK_CLOSING	(1U << 1)	/* same, on the closing clock */
#define FLOW_MARK_TAP		(1U << 2)	/* no segment from the guest */

/*
 * enum flow_type - Which protocol a flow belongs to, and so which member of
 * union flow is valid. Lookups key on the type, so a PING4 flow and a TCP
 * flow with the same addresses and numbers never collide.
 */
enum flow_type {
	FLOW_TYPE_NONE = 0,	/* free or not yet typed */
	FLOW_TCP,		/* TCP connection: union flow .tcp */
	FLOW_PING4,		/* ICMP echo id: union flow .ping, ports = id */
	FLOW_PING6,		/* ICMPv6 echo id: union flow .ping */
	FLOW_UDP,		/* UDP exchange: union flow .udp */
	FLOW_TCP_SPLICE,	/* pasta: TCP between the host's and the
				 * namespace's loopback, spliced: union flow
				 * .tcp_splice (tcp_splice.c) */
	FLOW_UDP_SPLICE,	/* pasta: UDP from the namespace's loopback to
				 * the host's (-U): union flow .udp */
	FLOW_TYPE_COUNT
};

extern const char *const flow_type_name[];

/*
 * enum flow_state - Lifecycle of a flow table entry
 *
 * FREE:	on the free list. Only flow.c touches it. flow_alloc() takes
 *		it to NEW.
 * NEW:		being set up by the protocol module that allocated it, during
 *		one handler call: it may write the protocol fields and call
 *		flow_set_side() and flow_hash_insert(). It must reach ACTIVE
 *		(flow_activate()) or be cancelled (flow_cancel(): -> FREE)
 *		before that handler returns; the sweep asserts this.
 * ACTIVE:	in use. Protocol fields belong to the protocol module; common
 *		fields change only through flow.c functions. The sweep may
 *		hand it to its type's sweep handler (struct flow_ops).
 *		flow_close() takes it to CLOSED.
 * CLOSED:	finished: out of the hash table, socket already closed by its
 *		module. Nobody touches it; handlers that find it through a
 *		stale epoll reference ignore it. The next flow_tick() frees it.
 */
enum flow_state {
	FLOW_STATE_FREE = 0,
	FLOW_STATE_NEW,
	FLOW_STATE_ACTIVE,
	FLOW_STATE_CLOSED,
	FLOW_STATE_COUNT
};

#define FLOW_STATE_BITS	2
_Static_assert(FLOW_STATE_COUNT <= (1 << FLOW_STATE_BITS),
	       "flow_state must fit its bitfield");
#define FLOW_TYPE_BITS	4
_Static_assert(FLOW_TYPE_COUNT <= (1 << FLOW_TYPE_BITS),
	       "flow_type must fit its bitfield");

extern const char *const flow_state_name[];

/*
 * enum flow_sidx - The two sides of a flow
 * FLOW_SIDE_TAP:	the guest's view. ep = the guest's address and port,
 *			our = the address and port the guest talks to (the
 *			peer as the guest sees it).
 * FLOW_SIDE_SOCK:	the host's view. ep = the host-side peer our socket
 *			is connected to, our = our socket's local address.
 *
 * Flows with no guest side (FLOW_TCP_SPLICE, FLOW_UDP_SPLICE: two sockets
 * on two loopbacks) keep the side that started the flow in slot 0, whose
 * addresses flow_log() prints and the hash table keys on, and the side it
 * goes to in slot 1.
 */
enum flow_sidx {
	FLOW_SIDE_TAP = 0,
	FLOW_SIDE_SOCK = 1,
	FLOW_SIDES
};

/**
 * struct flow_side - Addresses of one side of a flow
 * @ep_addr:	Endpoint on this side (guest, or host-side peer)
 * @our_addr:	Our address as that endpoint sees it
 * @ep_port:	Endpoint's port (ICMP: echo identifier), host order
 * @our_port:	Our port as the endpoint sees it (ICMP: echo id), host order
 */
struct flow_side {
	union inany_addr ep_addr;
	union inany_addr our_addr;
	uint16_t ep_port;
	uint16_t our_port;
};

/**
 * struct flow_common - Header shared by every member of union flow
 * @type:	enum flow_type
 * @state:	enum flow_state
 * @marks:	Sweep marks (FLOW_MARK_*): set by the sweeps, cleared by
 *		flow_touch() and flow_tap_seen()
 * @in_hash:	In the hash table (flow.c only)
 * @side:	Tap side and socket side, indexed by enum flow_sidx
 * @created_ms:	Creation time, milliseconds
 * @last_ms:	Last activity (flow_touch()), milliseconds
 * @bytes:	Payload bytes received from each side: [FLOW_SIDE_TAP] guest
 *		to host, [FLOW_SIDE_SOCK] host to guest
 *
 * Written only by flow.c.
 */
struct flow_common {
	uint8_t type:FLOW_TYPE_BITS;
	uint8_t state:FLOW_STATE_BITS;
	uint8_t in_hash:1;
	uint8_t marks;
	struct flow_side side[FLOW_SIDES];
	uint64_t created_ms;
	uint64_t last_ms;
	uint64_t bytes[FLOW_SIDES];
};

/**
 * struct flow_ping - ICMP/ICMPv6 echo flow (owned by icmp.c)
 * @f:		Common header
 * @sock:	Ping socket, or -1 (flow.c closes it on idle expiry)
 * @seq:	Last sequence number seen from the guest
 * @sock_id:	Identifier the kernel chose for our ping socket
 */
struct flow_ping {
	struct flow_common f;
	int sock;
	uint16_t seq;
	uint16_t sock_id;
};

/**
 * struct flow_udp - UDP flow (owned by udp.c)
 * @f:		Common header
 * @sock:	Connected socket, or -1 (flow.c closes it on idle expiry)
 * @flags:	Free for udp.c
 * @reply_sock:	FLOW_UDP_SPLICE: the -U socket in the namespace that
 *		replies leave from (not the flow's: the listener's), else -1
 */
struct flow_udp {
	struct flow_common f;
	int sock;
	uint32_t flags;
	int reply_sock;
};

/* Descriptors a FLOW_TCP_SPLICE flow holds: its two sockets, and a pipe
 * (two ends) for each direction. Every other flow holds one.
 */
#define FLOW_SPLICE_FDS		6

/**
 * struct flow_tcp_splice - TCP spliced between two loopbacks (tcp_splice.c)
 * @f:		Common header: side 0 the connection we accepted, side 1 the
 *		one we opened
 * @sock:	Sockets, indexed like the sides; -1 once closed
 * @pipe_r:	Read end of the pipe carrying what sock[i] sends, or -1
 * @pipe_w:	Write end of that pipe, or -1
 * @pending:	Bytes in pipe i not yet written to the other socket
 * @facts:	TCP_SPLICE_* bits (tcp_splice.c)
 * @pipe_grown:	Bit i: pipe i was made bigger, or that was tried
 * @events:	epoll interest of each socket, as last set
 */
struct flow_tcp_splice {
	struct flow_common f;
	int sock[FLOW_SIDES];
	int pipe_r[FLOW_SIDES];
	int pipe_w[FLOW_SIDES];
	uint32_t pending[FLOW_SIDES];
	uint16_t facts;
	uint8_t pipe_grown;
	uint32_t events[FLOW_SIDES];
};

#include "tcp_conn.h"

/**
 * union flow - One entry of the flow table
 * @f:		Common header, valid in every state
 * @tcp:	FLOW_TCP
 * @ping:	FLOW_PING4, FLOW_PING6
 * @udp:	FLOW_UDP, FLOW_UDP_SPLICE
 * @tcp_splice:	FLOW_TCP_SPLICE
 */
union flow {
	struct flow_common f;
	struct tcp_conn tcp;
	struct flow_ping ping;
	struct flow_udp udp;
	struct flow_tcp_splice tcp_splice;
};

_Static_assert(FLOW_MAX <= EPOLL_REF_IDX_MAX, "flow index must fit epoll_ref");
_Static_assert(sizeof(union flow) <= 256,
	       "flow entry grew: update the memory cost beside FLOW_MAX");

extern union flow flowtab[FLOW_MAX];

/**
 * flow_idx() - Index of a flow in the table (for epoll references, logs)
 * @flow:	Flow
 *
 * Return: index
 */
static inline unsigned int flow_idx(const union flow *flow)
{
	return (unsigned int)(flow - flowtab);
}

/**
 * flow_at() - Flow at an index, e.g. from an epoll reference
 * @idx:	Index
 *
 * Return: the flow, or NULL if @idx is out of range
 */
static inline union flow *flow_at(unsigned int idx)
{
	return idx < FLOW_MAX ? &flowtab[idx] : NULL;
}

/**
 * flow_is_active() - Is this flow in use (not free, new or closed)?
 * @flow:	Flow
 *
 * Return: true if ACTIVE
 */
static inline bool flow_is_active(const union flow *flow)
{
	return flow->f.state == FLOW_STATE_ACTIVE;
}

unsigned int flow_slots_used(void);

/* Iterate over every ACTIVE flow (closing the current one is allowed) */
#define flow_foreach(flow_)						\
	for ((flow_) = flowtab; (flow_) < flowtab + flow_slots_used();	\
	     (flow_)++)							\
		if (flow_is_active(flow_))

/**
 * struct flow_ops - What flow.c asks of the module that owns a flow type
 * @sweep:	Act on the sweep marks (FLOW_MARK_*) that fired for an
 *		ACTIVE flow: e.g. close an idle one, socket included, or
 *		send a keepalive. Called by flow_tick() only when a mark fired
 * @state_str:	Name of an ACTIVE flow's state for logs and the SIGUSR1
 *		dump (TCP: SYN_SENT ... LAST_ACK), NULL for "ACTIVE"
 *
 * Each protocol module registers its ops at start-up (flow_ops_set()):
 * flow.c names no protocol module, and owns no protocol's socket.
 */
struct flow_ops {
	void (*sweep)(struct ctx *c, union flow *flow, unsigned int fired,
		      uint64_t now_ms);
	const char *(*state_str)(const union flow *flow);
};

void flow_ops_set(enum flow_type type, const struct flow_ops *ops);
void flow_init(void);
void flow_set_limit(unsigned int n);
unsigned int flow_limit(void);
void flow_tick(struct ctx *c, uint64_t now_ms);
uint64_t flow_clock_interval_ms(const struct ctx *c, enum flow_clock clk);
unsigned int flow_sweep_marks(union flow *flow, unsigned int due);
void flow_dump(const struct ctx *c, uint64_t now_ms);
const char *flow_stats_line(char *buf, size_t len);

union flow *flow_alloc(enum flow_type type, uint64_t now_ms);
void flow_set_side(union flow *flow, enum flow_sidx side,
		   const union inany_addr *ep_addr, uint16_t ep_port,
		   const union inany_addr *our_addr, uint16_t our_port);
int flow_hash_insert(union flow *flow);
void flow_activate(union flow *flow);
void flow_cancel(union flow *flow);
void flow_close(union flow *flow);
void flow_close_sock(const struct ctx *c, union flow *flow, int *sock,
		     const char *why);
union flow *flow_lookup(enum flow_type type,
			const union inany_addr *guest, uint16_t guest_port,
			const union inany_addr *peer, uint16_t peer_port);
void flow_touch(union flow *flow, uint64_t now_ms);
void flow_tap_seen(union flow *flow);
void flow_count_bytes(union flow *flow, enum flow_sidx from, size_t n);
void flow_log(const union flow *flow, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
uint64_t flow_siphash(const uint8_t key[16], const void *buf, size_t len);

int flow_sock_outbound(const struct ctx *c, int s,
		       const union inany_addr *dst);

#endif /* FLOW_H */
