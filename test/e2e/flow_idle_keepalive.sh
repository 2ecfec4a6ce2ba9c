#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 90
# idle
#
# flow_idle_keepalive - Each rule in its direction. With a 1 s keepalive
# interval and a 12 s inactivity timeout: a connection silent for 10
# keepalive intervals, whose guest answers every keepalive, is still alive
# and carries data both ways correctly afterwards (answers to keepalives
# keep nothing alive, but 10 s is within the inactivity limit); then, with no
# traffic at all, it is reset toward both sides between 12 and 24 s (plus a
# sweep) after its last data: a keepalive's answer is not activity.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/flow.sh"

bed_setup
need_cmd python3
flow_tool_init
flow_start --tcp-keepalive-interval 1 --inactivity-timeout 12

bed_bg in_remote python3 "$FLOWTOOL" hold-server "$REMOTE6" 9103 \
	>"$BED_DIR/srv.out"
flow_wait_file "$BED_DIR/srv.out" listening || fail "server not up"
bed_bg in_guest python3 "$FLOWTOOL" client "$REMOTE6" 9103 send:20000 \
	wait:"$BED_DIR/go" send:30000 reset >"$BED_DIR/cli.out"
flow_wait_file "$BED_DIR/cli.out" "send:20000 ok" || fail "exchange failed"

sleep 10
ka=$(grep -c 'keepalive to guest' "$BED_DIR/passt.log")
[ "$ka" -ge 4 ] || fail "only $ka keepalives in 10 s of silence"
[ "$(flow_tcp_count ESTABLISHED)" = 1 ] ||
	fail "idle connection lost: $(flow_dump)"
# The last data flows between t_go and t0: the lower limit is measured from
# t_go, the upper from t0, so the time the test takes to notice each event
# (polling, a loaded machine) never makes a correct reset look early or late.
t_go=$(flow_now)
touch "$BED_DIR/go"
flow_wait_file "$BED_DIR/cli.out" "send:30000 ok" ||
	fail "no correct exchange after 10 s of silence: $(cat "$BED_DIR/cli.out")"
t0=$(flow_now)

WAIT_TIMEOUT_S=40 wait_for grep -q "reset ok" "$BED_DIR/cli.out" ||
	fail "guest saw no reset after the inactivity limit"
dt=$(flow_elapsed "$t0")
dt_go=$(flow_elapsed "$t_go")
flow_wait_file "$BED_DIR/srv.out" reset || fail "host peer saw no reset"
awk -v d="$dt_go" 'BEGIN { exit !(d >= 12) }' ||
	fail "reset $dt_go s after the data was released, before 12 s"
awk -v d="$dt" 'BEGIN { exit !(d <= 26) }' ||
	fail "reset $dt s after the last data, later than 26 s"
daemon_log_has "inactivity timeout" || fail "reset, but not for inactivity"
[ "$(flow_counter tcp_reset_idle)" = 1 ] || fail "counter not 1"
echo "$ka keepalives in 10 s; reset $dt s after the last data"
pass
