#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
#
# udp_echo - The guest exchanges 1-, 1400- and 8000-byte datagrams with an
# echo server behind the host, over IPv4 and IPv6, and with one on the host's
# loopback through the gateway address: every datagram comes back intact
# (the 8000-byte one crosses the host's 1500-byte veth as fragments), and
# each exchange is one UDP flow in the flow table.

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
bed_bg in_host python3 "$UDPTOOL" echo-server 127.0.0.1 5001 \
	>"$BED_DIR/lo4.out"
bed_bg in_host python3 "$UDPTOOL" echo-server ::1 5001 >"$BED_DIR/lo6.out"
for f in e4 e6 lo4 lo6; do
	udp_wait_file "$BED_DIR/$f.out" listening || fail "server $f not up"
done

for dst in "$REMOTE4 5000" "$REMOTE6 5000" "$GW4 5001" "$GW6 5001"; do
	# shellcheck disable=SC2086
	in_guest python3 "$UDPTOOL" echo $dst 1 1400 8000 ||
		fail "echo with $dst failed"
done

dump=$(udp_flow_dump) || fail "no flow dump"
echo "$dump" | sed 's/^/    /'
n=$(echo "$dump" | grep -c 'UDP \[ACTIVE\]')
[ "$n" -eq 4 ] || fail "$n active UDP flows, not 4"
echo "$dump" | grep -qE "tap $HOST4:[0-9]+ -> $GW4:5001 sock 127\.0\.0\.1:5001" ||
	fail "gateway not mapped to 127.0.0.1"
echo "$dump" | grep -qE "tap \[$HOST6\]:[0-9]+ -> \[$GW6\]:5001 sock \[::1\]:5001" ||
	fail "gateway not mapped to ::1"
daemon_alive || fail "daemon died"
pass
