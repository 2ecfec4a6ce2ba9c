#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
#
# udp_port_unreachable - A guest datagram to a closed port behind the host
# (IPv4 and IPv6) and to a closed port on the host's loopback through the
# gateway: the host's ICMP port unreachable reaches the guest as ICMP/ICMPv6
# destination unreachable, so the guest's connected socket gets
# ECONNREFUSED; the daemon logs the relay and stays up.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/udp.sh"

bed_setup
need_cmd python3
udp_tool_init
udp_start -d

for dst in "$REMOTE4" "$REMOTE6" "$GW4" "$GW6"; do
	in_guest python3 "$UDPTOOL" refused "$dst" 5999 ||
		fail "no ECONNREFUSED in the guest for $dst port 5999"
done
n=$(grep -c 'ICMP type 3 code 3 relayed' "$BED_DIR/passt.log")
[ "$n" -ge 2 ] || fail "$n IPv4 port unreachable relays logged, want 2"
n=$(grep -c 'ICMPv6 type 1 code 4 relayed' "$BED_DIR/passt.log")
[ "$n" -ge 2 ] || fail "$n IPv6 port unreachable relays logged, want 2"
daemon_alive || fail "daemon died"
pass
