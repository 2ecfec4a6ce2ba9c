/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fwd.h - Forwarding rules (-t, -u) and address translation */

#ifndef FWD_H
#define FWD_H

#include <arpa/inet.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "inany.h"

struct ctx;

#define FWD_RANGES_MAX		64	/* port ranges in one -t/-u spec */
#define FWD_ERR_LEN		192	/* bytes, parse error message */
#define FWD_RULES_MAX		64	/* rules from all -t/-u options */
#define FWD_EXCL_MAX		16	/* exclusions kept per rule */
#define FWD_RULE_STR_LEN	(INET6_ADDRSTRLEN + IF_NAMESIZE + 128)
#define FWD_DNS_PORT		53
/* Listeners of "all" rules may take descriptors up to this fraction of the
 * open-file limit (1/N); the rest stays for flows, one socket each */
#define FWD_ALL_FD_SHARE	2

/**
 * struct fwd_range - One item of a forwarding spec
 * @first:	First port of the range
 * @last:	Last port of the range (inclusive)
 * @to:		Port @first maps to (ports keep their offset)
 * @exclude:	Exclusion (~A-B): these ports are never forwarded
 * @all:	The item "all"
 */
struct fwd_range {
	uint16_t first;
	uint16_t last;
	uint16_t to;
	bool exclude;
	bool all;
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

/**
 * enum fwd_proto - Protocol of a forwarding rule
 * @FWD_TCP:		-t, --tcp-ports
 * @FWD_UDP:		-u, --udp-ports
 * @FWD_PROTO_COUNT:	Number of protocols
 */
enum fwd_proto {
	FWD_TCP,
	FWD_UDP,
	FWD_PROTO_COUNT,
};

/**
 * struct fwd_excl - Ports a rule never forwards
 * @first:	First excluded port
 * @last:	Last excluded port (inclusive)
 */
struct fwd_excl {
	uint16_t first;
	uint16_t last;
};

/**
 * struct fwd_rule - One forwarding rule: host ports to guest ports
 * @proto:	Protocol
 * @all:	From "all" or an exclusions-only spec: ports the host already
 *		uses are skipped without an error
 * @autofwd:	(pasta) "auto": ports 1-65535, port to the same port, none
 *		opened at start-up; listen.c opens and closes them as the
 *		other side binds and releases them
 * @has_addr:	Listen on @addr only (else any address of enabled versions)
 * @addr:	Listening address, if @has_addr
 * @ifname:	Listening interface ("" if any)
 * @first:	First host port
 * @last:	Last host port (inclusive)
 * @to:		Guest port @first maps to (ports keep their offset)
 * @nexcl:	Entries used in @excl
 * @excl:	Exclusions within @first..@last
 * @spec:	Option text the rule came from, for messages
 */
struct fwd_rule {
	enum fwd_proto proto;
	bool all;
	bool autofwd;
	bool has_addr;
	union inany_addr addr;
	char ifname[IF_NAMESIZE];
	uint16_t first;
	uint16_t last;
	uint16_t to;
	int nexcl;
	struct fwd_excl excl[FWD_EXCL_MAX];
	const char *spec;
};

/**
 * struct fwd_table - All forwarding rules
 * @rules:	Rules, in command-line order
 * @count:	Entries used in @rules
 * @all_fd_max:	Highest descriptor number a listener of an "all" rule may
 *		have (open-file limit / FWD_ALL_FD_SHARE), 0 for no limit
 *
 * The one source of truth for forwarding: listen.c opens a socket for every
 * port a rule forwards, and the epoll reference of each names the rule, so
 * an event finds its rule and guest port with no lookup. isolation.c asks
 * it whether a privileged port is forwarded.
 */
struct fwd_table {
	struct fwd_rule rules[FWD_RULES_MAX];
	int count;
	int all_fd_max;
};

extern struct fwd_table fwd_main;
extern struct fwd_table fwd_ns;	/* pasta: -T, -U, the namespace's loopback
				 * ports to the host's loopback */

int fwd_table_add(struct fwd_table *t, enum fwd_proto proto, const char *s,
		  uint16_t eph_first, uint16_t eph_last, char *err,
		  size_t err_len);
int fwd_table_add_auto(struct fwd_table *t, enum fwd_proto proto,
		       const char *s, char *err, size_t err_len);
bool fwd_table_has_auto(const struct fwd_table *t, enum fwd_proto proto,
			int *rule);
bool fwd_all_fd_ok(const struct fwd_table *t, const struct fwd_rule *r,
		   int fd);
bool fwd_rule_has_port(const struct fwd_rule *r, uint16_t port);
uint16_t fwd_rule_to(const struct fwd_rule *r, uint16_t port);
uint16_t fwd_table_port_below(const struct fwd_table *t, enum fwd_proto proto,
			      unsigned int below);
const char *fwd_rule_str(const struct fwd_rule *r, char *buf, size_t len);
void fwd_table_print(const struct fwd_table *t, const char *name,
		     const char *dir);
int fwd_dns_redirect(const struct ctx *c, const union inany_addr *dst,
		     uint16_t dport, union inany_addr *host);

int fwd_parse_spec(const char *s, struct fwd_spec *spec, char *err,
		   size_t err_len);

bool fwd_guest_to_host(const struct ctx *c, const union inany_addr *dst,
		       union inany_addr *host);
bool fwd_host_to_guest(const struct ctx *c, const union inany_addr *peer,
		       union inany_addr *seen);
bool fwd_guest_addr(const struct ctx *c, bool v4, union inany_addr *guest);

#endif /* FWD_H */
