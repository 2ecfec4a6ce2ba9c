/* SPDX-License-Identifier: GPL-2.0-or-later */
/* conf.c - Command line, defaults and host detection */

/**
 * DOC: Theory of operation
 *
 * conf() parses the command line with getopt_long (the option names passt
 * users already script against), then fills what was not given from the
 * host: the template interface (netlink.c), its addresses, prefix lengths,
 * gateways and MTU, and resolvers and search domains from /etc/resolv.conf.
 * Every bad option or value prints a message naming it and exits 1. Options
 * of features not built yet are refused the same way, never ignored.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <pwd.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "flow.h"
#include "fwd.h"
#include "log.h"
#include "netlink.h"
#include "ctx.h"
#include "udp.h"
#include "util.h"
#include "vhost_user.h"

#define CONF_RESOLV_PATH	"/etc/resolv.conf"
#define CONF_RESOLV_MAX		(64 * 1024)	/* bytes of resolv.conf read */

enum conf_opt {		/* long-only options, above any ASCII character */
	CONF_OPT_TRACE = 256,
	CONF_OPT_LOG_SIZE,
	CONF_OPT_RUNAS,
	CONF_OPT_VERSION,
	CONF_OPT_HOSTNAME,
	CONF_OPT_FQDN,
	CONF_OPT_NO_DHCP,
	CONF_OPT_NO_DHCP_DNS,
	CONF_OPT_NO_DHCP_SEARCH,
	CONF_OPT_NO_DHCPV6,
	CONF_OPT_NO_NDP,
	CONF_OPT_NO_RA,
	CONF_OPT_NO_ICMP,
	CONF_OPT_NO_MAP_GW,
	CONF_OPT_NO_TCP,
	CONF_OPT_NO_UDP,
	CONF_OPT_NO_SPLICE,
	CONF_OPT_DNS_FORWARD,
	CONF_OPT_DNS_HOST,
	CONF_OPT_UDP_TIMEOUT,
	CONF_OPT_TCP_KEEPALIVE,
	CONF_OPT_INACTIVITY,
	CONF_OPT_TCP_CLOSING,
	CONF_OPT_STATS,
	CONF_OPT_MAP_HOST_LOOPBACK,
	CONF_OPT_MAP_GUEST_ADDR,
	CONF_OPT_VHOST_USER,
	CONF_OPT_PRINT_CAPS,
	CONF_OPT_CONFIG_NET,
	CONF_OPT_NO_NETNS_QUIT,
	CONF_OPT_NETNS,
	CONF_OPT_USERNS,
	CONF_OPT_NETNS_ONLY,
	CONF_OPT_OUTBOUND_IF4,
	CONF_OPT_OUTBOUND_IF6,
	CONF_OPT_FREEBIND,
};

/* pasta mode's own options first: passt mode's table starts after them
 * (conf_longopts + CONF_PASTA_OPTS_N), so that getopt_long() refuses them
 * there with its own message
 */
#define CONF_PASTA_OPTS_N	9
static const struct option conf_longopts[] = {
	{ "ns-ifname",		required_argument,	NULL, 'I' },
	{ "config-net",		no_argument,		NULL, CONF_OPT_CONFIG_NET },
	{ "no-netns-quit",	no_argument,		NULL,
						CONF_OPT_NO_NETNS_QUIT },
	{ "netns",		required_argument,	NULL, CONF_OPT_NETNS },
	{ "userns",		required_argument,	NULL, CONF_OPT_USERNS },
	{ "netns-only",		no_argument,		NULL, CONF_OPT_NETNS_ONLY },
	{ "tcp-ns",		required_argument,	NULL, 'T' },
	{ "udp-ns",		required_argument,	NULL, 'U' },
	{ "no-splice",		no_argument,		NULL, CONF_OPT_NO_SPLICE },
	/* passt mode's table starts here */
	{ "socket",		required_argument,	NULL, 's' },
	{ "fd",			required_argument,	NULL, 'F' },
	{ "one-off",		no_argument,		NULL, '1' },
	{ "vhost-user",		no_argument,		NULL, CONF_OPT_VHOST_USER },
	{ "print-capabilities",	no_argument,		NULL,
						CONF_OPT_PRINT_CAPS },
	{ "foreground",		no_argument,		NULL, 'f' },
	{ "debug",		no_argument,		NULL, 'd' },
	{ "quiet",		no_argument,		NULL, 'q' },
	{ "trace",		no_argument,		NULL, CONF_OPT_TRACE },
	{ "log-file",		required_argument,	NULL, 'l' },
	{ "log-size",		required_argument,	NULL, CONF_OPT_LOG_SIZE },
	{ "pcap",		required_argument,	NULL, 'p' },
	{ "pid",		required_argument,	NULL, 'P' },
	{ "ipv4-only",		no_argument,		NULL, '4' },
	{ "ipv6-only",		no_argument,		NULL, '6' },
	{ "address",		required_argument,	NULL, 'a' },
	{ "netmask",		required_argument,	NULL, 'n' },
	{ "gateway",		required_argument,	NULL, 'g' },
	{ "mac-addr",		required_argument,	NULL, 'M' },
	{ "mtu",		required_argument,	NULL, 'm' },
	{ "dns",		required_argument,	NULL, 'D' },
	{ "search",		required_argument,	NULL, 'S' },
	{ "interface",		required_argument,	NULL, 'i' },
	{ "runas",		required_argument,	NULL, CONF_OPT_RUNAS },
	{ "help",		no_argument,		NULL, 'h' },
	{ "version",		no_argument,		NULL, CONF_OPT_VERSION },
	{ "hostname",		required_argument,	NULL, CONF_OPT_HOSTNAME },
	{ "fqdn",		required_argument,	NULL, CONF_OPT_FQDN },
	{ "no-dhcp",		no_argument,		NULL, CONF_OPT_NO_DHCP },
	{ "no-dhcp-dns",	no_argument,		NULL, CONF_OPT_NO_DHCP_DNS },
	{ "no-dhcp-search",	no_argument,		NULL,
						CONF_OPT_NO_DHCP_SEARCH },
	{ "no-dhcpv6",		no_argument,		NULL, CONF_OPT_NO_DHCPV6 },
	{ "no-ndp",		no_argument,		NULL, CONF_OPT_NO_NDP },
	{ "no-ra",		no_argument,		NULL, CONF_OPT_NO_RA },
	{ "no-icmp",		no_argument,		NULL, CONF_OPT_NO_ICMP },
	{ "no-map-gw",		no_argument,		NULL, CONF_OPT_NO_MAP_GW },
	{ "tcp-ports",		required_argument,	NULL, 't' },
	{ "udp-ports",		required_argument,	NULL, 'u' },
	{ "no-tcp",		no_argument,		NULL, CONF_OPT_NO_TCP },
	{ "no-udp",		no_argument,		NULL, CONF_OPT_NO_UDP },
	{ "dns-forward",	required_argument,	NULL,
						CONF_OPT_DNS_FORWARD },
	{ "dns-host",		required_argument,	NULL, CONF_OPT_DNS_HOST },
	{ "udp-timeout",	required_argument,	NULL,
						CONF_OPT_UDP_TIMEOUT },
	{ "tcp-keepalive-interval", required_argument,	NULL,
						CONF_OPT_TCP_KEEPALIVE },
	{ "inactivity-timeout",	required_argument,	NULL,
						CONF_OPT_INACTIVITY },
	{ "tcp-closing-timeout", required_argument,	NULL,
						CONF_OPT_TCP_CLOSING },
	{ "stats",		required_argument,	NULL, CONF_OPT_STATS },
	{ "map-host-loopback",	required_argument,	NULL,
						CONF_OPT_MAP_HOST_LOOPBACK },
	{ "map-guest-addr",	required_argument,	NULL,
						CONF_OPT_MAP_GUEST_ADDR },
	{ "outbound",		required_argument,	NULL, 'o' },
	{ "outbound-if4",	required_argument,	NULL,
						CONF_OPT_OUTBOUND_IF4 },
	{ "outbound-if6",	required_argument,	NULL,
						CONF_OPT_OUTBOUND_IF6 },
	{ "freebind",		no_argument,		NULL, CONF_OPT_FREEBIND },
	{ NULL, 0, NULL, 0 },
};

static const char conf_short[] = "s:F:1fdql:p:P:46a:n:g:M:m:D:S:i:ht:u:o:";
/* pasta: "+", options end at the first argument that is not one (the
 * command's own options are the command's)
 */
static const char conf_short_pasta[] =
	"+fdql:p:P:46a:n:g:M:m:D:S:i:ht:u:o:I:T:U:";

/**
 * conf_usage() - Print --help and exit
 * @name:	Program name
 * @pasta:	pasta mode: its synopsis and namespace options
 * @status:	Exit status
 */
static void conf_usage(const char *name, bool pasta, int status)
{
	FILE *f = status ? stderr : stdout;

	if (pasta)
		fprintf(f,
"Usage: %s [OPTION]... [COMMAND [ARG]...]\n"
"       %s [OPTION]... PID\n"
"       %s [OPTION]... --netns PATH|NAME\n"
"Connect a network namespace to the host's network without privileges:\n"
"run COMMAND (default: $SHELL) in a new user and network namespace and\n"
"exit with its status, or serve the namespace of PID, or of PATH (NAME:\n"
"/run/netns/NAME), through a tap device in it.\n"
"\n"
"Namespace side:\n"
"  -I, --ns-ifname NAME   name of the tap device, default: the template\n"
"                         interface's\n"
"      --config-net       set the tap device up, MTU, addresses and routes\n"
"                         (the template interface's, or -a, -n, -g)\n"
"      --netns PATH|NAME  serve this network namespace\n"
"      --userns PATH      its user namespace, when not its owner's\n"
"      --netns-only       join the network namespace only, no user\n"
"                         namespace (needs privileges over it)\n"
"      --no-netns-quit    keep running when the namespace goes away\n"
"      --no-splice        connections between the host's and the\n"
"                         namespace's loopback take the tap device too,\n"
"                         not a splice(2) between two sockets\n"
"  -T, --tcp-ns SPEC      TCP ports of the namespace's loopback to the\n"
"                         host's loopback, spliced: none, auto, or\n"
"                         PORT[:TO], ranges and ~exclusions as for -t\n"
"  -U, --udp-ns SPEC      same, UDP\n"
"                         -t, -u, -T, -U also take auto, the default of\n"
"                         each not given: follow the other side's bound\n"
"                         ports, checked every second\n"
"  -M, --mac-addr MAC     our own MAC address, default 9a:55:9a:55:9a:55\n"
"  -m, --mtu MTU          MTU of the tap device, %d..%d, default %d\n"
"\n",
		name, name, name, MTU_MIN, MTU_MAX, MTU_DEFAULT);
	else
		fprintf(f,
"Usage: %s [OPTION]...\n"
"Connect a virtual machine to the host's network without privileges.\n"
"\n"
"Tap side:\n"
"  -s, --socket PATH      unix socket qemu connects to\n"
"                         default: first free /tmp/passt_N.socket, N=1..%d\n"
"  -F, --fd FD            use an already connected socket (qemu --fd 3)\n"
"  -1, --one-off          exit when the guest disconnects\n"
"      --vhost-user       be a vhost-user back-end on the socket (qemu\n"
"                         -netdev vhost-user, libvirt type='vhostuser')\n"
"      --print-capabilities  print the vhost-user back-end's capabilities\n"
"                         (JSON) and exit\n"
"  -M, --mac-addr MAC     our own MAC address, default 9a:55:9a:55:9a:55\n"
"                         (if the guest has it too: the default)\n"
"  -m, --mtu MTU          MTU told to the guest, %d..%d, default %d;\n"
"                         0: none told\n"
"\n",
		name, 64, MTU_MIN, MTU_MAX, MTU_DEFAULT);
	fprintf(f,
"Process and logging:\n"
"  -f, --foreground       do not daemonize; log to stderr\n"
"  -d, --debug            debug messages (implies -f unless -l is given)\n"
"      --trace            per-frame messages (implies --debug)\n"
"  -q, --quiet            errors only; no configuration printed at start\n"
"  -l, --log-file PATH    log to PATH, bounded by --log-size\n"
"      --log-size BYTES   truncate the log file at BYTES, default %d\n"
"  -p, --pcap FILE        capture every frame to FILE (pcap format)\n"
"  -P, --pid FILE         write the daemon's PID to FILE\n"
"      --runas USER[:GROUP]  user to run as when started as root,\n"
"                         default nobody\n"
"\n",
		LOG_FILE_SIZE_DEFAULT);
	fprintf(f,
"Addressing (default: copied from the template interface):\n"
"  -i, --interface NAME   template interface, default: the one with the\n"
"                         default route\n"
"  -4, --ipv4-only        IPv4 only\n"
"  -6, --ipv6-only        IPv6 only\n"
"  -a, --address ADDR[/PREFIX]  the guest's IPv4 or IPv6 address\n"
"  -n, --netmask MASK     IPv4 netmask or prefix length\n"
"  -g, --gateway ADDR     the guest's IPv4 or IPv6 default gateway\n"
"  -D, --dns ADDR         resolver told to the guest (repeatable), or none\n"
"  -S, --search LIST      search domains told to the guest, separated by\n"
"                         spaces (repeatable), or none\n"
"      --dns-forward ADDR DNS queries the guest sends to ADDR go to the\n"
"                         host resolver; answers come from ADDR\n"
"      --dns-host ADDR    host resolver for forwarded DNS, default: the\n"
"                         first (loopback first) nameserver of resolv.conf\n"
"      --hostname NAME    host name given by DHCP\n"
"      --fqdn NAME        FQDN given by DHCP and DHCPv6\n"
"\n"
"Link services:\n"
"      --no-dhcp          no DHCP server\n"
"      --no-dhcp-dns      no DNS servers in DHCP and DHCPv6 replies\n"
"      --no-dhcp-search   no search domains in DHCP and DHCPv6 replies\n"
"      --no-dhcpv6        no DHCPv6 server\n"
"      --no-ndp           no NDP answers (no router advertisements either)\n"
"      --no-ra            no router advertisements\n"
"      --no-icmp          no ICMP/ICMPv6 echo\n"
"\n"
"Translation and forwarding:\n"
"      --no-map-gw        do not map the gateway address to host loopback\n"
"      --map-host-loopback ADDR|none  guest connections to ADDR reach the\n"
"                         host's loopback, default: the gateway\n"
"      --map-guest-addr ADDR|none  guest connections to ADDR reach the\n"
"                         host's own address (the guest's), default: none\n"
"  -t, --tcp-ports SPEC   forward host TCP ports to the guest: none, all,\n"
"                         or [ADDR][%%IF]/PORT|A-B[:C-D],~A-B,...\n"
"  -u, --udp-ports SPEC   forward host UDP ports to the guest, same SPEC\n"
"      --freebind         -t/-u listeners may bind addresses the host does\n"
"                         not have (yet)\n"
"  -o, --outbound ADDR    bind outbound sockets to ADDR, IPv4 or IPv6 (once\n"
"                         per version)\n"
"      --outbound-if4 IF  bind outbound IPv4 sockets to interface IF\n"
"      --outbound-if6 IF  bind outbound IPv6 sockets to interface IF\n"
"      --no-tcp           no TCP\n"
"      --no-udp           no UDP\n"
"\n"
"Flow limits (seconds; swept by clock: a flow goes 1 to 2 intervals after\n"
"its last activity; activity is data, SYN, FIN or RST from either side):\n"
"      --tcp-keepalive-interval S  keepalive to a guest silent for S seconds\n"
"                         on a TCP connection, default %d\n"
"      --inactivity-timeout S  reset TCP connections idle for S seconds,\n"
"                         default %d (RFC 5382 floor: 7440)\n"
"      --tcp-closing-timeout S  reset half-closed TCP connections idle for\n"
"                         S seconds, default %d (RFC 5382 floor: 240)\n"
"      --udp-timeout S    close UDP flows idle for S seconds, default %d\n"
"                         (RFC 4787 floor: 120)\n"
"      --stats S          log flow and drop counters every S seconds\n"
"\n"
"  -h, --help             this help\n"
"      --version          version\n",
		FLOW_TCP_TAP_DEFAULT_S, FLOW_TCP_IDLE_DEFAULT_S,
		FLOW_TCP_CLOSING_DEFAULT_S, FLOW_UDP_IDLE_DEFAULT_S);
	exit(status);
}

/**
 * conf_bad() - Report a bad option value and exit 1
 * @opt:	Option name, as the user wrote it
 * @val:	Value
 * @why:	Reason
 */
__attribute__((noreturn))
static void conf_bad(const char *opt, const char *val, const char *why)
{
	fprintf(stderr, "Invalid %s '%s': %s\n", opt, val, why);
	exit(EXIT_FAILURE);
}

/**
 * conf_seconds() - Parse an interval option, warn below its RFC floor
 * @opt:	Option name
 * @val:	Value given
 * @floor_s:	Smallest value the RFC the default follows allows, 0: none
 *
 * Shorter intervals are allowed (tests shrink hours to seconds), with a
 * warning: a middlebox using them may drop connections peers expect alive.
 *
 * Return: seconds, 1 to FLOW_INTERVAL_MAX_S; exits 1 on a bad value
 */
static unsigned int conf_seconds(const char *opt, const char *val,
				 unsigned int floor_s)
{
	unsigned long v;

	if (util_parse_u32(val, FLOW_INTERVAL_MAX_S, &v) || !v)
		conf_bad(opt, val, "not a number of seconds, 1 to 604800");
	if (v < floor_s)
		log_warn("%s %lu is below the RFC floor of %u seconds",
			 opt, v, floor_s);
	return (unsigned int)v;
}

/**
 * conf_parse_addr4() - Parse "A.B.C.D" or "A.B.C.D/N"
 * @s:		String
 * @a:		Parsed address
 * @prefix_len:	Parsed prefix length, or -1 if none given (may be NULL if
 *		no prefix is accepted)
 *
 * Return: 0 on success, -EINVAL on failure
 */
int conf_parse_addr4(const char *s, struct in_addr *a, int *prefix_len)
{
	char buf[INET_ADDRSTRLEN + 4];
	unsigned long p;
	char *slash;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash) {
		if (!prefix_len || util_parse_u32(slash + 1, 32, &p))
			return -EINVAL;
		*slash = '\0';
		*prefix_len = (int)p;
	} else if (prefix_len) {
		*prefix_len = -1;
	}
	return inet_pton(AF_INET, buf, a) == 1 ? 0 : -EINVAL;
}

/**
 * conf_parse_addr6() - Parse an IPv6 address with an optional "/N"
 * @s:		String
 * @a:		Parsed address
 * @prefix_len:	Parsed prefix length, or -1 if none given (may be NULL if
 *		no prefix is accepted)
 *
 * Return: 0 on success, -EINVAL on failure
 */
int conf_parse_addr6(const char *s, struct in6_addr *a, int *prefix_len)
{
	char buf[INET6_ADDRSTRLEN + 5];
	unsigned long p;
	char *slash;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash) {
		if (!prefix_len || util_parse_u32(slash + 1, 128, &p))
			return -EINVAL;
		*slash = '\0';
		*prefix_len = (int)p;
	} else if (prefix_len) {
		*prefix_len = -1;
	}
	return inet_pton(AF_INET6, buf, a) == 1 ? 0 : -EINVAL;
}

/**
 * conf_dns_add() - Add a resolver for the guest, ignoring duplicates
 * @c:		Execution context
 * @s:		Address string
 *
 * Return: 0 if added or duplicate, -EINVAL if not an address, -ENOSPC
 */
static int conf_dns_add(struct ctx *c, const char *s)
{
	struct in6_addr a6;
	struct in_addr a4;
	int i;

	if (!conf_parse_addr4(s, &a4, NULL)) {
		for (i = 0; i < c->ip4.dns_count; i++)
			if (c->ip4.dns[i].s_addr == a4.s_addr)
				return 0;
		if (c->ip4.dns_count == CONF_DNS_MAX)
			return -ENOSPC;
		c->ip4.dns[c->ip4.dns_count++] = a4;
		return 0;
	}
	if (!conf_parse_addr6(s, &a6, NULL)) {
		for (i = 0; i < c->ip6.dns_count; i++)
			if (IN6_ARE_ADDR_EQUAL(&c->ip6.dns[i], &a6))
				return 0;
		if (c->ip6.dns_count == CONF_DNS_MAX)
			return -ENOSPC;
		c->ip6.dns[c->ip6.dns_count++] = a6;
		return 0;
	}
	return -EINVAL;
}

/**
 * conf_search_add() - Add a search domain for the guest
 * @c:		Execution context
 * @s:		Domain
 *
 * Return: 0 if added or duplicate, -EINVAL if malformed, -ENOSPC
 */
static int conf_search_add(struct ctx *c, const char *s)
{
	size_t len = strlen(s);
	int i;

	if (!len || len >= CONF_DOMAIN_LEN || strspn(s,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._")
	    != len || strstr(s, "..") || *s == '.')
		return -EINVAL;
	for (i = 0; i < c->search_count; i++)
		if (!strcmp(c->search[i], s))
			return 0;
	if (c->search_count == CONF_SEARCH_MAX)
		return -ENOSPC;
	strcpy(c->search[c->search_count++], s);
	return 0;
}

/**
 * conf_search_list() - -S: one or more search domains, separated by spaces
 * @c:		Execution context
 * @s:		Option value ("d1 d2": qemu's -netdev passt,search.0=d1,...)
 */
static void conf_search_list(struct ctx *c, const char *s)
{
	char buf[CONF_SEARCH_MAX * CONF_DOMAIN_LEN], *tok, *save = NULL;

	if (strlen(s) >= sizeof(buf))
		conf_bad("--search", s, "too long");
	strcpy(buf, s);
	for (tok = strtok_r(buf, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save))
		if (conf_search_add(c, tok))
			conf_bad("--search", tok, "not a domain, or more "
				 "than 6");
}

/**
 * conf_resolv_parse() - Take resolvers and search domains from resolv.conf
 * @c:		Execution context, only lists still empty are filled
 * @text:	Contents of resolv.conf, NUL-terminated
 *
 * A resolver on a loopback address (127.0.0.53 of systemd-resolved, a local
 * dnsmasq) cannot be reached by the guest: it is skipped here, and noted as
 * the host resolver for DNS forwarding.
 *
 * Return: number of resolvers taken
 */
int conf_resolv_parse(struct ctx *c, const char *text)
{
	bool dns_given = c->ip4.dns_count || c->ip6.dns_count;
	bool search_given = c->search_count;
	const char *line = text;
	int n = 0;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		char buf[512], *tok, *save = NULL;
		size_t len = end ? (size_t)(end - line) : strlen(line);

		if (len >= sizeof(buf))
			len = sizeof(buf) - 1;
		memcpy(buf, line, len);
		buf[len] = '\0';
		line = end ? end + 1 : NULL;

		tok = strtok_r(buf, " \t\r", &save);
		if (!tok)
			continue;
		if (!strcmp(tok, "nameserver") && !dns_given) {
			struct in_addr a4;
			struct in6_addr a6;

			tok = strtok_r(NULL, " \t\r%", &save);
			if (!tok)
				continue;
			if (!conf_parse_addr4(tok, &a4, NULL) &&
			    (ntohl(a4.s_addr) >> 24) == 127) {
				if (c->ip4.dns_host.s_addr == INADDR_ANY)
					c->ip4.dns_host = a4;
				continue;
			}
			if (!conf_parse_addr6(tok, &a6, NULL) &&
			    IN6_IS_ADDR_LOOPBACK(&a6)) {
				if (IN6_IS_ADDR_UNSPECIFIED(&c->ip6.dns_host))
					c->ip6.dns_host = a6;
				continue;
			}
			if (!conf_dns_add(c, tok))
				n++;
		} else if ((!strcmp(tok, "search") || !strcmp(tok, "domain")) &&
			   !search_given) {
			while ((tok = strtok_r(NULL, " \t\r", &save)))
				conf_search_add(c, tok);
		}
	}
	return n;
}

/**
 * conf_resolv_read() - Read /etc/resolv.conf if lists were not given
 * @c:		Execution context
 */
static void conf_resolv_read(struct ctx *c)
{
	static char text[CONF_RESOLV_MAX];
	ssize_t n;
	int fd;

	fd = open(CONF_RESOLV_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		log_debug("%s: %s", CONF_RESOLV_PATH, strerror(errno));
		return;
	}
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n < 0)
		return;
	text[n] = '\0';
	conf_resolv_parse(c, text);
}

/**
 * conf_ip4_detect() - Fill IPv4 addressing from the template interface
 * @c:		Execution context
 * @addr_given:	-a gave an IPv4 address
 * @gw_given:	-g gave an IPv4 gateway
 */
static void conf_ip4_detect(struct ctx *c, bool addr_given, bool gw_given)
{
	struct in_addr gw = { 0 }, addr;
	unsigned int ifi = c->ifindex;
	int plen;

	if (!ifi)
		ifi = netlink_default_ifi(AF_INET, &gw);
	else
		netlink_default_ifi(AF_INET, &gw);
	if (ifi && !c->ifindex) {
		c->ifindex = ifi;
		if_indextoname(ifi, c->ifname);
	}
	if (!gw_given && ifi == c->ifindex)
		c->ip4.gw = gw;
	if (!addr_given && c->ifindex &&
	    !netlink_get_addr(c->ifindex, AF_INET, &addr, &plen)) {
		c->ip4.addr = addr;
		if (!c->ip4.prefix_len)
			c->ip4.prefix_len = plen;
	}
}

/**
 * conf_ip6_detect() - Fill IPv6 addressing from the template interface
 * @c:		Execution context
 * @addr_given:	-a gave an IPv6 address
 * @gw_given:	-g gave an IPv6 gateway
 */
static void conf_ip6_detect(struct ctx *c, bool addr_given, bool gw_given)
{
	struct in6_addr gw = IN6ADDR_ANY_INIT, addr;
	unsigned int ifi = c->ifindex;
	int plen;

	if (!ifi)
		ifi = netlink_default_ifi(AF_INET6, &gw);
	else
		netlink_default_ifi(AF_INET6, &gw);
	if (ifi && !c->ifindex) {
		c->ifindex = ifi;
		if_indextoname(ifi, c->ifname);
	}
	if (!gw_given && ifi == c->ifindex)
		c->ip6.gw = gw;
	if (!addr_given && c->ifindex &&
	    !netlink_get_addr(c->ifindex, AF_INET6, &addr, &plen)) {
		c->ip6.addr = addr;
		c->ip6.prefix_len = plen;
	}
}

/**
 * conf_defaults() - Defaults before options are parsed
 * @c:		Execution context
 */
static void conf_defaults(struct ctx *c)
{
	static const uint8_t mac[6] = MAC_OUR_DEFAULT;

	memset(c, 0, sizeof(*c));
	memcpy(c->our_mac, mac, 6);
	c->mtu = MTU_DEFAULT;
	c->fd_pid = -1;
	c->fd_tap = -1;
	c->fd_tap_listen = -1;
	c->fd_from_cmdline = -1;
	c->epollfd = -1;
	c->log_size = LOG_FILE_SIZE_DEFAULT;
	c->udp_timeout_s = FLOW_UDP_IDLE_DEFAULT_S;
	c->tcp_keepalive_interval_s = FLOW_TCP_TAP_DEFAULT_S;
	c->inactivity_timeout_s = FLOW_TCP_IDLE_DEFAULT_S;
	c->tcp_closing_timeout_s = FLOW_TCP_CLOSING_DEFAULT_S;
}

/**
 * conf_check_addrs() - Sanity checks once addressing is complete
 * @c:		Execution context
 */
static void conf_check_addrs(struct ctx *c)
{
	if (c->ifi4 && c->ip4.addr.s_addr == INADDR_ANY) {
		if (c->ifi6 && !IN6_IS_ADDR_UNSPECIFIED(&c->ip6.addr)) {
			log_info("No IPv4 address on the template interface: "
				 "IPv4 disabled (give one with -a)");
			c->ifi4 = false;
		} else {
			c->ifi4 = false;
		}
	}
	if (c->ifi4 && !c->ip4.prefix_len)
		c->ip4.prefix_len = 24;
	if (c->ifi4 && c->ip4.gw.s_addr == INADDR_ANY)
		log_warn("No IPv4 gateway found: the guest gets no default "
			 "route (give one with -g)");
	if (c->ifi6 && IN6_IS_ADDR_UNSPECIFIED(&c->ip6.addr))
		c->ifi6 = false;
	if (c->ifi6 && !c->ip6.prefix_len)
		c->ip6.prefix_len = 64;
	if (c->ifi6 && IN6_IS_ADDR_UNSPECIFIED(&c->ip6.gw))
		c->ip6.gw = c->ip6.our_ll;
	if (!c->ifi4 && !c->ifi6)
		die("No usable IPv4 or IPv6 configuration found on the host: "
		    "give one with -a (and -g)");
}

/**
 * conf_runas() - Check --runas USER[:GROUP] names an existing user
 * @c:		Execution context
 * @s:		Option value
 */
static void conf_runas(struct ctx *c, const char *s)
{
	if (strlen(s) >= sizeof(c->runas) || !*s)
		conf_bad("--runas", s, "too long or empty");
	strcpy(c->runas, s);
}

/**
 * conf_set_addr() - -a: guest address, IPv4 or IPv6, optional prefix
 * @c:		Execution context
 * @s:		Option value
 * @given4:	Set if an IPv4 address was given
 * @given6:	Set if an IPv6 address was given
 */
static void conf_set_addr(struct ctx *c, const char *s, bool *given4,
			  bool *given6)
{
	int plen;

	if (!conf_parse_addr4(s, &c->ip4.addr, &plen)) {
		if (c->ip4.addr.s_addr == INADDR_ANY ||
		    IN_MULTICAST(ntohl(c->ip4.addr.s_addr)) ||
		    c->ip4.addr.s_addr == INADDR_BROADCAST ||
		    (ntohl(c->ip4.addr.s_addr) >> 24) == 127)
			conf_bad("--address", s, "not a unicast address");
		if (plen == 0)
			conf_bad("--address", s, "prefix length 0");
		if (plen > 0)
			c->ip4.prefix_len = plen;
		*given4 = true;
	} else if (!conf_parse_addr6(s, &c->ip6.addr, &plen)) {
		if (IN6_IS_ADDR_UNSPECIFIED(&c->ip6.addr) ||
		    IN6_IS_ADDR_MULTICAST(&c->ip6.addr) ||
		    IN6_IS_ADDR_LOOPBACK(&c->ip6.addr) ||
		    IN6_IS_ADDR_LINKLOCAL(&c->ip6.addr))
			conf_bad("--address", s, "not a global unicast "
				 "address");
		if (plen > 0)
			c->ip6.prefix_len = plen;
		*given6 = true;
	} else {
		conf_bad("--address", s, "not an IPv4 or IPv6 address");
	}
}

/**
 * conf_set_gw() - -g: guest gateway, IPv4 or IPv6
 * @c:		Execution context
 * @s:		Option value
 * @given4:	Set if an IPv4 gateway was given
 * @given6:	Set if an IPv6 gateway was given
 */
static void conf_set_gw(struct ctx *c, const char *s, bool *given4,
			bool *given6)
{
	if (!conf_parse_addr4(s, &c->ip4.gw, NULL) &&
	    c->ip4.gw.s_addr != INADDR_ANY)
		*given4 = true;
	else if (!conf_parse_addr6(s, &c->ip6.gw, NULL) &&
		 !IN6_IS_ADDR_UNSPECIFIED(&c->ip6.gw))
		*given6 = true;
	else
		conf_bad("--gateway", s, "not an IPv4 or IPv6 address");
}

/**
 * conf_set_netmask() - -n: IPv4 netmask or prefix length
 * @c:		Execution context
 * @s:		Option value
 */
static void conf_set_netmask(struct ctx *c, const char *s)
{
	struct in_addr mask;
	unsigned long p;
	int plen;

	if (!util_parse_u32(s, 32, &p) && p > 0) {
		c->ip4.prefix_len = (int)p;
		return;
	}
	if (conf_parse_addr4(s, &mask, NULL) ||
	    (plen = util_mask4_to_prefix(mask)) <= 0)
		conf_bad("--netmask", s, "not a netmask or prefix length");
	c->ip4.prefix_len = plen;
}

/**
 * conf_dns_special() - --dns-forward, --dns-host: one address of either
 *			 version, stored by version
 * @s:		Option value
 * @opt:	Option name, for messages
 * @a4:		Set if @s is IPv4
 * @a6:		Set if @s is IPv6
 */
static void conf_dns_special(const char *s, const char *opt,
			     struct in_addr *a4, struct in6_addr *a6)
{
	struct in6_addr v6;
	struct in_addr v4;

	if (!conf_parse_addr4(s, &v4, NULL)) {
		if (v4.s_addr == INADDR_ANY || v4.s_addr == INADDR_BROADCAST ||
		    IN_MULTICAST(ntohl(v4.s_addr)))
			conf_bad(opt, s, "not a unicast address");
		*a4 = v4;
	} else if (!conf_parse_addr6(s, &v6, NULL)) {
		if (IN6_IS_ADDR_UNSPECIFIED(&v6) || IN6_IS_ADDR_MULTICAST(&v6))
			conf_bad(opt, s, "not a unicast address");
		*a6 = v6;
	} else {
		conf_bad(opt, s, "not an IPv4 or IPv6 address");
	}
}

/**
 * conf_dns_forwarding() - Complete DNS forwarding once addressing is known
 * @c:		Execution context
 * @dns_none:	--dns none: the guest is told no resolver
 *
 * The host resolver (dns_host) is --dns-host, else a loopback nameserver of
 * resolv.conf (conf_resolv_parse()), else the first resolver of that
 * version. A guest left without a resolver of one version, because the
 * host's is on loopback (or --dns-host names one), is told the
 * --dns-forward address, else the gateway: udp.c sends DNS queries to
 * either to the host resolver.
 */
static void conf_dns_forwarding(struct ctx *c, bool dns_none)
{
	if (c->ifi4) {
		if (!c->ip4.dns_host.s_addr && c->ip4.dns_count)
			c->ip4.dns_host = c->ip4.dns[0];
		if (!dns_none && !c->ip4.dns_count && c->ip4.dns_host.s_addr)
			c->ip4.dns[c->ip4.dns_count++] =
				c->ip4.dns_match.s_addr ? c->ip4.dns_match
							: c->ip4.gw;
		if (c->ip4.dns_count && !c->ip4.dns[0].s_addr)
			c->ip4.dns_count = 0;	/* no gateway either */
		if (c->ip4.dns_match.s_addr && !c->ip4.dns_host.s_addr)
			log_warn("--dns-forward: no IPv4 host resolver (give "
				 "one with --dns-host): IPv4 queries to the "
				 "forward address get no answer");
	}
	if (c->ifi6) {
		if (IN6_IS_ADDR_UNSPECIFIED(&c->ip6.dns_host) &&
		    c->ip6.dns_count)
			c->ip6.dns_host = c->ip6.dns[0];
		if (!dns_none && !c->ip6.dns_count &&
		    !IN6_IS_ADDR_UNSPECIFIED(&c->ip6.dns_host))
			c->ip6.dns[c->ip6.dns_count++] =
				!IN6_IS_ADDR_UNSPECIFIED(&c->ip6.dns_match) ?
				c->ip6.dns_match : c->ip6.gw;
		if (!IN6_IS_ADDR_UNSPECIFIED(&c->ip6.dns_match) &&
		    IN6_IS_ADDR_UNSPECIFIED(&c->ip6.dns_host))
			log_warn("--dns-forward: no IPv6 host resolver (give "
				 "one with --dns-host): IPv6 queries to the "
				 "forward address get no answer");
	}
}

/**
 * conf_map_addr() - --map-host-loopback, --map-guest-addr: ADDR or none
 * @c:		Execution context
 * @s:		Option value
 * @opt:	Option name, for messages
 * @a4:		Set if @s is IPv4
 * @a6:		Set if @s is IPv6
 *
 * One address per IP version; a later option of the same version wins.
 * "none" clears both versions; for --map-host-loopback it also stops the
 * default mapping of the gateway (as --no-map-gw).
 */
static void conf_map_addr(struct ctx *c, const char *s, const char *opt,
			  struct in_addr *a4, struct in6_addr *a6)
{
	struct in6_addr v6;
	struct in_addr v4;

	if (!strcmp(s, "none")) {
		a4->s_addr = INADDR_ANY;
		*a6 = in6addr_any;
		if (a4 == &c->ip4.map_host_loopback)
			c->no_map_gw = c->map_host_loopback_none = true;
		return;
	}
	if (!conf_parse_addr4(s, &v4, NULL)) {
		uint32_t h = ntohl(v4.s_addr);

		if (!h || h == INADDR_BROADCAST || IN_MULTICAST(h) ||
		    (h >> 24) == 127)
			conf_bad(opt, s, "not a unicast, non-loopback address");
		*a4 = v4;
	} else if (!conf_parse_addr6(s, &v6, NULL)) {
		if (IN6_IS_ADDR_UNSPECIFIED(&v6) ||
		    IN6_IS_ADDR_MULTICAST(&v6) || IN6_IS_ADDR_LOOPBACK(&v6))
			conf_bad(opt, s, "not a unicast, non-loopback address");
		*a6 = v6;
	} else {
		conf_bad(opt, s, "not an IPv4 or IPv6 address, or none");
	}
}

/**
 * conf_outbound_addr() - -o: source address of outbound sockets
 * @c:		Execution context
 * @s:		Option value, IPv4 or IPv6; one of each may be given
 */
static void conf_outbound_addr(struct ctx *c, const char *s)
{
	struct in6_addr v6;
	struct in_addr v4;

	if (!conf_parse_addr4(s, &v4, NULL)) {
		uint32_t h = ntohl(v4.s_addr);

		if (!h || h == INADDR_BROADCAST || IN_MULTICAST(h))
			conf_bad("--outbound", s, "not a unicast address");
		c->ip4.addr_out = v4;
	} else if (!conf_parse_addr6(s, &v6, NULL)) {
		if (IN6_IS_ADDR_UNSPECIFIED(&v6) || IN6_IS_ADDR_MULTICAST(&v6))
			conf_bad("--outbound", s, "not a unicast address");
		c->ip6.addr_out = v6;
	} else {
		conf_bad("--outbound", s, "not an IPv4 or IPv6 address");
	}
}

/**
 * conf_outbound_if() - --outbound-if4, --outbound-if6: an interface name
 * @s:		Option value
 * @opt:	Option name, for messages
 * @ifname:	Copied here, IF_NAMESIZE bytes
 */
static void conf_outbound_if(const char *s, const char *opt, char *ifname)
{
	if (!*s || strlen(s) >= IF_NAMESIZE || !if_nametoindex(s))
		conf_bad(opt, s, "no such interface");
	strcpy(ifname, s);
}

/**
 * conf_map_check() - The two mapped addresses must differ, and differ from
 *		      the guest's own address
 * @c:		Execution context, addressing complete
 */
static void conf_map_check(const struct ctx *c)
{
	char buf[INET6_ADDRSTRLEN];

	if (c->ip4.map_guest_addr.s_addr &&
	    c->ip4.map_guest_addr.s_addr == c->ip4.map_host_loopback.s_addr)
		conf_bad("--map-guest-addr", inet_ntop(AF_INET,
			 &c->ip4.map_guest_addr, buf, sizeof(buf)),
			 "also given to --map-host-loopback");
	if (!IN6_IS_ADDR_UNSPECIFIED(&c->ip6.map_guest_addr) &&
	    IN6_ARE_ADDR_EQUAL(&c->ip6.map_guest_addr,
			       &c->ip6.map_host_loopback))
		conf_bad("--map-guest-addr", inet_ntop(AF_INET6,
			 &c->ip6.map_guest_addr, buf, sizeof(buf)),
			 "also given to --map-host-loopback");
	if (c->ifi4 && c->ip4.addr.s_addr &&
	    (c->ip4.map_host_loopback.s_addr == c->ip4.addr.s_addr ||
	     c->ip4.map_guest_addr.s_addr == c->ip4.addr.s_addr))
		conf_bad("--map-host-loopback/--map-guest-addr",
			 inet_ntop(AF_INET, &c->ip4.addr, buf, sizeof(buf)),
			 "the guest's own address cannot be mapped");
	if (c->ifi6 && !IN6_IS_ADDR_UNSPECIFIED(&c->ip6.addr) &&
	    (IN6_ARE_ADDR_EQUAL(&c->ip6.map_host_loopback, &c->ip6.addr) ||
	     IN6_ARE_ADDR_EQUAL(&c->ip6.map_guest_addr, &c->ip6.addr)))
		conf_bad("--map-host-loopback/--map-guest-addr",
			 inet_ntop(AF_INET6, &c->ip6.addr, buf, sizeof(buf)),
			 "the guest's own address cannot be mapped");
}

/**
 * conf_ephemeral_ports() - The host's ephemeral port range
 * @first:	First port, output (0 if unknown)
 * @last:	Last port, output
 *
 * "all" forwards leave these ports alone: the host's own outgoing
 * connections, and ours toward peers, take their local ports from there.
 */
static void conf_ephemeral_ports(uint16_t *first, uint16_t *last)
{
	unsigned int a, b;
	FILE *f;

	*first = *last = 0;
	f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");
	if (!f)
		return;
	if (fscanf(f, "%u %u", &a, &b) == 2 && a && a <= b && b <= 65535) {
		*first = (uint16_t)a;
		*last = (uint16_t)b;
	}
	fclose(f);
}

/**
 * conf_fwd_add() - One -t, -u, -T or -U spec into a rule table
 * @c:		Execution context
 * @t:		fwd_main (-t, -u) or fwd_ns (-T, -U)
 * @proto:	FWD_TCP or FWD_UDP
 * @opt:	Long option name, for messages
 * @spec:	Option text: a spec, "none", or (pasta) "auto"
 * @eph_first:	First port of the host's ephemeral range (for "all")
 * @eph_last:	Last port of that range
 *
 * -T and -U take the same syntax as -t and -u, but the listening side is
 * always the namespace's loopback: an address or interface is refused.
 * "auto" is pasta's, and goes alone (fwd_table_add_auto()).
 */
static void conf_fwd_add(const struct ctx *c, struct fwd_table *t,
			 enum fwd_proto proto, const char *opt,
			 const char *spec, uint16_t eph_first,
			 uint16_t eph_last)
{
	char err[FWD_ERR_LEN];
	int i, n = t->count;

	if (!strcmp(spec, "auto")) {
		if (!c->pasta)
			conf_bad(opt, spec, "auto is pasta's");
		if (fwd_table_add_auto(t, proto, spec, err, sizeof(err)))
			conf_bad(opt, spec, err);
		return;
	}
	if (fwd_table_add(t, proto, spec, eph_first, eph_last, err,
			  sizeof(err)))
		conf_bad(opt, spec, err);
	for (i = n; t == &fwd_ns && i < t->count; i++) {
		if (t->rules[i].has_addr || *t->rules[i].ifname)
			conf_bad(opt, spec, "no address or interface: the "
				 "namespace's loopback is where it listens");
	}
}

/**
 * conf_fwd_list() - Every spec of one option into a rule table, or its
 *		     default
 * @c:		Execution context
 * @t:		fwd_main (-t, -u) or fwd_ns (-T, -U)
 * @proto:	FWD_TCP or FWD_UDP
 * @opt:	Long option name, for messages
 * @specs:	Option texts
 * @n:		Number of @specs
 * @eph_first:	First port of the host's ephemeral range (for "all")
 * @eph_last:	Last port of that range
 *
 * pasta's default, when the option is not given, is "auto" (podman
 * passes "none" for what it does not want); passt's is none.
 */
static void conf_fwd_list(const struct ctx *c, struct fwd_table *t,
			  enum fwd_proto proto, const char *opt,
			  const char *const *specs, int n,
			  uint16_t eph_first, uint16_t eph_last)
{
	static const char conf_auto[] = "auto";
	int i;

	if (proto == FWD_TCP ? c->no_tcp : c->no_udp)
		return;
	if (!n && c->pasta)
		conf_fwd_add(c, t, proto, opt, conf_auto, eph_first, eph_last);
	for (i = 0; i < n; i++)
		conf_fwd_add(c, t, proto, opt, specs[i], eph_first, eph_last);
}

/**
 * conf_fwd_rules() - Parse every -t and -u option into the rule table
 * @c:		Execution context
 *
 * Any bad spec, or a rule overlapping another, ends start-up (exit 1) with
 * a message naming the option and the reason. Listeners of "all" rules
 * may use up to 1/FWD_ALL_FD_SHARE of the (hard) open-file limit, which
 * passt.c raises the soft limit to.
 */
static void conf_fwd_rules(const struct ctx *c)
{
	uint16_t eph_first, eph_last;
	struct rlimit rl;

	conf_ephemeral_ports(&eph_first, &eph_last);
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_max != RLIM_INFINITY &&
	    rl.rlim_max / FWD_ALL_FD_SHARE < INT_MAX)
		fwd_main.all_fd_max = (int)(rl.rlim_max / FWD_ALL_FD_SHARE);
	conf_fwd_list(c, &fwd_main, FWD_TCP, "--tcp-ports", c->tcp_spec,
		      c->tcp_spec_count, eph_first, eph_last);
	conf_fwd_list(c, &fwd_main, FWD_UDP, "--udp-ports", c->udp_spec,
		      c->udp_spec_count, eph_first, eph_last);
	if (!c->pasta)
		return;
	fwd_ns.all_fd_max = fwd_main.all_fd_max;
	conf_fwd_list(c, &fwd_ns, FWD_TCP, "--tcp-ns", c->tcp_ns_spec,
		      c->tcp_ns_spec_count, eph_first, eph_last);
	conf_fwd_list(c, &fwd_ns, FWD_UDP, "--udp-ns", c->udp_ns_spec,
		      c->udp_ns_spec_count, eph_first, eph_last);
}

/**
 * struct conf_given - What the command line gave, for the checks after it
 * @addr4:	-a gave an IPv4 address
 * @addr6:	-a gave an IPv6 address
 * @gw4:	-g gave an IPv4 gateway
 * @gw6:	-g gave an IPv6 gateway
 * @v4_only:	-4
 * @v6_only:	-6
 * @dns_none:	--dns none: the guest is told no resolver
 * @search_none:	--search none
 */
struct conf_given {
	bool addr4;
	bool addr6;
	bool gw4;
	bool gw6;
	bool v4_only;
	bool v6_only;
	bool dns_none;
	bool search_none;
};

/**
 * conf_opt_process() - Socket, process and logging options
 * @c:		Execution context
 * @opt:	Option, as getopt_long() returned it
 * @arg:	Its argument, if any
 * @prog:	Program name, for --help
 *
 * Return: true if @opt was one of them
 */
static bool conf_opt_process(struct ctx *c, int opt, const char *arg,
			     const char *prog)
{
	unsigned long v;

	switch (opt) {
	case 's':
		if (strlen(arg) >= sizeof(c->sock_path) || !*arg)
			conf_bad("--socket", arg, "path too long "
				 "for a unix socket");
		strcpy(c->sock_path, arg);
		return true;
	case 'F':
		if (util_parse_u32(arg, INT_MAX, &v) || v < 3)
			conf_bad("--fd", arg, "not a descriptor "
				 "number above 2");
		if (fcntl((int)v, F_GETFD) < 0)
			conf_bad("--fd", arg, "descriptor not open");
		c->fd_from_cmdline = (int)v;
		return true;
	case '1':
		c->one_off = true;
		return true;
	case CONF_OPT_VHOST_USER:
		c->vhost_user = true;
		return true;
	case CONF_OPT_PRINT_CAPS:
		vu_print_capabilities();
		exit(EXIT_SUCCESS);
	case 'f':
		c->foreground = true;
		return true;
	case 'd':
		c->debug = true;
		return true;
	case 'q':
		c->quiet = true;
		return true;
	case CONF_OPT_TRACE:
		c->trace = c->debug = true;
		return true;
	case 'l':
		if (strlen(arg) >= sizeof(c->log_file) || !*arg)
			conf_bad("--log-file", arg, "bad path");
		strcpy(c->log_file, arg);
		return true;
	case CONF_OPT_LOG_SIZE:
		if (util_parse_u32(arg, UINT32_MAX, &v) ||
		    v < LOG_FILE_SIZE_MIN)
			conf_bad("--log-size", arg, "not a size in "
				 "bytes of at least 65536");
		c->log_size = v;
		return true;
	case 'p':
		if (strlen(arg) >= sizeof(c->pcap_file) || !*arg)
			conf_bad("--pcap", arg, "bad path");
		strcpy(c->pcap_file, arg);
		return true;
	case 'P':
		if (strlen(arg) >= sizeof(c->pid_file) || !*arg)
			conf_bad("--pid", arg, "bad path");
		strcpy(c->pid_file, arg);
		return true;
	case CONF_OPT_RUNAS:
		conf_runas(c, arg);
		return true;
	case 'h':
		conf_usage(prog, c->pasta, EXIT_SUCCESS);
		return true;
	case CONF_OPT_VERSION:
		printf("%s %s\n", c->pasta ? "pasta" : "passt", PASST_VERSION);
		exit(EXIT_SUCCESS);
	default:
		return false;
	}
}

/**
 * conf_opt_addr() - Addressing options: what the guest gets
 * @c:		Execution context
 * @opt:	Option, as getopt_long() returned it
 * @arg:	Its argument, if any
 * @g:		What the command line gave, updated
 *
 * Return: true if @opt was one of them
 */
static bool conf_opt_addr(struct ctx *c, int opt, const char *arg,
			  struct conf_given *g)
{
	unsigned long v;
	int ret;

	switch (opt) {
	case '4':
		g->v4_only = true;
		return true;
	case '6':
		g->v6_only = true;
		return true;
	case 'a':
		conf_set_addr(c, arg, &g->addr4, &g->addr6);
		return true;
	case 'n':
		conf_set_netmask(c, arg);
		return true;
	case 'g':
		conf_set_gw(c, arg, &g->gw4, &g->gw6);
		return true;
	case 'M':
		if (util_mac_pton(arg, c->our_mac) ||
		    (c->our_mac[0] & 1) || util_mac_is_zero(c->our_mac))
			conf_bad("--mac-addr", arg, "not a unicast "
				 "MAC address");
		return true;
	case 'm':
		ret = util_parse_u32(arg, MTU_MAX, &v);
		if (ret == -EINVAL)
			conf_bad("--mtu", arg, "not a number");
		if (!ret && !v) {	/* upstream's "no assignment" */
			c->mtu = MTU_DEFAULT;
			c->mtu_hidden = true;
			return true;
		}
		if (ret || v < MTU_MIN)
			conf_bad("--mtu", arg, "MTU out of range "
				 "576..65520");
		c->mtu = (int)v;
		c->mtu_hidden = false;
		return true;
	case 'D':
		if (!strcmp(arg, "none")) {
			g->dns_none = true;
			return true;
		}
		if (conf_dns_add(c, arg))
			conf_bad("--dns", arg, "not an address, or "
				 "more than 3 per IP version");
		return true;
	case 'S':
		if (!strcmp(arg, "none")) {
			g->search_none = true;
			return true;
		}
		conf_search_list(c, arg);
		return true;
	case 'i':
		if (strlen(arg) >= IF_NAMESIZE ||
		    !(c->ifindex = if_nametoindex(arg)))
			conf_bad("--interface", arg, "no such "
				 "interface");
		strcpy(c->ifname, arg);
		return true;
	case CONF_OPT_HOSTNAME:
		if (strlen(arg) >= sizeof(c->hostname) || !*arg)
			conf_bad("--hostname", arg, "too long");
		strcpy(c->hostname, arg);
		return true;
	case CONF_OPT_FQDN:
		if (strlen(arg) >= sizeof(c->fqdn) || !*arg)
			conf_bad("--fqdn", arg, "too long");
		strcpy(c->fqdn, arg);
		return true;
	default:
		return false;
	}
}

/**
 * conf_opt_services() - Which services and protocols run
 * @c:		Execution context
 * @opt:	Option, as getopt_long() returned it
 *
 * Return: true if @opt was one of them
 */
static bool conf_opt_services(struct ctx *c, int opt)
{
	switch (opt) {
	case CONF_OPT_NO_DHCP:
		c->no_dhcp = true;
		return true;
	case CONF_OPT_NO_DHCP_DNS:
		c->no_dhcp_dns = true;
		return true;
	case CONF_OPT_NO_DHCP_SEARCH:
		c->no_dhcp_search = true;
		return true;
	case CONF_OPT_NO_DHCPV6:
		c->no_dhcpv6 = true;
		return true;
	case CONF_OPT_NO_NDP:
		c->no_ndp = true;
		return true;
	case CONF_OPT_NO_RA:
		c->no_ra = true;
		return true;
	case CONF_OPT_NO_ICMP:
		c->no_icmp = true;
		return true;
	case CONF_OPT_NO_TCP:
		c->no_tcp = true;
		return true;
	case CONF_OPT_NO_UDP:
		c->no_udp = true;
		return true;
	default:
		return false;
	}
}

/**
 * conf_opt_fwd() - Forwarding and address mapping options
 * @c:		Execution context
 * @opt:	Option, as getopt_long() returned it
 * @arg:	Its argument, if any
 *
 * Return: true if @opt was one of them
 */
static bool conf_opt_fwd(struct ctx *c, int opt, const char *arg)
{
	switch (opt) {
	case CONF_OPT_NO_MAP_GW:
		c->no_map_gw = true;
		return true;
	case 't':
		if (c->tcp_spec_count == CONF_FWD_SPEC_MAX)
			conf_bad("--tcp-ports", arg, "too many -t");
		c->tcp_spec[c->tcp_spec_count++] = arg;
		return true;
	case 'u':
		if (c->udp_spec_count == CONF_FWD_SPEC_MAX)
			conf_bad("--udp-ports", arg, "too many -u");
		c->udp_spec[c->udp_spec_count++] = arg;
		return true;
	case CONF_OPT_DNS_FORWARD:
		conf_dns_special(arg, "--dns-forward",
				 &c->ip4.dns_match, &c->ip6.dns_match);
		return true;
	case CONF_OPT_DNS_HOST:
		conf_dns_special(arg, "--dns-host",
				 &c->ip4.dns_host, &c->ip6.dns_host);
		return true;
	case CONF_OPT_MAP_HOST_LOOPBACK:
		conf_map_addr(c, arg, "--map-host-loopback",
			      &c->ip4.map_host_loopback,
			      &c->ip6.map_host_loopback);
		return true;
	case CONF_OPT_MAP_GUEST_ADDR:
		conf_map_addr(c, arg, "--map-guest-addr",
			      &c->ip4.map_guest_addr,
			      &c->ip6.map_guest_addr);
		return true;
	case 'o':
		conf_outbound_addr(c, arg);
		return true;
	case CONF_OPT_OUTBOUND_IF4:
		conf_outbound_if(arg, "--outbound-if4", c->ip4.ifname_out);
		return true;
	case CONF_OPT_OUTBOUND_IF6:
		conf_outbound_if(arg, "--outbound-if6", c->ip6.ifname_out);
		return true;
	case CONF_OPT_FREEBIND:
		c->freebind = true;
		return true;
	default:
		return false;
	}
}

/**
 * conf_opt_timers() - Timeouts and statistics options
 * @c:		Execution context
 * @opt:	Option, as getopt_long() returned it
 * @arg:	Its argument, if any
 *
 * Return: true if @opt was one of them
 */
static bool conf_opt_timers(struct ctx *c, int opt, const char *arg)
{
	switch (opt) {
	case CONF_OPT_UDP_TIMEOUT:
		c->udp_timeout_s = conf_seconds("--udp-timeout",
						arg, 120);
		return true;
	case CONF_OPT_TCP_KEEPALIVE:
		c->tcp_keepalive_interval_s =
			conf_seconds("--tcp-keepalive-interval",
				     arg, 0);
		return true;
	case CONF_OPT_INACTIVITY:
		c->inactivity_timeout_s =
			conf_seconds("--inactivity-timeout", arg,
				     7440);
		return true;
	case CONF_OPT_TCP_CLOSING:
		c->tcp_closing_timeout_s =
			conf_seconds("--tcp-closing-timeout", arg,
				     240);
		return true;
	case CONF_OPT_STATS:
		c->stats_interval_s = conf_seconds("--stats", arg,
						   0);
		return true;
	default:
		return false;
	}
}

/**
 * conf_path_opt() - Copy a path option's value
 * @opt:	Option name, for the message
 * @arg:	Value
 * @dst:	Destination, PATH_MAX bytes
 */
static void conf_path_opt(const char *opt, const char *arg, char *dst)
{
	if (!*arg || strlen(arg) >= PATH_MAX)
		conf_bad(opt, arg, "empty or too long");
	strcpy(dst, arg);
}

/**
 * conf_opt_pasta() - pasta mode's own options (refused in passt mode by
 *		      getopt_long() itself: they are not in its table)
 * @c:		Execution context
 * @opt:	Option, as getopt_long() returned it
 * @arg:	Its argument, if any
 *
 * Return: true if @opt was one of them
 */
static bool conf_opt_pasta(struct ctx *c, int opt, const char *arg)
{
	switch (opt) {
	case 'I':
		if (!*arg || strlen(arg) >= IF_NAMESIZE)
			conf_bad("--ns-ifname", arg, "not an interface name");
		strcpy(c->pasta_ifname, arg);
		return true;
	case CONF_OPT_CONFIG_NET:
		c->pasta_config_net = true;
		return true;
	case CONF_OPT_NO_NETNS_QUIT:
		c->pasta_no_netns_quit = true;
		return true;
	case CONF_OPT_NETNS:
		conf_path_opt("--netns", arg, c->pasta_netns);
		return true;
	case CONF_OPT_USERNS:
		conf_path_opt("--userns", arg, c->pasta_userns);
		return true;
	case CONF_OPT_NETNS_ONLY:
		c->pasta_netns_only = true;
		return true;
	case CONF_OPT_NO_SPLICE:
		c->no_splice = true;
		return true;
	case 'T':
		if (c->tcp_ns_spec_count == CONF_FWD_SPEC_MAX)
			conf_bad("--tcp-ns", arg, "too many -T");
		c->tcp_ns_spec[c->tcp_ns_spec_count++] = arg;
		return true;
	case 'U':
		if (c->udp_ns_spec_count == CONF_FWD_SPEC_MAX)
			conf_bad("--udp-ns", arg, "too many -U");
		c->udp_ns_spec[c->udp_ns_spec_count++] = arg;
		return true;
	default:
		return false;
	}
}

/**
 * conf_pasta_args() - pasta's arguments after the options: PID or command
 * @c:		Execution context
 * @argc:	Argument count
 * @argv:	Arguments, the first non-option one at optind
 *
 * One argument of digits only is a PID to join (as upstream's syntax);
 * anything else is a command to spawn. Options that make no sense for a
 * tap device in a namespace are refused here.
 */
static void conf_pasta_args(struct ctx *c, int argc, char **argv)
{
	if (*c->sock_path || c->fd_from_cmdline >= 0 || c->one_off ||
	    c->vhost_user) {
		fprintf(stderr, "%s: --socket, --fd, --one-off and "
			"--vhost-user are passt's, not pasta's\n", argv[0]);
		exit(EXIT_FAILURE);
	}
	if (optind < argc) {
		bool digits = strspn(argv[optind], "0123456789") ==
			      strlen(argv[optind]);

		if (*c->pasta_netns) {
			fprintf(stderr, "%s: --netns and a %s '%s' exclude "
				"each other\n", argv[0],
				digits ? "PID" : "command", argv[optind]);
			exit(EXIT_FAILURE);
		}
		if (digits && optind + 1 == argc)
			conf_path_opt("PID", argv[optind], c->pasta_netns);
		else
			c->pasta_cmd = &argv[optind];
	}
	if (!*c->pasta_netns && (c->pasta_netns_only || *c->pasta_userns)) {
		fprintf(stderr, "%s: --userns and --netns-only need a "
			"namespace to join (PID or --netns)\n", argv[0]);
		exit(EXIT_FAILURE);
	}
	if (!*c->pasta_netns)
		c->foreground = true;	/* the command's parent: pasta.c */
	/* Addresses and routes are set: router advertisements would add a
	 * SLAAC address and a second default route beside them
	 */
	if (c->pasta_config_net)
		c->no_ra = true;
}

/**
 * conf_options() - Parse the command line
 * @c:		Execution context, defaults already set
 * @argc:	Argument count
 * @argv:	Arguments
 * @g:		What the command line gave, output
 *
 * Each option goes to the handler of its group; what is left is an error
 * that getopt_long() has already described.
 */
static void conf_options(struct ctx *c, int argc, char **argv,
			 struct conf_given *g)
{
	int opt;

	const struct option *longopts = conf_longopts + CONF_PASTA_OPTS_N;
	const char *shortopts = conf_short;

	memset(g, 0, sizeof(*g));
	if (c->pasta) {
		longopts = conf_longopts;
		shortopts = conf_short_pasta;
	}
	while ((opt = getopt_long(argc, argv, shortopts, longopts,
				  NULL)) != -1) {
		if (conf_opt_process(c, opt, optarg, argv[0]) ||
		    conf_opt_addr(c, opt, optarg, g) ||
		    conf_opt_services(c, opt) ||
		    conf_opt_fwd(c, opt, optarg) ||
		    conf_opt_timers(c, opt, optarg) ||
		    (c->pasta && conf_opt_pasta(c, opt, optarg)))
			continue;
		fprintf(stderr, "Try '%s --help' for more information.\n",
			argv[0]);
		exit(EXIT_FAILURE);
	}
	if (c->pasta) {
		conf_pasta_args(c, argc, argv);
	} else if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", argv[0],
			argv[optind]);
		exit(EXIT_FAILURE);
	}
	if (g->v4_only && g->v6_only) {
		fprintf(stderr, "Options -4 and -6 are mutually exclusive\n");
		exit(EXIT_FAILURE);
	}
	if (c->fd_from_cmdline >= 0 && *c->sock_path) {
		fprintf(stderr, "Options --fd and --socket are mutually "
			"exclusive\n");
		exit(EXIT_FAILURE);
	}
	if (c->debug && !*c->log_file)
		c->foreground = true;
	c->ifi4 = !g->v6_only;
	c->ifi6 = !g->v4_only;
	if (g->dns_none) {
		c->ip4.dns_count = c->ip6.dns_count = 0;
		c->no_dhcp_dns = true;
	}
	if (g->search_none) {
		c->search_count = 0;
		c->no_dhcp_search = true;
	}
}

/**
 * conf_is_pasta() - Were we invoked as pasta?
 * @argv0:	argv[0]
 *
 * Context: pure.
 * Return: true if its base name is "pasta"
 */
static bool conf_is_pasta(const char *argv0)
{
	const char *base = argv0 ? strrchr(argv0, '/') : NULL;

	base = base ? base + 1 : argv0;
	return base && !strcmp(base, "pasta");
}

/**
 * conf() - Build the configuration: options, then host detection
 * @c:		Execution context, filled
 * @argc:	Argument count
 * @argv:	Arguments
 */
void conf(struct ctx *c, int argc, char **argv)
{
	char host[CONF_HOSTNAME_LEN];
	struct conf_given g;
	int ret, mtu;

	conf_defaults(c);
	c->pasta = conf_is_pasta(argv[0]);
	conf_options(c, argc, argv, &g);
	c->ip4_given = g.addr4 || g.gw4;
	c->ip6_given = g.addr6 || g.gw6;

	log_set_level(c->quiet ? LOG_ERR :
		      c->trace ? LOG_TRACE : c->debug ? LOG_DEBUG : LOG_INFO);

	util_ll_from_mac(c->our_mac, &c->ip6.our_ll);

	ret = netlink_init();
	if (ret)
		die("Netlink socket: %s", strerror(-ret));
	if (c->ifi4)
		conf_ip4_detect(c, g.addr4, g.gw4);
	if (c->ifi6)
		conf_ip6_detect(c, g.addr6, g.gw6);
	if (c->ifindex && (mtu = netlink_get_mtu(c->ifindex)) > 0)
		log_debug("Template interface MTU: %d", mtu);
	netlink_close();

	if (!c->ip4.dns_count && !c->ip6.dns_count && !c->search_count)
		conf_resolv_read(c);
	else if (!c->ip4.dns_count && !c->ip6.dns_count)
		conf_resolv_read(c);
	else if (!c->search_count)
		conf_resolv_read(c);
	if (!*c->hostname && !gethostname(host, sizeof(host))) {
		host[sizeof(host) - 1] = '\0';
		strcpy(c->hostname, host);
	}
	conf_check_addrs(c);
	if (c->pasta && !*c->pasta_ifname)
		memcpy(c->pasta_ifname, c->ifname, IF_NAMESIZE);
	conf_dns_forwarding(c, g.dns_none);
	conf_map_check(c);
	conf_fwd_rules(c);
}

/**
 * conf_print_map() - Print the addresses mapped to the host, and outbound
 *		      bindings
 * @c:		Execution context
 */
static void conf_print_map(const struct ctx *c)
{
	char buf[INET6_ADDRSTRLEN];

	if (c->ifi4 && c->ip4.map_host_loopback.s_addr)
		log_info("IPv4 host loopback reached at %s", inet_ntop(AF_INET,
			 &c->ip4.map_host_loopback, buf, sizeof(buf)));
	if (c->ifi4 && c->ip4.map_guest_addr.s_addr)
		log_info("IPv4 host address reached at %s", inet_ntop(AF_INET,
			 &c->ip4.map_guest_addr, buf, sizeof(buf)));
	if (c->ifi6 && !IN6_IS_ADDR_UNSPECIFIED(&c->ip6.map_host_loopback))
		log_info("IPv6 host loopback reached at %s",
			 inet_ntop(AF_INET6, &c->ip6.map_host_loopback, buf,
				   sizeof(buf)));
	if (c->ifi6 && !IN6_IS_ADDR_UNSPECIFIED(&c->ip6.map_guest_addr))
		log_info("IPv6 host address reached at %s",
			 inet_ntop(AF_INET6, &c->ip6.map_guest_addr, buf,
				   sizeof(buf)));
	if (c->ifi4 && (c->ip4.addr_out.s_addr || *c->ip4.ifname_out))
		log_info("IPv4 outbound: source %s, interface %s",
			 inet_ntop(AF_INET, &c->ip4.addr_out, buf, sizeof(buf)),
			 *c->ip4.ifname_out ? c->ip4.ifname_out : "any");
	if (c->ifi6 && (!IN6_IS_ADDR_UNSPECIFIED(&c->ip6.addr_out) ||
			*c->ip6.ifname_out))
		log_info("IPv6 outbound: source %s, interface %s",
			 inet_ntop(AF_INET6, &c->ip6.addr_out, buf, sizeof(buf)),
			 *c->ip6.ifname_out ? c->ip6.ifname_out : "any");
}

/**
 * conf_print() - Print the configuration the guest will see
 * @c:		Execution context
 */
void conf_print(const struct ctx *c)
{
	char buf[ADDR_STR_LEN], buf2[ADDR_STR_LEN], mac[MAC_STR_LEN];
	int i;

	if (*c->ifname)
		log_info("Template interface: %s (index %u)", c->ifname,
			 c->ifindex);
	else
		log_info("Template interface: none");
	log_info("MAC: %s, MTU: %d",
		 util_mac_ntop(c->our_mac, mac, sizeof(mac)), c->mtu);
	if (c->ifi4) {
		log_info("IPv4: address %s/%d, gateway %s",
			 inet_ntop(AF_INET, &c->ip4.addr, buf, sizeof(buf)),
			 c->ip4.prefix_len,
			 inet_ntop(AF_INET, &c->ip4.gw, buf2, sizeof(buf2)));
		for (i = 0; i < c->ip4.dns_count; i++)
			log_info("IPv4 DNS: %s", inet_ntop(AF_INET,
				 &c->ip4.dns[i], buf, sizeof(buf)));
		if (c->ip4.dns_match.s_addr && c->ip4.dns_host.s_addr)
			log_info("IPv4 DNS forwarding: %s -> %s",
				 inet_ntop(AF_INET, &c->ip4.dns_match, buf,
					   sizeof(buf)),
				 inet_ntop(AF_INET, &c->ip4.dns_host, buf2,
					   sizeof(buf2)));
	} else {
		log_info("IPv4: disabled");
	}
	if (c->ifi6) {
		log_info("IPv6: address %s/%d, gateway %s",
			 inet_ntop(AF_INET6, &c->ip6.addr, buf, sizeof(buf)),
			 c->ip6.prefix_len,
			 inet_ntop(AF_INET6, &c->ip6.gw, buf2, sizeof(buf2)));
		log_info("IPv6 router link-local: %s",
			 inet_ntop(AF_INET6, &c->ip6.our_ll, buf, sizeof(buf)));
		for (i = 0; i < c->ip6.dns_count; i++)
			log_info("IPv6 DNS: %s", inet_ntop(AF_INET6,
				 &c->ip6.dns[i], buf, sizeof(buf)));
		if (!IN6_IS_ADDR_UNSPECIFIED(&c->ip6.dns_match) &&
		    !IN6_IS_ADDR_UNSPECIFIED(&c->ip6.dns_host))
			log_info("IPv6 DNS forwarding: %s -> %s",
				 inet_ntop(AF_INET6, &c->ip6.dns_match, buf,
					   sizeof(buf)),
				 inet_ntop(AF_INET6, &c->ip6.dns_host, buf2,
					   sizeof(buf2)));
	} else {
		log_info("IPv6: disabled");
	}
	for (i = 0; i < c->search_count; i++)
		log_info("DNS search: %s", c->search[i]);
	conf_print_map(c);
	fwd_table_print(&fwd_main, "Forwarding rules", "host => guest");
	if (c->pasta)
		fwd_table_print(&fwd_ns, "Loopback forwarding rules, -T and -U",
				"namespace => host");
}
