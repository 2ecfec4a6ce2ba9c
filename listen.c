/* SPDX-License-Identifier: GPL-2.0-or-later */
/* listen.c - The host sockets of the forwarding rules: TCP listeners and
 * bound UDP sockets
 */

/**
 * DOC: Theory of operation
 *
 * The forwarding rule table (fwd.c, fwd_main) is the one source of truth
 * for what is forwarded; this module opens, for every port a rule forwards,
 * one socket per enabled IP version (one only if the rule has an address),
 * bound to the rule's address and interface: a listening TCP socket, or a
 * bound UDP socket. Each is registered with epoll under a reference naming
 * the rule, the IP version and the port (listen_ref_get() reads it back),
 * so that tcp.c and udp.c find the guest port without a table of their own.
 *
 * pasta: the rules of -T and -U (fwd_ns) open their sockets in the
 * namespace, on its loopback address, through the namespace socket helper
 * (pasta_sock_get(): it binds, and listens for TCP); their epoll types are
 * EPOLL_TYPE_TCP_NS_LISTEN and EPOLL_TYPE_UDP_NS_LISTEN, and
 * listen_ref_get() reads their references against fwd_ns. Everything
 * else is the same.
 *
 * pasta's "auto" (-t/-u/-T/-U auto; the default for each option not
 * given): one rule of every port (fwd_table_add_auto()), whose sockets
 * follow what the other side binds. Every tick (listen_auto_tick(), and
 * once at start-up) the /proc/net tables of the side to watch are read
 * (portscan.c; files opened at start-up, the namespace's from inside it):
 * the namespace's for -t/-u auto, the host's for -T/-U auto. A port newly
 * bound there gets our sockets on the other side (host listeners bound to
 * every address; namespace loopback ones through the helper), a port
 * gone loses them. Ports we hold ourselves on the watched side (every
 * port of the explicit rules, and those auto opened) are never reported
 * there (listen_ours[], the scans' exclusion maps), so that a port is
 * not forwarded back to where it came from. The descriptors of auto
 * sockets are kept per rule, IP version and port (listen_auto_fd[], 2
 * MiB of address space, resident only where used). A port that cannot
 * be bound on our side (in use there, privileged) is logged and not
 * tried again until it goes away and comes back.
 *
 * Failure policy, the same for TCP and UDP:
 * - a port counts as forwarded if a socket of at least one IP version could
 *   be opened for it;
 * - a port of an explicit rule that cannot be forwarded, over either IP
 *   version, is a warning naming it, the version and the error (a port in
 *   use, a privileged port without the capability); a port of an "all" rule
 *   (or of a spec of exclusions only) is skipped quietly: such rules take
 *   whatever is free;
 * - an "all" rule stops at its share of the open-file limit
 *   (FWD_ALL_FD_SHARE), with a warning: descriptors are for flows;
 * - a rule of which no port at all could be forwarded ends start-up if it
 *   is explicit (what the user asked for cannot be done), and is a warning
 *   for an "all" rule.
 */

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctx.h"
#include "listen.h"
#include "log.h"
#include "pasta_sock.h"
#include "portscan.h"
#include "util.h"

static const char *const listen_proto_name[] = {
	[FWD_TCP]	= "TCP",
	[FWD_UDP]	= "UDP",
};

_Static_assert(ARRAY_SIZE(listen_proto_name) == FWD_PROTO_COUNT,
	       "a name for every protocol");

/**
 * listen_bound() - Local address the sockets of a rule are bound to
 * @r:		Rule
 * @v6:		IPv6 socket (else IPv4)
 * @a:		Address, output: the rule's, or unspecified
 */
static void listen_bound(const struct fwd_rule *r, bool v6,
			 union inany_addr *a)
{
	if (r->has_addr)
		*a = r->addr;
	else
		inany_any(a, !v6);
}

/**
 * listen_ns_one() - Open and register one socket of a -T or -U rule, in
 *		     the namespace
 * @c:		Execution context
 * @rule:	Index of the rule in fwd_ns
 * @v6:		IPv6 (else IPv4)
 * @port:	Namespace port
 * @fd:		Set to the socket on success, if not NULL
 *
 * Return: 0 on success, -errno on failure (-EMFILE also when an "all"
 * rule reached its share of descriptors)
 */
static int listen_ns_one(const struct ctx *c, int rule, bool v6,
			 uint16_t port, int *fd)
{
	const struct fwd_rule *r = &fwd_ns.rules[rule];
	bool tcp = r->proto == FWD_TCP;
	union epoll_ref ref = { .type = tcp ? EPOLL_TYPE_TCP_NS_LISTEN :
					      EPOLL_TYPE_UDP_NS_LISTEN };
	int s;

	s = pasta_sock_get(tcp ? PASTA_SOCK_TCP_LISTEN : PASTA_SOCK_UDP, v6,
			   port);
	if (s < 0)
		return s;
	if (!fwd_all_fd_ok(&fwd_ns, r, s)) {
		close(s);
		return -EMFILE;
	}
	ref.fd = s;
	ref.idx = ((unsigned int)rule << LISTEN_REF_RULE_SHIFT) |
		  (v6 ? LISTEN_REF_V6 : 0) | port;
	if (util_epoll_add(c->epollfd, s, EPOLLIN, ref)) {
		int ret = -errno;

		close(s);
		return ret;
	}
	if (fd)
		*fd = s;
	return 0;
}

/**
 * listen_one() - Open, bind and register one socket of a rule
 * @c:		Execution context
 * @t:		Table: fwd_main, or (pasta) fwd_ns for -T and -U
 * @rule:	Index of the rule in @t
 * @v6:		IPv6 (else IPv4)
 * @port:	Host port (namespace port for fwd_ns)
 * @fd:		Set to the socket on success, if not NULL
 *
 * #syscalls:pasta listen
 * Context: start-up, or (pasta, "auto") main loop.
 * Return: 0 on success, -errno on failure (-EMFILE also when an "all"
 * rule reached its share of descriptors)
 */
static int listen_one(const struct ctx *c, const struct fwd_table *t,
		      int rule, bool v6, uint16_t port, int *fd)
{
	const struct fwd_rule *r = &t->rules[rule];
	bool tcp = r->proto == FWD_TCP;
	union epoll_ref ref = { .type = tcp ? EPOLL_TYPE_TCP_LISTEN :
					      EPOLL_TYPE_UDP_LISTEN };
	struct sockaddr_storage sa;
	union inany_addr a;
	int s, one = 1, ret;
	socklen_t sl;

	if (t == &fwd_ns)
		return listen_ns_one(c, rule, v6, port, fd);
	listen_bound(r, v6, &a);
	sl = inany_to_sockaddr(&a, port, &sa);
	s = socket(v6 ? AF_INET6 : AF_INET,
		   (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK |
		   SOCK_CLOEXEC, tcp ? IPPROTO_TCP : IPPROTO_UDP);
	if (s < 0)
		return -errno;
	if (!fwd_all_fd_ok(&fwd_main, r, s)) {
		close(s);
		return -EMFILE;
	}
	if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    (v6 && setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one,
			      sizeof(one))) ||
	    (*r->ifname &&
	     setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, r->ifname,
			(socklen_t)strlen(r->ifname))) ||
	    (c->freebind &&	/* IP_FREEBIND covers IPv6 sockets too */
	     setsockopt(s, SOL_IP, IP_FREEBIND, &one, sizeof(one))) ||
	    bind(s, (struct sockaddr *)&sa, sl) ||
	    (tcp && listen(s, LISTEN_BACKLOG)))
		goto fail;

	ref.fd = s;
	ref.idx = ((unsigned int)rule << LISTEN_REF_RULE_SHIFT) |
		  (v6 ? LISTEN_REF_V6 : 0) | port;
	if (util_epoll_add(c->epollfd, s, EPOLLIN, ref))
		goto fail;
	if (fd)
		*fd = s;
	return 0;
fail:
	ret = -errno;
	close(s);
	return ret;
}

/**
 * listen_rule() - Open the sockets of every port of one rule
 * @c:		Execution context
 * @t:		Table: fwd_main, or (pasta) fwd_ns for -T and -U
 * @rule:	Index of the rule in @t
 *
 * Failure policy: see the theory of operation above. The namespace's
 * loopback has both IP versions whatever the host's template interface
 * has: -T and -U try both.
 *
 * Context: start-up; may end it (die()).
 */
static void listen_rule(const struct ctx *c, const struct fwd_table *t,
			int rule)
{
	const struct fwd_rule *r = &t->rules[rule];
	const char *proto = t == &fwd_ns ?
			    (r->proto == FWD_TCP ? "TCP -T" : "UDP -U") :
			    listen_proto_name[r->proto];
	bool ns = t == &fwd_ns;
	bool v4ok = (ns || c->ifi4) &&
		    (!r->has_addr || inany_is_v4(&r->addr));
	bool v6ok = (ns || c->ifi6) &&
		    (!r->has_addr || !inany_is_v4(&r->addr));
	char buf[FWD_RULE_STR_LEN];
	unsigned int port, n = 0;

	for (port = r->first; port <= r->last; port++) {
		int r4, r6, err;
		bool ok;

		if (!fwd_rule_has_port(r, (uint16_t)port))
			continue;
		r4 = v4ok ? listen_one(c, t, rule, false, (uint16_t)port,
				       NULL) : 0;
		r6 = v6ok ? listen_one(c, t, rule, true, (uint16_t)port,
				       NULL) : 0;
		ok = (v4ok && !r4) || (v6ok && !r6);
		n += ok;
		err = r4 ? r4 : r6;		/* the first failure, if any */
		if (!err)
			continue;
		if (r->all && !ok && (err == -EMFILE || err == -ENFILE)) {
			log_warn("%s: rule %d: descriptors for \"all\" used "
				 "up (1/%d of the open-file limit) at port "
				 "%u, later ports not forwarded", proto,
				 rule + 1, FWD_ALL_FD_SHARE, port);
			break;
		}
		if (r->all)
			log_debug("%s: port %u: %s, not forwarded", proto,
				  port, strerror(-err));
		else
			log_warn("%s: rule %d: cannot forward port %u%s: %s",
				 proto, rule + 1, port,
				 !ok ? "" : r4 ? " over IPv4" : " over IPv6",
				 strerror(-err));
	}
	fwd_rule_str(r, buf, sizeof(buf));
	if (!n && !r->all)
		die("%s: no port of rule %d (%s) could be forwarded", proto,
		    rule + 1, buf);
	if (!n)
		log_warn("%s: no port of rule %d (%s) could be forwarded",
			 proto, rule + 1, buf);
	log_debug("%s: rule %d: %u ports forwarded", proto, rule + 1, n);
}

/**
 * listen_init() - Open the sockets of every forwarding rule
 * @c:		Execution context
 *
 * The rule table holds rules only for the protocols that are enabled
 * (conf.c leaves out -t with --no-tcp, -u with --no-udp).
 *
 * "auto" rules open nothing here: listen_auto_init() and
 * listen_auto_tick() do, as ports come and go.
 *
 * Context: start-up, before the sandbox.
 */
void listen_init(const struct ctx *c)
{
	int i;

	for (i = 0; i < fwd_main.count; i++) {
		if (!fwd_main.rules[i].autofwd)
			listen_rule(c, &fwd_main, i);
	}
	for (i = 0; i < fwd_ns.count; i++) {
		if (!fwd_ns.rules[i].autofwd)
			listen_rule(c, &fwd_ns, i);
	}
}

/**
 * listen_ref_get() - What a forward's socket is, from its epoll reference
 * @ref:	epoll reference: rule, IP version and port in idx; the type
 *		says the table (fwd_ns for the namespace's -T/-U sockets)
 * @proto:	Protocol the reference's type stands for
 * @l:		Output
 *
 * Return: 0 on success, -1 if the reference names no rule of @proto that
 * forwards its port
 */
int listen_ref_get(union epoll_ref ref, enum fwd_proto proto,
		   struct listen_ref *l)
{
	const struct fwd_table *t = ref.type == EPOLL_TYPE_TCP_NS_LISTEN ||
				    ref.type == EPOLL_TYPE_UDP_NS_LISTEN ?
				    &fwd_ns : &fwd_main;
	unsigned int rule = ref.idx >> LISTEN_REF_RULE_SHIFT;
	const struct fwd_rule *r;

	if (rule >= (unsigned int)t->count)
		return -1;
	r = &t->rules[rule];
	l->port = (uint16_t)ref.idx;
	if (r->proto != proto || !fwd_rule_has_port(r, l->port))
		return -1;
	l->rule = r;
	l->to = fwd_rule_to(r, l->port);
	l->v6 = !!(ref.idx & LISTEN_REF_V6);
	listen_bound(r, l->v6, &l->bound);
	return 0;
}

/* "auto" rules: -t, -u (fwd_main) and -T, -U (fwd_ns), indexed by
 * LISTEN_AUTO_SLOT(): at most one per table and protocol
 */
#define LISTEN_AUTO_SLOTS	4
#define LISTEN_AUTO_SLOT(ns, proto)	((ns) * 2 + (int)(proto))

static const char *const listen_auto_opt[LISTEN_AUTO_SLOTS] = {
	"-t", "-u", "-T", "-U"
};

/**
 * struct listen_auto - State of one "auto" rule
 * @rule:	Index in its table, -1 if there is none
 * @before:	Ports seen bound at the previous scan
 */
static struct listen_auto {
	int rule;
	struct portscan_map before;
} listen_auto[LISTEN_AUTO_SLOTS] = { { .rule = -1 }, { .rule = -1 },
				     { .rule = -1 }, { .rule = -1 } };

/* Sockets auto opened: descriptor + 1 (0: none), per slot, IP version and
 * port; 4 * 2 * 65536 * 4 B = 2 MiB of address space, touched as used
 */
static uint32_t listen_auto_fd[LISTEN_AUTO_SLOTS][2][PORTSCAN_PORTS];

/* Ports we hold: [LISTEN_HOST or LISTEN_NS][enum fwd_proto] */
static struct portscan_map listen_ours[LISTEN_SIDES][FWD_PROTO_COUNT];

/* /proc/net files: [side][proto][v6], -1 if not open */
static int listen_scan_fd[LISTEN_SIDES][FWD_PROTO_COUNT][2];

/* Called before an auto -U socket closes: its flows end (udp.c) */
static void (*listen_closing)(const struct ctx *c, int s);

/**
 * struct listen_auto_arg - What listen_auto_change() needs
 * @c:		Execution context
 * @slot:	Slot of the rule
 */
struct listen_auto_arg {
	const struct ctx *c;
	int slot;
};

/**
 * listen_auto_change() - A port was bound or released on the watched side
 * @arg:	struct listen_auto_arg
 * @port:	Port
 * @bound:	Bound now (else released)
 *
 * #syscalls close
 */
static void listen_auto_change(void *arg, uint16_t port, bool bound)
{
	const struct listen_auto_arg *a = arg;
	int slot = a->slot, ns = slot / 2, v6, err[2] = { 0, 0 };
	enum fwd_proto proto = (enum fwd_proto)(slot % 2);
	const struct fwd_table *t = ns ? &fwd_ns : &fwd_main;
	/* Our sockets live on the side opposite to the watched one */
	struct portscan_map *ours = &listen_ours[ns ? LISTEN_NS :
						 LISTEN_HOST][proto];
	const char *opt = listen_auto_opt[slot];
	bool any = false;

	for (v6 = 0; v6 < 2; v6++) {
		uint32_t *fdp = &listen_auto_fd[slot][v6][port];
		int fd = -1;

		if (!bound) {
			if (!*fdp)
				continue;
			fd = (int)*fdp - 1;
			if (listen_closing && ns && proto == FWD_UDP)
				listen_closing(a->c, fd);
			close(fd);
			*fdp = 0;
			any = true;
			continue;
		}
		if ((v6 ? !ns && !a->c->ifi6 : !ns && !a->c->ifi4))
			continue;
		err[v6] = listen_one(a->c, t, listen_auto[slot].rule, v6, port,
				     &fd);
		if (!err[v6] && fd >= 0) {
			*fdp = (uint32_t)fd + 1;
			any = true;
		}
	}
	if (!bound) {
		portscan_map_clear_port(ours, port);
		if (any)
			log_info("%s auto: port %u released on the %s, not "
				 "forwarded any more", opt, port,
				 ns ? "host" : "namespace");
		return;
	}
	if (!any) {
		log_info("%s auto: port %u bound on the %s, cannot be "
			 "forwarded: %s", opt, port, ns ? "host" : "namespace",
			 strerror(-(err[0] ? err[0] : err[1])));
		return;
	}
	portscan_map_set(ours, port);
	log_info("%s auto: port %u bound on the %s, forwarded", opt, port,
		 ns ? "host" : "namespace");
}

/**
 * listen_auto_scan() - Read the watched side's ports for one auto rule
 * @slot:	Slot of the rule
 * @now:	Output: ports bound there, but ours
 */
static void listen_auto_scan(int slot, struct portscan_map *now)
{
	int ns = slot / 2, v6;
	enum fwd_proto proto = (enum fwd_proto)(slot % 2);
	/* -t/-u watch the namespace, -T/-U the host */
	int side = ns ? LISTEN_HOST : LISTEN_NS;
	bool cut = false;

	portscan_map_clear(now);
	for (v6 = 0; v6 < 2; v6++) {
		int fd = listen_scan_fd[side][proto][v6];

		if (fd >= 0 &&
		    portscan_read(fd, proto == FWD_TCP ? PORTSCAN_TCP :
				  PORTSCAN_UDP, now,
				  &listen_ours[side][proto]) == -EFBIG)
			cut = true;
	}
	if (cut)	/* the scan stopped short: missing is not gone */
		portscan_map_merge(now, &listen_auto[slot].before);
}

/**
 * listen_auto_tick() - Follow the watched sides' bound ports (pasta, auto)
 * @c:		Execution context
 *
 * Context: main loop, every tick; and once from listen_auto_init().
 */
void listen_auto_tick(const struct ctx *c)
{
	static struct portscan_map now;
	int slot;

	for (slot = 0; slot < LISTEN_AUTO_SLOTS; slot++) {
		struct listen_auto_arg a = { .c = c, .slot = slot };

		if (listen_auto[slot].rule < 0)
			continue;
		listen_auto_scan(slot, &now);
		portscan_diff(&listen_auto[slot].before, &now,
			      listen_auto_change, &a);
		listen_auto[slot].before = now;
	}
}

/**
 * listen_ours_init() - The ports of the explicit rules are ours
 * @t:		Table
 * @side:	Where its sockets live: LISTEN_HOST (fwd_main) or LISTEN_NS
 */
static void listen_ours_init(const struct fwd_table *t, int side)
{
	int i;

	for (i = 0; i < t->count; i++) {
		const struct fwd_rule *r = &t->rules[i];
		unsigned int p;

		if (r->autofwd)
			continue;
		for (p = r->first; p <= r->last; p++) {
			if (fwd_rule_has_port(r, (uint16_t)p))
				portscan_map_set(&listen_ours[side][r->proto],
						 (uint16_t)p);
		}
	}
}

/**
 * listen_auto_wanted() - Is there an "auto" rule at all?
 *
 * Return: true if listen_auto_init() has work to do
 */
bool listen_auto_wanted(void)
{
	return fwd_table_has_auto(&fwd_main, FWD_TCP, NULL) ||
	       fwd_table_has_auto(&fwd_main, FWD_UDP, NULL) ||
	       fwd_table_has_auto(&fwd_ns, FWD_TCP, NULL) ||
	       fwd_table_has_auto(&fwd_ns, FWD_UDP, NULL);
}

/**
 * listen_auto_init() - Take the /proc/net files, forward what is bound now
 * @c:		Execution context
 * @fds:	/proc/net/{tcp,udp}{,6} per side (LISTEN_HOST, LISTEN_NS),
 *		protocol and IP version (v6 = 1), -1 if not open; kept
 * @closing:	Called before an auto -U socket closes, or NULL
 *
 * Context: start-up, after listen_init().
 */
void listen_auto_init(const struct ctx *c,
		      int fds[LISTEN_SIDES][FWD_PROTO_COUNT][2],
		      void (*closing)(const struct ctx *c, int s))
{
	int ns, proto;

	memcpy(listen_scan_fd, fds, sizeof(listen_scan_fd));
	listen_closing = closing;
	listen_ours_init(&fwd_main, LISTEN_HOST);
	listen_ours_init(&fwd_ns, LISTEN_NS);
	for (ns = 0; ns < 2; ns++) {
		for (proto = 0; proto < FWD_PROTO_COUNT; proto++) {
			int slot = LISTEN_AUTO_SLOT(ns, proto), rule;

			if (fwd_table_has_auto(ns ? &fwd_ns : &fwd_main,
					       (enum fwd_proto)proto, &rule))
				listen_auto[slot].rule = rule;
		}
	}
	listen_auto_tick(c);
}
