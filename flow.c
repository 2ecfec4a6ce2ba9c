/* SPDX-License-Identifier: GPL-2.0-or-later */
/* flow.c - The flow table: allocation, lookup, sides, deferred free, sweeps */

/**
 * DOC: Theory of operation
 *
 * Every guest TCP connection, UDP exchange and ICMP echo identifier is one
 * entry of a fixed table, flowtab[FLOW_MAX]: a union of per-protocol structs
 * that begin with a common header (struct flow_common). Free entries are
 * kept on a singly-linked free list (indices in flow_free_next[]), so that
 * allocation and release are O(1).
 *
 * Lookup from guest frames goes through a hash table keyed by (type, guest
 * address and port, peer address and port as the guest sees them), with open
 * addressing and linear probing; removal shifts later entries of a probe run
 * back (Knuth, TAOCP vol. 3, 6.4 Algorithm R), so there are no tombstones.
 * The hash is SipHash-2-4 with a random key, so that a guest cannot choose
 * addresses that collide. Lookup from epoll events needs no hash: the epoll
 * reference carries the flow index.
 *
 * Limits: FLOW_MAX entries (see flow.h for the memory cost); at the limit
 * flow_alloc() fails, the failure is counted and the caller refuses the flow.
 *
 * States: see enum flow_state in flow.h. Removal is deferred: flow_close()
 * marks a flow CLOSED and takes it out of the hash table; flow_tick(), run by
 * the loop's periodic tick, frees CLOSED entries, so a handler never sees an
 * entry reused under it within one loop iteration.
 *
 * Sweeps: flow_tick() runs every second and drives the clocks of enum
 * flow_clock, each with its own interval. A pass of a clock finds, for each
 * active flow of its type, whether the flow still carries the clock's mark
 * (set by the previous pass, cleared by activity since), then marks every
 * flow again. A mark found set means at least one whole interval without
 * activity; since activity may come just after a pass, a flow idle since its
 * last activity is caught between one and two intervals after it: the limit
 * users set is the floor, twice it the ceiling. No per-flow timer is used for
 * these coarse limits; one pass costs one walk of the table. Marks that fired
 * go to the sweep handler of the flow's type (struct flow_ops, registered by
 * icmp.c, udp.c and tcp.c): this module names no protocol module.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "ctx.h"
#include "util.h"
#include "log.h"
#include "flow.h"

union flow flowtab[FLOW_MAX];

/* Next free entry after each freed entry, FLOW_MAX ends the list. Entries
 * from flow_fresh on were never used: they are taken in order once the list
 * is empty, so that the table's pages become resident only as flows need
 * them (flow.h: memory cost)
 */
static uint32_t flow_free_next[FLOW_MAX];
static uint32_t flow_free_first;
static uint32_t flow_fresh;

/* Hash slots: flow index + 1, 0 = empty */
static uint32_t flow_hashtab[FLOW_HASH_SIZE];
static uint8_t flow_hash_key[16];

static unsigned int flow_active_count;
static unsigned int flow_held_fds;	/* held by NEW and ACTIVE flows */
static unsigned int flow_limit_n = FLOW_MAX;	/* flow_set_limit() */
static uint64_t flow_alloc_fails;

const char *const flow_type_name[] = {
	[FLOW_TYPE_NONE]	= "NONE",
	[FLOW_TCP]		= "TCP",
	[FLOW_PING4]		= "PING4",
	[FLOW_PING6]		= "PING6",
	[FLOW_UDP]		= "UDP",
	[FLOW_TCP_SPLICE]	= "TCP_SPLICE",
	[FLOW_UDP_SPLICE]	= "UDP_SPLICE",
};
_Static_assert(ARRAY_SIZE(flow_type_name) == FLOW_TYPE_COUNT,
	       "flow_type_name must name every type");

/* Descriptors a flow of each type holds while NEW or ACTIVE */
static const uint8_t flow_type_fds[] = {
	[FLOW_TYPE_NONE]	= 0,
	[FLOW_TCP]		= 1,
	[FLOW_PING4]		= 1,
	[FLOW_PING6]		= 1,
	[FLOW_UDP]		= 1,
	[FLOW_TCP_SPLICE]	= FLOW_SPLICE_FDS,
	[FLOW_UDP_SPLICE]	= 1,
};
_Static_assert(ARRAY_SIZE(flow_type_fds) == FLOW_TYPE_COUNT,
	       "flow_type_fds must count every type");

/* Per-type handlers registered by the protocol modules (flow_ops_set()) */
static const struct flow_ops *flow_type_ops[FLOW_TYPE_COUNT];

const char *const flow_state_name[] = {
	[FLOW_STATE_FREE]	= "FREE",
	[FLOW_STATE_NEW]	= "NEW",
	[FLOW_STATE_ACTIVE]	= "ACTIVE",
	[FLOW_STATE_CLOSED]	= "CLOSED",
};
_Static_assert(ARRAY_SIZE(flow_state_name) == FLOW_STATE_COUNT,
	       "flow_state_name must name every state");

/**
 * flow_sip_rotl() - Rotate left, 64 bits
 * @x:		Value
 * @b:		Bits
 *
 * Return: rotated value
 */
static inline uint64_t flow_sip_rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

/**
 * flow_sip_round() - One SipRound
 * @v:		State, four words
 */
static inline void flow_sip_round(uint64_t v[4])
{
	v[0] += v[1]; v[1] = flow_sip_rotl(v[1], 13); v[1] ^= v[0];
	v[0] = flow_sip_rotl(v[0], 32);
	v[2] += v[3]; v[3] = flow_sip_rotl(v[3], 16); v[3] ^= v[2];
	v[0] += v[3]; v[3] = flow_sip_rotl(v[3], 21); v[3] ^= v[0];
	v[2] += v[1]; v[1] = flow_sip_rotl(v[1], 17); v[1] ^= v[2];
	v[2] = flow_sip_rotl(v[2], 32);
}

/**
 * flow_sip_le64() - Read a little-endian 64-bit word
 * @p:		Bytes
 *
 * Return: value
 */
static uint64_t flow_sip_le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/**
 * flow_siphash() - SipHash-2-4 (Aumasson, Bernstein 2012) of a buffer
 * @key:	128-bit key
 * @buf:	Data
 * @len:	Length of @buf, bytes
 *
 * Used for the hash table and for TCP initial sequence numbers (RFC 6528).
 *
 * Return: 64-bit hash
 */
uint64_t flow_siphash(const uint8_t key[16], const void *buf, size_t len)
{
	uint64_t k0 = flow_sip_le64(key), k1 = flow_sip_le64(key + 8);
	uint64_t v[4] = { k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL,
			  k0 ^ 0x6c7967656e657261ULL, k1 ^ 0x7465646279746573ULL };
	const uint8_t *p = buf;
	uint8_t last[8] = { 0 };
	size_t i, tail = len % 8;
	uint64_t m;

	for (i = 0; i + 8 <= len; i += 8) {
		m = flow_sip_le64(p + i);
		v[3] ^= m;
		flow_sip_round(v);
		flow_sip_round(v);
		v[0] ^= m;
	}
	memcpy(last, p + i, tail);
	last[7] = (uint8_t)len;
	m = flow_sip_le64(last);
	v[3] ^= m;
	flow_sip_round(v);
	flow_sip_round(v);
	v[0] ^= m;
	v[2] ^= 0xff;
	for (i = 0; i < 4; i++)
		flow_sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/**
 * flow_key_hash() - Hash slot for a lookup key
 * @type:	Flow type
 * @guest:	Guest address
 * @guest_port:	Guest port
 * @peer:	Peer address as the guest sees it
 * @peer_port:	Peer port
 *
 * Return: slot index in flow_hashtab
 */
static unsigned int flow_key_hash(enum flow_type type,
				  const union inany_addr *guest,
				  uint16_t guest_port,
				  const union inany_addr *peer,
				  uint16_t peer_port)
{
	uint8_t key[2 * sizeof(union inany_addr) + 5];

	memcpy(key, guest, sizeof(*guest));
	memcpy(key + sizeof(*guest), peer, sizeof(*peer));
	key[32] = (uint8_t)type;
	util_put_be16(key + 33, guest_port);
	util_put_be16(key + 35, peer_port);
	return (unsigned int)(flow_siphash(flow_hash_key, key, sizeof(key)) %
			      FLOW_HASH_SIZE);
}

/**
 * flow_matches() - Does a flow's tap side match a lookup key?
 * @flow:	Flow
 * @type:	Flow type
 * @guest:	Guest address
 * @guest_port:	Guest port
 * @peer:	Peer address
 * @peer_port:	Peer port
 *
 * Return: true on match
 */
static bool flow_matches(const union flow *flow, enum flow_type type,
			 const union inany_addr *guest, uint16_t guest_port,
			 const union inany_addr *peer, uint16_t peer_port)
{
	const struct flow_side *s = &flow->f.side[FLOW_SIDE_TAP];

	return flow->f.type == type && s->ep_port == guest_port &&
	       s->our_port == peer_port && inany_equals(&s->ep_addr, guest) &&
	       inany_equals(&s->our_addr, peer);
}

/**
 * flow_slot_hash() - Home slot of the flow stored in a hash slot
 * @slot:	Slot index, must be occupied
 *
 * Return: home slot index
 */
static unsigned int flow_slot_hash(unsigned int slot)
{
	const union flow *flow = &flowtab[flow_hashtab[slot] - 1];
	const struct flow_side *s = &flow->f.side[FLOW_SIDE_TAP];

	return flow_key_hash((enum flow_type)flow->f.type, &s->ep_addr,
			     s->ep_port, &s->our_addr, s->our_port);
}

/**
 * struct flow_clock_state - Schedule of one sweep clock
 * @next_ms:	Time of its next pass, 0 before the first
 */
static struct flow_clock_state {
	uint64_t next_ms;
} flow_clocks[FLOW_CLOCK_COUNT];

/**
 * flow_ops_set() - Register what the owner of a flow type does on sweeps
 * @type:	Flow type
 * @ops:	Its handlers, static: flow.c keeps the pointer
 */
void flow_ops_set(enum flow_type type, const struct flow_ops *ops)
{
	ASSERT(type > FLOW_TYPE_NONE && type < FLOW_TYPE_COUNT);
	flow_type_ops[type] = ops;
}

/**
 * flow_init() - Set up the free list and hash table
 */
void flow_init(void)
{
	int ret;

	/* Only what was used since the last flow_init() (unit tests) needs
	 * clearing: at start-up everything is zero, and stays non-resident
	 */
	if (flow_fresh) {
		memset(flowtab, 0, flow_fresh * sizeof(flowtab[0]));
		memset(flow_hashtab, 0, sizeof(flow_hashtab));
	}
	flow_fresh = 0;
	memset(flow_clocks, 0, sizeof(flow_clocks));
	flow_free_first = FLOW_MAX;
	flow_active_count = 0;
	flow_held_fds = 0;
	flow_limit_n = FLOW_MAX;
	flow_alloc_fails = 0;

	ret = util_key_init(flow_hash_key, sizeof(flow_hash_key));
	if (ret)
		die("Flow hash key: getrandom: %s", strerror(-ret));
}

/**
 * flow_set_limit() - Set how many descriptors flows may hold at once
 * @n:		Descriptors, at most FLOW_MAX (larger values mean FLOW_MAX)
 *
 * Every flow holds one file descriptor, its socket, but a spliced TCP
 * flow, FLOW_SPLICE_FDS: passt.c sets this from the open-file limit, so
 * that the table fills before descriptors run out and the daemon keeps
 * the few it needs for itself (a new guest connection, an accept() on a
 * forward). The limit is so also the number of one-descriptor flows
 * there may be. NEW and ACTIVE entries count; CLOSED ones do not (their
 * descriptors are closed), although they take a slot of the table until
 * the sweep frees them.
 */
void flow_set_limit(unsigned int n)
{
	flow_limit_n = n < FLOW_MAX ? n : FLOW_MAX;
}

/**
 * flow_limit() - How many descriptors flows may hold at once
 *
 * Return: the limit, FLOW_MAX unless flow_set_limit() lowered it
 */
unsigned int flow_limit(void)
{
	return flow_limit_n;
}

/**
 * flow_slots_used() - Entries ever used since flow_init(): the rest is free
 *
 * Scans of the table stop here, so that entries never used stay untouched
 * (not resident: see FLOW_MAX).
 *
 * Return: index of the first entry never used
 */
unsigned int flow_slots_used(void)
{
	return flow_fresh;
}

/**
 * flow_alloc() - Take an entry from the free list
 * @type:	Flow type, selects the union member the caller will fill
 * @now_ms:	Current time, milliseconds
 *
 * The entry is zeroed but for the common header: FREE -> NEW.
 *
 * Return: the new flow, or NULL if its descriptors would take NEW and
 *	   ACTIVE flows past flow_limit(), or no entry is free (counted)
 */
union flow *flow_alloc(enum flow_type type, uint64_t now_ms)
{
	union flow *flow;

	if (flow_held_fds + flow_type_fds[type] > flow_limit_n ||
	    (flow_free_first >= FLOW_MAX && flow_fresh >= FLOW_MAX)) {
		flow_alloc_fails++;
		return NULL;
	}
	if (flow_free_first < FLOW_MAX) {
		flow = &flowtab[flow_free_first];
		flow_free_first = flow_free_next[flow_free_first];
	} else {
		flow = &flowtab[flow_fresh++];
	}
	ASSERT(flow->f.state == FLOW_STATE_FREE);
	flow_held_fds += flow_type_fds[type];

	memset(flow, 0, sizeof(*flow));
	flow->f.type = type;
	flow->f.state = FLOW_STATE_NEW;
	flow->f.created_ms = now_ms;
	flow->f.last_ms = now_ms;
	return flow;
}

/**
 * flow_set_side() - Set the addresses of one side of a NEW flow
 * @flow:	Flow, NEW and not yet in the hash table
 * @side:	FLOW_SIDE_TAP or FLOW_SIDE_SOCK
 * @ep_addr:	Endpoint address (guest, or host-side peer)
 * @ep_port:	Endpoint port, host order
 * @our_addr:	Our address as the endpoint sees it
 * @our_port:	Our port, host order
 */
void flow_set_side(union flow *flow, enum flow_sidx side,
		   const union inany_addr *ep_addr, uint16_t ep_port,
		   const union inany_addr *our_addr, uint16_t our_port)
{
	struct flow_side *s = &flow->f.side[side];

	ASSERT(flow->f.state == FLOW_STATE_NEW);
	ASSERT(!(side == FLOW_SIDE_TAP && flow->f.in_hash));
	s->ep_addr = *ep_addr;
	s->ep_port = ep_port;
	s->our_addr = *our_addr;
	s->our_port = our_port;
}

/**
 * flow_hash_insert() - Make a NEW flow findable by its tap-side addresses
 * @flow:	Flow, tap side set
 *
 * Return: 0 on success, -EEXIST if a flow with the same key exists
 */
int flow_hash_insert(union flow *flow)
{
	const struct flow_side *s = &flow->f.side[FLOW_SIDE_TAP];
	unsigned int slot;

	ASSERT(flow->f.state == FLOW_STATE_NEW && !flow->f.in_hash);
	if (flow_lookup((enum flow_type)flow->f.type, &s->ep_addr, s->ep_port,
			&s->our_addr, s->our_port))
		return -EEXIST;

	slot = flow_key_hash((enum flow_type)flow->f.type, &s->ep_addr,
			     s->ep_port, &s->our_addr, s->our_port);
	while (flow_hashtab[slot])
		slot = (slot + 1) % FLOW_HASH_SIZE;
	flow_hashtab[slot] = flow_idx(flow) + 1;
	flow->f.in_hash = 1;
	return 0;
}

/**
 * flow_hash_remove() - Take a flow out of the hash table
 * @flow:	Flow in the hash table
 *
 * Backward-shift deletion keeps every probe run contiguous.
 */
static void flow_hash_remove(union flow *flow)
{
	const struct flow_side *s = &flow->f.side[FLOW_SIDE_TAP];
	unsigned int slot, next;

	slot = flow_key_hash((enum flow_type)flow->f.type, &s->ep_addr,
			     s->ep_port, &s->our_addr, s->our_port);
	while (flow_hashtab[slot] != flow_idx(flow) + 1) {
		ASSERT(flow_hashtab[slot]);
		slot = (slot + 1) % FLOW_HASH_SIZE;
	}

	flow_hashtab[slot] = 0;
	for (next = (slot + 1) % FLOW_HASH_SIZE; flow_hashtab[next];
	     next = (next + 1) % FLOW_HASH_SIZE) {
		unsigned int home = flow_slot_hash(next);

		/* Move back if its home is not cyclically in (slot, next] */
		if ((next > slot && (home <= slot || home > next)) ||
		    (next < slot && (home <= slot && home > next))) {
			flow_hashtab[slot] = flow_hashtab[next];
			flow_hashtab[next] = 0;
			slot = next;
		}
	}
	flow->f.in_hash = 0;
}

/**
 * flow_lookup() - Find a flow by its tap-side addresses
 * @type:	Flow type
 * @guest:	Guest address
 * @guest_port:	Guest port (ICMP: echo identifier)
 * @peer:	Peer address as the guest sees it
 * @peer_port:	Peer port (ICMP: echo identifier)
 *
 * Return: the flow (NEW or ACTIVE), or NULL
 */
union flow *flow_lookup(enum flow_type type,
			const union inany_addr *guest, uint16_t guest_port,
			const union inany_addr *peer, uint16_t peer_port)
{
	unsigned int slot = flow_key_hash(type, guest, guest_port,
					  peer, peer_port);

	while (flow_hashtab[slot]) {
		union flow *flow = &flowtab[flow_hashtab[slot] - 1];

		if (flow_matches(flow, type, guest, guest_port,
				 peer, peer_port))
			return flow;
		slot = (slot + 1) % FLOW_HASH_SIZE;
	}
	return NULL;
}

/**
 * flow_activate() - A NEW flow is set up: NEW -> ACTIVE
 * @flow:	Flow
 */
void flow_activate(union flow *flow)
{
	ASSERT(flow->f.state == FLOW_STATE_NEW);
	flow->f.state = FLOW_STATE_ACTIVE;
	flow_active_count++;
}

/**
 * flow_free() - Put an entry back on the free list: -> FREE
 * @flow:	Flow, NEW or CLOSED, not in the hash table
 */
static void flow_free(union flow *flow)
{
	ASSERT(!flow->f.in_hash);
	memset(flow, 0, sizeof(*flow));
	flow->f.state = FLOW_STATE_FREE;
	flow_free_next[flow_idx(flow)] = flow_free_first;
	flow_free_first = flow_idx(flow);
}

/**
 * flow_cancel() - Give up on a NEW flow: NEW -> FREE
 * @flow:	Flow, its module holds no resource in it any more
 */
void flow_cancel(union flow *flow)
{
	ASSERT(flow->f.state == FLOW_STATE_NEW);
	if (flow->f.in_hash)
		flow_hash_remove(flow);
	flow_held_fds -= flow_type_fds[flow->f.type];
	flow_free(flow);
}

/**
 * flow_close() - A flow is finished: ACTIVE -> CLOSED, freed by the sweep
 * @flow:	Flow, its module closed its socket
 *
 * The flow leaves the hash table now, so that a new flow with the same
 * addresses can be created in the same loop iteration.
 */
void flow_close(union flow *flow)
{
	ASSERT(flow->f.state == FLOW_STATE_ACTIVE);
	if (flow->f.in_hash)
		flow_hash_remove(flow);
	flow->f.state = FLOW_STATE_CLOSED;
	flow_active_count--;
	flow_held_fds -= flow_type_fds[flow->f.type];
}

/**
 * flow_touch() - Record activity on a flow
 * @flow:	Flow
 * @now_ms:	Current time, milliseconds
 */
void flow_touch(union flow *flow, uint64_t now_ms)
{
	flow->f.last_ms = now_ms;
	flow->f.marks &= (uint8_t)~(FLOW_MARK_IDLE | FLOW_MARK_CLOSING);
}

/**
 * flow_tap_seen() - Record a segment from the guest (alive, not activity)
 * @flow:	Flow
 *
 * Clears the tap mark only: a keepalive's answer shows the guest still knows
 * the flow, but it is not activity for the inactivity and closing limits.
 */
void flow_tap_seen(union flow *flow)
{
	flow->f.marks &= (uint8_t)~FLOW_MARK_TAP;
}

/**
 * flow_count_bytes() - Count payload bytes received from one side
 * @flow:	Flow
 * @from:	FLOW_SIDE_TAP (guest to host) or FLOW_SIDE_SOCK (host to guest)
 * @n:		Bytes
 */
void flow_count_bytes(union flow *flow, enum flow_sidx from, size_t n)
{
	flow->f.bytes[from] += n;
}

/**
 * flow_state_str() - Name of a flow's state for logs: TCP state or lifecycle
 * @flow:	Flow
 *
 * Return: constant string
 */
static const char *flow_state_str(const union flow *flow)
{
	const struct flow_ops *ops = flow_type_ops[flow->f.type];

	if (flow->f.state == FLOW_STATE_ACTIVE && ops && ops->state_str)
		return ops->state_str(flow);
	return flow_state_name[flow->f.state];
}

/**
 * flow_side_str() - Format "ep -> our" of one side
 * @s:		Side
 * @buf:	Output buffer
 * @len:	Size of @buf
 *
 * Return: @buf
 */
static const char *flow_side_str(const struct flow_side *s, char *buf,
				 size_t len)
{
	char a[INANY_STR_LEN], b[INANY_STR_LEN];
	bool v6 = !inany_is_v4(&s->ep_addr);

	snprintf(buf, len, "%s%s%s:%u -> %s%s%s:%u", v6 ? "[" : "",
		 inany_ntop(&s->ep_addr, a, sizeof(a)), v6 ? "]" : "",
		 s->ep_port, v6 ? "[" : "",
		 inany_ntop(&s->our_addr, b, sizeof(b)), v6 ? "]" : "",
		 s->our_port);
	return buf;
}

/**
 * flow_log() - Log a line about a flow, prefixed with its identity
 * @flow:	Flow
 * @level:	Log level (LOG_ERR ... LOG_TRACE)
 * @fmt:	Message format
 *
 * Prefix: "flow IDX PROTO guestaddr:port -> peeraddr:port [STATE]: ".
 */
void flow_log(const union flow *flow, int level, const char *fmt, ...)
{
	char side[2 * INANY_STR_LEN + 32], msg[256];
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_msg(level, "flow %u %s %s [%s]: %s", flow_idx(flow),
		flow_type_name[flow->f.type],
		flow_side_str(&flow->f.side[FLOW_SIDE_TAP], side, sizeof(side)),
		flow_state_str(flow), msg);
}

/**
 * flow_close_sock() - Close a flow and the one socket it holds
 * @c:		Execution context
 * @flow:	Flow, ACTIVE
 * @sock:	Its socket (out of epoll, closed, set to -1), or -1
 * @why:	Reason, for the log
 *
 * For protocol modules whose flows hold a socket and nothing else (ICMP,
 * UDP): the socket stays the module's field, the module says when.
 *
 * #syscalls epoll_ctl close
 */
void flow_close_sock(const struct ctx *c, union flow *flow, int *sock,
		     const char *why)
{
	flow_log(flow, LOG_DEBUG, "%s, closing", why);
	if (*sock >= 0) {
		util_epoll_del(c->epollfd, *sock);
		close(*sock);
		*sock = -1;
	}
	flow_close(flow);
}

/**
 * flow_clock_interval_ms() - Interval of a sweep clock
 * @c:		Execution context
 * @clk:	Clock
 *
 * Return: interval from the configuration (its default if unset), ms
 */
uint64_t flow_clock_interval_ms(const struct ctx *c, enum flow_clock clk)
{
	unsigned int s = 0, def = 0;

	switch (clk) {
	case FLOW_CLOCK_TCP_IDLE:
		s = c->inactivity_timeout_s;
		def = FLOW_TCP_IDLE_DEFAULT_S;
		break;
	case FLOW_CLOCK_TCP_CLOSING:
		s = c->tcp_closing_timeout_s;
		def = FLOW_TCP_CLOSING_DEFAULT_S;
		break;
	case FLOW_CLOCK_TCP_TAP:
		s = c->tcp_keepalive_interval_s;
		def = FLOW_TCP_TAP_DEFAULT_S;
		break;
	case FLOW_CLOCK_UDP_IDLE:
		s = c->udp_timeout_s;
		def = FLOW_UDP_IDLE_DEFAULT_S;
		break;
	case FLOW_CLOCK_PING_IDLE:
		def = FLOW_PING_TIMEOUT_S;
		break;
	case FLOW_CLOCK_COUNT:
		break;
	}
	return (uint64_t)(s ? s : def) * 1000;
}

/**
 * flow_clocks_due() - Which clocks pass now; schedule their next pass
 * @c:		Execution context
 * @now_ms:	Current time, milliseconds
 *
 * A clock passes at its first call and then once per interval, in whole
 * ticks (util_interval_due()).
 *
 * Return: bit mask of clocks passing now (1U << enum flow_clock)
 */
static unsigned int flow_clocks_due(const struct ctx *c, uint64_t now_ms)
{
	unsigned int due = 0, clk;

	for (clk = 0; clk < FLOW_CLOCK_COUNT; clk++) {
		if (util_interval_due(&flow_clocks[clk].next_ms,
				      flow_clock_interval_ms(c,
							     (enum flow_clock)clk),
				      now_ms, FLOW_TICK_MS))
			due |= 1U << clk;
	}
	return due;
}

/**
 * flow_mark_pass() - One clock pass over one flow's mark
 * @flow:	Flow
 * @mark:	FLOW_MARK_* bit of the clock
 *
 * Return: true if the mark was still set (a whole interval without the
 * activity that clears it); the mark is set again either way
 */
static bool flow_mark_pass(union flow *flow, uint8_t mark)
{
	bool fired = flow->f.marks & mark;

	flow->f.marks |= mark;
	return fired;
}

/**
 * flow_sweep_marks() - Run the passing clocks over one flow's marks
 * @flow:	Flow, ACTIVE
 * @due:	Clocks passing now, from flow_clocks_due()
 *
 * Return: FLOW_MARK_* bits that fired for this flow
 */
unsigned int flow_sweep_marks(union flow *flow, unsigned int due)
{
	unsigned int fired = 0;

#define FLOW_PASS_(clk, mark)						\
	do {								\
		if ((due & (1U << (clk))) && flow_mark_pass(flow, (mark)))\
			fired |= (mark);				\
	} while (0)

	switch ((enum flow_type)flow->f.type) {
	case FLOW_TCP:
		FLOW_PASS_(FLOW_CLOCK_TCP_IDLE, FLOW_MARK_IDLE);
		FLOW_PASS_(FLOW_CLOCK_TCP_CLOSING, FLOW_MARK_CLOSING);
		FLOW_PASS_(FLOW_CLOCK_TCP_TAP, FLOW_MARK_TAP);
		break;
	case FLOW_PING4:
	case FLOW_PING6:
		FLOW_PASS_(FLOW_CLOCK_PING_IDLE, FLOW_MARK_IDLE);
		break;
	case FLOW_UDP:
	case FLOW_UDP_SPLICE:
		FLOW_PASS_(FLOW_CLOCK_UDP_IDLE, FLOW_MARK_IDLE);
		break;
	case FLOW_TCP_SPLICE:
		FLOW_PASS_(FLOW_CLOCK_TCP_IDLE, FLOW_MARK_IDLE);
		FLOW_PASS_(FLOW_CLOCK_TCP_CLOSING, FLOW_MARK_CLOSING);
		break;
	case FLOW_TYPE_NONE:
	case FLOW_TYPE_COUNT:
		break;
	}
#undef FLOW_PASS_
	return fired;
}

/**
 * flow_sweep_one() - Periodic work on one ACTIVE flow
 * @c:		Execution context
 * @flow:	Flow
 * @due:	Clocks passing now
 * @now_ms:	Current time, milliseconds
 *
 * The owner of the flow's type acts on the marks that fired (it may close
 * the flow).
 */
static void flow_sweep_one(struct ctx *c, union flow *flow, unsigned int due,
			   uint64_t now_ms)
{
	unsigned int fired = flow_sweep_marks(flow, due);
	const struct flow_ops *ops = flow_type_ops[flow->f.type];

	if (!fired)
		return;
	ASSERT(ops && ops->sweep);	/* every type in use registers */
	ops->sweep(c, flow, fired, now_ms);
}

/**
 * flow_tick() - Periodic sweeps, called by the loop's tick (every second)
 * @c:		Execution context
 * @now_ms:	Current time, milliseconds
 *
 * Frees CLOSED entries; runs the clocks that pass now over ACTIVE ones.
 */
void flow_tick(struct ctx *c, uint64_t now_ms)
{
	unsigned int due = flow_clocks_due(c, now_ms);
	union flow *flow;

	for (flow = flowtab; flow < flowtab + flow_fresh; flow++) {
		switch ((enum flow_state)flow->f.state) {
		case FLOW_STATE_FREE:
			break;
		case FLOW_STATE_NEW:
			flow_log(flow, LOG_ERR, "left NEW across a loop turn");
			ASSERT(0);
			break;
		case FLOW_STATE_ACTIVE:
			if (due)
				flow_sweep_one(c, flow, due, now_ms);
			break;
		case FLOW_STATE_CLOSED:
			flow_free(flow);
			break;
		case FLOW_STATE_COUNT:
			ASSERT(0);
			break;
		}
	}
}

/**
 * flow_stats_line() - One line of counters: flows by type and state, refusals
 * @buf:	Output buffer
 * @len:	Size of @buf
 *
 * Return: @buf, e.g. "flows 3 of 19972 (TCP ESTABLISHED 2, UDP ACTIVE 1),
 * refused 0" (of: the limit, flow_limit())
 */
const char *flow_stats_line(char *buf, size_t len)
{
	struct {
		const char *type;
		const char *state;
		unsigned int n;
	} seen[FLOW_STATS_KINDS];
	unsigned int nseen = 0, i;
	const union flow *flow;
	size_t off;

	for (flow = flowtab; flow < flowtab + flow_fresh; flow++) {
		const char *type = flow_type_name[flow->f.type];
		const char *state;

		if (flow->f.state == FLOW_STATE_FREE)
			continue;
		state = flow_state_str(flow);
		for (i = 0; i < nseen; i++) {
			if (seen[i].type == type && !strcmp(seen[i].state,
							    state))
				break;
		}
		if (i == nseen) {
			/* FLOW_STATS_KINDS covers every (type, state) */
			ASSERT(nseen < FLOW_STATS_KINDS);
			seen[nseen].type = type;
			seen[nseen].state = state;
			seen[nseen++].n = 0;
		}
		seen[i].n++;
	}

	off = (size_t)snprintf(buf, len, "flows %u of %u (", flow_active_count,
			       flow_limit_n);
	for (i = 0; i < nseen && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s %s %u",
					i ? ", " : "", seen[i].type,
					seen[i].state, seen[i].n);
	if (off < len)
		snprintf(buf + off, len - off, "), refused %llu",
			 (unsigned long long)flow_alloc_fails);
	return buf;
}

/**
 * flow_dump() - Log the flow table and counters (SIGUSR1)
 * @c:		Execution context
 * @now_ms:	Current time, milliseconds
 *
 * One line per non-free flow: index, type, state, both sides, age, idle
 * time, payload bytes each way.
 */
void flow_dump(const struct ctx *c, uint64_t now_ms)
{
	char tap[2 * INANY_STR_LEN + 32], sock[2 * INANY_STR_LEN + 32];
	char line[FLOW_STATS_LINE_LEN];
	const union flow *flow;

	(void)c;
	log_info("flow table: %u active of %u, %llu allocations refused",
		 flow_active_count, flow_limit_n,
		 (unsigned long long)flow_alloc_fails);
	log_info("%s", flow_stats_line(line, sizeof(line)));
	for (flow = flowtab; flow < flowtab + flow_fresh; flow++) {
		if (flow->f.state == FLOW_STATE_FREE)
			continue;
		log_info("flow %u %s [%s] tap %s sock %s age %llus idle %llus "
			 "bytes guest->host %llu host->guest %llu",
			 flow_idx(flow), flow_type_name[flow->f.type],
			 flow_state_str(flow),
			 flow_side_str(&flow->f.side[FLOW_SIDE_TAP], tap,
				       sizeof(tap)),
			 flow_side_str(&flow->f.side[FLOW_SIDE_SOCK], sock,
				       sizeof(sock)),
			 (unsigned long long)(now_ms - flow->f.created_ms) / 1000,
			 (unsigned long long)(now_ms - flow->f.last_ms) / 1000,
			 (unsigned long long)flow->f.bytes[FLOW_SIDE_TAP],
			 (unsigned long long)flow->f.bytes[FLOW_SIDE_SOCK]);
	}
}

/**
 * flow_sock_outbound() - Bind a new outbound socket as -o and
 *			  --outbound-if4/--outbound-if6 say
 * @c:		Execution context
 * @s:		Socket, not bound or connected yet
 * @dst:	Host-side destination the socket will connect to
 *
 * A flow toward the host's loopback (the gateway mapped there) is left
 * alone: neither a source address of another interface nor a device binding
 * can reach 127.0.0.1 or ::1.
 *
 * #syscalls setsockopt bind
 * Return: 0 on success (also with nothing to do), -errno on failure
 */
int flow_sock_outbound(const struct ctx *c, int s,
		       const union inany_addr *dst)
{
	union inany_addr src;
	struct sockaddr_storage sa;
	const char *ifname;
	bool bind_src;
	socklen_t sl;

	if (inany_is_v4(dst)) {
		if ((ntohl(inany_v4(dst)->s_addr) >> 24) == 127)
			return 0;
		ifname = c->ip4.ifname_out;
		bind_src = c->ip4.addr_out.s_addr != INADDR_ANY;
		inany_from_v4(&src, c->ip4.addr_out);
	} else {
		if (IN6_IS_ADDR_LOOPBACK(&dst->a6))
			return 0;
		ifname = c->ip6.ifname_out;
		bind_src = !IN6_IS_ADDR_UNSPECIFIED(&c->ip6.addr_out);
		inany_from_v6(&src, &c->ip6.addr_out);
	}
	if (*ifname && setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, ifname,
				  (socklen_t)strlen(ifname)))
		return -errno;
	if (bind_src) {
		sl = inany_to_sockaddr(&src, 0, &sa);
		if (bind(s, (struct sockaddr *)&sa, sl))
			return -errno;
	}
	return 0;
}
