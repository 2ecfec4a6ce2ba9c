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
 *
 * Return: 0 on success, -errno on failure (-EMFILE also when an "all"
 * rule reached its share of descriptors)
 */
static int listen_ns_one(const struct ctx *c, int rule, bool v6,
			 uint16_t port)
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
	return 0;
}

/**
 * listen_one() - Open, bind and register one socket of a rule
 * @c:		Execution context
 * @t:		Table: fwd_main, or (pasta) fwd_ns for -T and -U
 * @rule:	Index of the rule in @t
 * @v6:		IPv6 (else IPv4)
 * @port:	Host port (namespace port for fwd_ns)
 *
 * Context: start-up.
 * Return: 0 on success, -errno on failure (-EMFILE also when an "all"
 * rule reached its share of descriptors)
 */
static int listen_one(const struct ctx *c, const struct fwd_table *t,
		      int rule, bool v6, uint16_t port)
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
		return listen_ns_one(c, rule, v6, port);
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
		r4 = v4ok ? listen_one(c, t, rule, false, (uint16_t)port) : 0;
		r6 = v6ok ? listen_one(c, t, rule, true, (uint16_t)port) : 0;
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
 * Context: start-up, before the sandbox.
 */
void listen_init(const struct ctx *c)
{
	int i;

	for (i = 0; i < fwd_main.count; i++)
		listen_rule(c, &fwd_main, i);
	for (i = 0; i < fwd_ns.count; i++)
		listen_rule(c, &fwd_ns, i);
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
