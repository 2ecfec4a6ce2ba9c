/* SPDX-License-Identifier: GPL-2.0-or-later */
/* conf.h - Command line, defaults and host detection */

#ifndef CONF_H
#define CONF_H

#include <netinet/in.h>

#define PASST_VERSION		"0.1"

struct ctx;

void conf(struct ctx *c, int argc, char **argv);
void conf_print(const struct ctx *c);
int conf_parse_addr4(const char *s, struct in_addr *a, int *prefix_len);
int conf_parse_addr6(const char *s, struct in6_addr *a, int *prefix_len);
int conf_resolv_parse(struct ctx *c, const char *text);

#endif /* CONF_H */
