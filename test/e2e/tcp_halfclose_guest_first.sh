#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
#
# tcp_halfclose_guest_first - The guest sends a request and closes its side
# (FIN); the server reads to end of stream and only then sends a 1 MB
# response, which must reach the guest whole (IPv4 and IPv6). Afterwards the
# daemon has no flow left.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/tcp.sh"

bed_setup
need_cmd python3
tcp_tool_init
python3 "$TCPTOOL" pattern resp $((1024 * 1024)) "$BED_DIR/want"
want=$(tcp_sha "$BED_DIR/want")
tcp_start

for addr in "$REMOTE4" "$REMOTE6"; do
	rm -f "$BED_DIR/dst" "$BED_DIR/srv.out"
	bed_bg in_remote python3 "$TCPTOOL" reqresp-server "$addr" 9001 \
		$((1024 * 1024)) >"$BED_DIR/srv.out"
	srv=$BG_PID
	tcp_wait_file "$BED_DIR/srv.out" listening ||
		fail "server on $addr did not start"
	timeout 30 ip netns exec "$NS_GUEST" python3 "$TCPTOOL" reqresp \
		"$addr" 9001 100000 "$BED_DIR/dst" ||
		fail "request/response with $addr failed"
	wait "$srv" || fail "server on $addr failed"
	grep -q 'request 100000' "$BED_DIR/srv.out" ||
		fail "server on $addr: request not whole: $(cat "$BED_DIR/srv.out")"
	[ "$(tcp_sha "$BED_DIR/dst")" = "$want" ] ||
		fail "response from $addr: $(stat -c %s "$BED_DIR/dst") bytes, sha256 differs"
done
wait_for tcp_no_flows || fail "flows left: $(tcp_flows_active)"
pass
