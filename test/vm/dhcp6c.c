// SPDX-License-Identifier: GPL-2.0-or-later
/* test/vm/dhcp6c.c - Minimal DHCPv6 client for the VM test guest
 *
 * Busybox in Debian has no udhcpc6, so the guest image carries this: built
 * statically by test/vm/build.sh, run by test/vm/init as "dhcp6c IFACE".
 *
 * One stateful exchange, RFC 8415: Solicit (with Rapid Commit, §18.2.1) and
 * either a Reply straight away or Advertise, then Request (§18.2.2) and Reply.
 * Prints "ADDRESS DNS[,DNS...] [DOMAIN...]" ("-" for an empty list) on
 * stdout and exits 0 if the Reply assigned an address; otherwise prints the
 * reason on stderr and exits 1. It configures nothing: /init adds the
 * address.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DHCP6C_CLIENT_PORT	546
#define DHCP6C_SERVER_PORT	547
#define DHCP6C_TRIES		6
#define DHCP6C_WAIT_MS		1500
#define DHCP6C_MSG_BYTES	1500
#define DHCP6C_IAID		1

/* Message types, RFC 8415 §7.3 */
#define DHCP6C_SOLICIT		1
#define DHCP6C_ADVERTISE	2
#define DHCP6C_REQUEST		3
#define DHCP6C_REPLY		7

/* Options, RFC 8415 §21 and RFC 3646 */
#define DHCP6C_OPT_CLIENTID	1
#define DHCP6C_OPT_SERVERID	2
#define DHCP6C_OPT_IA_NA	3
#define DHCP6C_OPT_IAADDR	5
#define DHCP6C_OPT_ORO		6
#define DHCP6C_OPT_ELAPSED	8
#define DHCP6C_OPT_STATUS	13
#define DHCP6C_OPT_RAPID_COMMIT	14
#define DHCP6C_OPT_DNS		23
#define DHCP6C_OPT_DOMAINS	24

/**
 * struct dhcp6c_msg - A message being built or parsed
 * @buf:	Message bytes
 * @len:	Bytes used in @buf
 */
struct dhcp6c_msg {
	uint8_t buf[DHCP6C_MSG_BYTES];
	size_t len;
};

/**
 * struct dhcp6c_lease - What a Reply gave us
 * @addr:	Assigned address, valid if @have_addr
 * @have_addr:	An IA Address option with a non-zero valid lifetime was seen
 * @dns:	DNS servers, text, comma separated
 * @domains:	Domain search list, text, space separated
 * @status:	Status code of the message or the IA_NA, 0 if none
 */
struct dhcp6c_lease {
	struct in6_addr addr;
	int have_addr;
	char dns[256];
	char domains[256];
	unsigned int status;
};

/**
 * dhcp6c_get16() - Read a big-endian 16-bit value
 * @p:		Pointer to the first byte
 *
 * Return: the value
 */
static unsigned int dhcp6c_get16(const uint8_t *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

/**
 * dhcp6c_get32() - Read a big-endian 32-bit value
 * @p:		Pointer to the first byte
 *
 * Return: the value
 */
static uint32_t dhcp6c_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/**
 * dhcp6c_opt() - Append an option to a message
 * @m:		Message
 * @code:	Option code
 * @data:	Option data, may be NULL if @len is 0
 * @len:	Length of @data
 */
static void dhcp6c_opt(struct dhcp6c_msg *m, unsigned int code,
		       const void *data, size_t len)
{
	if (m->len + 4 + len > sizeof(m->buf))
		return;
	m->buf[m->len++] = code >> 8;
	m->buf[m->len++] = code & 0xff;
	m->buf[m->len++] = len >> 8;
	m->buf[m->len++] = len & 0xff;
	if (len)
		memcpy(m->buf + m->len, data, len);
	m->len += len;
}

/**
 * dhcp6c_find() - Find an option in a list of options
 * @p:		Start of the options
 * @len:	Length of the options
 * @code:	Option code to find
 * @olen:	Set to the option's data length
 *
 * Return: pointer to the option's data, NULL if absent or truncated
 */
static const uint8_t *dhcp6c_find(const uint8_t *p, size_t len,
				  unsigned int code, size_t *olen)
{
	while (len >= 4) {
		unsigned int c = dhcp6c_get16(p);
		size_t l = dhcp6c_get16(p + 2);

		if (l > len - 4)
			return NULL;
		if (c == code) {
			*olen = l;
			return p + 4;
		}
		p += 4 + l;
		len -= 4 + l;
	}
	return NULL;
}

/**
 * dhcp6c_build() - Build a Solicit or Request
 * @m:		Message to fill
 * @type:	DHCP6C_SOLICIT or DHCP6C_REQUEST
 * @xid:	Transaction ID (24 bits)
 * @duid:	Client DUID
 * @duid_len:	Length of @duid
 * @adv:	Advertise to answer (Request only: Server ID and IA_NA copied)
 * @adv_len:	Length of @adv's options
 * @elapsed_cs:	Elapsed time since the first message, hundredths of seconds
 */
static void dhcp6c_build(struct dhcp6c_msg *m, int type, uint32_t xid,
			 const uint8_t *duid, size_t duid_len,
			 const uint8_t *adv, size_t adv_len,
			 unsigned int elapsed_cs)
{
	uint8_t oro[] = { 0, DHCP6C_OPT_DNS, 0, DHCP6C_OPT_DOMAINS };
	uint8_t el[2] = { elapsed_cs > 0xffff ? 0xff : elapsed_cs >> 8,
			  elapsed_cs > 0xffff ? 0xff : elapsed_cs & 0xff };
	uint8_t ia[12] = { 0, 0, 0, DHCP6C_IAID };	/* T1 = T2 = 0 */
	const uint8_t *o;
	size_t olen;

	m->buf[0] = type;
	m->buf[1] = xid >> 16;
	m->buf[2] = xid >> 8;
	m->buf[3] = xid;
	m->len = 4;
	dhcp6c_opt(m, DHCP6C_OPT_CLIENTID, duid, duid_len);
	dhcp6c_opt(m, DHCP6C_OPT_ELAPSED, el, sizeof(el));
	dhcp6c_opt(m, DHCP6C_OPT_ORO, oro, sizeof(oro));
	if (type == DHCP6C_SOLICIT) {
		dhcp6c_opt(m, DHCP6C_OPT_IA_NA, ia, sizeof(ia));
		dhcp6c_opt(m, DHCP6C_OPT_RAPID_COMMIT, NULL, 0);
		return;
	}
	o = dhcp6c_find(adv, adv_len, DHCP6C_OPT_SERVERID, &olen);
	if (o)
		dhcp6c_opt(m, DHCP6C_OPT_SERVERID, o, olen);
	o = dhcp6c_find(adv, adv_len, DHCP6C_OPT_IA_NA, &olen);
	if (o)
		dhcp6c_opt(m, DHCP6C_OPT_IA_NA, o, olen);
	else
		dhcp6c_opt(m, DHCP6C_OPT_IA_NA, ia, sizeof(ia));
}

/**
 * dhcp6c_name() - Append one DNS wire-format name as text (RFC 1035 §3.1)
 * @p:		Start of the name
 * @len:	Bytes left in the option
 * @out:	Text buffer to append to
 * @size:	Size of @out
 *
 * Return: bytes of the name consumed, 0 if malformed
 */
static size_t dhcp6c_name(const uint8_t *p, size_t len, char *out,
			  size_t size)
{
	size_t i = 0, o = strlen(out);

	if (o && o + 1 < size)
		out[o++] = ' ';
	while (i < len && p[i]) {
		size_t l = p[i++];

		if (l > 63 || l > len - i)
			return 0;
		if (o + l + 2 >= size)
			return 0;
		memcpy(out + o, p + i, l);
		o += l;
		out[o++] = '.';
		i += l;
	}
	if (i >= len)
		return 0;
	if (o && out[o - 1] == '.')
		o--;
	out[o] = '\0';
	return i + 1;
}

/**
 * dhcp6c_parse() - Read the lease out of a Reply
 * @opts:	Options of the Reply
 * @len:	Length of @opts
 * @lease:	Lease to fill
 */
static void dhcp6c_parse(const uint8_t *opts, size_t len,
			 struct dhcp6c_lease *lease)
{
	const uint8_t *o;
	size_t olen, i, n;

	memset(lease, 0, sizeof(*lease));
	o = dhcp6c_find(opts, len, DHCP6C_OPT_STATUS, &olen);
	if (o && olen >= 2)
		lease->status = dhcp6c_get16(o);

	o = dhcp6c_find(opts, len, DHCP6C_OPT_IA_NA, &olen);
	if (o && olen >= 12) {
		const uint8_t *a;
		size_t alen;

		a = dhcp6c_find(o + 12, olen - 12, DHCP6C_OPT_STATUS, &alen);
		if (a && alen >= 2 && !lease->status)
			lease->status = dhcp6c_get16(a);
		a = dhcp6c_find(o + 12, olen - 12, DHCP6C_OPT_IAADDR, &alen);
		if (a && alen >= 24 && dhcp6c_get32(a + 20)) {
			memcpy(&lease->addr, a, 16);
			lease->have_addr = 1;
		}
	}

	o = dhcp6c_find(opts, len, DHCP6C_OPT_DNS, &olen);
	for (i = 0; o && i + 16 <= olen; i += 16) {
		char t[INET6_ADDRSTRLEN];
		size_t l = strlen(lease->dns);

		inet_ntop(AF_INET6, o + i, t, sizeof(t));
		snprintf(lease->dns + l, sizeof(lease->dns) - l, "%s%s",
			 l ? "," : "", t);
	}

	o = dhcp6c_find(opts, len, DHCP6C_OPT_DOMAINS, &olen);
	for (i = 0; o && i < olen; i += n) {
		n = dhcp6c_name(o + i, olen - i, lease->domains,
				sizeof(lease->domains));
		if (!n)
			break;
	}
}

/**
 * dhcp6c_now_ms() - Monotonic time in milliseconds
 *
 * Return: milliseconds since an arbitrary point
 */
static long long dhcp6c_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/**
 * dhcp6c_exchange() - Send a message until a matching answer arrives
 * @s:		Socket
 * @dst:	Destination (All_DHCP_Relay_Agents_and_Servers on the link)
 * @m:		Message to send (rebuilt with the elapsed time per try)
 * @type:	Type of @m
 * @xid:	Transaction ID
 * @duid:	Client DUID
 * @duid_len:	Length of @duid
 * @adv:	Advertise options for a Request, or NULL
 * @adv_len:	Length of @adv
 * @ans:	Answer received (Advertise or Reply with our transaction ID)
 *
 * Return: the answer's type, or -1 on timeout
 */
static int dhcp6c_exchange(int s, const struct sockaddr_in6 *dst,
			   struct dhcp6c_msg *m, int type, uint32_t xid,
			   const uint8_t *duid, size_t duid_len,
			   const uint8_t *adv, size_t adv_len,
			   struct dhcp6c_msg *ans)
{
	long long start_ms = dhcp6c_now_ms();
	int try;

	for (try = 0; try < DHCP6C_TRIES; try++) {
		long long sent_ms = dhcp6c_now_ms(), left_ms;

		dhcp6c_build(m, type, xid, duid, duid_len, adv, adv_len,
			     (unsigned int)((sent_ms - start_ms) / 10));
		if (sendto(s, m->buf, m->len, 0, (const struct sockaddr *)dst,
			   sizeof(*dst)) < 0)
			fprintf(stderr, "sendto: %s\n", strerror(errno));

		while ((left_ms = sent_ms + DHCP6C_WAIT_MS -
				  dhcp6c_now_ms()) > 0) {
			struct pollfd pfd = { .fd = s, .events = POLLIN };
			ssize_t n;

			if (poll(&pfd, 1, (int)left_ms) <= 0)
				continue;
			n = recv(s, ans->buf, sizeof(ans->buf), 0);
			if (n < 4)
				continue;
			ans->len = (size_t)n;
			if ((dhcp6c_get32(ans->buf) & 0xffffff) != xid)
				continue;
			if (ans->buf[0] == DHCP6C_REPLY ||
			    (type == DHCP6C_SOLICIT &&
			     ans->buf[0] == DHCP6C_ADVERTISE))
				return ans->buf[0];
		}
	}
	return -1;
}

/**
 * main() - Get an address by DHCPv6 on an interface, print the lease
 * @argc:	Argument count
 * @argv:	Interface name in argv[1]
 *
 * Return: 0 with an address, 1 otherwise
 */
int main(int argc, char **argv)
{
	struct sockaddr_in6 me = { .sin6_family = AF_INET6,
				   .sin6_port = htons(DHCP6C_CLIENT_PORT) };
	struct sockaddr_in6 dst = { .sin6_family = AF_INET6,
				    .sin6_port = htons(DHCP6C_SERVER_PORT) };
	static struct dhcp6c_msg m, ans;
	struct dhcp6c_lease lease;
	uint8_t duid[10] = { 0, 3, 0, 1 };	/* DUID-LL, Ethernet */
	char addr[INET6_ADDRSTRLEN];
	unsigned int ifindex;
	struct ifreq ifr;
	uint32_t xid;
	int s, type;

	if (argc != 2 || strlen(argv[1]) >= IFNAMSIZ) {
		fprintf(stderr, "usage: %s IFACE\n", argv[0]);
		return 1;
	}
	ifindex = if_nametoindex(argv[1]);
	s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (!ifindex || s < 0) {
		fprintf(stderr, "no interface %s or socket\n", argv[1]);
		return 1;
	}
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, argv[1]);
	if (ioctl(s, SIOCGIFHWADDR, &ifr) < 0) {
		perror("SIOCGIFHWADDR");
		return 1;
	}
	memcpy(duid + 4, ifr.ifr_hwaddr.sa_data, 6);

	if (setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, argv[1],
		       strlen(argv[1])) < 0 ||
	    bind(s, (struct sockaddr *)&me, sizeof(me)) < 0) {
		perror("bind");
		return 1;
	}
	inet_pton(AF_INET6, "ff02::1:2", &dst.sin6_addr);
	dst.sin6_scope_id = ifindex;

	xid = (uint32_t)(dhcp6c_now_ms() ^ getpid()) & 0xffffff;
	type = dhcp6c_exchange(s, &dst, &m, DHCP6C_SOLICIT, xid, duid,
			       sizeof(duid), NULL, 0, &ans);
	if (type == DHCP6C_ADVERTISE) {
		static struct dhcp6c_msg adv;

		adv = ans;
		xid = (xid + 1) & 0xffffff;
		type = dhcp6c_exchange(s, &dst, &m, DHCP6C_REQUEST, xid, duid,
				       sizeof(duid), adv.buf + 4, adv.len - 4,
				       &ans);
	}
	if (type != DHCP6C_REPLY) {
		fprintf(stderr, "no Reply from a DHCPv6 server\n");
		return 1;
	}

	dhcp6c_parse(ans.buf + 4, ans.len - 4, &lease);
	if (!lease.have_addr) {
		fprintf(stderr, "Reply without an address (status %u)\n",
			lease.status);
		return 1;
	}
	inet_ntop(AF_INET6, &lease.addr, addr, sizeof(addr));
	printf("%s %s%s%s\n", addr, lease.dns[0] ? lease.dns : "-",
	       lease.domains[0] ? " " : "", lease.domains);
	return 0;
}
