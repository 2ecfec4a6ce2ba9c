#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
#
# link_ndp_neigh - A guest with a static address and no static neighbour
# entries resolves the gateway, the daemon's link-local address and another
# address of the prefix to the daemon's MAC through Neighbour Solicitations;
# its own address stays free: with DAD on, it does not become "dadfailed".

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/link.sh"

need_cmd python3
bed_setup
bed_start_daemon
bed_connect_guest
our_ll=$(guest_our_ll)

# Real DAD for the guest's own address: the daemon must stay silent
in_guest sh -e -c '
	sysctl -qw net.ipv6.conf.tap0.accept_dad=1
	sysctl -qw net.ipv6.conf.tap0.dad_transmits=1' || fail "sysctls"
in_guest ip -6 addr add "$HOST6/64" dev tap0 || fail "ip addr add"
settled() { ! in_guest ip -6 addr show dev tap0 | grep -q tentative; }
wait_for settled || fail "address still tentative"
in_guest ip -6 addr show dev tap0 | grep -q dadfailed &&
	fail "the daemon answered DAD for the guest's address"

resolved() {	# resolved ADDR: a reachable/stale entry with our MAC
	in_guest ip -6 neigh show "$1" dev tap0 |
		grep -q "lladdr $OUR_MAC .*\(REACHABLE\|STALE\|DELAY\|PROBE\)"
}
for a in "$GW6" "$our_ll" 2001:db8:1::77; do
	# Any datagram makes the kernel solicit the neighbour
	in_guest python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.sendto(b"x", (sys.argv[1], 9, 0, socket.if_nametoindex("tap0")))' "$a" ||
		fail "sendto $a"
	wait_for resolved "$a" ||
		{ in_guest ip -6 neigh; fail "$a not resolved to $OUR_MAC"; }
done
in_guest ip -6 neigh show dev tap0 | sed 's/^/    /'
daemon_alive || fail "daemon exited"
pass
