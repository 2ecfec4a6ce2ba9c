/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netlink.h - Host routes, addresses and MTU through rtnetlink */

#ifndef NETLINK_H
#define NETLINK_H

#include <stdint.h>

int netlink_init(void);
unsigned int netlink_default_ifi(int af, void *gw);
int netlink_get_addr(unsigned int ifi, int af, void *addr, int *prefix_len);
int netlink_get_mtu(unsigned int ifi);
void netlink_close(void);

#endif /* NETLINK_H */
