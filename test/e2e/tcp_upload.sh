#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 120
#
# tcp_upload - The guest uploads 50 MB to a server behind the host, over IPv4
# and over IPv6; the server receives the bytes intact (sha256) and an orderly
# end of stream.

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
	bed_bg in_remote python3 "$TCPTOOL" recv-server "$addr" 9000 \
		"$BED_DIR/dst" >"$BED_DIR/srv.out"
	srv=$BG_PID
	tcp_wait_file "$BED_DIR/srv.out" listening ||
		fail "server on $addr did not start"
	timeout 60 ip netns exec "$NS_GUEST" python3 "$TCPTOOL" put "$addr" \
		9000 "$BED_DIR/src" || fail "upload to $addr failed"
	wait "$srv" || fail "server on $addr failed"
	got=$(tcp_sha "$BED_DIR/dst")
	[ "$got" = "$want" ] ||
		fail "upload to $addr: $(stat -c %s "$BED_DIR/dst") bytes, sha256 differs"
done
daemon_alive || fail "daemon died"
tcp_expect_no_flows
pass
