#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
#
# link_slaac - A guest that accepts router advertisements (accept_ra=2,
# autoconf=1) gets a SLAAC address in the host's prefix 2001:db8:1::/64, a
# default route via the daemon's link-local address, and the MTU given with
# -m (1400: the kernel ignores an RA MTU above tap0's 1500).

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/link.sh"

need_cmd python3
bed_setup
# Before tap0 exists, so that its first router solicitation counts; DAD on,
# as in a VM, so that an answer to the guest's own probes would show
in_guest sh -e -c '
	sysctl -qw net.ipv6.conf.default.accept_dad=1
	sysctl -qw net.ipv6.conf.default.dad_transmits=1
	sysctl -qw net.ipv6.conf.default.accept_ra=2
	sysctl -qw net.ipv6.conf.default.autoconf=1
	sysctl -qw net.ipv6.conf.default.router_solicitation_delay=0' ||
	fail "guest sysctls"
bed_start_daemon -m 1400
bed_connect_guest
our_ll=$(guest_our_ll)

has_slaac() {
	in_guest ip -6 addr show dev tap0 scope global |
		grep -v tentative | grep -q 'inet6 2001:db8:1:0:.*/64 .*dynamic'
}
has_default() {
	in_guest ip -6 route show default | grep -q "via $our_ll dev tap0"
}
wait_for has_slaac || { in_guest ip -6 addr; fail "no SLAAC address"; }
wait_for has_default || { in_guest ip -6 route; fail "no default route"; }
in_guest ip -6 addr show dev tap0 | sed 's/^/    /'
in_guest ip -6 route show | sed 's/^/    /'

# The guest's address is its own (EUI-64 or stable), not the host's: the
# daemon must not have claimed it during DAD (it would be "dadfailed")
in_guest ip -6 addr show dev tap0 | grep -q dadfailed && fail "DAD failed"

mtu=$(in_guest cat /proc/sys/net/ipv6/conf/tap0/mtu)
[ "$mtu" = 1400 ] || fail "IPv6 MTU from RA: '$mtu', want 1400"
daemon_alive || fail "daemon exited"
pass
