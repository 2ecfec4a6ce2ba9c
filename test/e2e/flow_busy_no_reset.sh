#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 120
#
# flow_busy_no_reset - No false positives under load: 1,000 connections, each
# exchanging 64 bytes every second, over 12 s with every limit at its
# shortest useful value (keepalive 1 s, inactivity 3 s, closing 3 s): none is
# reset, every echo is correct, and the table drains after they close.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/flow.sh"
. "$(dirname "$0")/../lib/tcp.sh"

bed_setup
need_cmd python3
flow_tool_init
tcp_tool_init
flow_start --tcp-keepalive-interval 1 --inactivity-timeout 3 \
	--tcp-closing-timeout 3

bed_bg in_remote sh -c "ulimit -n 4096; exec python3 '$TCPTOOL' echo-server \
	'$REMOTE4' 9104" >"$BED_DIR/srv.out"
flow_wait_file "$BED_DIR/srv.out" listening || fail "server not up"
in_guest sh -c "ulimit -n 4096; exec timeout 90 python3 '$FLOWTOOL' busy \
	'$REMOTE4' 9104 1000 12" >"$BED_DIR/busy.out" 2>&1 ||
	fail "busy connections failed: $(tail -3 "$BED_DIR/busy.out")"
grep -q "rounds [0-9]* ok" "$BED_DIR/busy.out" || fail "no result"
daemon_log_has "inactivity timeout" && fail "a busy connection was reset"
daemon_log_has "closing timeout" && fail "closing timeout fired under load"
gone() { [ "$(flow_tcp_count)" = 0 ]; }
WAIT_TIMEOUT_S=20 wait_for gone || fail "flows left: $(flow_dump | head -3)"
echo "$(cat "$BED_DIR/busy.out" | tail -1)"
pass
