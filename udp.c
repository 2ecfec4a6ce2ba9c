/* SPDX-License-Identifier: GPL-2.0-or-later */
/* udp.c - UDP flows between guest datagrams and host sockets */

/**
 * DOC: Theory of operation
 *
 * Every exchange between a guest (address, port) and a peer (address, port)
 * is one FLOW_UDP flow with its own host socket. The socket is connected to
 * the peer (after address translation), so that the kernel delivers to it
 * only the peer's datagrams and its ICMP errors, and a datagram read from it
 * maps back to the flow by the epoll reference alone. A connected socket
 * filters by address and port (RFC 4787 §5, "address and port-dependent
 * filtering"): a peer that answers from another port (TFTP) is not heard.
 *
 * Guest to host: tap.c hands over batches of datagrams; consecutive
 * datagrams of one flow go out with one sendmmsg() that points into the
 * guest's frames, without copying.
 *
 * Host to guest: recvmmsg() reads up to UDP_BATCH datagrams straight into
 * frame buffers behind room for the Ethernet, IP and UDP headers, which are
 * then written in front; the frames are queued by reference
 * (tap_queue_iov()). The buffers are a ring of UDP_FRAMES frames: before the
 * ring wraps, the tap queue is flushed, so a frame is never overwritten
 * while queued.
 *
 * ICMP errors: sockets have IP_RECVERR/IPV6_RECVERR set. On EPOLLERR the
 * error queue is read (MSG_ERRQUEUE); an ICMP destination unreachable or
 * time exceeded about our datagram becomes the same ICMP/ICMPv6 message to
 * the guest, quoting the datagram as the guest sent it (RFC 792, RFC 4443
 * §3.1), so that the guest's socket sees e.g. ECONNREFUSED.
 *
 * Address translation: fwd_guest_to_host(), as for TCP (the gateway reaches
 * host loopback unless --no-map-gw), except for DNS: fwd_dns_redirect(),
 * shared with TCP, sends queries to the --dns-forward address, and to the
 * gateway when it stands for a host resolver on a loopback address, to the
 * host resolver (ctx dns_host); answers come back from the address the
 * guest asked.
 *
 * Forwarding (-u): each forwarded host port has a bound socket (a listener).
 * A datagram from a new host peer creates a flow whose socket is bound to
 * the same local address and port (SO_REUSEADDR) and connected to the peer:
 * the kernel then delivers that peer's datagrams to the flow's socket, and
 * the guest's answers leave from the port the peer wrote to.
 *
 * Limits: UDP_BATCH datagrams per system call; datagrams larger than the
 * MTU allows toward the guest are dropped (counted, logged rate-limited);
 * the flow table (flow_limit()) bounds flows and sockets: at the limit new
 * flows are refused and their datagrams dropped. Forwarded sockets are
 * bounded by the open-file limit only: their epoll reference names the
 * rule (fwd.c), the family and the port, so no table is kept here.
 *
 * Timers: flows idle for --udp-timeout seconds (FLOW_UDP_IDLE_DEFAULT_S) are
 * closed by flow.c's sweep, socket included.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <linux/errqueue.h>
#include <sys/socket.h>

#include "checksum.h"
#include "flow.h"
#include "fwd.h"
#include "listen.h"
#include "log.h"
#include "ctx.h"
#include "tap.h"
#include "udp.h"
#include "util.h"

#define UDP_BATCH		32	/* datagrams per recvmmsg()/sendmmsg() */
#define UDP_FRAMES		(2 * UDP_BATCH)	/* ring of frames to the guest */
#define UDP_HDR_LEN		8
#define UDP_IP4_HDR_LEN		20
#define UDP_IP6_HDR_LEN		40
/* Payload offset in a frame buffer: room for the longest headers */
#define UDP_PAYLOAD_OFF		(ETH_HDR_LEN + UDP_IP6_HDR_LEN + UDP_HDR_LEN)
/* A frame buffer: headers and the largest UDP payload, ~64 KiB; the ring
 * takes UDP_FRAMES * UDP_FRAME_BYTES, ~4.1 MiB */
#define UDP_FRAME_BYTES		(UDP_PAYLOAD_OFF + 65535 - UDP_HDR_LEN)
#define UDP_ERR_BYTES		1280	/* error queue read: quoted payload */
#define UDP_ERR_READS_MAX	16	/* error queue entries per event */
#define UDP_READ_BATCHES_MAX	4	/* recvmmsg() calls per socket event */
/* Largest payload between two loopbacks (pasta -U): no MTU in the way */
#define UDP_SPLICE_MAX		(65535 - UDP_HDR_LEN)
/* ICMP error quotes: RFC 1812 §4.3.2.3, at most 576 bytes of IPv4 message;
 * RFC 4443 §2.4 (c), the IPv6 minimum MTU, 1280 */
#define UDP_ICMP4_MAX		576
#define UDP_ICMP6_MAX		1280

#define ICMP4_DEST_UNREACH	3
#define ICMP4_FRAG_NEEDED	4
#define ICMP4_TIME_EXCEEDED	11
#define ICMP6_DST_UNREACH_	1
#define ICMP6_TIME_EXCEEDED_	3

static uint8_t udp_frames[UDP_FRAMES][UDP_FRAME_BYTES];
static unsigned int udp_frame_next;

static struct mmsghdr udp_mmh[UDP_BATCH];
static struct iovec udp_iov[UDP_BATCH];
static struct sockaddr_storage udp_names[UDP_BATCH];

static uint64_t udp_drop_toobig;

/**
 * udp_payload_max() - Largest UDP payload that fits the guest's MTU
 * @c:		Execution context
 * @v4:		IPv4 (else IPv6)
 *
 * Context: pure.
 * Return: bytes
 */
size_t udp_payload_max(const struct ctx *c, bool v4)
{
	size_t hdr = (v4 ? UDP_IP4_HDR_LEN : UDP_IP6_HDR_LEN) + UDP_HDR_LEN;
	size_t mtu = c->mtu > 0 ? (size_t)c->mtu : 0;
	size_t max = v4 ? 65535 - hdr : 65535 - UDP_HDR_LEN;

	if (mtu < hdr)
		return 0;
	return MIN(mtu - hdr, max);
}

/**
 * udp_icmp_quote4() - Rebuild the start of a guest's IPv4 datagram for an
 *		       ICMP error body
 * @buf:	Output
 * @size:	Size of @buf
 * @guest:	Guest address (source of the datagram)
 * @gport:	Guest port
 * @peer:	Peer as the guest sees it (destination)
 * @pport:	Peer port
 * @payload:	Start of the datagram's payload, as the kernel returned it
 * @len:	Bytes at @payload
 *
 * RFC 792: the internet header and at least 64 bits of the datagram; RFC
 * 1812 §4.3.2.3: as much as fits in 576 bytes. The IP header checksum is
 * set; the UDP checksum is left 0 (the guest does not check a quote).
 *
 * Context: pure.
 * Return: bytes written
 */
size_t udp_icmp_quote4(uint8_t *buf, size_t size,
		       const union inany_addr *guest, uint16_t gport,
		       const union inany_addr *peer, uint16_t pport,
		       const uint8_t *payload, size_t len)
{
	size_t hdr = UDP_IP4_HDR_LEN + UDP_HDR_LEN, take;

	if (size < hdr)
		return 0;
	take = MIN(len, size - hdr);
	tap_ip4_hdr(buf, *inany_v4(guest), *inany_v4(peer), IPPROTO_UDP,
		    MIN(UDP_HDR_LEN + len, 65535 - UDP_IP4_HDR_LEN));
	util_put_be16(buf + 20, gport);
	util_put_be16(buf + 22, pport);
	util_put_be16(buf + 24, (uint16_t)MIN(UDP_HDR_LEN + len, 65535));
	util_put_be16(buf + 26, 0);
	memcpy(buf + hdr, payload, take);
	return hdr + take;
}

/**
 * udp_icmp_quote6() - Rebuild the start of a guest's IPv6 datagram for an
 *		       ICMPv6 error body
 * @buf:	Output
 * @size:	Size of @buf
 * @guest:	Guest address (source of the datagram)
 * @gport:	Guest port
 * @peer:	Peer as the guest sees it (destination)
 * @pport:	Peer port
 * @payload:	Start of the datagram's payload, as the kernel returned it
 * @len:	Bytes at @payload
 *
 * RFC 4443 §3.1: as much of the invoking packet as fits the minimum MTU.
 *
 * Context: pure.
 * Return: bytes written
 */
size_t udp_icmp_quote6(uint8_t *buf, size_t size,
		       const union inany_addr *guest, uint16_t gport,
		       const union inany_addr *peer, uint16_t pport,
		       const uint8_t *payload, size_t len)
{
	size_t hdr = UDP_IP6_HDR_LEN + UDP_HDR_LEN, take;

	if (size < hdr)
		return 0;
	take = MIN(len, size - hdr);
	tap_ip6_hdr(buf, &guest->a6, &peer->a6, IPPROTO_UDP,
		    MIN(UDP_HDR_LEN + len, 65535), 64);
	util_put_be16(buf + 40, gport);
	util_put_be16(buf + 42, pport);
	util_put_be16(buf + 44, (uint16_t)MIN(UDP_HDR_LEN + len, 65535));
	util_put_be16(buf + 46, 0);
	memcpy(buf + hdr, payload, take);
	return hdr + take;
}

/**
 * udp_sock_open() - Open a flow's socket, optionally bound, and connect it
 * @c:		Execution context (-o, --outbound-if*: if not @bind_to)
 * @v4:		IPv4 socket (else IPv6)
 * @bind_to:	Local address and port to bind to (SO_REUSEADDR), or NULL
 * @bind_port:	Local port, if @bind_to
 * @peer:	Peer address
 * @pport:	Peer port
 *
 * #syscalls socket setsockopt bind connect close
 * Return: socket, or -errno
 */
static int udp_sock_open(const struct ctx *c, bool v4,
			 const union inany_addr *bind_to,
			 uint16_t bind_port, const union inany_addr *peer,
			 uint16_t pport)
{
	struct sockaddr_storage sa;
	int s, one = 1, err;
	socklen_t sl;

	s = socket(v4 ? AF_INET : AF_INET6,
		   SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (s < 0)
		return -errno;
	if (v4 ? setsockopt(s, SOL_IP, IP_RECVERR, &one, sizeof(one)) :
		 setsockopt(s, SOL_IPV6, IPV6_RECVERR, &one, sizeof(one)))
		goto fail;
	if (!v4 && setsockopt(s, SOL_IPV6, IPV6_V6ONLY, &one, sizeof(one)))
		goto fail;
	if (bind_to) {
		if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
			goto fail;
		sl = inany_to_sockaddr(bind_to, bind_port, &sa);
		if (bind(s, (struct sockaddr *)&sa, sl))
			goto fail;
	} else if ((err = flow_sock_outbound(c, s, peer))) {
		close(s);
		return err;
	}
	sl = inany_to_sockaddr(peer, pport, &sa);
	if (connect(s, (struct sockaddr *)&sa, sl))
		goto fail;
	return s;
fail:
	err = -errno;
	close(s);
	return err;
}

/**
 * udp_flow_commit() - Finish a NEW flow: sides, hash, epoll, ACTIVE
 * @c:		Execution context
 * @flow:	NEW flow, tap side already set
 * @s:		Its connected socket
 * @host:	Host-side peer address
 * @hport:	Host-side peer port
 *
 * On failure the socket is closed and the flow cancelled.
 *
 * #syscalls getsockname epoll_ctl close
 * Return: 0 on success, -1 on failure
 */
static int udp_flow_commit(struct ctx *c, union flow *flow, int s,
			   const union inany_addr *host, uint16_t hport)
{
	union epoll_ref ref = { .type = EPOLL_TYPE_UDP };
	union inany_addr local;
	struct sockaddr_storage sa;
	socklen_t sl = sizeof(sa);
	uint16_t lport = 0;

	memset(&local, 0, sizeof(local));
	sa.ss_family = AF_UNSPEC;
	if (!getsockname(s, (struct sockaddr *)&sa, &sl))
		inany_from_sockaddr(&sa, &local, &lport);
	flow_set_side(flow, FLOW_SIDE_SOCK, host, hport, &local, lport);
	flow->udp.sock = s;
	if (flow_hash_insert(flow))
		goto fail;
	ref.idx = flow_idx(flow);
	ref.fd = s;
	if (util_epoll_add(c->epollfd, s, EPOLLIN, ref))
		goto fail;
	flow_activate(flow);
	flow_log(flow, LOG_DEBUG, "new, socket bound to port %u", lport);
	return 0;
fail:
	close(s);
	flow->udp.sock = -1;
	flow_cancel(flow);
	return -1;
}

/**
 * udp_flow_from_tap() - Create the flow for a guest's new exchange
 * @c:		Execution context
 * @guest:	Guest address
 * @gport:	Guest port
 * @peer:	Destination as the guest sees it
 * @pport:	Destination port
 * @now_ms:	Current time, milliseconds
 *
 * Return: the new ACTIVE flow, or NULL if refused
 */
static union flow *udp_flow_from_tap(struct ctx *c,
				     const union inany_addr *guest,
				     uint16_t gport,
				     const union inany_addr *peer,
				     uint16_t pport, uint64_t now_ms)
{
	union inany_addr host;
	union flow *flow;
	int s, dns;

	if (!pport)
		return NULL;
	dns = fwd_dns_redirect(c, peer, pport, &host);
	if (dns < 0)
		return NULL;	/* --dns-forward without a resolver */
	if (!dns && !fwd_guest_to_host(c, peer, &host))
		return NULL;

	flow = flow_alloc(FLOW_UDP, now_ms);
	if (!flow) {
		log_ratelimit(LOG_WARNING, now_ms, "UDP: flow table full "
			      "(%u flows), datagram dropped", flow_limit());
		return NULL;
	}
	flow->udp.sock = -1;
	flow_set_side(flow, FLOW_SIDE_TAP, guest, gport, peer, pport);

	s = udp_sock_open(c, inany_is_v4(&host), NULL, 0, &host, pport);
	if (s < 0) {
		log_ratelimit(LOG_DEBUG, now_ms, "UDP: socket for a new flow: "
			      "%s", strerror(-s));
		flow_cancel(flow);
		return NULL;
	}
	if (udp_flow_commit(c, flow, s, &host, pport))
		return NULL;
	return flow;
}

/**
 * udp_send_group() - Send consecutive datagrams of one flow to its socket
 * @flow:	Flow
 * @pkts:	Packets from the guest, all of @flow
 * @n:		Number of packets
 *
 * A pending error (ICMP reported on the connected socket) fails one send;
 * so the first datagram that fails is tried once more (the error itself is
 * read from the error queue on EPOLLERR). What the socket still does not
 * take is dropped.
 *
 * #syscalls sendmmsg
 * Return: payload bytes sent
 */
static size_t udp_send_group(union flow *flow, const struct tap_pkt *pkts,
			     size_t n)
{
	size_t i, done = 0, bytes = 0;
	bool retried = false;

	while (done < n) {
		size_t k = n - done;
		int ret;

		if (k > UDP_BATCH)
			k = UDP_BATCH;
		for (i = 0; i < k; i++) {
			const struct tap_pkt *p = &pkts[done + i];

			udp_iov[i].iov_base = (void *)(uintptr_t)
					      (p->l4 + UDP_HDR_LEN);
			udp_iov[i].iov_len = p->l4_len - UDP_HDR_LEN;
			memset(&udp_mmh[i], 0, sizeof(udp_mmh[i]));
			udp_mmh[i].msg_hdr.msg_iov = &udp_iov[i];
			udp_mmh[i].msg_hdr.msg_iovlen = 1;
		}
		ret = sendmmsg(flow->udp.sock, udp_mmh, (unsigned int)k,
			       MSG_DONTWAIT);
		if (ret > 0) {
			for (i = 0; i < (size_t)ret; i++)
				bytes += udp_iov[i].iov_len;
			done += (size_t)ret;
			if ((size_t)ret == k)
				continue;
		}
		/* The datagram at @done failed: once, try again from there */
		if (!retried) {
			retried = true;
			continue;
		}
		flow_log(flow, LOG_DEBUG, "sendmmsg: %s, %zu datagrams dropped",
			 ret < 0 ? strerror(errno) : "short", n - done);
		break;
	}
	return bytes;
}

/**
 * udp_pkt_same_flow() - Do two guest datagrams belong to the same flow?
 * @a:		Packet
 * @b:		Packet
 *
 * Return: true if family, addresses and ports are equal
 */
static bool udp_pkt_same_flow(const struct tap_pkt *a,
			      const struct tap_pkt *b)
{
	if (a->af != b->af || memcmp(a->l4, b->l4, 4))
		return false;
	if (a->af == AF_INET)
		return a->src4.s_addr == b->src4.s_addr &&
		       a->dst4.s_addr == b->dst4.s_addr;
	return IN6_ARE_ADDR_EQUAL(&a->src6, &b->src6) &&
	       IN6_ARE_ADDR_EQUAL(&a->dst6, &b->dst6);
}

/**
 * udp_tap_batch() - Handle a batch of UDP datagrams from the guest
 * @c:		Execution context
 * @pkts:	Validated packets, @pkts[i].proto is IPPROTO_UDP
 * @n:		Number of packets
 * @now_ms:	Current time, milliseconds
 */
void udp_tap_batch(struct ctx *c, const struct tap_pkt *pkts, size_t n,
		   uint64_t now_ms)
{
	size_t i = 0, j;

	while (i < n) {
		const struct tap_pkt *p = &pkts[i];
		union inany_addr guest, peer;
		uint16_t gport, pport;
		union flow *flow;

		for (j = i + 1; j < n && udp_pkt_same_flow(p, &pkts[j]); j++)
			;
		if (c->no_udp) {
			for (; i < j; i++)
				tap_count_drop(TAP_DROP_L4_PROTO);
			continue;
		}
		gport = util_get_be16(p->l4);
		pport = util_get_be16(p->l4 + 2);
		if (p->af == AF_INET) {
			inany_from_v4(&guest, p->src4);
			inany_from_v4(&peer, p->dst4);
		} else {
			inany_from_v6(&guest, &p->src6);
			inany_from_v6(&peer, &p->dst6);
		}

		flow = flow_lookup(FLOW_UDP, &guest, gport, &peer, pport);
		if (!flow)
			flow = udp_flow_from_tap(c, &guest, gport, &peer,
						 pport, now_ms);
		if (flow) {
			flow_touch(flow, now_ms);
			flow_count_bytes(flow, FLOW_SIDE_TAP,
					 udp_send_group(flow, p, j - i));
		} else {
			log_trace("UDP: %zu datagrams to port %u dropped",
				  j - i, pport);
		}
		i = j;
	}
}

/**
 * udp_icmp_to_guest() - Relay an ICMP error about a flow's datagram
 * @c:		Execution context
 * @flow:	Flow
 * @ee:		Extended error from the error queue
 * @payload:	Payload of the datagram that caused it
 * @len:	Bytes at @payload
 */
static void udp_icmp_to_guest(struct ctx *c, const union flow *flow,
			      const struct sock_extended_err *ee,
			      const uint8_t *payload, size_t len)
{
	const struct flow_side *tap = &flow->f.side[FLOW_SIDE_TAP];
	const struct flow_side *sock = &flow->f.side[FLOW_SIDE_SOCK];
	const struct sockaddr *off = SO_EE_OFFENDER(ee);
	static uint8_t msg[UDP_ICMP6_MAX];
	union inany_addr from = tap->our_addr, offender;
	bool v4 = inany_is_v4(&tap->ep_addr);
	uint16_t oport;
	size_t l;

	if (off->sa_family == AF_INET || off->sa_family == AF_INET6) {
		struct sockaddr_storage ss;

		memset(&ss, 0, sizeof(ss));
		memcpy(&ss, off, off->sa_family == AF_INET ?
		       sizeof(struct sockaddr_in) :
		       sizeof(struct sockaddr_in6));
		if (!inany_from_sockaddr(&ss, &offender, &oport) &&
		    !inany_equals(&offender, &sock->ep_addr) &&
		    inany_is_v4(&offender) == v4 &&
		    !fwd_host_to_guest(c, &offender, &from))
			from = tap->our_addr;	/* as if from the peer */
	}

	memset(msg, 0, 8);
	msg[0] = ee->ee_type;
	msg[1] = ee->ee_code;
	if (v4) {
		if (ee->ee_origin != SO_EE_ORIGIN_ICMP ||
		    (ee->ee_type != ICMP4_DEST_UNREACH &&
		     ee->ee_type != ICMP4_TIME_EXCEEDED))
			return;
		if (ee->ee_type == ICMP4_DEST_UNREACH &&
		    ee->ee_code == ICMP4_FRAG_NEEDED)	/* RFC 1191 §4 */
			util_put_be16(msg + 6, (uint16_t)MIN(ee->ee_info,
							     65535));
		l = udp_icmp_quote4(msg + 8, UDP_ICMP4_MAX - 20 - 8,
				    &tap->ep_addr, tap->ep_port,
				    &tap->our_addr, tap->our_port,
				    payload, len);
		tap_send_icmp4(c, *inany_v4(&from), *inany_v4(&tap->ep_addr),
			       msg, 8 + l);
	} else {
		if (ee->ee_origin != SO_EE_ORIGIN_ICMP6 ||
		    (ee->ee_type != ICMP6_DST_UNREACH_ &&
		     ee->ee_type != ICMP6_TIME_EXCEEDED_))
			return;
		l = udp_icmp_quote6(msg + 8, UDP_ICMP6_MAX - 40 - 8,
				    &tap->ep_addr, tap->ep_port,
				    &tap->our_addr, tap->our_port,
				    payload, len);
		tap_send_icmp6(c, &from.a6, &tap->ep_addr.a6, msg, 8 + l);
	}
	flow_log(flow, LOG_DEBUG, "ICMP%s type %u code %u relayed to guest",
		 v4 ? "" : "v6", ee->ee_type, ee->ee_code);
}

/**
 * udp_sock_errqueue() - Read a socket's error queue, relay ICMP errors
 * @c:		Execution context
 * @flow:	Flow
 * @s:		Socket
 *
 * #syscalls recvmsg
 */
static void udp_sock_errqueue(struct ctx *c, const union flow *flow, int s)
{
	static uint8_t data[UDP_ERR_BYTES];
	char cbuf[CMSG_SPACE(sizeof(struct sock_extended_err) +
			     sizeof(struct sockaddr_in6))];
	int i;

	for (i = 0; i < UDP_ERR_READS_MAX; i++) {
		struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) };
		struct sockaddr_storage name;
		struct msghdr mh = {
			.msg_name = &name, .msg_namelen = sizeof(name),
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		const struct sock_extended_err *ee = NULL;
		struct cmsghdr *cm;
		ssize_t n;

		n = recvmsg(s, &mh, MSG_ERRQUEUE | MSG_DONTWAIT);
		if (n < 0)
			return;
		for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
			if ((cm->cmsg_level == SOL_IP &&
			     cm->cmsg_type == IP_RECVERR) ||
			    (cm->cmsg_level == SOL_IPV6 &&
			     cm->cmsg_type == IPV6_RECVERR))
				ee = (const struct sock_extended_err *)
				     (const void *)CMSG_DATA(cm);
		}
		if (ee && flow->f.type == FLOW_UDP)	/* no guest otherwise */
			udp_icmp_to_guest(c, flow, ee, data, (size_t)n);
	}
}

/**
 * udp_queue_frame() - Headers before a payload in a ring buffer, then queue
 * @c:		Execution context
 * @tap:	Tap side of the flow: guest and the peer as the guest sees it
 * @buf:	Ring buffer, payload at UDP_PAYLOAD_OFF
 * @len:	Payload length
 */
static void udp_queue_frame(struct ctx *c, const struct flow_side *tap,
			    uint8_t *buf, size_t len)
{
	struct iovec iov;

	if (inany_is_v4(&tap->ep_addr)) {
		iov.iov_base = buf + (UDP_IP6_HDR_LEN - UDP_IP4_HDR_LEN);
		iov.iov_len = tap_udp_frame(c, iov.iov_base, &tap->our_addr,
					    tap->our_port, &tap->ep_addr,
					    tap->ep_port, len);
	} else {
		iov.iov_base = buf;
		iov.iov_len = tap_udp_frame(c, buf, &tap->our_addr,
					    tap->our_port, &tap->ep_addr,
					    tap->ep_port, len);
	}
	tap_queue_iov(c, &iov, 1);
}

/**
 * udp_recv_batch() - recvmmsg() into the next UDP_BATCH ring buffers
 * @c:		Execution context
 * @s:		Socket
 * @max:	Largest payload accepted (longer ones are truncated, flagged)
 * @names:	Fill udp_names[] with the sources
 *
 * The ring is flushed to the guest first if fewer than UDP_BATCH buffers
 * are left; buffers not filled are given back.
 *
 * #syscalls recvmmsg
 * Return: datagrams read (in udp_mmh[], payload at udp_iov[].iov_base), 0
 *	   if none, -errno on error
 */
static int udp_recv_batch(struct ctx *c, int s, size_t max, bool names)
{
	unsigned int base;
	int i, n;

	if (udp_frame_next + UDP_BATCH > UDP_FRAMES) {
		tap_flush(c);
		udp_frame_next = 0;
	}
	base = udp_frame_next;
	for (i = 0; i < UDP_BATCH; i++) {
		udp_iov[i].iov_base = udp_frames[base + i] + UDP_PAYLOAD_OFF;
		udp_iov[i].iov_len = max;
		memset(&udp_mmh[i], 0, sizeof(udp_mmh[i]));
		udp_mmh[i].msg_hdr.msg_iov = &udp_iov[i];
		udp_mmh[i].msg_hdr.msg_iovlen = 1;
		if (names) {
			udp_names[i].ss_family = AF_UNSPEC;
			udp_mmh[i].msg_hdr.msg_name = &udp_names[i];
			udp_mmh[i].msg_hdr.msg_namelen = sizeof(udp_names[i]);
		}
	}
	n = recvmmsg(s, udp_mmh, UDP_BATCH, MSG_DONTWAIT, NULL);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	udp_frame_next += (unsigned int)n;
	return n;
}

/**
 * udp_too_big() - Count and log a datagram the guest's MTU cannot carry
 * @now_ms:	Current time, milliseconds
 */
static void udp_too_big(uint64_t now_ms)
{
	udp_drop_toobig++;
	log_ratelimit(LOG_DEBUG, now_ms, "UDP: datagram beyond the guest's "
		      "MTU dropped (%llu so far)",
		      (unsigned long long)udp_drop_toobig);
}

/**
 * udp_splice_replies() - pasta -U: the host's replies, back to the
 *			  namespace's peer through the -U socket
 * @c:		Execution context
 * @flow:	FLOW_UDP_SPLICE flow
 * @now_ms:	Current time, milliseconds
 *
 * #syscalls sendto
 */
static void udp_splice_replies(struct ctx *c, union flow *flow,
			       uint64_t now_ms)
{
	const struct flow_side *ns = &flow->f.side[FLOW_SIDE_TAP];
	struct sockaddr_storage sa;
	socklen_t sl = inany_to_sockaddr(&ns->ep_addr, ns->ep_port, &sa);
	int b;

	for (b = 0; b < UDP_READ_BATCHES_MAX; b++) {
		int i, n = udp_recv_batch(c, flow->udp.sock, UDP_SPLICE_MAX,
					  false);

		if (n < 0)
			flow_log(flow, LOG_DEBUG, "recvmmsg: %s",
				 strerror(-n));
		if (n <= 0)
			return;
		flow_touch(flow, now_ms);
		for (i = 0; i < n; i++) {
			size_t len = udp_mmh[i].msg_len;

			if (sendto(flow->udp.reply_sock, udp_iov[i].iov_base,
				   len, MSG_DONTWAIT, (struct sockaddr *)&sa,
				   sl) < 0) {
				flow_log(flow, LOG_DEBUG, "sendto: %s",
					 strerror(errno));
				continue;
			}
			flow_count_bytes(flow, FLOW_SIDE_SOCK, len);
		}
		if (n < UDP_BATCH)
			return;
	}
}

/**
 * udp_splice_flow() - pasta -U: the flow of a namespace peer of a -U
 *		       socket, new or existing
 * @c:		Execution context
 * @l:		The -U socket's rule, port and IP version
 * @s:		The -U socket (in the namespace)
 * @peer:	Peer in the namespace (on its loopback)
 * @pport:	Peer's port
 * @now_ms:	Current time, milliseconds
 *
 * The flow's socket is connected to the host's loopback, the rule's host
 * port; replies leave through @s, so that the peer sees them come from
 * the port it wrote to.
 *
 * Return: the flow, or NULL if refused
 */
static union flow *udp_splice_flow(struct ctx *c, const struct listen_ref *l,
				   int s, const union inany_addr *peer,
				   uint16_t pport, uint64_t now_ms)
{
	union inany_addr lo;
	union flow *flow;
	int hs;

	inany_loopback(&lo, !l->v6);
	flow = flow_lookup(FLOW_UDP_SPLICE, peer, pport, &lo, l->port);
	if (flow)
		return flow_is_active(flow) ? flow : NULL;
	flow = flow_alloc(FLOW_UDP_SPLICE, now_ms);
	if (!flow) {
		log_ratelimit(LOG_WARNING, now_ms, "UDP: flow table full "
			      "(%u descriptors), datagram to host port %u "
			      "dropped", flow_limit(), l->to);
		return NULL;
	}
	flow->udp.sock = -1;
	flow->udp.reply_sock = s;
	flow_set_side(flow, FLOW_SIDE_TAP, peer, pport, &lo, l->port);
	hs = udp_sock_open(c, !l->v6, NULL, 0, &lo, l->to);
	if (hs < 0) {
		log_ratelimit(LOG_DEBUG, now_ms, "UDP: socket to host port "
			      "%u: %s", l->to, strerror(-hs));
		flow_cancel(flow);
		return NULL;
	}
	if (udp_flow_commit(c, flow, hs, &lo, l->to))
		return NULL;
	return flow;
}

/**
 * udp_splice_send() - pasta -U: one datagram from the namespace's -U socket
 *		       on to the host's loopback, through its flow's socket
 * @flow:	UDP splice flow
 * @i:		Index of the datagram in the receive batch
 * @len:	Its length
 *
 * #syscalls sendto
 */
static void udp_splice_send(union flow *flow, int i, size_t len)
{
	if (send(flow->udp.sock, udp_iov[i].iov_base, len, MSG_DONTWAIT) < 0) {
		flow_log(flow, LOG_DEBUG, "send: %s", strerror(errno));
		return;
	}
	flow_count_bytes(flow, FLOW_SIDE_TAP, len);
}

/**
 * udp_reply_sock_gone() - pasta: a -U socket is closing: end the flows
 *			   whose replies leave through it
 * @c:		Execution context
 * @s:		The -U socket
 */
void udp_reply_sock_gone(const struct ctx *c, int s)
{
	union flow *flow;

	flow_foreach(flow) {
		if (flow->f.type == FLOW_UDP_SPLICE &&
		    flow->udp.reply_sock == s)
			flow_close_sock(c, flow, &flow->udp.sock,
					"-U socket closed");
	}
}

/**
 * udp_sock_handler() - Datagrams and errors on a flow's host socket
 * @c:		Execution context
 * @ref:	epoll reference: flow index and socket
 * @events:	epoll events
 * @now_ms:	Current time, milliseconds
 */
void udp_sock_handler(struct ctx *c, union epoll_ref ref, uint32_t events,
		      uint64_t now_ms)
{
	union flow *flow = flow_at(ref.idx);
	const struct flow_side *tap;
	size_t max;
	int b;

	if (!flow || !flow_is_active(flow) ||
	    (flow->f.type != FLOW_UDP && flow->f.type != FLOW_UDP_SPLICE) ||
	    flow->udp.sock != ref.fd)
		return;
	tap = &flow->f.side[FLOW_SIDE_TAP];
	if (events & EPOLLERR)
		udp_sock_errqueue(c, flow, ref.fd);
	if (!(events & EPOLLIN))
		return;
	if (flow->f.type == FLOW_UDP_SPLICE) {
		udp_splice_replies(c, flow, now_ms);
		return;
	}

	max = udp_payload_max(c, inany_is_v4(&tap->ep_addr));
	for (b = 0; b < UDP_READ_BATCHES_MAX; b++) {
		int i, n = udp_recv_batch(c, ref.fd, max, false);

		if (n < 0)
			flow_log(flow, LOG_DEBUG, "recvmmsg: %s",
				 strerror(-n));
		if (n <= 0)
			return;
		flow_touch(flow, now_ms);
		for (i = 0; i < n; i++) {
			size_t len = udp_mmh[i].msg_len;

			if (udp_mmh[i].msg_hdr.msg_flags & MSG_TRUNC) {
				udp_too_big(now_ms);
				continue;
			}
			flow_count_bytes(flow, FLOW_SIDE_SOCK, len);
			udp_queue_frame(c, tap, (uint8_t *)udp_iov[i].iov_base -
					UDP_PAYLOAD_OFF, len);
		}
		if (n < UDP_BATCH)
			return;
	}
}

/**
 * udp_flow_from_host() - Create the flow for a new peer of a -u forward
 * @c:		Execution context
 * @l:		Listener the datagram arrived on
 * @peer:	Host-side peer address
 * @pport:	Host-side peer port
 * @now_ms:	Current time, milliseconds
 *
 * Return: the flow (existing or new), or NULL if refused
 */
static union flow *udp_flow_from_host(struct ctx *c,
				      const struct listen_ref *l,
				      const union inany_addr *peer,
				      uint16_t pport, uint64_t now_ms)
{
	union inany_addr guest, seen;
	union flow *flow;
	int s;

	if (!pport || !fwd_guest_addr(c, !l->v6, &guest))
		return NULL;
	if (!fwd_host_to_guest(c, peer, &seen)) {
		char a[INET6_ADDRSTRLEN];

		log_ratelimit(LOG_WARNING, now_ms, "UDP: datagram from %s:%u "
			      "to guest port %u dropped: no address stands "
			      "for it (--map-host-loopback none)",
			      inany_ntop(peer, a, sizeof(a)), pport, l->to);
		return NULL;
	}
	flow = flow_lookup(FLOW_UDP, &guest, l->to, &seen, pport);
	if (flow)
		return flow_is_active(flow) ? flow : NULL;

	flow = flow_alloc(FLOW_UDP, now_ms);
	if (!flow) {
		log_ratelimit(LOG_WARNING, now_ms, "UDP: flow table full "
			      "(%u flows), datagram dropped", flow_limit());
		return NULL;
	}
	flow->udp.sock = -1;
	flow_set_side(flow, FLOW_SIDE_TAP, &guest, l->to, &seen, pport);
	s = udp_sock_open(c, !l->v6, &l->bound, l->port, peer, pport);
	if (s < 0) {
		log_ratelimit(LOG_DEBUG, now_ms, "UDP: socket for port %u: %s",
			      l->port, strerror(-s));
		flow_cancel(flow);
		return NULL;
	}
	if (udp_flow_commit(c, flow, s, peer, pport))
		return NULL;
	return flow;
}

/**
 * udp_listen_handler() - Datagrams on a -u forward socket, or (pasta) a -U
 *			  one
 * @c:		Execution context
 * @ref:	epoll reference: listener index and socket
 * @events:	epoll events
 * @now_ms:	Current time, milliseconds
 *
 * #syscalls getsockopt
 */
void udp_listen_handler(struct ctx *c, union epoll_ref ref, uint32_t events,
			uint64_t now_ms)
{
	struct listen_ref lr;
	const struct listen_ref *l = &lr;
	bool splice;
	size_t max;
	int b;

	if (listen_ref_get(ref, FWD_UDP, &lr))
		return;
	if (events & EPOLLERR) {	/* clear it, or epoll reports it again */
		int err = 0;
		socklen_t sl = sizeof(err);

		getsockopt(ref.fd, SOL_SOCKET, SO_ERROR, &err, &sl);
	}
	if (!(events & EPOLLIN))
		return;
	/* -u datagrams go to the guest, within its MTU; -U ones (pasta, on
	 * the namespace's loopback) to the host's loopback, any size
	 */
	splice = ref.type == EPOLL_TYPE_UDP_NS_LISTEN;
	max = splice ? UDP_SPLICE_MAX : udp_payload_max(c, !l->v6);

	for (b = 0; b < UDP_READ_BATCHES_MAX; b++) {
		int i, n = udp_recv_batch(c, ref.fd, max, true);

		if (n < 0)
			log_debug("UDP%s: port %u: recvmmsg: %s",
				  splice ? " -U" : "", l->port, strerror(-n));
		if (n <= 0)
			return;
		for (i = 0; i < n; i++) {
			size_t len = udp_mmh[i].msg_len;
			union inany_addr peer;
			union flow *flow;
			uint16_t pport;

			if (udp_mmh[i].msg_hdr.msg_flags & MSG_TRUNC) {
				udp_too_big(now_ms);
				continue;
			}
			if (inany_from_sockaddr(&udp_names[i], &peer, &pport))
				continue;
			flow = splice ? udp_splice_flow(c, l, ref.fd, &peer,
							pport, now_ms) :
					udp_flow_from_host(c, l, &peer, pport,
							   now_ms);
			if (!flow)
				continue;
			flow_touch(flow, now_ms);
			if (splice) {
				udp_splice_send(flow, i, len);
				continue;
			}
			flow_count_bytes(flow, FLOW_SIDE_SOCK, len);
			udp_queue_frame(c, &flow->f.side[FLOW_SIDE_TAP],
					(uint8_t *)udp_iov[i].iov_base -
					UDP_PAYLOAD_OFF, len);
		}
		if (n < UDP_BATCH)
			return;
	}
}

/**
 * udp_flow_sweep() - Close a UDP flow idle for a whole sweep interval
 * @c:		Execution context
 * @flow:	UDP flow (struct flow_ops)
 * @fired:	FLOW_MARK_* bits that fired
 * @now_ms:	Current time, milliseconds
 */
static void udp_flow_sweep(struct ctx *c, union flow *flow,
			   unsigned int fired, uint64_t now_ms)
{
	(void)now_ms;
	if (fired & FLOW_MARK_IDLE)
		flow_close_sock(c, flow, &flow->udp.sock, "idle");
}

/* What flow.c asks of UDP flows */
static const struct flow_ops udp_flow_ops = {
	.sweep		= udp_flow_sweep,
};

/**
 * udp_init() - Register with the flow table
 *
 * The -u forwards' sockets are opened by listen.c.
 *
 * Context: start-up.
 */
void udp_init(void)
{
	flow_ops_set(FLOW_UDP, &udp_flow_ops);
	flow_ops_set(FLOW_UDP_SPLICE, &udp_flow_ops);
}
