/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test/unit/flow.c - Flow table: allocation, hash lookup, deferred free */

#include <arpa/inet.h>

#include "unit.h"
#include "ctx.h"
#include "flow.h"

/**
 * mk4() - Build an inany address from dotted text
 * @s:		IPv4 address text
 *
 * Return: address
 */
static union inany_addr mk4(const char *s)
{
	union inany_addr a;
	struct in_addr v4;

	inet_pton(AF_INET, s, &v4);
	inany_from_v4(&a, v4);
	return a;
}

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
		flow_close_sock(c, flow, &flow->ping.sock, "idle");
}

static const struct flow_ops idle_ops = { .sweep = idle_sweep };

/**
 * new_ping() - Allocate, insert and activate a PING4 flow
 * @gport:	Guest "port" (echo id)
 * @now_ms:	Creation time
 *
 * Return: the flow, or NULL
 */
static union flow *new_ping(uint16_t gport, uint64_t now_ms)
{
	union inany_addr g = mk4("10.0.2.15"), p = mk4("192.0.2.7");
	union flow *flow;

	flow_ops_set(FLOW_PING4, &idle_ops);
	flow = flow_alloc(FLOW_PING4, now_ms);
	if (!flow)
		return NULL;
	flow->ping.sock = -1;
	flow_set_side(flow, FLOW_SIDE_TAP, &g, gport, &p, gport);
	flow_set_side(flow, FLOW_SIDE_SOCK, &p, 0, &g, 0);
	if (flow_hash_insert(flow)) {
		flow_cancel(flow);
		return NULL;
	}
	flow_activate(flow);
	return flow;
}

/**
 * stat() - A number from the --stats line, as an operator reads it
 * @key:	"flows" (active) or "refused" (allocations refused)
 *
 * Return: the number after @key in flow_stats_line(), -1 if absent
 */
static long long stat(const char *key)
{
	char line[FLOW_STATS_LINE_LEN];
	const char *p = strstr(flow_stats_line(line, sizeof(line)), key);

	return p ? strtoll(p + strlen(key) + 1, NULL, 10) : -1;
}

UNIT_TEST(alloc_insert_lookup_finds_active_flow)
{
	union inany_addr g = mk4("10.0.2.15"), p = mk4("192.0.2.7");
	union flow *f;

	flow_init();
	f = new_ping(1234, 5);
	CHECK(f != NULL);
	CHECK_EQ(f->f.state, FLOW_STATE_ACTIVE);
	CHECK(flow_lookup(FLOW_PING4, &g, 1234, &p, 1234) == f);
	CHECK(!flow_lookup(FLOW_PING6, &g, 1234, &p, 1234));
	CHECK(!flow_lookup(FLOW_PING4, &g, 1235, &p, 1234));
	CHECK(!flow_lookup(FLOW_PING4, &p, 1234, &g, 1234));
	CHECK_EQ(stat("flows"), 1);
	CHECK(flow_at(flow_idx(f)) == f);
	CHECK(!flow_at(FLOW_MAX));
}

UNIT_TEST(duplicate_key_insert_refused)
{
	flow_init();
	CHECK(new_ping(7, 0) != NULL);
	CHECK(new_ping(7, 0) == NULL);
	CHECK_EQ(stat("flows"), 1);
}

UNIT_TEST(close_unhashes_now_and_tick_frees_later)
{
	union inany_addr g = mk4("10.0.2.15"), p = mk4("192.0.2.7");
	struct ctx c = { .epollfd = -1 };
	union flow *f;

	flow_init();
	f = new_ping(42, 0);
	flow_close(f);
	CHECK_EQ(f->f.state, FLOW_STATE_CLOSED);
	CHECK(!flow_lookup(FLOW_PING4, &g, 42, &p, 42));
	CHECK_EQ(stat("flows"), 0);
	/* Same key may start again before the sweep */
	CHECK(new_ping(42, 0) != NULL);
	flow_tick(&c, 1);
	CHECK_EQ(f->f.state, FLOW_STATE_FREE);
}

UNIT_TEST(cancel_new_flow_returns_entry_to_free_list)
{
	union flow *f, *g;

	flow_init();
	f = flow_alloc(FLOW_UDP, 0);
	CHECK(f != NULL);
	flow_cancel(f);
	CHECK_EQ(f->f.state, FLOW_STATE_FREE);
	g = flow_alloc(FLOW_UDP, 0);
	CHECK(g == f);
	flow_cancel(g);
}

UNIT_TEST(table_full_refuses_and_counts)
{
	unsigned int i;

	flow_init();
	for (i = 0; i < FLOW_MAX; i++)
		if (!new_ping((uint16_t)i, 0) && i < 65536)
			break;
	CHECK_EQ(i, FLOW_MAX);
	CHECK(flow_alloc(FLOW_TCP, 0) == NULL);
	CHECK_EQ(stat("refused"), 1);
}

UNIT_TEST(limit_counts_new_and_active_not_closed)
{
	struct ctx c = { .epollfd = -1 };
	union flow *f[3], *n;

	flow_init();
	flow_set_limit(3);
	CHECK_EQ(flow_limit(), 3);
	f[0] = new_ping(1, 0);
	f[1] = new_ping(2, 0);
	n = flow_alloc(FLOW_UDP, 0);		/* NEW counts */
	CHECK(f[0] && f[1] && n);
	CHECK(flow_alloc(FLOW_UDP, 0) == NULL);
	CHECK_EQ(stat("refused"), 1);
	flow_cancel(n);
	f[2] = new_ping(3, 0);
	CHECK(f[2] != NULL);
	CHECK(new_ping(4, 0) == NULL);
	/* A CLOSED flow holds no socket: its slot waits for the sweep, but
	 * a new flow may start at once
	 */
	flow_close(f[0]);
	CHECK(new_ping(4, 0) != NULL);
	CHECK(new_ping(5, 0) == NULL);
	flow_tick(&c, 1);
	CHECK_EQ(f[0]->f.state, FLOW_STATE_FREE);
	flow_set_limit(FLOW_MAX + 1);
	CHECK_EQ(flow_limit(), FLOW_MAX);
	flow_init();
	CHECK_EQ(flow_limit(), FLOW_MAX);
}

UNIT_TEST(spliced_flow_counts_its_six_descriptors)
{
	union flow *sp, *a, *b;

	flow_init();
	flow_set_limit(FLOW_SPLICE_FDS + 1);
	sp = flow_alloc(FLOW_TCP_SPLICE, 0);
	a = flow_alloc(FLOW_TCP, 0);
	CHECK(sp && a);
	CHECK(flow_alloc(FLOW_TCP, 0) == NULL);	/* 7 of 7 held */
	flow_cancel(a);
	CHECK(flow_alloc(FLOW_TCP_SPLICE, 0) == NULL);	/* 6 + 6 > 7 */
	flow_activate(sp);
	flow_close(sp);			/* its descriptors are given back */
	a = flow_alloc(FLOW_TCP_SPLICE, 0);
	b = flow_alloc(FLOW_UDP, 0);
	CHECK(a && b);
	CHECK(flow_alloc(FLOW_UDP, 0) == NULL);
	flow_init();
}

UNIT_TEST(hash_removals_keep_every_other_flow_findable)
{
	union inany_addr g = mk4("10.0.2.15"), p = mk4("192.0.2.7");
	union flow *f[4000];
	unsigned int i, bad = 0;

	flow_init();
	for (i = 0; i < 4000; i++)
		f[i] = new_ping((uint16_t)i, 0);
	for (i = 0; i < 4000; i += 3)
		flow_close(f[i]);
	for (i = 0; i < 4000; i++) {
		union flow *l = flow_lookup(FLOW_PING4, &g, (uint16_t)i,
					    &p, (uint16_t)i);

		if (i % 3 ? l != f[i] : l != NULL)
			bad++;
	}
	CHECK_EQ(bad, 0);
}

UNIT_TEST(idle_ping_flow_expires_after_two_sweeps)
{
	const uint64_t iv = FLOW_PING_TIMEOUT_S * 1000ULL;
	struct ctx c = { .epollfd = -1 };
	union flow *f;

	flow_init();
	f = new_ping(9, 0);
	flow_tick(&c, 1000);			/* first pass: marks it */
	CHECK_EQ(f->f.state, FLOW_STATE_ACTIVE);
	flow_touch(f, 2000);			/* activity clears the mark */
	flow_tick(&c, iv + 1000);		/* second pass: marks again */
	CHECK_EQ(f->f.state, FLOW_STATE_ACTIVE);
	flow_tick(&c, 2 * iv + 1000);		/* still marked: idle */
	CHECK_EQ(f->f.state, FLOW_STATE_CLOSED);
	flow_tick(&c, 2 * iv + 2000);
	CHECK_EQ(f->f.state, FLOW_STATE_FREE);
}

UNIT_TEST(siphash_matches_reference_vector)
{
	/* SipHash-2-4 paper, Appendix A: key 00..0f, message 00..0e */
	uint8_t key[16], msg[15];
	unsigned int i;

	for (i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (i = 0; i < 15; i++)
		msg[i] = (uint8_t)i;
	CHECK(flow_siphash(key, msg, 15) == 0xa129ca6149be45e5ULL);
}
