/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcp.h - TCP translation between guest segments and host sockets */

#ifndef TCP_H
#define TCP_H

#include <stddef.h>
#include <stdint.h>

#include "epoll_ctl.h"
#include "flow.h"

struct ctx;
struct tap_pkt;

int tcp_init(struct ctx *c);
void tcp_tap_batch(struct ctx *c, const struct tap_pkt *pkts, size_t n,
		   uint64_t now_ms);
void tcp_sock_handler(struct ctx *c, union epoll_ref ref, uint32_t events,
		      uint64_t now_ms);
void tcp_listen_handler(struct ctx *c, union epoll_ref ref, uint32_t events,
			uint64_t now_ms);
void tcp_timer_handler(struct ctx *c, union epoll_ref ref, uint64_t now_ms);
void tcp_tap_disconnected(struct ctx *c, uint64_t now_ms);
void tcp_tap_room(struct ctx *c, uint64_t now_ms);


/* Pure helpers, exported for unit tests, flow logs and the docs */
enum tcp_state tcp_state(uint16_t facts);
const char *tcp_state_name(enum tcp_state state);
int tcp_facts_next(uint16_t facts, enum tcp_fact fact, uint16_t *next);
/**
 * enum tcp_tick_action - What a sweep does to a connection
 * @TCP_TICK_NONE:		Nothing
 * @TCP_TICK_RESET_IDLE:	Reset both sides: inactivity
 * @TCP_TICK_RESET_CLOSING:	Reset both sides: closing timeout
 * @TCP_TICK_KEEPALIVE:		Keepalive segment to the guest
 */
enum tcp_tick_action {
	TCP_TICK_NONE,
	TCP_TICK_RESET_IDLE,
	TCP_TICK_RESET_CLOSING,
	TCP_TICK_KEEPALIVE,
};

/**
 * struct tcp_stats - Counters of the sweeps' work on TCP, since start
 * @keepalives:		Keepalive segments sent to the guest
 * @reset_idle:		Connections reset for inactivity
 * @reset_closing:	Connections reset by the closing timeout
 * @frames_in_place:	Data frames peeked straight into the guest's buffers
 * @frames_pooled:	Data frames peeked into the payload pool, then copied
 * @ooo_stored_bytes:	Guest bytes kept beyond a hole or refused by the
 *			socket (tcp_ooo.c), not asked for again
 * @ooo_dropped_bytes:	Such bytes dropped: store full, or past its span
 * @ooo_chunks:		Store chunks in use now
 */
struct tcp_stats {
	uint64_t keepalives;
	uint64_t reset_idle;
	uint64_t reset_closing;
	uint64_t frames_in_place;
	uint64_t frames_pooled;
	uint64_t ooo_stored_bytes;
	uint64_t ooo_dropped_bytes;
	uint64_t ooo_chunks;
};

extern struct tcp_stats tcp_stats;

enum tcp_tick_action tcp_tick_action(const struct tcp_conn *conn,
				     unsigned int fired);

#endif /* TCP_H */
