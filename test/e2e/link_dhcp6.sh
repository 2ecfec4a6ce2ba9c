#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
#
# link_dhcp6 - A DHCPv6 client in the guest (SOLICIT, ADVERTISE, REQUEST,
# REPLY from tap0's link-local address; then SOLICIT with Rapid Commit) gets
# the host's address 2001:db8:1::2 with infinite lifetimes, resolver
# 2001:db8:1::53 and search domain test.example, from the daemon's link-local
# address and DUID-LL. Debian's busybox has no udhcpc6: the client is
# link_lib.sh's.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/link.sh"

need_cmd python3
bed_setup
bed_start_daemon
bed_connect_guest
wait_for in_guest sh -c 'ip -6 addr show dev tap0 scope link | grep -q fe80' ||
	fail "tap0 has no link-local address"

link_dhcp6 || { cat "$BED_DIR/dhcp6.log"; fail "DHCPv6 exchange failed"; }
sed 's/^/    /' "$LEASE6"
our_ll=$(guest_our_ll)
duid=00030001$(echo "$OUR_MAC" | tr -d :)

[ "$(lease6 type)" = 7 ] || fail "final message type '$(lease6 type)'"
[ "$(lease6 server)" = "$our_ll" ] || fail "reply from '$(lease6 server)'"
[ "$(lease6 serverid)" = "$duid" ] || fail "server id '$(lease6 serverid)'"
[ "$(lease6 clientid_echoed)" = 1 ] || fail "client id not echoed"
[ "$(lease6 ipv6)" = "$HOST6" ] || fail "address '$(lease6 ipv6)'"
[ "$(lease6 preferred)" = "4294967295 valid=4294967295" ] ||
	fail "lifetimes '$(lease6 preferred)'"
[ "$(lease6 dns)" = "$DNS6" ] || fail "dns '$(lease6 dns)'"
[ "$(lease6 search)" = test.example ] || fail "search '$(lease6 search)'"

link_dhcp6 --rapid || { cat "$BED_DIR/dhcp6.log"; fail "Rapid Commit failed"; }
[ "$(lease6 rapid)" = 1 ] || fail "no Rapid Commit option in the reply"
[ "$(lease6 ipv6)" = "$HOST6" ] || fail "rapid: address '$(lease6 ipv6)'"

daemon_alive || fail "daemon exited"
pass
