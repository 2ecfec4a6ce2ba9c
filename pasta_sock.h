/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pasta_sock.h - pasta: sockets made inside the namespace at run time, by a
 * helper process that stays there
 */

#ifndef PASTA_SOCK_H
#define PASTA_SOCK_H

#include <sys/types.h>

#include <stdbool.h>
#include <stdint.h>

#define PASTA_SOCK_BACKLOG	128	/* listen() backlog of -T listeners */
#define PASTA_SOCK_TIMEOUT_MS	1000	/* a reply later than this: broken */

/**
 * enum pasta_sock_kind - What a request asks the helper for
 * @PASTA_SOCK_TCP:		a non-blocking TCP socket, neither bound nor
 *				connected (the daemon connects it)
 * @PASTA_SOCK_TCP_LISTEN:	a non-blocking TCP socket listening on the
 *				namespace's loopback address and a port
 * @PASTA_SOCK_UDP:		a non-blocking UDP socket bound to the
 *				namespace's loopback address and a port
 * @PASTA_SOCK_KIND_COUNT:	Number of kinds
 */
enum pasta_sock_kind {
	PASTA_SOCK_TCP,
	PASTA_SOCK_TCP_LISTEN,
	PASTA_SOCK_UDP,
	PASTA_SOCK_KIND_COUNT
};

void pasta_sock_serve(int fd) __attribute__((noreturn));
int pasta_sock_init(int fd, pid_t pid);
bool pasta_sock_ready(void);
int pasta_sock_get(enum pasta_sock_kind kind, bool v6, uint16_t port);

#endif /* PASTA_SOCK_H */
