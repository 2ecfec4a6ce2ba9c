#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
#
# link_arp - A guest with a static address and no static neighbour entries
# resolves the gateway (and any other address) to the daemon's MAC through
# ARP; a duplicate address probe (sender 0.0.0.0) for the guest's own address
# or a free one gets no reply, one for the gateway does.

. "$(dirname "$0")/../lib/bed.sh"

need_cmd busybox
need_cmd python3
bed_setup
bed_start_daemon
bed_connect_guest
in_guest ip addr add "$HOST4/24" dev tap0 || fail "ip addr add"

resolved() {	# resolved ADDR: a usable entry with our MAC
	in_guest ip neigh show "$1" dev tap0 |
		grep -q "lladdr $OUR_MAC .*\(REACHABLE\|STALE\|DELAY\|PROBE\)"
}
for a in "$GW4" 192.0.2.77; do
	# Any datagram makes the kernel resolve the neighbour
	in_guest python3 -c '
import socket, sys
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", (sys.argv[1], 9))
' "$a" || fail "sendto $a"
	wait_for resolved "$a" ||
		{ in_guest ip neigh; fail "$a not resolved to $OUR_MAC"; }
done
in_guest ip neigh show dev tap0 | sed 's/^/    /'

# busybox arping -D: exit 0 if nobody answered, 1 if the address is in use
in_guest busybox arping -D -I tap0 -c 2 -w 3 "$HOST4" ||
	fail "DAD probe for the guest's own address was answered"
in_guest busybox arping -D -I tap0 -c 2 -w 3 192.0.2.33 ||
	fail "DAD probe for a free address was answered"
in_guest busybox arping -D -I tap0 -c 2 -w 3 "$GW4" &&
	fail "DAD probe for the gateway got no answer"
out=$(in_guest busybox arping -I tap0 -c 1 -w 3 "$GW4") ||
	fail "arping $GW4: no reply"
echo "$out" | sed 's/^/    /'
echo "$out" | grep -qi "\[$OUR_MAC\]" || fail "reply not from $OUR_MAC"
daemon_alive || fail "daemon exited"
pass
