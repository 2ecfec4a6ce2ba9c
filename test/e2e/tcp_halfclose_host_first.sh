#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
#
# tcp_halfclose_host_first - The server sends a greeting and closes its side
# first; the guest reads to end of stream, then sends 1 MB, which must reach
# the server whole (IPv4 and IPv6). Afterwards the daemon has no flow left.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/tcp.sh"

bed_setup
need_cmd python3
tcp_tool_init
python3 "$TCPTOOL" pattern late $((1024 * 1024)) "$BED_DIR/want"
want=$(tcp_sha "$BED_DIR/want")
tcp_start

for addr in "$REMOTE4" "$REMOTE6"; do
	rm -f "$BED_DIR/dst" "$BED_DIR/srv.out"
	bed_bg in_remote python3 "$TCPTOOL" eof-first-server "$addr" 9002 \
		"$BED_DIR/dst" >"$BED_DIR/srv.out"
	srv=$BG_PID
	tcp_wait_file "$BED_DIR/srv.out" listening ||
		fail "server on $addr did not start"
	timeout 30 ip netns exec "$NS_GUEST" python3 "$TCPTOOL" after-eof \
		"$addr" 9002 $((1024 * 1024)) ||
		fail "guest side with $addr failed"
	wait "$srv" || fail "server on $addr failed"
	[ "$(tcp_sha "$BED_DIR/dst")" = "$want" ] ||
		fail "data to $addr after its EOF: $(stat -c %s "$BED_DIR/dst") bytes, sha256 differs"
done
wait_for tcp_no_flows || fail "flows left: $(tcp_flows_active)"
pass
