#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
#
# udp_no_udp - With --no-udp, the guest's datagrams to an echo server behind
# the host get no answer, no flow is created, the datagrams are counted as
# dropped (L4_PROTO), and the daemon stays up.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/udp.sh"

bed_setup
need_cmd python3
udp_tool_init
udp_start --no-udp

bed_bg in_remote python3 "$UDPTOOL" echo-server "$REMOTE4" 5000 \
	>"$BED_DIR/e4.out"
udp_wait_file "$BED_DIR/e4.out" listening || fail "server not up"
in_guest python3 "$UDPTOOL" echo "$REMOTE4" 5000 100 &&
	fail "datagram echoed with --no-udp"
dump=$(udp_flow_dump) || fail "no flow dump"
echo "$dump" | grep -q "flow table: 0 active" || fail "flows with --no-udp"
wait_for grep -qE 'counter dropped_L4_PROTO: [1-9]' "$BED_DIR/passt.log" ||
	fail "dropped datagrams not counted"
daemon_alive || fail "daemon died"
pass
