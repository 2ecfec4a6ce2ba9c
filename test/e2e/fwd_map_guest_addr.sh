#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 90
#
# fwd_map_guest_addr - --map-guest-addr 10.0.2.3 and fd00::3: the guest,
# which has the host's own addresses (192.0.2.2, 2001:db8:1::2) and so
# cannot reach the host on them, reaches servers bound to those host
# addresses through 10.0.2.3 and fd00::3, over TCP and UDP; a datagram
# forwarded with -u from the host's own address reaches the guest from
# 10.0.2.3.

. "$(dirname "$0")/../lib/fwd.sh"

fwd_setup

fwd_host_echo_servers 9008 9011 "$HOST4" "$HOST6"

tcp_start --map-guest-addr 10.0.2.3 --map-guest-addr fd00::3 -u 5002:6002
daemon_log_has "IPv6 host address reached at fd00::3" ||
	fail "mapping not printed"

for a in 10.0.2.3 fd00::3; do
	in_guest timeout 30 python3 "$TCPTOOL" many $a 9008 4 100000 ||
		fail "TCP to $a did not reach the host's address"
	in_guest timeout 20 python3 "$UDPTOOL" echo $a 9011 1 1400 ||
		fail "UDP to $a did not reach the host's address"
done
# The gateway still maps to the host's loopback, where nobody listens
in_guest timeout 30 python3 "$TCPTOOL" refused "$GW4" 9008 ||
	fail "the gateway reached the host's own address"

bed_bg in_guest python3 "$UDPTOOL" echo-server "$HOST4" 6002 \
	>"$BED_DIR/g.out"
udp_wait_file "$BED_DIR/g.out" listening || fail "guest server not up"
in_host timeout 20 python3 "$UDPTOOL" echo "$HOST4" 5002 1 ||
	fail "host's own address to port 5002 failed"
dump=$(udp_flow_dump) || fail "no flow dump"
echo "$dump" | grep -qE "tap $HOST4:6002 -> 10\.0\.2\.3:[0-9]+ sock $HOST4:" ||
	fail "host address sender not seen as 10.0.2.3: $dump"
daemon_alive || fail "daemon died"
pass
