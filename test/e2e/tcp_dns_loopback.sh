#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
#
# tcp_dns_loopback - The host's only resolvers are on loopback addresses
# (127.0.0.53, as systemd-resolved, and ::1): the guest, told its gateway
# as resolver, reaches the host resolver (a stub on 127.0.0.53 and ::1
# answering over UDP and TCP) through the gateway's port 53 over TCP as over
# UDP. With --map-host-loopback 10.0.2.2 the queries go to 10.0.2.2 instead.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/udp.sh"
. "$(dirname "$0")/../lib/tcp.sh"
. "$(dirname "$0")/../lib/dns.sh"

bed_setup
need_cmd python3
dns_tool_init
printf 'nameserver 127.0.0.53\nnameserver ::1\n' \
	>"/etc/netns/$NS_HOST/resolv.conf" || fail "resolv.conf"
bed_bg in_host python3 "$DNSTOOL" server 127.0.0.53 203.0.113.9 \
	>"$BED_DIR/d4.out"
bed_bg in_host python3 "$DNSTOOL" server ::1 203.0.113.10 \
	>"$BED_DIR/d6.out"
udp_wait_file "$BED_DIR/d4.out" listening || fail "IPv4 resolver not up"
udp_wait_file "$BED_DIR/d6.out" listening || fail "IPv6 resolver not up"

udp_start
for proto in tcp udp; do
	in_guest timeout 20 python3 "$DNSTOOL" query $proto "$GW4" \
		c$proto.test.example 203.0.113.9 ||
		fail "$proto query to the IPv4 gateway not answered right"
	in_guest timeout 20 python3 "$DNSTOOL" query $proto "$GW6" \
		d$proto.test.example 203.0.113.10 ||
		fail "$proto query to the IPv6 gateway not answered right"
	grep -q "answered $proto c$proto.test.example" "$BED_DIR/d4.out" ||
		fail "resolver on 127.0.0.53 did not see the $proto query"
	grep -q "answered $proto d$proto.test.example" "$BED_DIR/d6.out" ||
		fail "resolver on ::1 did not see the $proto query"
done

bed_disconnect_guest
bed_stop_daemon
in_guest ip link del tap0 2>/dev/null
udp_start --map-host-loopback 10.0.2.2
in_guest timeout 20 python3 "$DNSTOOL" query tcp 10.0.2.2 \
	e.test.example 203.0.113.9 ||
	fail "TCP query to the --map-host-loopback address not answered"
grep -q "answered tcp e.test.example" "$BED_DIR/d4.out" ||
	fail "resolver did not see the query to 10.0.2.2"
daemon_alive || fail "daemon died"
tcp_expect_no_flows
pass
