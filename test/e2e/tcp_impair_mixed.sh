#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 120
#
# tcp_impair_mixed - The link between guest and daemon loses 1%, holds back
# 3% and duplicates 1% of TCP frames each way at once (test/tools/impair.h):
# 50 MiB up and 50 MiB down over IPv4 and IPv6 arrive intact (sha256), with
# both close orders and no stall of a second or more; then 300 concurrent
# connections each send 64 KiB to an echo server and check the echo. The
# daemon has no flow left afterwards.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/tcp.sh"

bed_setup
need_cmd python3
tcp_tool_init
ulimit -n 4096 || skip "cannot raise the file limit to 4096"
TCP_GUEST_ARGS="--loss 1 --reorder 3 --dup 1 --seed $$" tcp_start
tcp_impair_bulk "${TCP_IMPAIR_MIB:-50}"

bed_bg in_remote python3 "$TCPTOOL" echo-server "$REMOTE4" 9008 \
	>"$BED_DIR/echo.out"
tcp_wait_file "$BED_DIR/echo.out" listening || fail "echo server did not start"
timeout 60 ip netns exec "$NS_GUEST" python3 "$TCPTOOL" many "$REMOTE4" \
	9008 300 65536 >"$BED_DIR/many.out" 2>&1 ||
	fail "300 connections: $(tail -5 "$BED_DIR/many.out")"
grep -q 'done: 0 bad, 0 unfinished' "$BED_DIR/many.out" ||
	fail "300 connections: $(tail -5 "$BED_DIR/many.out")"
echo "300 connections: $(tail -1 "$BED_DIR/many.out")"
daemon_alive || fail "daemon died"
tcp_expect_no_flows
pass
