/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test/unit/tcp.c - Sequence arithmetic, derived states, the fact table */

#include <errno.h>

#include "unit.h"
#include "ctx.h"
#include "flow.h"
#include "tcp.h"

#define F(x)	TCP_FACT(TCP_##x)

/**
 * apply() - Set facts in order, all of which must be legal
 * @facts:	Start
 * @list:	Facts, TCP_FACT_COUNT-terminated
 *
 * Return: resulting facts, or 0xffff if a step was refused
 */
static uint16_t apply(uint16_t facts, const enum tcp_fact *list)
{
	for (; *list != TCP_FACT_COUNT; list++)
		if (tcp_facts_next(facts, *list, &facts))
			return 0xffff;
	return facts;
}

UNIT_TEST(seq_compare_wraps_modulo_2_32)
{
	CHECK(TCP_SEQ_LT(1, 2));
	CHECK(!TCP_SEQ_LT(2, 2));
	CHECK(TCP_SEQ_LE(2, 2));
	CHECK(TCP_SEQ_LT(0xfffffff0U, 0x10));	/* across the wrap */
	CHECK(TCP_SEQ_GT(0x10, 0xfffffff0U));
	CHECK(TCP_SEQ_GE(0x10, 0x10));
	CHECK(TCP_SEQ_LT(0, 0x7fffffffU));
	CHECK(TCP_SEQ_GT(0, 0x80000001U));
}

UNIT_TEST(no_facts_is_syn_sent_guest_syn_is_syn_rcvd)
{
	CHECK_EQ(tcp_state(0), TCP_STATE_SYN_SENT);
	CHECK_EQ(tcp_state(F(SOCK_CONNECTED) | F(TAP_SYN_SENT)),
		 TCP_STATE_SYN_SENT);
	CHECK_EQ(tcp_state(F(GUEST_SYN)), TCP_STATE_SYN_RCVD);
	CHECK_EQ(tcp_state(F(GUEST_SYN) | F(SOCK_CONNECTED) |
			   F(TAP_SYN_SENT)), TCP_STATE_SYN_RCVD);
}

UNIT_TEST(derived_states_of_the_closing_facts)
{
	uint16_t est = F(GUEST_SYN) | F(SOCK_CONNECTED) | F(TAP_SYN_SENT) |
		       F(TAP_SYN_ACKED);

	CHECK_EQ(tcp_state(est), TCP_STATE_ESTABLISHED);
	CHECK_EQ(tcp_state(est | F(SOCK_EOF)), TCP_STATE_ESTABLISHED);
	CHECK_EQ(tcp_state(est | F(SOCK_EOF) | F(TAP_FIN_SENT)),
		 TCP_STATE_FIN_WAIT_1);
	CHECK_EQ(tcp_state(est | F(SOCK_EOF) | F(TAP_FIN_SENT) |
			   F(TAP_FIN_ACKED)), TCP_STATE_FIN_WAIT_2);
	CHECK_EQ(tcp_state(est | F(GUEST_FIN)), TCP_STATE_CLOSE_WAIT);
	CHECK_EQ(tcp_state(est | F(GUEST_FIN) | F(SOCK_SHUT_WR)),
		 TCP_STATE_CLOSE_WAIT);
	CHECK_EQ(tcp_state(est | F(GUEST_FIN) | F(SOCK_SHUT_WR) |
			   F(SOCK_EOF) | F(TAP_FIN_SENT)),
		 TCP_STATE_LAST_ACK);
	CHECK_EQ(tcp_state(est | F(GUEST_FIN) | F(SOCK_SHUT_WR) |
			   F(SOCK_EOF) | F(TAP_FIN_SENT) | F(TAP_FIN_ACKED)),
		 TCP_STATE_CLOSED);
	CHECK_EQ(tcp_state(est | F(RESET)), TCP_STATE_CLOSED);
	CHECK_EQ(tcp_state(F(RESET)), TCP_STATE_CLOSED);
}

UNIT_TEST(every_state_has_a_name)
{
	int s;

	for (s = 0; s < TCP_STATE_COUNT; s++)
		CHECK(strcmp(tcp_state_name((enum tcp_state)s), "?"));
	CHECK(!strcmp(tcp_state_name(TCP_STATE_CLOSE_WAIT), "CLOSE_WAIT"));
}

UNIT_TEST(outbound_table_rows_in_order_reach_closed)
{
	static const enum tcp_fact rows[] = {
		TCP_GUEST_SYN, TCP_SOCK_CONNECTED, TCP_TAP_SYN_SENT,
		TCP_TAP_SYN_ACKED, TCP_GUEST_FIN, TCP_SOCK_SHUT_WR,
		TCP_SOCK_EOF, TCP_TAP_FIN_SENT, TCP_TAP_FIN_ACKED,
	};
	static const enum tcp_state states[] = {
		TCP_STATE_SYN_RCVD, TCP_STATE_SYN_RCVD, TCP_STATE_SYN_RCVD,
		TCP_STATE_ESTABLISHED, TCP_STATE_CLOSE_WAIT,
		TCP_STATE_CLOSE_WAIT, TCP_STATE_CLOSE_WAIT,
		TCP_STATE_LAST_ACK, TCP_STATE_CLOSED,
	};
	uint16_t facts = 0;
	unsigned int i;

	for (i = 0; i < (sizeof(rows) / sizeof(rows[0])); i++) {
		CHECK_EQ(tcp_facts_next(facts, rows[i], &facts), 0);
		CHECK_EQ(tcp_state(facts), states[i]);
	}
}

UNIT_TEST(inbound_host_eof_first_walks_fin_wait_states)
{
	static const enum tcp_fact walk[] = {
		TCP_SOCK_CONNECTED, TCP_TAP_SYN_SENT, TCP_GUEST_SYN,
		TCP_TAP_SYN_ACKED, TCP_SOCK_EOF, TCP_TAP_FIN_SENT,
		TCP_FACT_COUNT
	};
	uint16_t facts = apply(0, walk);

	CHECK(facts != 0xffff);
	CHECK_EQ(tcp_state(facts), TCP_STATE_FIN_WAIT_1);
	CHECK_EQ(tcp_facts_next(facts, TCP_TAP_FIN_ACKED, &facts), 0);
	CHECK_EQ(tcp_state(facts), TCP_STATE_FIN_WAIT_2);
	/* Guest data still flows in FIN_WAIT_2: its FIN ends it */
	CHECK_EQ(tcp_facts_next(facts, TCP_GUEST_FIN, &facts), 0);
	CHECK_EQ(tcp_facts_next(facts, TCP_SOCK_SHUT_WR, &facts), 0);
	CHECK_EQ(tcp_state(facts), TCP_STATE_CLOSED);
}

UNIT_TEST(syn_ack_to_guest_needs_host_connect_first)
{
	uint16_t facts = F(GUEST_SYN), out = 0;

	CHECK_EQ(tcp_facts_next(facts, TCP_TAP_SYN_SENT, &out), -EINVAL);
	CHECK_EQ(tcp_facts_next(facts, TCP_TAP_SYN_ACKED, &out), -EINVAL);
}

UNIT_TEST(guest_fin_before_established_refused)
{
	uint16_t out;

	CHECK_EQ(tcp_facts_next(F(GUEST_SYN) | F(SOCK_CONNECTED) |
				F(TAP_SYN_SENT), TCP_GUEST_FIN, &out),
		 -EINVAL);
}

UNIT_TEST(shutdown_wr_only_after_guest_fin)
{
	uint16_t est = F(GUEST_SYN) | F(SOCK_CONNECTED) | F(TAP_SYN_SENT) |
		       F(TAP_SYN_ACKED), out;

	CHECK_EQ(tcp_facts_next(est, TCP_SOCK_SHUT_WR, &out), -EINVAL);
	CHECK_EQ(tcp_facts_next(est | F(GUEST_FIN), TCP_SOCK_SHUT_WR, &out),
		 0);
}

UNIT_TEST(fin_to_guest_only_after_socket_eof)
{
	uint16_t est = F(GUEST_SYN) | F(SOCK_CONNECTED) | F(TAP_SYN_SENT) |
		       F(TAP_SYN_ACKED), out;

	CHECK_EQ(tcp_facts_next(est, TCP_TAP_FIN_SENT, &out), -EINVAL);
	CHECK_EQ(tcp_facts_next(est, TCP_TAP_FIN_ACKED, &out), -EINVAL);
	CHECK_EQ(tcp_facts_next(est | F(SOCK_EOF), TCP_TAP_FIN_SENT, &out), 0);
	/* Socket EOF during the handshake: FIN waits for ESTABLISHED */
	CHECK_EQ(tcp_facts_next(F(GUEST_SYN) | F(SOCK_CONNECTED) |
				F(TAP_SYN_SENT) | F(SOCK_EOF),
				TCP_TAP_FIN_SENT, &out), -EINVAL);
}

UNIT_TEST(fact_set_twice_refused)
{
	uint16_t out;
	int f;

	for (f = 0; f < TCP_FACT_COUNT; f++)
		CHECK_EQ(tcp_facts_next(TCP_FACT(f) | F(GUEST_SYN) |
					F(SOCK_CONNECTED),
					(enum tcp_fact)f, &out), -EINVAL);
}

UNIT_TEST(reset_allowed_in_any_state_then_nothing_else)
{
	static const uint16_t from[] = {
		0, F(GUEST_SYN), F(SOCK_CONNECTED) | F(TAP_SYN_SENT),
		F(GUEST_SYN) | F(SOCK_CONNECTED) | F(TAP_SYN_SENT) |
		F(TAP_SYN_ACKED) | F(GUEST_FIN),
	};
	uint16_t out;
	unsigned int i;

	for (i = 0; i < (sizeof(from) / sizeof(from[0])); i++) {
		CHECK_EQ(tcp_facts_next(from[i], TCP_RESET, &out), 0);
		CHECK_EQ(tcp_state(out), TCP_STATE_CLOSED);
		CHECK_EQ(tcp_facts_next(out, TCP_SOCK_EOF, &out), -EINVAL);
	}
}

UNIT_TEST(unknown_fact_refused)
{
	uint16_t out;

	CHECK_EQ(tcp_facts_next(0, TCP_FACT_COUNT, &out), -EINVAL);
}

/* The transition table as doc/tcp.md shows it, rendered from TCP_FACTS */
#define DOC_ROW_(name, meaning, event, requires, then)			\
	{ #name, meaning, event, (requires), then },
static const struct {
	const char *name, *meaning, *event;
	uint16_t requires;
	const char *then;
} doc_rows[] = { TCP_FACTS(DOC_ROW_) };
#undef DOC_ROW_

#define DOC_TABLE_MARK	"<!-- TCP_FACTS (tcp_conn.h), checked by test/unit/tcp.c -->"
#define DOC_TABLE_MAX	8192	/* bytes, the rendered table */

/**
 * doc_table() - Render TCP_FACTS as the Markdown table of doc/tcp.md
 * @buf:	Output
 * @len:	Size of @buf
 */
static void doc_table(char *buf, size_t len)
{
	size_t off = 0;
	unsigned int i, b;

	off += (size_t)snprintf(buf + off, len - off,
				"| fact | meaning | set by | requires | then |\n"
				"|---|---|---|---|---|\n");
	for (i = 0; i < sizeof(doc_rows) / sizeof(doc_rows[0]); i++) {
		char req[256] = "-";
		size_t r = 0;

		for (b = 0; b < TCP_FACT_COUNT; b++) {
			if (!(doc_rows[i].requires & TCP_FACT(b)))
				continue;
			r += (size_t)snprintf(req + r, sizeof(req) - r,
					      "%s`%s`", r ? ", " : "",
					      doc_rows[b].name);
		}
		off += (size_t)snprintf(buf + off, len - off,
					"| `%s` | %s | %s | %s | %s |\n",
					doc_rows[i].name, doc_rows[i].meaning,
					doc_rows[i].event, req,
					doc_rows[i].then);
	}
}

UNIT_TEST(doc_tcp_md_table_is_the_code_table)
{
	static char want[DOC_TABLE_MAX], doc[65536];
	const char *start, *end;
	size_t n;
	FILE *f;

	doc_table(want, sizeof(want));
	f = fopen("doc/tcp.md", "r");
	CHECK(f != NULL);
	if (!f)
		return;
	n = fread(doc, 1, sizeof(doc) - 1, f);
	fclose(f);
	doc[n] = '\0';
	start = strstr(doc, DOC_TABLE_MARK "\n");
	CHECK(start != NULL);
	if (!start)
		return;
	start += strlen(DOC_TABLE_MARK "\n");
	end = strstr(start, "\n\n");
	if (!end)
		end = start + strlen(start);
	else
		end++;
	if ((size_t)(end - start) != strlen(want) ||
	    memcmp(start, want, strlen(want))) {
		fprintf(stderr, "  doc/tcp.md: the table under the mark "
			"differs from TCP_FACTS; it should read:\n%s", want);
		CHECK(0);
	}
}

UNIT_TEST(every_fact_row_of_the_table_is_reachable)
{
	unsigned int i;

	/* Each fact's requirements are facts listed before it in the
	 * table, except RESET's (none): walking the table in order sets
	 * every fact but RESET legally
	 */
	uint16_t facts = 0;

	for (i = 0; i < TCP_FACT_COUNT; i++) {
		if (i == TCP_RESET)
			continue;
		CHECK_EQ(tcp_facts_next(facts, (enum tcp_fact)i, &facts), 0);
	}
	CHECK_EQ(tcp_facts_next(facts, TCP_RESET, &facts), 0);
}
