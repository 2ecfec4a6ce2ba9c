#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# backends: stream vhost-user (pauses the guest side's bridge process: pasta has none, the namespace's kernel answers)
# timeout: 60
#
# flow_last_ack_timeout - The guest closes first (FIN), then stops answering
# (its bridge is paused); the host peer closes, so our FIN goes out and is
# never acknowledged: LAST_ACK. With --tcp-closing-timeout 4, the flow is
# reaped between 4 and 8 s (plus a sweep and the dump's latency) after the host's close, not before;
# meanwhile our FIN is retransmitted on the RTO schedule. Keepalives are off
# the table (600 s) so only the closing clock can act.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/flow.sh"

bed_setup
need_cmd python3
flow_tool_init
flow_start --tcp-closing-timeout 4 --tcp-keepalive-interval 600

bed_bg in_remote python3 "$FLOWTOOL" hold-server "$REMOTE4" 9102 \
	"$BED_DIR/close-now" >"$BED_DIR/srv.out"
flow_wait_file "$BED_DIR/srv.out" listening || fail "server not up"
bed_bg in_guest python3 "$FLOWTOOL" client "$REMOTE4" 9102 send:1000 shut \
	hold >"$BED_DIR/cli.out"
flow_wait_file "$BED_DIR/cli.out" "hold ok" || fail "exchange failed"
flow_wait_file "$BED_DIR/srv.out" eof || fail "server saw no EOF"

kill -STOP "$BRIDGE_PID" || fail "cannot pause the bridge"
# Lower limit from before the close, upper from after it was seen: the time
# the test takes to notice events never makes a correct reap look early.
t_close=$(flow_now)
touch "$BED_DIR/close-now"
flow_wait_file "$BED_DIR/srv.out" closed || fail "server did not close"
t0=$(flow_now)
wait_for sh -c "grep -q 'LAST_ACK' '$BED_DIR/passt.log'" ||
	fail "no LAST_ACK transition"

sleep 3.5
[ "$(flow_tcp_count LAST_ACK)" = 1 ] ||
	fail "LAST_ACK flow gone before the closing timeout: $(flow_dump)"
gone() { [ "$(flow_tcp_count)" = 0 ]; }
wait_for gone || fail "LAST_ACK flow never reaped: $(flow_dump)"
dt=$(flow_elapsed "$t0")
dt_close=$(flow_elapsed "$t_close")
kill -CONT "$BRIDGE_PID"
awk -v d="$dt_close" 'BEGIN { exit !(d >= 4) }' ||
	fail "reaped $dt_close s after the host's close, before 4 s"
awk -v d="$dt" 'BEGIN { exit !(d <= 12) }' ||
	fail "reaped $dt s after the host's close, later than 12 s"
daemon_log_has "closing timeout" || fail "not reaped by the closing timeout"
n=$(grep -c "retransmission timeout" "$BED_DIR/passt.log")
[ "$n" -ge 2 ] || fail "FIN retransmitted $n times, expected the RTO schedule"
[ "$(flow_counter tcp_reset_closing)" = 1 ] || fail "counter not 1"
echo "reaped $dt s after the host closed; $n FIN retransmissions"
pass
