/* SPDX-License-Identifier: GPL-2.0-or-later */
/* epoll_ctl.h - The 64-bit epoll reference: owner type and index */

#ifndef EPOLL_CTL_H
#define EPOLL_CTL_H

#include <stdint.h>
#include <sys/epoll.h>

/*
 * enum epoll_type - Who owns a file descriptor registered with epoll
 *
 * Every descriptor is registered with a union epoll_ref naming its owner, so
 * that the loop in passt.c reaches the handler with one switch, no search.
 */
enum epoll_type {
	EPOLL_TYPE_NONE = 0,
	EPOLL_TYPE_TAP_LISTEN,	/* unix socket qemu connects to */
	EPOLL_TYPE_TAP,		/* connected stream socket to the guest */
	EPOLL_TYPE_TICK,	/* periodic timerfd driving sweeps */
	EPOLL_TYPE_SIGNAL,	/* signalfd: SIGTERM, SIGINT, SIGUSR1 */
	EPOLL_TYPE_PING,	/* ping socket of an ICMP echo flow */
	EPOLL_TYPE_TCP,		/* host socket of a TCP flow */
	EPOLL_TYPE_TCP_LISTEN,	/* listener of a -t forward */
	EPOLL_TYPE_TCP_TIMER,	/* the single timerfd for TCP deadlines */
	EPOLL_TYPE_UDP,		/* host socket of a UDP flow */
	EPOLL_TYPE_UDP_LISTEN,	/* bound socket of a -u forward */
	EPOLL_TYPE_VHOST_CMD,	/* vhost-user control socket */
	EPOLL_TYPE_VHOST_KICK,	/* vhost-user kick eventfd, idx: queue */
	EPOLL_TYPE_TAP_DEV,	/* pasta: tap device in the namespace */
	EPOLL_TYPE_PASTA_QUIT,	/* pasta: pidfd or inotify, target's end */
	EPOLL_TYPE_TCP_SPLICE,	/* pasta: a socket of a spliced TCP flow */
	EPOLL_TYPE_TCP_NS_LISTEN, /* pasta: -T listener, in the namespace */
	EPOLL_TYPE_UDP_NS_LISTEN, /* pasta: -U socket, in the namespace */
	EPOLL_TYPE_COUNT
};

/**
 * union epoll_ref - Reference stored in epoll_event.data.u64
 * @type:	Owner, enum epoll_type
 * @idx:	Owner's index (flow index, listener index), 24 bits
 * @fd:		File descriptor, so handlers need no lookup for it
 * @u64:	Whole value as passed to epoll
 */
union epoll_ref {
	struct {
		uint32_t type:8;
		uint32_t idx:24;
		int32_t fd;
	};
	uint64_t u64;
};

#define EPOLL_REF_IDX_MAX	((1U << 24) - 1)

_Static_assert(sizeof(union epoll_ref) == sizeof(uint64_t),
	       "epoll_ref must fit epoll_data_t");
_Static_assert(EPOLL_TYPE_COUNT <= 256, "epoll type must fit 8 bits");

#endif /* EPOLL_CTL_H */
