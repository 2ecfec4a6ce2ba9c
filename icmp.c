/* SPDX-License-Identifier: GPL-2.0-or-later */
/* icmp.c - ICMP/ICMPv6 echo through unprivileged ping sockets */

/**
 * DOC: Theory of operation
 *
 * An echo request from the guest (ICMP type 8, RFC 792; ICMPv6 type 128,
 * RFC 4443 §4.1) becomes a PING4/PING6 flow keyed by (guest address, echo
 * identifier, destination). Each flow owns one unprivileged ping socket
 * (SOCK_DGRAM, IPPROTO_ICMP or IPPROTO_ICMPV6), connected to the
 * destination after address translation (the gateway reaches the host's
 * loopback unless --no-map-gw, see fwd_guest_to_host()). The kernel picks
 * the socket's own identifier and rewrites it in what we send; replies read
 * from the socket get the guest's identifier back before they are sent to
 * the guest, whose checksum tap_send_icmp4/6() computes.
 *
 * Ping sockets are allowed only to groups in net.ipv4.ping_group_range
 * (which also governs ICMPv6). icmp_init() probes once; if they are refused
 * the daemon says so once and answers no echo request of that family. A
 * refusal seen later (the group changed when privileges were dropped) is
 * reported once the same way.
 *
 * Limits: one socket per flow; flows idle for one to two FLOW_PING_TIMEOUT_S
 * intervals are closed by flow.c's sweep. At most ICMP_READS_MAX replies are read per
 * socket event, for fairness. Frames larger than ICMP_BUF_BYTES cannot
 * occur (the IP length bounds them).
 */

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "checksum.h"
#include "flow.h"
#include "fwd.h"
#include "icmp.h"
#include "log.h"
#include "ctx.h"
#include "tap.h"
#include "util.h"

#define ICMP_ECHO_HDR_LEN	8	/* type, code, checksum, id, sequence */
#define ICMP_BUF_BYTES		65536	/* one reply, bytes */
#define ICMP_READS_MAX		64	/* replies read per socket event */

#define ICMP4_ECHO_REPLY	0
#define ICMP4_ECHO_REQUEST	8
#define ICMP6_ECHO_REQUEST_	128
#define ICMP6_ECHO_REPLY_	129

static uint8_t icmp_buf[ICMP_BUF_BYTES];

/**
 * icmp_echo_check() - Validate an echo request from the guest
 * @p:		Validated packet, ICMP or ICMPv6
 *
 * Checks the length (RFC 792 echo: 8-byte header), the code (0) and the
 * checksum: over the message for ICMP (RFC 792), over the IPv6
 * pseudo-header and the message for ICMPv6 (RFC 4443 §2.3).
 *
 * Context: pure.
 * Return: 1 if @p is a valid echo request, 0 if it is another message
 *	   type (not ours), -1 if it is a malformed echo request
 */
int icmp_echo_check(const struct tap_pkt *p)
{
	bool v4 = p->af == AF_INET;

	if (p->l4_len < 1 ||
	    p->l4[0] != (v4 ? ICMP4_ECHO_REQUEST : ICMP6_ECHO_REQUEST_))
		return 0;
	if (p->l4_len < ICMP_ECHO_HDR_LEN || p->l4[1] != 0)
		return -1;
	if (v4 && csum(p->l4, p->l4_len, 0))
		return -1;
	if (!v4 && csum_l4_6(&p->src6, &p->dst6, IPPROTO_ICMPV6, p->l4,
			     p->l4_len))
		return -1;
	return 1;
}

/**
 * icmp_echo_set_id() - Set the identifier of an echo message
 * @msg:	ICMP/ICMPv6 echo message, at least ICMP_ECHO_HDR_LEN bytes
 * @id:		Identifier, host order
 *
 * The checksum is left for the sender to compute.
 */
void icmp_echo_set_id(uint8_t *msg, uint16_t id)
{
	util_put_be16(msg + 4, id);
}

/**
 * icmp_unavailable() - Ping sockets refused: remember and say so, once
 * @c:		Execution context
 * @v4:		IPv4 (else IPv6)
 * @err:	errno of socket()
 */
static void icmp_unavailable(struct ctx *c, bool v4, int err)
{
	bool *flag = v4 ? &c->icmp_unavailable4 : &c->icmp_unavailable6;

	if (*flag)
		return;
	*flag = true;
	log_warn("ICMP%s echo unavailable: ping socket: %s%s; echo requests "
		 "from the guest get no reply", v4 ? "" : "v6", strerror(err),
		 err == EACCES ? " (group not in net.ipv4.ping_group_range)"
			       : "");
}

/**
 * icmp_flow_sweep() - Close an echo flow idle for a whole sweep interval
 * @c:		Execution context
 * @flow:	PING4 or PING6 flow (struct flow_ops)
 * @fired:	FLOW_MARK_* bits that fired
 * @now_ms:	Current time, milliseconds
 */
static void icmp_flow_sweep(struct ctx *c, union flow *flow,
			    unsigned int fired, uint64_t now_ms)
{
	(void)now_ms;
	if (fired & FLOW_MARK_IDLE)
		flow_close_sock(c, flow, &flow->ping.sock, "idle");
}

/* What flow.c asks of echo flows */
static const struct flow_ops icmp_flow_ops = {
	.sweep		= icmp_flow_sweep,
};

/**
 * icmp_init() - Probe whether ping sockets are allowed, say so once
 * @c:		Execution context
 *
 * One line at start names the families for which ping sockets are refused.
 *
 * #syscalls socket close
 */
void icmp_init(struct ctx *c)
{
	int err4 = 0, err6 = 0, s;

	flow_ops_set(FLOW_PING4, &icmp_flow_ops);
	flow_ops_set(FLOW_PING6, &icmp_flow_ops);
	if (c->no_icmp)
		return;
	if (c->ifi4) {
		s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_ICMP);
		if (s < 0)
			err4 = errno;
		else
			close(s);
	}
	if (c->ifi6) {
		s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC,
			   IPPROTO_ICMPV6);
		if (s < 0)
			err6 = errno;
		else
			close(s);
	}
	if (err4 && err6 && err4 == err6) {
		c->icmp_unavailable4 = c->icmp_unavailable6 = true;
		log_warn("ICMP and ICMPv6 echo unavailable: ping socket: %s%s; "
			 "echo requests from the guest get no reply",
			 strerror(err4), err4 == EACCES ?
			 " (group not in net.ipv4.ping_group_range)" : "");
		return;
	}
	if (err4)
		icmp_unavailable(c, true, err4);
	if (err6)
		icmp_unavailable(c, false, err6);
}

/**
 * icmp_flow_new() - Create a flow and its ping socket for an echo request
 * @c:		Execution context
 * @p:		Valid echo request
 * @guest:	Guest address (source)
 * @peer:	Destination as the guest sees it
 * @id:		Guest's echo identifier
 * @now_ms:	Current time, milliseconds
 *
 * #syscalls socket connect getsockname close epoll_ctl
 * Return: the new ACTIVE flow, or NULL if refused (logged, rate-limited)
 */
static union flow *icmp_flow_new(struct ctx *c, const struct tap_pkt *p,
				 const union inany_addr *guest,
				 const union inany_addr *peer, uint16_t id,
				 uint64_t now_ms)
{
	bool v4 = p->af == AF_INET;
	union epoll_ref ref = { .type = EPOLL_TYPE_PING };
	union inany_addr host, local;
	struct sockaddr_storage sa;
	uint16_t sock_id = 0;
	socklen_t sl;
	union flow *flow;
	int s;

	if (!fwd_guest_to_host(c, peer, &host)) {
		log_ratelimit(LOG_DEBUG, now_ms, "ICMP: echo request to an "
			      "address we do not forward, dropped");
		return NULL;
	}
	flow = flow_alloc(v4 ? FLOW_PING4 : FLOW_PING6, now_ms);
	if (!flow) {
		log_ratelimit(LOG_WARNING, now_ms, "ICMP: flow table full "
			      "(%u flows), echo request dropped", flow_limit());
		return NULL;
	}
	flow->ping.sock = -1;

	s = socket(v4 ? AF_INET : AF_INET6,
		   SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		   v4 ? IPPROTO_ICMP : IPPROTO_ICMPV6);
	if (s < 0) {
		if (errno == EACCES || errno == EPERM)
			icmp_unavailable(c, v4, errno);
		else
			log_ratelimit(LOG_WARNING, now_ms, "ICMP: ping socket: "
				      "%s", strerror(errno));
		flow_cancel(flow);
		return NULL;
	}

	sl = inany_to_sockaddr(&host, 0, &sa);
	if (flow_sock_outbound(c, s, &host) ||
	    connect(s, (struct sockaddr *)&sa, sl)) {
		log_ratelimit(LOG_DEBUG, now_ms, "ICMP: connect ping socket: "
			      "%s", strerror(errno));
		goto fail;
	}

	sl = sizeof(sa);
	memset(&local, 0, sizeof(local));
	if (!getsockname(s, (struct sockaddr *)&sa, &sl))
		inany_from_sockaddr(&sa, &local, &sock_id);

	flow_set_side(flow, FLOW_SIDE_TAP, guest, id, peer, id);
	flow_set_side(flow, FLOW_SIDE_SOCK, &host, sock_id, &local, sock_id);
	flow->ping.sock = s;
	flow->ping.sock_id = sock_id;
	if (flow_hash_insert(flow))
		goto fail;

	ref.idx = flow_idx(flow);
	ref.fd = s;
	if (util_epoll_add(c->epollfd, s, EPOLLIN, ref)) {
		log_ratelimit(LOG_WARNING, now_ms, "ICMP: epoll_ctl: %s",
			      strerror(errno));
		goto fail;
	}
	flow_activate(flow);
	flow_log(flow, LOG_DEBUG, "new, ping socket id %u", sock_id);
	return flow;

fail:
	close(s);
	flow_cancel(flow);
	return NULL;
}

/**
 * icmp_tap_handler() - Handle an ICMP/ICMPv6 message from the guest
 * @c:		Execution context
 * @p:		Validated packet
 * @now_ms:	Current time, milliseconds
 *
 * #syscalls send sendto
 * Return: 1 if handled, 0 if ignored (not an echo request), -1 if malformed
 */
int icmp_tap_handler(struct ctx *c, const struct tap_pkt *p, uint64_t now_ms)
{
	bool v4 = p->af == AF_INET;
	union inany_addr guest, peer;
	union flow *flow;
	uint16_t id;
	ssize_t n;
	int ret;

	if (c->no_icmp)
		return 0;
	if ((v4 && p->proto != IPPROTO_ICMP) ||
	    (!v4 && p->proto != IPPROTO_ICMPV6))
		return 0;
	ret = icmp_echo_check(p);
	if (ret <= 0)
		return ret;
	if (v4 ? c->icmp_unavailable4 : c->icmp_unavailable6)
		return 1;

	id = util_get_be16(p->l4 + 4);
	if (v4) {
		inany_from_v4(&guest, p->src4);
		inany_from_v4(&peer, p->dst4);
	} else {
		inany_from_v6(&guest, &p->src6);
		inany_from_v6(&peer, &p->dst6);
	}

	flow = flow_lookup(v4 ? FLOW_PING4 : FLOW_PING6, &guest, id, &peer,
			   id);
	if (!flow)
		flow = icmp_flow_new(c, p, &guest, &peer, id, now_ms);
	if (!flow)
		return 1;

	flow->ping.seq = util_get_be16(p->l4 + 6);
	flow_touch(flow, now_ms);
	/* The kernel sets its own identifier and the checksum */
	n = send(flow->ping.sock, p->l4, p->l4_len, MSG_DONTWAIT);
	if (n < 0) {
		flow_log(flow, LOG_DEBUG, "send, sequence %u: %s",
			 flow->ping.seq, strerror(errno));
		return 1;
	}
	flow_count_bytes(flow, FLOW_SIDE_TAP, p->l4_len);
	log_trace("ICMP: flow %u: echo request, sequence %u, %zu bytes",
		  flow_idx(flow), flow->ping.seq, p->l4_len);
	return 1;
}

/**
 * icmp_sock_handler() - Replies on a ping socket
 * @c:		Execution context
 * @ref:	epoll reference: flow index and socket
 * @events:	epoll events
 * @now_ms:	Current time, milliseconds
 *
 * #syscalls recvfrom
 */
void icmp_sock_handler(struct ctx *c, union epoll_ref ref, uint32_t events,
		       uint64_t now_ms)
{
	union flow *flow = flow_at(ref.idx);
	const struct flow_side *tap;
	int i;

	(void)events;
	if (!flow || !flow_is_active(flow) ||
	    (flow->f.type != FLOW_PING4 && flow->f.type != FLOW_PING6) ||
	    flow->ping.sock != ref.fd)
		return;
	tap = &flow->f.side[FLOW_SIDE_TAP];

	for (i = 0; i < ICMP_READS_MAX; i++) {
		bool v4 = flow->f.type == FLOW_PING4;
		ssize_t n = recv(ref.fd, icmp_buf, sizeof(icmp_buf),
				 MSG_DONTWAIT);

		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				flow_log(flow, LOG_DEBUG, "recv: %s",
					 strerror(errno));
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				break;
			continue;	/* error reported, read on */
		}
		if (n < ICMP_ECHO_HDR_LEN ||
		    icmp_buf[0] != (v4 ? ICMP4_ECHO_REPLY : ICMP6_ECHO_REPLY_))
			continue;

		icmp_echo_set_id(icmp_buf, tap->ep_port);
		flow_touch(flow, now_ms);
		flow_count_bytes(flow, FLOW_SIDE_SOCK, (size_t)n);
		if (v4)
			tap_send_icmp4(c, *inany_v4(&tap->our_addr),
				       *inany_v4(&tap->ep_addr), icmp_buf,
				       (size_t)n);
		else
			tap_send_icmp6(c, &tap->our_addr.a6, &tap->ep_addr.a6,
				       icmp_buf, (size_t)n);
		log_trace("ICMP: flow %u: echo reply, sequence %u, %zd bytes",
			  flow_idx(flow), util_get_be16(icmp_buf + 6), n);
	}
}
