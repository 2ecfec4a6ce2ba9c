/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz.h - Shared set-up for the libFuzzer targets in test/fuzz/
 *
 * Each target is one file, built by test/fuzz/run with every daemon module
 * but passt.c. This header supplies what passt.c would: the tap handlers, a
 * struct ctx configured as a real run on the e2e bed (guest 192.0.2.2/24 via
 * 192.0.2.1, 2001:db8:1::2/64 via 2001:db8:1::1, resolvers, search domain,
 * our MAC 9a:55:9a:55:9a:55), module initialisation in passt.c's order, and
 * a small event pump that hands socket and timer events to their modules.
 *
 * Sockets the modules open stay on the machine: test/fuzz/run starts every
 * target in a new network namespace that has only a loopback link.
 */

#ifndef FUZZ_H
#define FUZZ_H

#include <arpa/inet.h>
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include "dispatch.h"
#include "flow.h"
#include "icmp.h"
#include "log.h"
#include "ctx.h"
#include "tap.h"
#include "tcp.h"
#include "udp.h"
#include "util.h"
#include "vhost_user.h"

#define FUZZ_EVENTS_MAX		64	/* epoll events per pump round */
#define FUZZ_PUMP_ROUNDS	4	/* epoll_wait() rounds per input */
#define FUZZ_INACTIVITY_S	30	/* short timeouts so flows cycle */
#define FUZZ_CLOSING_S		5
#define FUZZ_UDP_TIMEOUT_S	30
#define FUZZ_DRAIN_RUNS		1024	/* inputs between invariant checks */
#define FUZZ_FD_SLACK		16	/* descriptors libFuzzer may hold */
#define FUZZ_SOCKBUF_BYTES	(4 * 1024 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The handlers passt.c registers, but for the exit a gone guest may cause
 * there: no frame can make the guest go here (the tap side is not read)
 */
static const struct tap_handlers fuzz_tap_handlers = {
	.pkt		= dispatch_pkt,
	.pkts_end	= dispatch_pkts_end,
	.gone		= dispatch_guest_gone,
	.room		= dispatch_room,
	.reset		= dispatch_guest_gone,
};

/**
 * fuzz_addr4() - Parse a dotted quad, abort on a typo in this file
 * @s:		Address text
 *
 * Return: address
 */
static inline struct in_addr fuzz_addr4(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		abort();
	return a;
}

/**
 * fuzz_addr6() - Parse an IPv6 address, abort on a typo in this file
 * @s:		Address text
 *
 * Return: address
 */
static inline struct in6_addr fuzz_addr6(const char *s)
{
	struct in6_addr a;

	if (inet_pton(AF_INET6, s, &a) != 1)
		abort();
	return a;
}

/**
 * fuzz_ctx_init() - Configure a context as passt would on the e2e bed
 * @c:		Context to fill
 *
 * Same values conf.c derives in the host namespace of test/lib/bed.sh, so
 * the link services answer as they do for a real guest.
 */
static inline void fuzz_ctx_init(struct ctx *c)
{
	static const uint8_t mac[6] = MAC_OUR_DEFAULT;

	memset(c, 0, sizeof(*c));
	c->foreground = true;
	c->fd_pid = c->fd_tap = c->fd_tap_listen = -1;
	c->fd_from_cmdline = -1;
	memcpy(c->our_mac, mac, 6);
	c->mtu = MTU_DEFAULT;
	strcpy(c->ifname, "veth-h");
	c->ifindex = 2;
	c->ifi4 = c->ifi6 = true;

	c->ip4.addr = fuzz_addr4("192.0.2.2");
	c->ip4.prefix_len = 24;
	c->ip4.gw = fuzz_addr4("192.0.2.1");
	c->ip4.dns[0] = fuzz_addr4("192.0.2.53");
	c->ip4.dns_count = 1;
	c->ip4.dns_host = c->ip4.dns[0];

	c->ip6.addr = fuzz_addr6("2001:db8:1::2");
	c->ip6.prefix_len = 64;
	c->ip6.gw = fuzz_addr6("2001:db8:1::1");
	c->ip6.our_ll = fuzz_addr6("fe80::9855:9aff:fe55:9a55");
	c->ip6.dns[0] = fuzz_addr6("2001:db8:1::53");
	c->ip6.dns_count = 1;
	c->ip6.dns_host = c->ip6.dns[0];

	strcpy(c->search[0], "test.example");
	c->search_count = 1;
	strcpy(c->hostname, "fuzzhost");
	strcpy(c->fqdn, "fuzzhost.test.example");

	c->inactivity_timeout_s = FUZZ_INACTIVITY_S;
	c->tcp_closing_timeout_s = FUZZ_CLOSING_S;
	c->udp_timeout_s = FUZZ_UDP_TIMEOUT_S;
}

/**
 * fuzz_long_name() - Write a 253-byte domain name of four maximal labels
 * @buf:	Output, CONF_DOMAIN_LEN bytes
 * @tag:	Character the labels are made of, so that names differ
 */
static inline void fuzz_long_name(char *buf, char tag)
{
	memset(buf, tag, 253);
	buf[63] = buf[127] = buf[191] = '.';	/* labels 63, 63, 63, 61 */
	buf[253] = '\0';
}

/**
 * fuzz_ctx_vary() - Change the configuration along what conf.c accepts
 * @c:		Context, already set up by fuzz_ctx_init()
 * @cfg:	Selector byte taken from the input
 *
 * Bits: 0 --no-dhcp-dns, 1 --no-dhcp-search, 2 no host name or FQDN,
 * 3 --mtu 576, 4 the longest search list (CONF_SEARCH_MAX names of 253 bytes,
 * one with a 70-byte label conf.c accepts but DNS cannot encode), 5 the most
 * resolvers, 6 --no-ra, 7 IPv4 or IPv6 only (by bit 0).
 */
static inline void fuzz_ctx_vary(struct ctx *c, uint8_t cfg)
{
	int i;

	c->no_dhcp_dns = cfg & 1;
	c->no_dhcp_search = cfg & 2;
	if (cfg & 4)
		*c->hostname = *c->fqdn = '\0';
	if (cfg & 8)
		c->mtu = MTU_MIN;
	if (cfg & 16) {
		for (i = 0; i < CONF_SEARCH_MAX; i++)
			fuzz_long_name(c->search[i], (char)('a' + i));
		memset(c->search[1], 'x', 70);		/* label too long */
		fuzz_long_name(c->fqdn, 'q');
		c->search_count = CONF_SEARCH_MAX;
	}
	if (cfg & 32) {
		for (i = 0; i < CONF_DNS_MAX; i++) {
			c->ip4.dns[i] = c->ip4.dns[0];
			c->ip4.dns[i].s_addr ^= htonl((uint32_t)i);
			c->ip6.dns[i] = c->ip6.dns[0];
			c->ip6.dns[i].s6_addr[15] ^= (uint8_t)i;
		}
		c->ip4.dns_count = c->ip6.dns_count = CONF_DNS_MAX;
	}
	c->no_ra = cfg & 64;
	if (cfg & 128) {
		if (cfg & 1) {
			c->ifi4 = false;	/* as -6 leaves it */
			memset(&c->ip4, 0, sizeof(c->ip4));
		} else {
			c->ifi6 = false;	/* as -4 */
			memset(&c->ip6.addr, 0, sizeof(c->ip6.addr));
			memset(&c->ip6.gw, 0, sizeof(c->ip6.gw));
			c->ip6.dns_count = 0;
		}
	}
}

/**
 * fuzz_log_init() - Quiet logging: only ASSERT() failures (LOG_CRIT) print
 *
 * FUZZ_LOG=debug (or info, trace) in the environment shows more, for
 * reproducing a finding by hand.
 */
static inline void fuzz_log_init(void)
{
	const char *l = getenv("FUZZ_LOG");
	int level = LOG_CRIT;

	log_init("fuzz", true);
	if (l && !strcmp(l, "trace"))
		level = LOG_TRACE;
	else if (l && !strcmp(l, "debug"))
		level = LOG_DEBUG;
	else if (l && !strcmp(l, "info"))
		level = LOG_INFO;
	log_set_level(level);
}

/**
 * fuzz_daemon_init() - Initialise modules in passt.c's order
 * @c:		Context, already configured
 *
 * The tap side is not opened here: targets set c->fd_tap themselves.
 */
static inline void fuzz_daemon_init(struct ctx *c)
{
	struct rlimit nofile;

	/* Flows hold one socket each: allow as many as the table does */
	if (!getrlimit(RLIMIT_NOFILE, &nofile)) {
		nofile.rlim_cur = nofile.rlim_max;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}
	signal(SIGPIPE, SIG_IGN);		/* as passt_signals_init() */
	c->epollfd = epoll_create1(EPOLL_CLOEXEC);
	if (c->epollfd < 0)
		abort();
	flow_init();
	tap_handlers_set(&fuzz_tap_handlers);
	icmp_init(c);
	if (tcp_init(c))
		abort();
	udp_init();
}

/**
 * fuzz_pump() - Hand pending socket and timer events to their modules
 * @c:		Context
 * @now_ms:	Fake clock, milliseconds
 *
 * A few non-blocking epoll_wait() rounds, dispatched as passt.c does for
 * the flow types and the vhost-user control socket and kicks (registered
 * only by the vhost_user target); the stream tap side is not in the set.
 */
static inline void fuzz_pump(struct ctx *c, uint64_t now_ms)
{
	struct epoll_event ev[FUZZ_EVENTS_MAX];
	int round, i, n;

	for (round = 0; round < FUZZ_PUMP_ROUNDS; round++) {
		n = epoll_wait(c->epollfd, ev, FUZZ_EVENTS_MAX, 0);
		if (n <= 0)
			return;
		for (i = 0; i < n; i++) {
			union epoll_ref ref = { .u64 = ev[i].data.u64 };

			switch ((enum epoll_type)ref.type) {
			case EPOLL_TYPE_PING:
				icmp_sock_handler(c, ref, ev[i].events, now_ms);
				break;
			case EPOLL_TYPE_TCP:
				tcp_sock_handler(c, ref, ev[i].events, now_ms);
				break;
			case EPOLL_TYPE_TCP_LISTEN:
				tcp_listen_handler(c, ref, ev[i].events,
						   now_ms);
				break;
			case EPOLL_TYPE_TCP_TIMER:
				tcp_timer_handler(c, ref, now_ms);
				break;
			case EPOLL_TYPE_UDP:
				udp_sock_handler(c, ref, ev[i].events, now_ms);
				break;
			case EPOLL_TYPE_UDP_LISTEN:
				udp_listen_handler(c, ref, ev[i].events,
						   now_ms);
				break;
			case EPOLL_TYPE_VHOST_CMD:
				vu_cmd_handler(c, ev[i].events, now_ms);
				break;
			case EPOLL_TYPE_VHOST_KICK:
				vu_kick_handler(c, ref, now_ms);
				break;
			default:
				break;
			}
		}
		tap_flush(c);
	}
}

/**
 * fuzz_fd_count() - Open file descriptors of this process
 *
 * Return: count, or -1 if /proc is not readable
 */
static inline int fuzz_fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	const struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1;		/* the directory's own descriptor */
}

/**
 * fuzz_tap_pair() - Attach a socketpair as the guest connection
 * @c:		Context: c->fd_tap is set to the daemon's end
 *
 * Return: the guest's end, non-blocking, for fuzz_tap_discard() or parsing
 */
static inline int fuzz_tap_pair(struct ctx *c)
{
	int sv[2], sz = FUZZ_SOCKBUF_BYTES;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
		       sv))
		abort();
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	c->fd_tap = sv[0];
	return sv[1];
}

/**
 * fuzz_tap_discard() - Read and discard what the daemon sent the guest
 * @peer:	Guest's end of the tap socketpair
 */
static inline void fuzz_tap_discard(int peer)
{
	static uint8_t buf[65536];

	while (peer >= 0 && read(peer, buf, sizeof(buf)) > 0)
		;
}

/**
 * fuzz_check_drained() - Jump past every timeout: table and sockets empty?
 * @c:		Context
 * @now_ms:	Fake clock, milliseconds, moved forward by three days
 * @peer:	Guest's end of the tap socketpair, drained and discarded, or
 *		-1 if the caller reads it (frames toward the guest are few)
 * @fd_base:	Descriptors open after set-up (fuzz_fd_count()), or -1
 *
 * Guest input must not be able to keep flows or sockets for good: once
 * every timeout has passed, the table is empty and no socket is left open
 * beyond FUZZ_FD_SLACK for libFuzzer's own use. Aborts otherwise.
 */
static inline void fuzz_check_drained(struct ctx *c, uint64_t *now_ms,
				      int peer, int fd_base)
{
	const union flow *flow;
	unsigned int active = 0;
	int i, fds;

	for (i = 0; i < 3; i++) {
		*now_ms += 24ULL * 3600 * 1000;
		fuzz_pump(c, *now_ms);
		flow_tick(c, *now_ms);
		tap_flush(c);
		fuzz_tap_discard(peer);
	}
	flow_foreach(flow)
		active++;
	if (active) {
		fprintf(stderr, "fuzz: %u flows still active a day after "
			"the last input\n", active);
		abort();
	}
	fds = fuzz_fd_count();
	if (fd_base >= 0 && fds > fd_base + FUZZ_FD_SLACK) {
		fprintf(stderr, "fuzz: %d descriptors open with no flows, "
			"%d at start: leak\n", fds, fd_base);
		abort();
	}
}

#endif /* FUZZ_H */
