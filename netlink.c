/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netlink.c - Host routes, addresses and MTU through rtnetlink
 *
 * Start-up only: find the template interface (the one holding the default
 * route, or the only one with routes when there is no default route), its
 * gateway, addresses and MTU. One NETLINK_ROUTE socket, dump requests, and
 * every attribute walked with the RTA_* bounds macros.
 */

#include <errno.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
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
 * netlink_init() - Open the rtnetlink socket
 *
 * Return: 0 on success, -errno on failure
 */
int netlink_init(void)
{
	struct sockaddr_nl a = { .nl_family = AF_NETLINK };

	netlink_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (netlink_fd < 0)
		return -errno;
	if (bind(netlink_fd, (struct sockaddr *)&a, sizeof(a))) {
		int ret = -errno;

		close(netlink_fd);
		netlink_fd = -1;
		return ret;
	}
	return 0;
}

/**
 * netlink_close() - Close the rtnetlink socket once configuration is done
 */
void netlink_close(void)
{
	if (netlink_fd >= 0)
		close(netlink_fd);
	netlink_fd = -1;
}

/**
 * netlink_dump() - Send a dump request
 * @type:	RTM_GETROUTE, RTM_GETADDR or RTM_GETLINK
 * @af:		Address family
 *
 * Return: sequence number of the request, 0 on failure
 */
static uint32_t netlink_dump(uint16_t type, int af)
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

	if (send(netlink_fd, &req, sizeof(req), 0) < 0)
		return 0;
	return netlink_seq;
}

/*
 * Visitor for each message of a dump: returns non-zero to stop early, but
 * the rest of the dump is still drained.
 */
typedef int (*netlink_visit_fn)(struct nlmsghdr *nh, void *arg);

/**
 * netlink_walk() - Run a dump and visit each reply message
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
	uint32_t seq = netlink_dump(type, af);
	bool stop = false;

	if (!seq)
		return -EIO;
	for (;;) {
		ssize_t n = recv(netlink_fd, netlink_buf, sizeof(netlink_buf), 0);
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
