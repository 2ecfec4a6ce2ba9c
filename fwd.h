/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fwd.h - Forwarding rules (-t, -u) and address translation */

#ifndef FWD_H
#define FWD_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow.h"

struct ctx;

#define FWD_RANGES_MAX		64	/* port ranges in one -t/-u spec */
#define FWD_ERR_LEN		128	/* bytes, parse error message */

/**
 * struct fwd_range - One item of a forwarding spec
 * @first:	First port of the range
 * @last:	Last port of the range (inclusive)
 * @to:		Port @first maps to (ports keep their offset)
 * @exclude:	Exclusion (~A-B): these ports are never forwarded
 */
struct fwd_range {
	uint16_t first;
	uint16_t last;
	uint16_t to;
	bool exclude;
};

/**
 * struct fwd_spec - One parsed -t/-u option
 * @none:	"none": nothing forwarded
 * @has_addr:	Listen on @addr only
 * @addr:	Address to bind listeners to, if @has_addr
 * @ifname:	Interface to bind listeners to ("" if none)
 * @ranges:	Items in the order given
 * @nranges:	Items used in @ranges
 */
struct fwd_spec {
	bool none;
	bool has_addr;
	union inany_addr addr;
	char ifname[IF_NAMESIZE];
	struct fwd_range ranges[FWD_RANGES_MAX];
	int nranges;
};

int fwd_parse_spec(const char *s, struct fwd_spec *spec, char *err,
		   size_t err_len);
bool fwd_spec_port(const struct fwd_spec *spec, uint16_t port, uint16_t *to);

bool fwd_guest_to_host(const struct ctx *c, const union inany_addr *dst,
		       union inany_addr *host);
void fwd_host_to_guest(const struct ctx *c, const union inany_addr *peer,
		       union inany_addr *seen);
bool fwd_guest_addr(const struct ctx *c, bool v4, union inany_addr *guest);

#endif /* FWD_H */
