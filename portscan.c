/* SPDX-License-Identifier: GPL-2.0-or-later */
/* portscan.c - Ports bound in a namespace, from /proc/net/{tcp,udp}[6] */

/**
 * DOC: Theory of operation
 *
 * For automatic forwarding (-t auto and the like), the daemon learns which
 * ports are bound in a network namespace from the socket tables the kernel
 * prints in /proc/net/tcp, tcp6, udp and udp6 (proc(5)): one line per
 * socket, "sl: local_address rem_address st ...", addresses and ports in
 * hexadecimal, the port as four digits (host value, not wire order), the
 * state as two digits with the kernel's TCP state numbers.
 *
 * Which sockets count:
 * - TCP: state 0A (LISTEN) only. Connected sockets (01, 06 TIME_WAIT...)
 *   hold a port for a connection, not a service;
 * - UDP: state 07 (the kernel's TCP_CLOSE: unconnected) only. A UDP socket
 *   is listed once it has a local port (bind(), or the implicit bind of a
 *   first send); state 01 means connect()ed to one peer: a client (a
 *   resolver's query, say) on an ephemeral port, no service to reach.
 * Every local address counts (wildcard, loopback or a specific one): the
 * map holds ports only, and each file adds to it, so tcp and tcp6 (or udp
 * and udp6) are read into one map.
 *
 * Ports the daemon itself holds in the scanned namespace (the sockets of
 * its own forwards, which would otherwise be forwarded back) are removed
 * with an exclusion map: such a port is then never reported, even if some
 * other socket binds it too (on another address, or with SO_REUSEPORT).
 *
 * Reading: each file is opened once at start-up, in the namespace it
 * describes (a /proc/net file keeps the namespace it was opened in, see
 * pasta_ns_open()), and read again from offset 0 with pread() for every
 * scan, PORTSCAN_BUF_BYTES at a time, whole lines parsed and the rest
 * carried over: there is no limit on the number of sockets as such. A
 * scan stops, though, after PORTSCAN_READ_MAX_BYTES of one file (some
 * 110,000 IPv4 TCP sockets of 150 bytes each; IPv6 lines are up to 180
 * bytes) and returns -EFBIG with the ports seen so far: the caller must
 * then not take ports missing from that scan as gone (keep the previous
 * map, or add the new one to it). The kernel prints the table in pieces
 * as it is read, so a socket that comes or goes during a scan may be seen
 * or missed; the next scan sees it right.
 *
 * portscan_diff() compares two maps and calls back for each port that was
 * bound or released since: the caller opens or closes its forwards.
 */

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "portscan.h"

#define PORTSCAN_BUF_BYTES	(128 * 1024)	/* one pread(), bytes */
#define PORTSCAN_READ_MAX_BYTES	(16 * 1024 * 1024) /* one file, one scan */

#define PORTSCAN_TCP_LISTEN	0x0a	/* kernel TCP_LISTEN */
#define PORTSCAN_UDP_UNCONN	0x07	/* kernel TCP_CLOSE, for UDP */

#define PORTSCAN_ADDR4_DIGITS	8	/* hex digits of an IPv4 address */
#define PORTSCAN_ADDR6_DIGITS	32	/* hex digits of an IPv6 address */
#define PORTSCAN_PORT_DIGITS	4
#define PORTSCAN_STATE_DIGITS	2

static char portscan_buf[PORTSCAN_BUF_BYTES];

_Static_assert(PORTSCAN_PORTS % 64 == 0, "whole words of ports");
_Static_assert(PORTSCAN_READ_MAX_BYTES % PORTSCAN_BUF_BYTES == 0,
	       "the cap is a whole number of reads");

/**
 * portscan_map_clear() - Empty a map
 * @map:	Map
 */
void portscan_map_clear(struct portscan_map *map)
{
	memset(map, 0, sizeof(*map));
}

/**
 * portscan_map_set() - Add a port to a map
 * @map:	Map
 * @port:	Port
 */
void portscan_map_set(struct portscan_map *map, uint16_t port)
{
	map->bits[port / 64] |= 1ULL << (port % 64);
}

/**
 * portscan_map_clear_port() - Take a port out of a map
 * @map:	Map
 * @port:	Port
 */
void portscan_map_clear_port(struct portscan_map *map, uint16_t port)
{
	map->bits[port / 64] &= ~(1ULL << (port % 64));
}

/**
 * portscan_map_merge() - Add the ports of one map to another
 * @map:	Map, added to
 * @more:	Ports to add
 */
void portscan_map_merge(struct portscan_map *map,
			const struct portscan_map *more)
{
	size_t i;

	for (i = 0; i < PORTSCAN_WORDS; i++)
		map->bits[i] |= more->bits[i];
}

/**
 * portscan_map_has() - Is a port in a map?
 * @map:	Map
 * @port:	Port
 *
 * Return: true if it is
 */
bool portscan_map_has(const struct portscan_map *map, uint16_t port)
{
	return map->bits[port / 64] & (1ULL << (port % 64));
}

/**
 * portscan_exclude() - Remove the ports of one map from another
 * @map:	Map to change
 * @exclude:	Ports to remove (the daemon's own), NULL for none
 */
void portscan_exclude(struct portscan_map *map,
		      const struct portscan_map *exclude)
{
	size_t i;

	if (!exclude)
		return;
	for (i = 0; i < PORTSCAN_WORDS; i++)
		map->bits[i] &= ~exclude->bits[i];
}

/**
 * portscan_hex() - Read hexadecimal digits
 * @p:		Cursor, moved past the digits
 * @end:	End of the line
 * @max:	Most digits to read
 * @v:		Value, output
 *
 * Return: number of digits read (0 if none)
 */
static size_t portscan_hex(const char **p, const char *end, size_t max,
			   unsigned long *v)
{
	size_t n = 0;

	*v = 0;
	while (*p < end && n < max) {
		char ch = **p;
		unsigned int d;

		if (ch >= '0' && ch <= '9')
			d = (unsigned int)(ch - '0');
		else if (ch >= 'A' && ch <= 'F')
			d = (unsigned int)(ch - 'A' + 10);
		else if (ch >= 'a' && ch <= 'f')
			d = (unsigned int)(ch - 'a' + 10);
		else
			break;
		*v = (*v << 4) | d;
		(*p)++;
		n++;
	}
	return n;
}

/**
 * portscan_spaces() - Skip spaces
 * @p:		Cursor, moved past them
 * @end:	End of the line
 *
 * Return: number of spaces skipped
 */
static size_t portscan_spaces(const char **p, const char *end)
{
	size_t n = 0;

	while (*p < end && **p == ' ') {
		(*p)++;
		n++;
	}
	return n;
}

/**
 * portscan_endpoint() - Read "ADDRESS:PORT", both hexadecimal
 * @p:		Cursor, moved past it
 * @end:	End of the line
 * @port:	Port, output
 *
 * Return: true if the address has 8 or 32 digits and the port 4
 */
static bool portscan_endpoint(const char **p, const char *end,
			      unsigned long *port)
{
	unsigned long skip;
	size_t n;

	/* Digits past 16 shift out of @skip: the address is not kept */
	n = portscan_hex(p, end, PORTSCAN_ADDR6_DIGITS, &skip);
	if (n != PORTSCAN_ADDR4_DIGITS && n != PORTSCAN_ADDR6_DIGITS)
		return false;
	if (*p == end || **p != ':')
		return false;
	(*p)++;
	return portscan_hex(p, end, PORTSCAN_PORT_DIGITS, port) ==
	       PORTSCAN_PORT_DIGITS;
}

/**
 * portscan_line() - Local port and state of one socket line
 * @p:		Start of the line
 * @end:	End of the line (its newline, or the end of the buffer)
 * @port:	Local port, output
 * @state:	State, output
 *
 * Format (proc(5)): "  sl: LOCAL:PORT REMOTE:PORT ST ..."; the header
 * line and anything else that does not match is refused.
 *
 * Return: true if the line describes a socket
 */
static bool portscan_line(const char *p, const char *end,
			  unsigned long *port, unsigned long *state)
{
	unsigned long v;
	size_t digits = 0;

	portscan_spaces(&p, end);
	while (p < end && *p >= '0' && *p <= '9') {
		p++;
		digits++;
	}
	if (!digits || p == end || *p++ != ':')
		return false;
	if (!portscan_spaces(&p, end) || !portscan_endpoint(&p, end, port))
		return false;
	if (!portscan_spaces(&p, end) || !portscan_endpoint(&p, end, &v))
		return false;
	if (!portscan_spaces(&p, end) ||
	    portscan_hex(&p, end, PORTSCAN_STATE_DIGITS, state) !=
	    PORTSCAN_STATE_DIGITS)
		return false;
	return p == end || *p == ' ';
}

/**
 * portscan_parse() - Add the bound ports of whole socket lines to a map
 * @buf:	Text of /proc/net/tcp, tcp6, udp or udp6, or a piece of it
 *		starting at a line (need not be NUL-terminated)
 * @len:	Its length, bytes
 * @proto:	PORTSCAN_TCP (LISTEN sockets) or PORTSCAN_UDP (unconnected)
 * @map:	Ports found are added here
 *
 * Only lines ending with a newline are parsed: a last line without one is
 * left for the next piece. Lines that are not socket lines (the header)
 * are skipped; nothing is read past @len.
 *
 * Context: pure, no system calls.
 * Return: bytes consumed, up to and including the last newline
 */
size_t portscan_parse(const char *buf, size_t len, enum portscan_proto proto,
		      struct portscan_map *map)
{
	unsigned long want = proto == PORTSCAN_TCP ? PORTSCAN_TCP_LISTEN :
						     PORTSCAN_UDP_UNCONN;
	const char *p = buf, *end = buf + len;
	const char *nl;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p)))) {
		unsigned long port, state;

		if (portscan_line(p, nl, &port, &state) && state == want &&
		    port)
			portscan_map_set(map, (uint16_t)port);
		p = nl + 1;
	}
	return (size_t)(p - buf);
}

/**
 * portscan_read() - Add the bound ports listed by a /proc/net file
 * @fd:		/proc/net/tcp, tcp6, udp or udp6, opened at start-up in the
 *		namespace to scan; read from offset 0, the offset is unused
 * @proto:	PORTSCAN_TCP or PORTSCAN_UDP, as the file
 * @map:	Ports found are added here (clear it before the first file)
 * @exclude:	Ports to leave out of @map (the daemon's own), or NULL
 *
 * #syscalls:pasta pread64
 * Context: main loop, or start-up.
 * Return: 0 on success, -EFBIG if the file is longer than
 *	   PORTSCAN_READ_MAX_BYTES (@map holds the ports seen before that
 *	   point), -EPROTO if a line is longer than PORTSCAN_BUF_BYTES, or
 *	   -errno from pread()
 */
int portscan_read(int fd, enum portscan_proto proto, struct portscan_map *map,
		  const struct portscan_map *exclude)
{
	size_t have = 0;
	off_t off = 0;
	int ret = 0;

	for (;;) {
		ssize_t n = pread(fd, portscan_buf + have,
				  sizeof(portscan_buf) - have, off);
		size_t used;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		if (!n)
			break;
		off += n;
		have += (size_t)n;
		used = portscan_parse(portscan_buf, have, proto, map);
		if (!used && have == sizeof(portscan_buf)) {
			ret = -EPROTO;
			break;
		}
		memmove(portscan_buf, portscan_buf + used, have - used);
		have -= used;
		if (off >= PORTSCAN_READ_MAX_BYTES) {
			ret = -EFBIG;
			break;
		}
	}
	portscan_exclude(map, exclude);
	return ret;
}

/**
 * portscan_diff() - Call back for each port bound or released between scans
 * @old:	Ports of the previous scan
 * @new_map:	Ports of this scan
 * @fn:		Called with (@arg, port, true) for a port in @new_map only,
 *		(@arg, port, false) for one in @old only, in port order
 * @arg:	Passed to @fn
 *
 * Context: pure, but for what @fn does.
 * Return: number of ports that changed
 */
unsigned int portscan_diff(const struct portscan_map *old,
			   const struct portscan_map *new_map,
			   portscan_change_fn fn, void *arg)
{
	unsigned int changed = 0;
	size_t i;

	for (i = 0; i < PORTSCAN_WORDS; i++) {
		uint64_t x = old->bits[i] ^ new_map->bits[i];

		while (x) {
			unsigned int b = (unsigned int)__builtin_ctzll(x);
			uint16_t port = (uint16_t)(i * 64 + b);

			fn(arg, port, new_map->bits[i] & (1ULL << b));
			x &= x - 1;
			changed++;
		}
	}
	return changed;
}
