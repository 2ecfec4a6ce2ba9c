#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 120
#
# tcp_download - The guest downloads 50 MB from a server behind the host, over
# IPv4 and over IPv6; the bytes arrive intact (sha256) and the connection
# closes in order on both sides.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/tcp.sh"

bed_setup
need_cmd python3
tcp_tool_init
head -c $((50 * 1024 * 1024)) /dev/urandom >"$BED_DIR/src"
want=$(tcp_sha "$BED_DIR/src")
tcp_start

for addr in "$REMOTE4" "$REMOTE6"; do
	rm -f "$BED_DIR/dst" "$BED_DIR/srv.out"
	bed_bg in_remote python3 "$TCPTOOL" send-server "$addr" 9000 \
		"$BED_DIR/src" >"$BED_DIR/srv.out"
	srv=$BG_PID
	tcp_wait_file "$BED_DIR/srv.out" listening ||
		fail "server on $addr did not start"
	timeout 60 ip netns exec "$NS_GUEST" python3 "$TCPTOOL" get "$addr" \
		9000 "$BED_DIR/dst" || fail "download from $addr failed"
	got=$(tcp_sha "$BED_DIR/dst")
	[ "$got" = "$want" ] ||
		fail "download from $addr: $(stat -c %s "$BED_DIR/dst") bytes, sha256 differs"
	wait_for sh -c "! kill -0 $srv" ||
		fail "server on $addr did not see an orderly close"
	wait "$srv" || fail "server on $addr failed"
done
daemon_alive || fail "daemon died"
tcp_expect_no_flows
pass
