/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fwd.c - Forwarding rules (-t, -u) and address translation
 *
 * Pure functions, no system calls: the spec parser used for -t and -u, the
 * rule table built from the specs (fwd_main, the one source of truth for
 * what is forwarded: listen.c opens its sockets, isolation.c asks it about
 * privileged ports), and the translation between the addresses a guest
 * uses and the ones the host uses, at flow creation.
 *
 * Spec syntax (one -t/-u option):
 *	none			nothing
 *	all			every port, 1-65535
 *	[ADDR][%IFNAME]/ITEMS	listeners bound to ADDR and/or IFNAME
 *	ITEMS			ITEM[,ITEM...]
 *	ITEM			PORT | A-B | A-B:C-D | A:C | ~A | ~A-B | all
 * A mapped range A-B:C-D forwards A to C, A+1 to C+1, ...; both ranges must
 * have the same size. Exclusions (~) win over every other item; a spec made
 * of exclusions only forwards every other port. Example:
 *	1.2.3.4/5000-5020:6000-6020,~5010-5015
 */

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "ctx.h"
#include "fwd.h"
#include "log.h"

/**
 * fwd_parse_port() - Parse a port number, 1-65535
 * @s:		Text
 * @len:	Length of @s
 * @port:	Output
 *
 * Return: 0 on success, -1 if not a number in range
 */
static int fwd_parse_port(const char *s, size_t len, uint16_t *port)
{
	unsigned long v = 0;
	size_t i;

	if (!len || len > 5)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (!v || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/**
 * fwd_parse_range() - Parse "A" or "A-B"
 * @s:		Text
 * @len:	Length of @s
 * @first:	First port, output
 * @last:	Last port, output
 *
 * Return: 0 on success, -1 on a bad port, -2 if B < A
 */
static int fwd_parse_range(const char *s, size_t len, uint16_t *first,
			   uint16_t *last)
{
	const char *dash = memchr(s, '-', len);

	if (!dash) {
		if (fwd_parse_port(s, len, first))
			return -1;
		*last = *first;
		return 0;
	}
	if (fwd_parse_port(s, (size_t)(dash - s), first) ||
	    fwd_parse_port(dash + 1, len - (size_t)(dash - s) - 1, last))
		return -1;
	return *last < *first ? -2 : 0;
}

/**
 * fwd_parse_item() - Parse one comma-separated item into a range
 * @s:		Text
 * @len:	Length of @s
 * @r:		Output
 * @err:	Error message buffer
 * @err_len:	Size of @err
 *
 * Return: 0 on success, -1 with @err set
 */
static int fwd_parse_item(const char *s, size_t len, struct fwd_range *r,
			  char *err, size_t err_len)
{
	const char *colon;
	uint16_t to_last;
	int ret;

	memset(r, 0, sizeof(*r));
	if (!len) {
		snprintf(err, err_len, "empty item");
		return -1;
	}
	if (*s == '~') {
		r->exclude = true;
		s++;
		len--;
	}
	if (len == 3 && !memcmp(s, "all", 3) && !r->exclude) {
		r->first = 1;
		r->last = 65535;
		r->to = 1;
		r->all = true;
		return 0;
	}

	colon = memchr(s, ':', len);
	if (colon && r->exclude) {
		snprintf(err, err_len, "an exclusion cannot map ports");
		return -1;
	}
	ret = fwd_parse_range(s, colon ? (size_t)(colon - s) : len,
			      &r->first, &r->last);
	if (ret) {
		snprintf(err, err_len, ret == -2 ? "range '%.*s' ends before "
			 "it starts" : "bad port or range '%.*s'",
			 (int)(colon ? (size_t)(colon - s) : len), s);
		return -1;
	}
	r->to = r->first;
	if (!colon)
		return 0;

	len -= (size_t)(colon - s) + 1;
	ret = fwd_parse_range(colon + 1, len, &r->to, &to_last);
	if (ret) {
		snprintf(err, err_len, ret == -2 ? "range '%.*s' ends before "
			 "it starts" : "bad target port or range '%.*s'",
			 (int)len, colon + 1);
		return -1;
	}
	if (to_last - r->to != r->last - r->first) {
		snprintf(err, err_len, "ranges %u-%u and %u-%u differ in size",
			 r->first, r->last, r->to, to_last);
		return -1;
	}
	return 0;
}

/**
 * fwd_parse_prefix() - Parse "[ADDR][%IFNAME]" before the '/'
 * @s:		Text
 * @len:	Length of @s
 * @spec:	Spec to fill (@has_addr, @addr, @ifname)
 * @err:	Error message buffer
 * @err_len:	Size of @err
 *
 * Return: 0 on success, -1 with @err set
 */
static int fwd_parse_prefix(const char *s, size_t len, struct fwd_spec *spec,
			    char *err, size_t err_len)
{
	const char *pct = memchr(s, '%', len);
	size_t alen = pct ? (size_t)(pct - s) : len;
	char buf[INET6_ADDRSTRLEN];
	struct in6_addr a6;
	struct in_addr a4;

	if (pct) {
		size_t ilen = len - alen - 1;

		if (!ilen || ilen >= sizeof(spec->ifname)) {
			snprintf(err, err_len, "bad interface name");
			return -1;
		}
		memcpy(spec->ifname, pct + 1, ilen);
		spec->ifname[ilen] = '\0';
	}
	if (!alen)
		return 0;
	if (alen >= sizeof(buf)) {
		snprintf(err, err_len, "bad address '%.*s'", (int)alen, s);
		return -1;
	}
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET, buf, &a4) == 1) {
		inany_from_v4(&spec->addr, a4);
	} else if (inet_pton(AF_INET6, buf, &a6) == 1) {
		inany_from_v6(&spec->addr, &a6);
	} else {
		snprintf(err, err_len, "bad address '%s'", buf);
		return -1;
	}
	spec->has_addr = true;
	return 0;
}

/**
 * fwd_parse_spec() - Parse one -t/-u option
 * @s:		Option argument
 * @spec:	Parsed spec, output
 * @err:	Error message buffer, set on failure
 * @err_len:	Size of @err
 *
 * Context: start-up; pure.
 * Return: 0 on success, -1 with @err saying why
 */
int fwd_parse_spec(const char *s, struct fwd_spec *spec, char *err,
		   size_t err_len)
{
	const char *slash, *p, *end;

	memset(spec, 0, sizeof(*spec));
	if (!strcmp(s, "none")) {
		spec->none = true;
		return 0;
	}

	slash = strchr(s, '/');
	if (slash) {
		if (fwd_parse_prefix(s, (size_t)(slash - s), spec, err,
				     err_len))
			return -1;
		s = slash + 1;
	}
	if (!*s) {
		snprintf(err, err_len, "no ports given");
		return -1;
	}

	for (p = s; ; p = end + 1) {
		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		if (spec->nranges >= FWD_RANGES_MAX) {
			snprintf(err, err_len, "more than %d items",
				 FWD_RANGES_MAX);
			return -1;
		}
		if (fwd_parse_item(p, (size_t)(end - p),
				   &spec->ranges[spec->nranges], err, err_len))
			return -1;
		spec->nranges++;
		if (!*end)
			break;
	}
	return 0;
}

/**
 * fwd_is_host_lo4() - Is this the IPv4 address standing for host loopback?
 * @c:		Execution context
 * @a:		Address the guest used
 *
 * --map-host-loopback ADDR if given, else the gateway unless --no-map-gw
 * (or --map-host-loopback none).
 *
 * Return: true if @a reaches the host's loopback
 */
static bool fwd_is_host_lo4(const struct ctx *c, struct in_addr a)
{
	if (c->ip4.map_host_loopback.s_addr)
		return a.s_addr == c->ip4.map_host_loopback.s_addr;
	return !c->no_map_gw && c->ip4.gw.s_addr &&
	       a.s_addr == c->ip4.gw.s_addr;
}

/**
 * fwd_is_host_lo6() - Is this the IPv6 address standing for host loopback?
 * @c:		Execution context
 * @a:		Address the guest used
 *
 * --map-host-loopback ADDR if given, else the gateway and our link-local
 * address (the router the guest learns from our RAs) unless --no-map-gw.
 *
 * Return: true if @a reaches the host's loopback
 */
static bool fwd_is_host_lo6(const struct ctx *c, const struct in6_addr *a)
{
	if (!IN6_IS_ADDR_UNSPECIFIED(&c->ip6.map_host_loopback))
		return IN6_ARE_ADDR_EQUAL(a, &c->ip6.map_host_loopback);
	if (c->no_map_gw)
		return false;
	return (!IN6_IS_ADDR_UNSPECIFIED(&c->ip6.gw) &&
		IN6_ARE_ADDR_EQUAL(a, &c->ip6.gw)) ||
	       (!IN6_IS_ADDR_UNSPECIFIED(&c->ip6.our_ll) &&
		IN6_ARE_ADDR_EQUAL(a, &c->ip6.our_ll));
}

/**
 * fwd_guest_to_host() - Translate the destination of a guest's new flow
 * @c:		Execution context
 * @dst:	Destination the guest used
 * @host:	Destination for the host socket, output
 *
 * The address standing for host loopback (fwd_is_host_lo4/6()) reaches
 * 127.0.0.1 or ::1; --map-guest-addr reaches the host's own address (the
 * one the guest got, which the guest would otherwise reach itself with).
 *
 * Context: main loop; pure.
 * Return: false if the flow must be refused (unspecified, multicast,
 * broadcast or loopback destination)
 */
bool fwd_guest_to_host(const struct ctx *c, const union inany_addr *dst,
		       union inany_addr *host)
{
	const struct in_addr *v4 = inany_v4(dst);

	*host = *dst;
	if (v4) {
		uint32_t a = ntohl(v4->s_addr);

		if (!a || a == 0xffffffff || IN_MULTICAST(a) ||
		    (a >> 24) == 127)
			return false;
		if (fwd_is_host_lo4(c, *v4)) {
			struct in_addr lo = { htonl(INADDR_LOOPBACK) };

			inany_from_v4(host, lo);
		} else if (c->ip4.map_guest_addr.s_addr &&
			   v4->s_addr == c->ip4.map_guest_addr.s_addr) {
			inany_from_v4(host, c->ip4.addr);
		}
		return true;
	}

	if (IN6_IS_ADDR_UNSPECIFIED(&dst->a6) ||
	    IN6_IS_ADDR_MULTICAST(&dst->a6) || IN6_IS_ADDR_LOOPBACK(&dst->a6))
		return false;
	if (fwd_is_host_lo6(c, &dst->a6)) {
		inany_from_v6(host, &in6addr_loopback);
	} else if (!IN6_IS_ADDR_UNSPECIFIED(&c->ip6.map_guest_addr) &&
		   IN6_ARE_ADDR_EQUAL(&dst->a6, &c->ip6.map_guest_addr)) {
		inany_from_v6(host, &c->ip6.addr);
	}
	return true;
}

/**
 * fwd_host_to_guest() - Address the guest sees for a host-side peer
 * @c:		Execution context
 * @peer:	Peer address as the host sees it (inbound connection)
 * @seen:	Address the guest sees, output
 *
 * Loopback appears as the address standing for it (--map-host-loopback,
 * else the gateway unless --no-map-gw). The host's own address, which is
 * the guest's address too, appears as --map-guest-addr if given, else the
 * same as loopback. Other addresses are left as they are.
 *
 * Context: main loop; pure.
 *
 * pasta mode, where podman passes --no-map-gw and the namespace's
 * loopback is not reached through a splice path: loopback (and the host's
 * own address) appears as --map-guest-addr's address if given (it stands
 * for the host), else as the gateway, unless --map-host-loopback none.
 * That only names the peer of a flow the host opened: it gives the
 * namespace no way to the host's loopback.
 *
 * Return: false if @peer needs a mapping and none is configured
 * (--map-host-loopback none; --no-map-gw in passt mode): the guest would drop a segment
 * from its own address or from loopback (RFC 1122 §3.2.1.3), so callers
 * refuse the flow
 */
bool fwd_host_to_guest(const struct ctx *c, const union inany_addr *peer,
		       union inany_addr *seen)
{
	const struct in_addr *v4 = inany_v4(peer);

	*seen = *peer;
	if (v4) {
		bool own = v4->s_addr == c->ip4.addr.s_addr;

		if ((ntohl(v4->s_addr) >> 24) != 127 && !own)
			return true;
		if (own && c->ip4.map_guest_addr.s_addr)
			inany_from_v4(seen, c->ip4.map_guest_addr);
		else if (c->ip4.map_host_loopback.s_addr)
			inany_from_v4(seen, c->ip4.map_host_loopback);
		else if (!c->no_map_gw || (c->pasta &&
					      !c->map_host_loopback_none &&
					      c->ip4.gw.s_addr))
			inany_from_v4(seen, c->pasta && c->no_map_gw &&
				      c->ip4.map_guest_addr.s_addr ?
				      c->ip4.map_guest_addr : c->ip4.gw);
		else
			return false;
		return true;
	}
	if (!IN6_IS_ADDR_LOOPBACK(&peer->a6) &&
	    !IN6_ARE_ADDR_EQUAL(&peer->a6, &c->ip6.addr))
		return true;
	if (!IN6_IS_ADDR_LOOPBACK(&peer->a6) &&
	    !IN6_IS_ADDR_UNSPECIFIED(&c->ip6.map_guest_addr))
		inany_from_v6(seen, &c->ip6.map_guest_addr);
	else if (!IN6_IS_ADDR_UNSPECIFIED(&c->ip6.map_host_loopback))
		inany_from_v6(seen, &c->ip6.map_host_loopback);
	else if (!c->no_map_gw ||
		 (c->pasta && !c->map_host_loopback_none &&
		  !IN6_IS_ADDR_UNSPECIFIED(&c->ip6.gw)))
		inany_from_v6(seen, c->pasta && c->no_map_gw &&
			      !IN6_IS_ADDR_UNSPECIFIED(&c->ip6.map_guest_addr) ?
			      &c->ip6.map_guest_addr : &c->ip6.gw);
	else
		return false;
	return true;
}

/**
 * fwd_in4_list() - Is an IPv4 address in a list?
 * @a:		Address
 * @list:	List
 * @n:		Entries in @list
 *
 * Return: true if found
 */
static bool fwd_in4_list(struct in_addr a, const struct in_addr *list, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (a.s_addr == list[i].s_addr)
			return true;
	return false;
}

/**
 * fwd_in6_list() - Is an IPv6 address in a list?
 * @a:		Address
 * @list:	List
 * @n:		Entries in @list
 *
 * Return: true if found
 */
static bool fwd_in6_list(const struct in6_addr *a,
			 const struct in6_addr *list, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (IN6_ARE_ADDR_EQUAL(a, &list[i]))
			return true;
	return false;
}

/**
 * fwd_dns_redirect() - Does a guest's new UDP or TCP flow go to the host
 *			resolver?
 * @c:		Execution context
 * @dst:	Destination the guest used
 * @dport:	Destination port
 * @host:	Host resolver address, output if redirected
 *
 * Port 53 only, for UDP and TCP alike (RFC 7766: DNS over TCP must work
 * wherever DNS over UDP does). Redirected: the --dns-forward address; the
 * gateway if the guest was told it as its resolver; the address standing
 * for host loopback when the host resolver is on a loopback address
 * (127.0.0.53 would not be reached by the plain 127.0.0.1 mapping). The
 * flow keeps the guest's destination on the tap side, so answers come
 * from the address the guest asked.
 *
 * Context: pure.
 * Return: 1 if @host is set and the flow must go there, 0 if DNS is not
 * special for @dst, -1 if the flow must be refused (--dns-forward address
 * but no host resolver of that version)
 */
int fwd_dns_redirect(const struct ctx *c, const union inany_addr *dst,
		     uint16_t dport, union inany_addr *host)
{
	const struct in_addr *v4 = inany_v4(dst);

	if (dport != FWD_DNS_PORT)
		return 0;
	if (v4) {
		bool match = c->ip4.dns_match.s_addr &&
			     v4->s_addr == c->ip4.dns_match.s_addr;
		uint32_t h = ntohl(c->ip4.dns_host.s_addr);

		if (!h)
			return match ? -1 : 0;
		if (!match &&
		    !(c->ip4.gw.s_addr && v4->s_addr == c->ip4.gw.s_addr &&
		      fwd_in4_list(c->ip4.gw, c->ip4.dns, c->ip4.dns_count)) &&
		    !((h >> 24) == 127 && fwd_is_host_lo4(c, *v4)))
			return 0;
		inany_from_v4(host, c->ip4.dns_host);
		return 1;
	}

	if (IN6_IS_ADDR_UNSPECIFIED(&c->ip6.dns_host))
		return !IN6_IS_ADDR_UNSPECIFIED(&c->ip6.dns_match) &&
		       IN6_ARE_ADDR_EQUAL(&dst->a6, &c->ip6.dns_match) ? -1 : 0;
	if (!(!IN6_IS_ADDR_UNSPECIFIED(&c->ip6.dns_match) &&
	      IN6_ARE_ADDR_EQUAL(&dst->a6, &c->ip6.dns_match))) {
		bool is_gw = (!IN6_IS_ADDR_UNSPECIFIED(&c->ip6.gw) &&
			      IN6_ARE_ADDR_EQUAL(&dst->a6, &c->ip6.gw)) ||
			     (!IN6_IS_ADDR_UNSPECIFIED(&c->ip6.our_ll) &&
			      IN6_ARE_ADDR_EQUAL(&dst->a6, &c->ip6.our_ll));

		if (!(is_gw && fwd_in6_list(&dst->a6, c->ip6.dns,
					    c->ip6.dns_count)) &&
		    !(IN6_IS_ADDR_LOOPBACK(&c->ip6.dns_host) &&
		      fwd_is_host_lo6(c, &dst->a6)))
			return 0;
	}
	inany_from_v6(host, &c->ip6.dns_host);
	return 1;
}

/**
 * fwd_guest_addr() - The guest's address for connections toward it
 * @c:		Execution context
 * @v4:		IPv4 (else IPv6)
 * @guest:	Address, output
 *
 * Return: false if the guest has no address of that family
 */
bool fwd_guest_addr(const struct ctx *c, bool v4, union inany_addr *guest)
{
	if (v4) {
		if (!c->ifi4)
			return false;
		inany_from_v4(guest, c->ip4.addr_seen.s_addr ?
			      c->ip4.addr_seen : c->ip4.addr);
		return !!guest->v4mapped.a4.s_addr;
	}
	if (!c->ifi6)
		return false;
	inany_from_v6(guest, IN6_IS_ADDR_UNSPECIFIED(&c->ip6.addr_seen) ?
		      &c->ip6.addr : &c->ip6.addr_seen);
	return !IN6_IS_ADDR_UNSPECIFIED(&guest->a6);
}

/* Forwarding rules ------------------------------------------------------- */

struct fwd_table fwd_main;
struct fwd_table fwd_ns;

static const char *const fwd_proto_names[] = {
	[FWD_TCP]	= "TCP",
	[FWD_UDP]	= "UDP",
};

static const char *const fwd_proto_opts[] = {
	[FWD_TCP]	= "--tcp-ports",
	[FWD_UDP]	= "--udp-ports",
};

_Static_assert(sizeof(fwd_proto_names) / sizeof(fwd_proto_names[0]) ==
	       FWD_PROTO_COUNT, "a name for every protocol");

/**
 * fwd_rule_has_port() - Does a rule forward a host port?
 * @r:		Rule
 * @port:	Host port
 *
 * Return: true if @port is in the rule's range and not excluded
 */
bool fwd_rule_has_port(const struct fwd_rule *r, uint16_t port)
{
	int i;

	if (port < r->first || port > r->last)
		return false;
	for (i = 0; i < r->nexcl; i++)
		if (port >= r->excl[i].first && port <= r->excl[i].last)
			return false;
	return true;
}

/**
 * fwd_all_fd_ok() - May a listener of this rule keep this descriptor?
 * @t:		Table
 * @r:		Rule the listener is for
 * @fd:		Its socket
 *
 * Return: false for an "all" rule once descriptors reach the share of the
 * open-file limit those rules may take
 */
bool fwd_all_fd_ok(const struct fwd_table *t, const struct fwd_rule *r,
		   int fd)
{
	return !r->all || !t->all_fd_max || fd < t->all_fd_max;
}

/**
 * fwd_table_port_below() - Lowest port below a bound a protocol forwards
 * @t:		Table
 * @proto:	Protocol
 * @below:	Bound, e.g. the first unprivileged port
 *
 * Context: pure.
 * Return: the port, or 0 if no rule of @proto forwards a port below @below
 */
uint16_t fwd_table_port_below(const struct fwd_table *t, enum fwd_proto proto,
			      unsigned int below)
{
	unsigned int p, best = 0;
	int i;

	for (i = 0; i < t->count; i++) {
		const struct fwd_rule *r = &t->rules[i];

		/* "auto" binds at run time, without the capability anyway */
		if (r->proto != proto || r->autofwd)
			continue;
		for (p = r->first; p <= r->last && p < below; p++) {
			if (fwd_rule_has_port(r, (uint16_t)p)) {
				if (!best || p < best)
					best = p;
				break;
			}
		}
	}
	return (uint16_t)best;
}

/**
 * fwd_rule_to() - Guest port for a host port of a rule
 * @r:		Rule
 * @port:	Host port, forwarded by @r
 *
 * Return: the guest port
 */
uint16_t fwd_rule_to(const struct fwd_rule *r, uint16_t port)
{
	return (uint16_t)(r->to + (port - r->first));
}

/**
 * fwd_rules_share_socket() - Could two rules want the same local socket?
 * @a:		Rule
 * @b:		Rule
 *
 * Addresses overlap if equal or either is "any" (an unaddressed rule
 * listens on every address, and only one listener can own a port);
 * interfaces if equal or either is unset.
 *
 * Return: true if the rules' listeners would collide on a common port
 */
static bool fwd_rules_share_socket(const struct fwd_rule *a,
				   const struct fwd_rule *b)
{
	if (a->proto != b->proto)
		return false;
	if (a->has_addr && b->has_addr && !inany_equals(&a->addr, &b->addr))
		return false;
	if (*a->ifname && *b->ifname && strcmp(a->ifname, b->ifname))
		return false;
	return true;
}

/**
 * fwd_rules_common_port() - First port two rules both forward
 * @a:		Rule
 * @b:		Rule
 *
 * Return: the port, or 0 if none
 */
static uint16_t fwd_rules_common_port(const struct fwd_rule *a,
				      const struct fwd_rule *b)
{
	unsigned int p, first = a->first > b->first ? a->first : b->first;
	unsigned int last = a->last < b->last ? a->last : b->last;

	for (p = first; p <= last; p++)
		if (fwd_rule_has_port(a, (uint16_t)p) &&
		    fwd_rule_has_port(b, (uint16_t)p))
			return (uint16_t)p;
	return 0;
}

/**
 * fwd_rule_exclude() - Add an exclusion to a rule, if it touches its range
 * @r:		Rule
 * @first:	First excluded port
 * @last:	Last excluded port
 * @err:	Error message buffer
 * @err_len:	Size of @err
 *
 * Return: 0 on success, -1 with @err set if the rule has too many
 */
static int fwd_rule_exclude(struct fwd_rule *r, uint16_t first,
			    uint16_t last, char *err, size_t err_len)
{
	if (last < r->first || first > r->last)
		return 0;
	if (r->nexcl == FWD_EXCL_MAX) {
		snprintf(err, err_len, "more than %d exclusions in one range",
			 FWD_EXCL_MAX);
		return -1;
	}
	r->excl[r->nexcl].first = first;
	r->excl[r->nexcl].last = last;
	r->nexcl++;
	return 0;
}

/**
 * fwd_table_commit() - Check a new rule against the others, then count it
 * @t:		Table, @t->count not yet counting the rule
 * @r:		New rule, at @t->rules[@t->count]
 * @err:	Error message buffer
 * @err_len:	Size of @err
 *
 * Return: 0 on success, -1 with @err set if it overlaps another rule or
 * forwards no port at all
 */
static int fwd_table_commit(struct fwd_table *t, struct fwd_rule *r,
			    char *err, size_t err_len)
{
	unsigned int p, n = 0;
	int i;

	for (i = 0; i < t->count; i++) {
		const struct fwd_rule *o = &t->rules[i];
		char buf[FWD_RULE_STR_LEN];
		uint16_t common;

		if (!fwd_rules_share_socket(o, r))
			continue;
		common = fwd_rules_common_port(o, r);
		if (!common)
			continue;
		snprintf(err, err_len, "port %u overlaps rule %d (%s), from "
			 "%s '%s'", common, i + 1,
			 fwd_rule_str(o, buf, sizeof(buf)),
			 fwd_proto_opts[o->proto], o->spec);
		return -1;
	}
	for (p = r->first; p <= r->last; p++)
		n += fwd_rule_has_port(r, (uint16_t)p);
	if (!n) {
		snprintf(err, err_len, "range %u-%u: every port excluded",
			 r->first, r->last);
		return -1;
	}
	t->count++;
	return 0;
}

/**
 * fwd_table_add() - Parse one -t/-u option into rules of the table
 * @t:		Table
 * @proto:	Protocol of the option
 * @s:		Option argument; must outlive the table (argv)
 * @eph_first:	First ephemeral port (not forwarded by "all"), 0 if none
 * @eph_last:	Last ephemeral port
 * @err:	Error message buffer, set on failure
 * @err_len:	Size of @err
 *
 * Each forwarded item becomes a rule carrying the option's address,
 * interface and the exclusions that touch its range. "all", and a spec of
 * exclusions only, forward every port but the ephemeral ones (which the
 * host's own outgoing connections use). Rules of the same protocol that
 * would listen on a common port of overlapping addresses are refused.
 *
 * Context: start-up; pure.
 * Return: 0 on success, -1 with @err saying why
 */
int fwd_table_add(struct fwd_table *t, enum fwd_proto proto, const char *s,
		  uint16_t eph_first, uint16_t eph_last, char *err,
		  size_t err_len)
{
	static struct fwd_spec spec;
	bool any_include = false;
	int i, j, start = t->count;

	if (fwd_parse_spec(s, &spec, err, err_len))
		return -1;
	if (spec.none)
		return 0;
	for (i = 0; i < spec.nranges; i++)
		any_include |= !spec.ranges[i].exclude;

	/* Exclusions only: one "all" rule, whatever the number of items */
	for (i = 0; i < (any_include ? spec.nranges : 1); i++) {
		const struct fwd_range *fr = &spec.ranges[i];
		struct fwd_rule *r;

		if (any_include && fr->exclude)
			continue;
		if (t->count == FWD_RULES_MAX) {
			snprintf(err, err_len, "more than %d forwarding rules",
				 FWD_RULES_MAX);
			goto fail;
		}
		r = &t->rules[t->count];
		memset(r, 0, sizeof(*r));
		r->proto = proto;
		r->spec = s;
		r->has_addr = spec.has_addr;
		r->addr = spec.addr;
		memcpy(r->ifname, spec.ifname, sizeof(r->ifname));
		if (!any_include || fr->all) {
			r->all = true;
			r->first = r->to = 1;
			r->last = 65535;
			if (eph_first && fwd_rule_exclude(r, eph_first,
							  eph_last, err,
							  err_len))
				goto fail;
		} else {
			r->first = fr->first;
			r->last = fr->last;
			r->to = fr->to;
		}
		for (j = 0; j < spec.nranges; j++) {
			const struct fwd_range *x = &spec.ranges[j];

			if (x->exclude && fwd_rule_exclude(r, x->first,
							   x->last, err,
							   err_len))
				goto fail;
		}
		if (fwd_table_commit(t, r, err, err_len))
			goto fail;
	}
	return 0;
fail:
	/* Start-up ends on any error: the table is not reused */
	t->count = start;
	return -1;
}

/**
 * fwd_table_add_auto() - (pasta) "auto": one rule of every port, opened and
 *			  closed at run time as the other side binds them
 * @t:		Table
 * @proto:	Protocol of the option
 * @s:		Option argument ("auto"); must outlive the table
 * @err:	Error message buffer, set on failure
 * @err_len:	Size of @err
 *
 * The rule covers 1-65535, each port to itself, so that it overlaps any
 * other rule of the protocol in the table: "auto" goes alone.
 *
 * Context: start-up; pure.
 * Return: 0 on success, -1 with @err saying why
 */
int fwd_table_add_auto(struct fwd_table *t, enum fwd_proto proto,
		       const char *s, char *err, size_t err_len)
{
	struct fwd_rule *r;

	if (t->count == FWD_RULES_MAX) {
		snprintf(err, err_len, "more than %d forwarding rules",
			 FWD_RULES_MAX);
		return -1;
	}
	r = &t->rules[t->count];
	memset(r, 0, sizeof(*r));
	r->proto = proto;
	r->spec = s;
	r->autofwd = true;
	r->first = r->to = 1;
	r->last = 65535;
	return fwd_table_commit(t, r, err, err_len);
}

/**
 * fwd_table_has_auto() - Is there an "auto" rule of a protocol?
 * @t:		Table
 * @proto:	Protocol
 * @rule:	Set to its index, if not NULL
 *
 * Return: true if there is
 */
bool fwd_table_has_auto(const struct fwd_table *t, enum fwd_proto proto,
			int *rule)
{
	int i;

	for (i = 0; i < t->count; i++) {
		if (t->rules[i].proto == proto && t->rules[i].autofwd) {
			if (rule)
				*rule = i;
			return true;
		}
	}
	return false;
}

/**
 * fwd_rule_str() - Describe a rule in one line
 * @r:		Rule
 * @buf:	Output buffer
 * @len:	Size of @buf
 *
 * Example: "TCP 192.0.2.2/5000-5020 => 6000-6020, except 5010-5015"
 *
 * Return: @buf
 */
const char *fwd_rule_str(const struct fwd_rule *r, char *buf, size_t len)
{
	char addr[INANY_STR_LEN] = "*";
	size_t n;
	int i;

	if (r->has_addr)
		inany_ntop(&r->addr, addr, sizeof(addr));
	n = (size_t)snprintf(buf, len, "%s %s%s%s/%u-%u => %u-%u",
			     fwd_proto_names[r->proto], addr,
			     *r->ifname ? "%" : "", r->ifname, r->first,
			     r->last, r->to, fwd_rule_to(r, r->last));
	for (i = 0; i < r->nexcl && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%u-%u",
				      i ? "," : ", except ", r->excl[i].first,
				      r->excl[i].last);
	if (r->all && n < len)
		snprintf(buf + n, len - n, " (all: ports in use skipped)");
	if (r->autofwd && n < len)
		snprintf(buf + n, len - n, " (auto: the ports bound on the "
			 "other side, from one second to the next)");
	return buf;
}

/**
 * fwd_table_print() - Log the rules at info level (start-up, unless -q)
 * @t:		Table
 * @name:	Its name, for the heading: "Forwarding rules"
 * @dir:	Direction, for the heading: "host => guest"
 */
void fwd_table_print(const struct fwd_table *t, const char *name,
		     const char *dir)
{
	char buf[FWD_RULE_STR_LEN];
	int i;

	if (!t->count) {
		log_info("%s: none", name);
		return;
	}
	log_info("%s (%s):", name, dir);
	for (i = 0; i < t->count; i++)
		log_info("  %2d %s", i + 1,
			 fwd_rule_str(&t->rules[i], buf, sizeof(buf)));
}
