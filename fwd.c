/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fwd.c - Forwarding rules (-t, -u) and address translation
 *
 * Pure functions, no system calls: the spec parser used for -t and -u, the
 * port lookup in a parsed spec, and the translation between the addresses a
 * guest uses and the ones the host uses, at flow creation.
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

#include "passt.h"
#include "fwd.h"

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
 * fwd_spec_port() - Is a port forwarded by a spec, and to which port?
 * @spec:	Parsed spec
 * @port:	Port the listener would use
 * @to:		Port on the guest, output if forwarded
 *
 * Exclusions win; otherwise the last item covering @port decides. A spec of
 * exclusions only forwards every other port to itself.
 *
 * Return: true if @port is forwarded
 */
bool fwd_spec_port(const struct fwd_spec *spec, uint16_t port, uint16_t *to)
{
	bool any_include = false, found = false;
	int i;

	if (spec->none || !port)
		return false;
	for (i = 0; i < spec->nranges; i++) {
		const struct fwd_range *r = &spec->ranges[i];

		if (!r->exclude)
			any_include = true;
		if (port < r->first || port > r->last)
			continue;
		if (r->exclude)
			return false;
		*to = (uint16_t)(r->to + (port - r->first));
		found = true;
	}
	if (!any_include) {
		*to = port;
		return true;
	}
	return found;
}

/**
 * fwd_guest_to_host() - Translate the destination of a guest's new flow
 * @c:		Execution context
 * @dst:	Destination the guest used
 * @host:	Destination for the host socket, output
 *
 * The guest's gateway (unless --no-map-gw) and --map-host-loopback reach the
 * host's loopback; --map-guest-addr reaches the host's own address.
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
		if ((!c->no_map_gw && v4->s_addr == c->ip4.gw.s_addr) ||
		    (c->ip4.map_host_loopback.s_addr &&
		     v4->s_addr == c->ip4.map_host_loopback.s_addr)) {
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
	if ((!c->no_map_gw &&
	     (IN6_ARE_ADDR_EQUAL(&dst->a6, &c->ip6.gw) ||
	      IN6_ARE_ADDR_EQUAL(&dst->a6, &c->ip6.our_ll))) ||
	    (!IN6_IS_ADDR_UNSPECIFIED(&c->ip6.map_host_loopback) &&
	     IN6_ARE_ADDR_EQUAL(&dst->a6, &c->ip6.map_host_loopback))) {
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
 * Loopback, and the host's own address (which is the guest's address too),
 * appear as --map-host-loopback or the gateway, unless --no-map-gw.
 *
 * Context: main loop; pure.
 */
void fwd_host_to_guest(const struct ctx *c, const union inany_addr *peer,
		       union inany_addr *seen)
{
	const struct in_addr *v4 = inany_v4(peer);

	*seen = *peer;
	if (v4) {
		if ((ntohl(v4->s_addr) >> 24) != 127 &&
		    v4->s_addr != c->ip4.addr.s_addr)
			return;
		if (c->ip4.map_host_loopback.s_addr)
			inany_from_v4(seen, c->ip4.map_host_loopback);
		else if (!c->no_map_gw)
			inany_from_v4(seen, c->ip4.gw);
		return;
	}
	if (!IN6_IS_ADDR_LOOPBACK(&peer->a6) &&
	    !IN6_ARE_ADDR_EQUAL(&peer->a6, &c->ip6.addr))
		return;
	if (!IN6_IS_ADDR_UNSPECIFIED(&c->ip6.map_host_loopback))
		inany_from_v6(seen, &c->ip6.map_host_loopback);
	else if (!c->no_map_gw)
		inany_from_v6(seen, &c->ip6.gw);
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
