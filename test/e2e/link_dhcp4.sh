#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
#
# link_dhcp4 - busybox udhcpc in the guest gets the host's configuration in
# one lease from the daemon: address 192.0.2.2/24, router 192.0.2.1 (also
# the server identifier), resolver 192.0.2.53, search domain test.example,
# the link MTU, an infinite lease. The guest can then configure it.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/link.sh"

need_cmd busybox
need_cmd python3
bed_setup
bed_start_daemon
bed_connect_guest

link_udhcpc || { cat "$BED_DIR/udhcpc.log"; fail "udhcpc got no lease"; }
sed 's/^/    /' "$LEASE4"

[ "$(lease4 interface)" = tap0 ] || fail "lease not for tap0"
[ "$(lease4 ip)" = "$HOST4" ] || fail "address '$(lease4 ip)', want $HOST4"
[ "$(lease4 subnet)" = 255.255.255.0 ] || fail "subnet '$(lease4 subnet)'"
[ "$(lease4 router)" = "$GW4" ] || fail "router '$(lease4 router)'"
[ "$(lease4 serverid)" = "$GW4" ] || fail "server id '$(lease4 serverid)'"
[ "$(lease4 dns)" = "$DNS4" ] || fail "dns '$(lease4 dns)'"
[ "$(lease4 search)" = test.example ] || fail "search '$(lease4 search)'"
[ "$(lease4 domain)" = test.example ] || fail "domain '$(lease4 domain)'"
[ "$(lease4 mtu)" = 65520 ] || fail "mtu '$(lease4 mtu)', want 65520"
[ "$(lease4 broadcast)" = 192.0.2.255 ] ||
	fail "broadcast '$(lease4 broadcast)'"
[ "$(lease4 lease)" = 4294967295 ] || fail "lease time '$(lease4 lease)'"

# What a client does with it: the address works as configured
in_guest ip addr add "$(lease4 ip)/24" dev tap0 || fail "ip addr add"
in_guest ip route add default via "$(lease4 router)" || fail "ip route add"
in_guest ip -4 route get "$REMOTE4" | grep -q "via $GW4 dev tap0" ||
	fail "no route to $REMOTE4 via the lease's router"
daemon_alive || fail "daemon exited"
pass
