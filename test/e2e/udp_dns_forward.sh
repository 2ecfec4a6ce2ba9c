#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
#
# udp_dns_forward - With --dns-forward 169.254.1.1 (as podman passes it) and
# --dns-forward fd00:53::1, DNS queries the guest sends to those addresses
# go to the host's first resolver of that version from resolv.conf
# (192.0.2.53, 2001:db8:1::53: a stub resolver behind the host), and the
# answers reach the guest from the address it asked, port 53. The daemon
# prints the forwarding at start.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/udp.sh"

bed_setup
need_cmd python3
udp_tool_init
in_remote sh -e -c "
	ip addr add $DNS4/32 dev veth-r
	ip -6 addr add $DNS6/128 dev veth-r nodad" || fail "resolver addresses"
bed_bg in_remote python3 "$UDPTOOL" dns-server "$DNS4" 53 203.0.113.7 \
	>"$BED_DIR/d4.out"
bed_bg in_remote python3 "$UDPTOOL" dns-server "$DNS6" 53 203.0.113.8 \
	>"$BED_DIR/d6.out"
udp_wait_file "$BED_DIR/d4.out" listening || fail "IPv4 resolver not up"
udp_wait_file "$BED_DIR/d6.out" listening || fail "IPv6 resolver not up"

udp_start --dns-forward 169.254.1.1 --dns-forward fd00:53::1
daemon_log_has "IPv4 DNS forwarding: 169.254.1.1 -> $DNS4" ||
	fail "IPv4 forwarding not printed"
daemon_log_has "IPv6 DNS forwarding: fd00:53::1 -> $DNS6" ||
	fail "IPv6 forwarding not printed"

in_guest python3 "$UDPTOOL" dns-query 169.254.1.1 a.test.example \
	203.0.113.7 || fail "query to 169.254.1.1 not answered right"
in_guest python3 "$UDPTOOL" dns-query fd00:53::1 b.test.example \
	203.0.113.8 || fail "query to fd00:53::1 not answered right"
grep -q 'answered a.test.example' "$BED_DIR/d4.out" ||
	fail "IPv4 resolver did not see the query"
grep -q 'answered b.test.example' "$BED_DIR/d6.out" ||
	fail "IPv6 resolver did not see the query"
daemon_alive || fail "daemon died"
pass
