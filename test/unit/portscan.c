/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test/unit/portscan.c - /proc/net socket tables to port maps, and diffs */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "unit.h"
#include "portscan.h"

/* Written from proc(5): "sl local_address rem_address st tx_queue
 * rx_queue tr tm->when retrnsmt uid timeout inode", hexadecimal
 * addresses (IPv4: one 32-bit word as the kernel stores it) and ports
 * (four digits, host value), states as the kernel's TCP state numbers:
 * 0A LISTEN, 01 ESTABLISHED, 06 TIME_WAIT, 07 CLOSE
 */
static const char tcp4[] =
"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
"   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1001 1 0000000000000000 100 0 0 10 0\n"
"   1: 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1002 1 0000000000000000 100 0 0 10 0\n"
"   2: 0200000A:0016 0100000A:C350 01 00000000:00000000 02:0008F5C2 00000000     0        0 1003 4 0000000000000000 20 4 30 10 -1\n"
"   3: 0200000A:1F90 0100000A:C351 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000\n"
"   4: 0100007F:FFFF 00000000:0000 0a 00000000:00000000 00:00000000 00000000  1000        0 1004 1 0000000000000000 100 0 0 10 0\n";

static const char tcp6[] =
"  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
"   0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2001 1 0000000000000000 100 0 0 10 0\n"
"   1: 00000000000000000000000001000000:0019 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2002 1 0000000000000000 100 0 0 10 0\n"
"   2: 0000000000000000FFFF00000200000A:01BB 0000000000000000FFFF00000100000A:D431 01 00000000:00000000 00:00000000 00000000     0        0 2003 1 0000000000000000 20 4 30 10 -1\n";

static const char udp4[] =
"   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
"  100: 00000000:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 3001 2 0000000000000000 0\n"
"  200: 0200000A:9C40 0808080808:0035 01 00000000:00000000 00:00000000 00000000  1000        0 3002 2 0000000000000000 0\n"
"  201: 0200000A:9C41 08080808:0035 01 00000000:00000000 00:00000000 00000000  1000        0 3003 2 0000000000000000 0\n"
"  300: 0100007F:14E9 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 3004 2 0000000000000000 0\n";

/**
 * count() - Number of ports in a map
 * @m:		Map
 *
 * Return: ports set
 */
static int count(const struct portscan_map *m)
{
	int i, n = 0;

	for (i = 0; i < PORTSCAN_PORTS; i++)
		n += portscan_map_has(m, (uint16_t)i);
	return n;
}

UNIT_TEST(tcp_listeners_only_are_bound_ports)
{
	static struct portscan_map m;

	portscan_map_clear(&m);
	CHECK_EQ(portscan_parse(tcp4, strlen(tcp4), PORTSCAN_TCP, &m),
		 strlen(tcp4));
	CHECK(portscan_map_has(&m, 22));
	CHECK(portscan_map_has(&m, 631));
	CHECK(portscan_map_has(&m, 65535));	/* lower-case state too */
	CHECK(!portscan_map_has(&m, 8080));	/* TIME_WAIT */
	CHECK(!portscan_map_has(&m, 50000));	/* the peer's port */
	CHECK_EQ(count(&m), 3);
}

UNIT_TEST(tcp6_lines_add_to_the_same_map)
{
	static struct portscan_map m;

	portscan_map_clear(&m);
	portscan_parse(tcp4, strlen(tcp4), PORTSCAN_TCP, &m);
	CHECK_EQ(portscan_parse(tcp6, strlen(tcp6), PORTSCAN_TCP, &m),
		 strlen(tcp6));
	CHECK(portscan_map_has(&m, 80));
	CHECK(portscan_map_has(&m, 25));
	CHECK(!portscan_map_has(&m, 443));	/* established, v4-mapped */
	CHECK_EQ(count(&m), 5);
}

UNIT_TEST(udp_unconnected_only_and_odd_address_refused)
{
	static struct portscan_map m;

	portscan_map_clear(&m);
	portscan_parse(udp4, strlen(udp4), PORTSCAN_UDP, &m);
	CHECK(portscan_map_has(&m, 53));
	CHECK(portscan_map_has(&m, 5353));
	CHECK(!portscan_map_has(&m, 40000));	/* 10-digit address: junk */
	CHECK(!portscan_map_has(&m, 40001));	/* connected: a client */
	CHECK_EQ(count(&m), 2);

	portscan_map_clear(&m);			/* TCP reading of UDP text */
	portscan_parse(udp4, strlen(udp4), PORTSCAN_TCP, &m);
	CHECK_EQ(count(&m), 0);
}

UNIT_TEST(partial_last_line_is_left_for_the_next_piece)
{
	static struct portscan_map m;
	const char *second = strstr(tcp4, "   1:");
	size_t cut = (size_t)(second - tcp4) + 20;	/* inside line 1 */
	size_t used;

	portscan_map_clear(&m);
	used = portscan_parse(tcp4, cut, PORTSCAN_TCP, &m);
	CHECK_EQ(used, (size_t)(second - tcp4));
	CHECK(portscan_map_has(&m, 22));
	CHECK(!portscan_map_has(&m, 631));
	used += portscan_parse(tcp4 + used, strlen(tcp4) - used,
			       PORTSCAN_TCP, &m);
	CHECK_EQ(used, strlen(tcp4));
	CHECK_EQ(count(&m), 3);
}

UNIT_TEST(malformed_lines_are_skipped_within_length)
{
	static const char bad[] =
		"   0: 00000000:16 00000000:0000 0A x\n"	/* short port */
		"   1 00000000:0017 00000000:0000 0A x\n"	/* no colon */
		"  x2: 00000000:0018 00000000:0000 0A x\n"	/* no number */
		"   3: 00000000:0019 00000000:0000 0A0 x\n"	/* long state */
		"   4: 00000000:001A 00000000:0000\n"		/* no state */
		"   5: 00000000:0000 00000000:0000 0A x\n"	/* port 0 */
		"   6: 00000000:001B 00000000:0000 0A\n"	/* ends there */
		"   7: 00000000:001C 00000000:0000 0A";		/* no newline */
	static struct portscan_map m;
	char copy[sizeof(bad)];

	/* Copy without the terminator: nothing may be read past the end */
	memcpy(copy, bad, sizeof(bad) - 1);
	portscan_map_clear(&m);
	CHECK_EQ(portscan_parse(copy, sizeof(bad) - 1, PORTSCAN_TCP, &m),
		 (size_t)(strstr(bad, "   7:") - bad));
	CHECK(portscan_map_has(&m, 0x1b));
	CHECK_EQ(count(&m), 1);
	CHECK_EQ(portscan_parse(copy, 0, PORTSCAN_TCP, &m), 0);
}

UNIT_TEST(exclusion_removes_the_daemons_own_ports)
{
	static struct portscan_map m, mine;

	portscan_map_clear(&m);
	portscan_map_clear(&mine);
	portscan_map_set(&mine, 631);
	portscan_map_set(&mine, 9999);
	portscan_parse(tcp4, strlen(tcp4), PORTSCAN_TCP, &m);
	portscan_exclude(&m, &mine);
	CHECK(!portscan_map_has(&m, 631));
	CHECK(!portscan_map_has(&m, 9999));
	CHECK(portscan_map_has(&m, 22));
	portscan_exclude(&m, NULL);
	CHECK_EQ(count(&m), 2);
}

/**
 * struct change_log - What portscan_diff() reported
 * @n:		Calls
 * @port:	Ports, in call order
 * @bound:	Bound (true) or released, in call order
 */
struct change_log {
	int n;
	uint16_t port[8];
	bool bound[8];
};

/**
 * note_change() - portscan_diff() callback: record a change
 * @arg:	struct change_log
 * @port:	Port
 * @bound:	Bound or released
 */
static void note_change(void *arg, uint16_t port, bool bound)
{
	struct change_log *l = arg;

	if (l->n < 8) {
		l->port[l->n] = port;
		l->bound[l->n] = bound;
	}
	l->n++;
}

UNIT_TEST(diff_reports_bound_and_released_in_port_order)
{
	static struct portscan_map old, now;
	struct change_log l = { 0 };

	portscan_map_clear(&old);
	portscan_map_clear(&now);
	portscan_map_set(&old, 22);
	portscan_map_set(&old, 80);
	portscan_map_set(&old, 65535);
	portscan_map_set(&now, 22);
	portscan_map_set(&now, 63);
	portscan_map_set(&now, 64);
	portscan_map_set(&now, 443);
	CHECK_EQ(portscan_diff(&old, &now, note_change, &l), 5);
	CHECK_EQ(l.n, 5);
	CHECK(l.port[0] == 63 && l.bound[0]);
	CHECK(l.port[1] == 64 && l.bound[1]);
	CHECK(l.port[2] == 80 && !l.bound[2]);
	CHECK(l.port[3] == 443 && l.bound[3]);
	CHECK(l.port[4] == 65535 && !l.bound[4]);
	l.n = 0;
	CHECK_EQ(portscan_diff(&now, &now, note_change, &l), 0);
	CHECK_EQ(l.n, 0);
}

/**
 * table_file() - A memory file holding a long TCP table
 * @lines:	Socket lines, all TIME_WAIT but every 1000th, a listener on
 *		port 10000 + line number
 *
 * Return: descriptor, or -1
 */
static int table_file(int lines)
{
	ssize_t header = strchr(tcp4, '\n') - tcp4 + 1;
	int fd = memfd_create("tcp", 0), i;
	char line[160];

	if (fd < 0 || write(fd, tcp4, (size_t)header) != header)
		return -1;
	for (i = 0; i < lines; i++) {
		int n = snprintf(line, sizeof(line),
				 "%6d: 0200000A:%04X 0100000A:C350 %s "
				 "00000000:00000000 00:00000000 00000000"
				 "     0        0 %d 1 0000000000000000 100 0 0 "
				 "10 0       \n", i, (10000 + i) & 0xffff,
				 i % 1000 ? "06" : "0A", i);

		if (write(fd, line, (size_t)n) != n)
			return -1;
	}
	return fd;
}

UNIT_TEST(read_crosses_buffer_boundaries_from_offset_zero)
{
	static struct portscan_map m, mine;
	int fd = table_file(3000), i;	/* ~430 KiB: several reads */

	CHECK(fd >= 0);
	portscan_map_clear(&m);
	portscan_map_clear(&mine);
	portscan_map_set(&mine, 12000);
	lseek(fd, 0, SEEK_END);		/* pread() does not care */
	CHECK_EQ(portscan_read(fd, PORTSCAN_TCP, &m, &mine), 0);
	for (i = 0; i < 3000; i += 1000)
		CHECK(portscan_map_has(&m, (uint16_t)(10000 + i)) ==
		      (i != 2000));
	CHECK_EQ(count(&m), 2);
	CHECK_EQ(portscan_read(fd, PORTSCAN_TCP, &m, NULL), 0);
	CHECK_EQ(count(&m), 3);		/* again, the same from offset 0 */
	close(fd);
}

UNIT_TEST(read_past_cap_returns_efbig_with_ports_so_far)
{
	static struct portscan_map m;
	int fd = table_file(130000);	/* ~19 MiB, over 16 MiB */

	CHECK(fd >= 0);
	portscan_map_clear(&m);
	CHECK_EQ(portscan_read(fd, PORTSCAN_TCP, &m, NULL), -EFBIG);
	CHECK(portscan_map_has(&m, 10000));
	CHECK(portscan_map_has(&m, (uint16_t)(10000 + 100000)));
	CHECK(!portscan_map_has(&m, (uint16_t)(10000 + 129000)));
	close(fd);
}

UNIT_TEST(read_of_a_pipe_fails_with_errno)
{
	static struct portscan_map m;
	int p[2];

	CHECK(!pipe(p));
	CHECK_EQ(portscan_read(p[0], PORTSCAN_TCP, &m, NULL), -ESPIPE);
	close(p[0]);
	close(p[1]);
}

UNIT_TEST(real_listener_found_in_proc_net_tcp)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr = { htonl(INADDR_LOOPBACK) } };
	socklen_t len = sizeof(a);
	static struct portscan_map m;
	int s = socket(AF_INET, SOCK_STREAM, 0);
	int fd = open("/proc/thread-self/net/tcp", O_RDONLY);

	CHECK(s >= 0 && fd >= 0);
	CHECK(!bind(s, (struct sockaddr *)&a, sizeof(a)));
	CHECK(!getsockname(s, (struct sockaddr *)&a, &len));
	portscan_map_clear(&m);
	CHECK_EQ(portscan_read(fd, PORTSCAN_TCP, &m, NULL), 0);
	CHECK(!portscan_map_has(&m, ntohs(a.sin_port)));  /* bound only */
	CHECK(!listen(s, 1));
	CHECK_EQ(portscan_read(fd, PORTSCAN_TCP, &m, NULL), 0);
	CHECK(portscan_map_has(&m, ntohs(a.sin_port)));
	close(s);
	close(fd);
}
