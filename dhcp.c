/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dhcp.c - DHCPv4 server for the guest's single lease (RFC 2131, RFC 2132) */

/**
 * DOC: Theory of operation
 *
 * The guest is alone on a point-to-point link, so there is exactly one lease:
 * its address is c->ip4.addr, handed out for ever (lease time
 * DHCP_LEASE_TIME_S, infinite). DISCOVER gets an OFFER, REQUEST an ACK if it asks for that
 * address (a NAK otherwise, and no answer if it names another server), INFORM
 * an ACK without address or lease time. DECLINE and RELEASE change nothing.
 *
 * Parsing and building are pure (dhcp_reply_build()); the handler only finds
 * the payload and sends the reply from the gateway address, port 67 to 68.
 *
 * Options: the message type, server identifier (the gateway), lease time,
 * subnet mask, router and DNS servers go first; then those in the client's
 * parameter request list, in its order; then the rest we have (MTU, search
 * list, host name, domain name, FQDN, broadcast address), while they fit in
 * the client's maximum message size (576 bytes by default, RFC 2131 §2).
 * A search list that does not fit loses domains from its end. Options longer
 * than 255 bytes are split (RFC 3396). Option overload is not used.
 *
 * Limits: one lease; replies of at most DHCP_REPLY_MAX_BYTES; relayed
 * requests (giaddr set) are ignored.
 */

#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "ctx.h"
#include "tap.h"
#include "util.h"
#include "log.h"
#include "dhcp.h"

#define DHCP_BOOTREQUEST	1
#define DHCP_BOOTREPLY		2
#define DHCP_HTYPE_ETHER	1
#define DHCP_FLAG_BROADCAST	0x8000
#define DHCP_MIN_MAX_SIZE	576	/* bytes, IP datagram, RFC 2131 §2 */
#define DHCP_IP_UDP_HDRS	28	/* bytes, IPv4 and UDP headers */
#define DHCP_MSG_MIN_BYTES	300	/* bytes, BOOTP minimum, RFC 1542 */
#define DHCP_FQDN_FLAG_E	0x04	/* RFC 4702 §2.1: wire format name */
#define DHCP_FQDN_FLAG_N	0x08	/* RFC 4702 §2.1: no DNS updates */
#define DHCP_FQDN_RCODE		255	/* RFC 4702 §2.2: server's value */
#define DHCP_DNS_SUFFIX_MAX	(CONF_SEARCH_MAX * 128)	/* names' suffixes */
#define DHCP_DNS_PTR_MAX	0x3fff	/* largest compression offset */
#define DHCP_SEARCH_MAX_BYTES	(CONF_SEARCH_MAX * (CONF_DOMAIN_LEN + 1))

/**
 * struct dhcp_req - What we read from a client's options
 * @type:		Message type (option 53)
 * @has_req_addr:	Requested IP address present (option 50)
 * @req_addr:		Requested IP address
 * @has_server_id:	Server identifier present (option 54)
 * @server_id:		Server identifier
 * @prl:		Parameter request list (option 55), or NULL
 * @prl_len:		Length of @prl, bytes
 * @max_size:		Maximum DHCP message size (option 57), 0 if absent
 * @has_fqdn:		Client FQDN option present (option 81)
 * @fqdn_flags:		Its flags
 */
struct dhcp_req {
	uint8_t type;
	bool has_req_addr;
	struct in_addr req_addr;
	bool has_server_id;
	struct in_addr server_id;
	const uint8_t *prl;
	size_t prl_len;
	size_t max_size;
	bool has_fqdn;
	uint8_t fqdn_flags;
};

/**
 * struct dhcp_out - Reply under construction
 * @buf:	Start of the reply message
 * @len:	Bytes used
 * @limit:	Bytes the reply may take, END option included
 * @done:	Bitmap of option codes already written
 */
struct dhcp_out {
	uint8_t *buf;
	size_t len;
	size_t limit;
	uint8_t done[32];
};

/**
 * dhcp_dns_name_len() - Validate a dotted domain name
 * @name:	Name, NUL-terminated within CONF_DOMAIN_LEN bytes, optional
 *		trailing dot
 *
 * Return: length without the trailing dot, 0 if not encodable (empty or root
 *	   only, empty label, label over 63 bytes, over 255 bytes encoded:
 *	   RFC 1035 §2.3.4)
 */
static size_t dhcp_dns_name_len(const char *name)
{
	size_t n = strnlen(name, CONF_DOMAIN_LEN), i, label = 0;

	if (n == CONF_DOMAIN_LEN)
		return 0;
	if (n && name[n - 1] == '.')
		n--;
	if (!n || n + 2 > 255)
		return 0;
	for (i = 0; i < n; i++) {
		if (name[i] == '.') {
			if (!label)
				return 0;
			label = 0;
		} else if (++label > 63) {
			return 0;
		}
	}
	return label ? n : 0;
}

/**
 * dhcp_dns_names_encode() - Encode domain names in DNS wire format
 * @names:	Dotted domain names
 * @count:	Number of names
 * @compress:	Use compression pointers (RFC 1035 §4.1.4, as RFC 3397 §2
 *		allows for option 119); offsets count from the start of @out
 * @out:	Output buffer
 * @size:	Size of @out, bytes
 *
 * Names that cannot be encoded (see dhcp_dns_name_len()) are skipped. Used
 * for DHCP options 15, 81, 119, NDP's DNSSL and DHCPv6 options 24 and 39.
 *
 * Return: bytes written (0 if no valid name), -1 if @out is too small
 */
int dhcp_dns_names_encode(const char (*names)[CONF_DOMAIN_LEN], int count,
			  bool compress, uint8_t *out, size_t size)
{
	struct {
		const char *s;
		size_t len;
		size_t off;
	} sfx[DHCP_DNS_SUFFIX_MAX];
	size_t nsfx = 0, pos = 0;
	int i;

	for (i = 0; i < count; i++) {
		const char *s = names[i];
		size_t rem = dhcp_dns_name_len(s), j;
		bool ptr = false;
		const char *dot;

		if (!rem)
			continue;
		while (rem) {
			for (j = 0; compress && j < nsfx; j++) {
				if (sfx[j].len == rem &&
				    !strncasecmp(sfx[j].s, s, rem))
					break;
			}
			if (compress && j < nsfx) {
				if (size - pos < 2)
					return -1;
				out[pos++] = (uint8_t)(0xc0 |
						       (sfx[j].off >> 8));
				out[pos++] = (uint8_t)sfx[j].off;
				ptr = true;
				break;
			}
			if (compress && pos <= DHCP_DNS_PTR_MAX &&
			    nsfx < ARRAY_SIZE(sfx)) {
				sfx[nsfx].s = s;
				sfx[nsfx].len = rem;
				sfx[nsfx++].off = pos;
			}

			dot = memchr(s, '.', rem);
			size_t l = dot ? (size_t)(dot - s) : rem;
			if (size - pos < l + 1)
				return -1;
			out[pos++] = (uint8_t)l;
			memcpy(out + pos, s, l);
			pos += l;
			if (l < rem) {
				s += l + 1;
				rem -= l + 1;
			} else {
				rem = 0;
			}
		}
		if (!ptr) {
			if (size - pos < 1)
				return -1;
			out[pos++] = 0;
		}
	}
	return (int)pos;
}

/**
 * dhcp_opts_parse() - Parse the options field of a client message
 * @opts:	Options, after the magic cookie
 * @len:	Bytes up to the end of the UDP payload
 * @r:		Filled with what we use
 *
 * Pad options are skipped, END stops the walk; a missing END is tolerated if
 * the last option ends exactly at @len. RFC 2131 §4.1, RFC 2132 §2-3.
 *
 * Return: 0 on success, -1 if an option overruns @len, has a wrong length
 *	   for its code, or the message type is missing
 */
static int dhcp_opts_parse(const uint8_t *opts, size_t len,
			   struct dhcp_req *r)
{
	size_t i = 0;

	memset(r, 0, sizeof(*r));
	while (i < len) {
		uint8_t code = opts[i], olen;
		const uint8_t *d;

		if (code == DHCP_OPT_PAD) {
			i++;
			continue;
		}
		if (code == DHCP_OPT_END)
			break;
		if (len - i < 2)
			return -1;
		olen = opts[i + 1];
		if (olen > len - i - 2)
			return -1;
		d = opts + i + 2;
		i += 2 + (size_t)olen;

		switch (code) {
		case DHCP_OPT_MSG_TYPE:
			if (olen != 1)
				return -1;
			r->type = d[0];
			break;
		case DHCP_OPT_REQ_ADDR:
			if (olen != 4)
				return -1;
			r->has_req_addr = true;
			memcpy(&r->req_addr, d, 4);
			break;
		case DHCP_OPT_SERVER_ID:
			if (olen != 4)
				return -1;
			r->has_server_id = true;
			memcpy(&r->server_id, d, 4);
			break;
		case DHCP_OPT_PRL:
			r->prl = d;
			r->prl_len = olen;
			break;
		case DHCP_OPT_MAX_SIZE:
			if (olen != 2)
				return -1;
			r->max_size = util_get_be16(d);
			break;
		case DHCP_OPT_FQDN:
			if (olen < 3)
				return -1;
			r->has_fqdn = true;
			r->fqdn_flags = d[0];
			break;
		default:
			break;
		}
	}
	return r->type ? 0 : -1;
}

/**
 * dhcp_opt_put() - Append an option, split in 255-byte parts (RFC 3396)
 * @o:		Reply under construction
 * @code:	Option code
 * @data:	Option data
 * @len:	Data length, bytes
 *
 * Does nothing if @code was already written.
 *
 * Return: true if written (or already there), false if it does not fit
 */
static bool dhcp_opt_put(struct dhcp_out *o, uint8_t code, const void *data,
			 size_t len)
{
	size_t parts = len ? DIV_ROUND_UP(len, 255) : 1;
	const uint8_t *d = data;

	if (o->done[code / 8] & (1U << (code % 8)))
		return true;
	if (o->len + len + 2 * parts + 1 > o->limit)	/* +1: END */
		return false;
	do {
		size_t l = MIN(len, 255);

		o->buf[o->len++] = code;
		o->buf[o->len++] = (uint8_t)l;
		memcpy(o->buf + o->len, d, l);
		o->len += l;
		d += l;
		len -= l;
	} while (len);
	o->done[code / 8] |= (uint8_t)(1U << (code % 8));
	return true;
}

/**
 * dhcp_opt_search() - Append the domain search list (option 119, RFC 3397)
 * @c:		Execution context
 * @o:		Reply under construction
 *
 * Drops domains from the end of the list until it fits.
 */
static void dhcp_opt_search(const struct ctx *c, struct dhcp_out *o)
{
	uint8_t buf[DHCP_SEARCH_MAX_BYTES];
	int n;

	if (c->no_dhcp_search)
		return;
	for (n = MIN(c->search_count, CONF_SEARCH_MAX); n > 0; n--) {
		int len = dhcp_dns_names_encode(c->search, n, true, buf,
					    sizeof(buf));
		if (len <= 0)
			continue;
		if (dhcp_opt_put(o, DHCP_OPT_SEARCH, buf, (size_t)len))
			return;
	}
}

/**
 * dhcp_opt_fqdn() - Append the client FQDN option (option 81, RFC 4702)
 * @c:		Execution context
 * @o:		Reply under construction
 * @r:		Client's request, for the encoding it asked for
 *
 * We do no DNS updates: flags N (and E for the wire format the client asked
 * for, or that we pick if it sent no option 81), both RCODEs 255 (§2.2).
 */
static void dhcp_opt_fqdn(const struct ctx *c, struct dhcp_out *o,
			  const struct dhcp_req *r)
{
	uint8_t buf[3 + CONF_DOMAIN_LEN + 1];
	bool wire = !r->has_fqdn || (r->fqdn_flags & DHCP_FQDN_FLAG_E);
	size_t n = dhcp_dns_name_len(c->fqdn);

	if (!n)
		return;
	buf[0] = DHCP_FQDN_FLAG_N | (wire ? DHCP_FQDN_FLAG_E : 0);
	buf[1] = buf[2] = DHCP_FQDN_RCODE;
	if (wire) {
		const char (*name)[CONF_DOMAIN_LEN] = &c->fqdn;
		int len = dhcp_dns_names_encode(name, 1, false, buf + 3,
					    sizeof(buf) - 3);
		if (len <= 0)
			return;
		n = (size_t)len;
	} else {
		memcpy(buf + 3, c->fqdn, n);
	}
	dhcp_opt_put(o, DHCP_OPT_FQDN, buf, 3 + n);
}

/**
 * dhcp_opt_emit() - Append the option with a given code, if we have it
 * @c:		Execution context
 * @o:		Reply under construction
 * @code:	Option code
 * @r:		Client's request
 * @lease:	Whether the reply carries a lease (not for INFORM, RFC 2131
 *		§3.4: no lease time)
 */
static void dhcp_opt_emit(const struct ctx *c, struct dhcp_out *o,
			  uint8_t code, const struct dhcp_req *r, bool lease)
{
	uint8_t buf[CONF_DNS_MAX * 4];
	struct in_addr mask;
	size_t n = 0;
	int i;

	if (util_prefix_to_mask4(c->ip4.prefix_len, &mask))
		mask.s_addr = htonl(0xffffff00U);

	switch (code) {
	case DHCP_OPT_MASK:
		dhcp_opt_put(o, code, &mask, 4);
		break;
	case DHCP_OPT_ROUTER:
		if (c->ip4.gw.s_addr != INADDR_ANY)
			dhcp_opt_put(o, code, &c->ip4.gw, 4);
		break;
	case DHCP_OPT_DNS:
		for (i = 0; !c->no_dhcp_dns && i < c->ip4.dns_count &&
			    i < CONF_DNS_MAX; i++) {
			if (c->ip4.dns[i].s_addr == INADDR_ANY)
				continue;
			memcpy(buf + n, &c->ip4.dns[i], 4);
			n += 4;
		}
		if (n)
			dhcp_opt_put(o, code, buf, n);
		break;
	case DHCP_OPT_HOSTNAME:
		n = strnlen(c->hostname, CONF_HOSTNAME_LEN);
		if (n && n < CONF_HOSTNAME_LEN)
			dhcp_opt_put(o, code, c->hostname, n);
		break;
	case DHCP_OPT_DOMAIN:
		if (c->no_dhcp_search || c->search_count < 1)
			break;
		n = dhcp_dns_name_len(c->search[0]);
		if (n)
			dhcp_opt_put(o, code, c->search[0], n);
		break;
	case DHCP_OPT_MTU:
		if (!c->mtu_hidden && c->mtu >= 68 &&	/* RFC 2132 §5.1 */
		    c->mtu <= 65535) {
			util_put_be16(buf, (uint16_t)c->mtu);
			dhcp_opt_put(o, code, buf, 2);
		}
		break;
	case DHCP_OPT_BROADCAST:
		if (c->ip4.prefix_len > 0 && c->ip4.prefix_len < 31) {
			struct in_addr b;

			b.s_addr = c->ip4.addr.s_addr | ~mask.s_addr;
			dhcp_opt_put(o, code, &b, 4);
		}
		break;
	case DHCP_OPT_LEASE:
		if (lease) {
			util_put_be32(buf, DHCP_LEASE_TIME_S);
			dhcp_opt_put(o, code, buf, 4);
		}
		break;
	case DHCP_OPT_SERVER_ID:
		dhcp_opt_put(o, code, &c->ip4.gw, 4);
		break;
	case DHCP_OPT_FQDN:
		dhcp_opt_fqdn(c, o, r);
		break;
	case DHCP_OPT_SEARCH:
		dhcp_opt_search(c, o);
		break;
	default:
		break;
	}
}

/**
 * dhcp_reply_limit() - Bytes a reply may take
 * @c:		Execution context
 * @r:		Client's request
 * @out_size:	Size of the output buffer, bytes
 *
 * Return: the client's maximum message size (option 57, at least 576 bytes
 *	   of IP datagram: RFC 2132 §9.10), bounded by our MTU and @out_size
 */
static size_t dhcp_reply_limit(const struct ctx *c, const struct dhcp_req *r,
			       size_t out_size)
{
	size_t limit = DHCP_MIN_MAX_SIZE - DHCP_IP_UDP_HDRS;

	if (r->max_size > DHCP_MIN_MAX_SIZE)
		limit = r->max_size - DHCP_IP_UDP_HDRS;
	if (c->mtu >= DHCP_MIN_MAX_SIZE &&
	    limit > (size_t)c->mtu - DHCP_IP_UDP_HDRS)
		limit = (size_t)c->mtu - DHCP_IP_UDP_HDRS;
	return MIN(limit, out_size);
}

/**
 * dhcp_reply_build() - Build the reply to a client message
 * @c:		Execution context
 * @msg:	DHCP message (UDP payload)
 * @len:	Length of @msg, bytes
 * @out:	Reply buffer
 * @out_size:	Size of @out, at least DHCP_MIN_MAX_SIZE - 28 bytes
 * @dst:	Set to the reply's IPv4 destination (RFC 2131 §4.1)
 *
 * Context: pure, no system calls.
 * Return: reply length, 0 if no reply is due, -1 if the message is malformed
 */
int dhcp_reply_build(const struct ctx *c, const uint8_t *msg, size_t len,
		     uint8_t *out, size_t out_size, struct in_addr *dst)
{
	static const uint8_t first[] = { DHCP_OPT_SERVER_ID, DHCP_OPT_LEASE,
		DHCP_OPT_MASK, DHCP_OPT_ROUTER, DHCP_OPT_DNS };
	static const uint8_t rest[] = { DHCP_OPT_MTU, DHCP_OPT_SEARCH,
		DHCP_OPT_HOSTNAME, DHCP_OPT_DOMAIN, DHCP_OPT_FQDN,
		DHCP_OPT_BROADCAST };
	struct in_addr ciaddr, giaddr, req, yiaddr = { 0 };
	struct dhcp_out o = { .buf = out };
	bool lease = true;
	struct dhcp_req r;
	uint8_t type;

	if (len < DHCP_OPTS_OFF)
		return -1;
	if (msg[0] != DHCP_BOOTREQUEST)
		return 0;
	if (msg[1] != DHCP_HTYPE_ETHER || msg[2] != ETH_ALEN ||
	    util_get_be32(msg + DHCP_BOOTP_LEN) != DHCP_MAGIC)
		return -1;
	if (dhcp_opts_parse(msg + DHCP_OPTS_OFF, len - DHCP_OPTS_OFF, &r))
		return -1;

	memcpy(&ciaddr, msg + 12, 4);
	memcpy(&giaddr, msg + 24, 4);
	if (giaddr.s_addr != INADDR_ANY || c->ip4.addr.s_addr == INADDR_ANY)
		return 0;	/* no relays on our link; nothing to lease */

	switch (r.type) {
	case DHCP_DISCOVER:
		type = DHCP_OFFER;
		yiaddr = c->ip4.addr;
		break;
	case DHCP_REQUEST:		/* RFC 2131 §4.3.2 */
		if (r.has_server_id &&
		    r.server_id.s_addr != c->ip4.gw.s_addr)
			return 0;	/* the client chose another server */
		req = r.has_req_addr ? r.req_addr : ciaddr;
		if (req.s_addr == c->ip4.addr.s_addr) {
			type = DHCP_ACK;
			yiaddr = c->ip4.addr;
		} else {
			type = DHCP_NAK;
		}
		break;
	case DHCP_INFORM:		/* RFC 2131 §4.3.5 */
		type = DHCP_ACK;
		lease = false;
		break;
	default:			/* DECLINE, RELEASE: nothing to do */
		return 0;
	}

	o.limit = dhcp_reply_limit(c, &r, out_size);
	if (o.limit < DHCP_OPTS_OFF + 16)
		return 0;

	memset(out, 0, DHCP_OPTS_OFF);
	out[0] = DHCP_BOOTREPLY;
	out[1] = DHCP_HTYPE_ETHER;
	out[2] = ETH_ALEN;
	memcpy(out + 4, msg + 4, 4);			/* xid */
	memcpy(out + 10, msg + 10, 2);			/* flags */
	if (type == DHCP_ACK)
		memcpy(out + 12, &ciaddr, 4);		/* Table 3 */
	memcpy(out + 16, &yiaddr, 4);
	memcpy(out + 28, msg + 28, 16);			/* chaddr */
	util_put_be32(out + DHCP_BOOTP_LEN, DHCP_MAGIC);
	o.len = DHCP_OPTS_OFF;

	dhcp_opt_put(&o, DHCP_OPT_MSG_TYPE, &type, 1);
	if (type == DHCP_NAK) {
		dhcp_opt_emit(c, &o, DHCP_OPT_SERVER_ID, &r, lease);
	} else {
		size_t i;

		for (i = 0; i < ARRAY_SIZE(first); i++)
			dhcp_opt_emit(c, &o, first[i], &r, lease);
		for (i = 0; i < r.prl_len; i++)
			dhcp_opt_emit(c, &o, r.prl[i], &r, lease);
		for (i = 0; i < ARRAY_SIZE(rest); i++)
			dhcp_opt_emit(c, &o, rest[i], &r, lease);
	}
	out[o.len++] = DHCP_OPT_END;
	if (o.len < DHCP_MSG_MIN_BYTES && o.limit >= DHCP_MSG_MIN_BYTES) {
		memset(out + o.len, 0, DHCP_MSG_MIN_BYTES - o.len);
		o.len = DHCP_MSG_MIN_BYTES;
	}

	if (type == DHCP_NAK)
		dst->s_addr = INADDR_BROADCAST;
	else if (ciaddr.s_addr != INADDR_ANY)
		*dst = ciaddr;
	else if ((util_get_be16(msg + 10) & DHCP_FLAG_BROADCAST) ||
		 yiaddr.s_addr == INADDR_ANY)
		dst->s_addr = INADDR_BROADCAST;
	else
		*dst = yiaddr;
	return (int)o.len;
}

/**
 * dhcp_type_name() - Name of a DHCP message type, for logs
 * @type:	Message type
 *
 * Return: static string
 */
static const char *dhcp_type_name(uint8_t type)
{
	static const char *const names[] = { "?", "DISCOVER", "OFFER",
		"REQUEST", "DECLINE", "ACK", "NAK", "RELEASE", "INFORM" };

	return type < ARRAY_SIZE(names) ? names[type] : "?";
}

/**
 * dhcp_reply_type() - Message type of a reply we built, for logs
 * @msg:	Reply
 * @len:	Length, bytes
 *
 * Return: the type (our own replies carry option 53 first)
 */
static uint8_t dhcp_reply_type(const uint8_t *msg, size_t len)
{
	if (len < DHCP_OPTS_OFF + 3)
		return 0;
	return msg[DHCP_OPTS_OFF + 2];
}

/**
 * dhcp_tap_handler() - Handle a UDP datagram to port 67 from the guest
 * @c:		Execution context
 * @p:		Validated packet, @p->proto is IPPROTO_UDP
 *
 * With --no-dhcp, messages to the broadcast or gateway address are dropped
 * here (consumed, unanswered): they are for a DHCP server on this link, and
 * must never be forwarded as UDP to the host's network.
 *
 * Return: 1 if handled (or dropped), 0 if not for us, -1 if malformed
 */
int dhcp_tap_handler(struct ctx *c, const struct tap_pkt *p)
{
	static uint8_t reply[DHCP_REPLY_MAX_BYTES];
	struct in_addr dst;
	int n;

	if (p->af != AF_INET || p->proto != IPPROTO_UDP || p->l4_len < 8 ||
	    util_get_be16(p->l4 + 2) != DHCP_SERVER_PORT)
		return 0;
	if (c->no_dhcp)
		return p->dst4.s_addr == INADDR_BROADCAST ||
		       p->dst4.s_addr == c->ip4.gw.s_addr;

	n = dhcp_reply_build(c, p->l4 + 8, p->l4_len - 8, reply,
			     sizeof(reply), &dst);
	if (n < 0) {
		log_trace("DHCP: malformed %zu-byte message from guest",
			  p->l4_len - 8);
		return -1;
	}
	if (!n)
		return 1;

	log_debug("DHCP: %s to %u.%u.%u.%u",
		  dhcp_type_name(dhcp_reply_type(reply, (size_t)n)),
		  ntohl(dst.s_addr) >> 24, (ntohl(dst.s_addr) >> 16) & 0xff,
		  (ntohl(dst.s_addr) >> 8) & 0xff, ntohl(dst.s_addr) & 0xff);
	tap_send_udp4(c, c->ip4.gw, DHCP_SERVER_PORT, dst, DHCP_CLIENT_PORT,
		      reply, (size_t)n);
	return 1;
}
