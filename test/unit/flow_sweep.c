/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test/unit/flow_sweep.c - Clock-algorithm sweeps driven by a fake clock
 *
 * flow_tick() takes the time as an argument (the daemon passes its one clock,
 * util_now_ms()), so these tests run hours of sweeps in microseconds.
 */

#include <arpa/inet.h>

#include "unit.h"
#include "ctx.h"
#include "flow.h"
#include "tcp.h"
#include "util.h"

#define TICK_MS		1000	/* the daemon calls flow_tick() every second */

/**
 * idle_sweep() - What icmp.c and udp.c register: close a flow found idle
 * @c:		Execution context
 * @flow:	Flow (struct flow_ops)
 * @fired:	FLOW_MARK_* bits that fired
 * @now_ms:	Current time, milliseconds
 */
static void idle_sweep(struct ctx *c, union flow *flow, unsigned int fired,
		       uint64_t now_ms)
{
	(void)now_ms;
	if (fired & FLOW_MARK_IDLE)
		flow_close_sock(c, flow, &flow->udp.sock, "idle");
}

static const struct flow_ops idle_ops = { .sweep = idle_sweep };

/**
 * new_udp() - Allocate, insert and activate a UDP flow without a socket
 * @gport:	Guest port
 * @now_ms:	Creation time
 *
 * Return: the flow, or NULL
 */
static union flow *new_udp(uint16_t gport, uint64_t now_ms)
{
	union inany_addr g, p;
	struct in_addr a;
	union flow *flow;

	inet_pton(AF_INET, "10.0.2.15", &a);
	inany_from_v4(&g, a);
	inet_pton(AF_INET, "192.0.2.7", &a);
	inany_from_v4(&p, a);
	flow_ops_set(FLOW_UDP, &idle_ops);
	flow = flow_alloc(FLOW_UDP, now_ms);
	if (!flow)
		return NULL;
	flow->udp.sock = -1;
	flow_set_side(flow, FLOW_SIDE_TAP, &g, gport, &p, 53);
	flow_set_side(flow, FLOW_SIDE_SOCK, &p, 53, &g, gport);
	if (flow_hash_insert(flow)) {
		flow_cancel(flow);
		return NULL;
	}
	flow_activate(flow);
	return flow;
}

/**
 * next_rand() - Deterministic pseudo-random numbers (xorshift32)
 * @s:		State, updated
 *
 * Return: next value
 */
static uint32_t next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

UNIT_TEST(udp_flow_closes_between_one_and_two_intervals_after_activity)
{
	struct ctx c = { .epollfd = -1, .udp_timeout_s = 10 };
	const uint64_t iv = 10000;
	unsigned int run, early = 0, late = 0, closed = 0;
	uint32_t rnd = 12345;

	/* 200 runs: activity at random times for a while, then silence */
	for (run = 0; run < 200; run++) {
		uint64_t t, last = 0, stop = 5000 + next_rand(&rnd) % 60000;
		union flow *f;

		flow_init();
		f = new_udp(40000, 0);
		for (t = TICK_MS; t < stop + 3 * iv; t += TICK_MS) {
			if (t < stop && next_rand(&rnd) % 7 == 0) {
				flow_touch(f, t);
				last = t;
			}
			flow_tick(&c, t);
			if (f->f.state != FLOW_STATE_ACTIVE)
				break;
		}
		if (f->f.state == FLOW_STATE_ACTIVE)
			continue;
		closed++;
		if (t - last < iv)
			early++;		/* would drop a live flow */
		if (t - last > 2 * iv + TICK_MS)
			late++;			/* would leak */
	}
	CHECK_EQ(closed, 200);
	CHECK_EQ(early, 0);
	CHECK_EQ(late, 0);
}

UNIT_TEST(busy_udp_flow_never_expires)
{
	struct ctx c = { .epollfd = -1, .udp_timeout_s = 5 };
	union flow *f;
	uint64_t t;

	flow_init();
	f = new_udp(40001, 0);
	for (t = TICK_MS; t < 3600 * 1000; t += TICK_MS) {
		if (t % 4000 == 0)		/* a datagram every 4 s */
			flow_touch(f, t);
		flow_tick(&c, t);
		if (f->f.state != FLOW_STATE_ACTIVE)
			break;
	}
	CHECK_EQ(f->f.state, FLOW_STATE_ACTIVE);
}

UNIT_TEST(clock_passes_once_per_interval_even_after_a_stall)
{
	struct ctx c = { .epollfd = -1, .udp_timeout_s = 10 };
	union flow *f;

	flow_init();
	f = new_udp(40002, 0);
	flow_tick(&c, 1000);		/* pass 1: mark */
	flow_touch(f, 1500);
	flow_tick(&c, 5000);		/* no pass: interval not over */
	flow_tick(&c, 11000);		/* pass 2: mark again */
	CHECK_EQ(f->f.state, FLOW_STATE_ACTIVE);
	flow_touch(f, 11500);
	flow_tick(&c, 500000);		/* long stall: one pass, not 48 */
	CHECK_EQ(f->f.state, FLOW_STATE_ACTIVE);
	flow_tick(&c, 505000);		/* within the interval: no pass */
	CHECK_EQ(f->f.state, FLOW_STATE_ACTIVE);
	flow_tick(&c, 510000);		/* pass: still marked, idle */
	CHECK_EQ(f->f.state, FLOW_STATE_CLOSED);
}

UNIT_TEST(tcp_marks_fire_per_clock_and_clear_on_their_activity)
{
	unsigned int due = (1U << FLOW_CLOCK_TCP_IDLE) |
			   (1U << FLOW_CLOCK_TCP_CLOSING) |
			   (1U << FLOW_CLOCK_TCP_TAP);
	union flow f;

	memset(&f, 0, sizeof(f));
	f.f.type = FLOW_TCP;
	f.f.state = FLOW_STATE_ACTIVE;

	CHECK_EQ(flow_sweep_marks(&f, due), 0);		/* first pass marks */
	CHECK_EQ(flow_sweep_marks(&f, due),
		 FLOW_MARK_IDLE | FLOW_MARK_CLOSING | FLOW_MARK_TAP);

	/* A keepalive's answer: guest alive, but not activity */
	flow_tap_seen(&f);
	CHECK_EQ(flow_sweep_marks(&f, due), FLOW_MARK_IDLE | FLOW_MARK_CLOSING);

	/* Data either way clears the idle and closing marks, not the tap one */
	flow_touch(&f, 1);
	CHECK_EQ(flow_sweep_marks(&f, due), FLOW_MARK_TAP);

	/* Only the clocks passing now look at their marks */
	CHECK_EQ(flow_sweep_marks(&f, 1U << FLOW_CLOCK_TCP_TAP),
		 FLOW_MARK_TAP);
	CHECK_EQ(flow_sweep_marks(&f, 1U << FLOW_CLOCK_UDP_IDLE), 0);
}

UNIT_TEST(clock_intervals_default_to_rfc_floors)
{
	struct ctx c = { .epollfd = -1 };

	CHECK_EQ(flow_clock_interval_ms(&c, FLOW_CLOCK_TCP_IDLE),
		 7440 * 1000ULL);		/* RFC 5382 REQ-5: 2 h 4 min */
	CHECK_EQ(flow_clock_interval_ms(&c, FLOW_CLOCK_TCP_CLOSING),
		 240 * 1000ULL);		/* RFC 5382 REQ-5: 4 min */
	CHECK(flow_clock_interval_ms(&c, FLOW_CLOCK_UDP_IDLE) >=
	      120 * 1000ULL);			/* RFC 4787 REQ-5: 2 min */
	c.inactivity_timeout_s = 3;
	CHECK_EQ(flow_clock_interval_ms(&c, FLOW_CLOCK_TCP_IDLE), 3000);
}

/**
 * conn_with() - A TCP connection with the given facts, nothing in flight
 * @conn:	Connection to fill
 * @facts:	TCP_FACT() bits
 */
static void conn_with(struct tcp_conn *conn, uint16_t facts)
{
	memset(conn, 0, sizeof(*conn));
	conn->f.type = FLOW_TCP;
	conn->f.state = FLOW_STATE_ACTIVE;
	conn->facts = facts;
	conn->snd_una = conn->snd_max = 1000;
}

UNIT_TEST(tcp_tick_action_follows_each_rule_in_its_direction)
{
	const uint16_t est = TCP_FACT(TCP_GUEST_SYN) |
			     TCP_FACT(TCP_SOCK_CONNECTED) |
			     TCP_FACT(TCP_TAP_SYN_SENT) |
			     TCP_FACT(TCP_TAP_SYN_ACKED);
	struct tcp_conn conn;

	/* Established, silent guest: keepalive; nothing fired: nothing */
	conn_with(&conn, est);
	CHECK_EQ(tcp_tick_action(&conn, FLOW_MARK_TAP), TCP_TICK_KEEPALIVE);
	CHECK_EQ(tcp_tick_action(&conn, 0), TCP_TICK_NONE);

	/* Data in flight: retransmission covers it, no keepalive */
	conn.snd_max = 2000;
	CHECK_EQ(tcp_tick_action(&conn, FLOW_MARK_TAP), TCP_TICK_NONE);

	/* Inactivity resets whatever the state */
	CHECK_EQ(tcp_tick_action(&conn, FLOW_MARK_IDLE | FLOW_MARK_TAP),
		 TCP_TICK_RESET_IDLE);

	/* The closing clock only applies once a FIN went either way */
	conn_with(&conn, est);
	CHECK_EQ(tcp_tick_action(&conn, FLOW_MARK_CLOSING), TCP_TICK_NONE);
	conn_with(&conn, est | TCP_FACT(TCP_GUEST_FIN) |
			 TCP_FACT(TCP_SOCK_SHUT_WR));		/* CLOSE_WAIT */
	CHECK_EQ(tcp_tick_action(&conn, FLOW_MARK_CLOSING),
		 TCP_TICK_RESET_CLOSING);
	conn_with(&conn, est | TCP_FACT(TCP_GUEST_FIN) |
			 TCP_FACT(TCP_SOCK_SHUT_WR) | TCP_FACT(TCP_SOCK_EOF) |
			 TCP_FACT(TCP_TAP_FIN_SENT));		/* LAST_ACK */
	conn.snd_max = 1001;					/* FIN out */
	CHECK_EQ(tcp_tick_action(&conn, FLOW_MARK_CLOSING),
		 TCP_TICK_RESET_CLOSING);
	CHECK_EQ(tcp_tick_action(&conn, FLOW_MARK_TAP), TCP_TICK_NONE);

	/* Handshake not done: no keepalive (the SYN retries end it) */
	conn_with(&conn, TCP_FACT(TCP_GUEST_SYN) | TCP_FACT(TCP_SOCK_CONNECTED) |
			 TCP_FACT(TCP_TAP_SYN_SENT));
	CHECK_EQ(tcp_tick_action(&conn, FLOW_MARK_TAP), TCP_TICK_NONE);
}

UNIT_TEST(interval_counts_a_slightly_early_tick_once_per_interval)
{
	uint64_t next = 0, t;
	unsigned int passes = 0;

	/* Ticks every ~1000 ms, each 1 ms early: a 1 s interval passes on
	 * every tick, not every other one
	 */
	for (t = 999; t < 10000; t += 999)
		passes += util_interval_due(&next, 1000, t, 1000);
	CHECK_EQ(passes, 10);

	/* A 3 s interval on the same ticks: every third tick */
	next = 0;
	passes = 0;
	for (t = 999; t < 30000; t += 999)
		passes += util_interval_due(&next, 3000, t, 1000);
	CHECK(passes >= 10 && passes <= 11);
}
