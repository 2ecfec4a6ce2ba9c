/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netlink.h - Host routes, addresses and MTU through rtnetlink; the link,
 * addresses and routes of a target namespace (pasta)
 */

#ifndef NETLINK_H
#define NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NETLINK_REQ_BYTES	256	/* largest request we build, bytes */
#define NETLINK_COPY_MAX	32	/* addresses or routes copied, per family */
#define NETLINK_MAC_LEN		6	/* bytes of an Ethernet address */

/* Administrative state for netlink_ns_link_set() */
enum netlink_link_state {
	NETLINK_LINK_KEEP = 0,		/* leave it as it is */
	NETLINK_LINK_UP,
	NETLINK_LINK_DOWN,
};

/* Host side, through the daemon's own socket */
int netlink_init(void);
unsigned int netlink_default_ifi(int af, void *gw);
int netlink_get_addr(unsigned int ifi, int af, void *addr, int *prefix_len);
int netlink_get_mtu(unsigned int ifi);
void netlink_close(void);

/* A namespace's side, through a socket opened in it */
int netlink_ns_open(void);
int netlink_ns_link_set(int fd, unsigned int ifi,
			enum netlink_link_state state, int mtu,
			const uint8_t *mac);
int netlink_ns_addr_add(int fd, unsigned int ifi, int af, const void *addr,
			int prefix_len);
int netlink_ns_route_add(int fd, unsigned int ifi, int af, const void *dst,
			 int dst_len, const void *gw);
int netlink_ns_copy_addrs(int fd, unsigned int ifi, unsigned int host_ifi,
			  int af);
int netlink_ns_copy_routes(int fd, unsigned int ifi, unsigned int host_ifi,
			   int af);

/* Pure request builders and acknowledgement parser */
size_t netlink_build_link(void *buf, size_t size, uint32_t seq,
			  unsigned int ifi, enum netlink_link_state state,
			  int mtu, const uint8_t *mac);
size_t netlink_build_addr(void *buf, size_t size, uint32_t seq,
			  unsigned int ifi, int af, const void *addr,
			  int prefix_len);
size_t netlink_build_route(void *buf, size_t size, uint32_t seq,
			   unsigned int ifi, int af, const void *dst,
			   int dst_len, const void *gw);
bool netlink_ack_parse(const void *buf, size_t len, uint32_t seq, int *err);

#endif /* NETLINK_H */
