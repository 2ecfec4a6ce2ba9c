#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
#
# link_no_ra - With --no-ra the guest hears no router advertisement, asked
# for or not, so it gets no SLAAC address and no default route; neighbour
# solicitations are still answered.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/link.sh"

need_cmd python3
bed_setup
in_guest sh -e -c '
	sysctl -qw net.ipv6.conf.default.accept_ra=2
	sysctl -qw net.ipv6.conf.default.autoconf=1
	sysctl -qw net.ipv6.conf.default.router_solicitation_delay=0' ||
	fail "guest sysctls"
bed_start_daemon --no-ra
bed_connect_guest

link_ra && fail "router advertisement despite --no-ra"
sleep 2		# the daemon's tick (1 s) would have sent one by now
in_guest ip -6 addr show dev tap0 scope global | grep -q inet6 &&
	fail "SLAAC address despite --no-ra"
in_guest ip -6 route show default | grep -q . &&
	fail "default route despite --no-ra"

in_guest ip -6 addr add "$HOST6/64" dev tap0 nodad || fail "ip addr add"
in_guest python3 -c '
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.sendto(b"x", ("2001:db8:1::1", 9, 0, socket.if_nametoindex("tap0")))' ||
	fail "sendto"
resolved() {
	in_guest ip -6 neigh show "$GW6" dev tap0 | grep -q "lladdr $OUR_MAC"
}
wait_for resolved || fail "neighbour solicitation not answered"
daemon_alive || fail "daemon exited"
pass
