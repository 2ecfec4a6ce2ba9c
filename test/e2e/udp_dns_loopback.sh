#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
#
# udp_dns_loopback - The host's only resolvers are on loopback addresses
# (127.0.0.53, as systemd-resolved, and ::1): the guest is told its gateway
# as resolver instead, and DNS queries to the gateway's port 53 reach the
# host resolver (a stub listening on 127.0.0.53 and ::1 only); the answers
# come back from the gateway, port 53.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/udp.sh"

bed_setup
need_cmd python3
udp_tool_init
printf 'nameserver 127.0.0.53\nnameserver ::1\n' \
	>"/etc/netns/$NS_HOST/resolv.conf" || fail "resolv.conf"
bed_bg in_host python3 "$UDPTOOL" dns-server 127.0.0.53 53 203.0.113.9 \
	>"$BED_DIR/d4.out"
bed_bg in_host python3 "$UDPTOOL" dns-server ::1 53 203.0.113.10 \
	>"$BED_DIR/d6.out"
udp_wait_file "$BED_DIR/d4.out" listening || fail "IPv4 resolver not up"
udp_wait_file "$BED_DIR/d6.out" listening || fail "IPv6 resolver not up"

udp_start
daemon_log_has "IPv4 DNS: $GW4\$" || fail "guest not told the IPv4 gateway"
daemon_log_has "IPv6 DNS: $GW6\$" || fail "guest not told the IPv6 gateway"
[ "$(grep -c 'IPv4 DNS:' "$BED_DIR/passt.log")" -eq 1 ] ||
	fail "other IPv4 resolvers told"

in_guest python3 "$UDPTOOL" dns-query "$GW4" c.test.example 203.0.113.9 ||
	fail "query to the IPv4 gateway not answered right"
in_guest python3 "$UDPTOOL" dns-query "$GW6" d.test.example 203.0.113.10 ||
	fail "query to the IPv6 gateway not answered right"
grep -q 'answered c.test.example' "$BED_DIR/d4.out" ||
	fail "resolver on 127.0.0.53 did not see the query"
grep -q 'answered d.test.example' "$BED_DIR/d6.out" ||
	fail "resolver on ::1 did not see the query"
daemon_alive || fail "daemon died"
pass
