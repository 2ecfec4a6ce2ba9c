/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dhcpv6.c - DHCPv6 server: IA_NA lease and information (RFC 8415) */

/**
 * DOC: Theory of operation
 *
 * One guest, one address: every IA_NA the guest asks for first is answered
 * with c->ip6.addr, preferred and valid lifetimes DHCPV6_LIFETIME_S
 * (infinite), T1 and T2 infinite too (§21.4: the client never renews).
 * Further IA_NAs in the same message get status NoAddrsAvail.
 *
 *   SOLICIT                      ADVERTISE (preference 255), or REPLY with
 *                                Rapid Commit if the client asked (§18.3.1)
 *   REQUEST, RENEW, REBIND       REPLY with the IA_NA(s)
 *   CONFIRM                      REPLY, status Success or NotOnLink (§18.3.3)
 *   RELEASE, DECLINE             REPLY, status Success (nothing to free)
 *   INFORMATION-REQUEST          REPLY without IA
 *
 * Every reply carries our Server ID (DUID-LL from our MAC, §11.4), the
 * client's Client ID, and unless disabled the DNS servers (option 23, RFC
 * 3646), the domain search list (24, uncompressed wire format) and our
 * FQDN (39, RFC 4704, if --fqdn is set). Messages naming another server are
 * ignored; messages breaking §16's rules on Client/Server IDs are dropped.
 *
 * Replies go from our link-local address, port 547, to the client's source
 * address, port 546. Parsing and building are pure (dhcpv6_reply_build()).
 */

#include <arpa/inet.h>
#include <string.h>

#include "ctx.h"
#include "tap.h"
#include "util.h"
#include "log.h"
#include "dhcp.h"
#include "dhcpv6.h"

#define DHCPV6_HDR_LEN		4	/* bytes, type and transaction ID */
#define DHCPV6_OPT_HDR_LEN	4	/* bytes, code and length */
#define DHCPV6_DUID_MAX_LEN	130	/* bytes, §11.1: 128 and type code */
#define DHCPV6_IA_NA_LEN	12	/* bytes, IAID, T1, T2 */
#define DHCPV6_IAADDR_LEN	24	/* bytes, address and lifetimes */
#define DHCPV6_PREF_MAX		255	/* §21.8: client stops collecting */
#define DHCPV6_FQDN_FLAG_N	0x04	/* RFC 4704 §4.1: no DNS updates */
#define DHCPV6_DUID_LL		3	/* §11.4 */
#define DHCPV6_HW_ETHER		1

/**
 * struct dhcpv6_req - What we read from a client message
 * @type:		Message type
 * @client_id:		Client ID option data, NULL if absent
 * @client_id_len:	Its length, bytes
 * @server_id:		Server ID option data, NULL if absent
 * @server_id_len:	Its length, bytes
 * @ia_na_count:	IA_NA options
 * @rapid_commit:	Rapid Commit option present
 * @has_addr:		Some IA_NA holds an IAADDR
 * @off_link:		Some IAADDR is not in our prefix
 */
struct dhcpv6_req {
	uint8_t type;
	const uint8_t *client_id;
	size_t client_id_len;
	const uint8_t *server_id;
	size_t server_id_len;
	int ia_na_count;
	bool rapid_commit;
	bool has_addr;
	bool off_link;
};

/**
 * struct dhcpv6_out - Reply under construction
 * @buf:	Reply buffer
 * @len:	Bytes used
 * @limit:	Bytes the reply may take
 */
struct dhcpv6_out {
	uint8_t *buf;
	size_t len;
	size_t limit;
};

/**
 * dhcpv6_opt_next() - Read the next option of an option area
 * @buf:	Option area
 * @len:	Its length, bytes
 * @off:	Offset of the next option, advanced past it
 * @code:	Set to the option code
 * @data:	Set to the option data
 * @olen:	Set to the data length, bytes
 *
 * Return: 1 if an option was read, 0 at the end, -1 if it overruns @len
 */
static int dhcpv6_opt_next(const uint8_t *buf, size_t len, size_t *off,
			   uint16_t *code, const uint8_t **data, size_t *olen)
{
	if (*off >= len)
		return 0;
	if (len - *off < DHCPV6_OPT_HDR_LEN)
		return -1;
	*code = util_get_be16(buf + *off);
	*olen = util_get_be16(buf + *off + 2);
	if (*olen > len - *off - DHCPV6_OPT_HDR_LEN)
		return -1;
	*data = buf + *off + DHCPV6_OPT_HDR_LEN;
	*off += DHCPV6_OPT_HDR_LEN + *olen;
	return 1;
}

/**
 * dhcpv6_opts_check() - Check that an option area parses to its end
 * @buf:	Option area
 * @len:	Its length, bytes
 *
 * Return: 0 if every option is within bounds, -1 otherwise
 */
static int dhcpv6_opts_check(const uint8_t *buf, size_t len)
{
	const uint8_t *d;
	size_t off = 0, l;
	uint16_t code;
	int ret;

	while ((ret = dhcpv6_opt_next(buf, len, &off, &code, &d, &l)) > 0)
		;
	return ret;
}

/**
 * dhcpv6_prefix_len() - Prefix length of the guest's link
 * @c:		Execution context
 *
 * Return: c->ip6.prefix_len if valid, else 64
 */
static int dhcpv6_prefix_len(const struct ctx *c)
{
	if (c->ip6.prefix_len > 0 && c->ip6.prefix_len <= 128)
		return c->ip6.prefix_len;
	return 64;
}

/**
 * dhcpv6_ia_na_parse() - Validate an IA_NA option and note its addresses
 * @c:		Execution context
 * @d:		IA_NA option data
 * @len:	Its length, bytes
 * @r:		Request, has_addr and off_link updated
 *
 * Return: 0 if valid, -1 if too short or a sub-option overruns it
 */
static int dhcpv6_ia_na_parse(const struct ctx *c, const uint8_t *d,
			      size_t len, struct dhcpv6_req *r)
{
	size_t off = DHCPV6_IA_NA_LEN, l;
	struct in6_addr a;
	const uint8_t *s;
	uint16_t code;
	int ret;

	if (len < DHCPV6_IA_NA_LEN)
		return -1;
	while ((ret = dhcpv6_opt_next(d, len, &off, &code, &s, &l)) > 0) {
		if (code != DHCPV6_OPT_IAADDR)
			continue;
		if (l < DHCPV6_IAADDR_LEN ||
		    dhcpv6_opts_check(s + DHCPV6_IAADDR_LEN,
				      l - DHCPV6_IAADDR_LEN))
			return -1;
		memcpy(&a, s, sizeof(a));
		r->has_addr = true;
		if (!util_in6_same_prefix(&a, &c->ip6.addr,
					  dhcpv6_prefix_len(c)))
			r->off_link = true;
	}
	return ret;
}

/**
 * dhcpv6_req_parse() - Parse and validate a client message
 * @c:		Execution context
 * @msg:	Message, at least DHCPV6_HDR_LEN bytes
 * @len:	Length, bytes
 * @r:		Filled with what we use
 *
 * Return: 0 if valid, -1 if an option overruns its container or an ID has
 *	   an impossible length
 */
static int dhcpv6_req_parse(const struct ctx *c, const uint8_t *msg,
			    size_t len, struct dhcpv6_req *r)
{
	const uint8_t *opts = msg + DHCPV6_HDR_LEN, *d;
	size_t off = 0, l, olen = len - DHCPV6_HDR_LEN;
	uint16_t code;
	int ret;

	memset(r, 0, sizeof(*r));
	r->type = msg[0];
	while ((ret = dhcpv6_opt_next(opts, olen, &off, &code, &d, &l)) > 0) {
		switch (code) {
		case DHCPV6_OPT_CLIENTID:
			if (!l || l > DHCPV6_DUID_MAX_LEN || r->client_id)
				return -1;
			r->client_id = d;
			r->client_id_len = l;
			break;
		case DHCPV6_OPT_SERVERID:
			if (!l || l > DHCPV6_DUID_MAX_LEN || r->server_id)
				return -1;
			r->server_id = d;
			r->server_id_len = l;
			break;
		case DHCPV6_OPT_IA_NA:
			if (dhcpv6_ia_na_parse(c, d, l, r))
				return -1;
			r->ia_na_count++;
			break;
		case DHCPV6_OPT_RAPID_COMMIT:
			r->rapid_commit = true;
			break;
		default:
			break;
		}
	}
	return ret;
}

/**
 * dhcpv6_duid() - Our DUID: DUID-LL from our MAC address (§11.4)
 * @c:		Execution context
 * @duid:	Output, DHCPV6_DUID_LEN bytes
 */
static void dhcpv6_duid(const struct ctx *c, uint8_t *duid)
{
	util_put_be16(duid, DHCPV6_DUID_LL);
	util_put_be16(duid + 2, DHCPV6_HW_ETHER);
	memcpy(duid + 4, c->our_mac, ETH_ALEN);
}

/**
 * dhcpv6_put() - Append an option
 * @o:		Reply under construction
 * @code:	Option code
 * @data:	Option data (may be NULL if @len is 0)
 * @len:	Data length, bytes
 *
 * Return: true if written, false if it does not fit
 */
static bool dhcpv6_put(struct dhcpv6_out *o, uint16_t code, const void *data,
		       size_t len)
{
	if (len > 0xffff || o->len + DHCPV6_OPT_HDR_LEN + len > o->limit)
		return false;
	util_put_be16(o->buf + o->len, code);
	util_put_be16(o->buf + o->len + 2, (uint16_t)len);
	if (len)
		memcpy(o->buf + o->len + DHCPV6_OPT_HDR_LEN, data, len);
	o->len += DHCPV6_OPT_HDR_LEN + len;
	return true;
}

/**
 * dhcpv6_put_status() - Append a Status Code option with no message
 * @o:		Reply under construction
 * @status:	Status code
 *
 * Return: true if written
 */
static bool dhcpv6_put_status(struct dhcpv6_out *o, uint16_t status)
{
	uint8_t d[2];

	util_put_be16(d, status);
	return dhcpv6_put(o, DHCPV6_OPT_STATUS, d, sizeof(d));
}

/**
 * dhcpv6_iaaddr() - Encode an IAADDR option's data
 * @buf:	Output, DHCPV6_IAADDR_LEN bytes
 * @addr:	Address, DHCPV6_IAADDR_LEN bytes
 * @lifetime_s:	Preferred and valid lifetime, seconds
 */
static void dhcpv6_iaaddr(uint8_t *buf, const void *addr, uint32_t lifetime_s)
{
	memcpy(buf, addr, 16);
	util_put_be32(buf + 16, lifetime_s);
	util_put_be32(buf + 20, lifetime_s);
}

/**
 * dhcpv6_put_ia_na() - Append our answer to one IA_NA of the client
 * @c:		Execution context
 * @o:		Reply under construction
 * @ia:		Client's IA_NA option data (validated)
 * @ia_len:	Its length, bytes
 * @first:	The first IA_NA: it gets the address, others NoAddrsAvail
 *
 * Addresses the client holds in the IA other than ours are returned with
 * lifetimes 0, so that it stops using them (§18.3.4, §18.3.5).
 *
 * Return: true if written
 */
static bool dhcpv6_put_ia_na(const struct ctx *c, struct dhcpv6_out *o,
			     const uint8_t *ia, size_t ia_len, bool first)
{
	size_t start = o->len, off = DHCPV6_IA_NA_LEN, l;
	uint8_t hdr[DHCPV6_IA_NA_LEN], a[DHCPV6_IAADDR_LEN];
	const uint8_t *s;
	uint16_t code;

	memcpy(hdr, ia, 4);				/* IAID */
	util_put_be32(hdr + 4, first ? DHCPV6_LIFETIME_S : 0);	/* T1 */
	util_put_be32(hdr + 8, first ? DHCPV6_LIFETIME_S : 0);	/* T2 */
	if (!dhcpv6_put(o, DHCPV6_OPT_IA_NA, hdr, sizeof(hdr)))
		return false;

	if (!first) {
		if (!dhcpv6_put_status(o, DHCPV6_STATUS_NOADDRS))
			goto undo;
		goto done;
	}
	dhcpv6_iaaddr(a, &c->ip6.addr, DHCPV6_LIFETIME_S);
	if (!dhcpv6_put(o, DHCPV6_OPT_IAADDR, a, sizeof(a)))
		goto undo;
	while (dhcpv6_opt_next(ia, ia_len, &off, &code, &s, &l) > 0) {
		if (code != DHCPV6_OPT_IAADDR ||
		    !memcmp(s, &c->ip6.addr, 16))
			continue;
		dhcpv6_iaaddr(a, s, 0);
		if (!dhcpv6_put(o, DHCPV6_OPT_IAADDR, a, sizeof(a)))
			goto undo;
	}
done:
	util_put_be16(o->buf + start + 2,
		      (uint16_t)(o->len - start - DHCPV6_OPT_HDR_LEN));
	return true;
undo:
	o->len = start;
	return false;
}

/**
 * dhcpv6_put_ias() - Append answers to every IA_NA of the client
 * @c:		Execution context
 * @o:		Reply under construction
 * @msg:	Client message (validated)
 * @len:	Its length, bytes
 *
 * The first IA_NA gets our address (NoAddrsAvail if we have none), the
 * others NoAddrsAvail.
 */
static void dhcpv6_put_ias(const struct ctx *c, struct dhcpv6_out *o,
			   const uint8_t *msg, size_t len)
{
	size_t off = 0, l;
	bool first = !IN6_IS_ADDR_UNSPECIFIED(&c->ip6.addr);
	const uint8_t *d;
	uint16_t code;

	while (dhcpv6_opt_next(msg + DHCPV6_HDR_LEN, len - DHCPV6_HDR_LEN,
			       &off, &code, &d, &l) > 0) {
		if (code != DHCPV6_OPT_IA_NA)
			continue;
		if (!dhcpv6_put_ia_na(c, o, d, l, first))
			return;
		first = false;
	}
}

/**
 * dhcpv6_put_info() - Append DNS servers, domain list and FQDN
 * @c:		Execution context
 * @o:		Reply under construction
 */
static void dhcpv6_put_info(const struct ctx *c, struct dhcpv6_out *o)
{
	uint8_t buf[CONF_SEARCH_MAX * (CONF_DOMAIN_LEN + 1)];
	const char (*fqdn)[CONF_DOMAIN_LEN] = &c->fqdn;
	size_t n = 0;
	int i, len;

	for (i = 0; !c->no_dhcp_dns && i < c->ip6.dns_count &&
		    i < CONF_DNS_MAX; i++) {
		if (IN6_IS_ADDR_UNSPECIFIED(&c->ip6.dns[i]))
			continue;
		memcpy(buf + n, &c->ip6.dns[i], 16);
		n += 16;
	}
	if (n)
		dhcpv6_put(o, DHCPV6_OPT_DNS, buf, n);

	for (i = MIN(c->search_count, CONF_SEARCH_MAX);
	     !c->no_dhcp_search && i > 0; i--) {
		len = dhcp_dns_names_encode(c->search, i, false, buf,
					    sizeof(buf));
		if (len > 0 &&
		    dhcpv6_put(o, DHCPV6_OPT_DOMAIN_LIST, buf, (size_t)len))
			break;
	}

	buf[0] = DHCPV6_FQDN_FLAG_N;
	len = dhcp_dns_names_encode(fqdn, 1, false, buf + 1, sizeof(buf) - 1);
	if (len > 0)
		dhcpv6_put(o, DHCPV6_OPT_FQDN, buf, (size_t)len + 1);
}

/**
 * dhcpv6_server_id_check() - Apply §16's rules on Server and Client IDs
 * @c:		Execution context
 * @r:		Parsed request
 *
 * Return: 1 to answer, 0 if addressed to another server (or a server or
 *	   relay message), -1 if the message must be discarded as invalid
 */
static int dhcpv6_server_id_check(const struct ctx *c,
				  const struct dhcpv6_req *r)
{
	uint8_t duid[DHCPV6_DUID_LEN];
	bool ours;

	dhcpv6_duid(c, duid);
	ours = r->server_id && r->server_id_len == sizeof(duid) &&
	       !memcmp(r->server_id, duid, sizeof(duid));

	switch (r->type) {
	case DHCPV6_SOLICIT:
	case DHCPV6_CONFIRM:
	case DHCPV6_REBIND:
		if (!r->client_id || r->server_id)
			return -1;
		return 1;
	case DHCPV6_REQUEST:
	case DHCPV6_RENEW:
	case DHCPV6_RELEASE:
	case DHCPV6_DECLINE:
		if (!r->client_id || !r->server_id)
			return -1;
		return ours ? 1 : 0;
	case DHCPV6_INFO_REQUEST:
		return !r->server_id || ours ? 1 : 0;
	default:
		return 0;
	}
}

/**
 * dhcpv6_reply_build() - Build the reply to a client message
 * @c:		Execution context
 * @msg:	DHCPv6 message (UDP payload)
 * @len:	Length, bytes
 * @out:	Reply buffer
 * @out_size:	Size of @out, bytes
 *
 * Context: pure, no system calls.
 * Return: reply length, 0 if no reply is due, -1 if malformed
 */
int dhcpv6_reply_build(const struct ctx *c, const uint8_t *msg, size_t len,
		       uint8_t *out, size_t out_size)
{
	struct dhcpv6_out o = { .buf = out, .limit = out_size };
	uint8_t duid[DHCPV6_DUID_LEN], pref = DHCPV6_PREF_MAX;
	struct dhcpv6_req r;
	bool ias = false;
	int ret;

	if (len < DHCPV6_HDR_LEN)
		return -1;
	if (dhcpv6_req_parse(c, msg, len, &r))
		return -1;
	ret = dhcpv6_server_id_check(c, &r);
	if (ret <= 0)
		return ret;
	if (r.type == DHCPV6_CONFIRM && !r.has_addr)
		return 0;			/* §18.3.3 */
	if (c->mtu >= 1280 && o.limit > (size_t)c->mtu - 48)
		o.limit = (size_t)c->mtu - 48;
	if (o.limit < DHCPV6_HDR_LEN)
		return 0;

	out[0] = DHCPV6_REPLY;
	memcpy(out + 1, msg + 1, 3);			/* transaction ID */
	o.len = DHCPV6_HDR_LEN;

	dhcpv6_duid(c, duid);
	dhcpv6_put(&o, DHCPV6_OPT_SERVERID, duid, sizeof(duid));
	if (r.client_id)
		dhcpv6_put(&o, DHCPV6_OPT_CLIENTID, r.client_id,
			   r.client_id_len);

	switch (r.type) {
	case DHCPV6_SOLICIT:
		if (r.rapid_commit) {
			dhcpv6_put(&o, DHCPV6_OPT_RAPID_COMMIT, NULL, 0);
		} else {
			out[0] = DHCPV6_ADVERTISE;
			dhcpv6_put(&o, DHCPV6_OPT_PREFERENCE, &pref, 1);
		}
		ias = true;
		break;
	case DHCPV6_REQUEST:
	case DHCPV6_RENEW:
	case DHCPV6_REBIND:
		ias = true;
		break;
	case DHCPV6_CONFIRM:
		dhcpv6_put_status(&o, r.off_link ? DHCPV6_STATUS_NOTONLINK :
						   DHCPV6_STATUS_SUCCESS);
		break;
	case DHCPV6_RELEASE:
	case DHCPV6_DECLINE:
		dhcpv6_put_status(&o, DHCPV6_STATUS_SUCCESS);
		return (int)o.len;
	default:			/* INFORMATION-REQUEST */
		break;
	}
	if (ias)
		dhcpv6_put_ias(c, &o, msg, len);
	dhcpv6_put_info(c, &o);
	return (int)o.len;
}

/**
 * dhcpv6_tap_handler() - Handle a UDP datagram to port 547 from the guest
 * @c:		Execution context
 * @p:		Validated packet, @p->proto is IPPROTO_UDP
 *
 * With --no-dhcpv6, messages to a multicast address or to our link-local
 * address are dropped here (consumed, unanswered), never forwarded.
 *
 * Return: 1 if handled (or dropped), 0 if not for us, -1 if malformed
 */
int dhcpv6_tap_handler(struct ctx *c, const struct tap_pkt *p)
{
	static uint8_t reply[DHCPV6_REPLY_MAX_BYTES];
	int n;

	if (p->af != AF_INET6 || p->proto != IPPROTO_UDP || p->l4_len < 8 ||
	    util_get_be16(p->l4 + 2) != DHCPV6_SERVER_PORT)
		return 0;
	if (c->no_dhcpv6)
		return IN6_IS_ADDR_MULTICAST(&p->dst6) ||
		       IN6_ARE_ADDR_EQUAL(&p->dst6, &c->ip6.our_ll);
	if (IN6_IS_ADDR_UNSPECIFIED(&p->src6) ||
	    IN6_IS_ADDR_MULTICAST(&p->src6))
		return -1;

	n = dhcpv6_reply_build(c, p->l4 + 8, p->l4_len - 8, reply,
			       sizeof(reply));
	if (n < 0) {
		log_trace("DHCPv6: malformed %zu-byte message from guest",
			  p->l4_len - 8);
		return -1;
	}
	if (!n)
		return 1;

	log_debug("DHCPv6: type %u answered with type %u (%d bytes)",
		  p->l4_len > 8 ? p->l4[8] : 0, reply[0], n);
	tap_send_udp6(c, &c->ip6.our_ll, DHCPV6_SERVER_PORT, &p->src6,
		      DHCPV6_CLIENT_PORT, reply, (size_t)n);
	return 1;
}
