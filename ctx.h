/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ctx.h - The configuration, and the few daemon-wide facts learnt at run time
 *
 * Every module that needs a setting includes this header, not the loop's
 * (passt.c) and not the parser's (conf.c): struct ctx is data only, and
 * this file includes no module of ours, so it sits at the bottom of the
 * module graph beside inany.h.
 */

#ifndef CTX_H
#define CTX_H

#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#define CONF_DNS_MAX		3	/* resolvers advertised per IP version */
#define CONF_SEARCH_MAX		6	/* search domains advertised */
#define CONF_DOMAIN_LEN		254	/* bytes, with terminator */
#define CONF_HOSTNAME_LEN	64	/* bytes, with terminator */
#define CONF_FWD_SPEC_MAX	16	/* -t/-u options on one command line */

#define MAC_OUR_DEFAULT	{ 0x9a, 0x55, 0x9a, 0x55, 0x9a, 0x55 }

#define MTU_DEFAULT		65520	/* bytes, as upstream passt */
#define MTU_MIN			576	/* bytes, RFC 791 minimum reassembly */
#define MTU_MAX			65520

/**
 * struct conf_ip4 - IPv4 addressing the guest sees
 * @addr:	Guest address (default: host's address on the template link)
 * @prefix_len:	Prefix length of @addr
 * @gw:		Default gateway the guest uses (answered by us)
 * @addr_seen:	Address the guest last used as a source
 * @dns:	Resolvers advertised to the guest
 * @dns_count:	Entries used in @dns
 * @dns_host:	Host resolver that forwarded DNS goes to
 * @dns_match:	--dns-forward address (INADDR_ANY if unset)
 * @map_host_loopback:	Guest address mapped to host loopback, or ANY
 * @map_guest_addr:	Guest address mapped to the host's own address
 * @addr_out:	-o: source address of outbound sockets, or ANY
 * @ifname_out:	--outbound-if4: interface outbound sockets are bound to
 */
struct conf_ip4 {
	struct in_addr addr;
	int prefix_len;
	struct in_addr gw;
	struct in_addr addr_seen;
	struct in_addr dns[CONF_DNS_MAX];
	int dns_count;
	struct in_addr dns_host;
	struct in_addr dns_match;
	struct in_addr map_host_loopback;
	struct in_addr map_guest_addr;
	struct in_addr addr_out;
	char ifname_out[IF_NAMESIZE];
};

/**
 * struct conf_ip6 - IPv6 addressing the guest sees
 * @addr:	Guest global address (default: host's global address)
 * @prefix_len:	Prefix length of @addr (64 for SLAAC)
 * @gw:		Default gateway the guest uses (answered by us)
 * @our_ll:	Our link-local address, source of RAs and NAs (changes
 *		with our MAC, tap_mac_clash())
 * @addr_seen:	Address the guest last used as a source
 * @addr_ll_seen:	Link-local address the guest last used
 * @dns:	Resolvers advertised to the guest
 * @dns_count:	Entries used in @dns
 * @dns_host:	Host resolver that forwarded DNS goes to
 * @dns_match:	--dns-forward address (:: if unset)
 * @map_host_loopback:	Guest address mapped to host loopback, or ::
 * @map_guest_addr:	Guest address mapped to the host's own address
 * @addr_out:	-o: source address of outbound sockets, or ::
 * @ifname_out:	--outbound-if6: interface outbound sockets are bound to
 */
struct conf_ip6 {
	struct in6_addr addr;
	int prefix_len;
	struct in6_addr gw;
	struct in6_addr our_ll;
	struct in6_addr addr_seen;
	struct in6_addr addr_ll_seen;
	struct in6_addr dns[CONF_DNS_MAX];
	int dns_count;
	struct in6_addr dns_host;
	struct in6_addr dns_match;
	struct in6_addr map_host_loopback;
	struct in6_addr map_guest_addr;
	struct in6_addr addr_out;
	char ifname_out[IF_NAMESIZE];
};

/**
 * struct ctx - Execution context: configuration and daemon-wide state
 *
 * Written by conf.c at start-up; afterwards only the fields marked "runtime"
 * change, each by the module named beside it.
 */
struct ctx {
	/* Logging and process */
	bool foreground;
	bool one_off;
	bool quiet;
	bool debug;
	bool trace;
	char log_file[PATH_MAX];
	unsigned long log_size;
	char pcap_file[PATH_MAX];
	char pid_file[PATH_MAX];
	int fd_pid;			/* open pid file, written before fork */
	char runas[64];

	/* pasta mode (conf.c: invoked as "pasta"): a tap device in a network
	 * namespace instead of the socket; see pasta.c, tap_dev.c
	 */
	bool pasta;
	char pasta_ifname[IF_NAMESIZE];	/* -I, default: the template's */
	bool pasta_config_net;		/* --config-net */
	bool pasta_no_netns_quit;	/* --no-netns-quit */
	bool pasta_netns_only;		/* --netns-only: no user namespace */
	char pasta_netns[PATH_MAX];	/* --netns or PID: target, "" spawn */
	char pasta_userns[PATH_MAX];	/* --userns, "" if not given */
	char *const *pasta_cmd;		/* command to spawn, in argv, or NULL */
	bool no_splice;			/* --no-splice: loopback takes the tap
					 * path too (tcp_splice.c) */

	/* Tap side */
	bool vhost_user;		/* --vhost-user: vhost_user.c below tap */
	char sock_path[108];		/* sizeof(sun_path) */
	int fd_tap_listen;
	int fd_tap;			/* runtime, tap.c */
	int fd_from_cmdline;		/* -F, -1 if unset */
	uint8_t our_mac[6];		/* runtime if the guest has it:
					 * tap_mac_clash(), from tap.c */
	uint8_t guest_mac[6];		/* runtime, tap.c */
	bool guest_mac_known;		/* runtime, tap.c */
	int mtu;
	bool mtu_hidden;		/* -m 0: MTU not told to the guest */
	int epollfd;

	/* Template interface and addressing */
	char ifname[IF_NAMESIZE];
	unsigned int ifindex;
	bool ifi4;			/* IPv4 enabled */
	bool ifi6;			/* IPv6 enabled */
	struct conf_ip4 ip4;
	struct conf_ip6 ip6;
	bool ip4_given;			/* -a or -g gave IPv4 addressing */
	bool ip6_given;			/* -a or -g gave IPv6 addressing */
	char search[CONF_SEARCH_MAX][CONF_DOMAIN_LEN];
	int search_count;
	char hostname[CONF_HOSTNAME_LEN];
	char fqdn[CONF_DOMAIN_LEN];

	/* Link services */
	bool no_dhcp;
	bool no_dhcp_dns;
	bool no_dhcp_search;
	bool no_dhcpv6;
	bool no_ndp;
	bool no_ra;
	bool no_icmp;
	bool icmp_unavailable4;		/* ping sockets refused, said once */
	bool icmp_unavailable6;

	/* Address translation and forwarding */
	bool no_map_gw;
	bool map_host_loopback_none;	/* --map-host-loopback none */
	bool freebind;			/* --freebind: -t/-u on any address */
	bool no_tcp;
	bool no_udp;
	const char *tcp_spec[CONF_FWD_SPEC_MAX];	/* -t, raw, for fwd.c */
	int tcp_spec_count;
	const char *udp_spec[CONF_FWD_SPEC_MAX];	/* -u, raw, for fwd.c */
	int udp_spec_count;
	const char *tcp_ns_spec[CONF_FWD_SPEC_MAX];	/* -T, raw (pasta) */
	int tcp_ns_spec_count;
	const char *udp_ns_spec[CONF_FWD_SPEC_MAX];	/* -U, raw (pasta) */
	int udp_ns_spec_count;

	/* Timeouts, seconds (see flow.c, tcp.c for defaults) */
	unsigned int tcp_keepalive_interval_s;
	unsigned int inactivity_timeout_s;
	unsigned int tcp_closing_timeout_s;
	unsigned int udp_timeout_s;
	unsigned int stats_interval_s;	/* --stats, 0: off */
};

#endif /* CTX_H */
