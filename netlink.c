/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netlink.c - Host routes, addresses and MTU through rtnetlink; the link,
 * addresses and routes of a target namespace (pasta)
 */

/**
 * DOC: Theory of operation
 *
 * Host side, start-up only: find the template interface (the one holding
 * the default route, or the only one with routes when there is no default
 * route), its gateway, addresses and MTU. One NETLINK_ROUTE socket
 * (netlink_init() ... netlink_close()), dump requests, and every attribute
 * walked with the RTA_* bounds macros.
 *
 * Namespace side (pasta): netlink_ns_open() opens a NETLINK_ROUTE socket
 * in the network namespace of the calling thread, so it is called while
 * inside the target namespace (pasta.c: pasta_netlink_open()); the socket
 * stays bound to that namespace wherever it is used from, so the host
 * socket and any namespace socket coexist. The functions taking that
 * socket each send one request built by a pure builder
 * (netlink_build_link(), netlink_build_addr(), netlink_build_route(),
 * unit-tested byte by byte against the layout of rtnetlink(7)), with
 * NLM_F_ACK, and return the error of the kernel's acknowledgement
 * (netlink_ack_parse()): 0 or -errno.
 *
 * Permissions: the kernel checks CAP_NET_ADMIN over the user namespace
 * owning the socket's network namespace twice, for the credentials the
 * socket was opened with and for the task sending each request. So the
 * task using a namespace socket must itself be privileged over that
 * namespace; the daemon is, in every case pasta.c supports (see there).
 *
 * Order in a fresh namespace: link up first (an IPv4 route through a
 * gateway needs the device up), then addresses (they bring their prefix
 * routes), then routes. netlink_ns_copy_addrs() and
 * netlink_ns_copy_routes() copy those of the host's template interface
 * (dumped through the host socket, or a short-lived one if it is closed),
 * at most NETLINK_COPY_MAX of each per family: on-link routes before
 * routes through a gateway, and "already exists" is not a failure.
 *
 * Limits: one reply read is NETLINK_BUF_BYTES; a request is at most
 * NETLINK_REQ_BYTES; routes with several next hops (RTA_MULTIPATH) and
 * routes the kernel made itself (RTPROT_KERNEL: prefix and link-local
 * routes, which the namespace's kernel makes too) are not copied.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "netlink.h"

#define NETLINK_BUF_BYTES	65536	/* one receive, bytes */
#define NETLINK_IFI_MAX		64	/* interfaces tracked in route scans */

static int netlink_fd = -1;
static uint32_t netlink_seq;
static uint8_t netlink_buf[NETLINK_BUF_BYTES] __attribute__((aligned(4)));

/**
 * netlink_ns_open() - Open an rtnetlink socket in the current namespace
 *
 * The socket belongs to the network namespace of the calling thread for
 * good: called inside a target namespace (pasta_netlink_open()), it
 * configures that namespace from anywhere.
 *
 * Context: start-up.
 * Return: socket, or -errno on failure
 */
int netlink_ns_open(void)
{
	struct sockaddr_nl a = { .nl_family = AF_NETLINK };
	int fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}

/**
 * netlink_init() - Open the host's rtnetlink socket
 *
 * Return: 0 on success, -errno on failure
 */
int netlink_init(void)
{
	int fd = netlink_ns_open();

	if (fd < 0)
		return fd;
	netlink_fd = fd;
	return 0;
}

/**
 * netlink_close() - Close the host's rtnetlink socket once configuration
 *		     is done
 */
void netlink_close(void)
{
	if (netlink_fd >= 0)
		close(netlink_fd);
	netlink_fd = -1;
}

/**
 * netlink_dump() - Send a dump request
 * @fd:		rtnetlink socket
 * @type:	RTM_GETROUTE, RTM_GETADDR or RTM_GETLINK
 * @af:		Address family
 *
 * Return: sequence number of the request, 0 on failure
 */
static uint32_t netlink_dump(int fd, uint16_t type, int af)
{
	struct {
		struct nlmsghdr nh;
		union {
			struct rtmsg rtm;
			struct ifaddrmsg ifa;
			struct ifinfomsg ifi;
		};
	} req;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = type;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = ++netlink_seq;
	if (type == RTM_GETROUTE)
		req.rtm.rtm_family = (uint8_t)af;
	else if (type == RTM_GETADDR)
		req.ifa.ifa_family = (uint8_t)af;
	else
		req.ifi.ifi_family = (uint8_t)af;

	if (send(fd, &req, sizeof(req), 0) < 0)
		return 0;
	return netlink_seq;
}

/*
 * Visitor for each message of a dump: returns non-zero to stop early, but
 * the rest of the dump is still drained.
 */
typedef int (*netlink_visit_fn)(struct nlmsghdr *nh, void *arg);

/**
 * netlink_walk_fd() - Run a dump on a socket and visit each reply message
 * @fd:		rtnetlink socket
 * @type:	Request type
 * @af:		Address family
 * @visit:	Called for each message of type @type + 0 (the reply)
 * @arg:	Passed to @visit
 *
 * Return: 0 on success, -errno on failure
 */
static int netlink_walk_fd(int fd, uint16_t type, int af,
			   netlink_visit_fn visit, void *arg)
{
	uint32_t seq = netlink_dump(fd, type, af);
	bool stop = false;

	if (!seq)
		return -EIO;
	for (;;) {
		ssize_t n = recv(fd, netlink_buf, sizeof(netlink_buf), 0);
		struct nlmsghdr *nh;

		if (n < 0)
			return -errno;
		for (nh = (struct nlmsghdr *)netlink_buf;
		     NLMSG_OK(nh, (size_t)n); nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_seq != seq)
				continue;
			if (nh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (nh->nlmsg_type == NLMSG_ERROR)
				return -EIO;
			if (!stop && visit(nh, arg))
				stop = true;
		}
	}
}

/**
 * netlink_walk() - Run a dump on the host's socket, visit each reply
 * @type:	Request type
 * @af:		Address family
 * @visit:	Called for each message of type @type + 0 (the reply)
 * @arg:	Passed to @visit
 *
 * Return: 0 on success, -errno on failure
 */
static int netlink_walk(uint16_t type, int af, netlink_visit_fn visit,
			void *arg)
{
	return netlink_walk_fd(netlink_fd, type, af, visit, arg);
}

struct netlink_route_scan {
	int af;
	unsigned int default_ifi;
	uint8_t gw[16];
	unsigned int ifis[NETLINK_IFI_MAX];
	int n_ifis;
};

/**
 * netlink_route_visit() - Note default routes and interfaces with routes
 * @nh:		RTM_NEWROUTE message
 * @arg:	struct netlink_route_scan
 *
 * Return: 0 (scan the whole table)
 */
static int netlink_route_visit(struct nlmsghdr *nh, void *arg)
{
	struct netlink_route_scan *s = arg;
	struct rtmsg *rtm = NLMSG_DATA(nh);
	struct rtattr *rta;
	unsigned int oif = 0;
	const void *gw = NULL;
	int len, i;

	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*rtm)) ||
	    rtm->rtm_table != RT_TABLE_MAIN || rtm->rtm_type != RTN_UNICAST)
		return 0;
	len = (int)RTM_PAYLOAD(nh);
	for (rta = RTM_RTA(rtm); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == RTA_OIF && RTA_PAYLOAD(rta) >= 4)
			memcpy(&oif, RTA_DATA(rta), 4);
		else if (rta->rta_type == RTA_GATEWAY &&
			 RTA_PAYLOAD(rta) >= (s->af == AF_INET ? 4U : 16U))
			gw = RTA_DATA(rta);
	}
	if (!oif)
		return 0;
	if (!rtm->rtm_dst_len && !s->default_ifi) {
		s->default_ifi = oif;
		if (gw)
			memcpy(s->gw, gw, s->af == AF_INET ? 4 : 16);
	}
	for (i = 0; i < s->n_ifis; i++)
		if (s->ifis[i] == oif)
			return 0;
	if (s->n_ifis < NETLINK_IFI_MAX)
		s->ifis[s->n_ifis++] = oif;
	return 0;
}

/**
 * netlink_default_ifi() - Find the template interface for a family
 * @af:		AF_INET or AF_INET6
 * @gw:		Filled with the default gateway (4 or 16 bytes) if any
 *
 * The interface with the default route; without one, the only interface
 * (loopback aside) with routes of this family.
 *
 * Return: interface index, 0 if none qualifies
 */
unsigned int netlink_default_ifi(int af, void *gw)
{
	struct netlink_route_scan s = { .af = af };
	unsigned int only = 0;
	int i, n = 0;

	if (netlink_walk(RTM_GETROUTE, af, netlink_route_visit, &s))
		return 0;
	if (s.default_ifi) {
		memcpy(gw, s.gw, af == AF_INET ? 4 : 16);
		return s.default_ifi;
	}
	for (i = 0; i < s.n_ifis; i++) {
		char name[IF_NAMESIZE];

		if (if_indextoname(s.ifis[i], name) && !strcmp(name, "lo"))
			continue;
		only = s.ifis[i];
		n++;
	}
	return n == 1 ? only : 0;
}

struct netlink_addr_scan {
	unsigned int ifi;
	int af;
	uint8_t addr[16];
	int prefix_len;
	bool found;
};

/**
 * netlink_addr_visit() - Take the first global address of the interface
 * @nh:		RTM_NEWADDR message
 * @arg:	struct netlink_addr_scan
 *
 * Return: 1 once an address was found
 */
static int netlink_addr_visit(struct nlmsghdr *nh, void *arg)
{
	struct netlink_addr_scan *s = arg;
	struct ifaddrmsg *ifa = NLMSG_DATA(nh);
	struct rtattr *rta;
	size_t alen = s->af == AF_INET ? 4 : 16;
	int len;

	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)) ||
	    ifa->ifa_index != s->ifi || ifa->ifa_scope != RT_SCOPE_UNIVERSE ||
	    (ifa->ifa_flags & (IFA_F_TENTATIVE | IFA_F_DEPRECATED)))
		return 0;
	len = (int)IFA_PAYLOAD(nh);
	for (rta = IFA_RTA(ifa); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if ((rta->rta_type == IFA_LOCAL ||
		     (rta->rta_type == IFA_ADDRESS && !s->found)) &&
		    RTA_PAYLOAD(rta) >= alen) {
			memcpy(s->addr, RTA_DATA(rta), alen);
			s->prefix_len = ifa->ifa_prefixlen;
			s->found = true;
		}
	}
	return s->found;
}

/**
 * netlink_get_addr() - First global address of an interface
 * @ifi:	Interface index
 * @af:		AF_INET or AF_INET6
 * @addr:	Filled with the address (4 or 16 bytes)
 * @prefix_len:	Filled with its prefix length
 *
 * Return: 0 if found, -ENOENT if none, other -errno on failure
 */
int netlink_get_addr(unsigned int ifi, int af, void *addr, int *prefix_len)
{
	struct netlink_addr_scan s = { .ifi = ifi, .af = af };
	int ret = netlink_walk(RTM_GETADDR, af, netlink_addr_visit, &s);

	if (ret)
		return ret;
	if (!s.found)
		return -ENOENT;
	memcpy(addr, s.addr, af == AF_INET ? 4 : 16);
	*prefix_len = s.prefix_len;
	return 0;
}

struct netlink_link_scan {
	unsigned int ifi;
	int mtu;
};

/**
 * netlink_link_visit() - Read the MTU of the interface
 * @nh:		RTM_NEWLINK message
 * @arg:	struct netlink_link_scan
 *
 * Return: 1 once the interface was seen
 */
static int netlink_link_visit(struct nlmsghdr *nh, void *arg)
{
	struct netlink_link_scan *s = arg;
	struct ifinfomsg *ifi = NLMSG_DATA(nh);
	struct rtattr *rta;
	int len;

	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)) ||
	    (unsigned int)ifi->ifi_index != s->ifi)
		return 0;
	len = (int)IFLA_PAYLOAD(nh);
	for (rta = IFLA_RTA(ifi); RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if (rta->rta_type == IFLA_MTU && RTA_PAYLOAD(rta) >= 4)
			memcpy(&s->mtu, RTA_DATA(rta), 4);
	return 1;
}

/**
 * netlink_get_mtu() - MTU of an interface
 * @ifi:	Interface index
 *
 * Return: MTU in bytes, or -errno
 */
int netlink_get_mtu(unsigned int ifi)
{
	struct netlink_link_scan s = { .ifi = ifi, .mtu = -ENOENT };
	int ret = netlink_walk(RTM_GETLINK, AF_UNSPEC, netlink_link_visit, &s);

	return ret ? ret : s.mtu;
}

/**
 * struct netlink_msg - A request being built
 * @buf:	Output buffer
 * @size:	Its size, bytes
 * @len:	Bytes written so far (always a multiple of 4)
 * @overflow:	Something did not fit: the request is void
 */
struct netlink_msg {
	uint8_t *buf;
	size_t size;
	size_t len;
	bool overflow;
};

/**
 * netlink_put() - Append bytes, then padding to the 4-byte alignment
 * @m:		Request
 * @data:	Bytes to append (NULL: zeroes)
 * @len:	Their length
 */
static void netlink_put(struct netlink_msg *m, const void *data, size_t len)
{
	size_t padded = NLMSG_ALIGN(len);

	if (m->overflow || padded > m->size - m->len) {
		m->overflow = true;
		return;
	}
	memset(m->buf + m->len, 0, padded);
	if (data)
		memcpy(m->buf + m->len, data, len);
	m->len += padded;
}

/**
 * netlink_attr_put() - Append one attribute (struct rtattr and payload)
 * @m:		Request
 * @type:	Attribute type (IFLA_*, IFA_*, RTA_*)
 * @data:	Payload
 * @len:	Payload length, bytes
 */
static void netlink_attr_put(struct netlink_msg *m, uint16_t type,
			     const void *data, size_t len)
{
	struct rtattr rta = {
		.rta_len = (unsigned short)RTA_LENGTH(len),
		.rta_type = type,
	};

	netlink_put(m, &rta, sizeof(rta));
	netlink_put(m, data, len);
}

/**
 * netlink_msg_start() - Begin a request: netlink header, length set later
 * @m:		Request, initialised here
 * @buf:	Output buffer
 * @size:	Its size, bytes
 * @type:	RTM_NEWLINK, RTM_NEWADDR or RTM_NEWROUTE
 * @flags:	NLM_F_* beside NLM_F_REQUEST and NLM_F_ACK
 * @seq:	Sequence number
 */
static void netlink_msg_start(struct netlink_msg *m, void *buf, size_t size,
			      uint16_t type, uint16_t flags, uint32_t seq)
{
	struct nlmsghdr nh = {
		.nlmsg_type = type,
		.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags),
		.nlmsg_seq = seq,
	};

	m->buf = buf;
	m->size = size;
	m->len = 0;
	m->overflow = false;
	netlink_put(m, &nh, sizeof(nh));
}

/**
 * netlink_msg_end() - Finish a request: write its length in the header
 * @m:		Request
 *
 * Return: length of the request, bytes, 0 if it did not fit
 */
static size_t netlink_msg_end(struct netlink_msg *m)
{
	uint32_t len = (uint32_t)m->len;

	if (m->overflow)
		return 0;
	memcpy(m->buf + offsetof(struct nlmsghdr, nlmsg_len), &len,
	       sizeof(len));
	return m->len;
}

/**
 * netlink_addr_len() - Length of an address of a family
 * @af:		AF_INET or AF_INET6
 *
 * Return: 4, 16, or 0 for any other family
 */
static size_t netlink_addr_len(int af)
{
	if (af == AF_INET)
		return sizeof(struct in_addr);
	if (af == AF_INET6)
		return sizeof(struct in6_addr);
	return 0;
}

/**
 * netlink_build_link() - Build an RTM_NEWLINK request changing a link
 * @buf:	Output buffer
 * @size:	Its size, bytes (NETLINK_REQ_BYTES is always enough)
 * @seq:	Sequence number
 * @ifi:	Interface index
 * @state:	Administrative state to set, or NETLINK_LINK_KEEP
 * @mtu:	MTU to set, bytes, 0 to keep it
 * @mac:	Hardware address to set (6 bytes), NULL to keep it
 *
 * Without NLM_F_CREATE, an RTM_NEWLINK naming an existing index changes
 * that link (rtnetlink(7)): ifi_change selects the flags ifi_flags sets.
 *
 * Context: pure, no system calls.
 * Return: length of the request, bytes, 0 if it does not fit or @mtu < 0
 */
size_t netlink_build_link(void *buf, size_t size, uint32_t seq,
			  unsigned int ifi, enum netlink_link_state state,
			  int mtu, const uint8_t *mac)
{
	struct ifinfomsg ifm = {
		.ifi_family = AF_UNSPEC,
		.ifi_index = (int)ifi,
	};
	struct netlink_msg m;

	if (mtu < 0)
		return 0;
	if (state != NETLINK_LINK_KEEP) {
		ifm.ifi_change = IFF_UP;
		ifm.ifi_flags = state == NETLINK_LINK_UP ? IFF_UP : 0;
	}
	netlink_msg_start(&m, buf, size, RTM_NEWLINK, 0, seq);
	netlink_put(&m, &ifm, sizeof(ifm));
	if (mtu) {
		uint32_t v = (uint32_t)mtu;

		netlink_attr_put(&m, IFLA_MTU, &v, sizeof(v));
	}
	if (mac)
		netlink_attr_put(&m, IFLA_ADDRESS, mac, NETLINK_MAC_LEN);
	return netlink_msg_end(&m);
}

/**
 * netlink_build_addr() - Build an RTM_NEWADDR request adding an address
 * @buf:	Output buffer
 * @size:	Its size, bytes (NETLINK_REQ_BYTES is always enough)
 * @seq:	Sequence number
 * @ifi:	Interface index
 * @af:		AF_INET or AF_INET6
 * @addr:	Address, 4 or 16 bytes, network order
 * @prefix_len:	Prefix length
 *
 * IFA_LOCAL and IFA_ADDRESS both carry the address (they differ only on
 * point-to-point links); an IPv6 address gets IFA_F_NODAD, in ifa_flags
 * and in IFA_FLAGS: nobody else is on the link to conflict with it, and
 * it is usable at once. NLM_F_CREATE | NLM_F_EXCL: -EEXIST if present.
 *
 * Context: pure, no system calls.
 * Return: length of the request, bytes, 0 if it does not fit or an
 *	   argument is out of range
 */
size_t netlink_build_addr(void *buf, size_t size, uint32_t seq,
			  unsigned int ifi, int af, const void *addr,
			  int prefix_len)
{
	size_t alen = netlink_addr_len(af);
	struct ifaddrmsg ifa = {
		.ifa_family = (uint8_t)af,
		.ifa_prefixlen = (uint8_t)prefix_len,
		.ifa_scope = RT_SCOPE_UNIVERSE,
		.ifa_index = ifi,
	};
	struct netlink_msg m;

	if (!alen || prefix_len < 0 || (size_t)prefix_len > alen * 8)
		return 0;
	if (af == AF_INET6)
		ifa.ifa_flags = IFA_F_NODAD;
	netlink_msg_start(&m, buf, size, RTM_NEWADDR,
			  NLM_F_CREATE | NLM_F_EXCL, seq);
	netlink_put(&m, &ifa, sizeof(ifa));
	netlink_attr_put(&m, IFA_LOCAL, addr, alen);
	netlink_attr_put(&m, IFA_ADDRESS, addr, alen);
	if (af == AF_INET6) {
		uint32_t flags = IFA_F_NODAD;

		netlink_attr_put(&m, IFA_FLAGS, &flags, sizeof(flags));
	}
	return netlink_msg_end(&m);
}

/**
 * netlink_build_route() - Build an RTM_NEWROUTE request adding a route
 * @buf:	Output buffer
 * @size:	Its size, bytes (NETLINK_REQ_BYTES is always enough)
 * @seq:	Sequence number
 * @ifi:	Output interface index
 * @af:		AF_INET or AF_INET6
 * @dst:	Destination prefix, 4 or 16 bytes (NULL: default route)
 * @dst_len:	Its length, bits (0: default route)
 * @gw:		Gateway, 4 or 16 bytes, NULL for an on-link route
 *
 * Main table, RTPROT_STATIC, unicast; scope link without a gateway,
 * universe with one. An IPv4 gateway is marked RTNH_F_ONLINK: the link is
 * ours, and the gateway need not sit in an address's prefix (hosts with a
 * /32 address and a gateway outside it exist). NLM_F_CREATE | NLM_F_EXCL.
 *
 * Context: pure, no system calls.
 * Return: length of the request, bytes, 0 if it does not fit or an
 *	   argument is out of range
 */
size_t netlink_build_route(void *buf, size_t size, uint32_t seq,
			   unsigned int ifi, int af, const void *dst,
			   int dst_len, const void *gw)
{
	size_t alen = netlink_addr_len(af);
	struct rtmsg rtm = {
		.rtm_family = (uint8_t)af,
		.rtm_dst_len = (uint8_t)dst_len,
		.rtm_table = RT_TABLE_MAIN,
		.rtm_protocol = RTPROT_STATIC,
		.rtm_scope = gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK,
		.rtm_type = RTN_UNICAST,
	};
	uint32_t oif = ifi;
	struct netlink_msg m;

	if (!alen || dst_len < 0 || (size_t)dst_len > alen * 8 ||
	    (dst_len && !dst))
		return 0;
	if (gw && af == AF_INET)
		rtm.rtm_flags = RTNH_F_ONLINK;
	netlink_msg_start(&m, buf, size, RTM_NEWROUTE,
			  NLM_F_CREATE | NLM_F_EXCL, seq);
	netlink_put(&m, &rtm, sizeof(rtm));
	if (dst_len)
		netlink_attr_put(&m, RTA_DST, dst, alen);
	if (gw)
		netlink_attr_put(&m, RTA_GATEWAY, gw, alen);
	netlink_attr_put(&m, RTA_OIF, &oif, sizeof(oif));
	return netlink_msg_end(&m);
}

/**
 * netlink_ack_parse() - Find the acknowledgement of a request in a reply
 * @buf:	Bytes received on the socket
 * @len:	Their number
 * @seq:	Sequence number of the request
 * @err:	Set to the acknowledgement's error: 0 or -errno
 *
 * An NLMSG_ERROR message carries the error (0 for an acknowledgement, a
 * negative errno otherwise) as an int right after its header, then the
 * request's header (netlink(7)). Messages of other sequence numbers are
 * skipped; nothing is read past @len, and @buf needs no alignment.
 *
 * Context: pure, no system calls.
 * Return: true if the acknowledgement of @seq was found
 */
bool netlink_ack_parse(const void *buf, size_t len, uint32_t seq, int *err)
{
	const uint8_t *p = buf;
	size_t off = 0;

	while (len - off >= sizeof(struct nlmsghdr)) {
		struct nlmsghdr nh;
		int e;

		memcpy(&nh, p + off, sizeof(nh));
		if (nh.nlmsg_len < sizeof(nh) || nh.nlmsg_len > len - off)
			return false;
		if (nh.nlmsg_seq == seq && nh.nlmsg_type == NLMSG_ERROR) {
			if (nh.nlmsg_len < NLMSG_LENGTH(sizeof(e))) {
				*err = -EPROTO;
				return true;
			}
			memcpy(&e, p + off + NLMSG_HDRLEN, sizeof(e));
			*err = e > 0 ? -EPROTO : e;
			return true;
		}
		if (NLMSG_ALIGN(nh.nlmsg_len) >= len - off)
			break;
		off += NLMSG_ALIGN(nh.nlmsg_len);
	}
	return false;
}

/**
 * netlink_request() - Send a request, wait for its acknowledgement
 * @fd:		rtnetlink socket
 * @req:	Request, built with NLM_F_ACK
 * @len:	Its length, bytes (0: it could not be built)
 * @seq:	Its sequence number
 *
 * Context: start-up.
 * Return: 0 if the kernel acknowledged it, -errno of its refusal, or of
 *	   the send or receive that failed; -EINVAL if @len is 0
 */
static int netlink_request(int fd, const void *req, size_t len, uint32_t seq)
{
	int err;

	if (!len)
		return -EINVAL;
	if (send(fd, req, len, 0) < 0)
		return -errno;
	for (;;) {
		ssize_t n = recv(fd, netlink_buf, sizeof(netlink_buf), 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (netlink_ack_parse(netlink_buf, (size_t)n, seq, &err))
			return err;
	}
}

/**
 * netlink_ns_link_set() - Set a link up or down, its MTU, its address
 * @fd:		rtnetlink socket of the link's namespace
 * @ifi:	Interface index
 * @state:	NETLINK_LINK_UP, NETLINK_LINK_DOWN or NETLINK_LINK_KEEP
 * @mtu:	MTU, bytes, 0 to keep it
 * @mac:	Hardware address (6 bytes), NULL to keep it
 *
 * Context: start-up.
 * Return: 0 on success, -errno from the kernel's acknowledgement
 */
int netlink_ns_link_set(int fd, unsigned int ifi,
			enum netlink_link_state state, int mtu,
			const uint8_t *mac)
{
	uint8_t req[NETLINK_REQ_BYTES] __attribute__((aligned(4)));
	uint32_t seq = ++netlink_seq;

	return netlink_request(fd, req,
			       netlink_build_link(req, sizeof(req), seq, ifi,
						  state, mtu, mac), seq);
}

/**
 * netlink_ns_addr_add() - Add an address to a link
 * @fd:		rtnetlink socket of the link's namespace
 * @ifi:	Interface index
 * @af:		AF_INET or AF_INET6 (no duplicate address detection)
 * @addr:	Address, 4 or 16 bytes, network order
 * @prefix_len:	Prefix length
 *
 * Context: start-up.
 * Return: 0 on success, -errno from the kernel (-EEXIST: already there)
 */
int netlink_ns_addr_add(int fd, unsigned int ifi, int af, const void *addr,
			int prefix_len)
{
	uint8_t req[NETLINK_REQ_BYTES] __attribute__((aligned(4)));
	uint32_t seq = ++netlink_seq;

	return netlink_request(fd, req,
			       netlink_build_addr(req, sizeof(req), seq, ifi,
						  af, addr, prefix_len), seq);
}

/**
 * netlink_ns_route_add() - Add a route through a link
 * @fd:		rtnetlink socket of the link's namespace
 * @ifi:	Output interface index
 * @af:		AF_INET or AF_INET6
 * @dst:	Destination prefix, NULL with @dst_len 0 for the default route
 * @dst_len:	Prefix length, bits
 * @gw:		Gateway, NULL for an on-link route
 *
 * Context: start-up; the link must be up.
 * Return: 0 on success, -errno from the kernel (-EEXIST: already there)
 */
int netlink_ns_route_add(int fd, unsigned int ifi, int af, const void *dst,
			 int dst_len, const void *gw)
{
	uint8_t req[NETLINK_REQ_BYTES] __attribute__((aligned(4)));
	uint32_t seq = ++netlink_seq;

	return netlink_request(fd, req,
			       netlink_build_route(req, sizeof(req), seq, ifi,
						   af, dst, dst_len, gw), seq);
}

/**
 * struct netlink_copy - What a dump of the host found to copy
 * @ifi:	Host interface whose addresses or routes are copied
 * @af:		Address family
 * @count:	Entries used in @e
 * @dropped:	Entries past NETLINK_COPY_MAX, not copied
 * @e:		Addresses (@dst, @len) or routes (@dst, @len, @gw)
 */
struct netlink_copy {
	unsigned int ifi;
	int af;
	int count;
	int dropped;
	struct netlink_copy_entry {
		uint8_t dst[16];
		uint8_t gw[16];
		int len;
		bool has_gw;
	} e[NETLINK_COPY_MAX];
};

/**
 * netlink_copy_addr_visit() - Note a global address of the host interface
 * @nh:		RTM_NEWADDR message
 * @arg:	struct netlink_copy
 *
 * Return: 0 (scan the whole dump)
 */
static int netlink_copy_addr_visit(struct nlmsghdr *nh, void *arg)
{
	struct netlink_copy *s = arg;
	struct ifaddrmsg *ifa = NLMSG_DATA(nh);
	size_t alen = netlink_addr_len(s->af);
	const void *addr = NULL;
	struct rtattr *rta;
	int len;

	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)) ||
	    ifa->ifa_index != s->ifi || ifa->ifa_family != s->af ||
	    ifa->ifa_scope != RT_SCOPE_UNIVERSE ||
	    (ifa->ifa_flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED |
			       IFA_F_DEPRECATED)))
		return 0;
	len = (int)IFA_PAYLOAD(nh);
	for (rta = IFA_RTA(ifa); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (RTA_PAYLOAD(rta) < alen)
			continue;
		if (rta->rta_type == IFA_LOCAL ||
		    (rta->rta_type == IFA_ADDRESS && !addr))
			addr = RTA_DATA(rta);
	}
	if (!addr)
		return 0;
	if (s->count == NETLINK_COPY_MAX) {
		s->dropped++;
		return 0;
	}
	memcpy(s->e[s->count].dst, addr, alen);
	s->e[s->count].len = ifa->ifa_prefixlen;
	s->count++;
	return 0;
}

/**
 * netlink_copy_route_visit() - Note a route through the host interface
 * @nh:		RTM_NEWROUTE message
 * @arg:	struct netlink_copy
 *
 * Main table, unicast, not made by the kernel itself, one next hop.
 *
 * Return: 0 (scan the whole dump)
 */
static int netlink_copy_route_visit(struct nlmsghdr *nh, void *arg)
{
	struct netlink_copy *s = arg;
	struct rtmsg *rtm = NLMSG_DATA(nh);
	size_t alen = netlink_addr_len(s->af);
	const void *dst = NULL, *gw = NULL;
	struct netlink_copy_entry *e;
	unsigned int oif = 0;
	struct rtattr *rta;
	int len;

	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*rtm)) ||
	    rtm->rtm_family != s->af || rtm->rtm_table != RT_TABLE_MAIN ||
	    rtm->rtm_type != RTN_UNICAST ||
	    rtm->rtm_protocol == RTPROT_KERNEL ||
	    (rtm->rtm_flags & RTM_F_CLONED) || rtm->rtm_dst_len > alen * 8)
		return 0;
	len = (int)RTM_PAYLOAD(nh);
	for (rta = RTM_RTA(rtm); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == RTA_OIF && RTA_PAYLOAD(rta) >= 4)
			memcpy(&oif, RTA_DATA(rta), 4);
		else if (rta->rta_type == RTA_DST && RTA_PAYLOAD(rta) >= alen)
			dst = RTA_DATA(rta);
		else if (rta->rta_type == RTA_GATEWAY &&
			 RTA_PAYLOAD(rta) >= alen)
			gw = RTA_DATA(rta);
	}
	if (oif != s->ifi || (rtm->rtm_dst_len && !dst))
		return 0;
	if (s->count == NETLINK_COPY_MAX) {
		s->dropped++;
		return 0;
	}
	e = &s->e[s->count++];
	memset(e, 0, sizeof(*e));
	e->len = rtm->rtm_dst_len;
	if (dst)
		memcpy(e->dst, dst, alen);
	if (gw) {
		memcpy(e->gw, gw, alen);
		e->has_gw = true;
	}
	return 0;
}

/**
 * netlink_host_dump() - Dump the host's addresses or routes of a family
 * @type:	RTM_GETADDR or RTM_GETROUTE
 * @s:		Scan: @ifi and @af set, the rest filled
 *
 * Uses the host socket if it is open, else a socket for this dump only:
 * the daemon's own thread is always in the host's network namespace.
 *
 * Context: start-up.
 * Return: 0 on success, -errno on failure
 */
static int netlink_host_dump(uint16_t type, struct netlink_copy *s)
{
	netlink_visit_fn visit = type == RTM_GETADDR ?
		netlink_copy_addr_visit : netlink_copy_route_visit;
	int fd = netlink_fd, ret;

	if (fd < 0 && (fd = netlink_ns_open()) < 0)
		return fd;
	ret = netlink_walk_fd(fd, type, s->af, visit, s);
	if (fd != netlink_fd)
		close(fd);
	if (!ret && s->dropped)
		log_warn("netlink: %d %s of host interface %u not copied "
			 "(at most %d)", s->dropped,
			 type == RTM_GETADDR ? "addresses" : "routes",
			 s->ifi, NETLINK_COPY_MAX);
	return ret;
}

/**
 * netlink_ns_copy_addrs() - Give a link the host interface's addresses
 * @fd:		rtnetlink socket of the link's namespace
 * @ifi:	Interface index in that namespace
 * @host_ifi:	Template interface on the host
 * @af:		AF_INET or AF_INET6
 *
 * Global addresses only, with their prefix lengths (IPv6 ones without
 * duplicate address detection); an address already present counts.
 *
 * Context: start-up.
 * Return: number of addresses in place, or -errno: the host dump's
 *	   failure, or the first address refused (the others are still
 *	   tried; each refusal is logged)
 */
int netlink_ns_copy_addrs(int fd, unsigned int ifi, unsigned int host_ifi,
			  int af)
{
	struct netlink_copy s = { .ifi = host_ifi, .af = af };
	int i, ret, first = 0, done = 0;
	char buf[INET6_ADDRSTRLEN];

	if (!netlink_addr_len(af))
		return -EINVAL;
	ret = netlink_host_dump(RTM_GETADDR, &s);
	if (ret)
		return ret;
	for (i = 0; i < s.count; i++) {
		ret = netlink_ns_addr_add(fd, ifi, af, s.e[i].dst, s.e[i].len);
		if (!ret || ret == -EEXIST) {
			done++;
			continue;
		}
		log_warn("netlink: adding %s/%d to interface %u: %s",
			 inet_ntop(af, s.e[i].dst, buf, sizeof(buf)),
			 s.e[i].len, ifi, strerror(-ret));
		if (!first)
			first = ret;
	}
	return first ? first : done;
}

/**
 * netlink_ns_copy_routes() - Give a link the host interface's routes
 * @fd:		rtnetlink socket of the link's namespace
 * @ifi:	Interface index in that namespace
 * @host_ifi:	Template interface on the host
 * @af:		AF_INET or AF_INET6
 *
 * Routes the host's kernel did not make itself, through @host_ifi, with
 * one next hop: on-link ones first, then those through a gateway, which
 * may need them. A route already present counts. Call after the link is
 * up and has its addresses.
 *
 * Context: start-up.
 * Return: number of routes in place, or -errno: the host dump's failure,
 *	   or the first route refused (the others are still tried; each
 *	   refusal is logged)
 */
int netlink_ns_copy_routes(int fd, unsigned int ifi, unsigned int host_ifi,
			   int af)
{
	struct netlink_copy s = { .ifi = host_ifi, .af = af };
	char dbuf[INET6_ADDRSTRLEN], gbuf[INET6_ADDRSTRLEN];
	int i, pass, ret, first = 0, done = 0;

	if (!netlink_addr_len(af))
		return -EINVAL;
	ret = netlink_host_dump(RTM_GETROUTE, &s);
	if (ret)
		return ret;
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < s.count; i++) {
			const struct netlink_copy_entry *e = &s.e[i];

			if (e->has_gw != (pass == 1))
				continue;
			ret = netlink_ns_route_add(fd, ifi, af, e->dst, e->len,
						   e->has_gw ? e->gw : NULL);
			if (!ret || ret == -EEXIST) {
				done++;
				continue;
			}
			log_warn("netlink: route %s/%d via %s on interface "
				 "%u: %s",
				 inet_ntop(af, e->dst, dbuf, sizeof(dbuf)),
				 e->len, e->has_gw ?
				 inet_ntop(af, e->gw, gbuf, sizeof(gbuf)) :
				 "(on-link)", ifi, strerror(-ret));
			if (!first)
				first = ret;
		}
	}
	return first ? first : done;
}
