#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
#
# tcp_dns_forward - With --dns-forward 169.254.1.1 (as podman passes it) and
# --dns-forward fd00:53::1, DNS queries the guest sends to those addresses
# over TCP, as over UDP, reach the host's first resolver of that version
# (a stub in the remote namespace on 192.0.2.53 and 2001:db8:1::53 that
# answers both), and the answers come from the address the guest asked,
# port 53. Port 54 of the forward address is not redirected.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/udp.sh"
. "$(dirname "$0")/../lib/tcp.sh"
. "$(dirname "$0")/../lib/dns.sh"

bed_setup
need_cmd python3
dns_tool_init
in_remote sh -e -c "
	ip addr add $DNS4/32 dev veth-r
	ip -6 addr add $DNS6/128 dev veth-r nodad" || fail "resolver addresses"
bed_bg in_remote python3 "$DNSTOOL" server "$DNS4" 203.0.113.7 \
	>"$BED_DIR/d4.out"
bed_bg in_remote python3 "$DNSTOOL" server "$DNS6" 203.0.113.8 \
	>"$BED_DIR/d6.out"
udp_wait_file "$BED_DIR/d4.out" listening || fail "IPv4 resolver not up"
udp_wait_file "$BED_DIR/d6.out" listening || fail "IPv6 resolver not up"

udp_start --dns-forward 169.254.1.1 --dns-forward fd00:53::1

for proto in tcp udp; do
	in_guest timeout 20 python3 "$DNSTOOL" query $proto 169.254.1.1 \
		a$proto.test.example 203.0.113.7 ||
		fail "$proto query to 169.254.1.1 not answered right"
	in_guest timeout 20 python3 "$DNSTOOL" query $proto fd00:53::1 \
		b$proto.test.example 203.0.113.8 ||
		fail "$proto query to fd00:53::1 not answered right"
	grep -q "answered $proto a$proto.test.example" "$BED_DIR/d4.out" ||
		fail "IPv4 resolver did not see the $proto query"
	grep -q "answered $proto b$proto.test.example" "$BED_DIR/d6.out" ||
		fail "IPv6 resolver did not see the $proto query"
done

# Another port of the forward address is not the resolver: 169.254.1.1 is
# nowhere, so the connection gets nothing back but a reset or a timeout
in_guest timeout 10 python3 -c '
import socket, sys
try:
    socket.create_connection(("169.254.1.1", 54), timeout=3)
except OSError:
    sys.exit(0)
sys.exit("port 54 of the forward address connected")' ||
	fail "port 54 of 169.254.1.1 was redirected"
daemon_alive || fail "daemon died"
tcp_expect_no_flows
pass
