#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
#
# tcp_gw_loopback - A guest connection to its gateway address reaches a
# server on the host's loopback (127.0.0.1, ::1); with --no-map-gw it does
# not (it goes to the real gateway, where nobody listens: refused).

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/tcp.sh"

bed_setup
need_cmd python3
tcp_tool_init
head -c 300000 /dev/urandom >"$BED_DIR/src"
want=$(tcp_sha "$BED_DIR/src")
tcp_start

for pair in "127.0.0.1 $GW4" "::1 $GW6"; do
	set -- $pair
	rm -f "$BED_DIR/dst" "$BED_DIR/srv.out"
	bed_bg in_host python3 "$TCPTOOL" send-server "$1" 9006 \
		"$BED_DIR/src" >"$BED_DIR/srv.out"
	srv=$BG_PID
	tcp_wait_file "$BED_DIR/srv.out" listening ||
		fail "server on $1 did not start"
	timeout 20 ip netns exec "$NS_GUEST" python3 "$TCPTOOL" get "$2" \
		9006 "$BED_DIR/dst" || fail "connection to $2 failed"
	wait "$srv" || fail "server on $1 failed"
	[ "$(tcp_sha "$BED_DIR/dst")" = "$want" ] ||
		fail "data via $2 from host $1 differs"
done

# --no-map-gw: the gateway address is the remote namespace, not the host
bed_disconnect_guest
bed_stop_daemon
in_guest ip link del tap0 2>/dev/null
tcp_start --no-map-gw
bed_bg in_host python3 "$TCPTOOL" send-server 127.0.0.1 9007 \
	"$BED_DIR/src" >"$BED_DIR/srv.out"
tcp_wait_file "$BED_DIR/srv.out" listening || fail "server did not start"
timeout 20 ip netns exec "$NS_GUEST" python3 "$TCPTOOL" refused "$GW4" 9007 ||
	fail "--no-map-gw: connection to $GW4 reached the host's loopback"
tcp_expect_no_flows
pass
