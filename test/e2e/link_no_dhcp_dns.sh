#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
#
# link_no_dhcp_dns - With --no-dhcp-dns the DHCP lease, the DHCPv6 reply and
# the router advertisement carry no resolvers, but everything else.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/link.sh"

need_cmd busybox
need_cmd python3
bed_setup
bed_start_daemon --no-dhcp-dns
bed_connect_guest

link_udhcpc || { cat "$BED_DIR/udhcpc.log"; fail "udhcpc got no lease"; }
sed 's/^/    /' "$LEASE4"
[ "$(lease4 ip)" = "$HOST4" ] || fail "address '$(lease4 ip)'"
[ "$(lease4 router)" = "$GW4" ] || fail "router '$(lease4 router)'"
[ -z "$(lease4 dns)" ] || fail "dns '$(lease4 dns)' despite --no-dhcp-dns"
[ "$(lease4 search)" = test.example ] || fail "search '$(lease4 search)'"

link_dhcp6 || { cat "$BED_DIR/dhcp6.log"; fail "DHCPv6 exchange failed"; }
[ "$(lease6 ipv6)" = "$HOST6" ] || fail "DHCPv6 address '$(lease6 ipv6)'"
[ -z "$(lease6 dns)" ] || fail "DHCPv6 dns '$(lease6 dns)'"

ra=$(link_ra) || fail "no router advertisement"
echo "$ra" | sed 's/^/    /'
echo "$ra" | grep -q '^prefix=2001:db8:1::/64$' || fail "RA without prefix"
echo "$ra" | grep -q '^rdnss=' && fail "RA with RDNSS despite --no-dhcp-dns"
echo "$ra" | grep -q '^dnssl=test.example$' || fail "RA without DNSSL"
daemon_alive || fail "daemon exited"
pass
