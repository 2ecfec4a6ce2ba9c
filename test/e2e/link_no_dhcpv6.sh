#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
#
# link_no_dhcpv6 - With --no-dhcpv6 the guest's DHCPv6 client gets no
# answer and router advertisements clear the M and O flags, so that SLAAC
# alone configures the guest; without it both flags are set.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/link.sh"

need_cmd python3
bed_setup
bed_start_daemon
bed_connect_guest
ra=$(link_ra) || fail "no router advertisement"
echo "$ra" | grep -q '^flags=0xc0$' || fail "RA flags without --no-dhcpv6: $ra"
bed_disconnect_guest
bed_stop_daemon

bed_start_daemon --no-dhcpv6
bed_connect_guest
ra=$(link_ra) || fail "no router advertisement"
echo "$ra" | sed 's/^/    /'
echo "$ra" | grep -q '^flags=0x00$' || fail "RA flags with --no-dhcpv6"
echo "$ra" | grep -q '^rdnss=2001:db8:1::53$' || fail "RA without RDNSS"
link_dhcp6 && fail "DHCPv6 answered despite --no-dhcpv6"
daemon_alive || fail "daemon exited"
pass
