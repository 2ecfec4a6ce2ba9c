#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 180
# serial
#
# tcp_many - 1,000 concurrent guest connections each send 64 KiB to an echo
# server and check the echo byte for byte; afterwards the daemon has no
# flow left and its open file descriptors are back to the idle count.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/tcp.sh"

bed_setup
need_cmd python3
tcp_tool_init
ulimit -n 8192 || skip "cannot raise the file limit to 8192"
tcp_start
idle=$(tcp_daemon_fds)

bed_bg in_remote python3 "$TCPTOOL" echo-server "$REMOTE4" 9008 \
	>"$BED_DIR/srv.out"
tcp_wait_file "$BED_DIR/srv.out" listening || fail "echo server did not start"
timeout 150 ip netns exec "$NS_GUEST" python3 "$TCPTOOL" many "$REMOTE4" \
	9008 1000 65536 >"$BED_DIR/many.out" 2>&1 ||
	fail "1000 connections: $(tail -5 "$BED_DIR/many.out")"
grep -q 'done: 0 bad, 0 unfinished' "$BED_DIR/many.out" ||
	fail "1000 connections: $(tail -5 "$BED_DIR/many.out")"
wait_for tcp_no_flows || fail "flows left: $(tcp_flows_active)"
wait_for sh -c "[ \$(ls /proc/$PASST_PID/fd | wc -l) -eq $idle ]" ||
	fail "daemon holds $(tcp_daemon_fds) file descriptors, $idle when idle"
pass
