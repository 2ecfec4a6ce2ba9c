#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 90
#
# udp_many - 200 guest sockets exchange datagrams with one echo server behind
# the host at the same time, over IPv4 and then IPv6: each gets its own
# datagram back, each is its own UDP flow (400 in the table afterwards), and
# the daemon holds one socket per flow.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/udp.sh"

bed_setup
need_cmd python3
udp_tool_init
udp_start

bed_bg in_remote python3 "$UDPTOOL" echo-server "$REMOTE4" 5000 \
	>"$BED_DIR/e4.out"
bed_bg in_remote python3 "$UDPTOOL" echo-server "$REMOTE6" 5000 \
	>"$BED_DIR/e6.out"
udp_wait_file "$BED_DIR/e4.out" listening || fail "IPv4 server not up"
udp_wait_file "$BED_DIR/e6.out" listening || fail "IPv6 server not up"

fds0=$(ls "/proc/$PASST_PID/fd" | wc -l)
in_guest python3 "$UDPTOOL" many "$REMOTE4" 5000 200 512 ||
	fail "IPv4: not every flow echoed"
in_guest python3 "$UDPTOOL" many "$REMOTE6" 5000 200 512 ||
	fail "IPv6: not every flow echoed"

dump=$(udp_flow_dump) || fail "no flow dump"
n=$(echo "$dump" | grep -c 'UDP \[ACTIVE\]')
[ "$n" -eq 400 ] || fail "$n active UDP flows, not 400"
fds=$(ls "/proc/$PASST_PID/fd" | wc -l)
[ "$fds" -eq $((fds0 + 400)) ] ||
	fail "$((fds - fds0)) sockets opened for 400 flows"
daemon_alive || fail "daemon died"
pass
