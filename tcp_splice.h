/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcp_splice.h - pasta: TCP between the host's and the namespace's
 * loopback, relayed between two sockets with splice(2)
 */

#ifndef TCP_SPLICE_H
#define TCP_SPLICE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "epoll_ctl.h"
#include "inany.h"

struct ctx;

/**
 * enum tcp_splice_state - Names of the facts' combinations, for logs
 * @TCP_SPLICE_CONNECTING:	our connect() not completed yet
 * @TCP_SPLICE_ESTABLISHED:	data both ways, no EOF
 * @TCP_SPLICE_FIN_ACCEPTED:	the side we accepted sent its FIN
 * @TCP_SPLICE_FIN_OPENED:	the side we opened sent its FIN
 * @TCP_SPLICE_FIN_BOTH:	both did: draining what is left
 * @TCP_SPLICE_STATE_COUNT:	Number of states
 */
enum tcp_splice_state {
	TCP_SPLICE_CONNECTING,
	TCP_SPLICE_ESTABLISHED,
	TCP_SPLICE_FIN_ACCEPTED,
	TCP_SPLICE_FIN_OPENED,
	TCP_SPLICE_FIN_BOTH,
	TCP_SPLICE_STATE_COUNT
};

enum tcp_splice_state tcp_splice_state(unsigned int facts);
bool tcp_splice_from_host(const struct ctx *c, int s,
			  const struct sockaddr_storage *peer, uint16_t port,
			  uint64_t now_ms);
void tcp_splice_listen_handler(const struct ctx *c, union epoll_ref ref,
			       uint16_t port, bool v6, uint64_t now_ms);
void tcp_splice_sock_handler(struct ctx *c, union epoll_ref ref,
			     uint32_t events, uint64_t now_ms);
void tcp_splice_init(void);

#endif /* TCP_SPLICE_H */
