#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
#
# tcp_refused - A connection to a port nobody listens on is refused: the
# guest gets a RST for its SYN (ECONNREFUSED), over IPv4 and IPv6, and no
# flow is left behind.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/tcp.sh"

bed_setup
need_cmd python3
tcp_tool_init
tcp_start

for addr in "$REMOTE4" "$REMOTE6"; do
	timeout 20 ip netns exec "$NS_GUEST" python3 "$TCPTOOL" refused \
		"$addr" 9005 || fail "connection to $addr:9005 not refused"
done
wait_for tcp_no_flows || fail "flows left: $(tcp_flows_active)"
pass
