#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
#
# tcp_rst - A reset travels both ways: the guest aborts (SO_LINGER 0) and the
# server sees ECONNRESET; the server aborts and the guest sees ECONNRESET
# (IPv4 and IPv6). Afterwards the daemon has no flow left.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/tcp.sh"

bed_setup
need_cmd python3
tcp_tool_init
tcp_start

for addr in "$REMOTE4" "$REMOTE6"; do
	rm -f "$BED_DIR/srv.out"
	bed_bg in_remote python3 "$TCPTOOL" wait-reset-server "$addr" 9003 \
		>"$BED_DIR/srv.out"
	srv=$BG_PID
	tcp_wait_file "$BED_DIR/srv.out" listening ||
		fail "server on $addr did not start"
	timeout 20 ip netns exec "$NS_GUEST" python3 "$TCPTOOL" reset-client \
		"$addr" 9003 || fail "guest could not connect to $addr"
	wait "$srv" || fail "server on $addr did not see the guest's reset"

	rm -f "$BED_DIR/srv.out"
	bed_bg in_remote python3 "$TCPTOOL" reset-server "$addr" 9004 \
		>"$BED_DIR/srv.out"
	srv=$BG_PID
	tcp_wait_file "$BED_DIR/srv.out" listening ||
		fail "server on $addr did not start"
	timeout 20 ip netns exec "$NS_GUEST" python3 "$TCPTOOL" \
		wait-reset-client "$addr" 9004 ||
		fail "guest did not see the reset from $addr"
	wait "$srv"
done
wait_for tcp_no_flows || fail "flows left: $(tcp_flows_active)"
pass
