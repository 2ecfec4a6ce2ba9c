/* SPDX-License-Identifier: GPL-2.0-or-later */
/* listen.h - The host sockets of the forwarding rules: TCP listeners and
 * bound UDP sockets
 */

#ifndef LISTEN_H
#define LISTEN_H

#include <stdbool.h>
#include <stdint.h>

#include "epoll_ctl.h"
#include "fwd.h"
#include "inany.h"

struct ctx;

#define LISTEN_BACKLOG		128	/* listen() backlog of TCP forwards */

/* epoll reference of a forward's socket: idx = rule << 17 | v6 << 16 | port */
#define LISTEN_REF_V6		(1U << 16)
#define LISTEN_REF_RULE_SHIFT	17
_Static_assert(FWD_RULES_MAX <= (1 << (24 - LISTEN_REF_RULE_SHIFT)),
	       "rule index must fit the epoll reference");

/**
 * struct listen_ref - What a forward's socket is, from its epoll reference
 * @rule:	Rule it belongs to, in fwd_main
 * @port:	Host port it is bound to
 * @to:		Guest port the rule maps @port to
 * @v6:		IPv6 socket (else IPv4)
 * @bound:	Local address it is bound to (unspecified: any)
 */
struct listen_ref {
	const struct fwd_rule *rule;
	uint16_t port;
	uint16_t to;
	bool v6;
	union inany_addr bound;
};

/* Sides of pasta's "auto": where sockets live, where ports are watched */
#define LISTEN_HOST		0
#define LISTEN_NS		1
#define LISTEN_SIDES		2

void listen_init(const struct ctx *c);
bool listen_auto_wanted(void);
void listen_auto_init(const struct ctx *c,
		      int fds[LISTEN_SIDES][FWD_PROTO_COUNT][2],
		      void (*closing)(const struct ctx *c, int s));
void listen_auto_tick(const struct ctx *c);
int listen_ref_get(union epoll_ref ref, enum fwd_proto proto,
		   struct listen_ref *l);

#endif /* LISTEN_H */
