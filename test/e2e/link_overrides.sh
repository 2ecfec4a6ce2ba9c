#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
#
# link_overrides - Addressing given on the command line (-a, -g, -D, -S,
# --hostname, --fqdn, -M, -m) is what the guest's DHCP lease carries, and
# what ARP answers with.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/link.sh"

need_cmd busybox
need_cmd python3
MAC=02:aa:bb:cc:dd:ee
bed_setup
bed_start_daemon -a 10.9.8.7/16 -g 10.9.0.1 -D 10.9.0.53 -S foo.example \
	--hostname vm1 --fqdn vm1.foo.example -M "$MAC" -m 1400
bed_connect_guest

link_udhcpc || { cat "$BED_DIR/udhcpc.log"; fail "udhcpc got no lease"; }
sed 's/^/    /' "$LEASE4"
[ "$(lease4 ip)" = 10.9.8.7 ] || fail "address '$(lease4 ip)'"
[ "$(lease4 subnet)" = 255.255.0.0 ] || fail "subnet '$(lease4 subnet)'"
[ "$(lease4 router)" = 10.9.0.1 ] || fail "router '$(lease4 router)'"
[ "$(lease4 serverid)" = 10.9.0.1 ] || fail "server id '$(lease4 serverid)'"
[ "$(lease4 dns)" = 10.9.0.53 ] || fail "dns '$(lease4 dns)'"
[ "$(lease4 search)" = foo.example ] || fail "search '$(lease4 search)'"
[ "$(lease4 hostname)" = vm1 ] || fail "hostname '$(lease4 hostname)'"
[ "$(lease4 mtu)" = 1400 ] || fail "mtu '$(lease4 mtu)'"

out=$(in_guest busybox arping -I tap0 -c 1 -w 3 10.9.0.1) ||
	fail "arping 10.9.0.1: no reply"
echo "$out" | grep -qi "\[$MAC\]" || fail "ARP reply not from $MAC: $out"

link_dhcp6 || { cat "$BED_DIR/dhcp6.log"; fail "DHCPv6 exchange failed"; }
sed 's/^/    /' "$LEASE6"
[ "$(lease6 fqdn)" = vm1.foo.example ] || fail "DHCPv6 FQDN '$(lease6 fqdn)'"
[ "$(lease6 server)" = "$(guest_our_ll "$MAC")" ] ||
	fail "DHCPv6 reply from '$(lease6 server)', not from -M's link-local"
[ "$(lease6 search)" = foo.example ] || fail "DHCPv6 search '$(lease6 search)'"
daemon_alive || fail "daemon exited"
pass
