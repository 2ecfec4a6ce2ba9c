#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
#
# link_no_dhcp - With --no-dhcp the guest's DHCP client gets no lease, while
# DHCPv6 still answers.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/link.sh"

need_cmd busybox
need_cmd python3
bed_setup
bed_start_daemon --no-dhcp
bed_connect_guest

link_udhcpc && fail "udhcpc got a lease despite --no-dhcp"
[ -s "$LEASE4" ] && fail "lease recorded despite --no-dhcp"
grep -q 'broadcasting discover' "$BED_DIR/udhcpc.log" ||
	fail "udhcpc did not even try: $(cat "$BED_DIR/udhcpc.log")"
link_dhcp6 || fail "DHCPv6 stopped answering with --no-dhcp"
daemon_alive || fail "daemon exited"
pass
