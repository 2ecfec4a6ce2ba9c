#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
#
# udp_inbound_fwd - -u 5000-5005:6000-6005,~5002-5003: datagrams from the
# remote namespace to the host's port 5001 (IPv4) and 5004 (IPv6), and from
# the host's loopback to port 5001, reach the guest's echo server on 6001 /
# 6004, and its answers come back from the port the sender wrote to (1, 1400
# and 8000 bytes, intact). Excluded port 5002 is not bound: the sender gets
# ECONNREFUSED. A bad -u spec stops the daemon at start with a message.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/udp.sh"

bed_setup
need_cmd python3
udp_tool_init
udp_start -u 5000-5005:6000-6005,~5002-5003

bed_bg in_guest python3 "$UDPTOOL" echo-server "$HOST4" 6001 \
	>"$BED_DIR/g4.out"
bed_bg in_guest python3 "$UDPTOOL" echo-server "$HOST6" 6004 \
	>"$BED_DIR/g6.out"
udp_wait_file "$BED_DIR/g4.out" listening || fail "guest IPv4 server not up"
udp_wait_file "$BED_DIR/g6.out" listening || fail "guest IPv6 server not up"

in_remote python3 "$UDPTOOL" echo "$HOST4" 5001 1 1400 8000 ||
	fail "remote to $HOST4 port 5001 failed"
in_remote python3 "$UDPTOOL" echo "$HOST6" 5004 1 1400 8000 ||
	fail "remote to $HOST6 port 5004 failed"
in_host python3 "$UDPTOOL" echo 127.0.0.1 5001 1 1400 ||
	fail "host loopback to port 5001 failed"
in_remote python3 "$UDPTOOL" refused "$HOST4" 5002 ||
	fail "excluded port 5002 answered"

dump=$(udp_flow_dump) || fail "no flow dump"
echo "$dump" | sed 's/^/    /'
echo "$dump" | grep -qE "tap $HOST4:6001 -> $GW4:[0-9]+ sock 127\.0\.0\.1:" ||
	fail "loopback sender not seen as the gateway"
daemon_alive || fail "daemon died"
bed_stop_daemon

out=$(in_host "$PASST_BIN" -f -s "$BED_DIR/bad.sock" -u 5000-4000 2>&1) &&
	fail "daemon started with a bad -u spec"
echo "$out" | grep -q 'udp-ports' || fail "no message for a bad -u spec: $out"
pass
