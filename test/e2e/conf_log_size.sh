#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
# backends: any
#
# conf_log_size - The log file stays within --log-size (64 KiB) on a busy
# run with --debug, and when it is truncated the start-up lines (the
# sandbox's last step) survive: the file goes back to the end of start-up,
# not to nothing, with a line saying so.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/flow.sh"

bed_setup
need_cmd python3
flow_tool_init
flow_start --log-size 65536

bed_bg in_remote python3 "$FLOWTOOL" hold-server "$REMOTE4" 9106 \
	>"$BED_DIR/srv.out"
flow_wait_file "$BED_DIR/srv.out" listening || fail "server not up"
# About 1.5 KiB per SIGUSR1 dump: enough to pass 64 KiB several times
for ((i = 0; i < 150; i++)); do
	kill -USR1 "$PASST_PID"
	sleep 0.05
done
wait_for grep -q "log truncated at --log-size" "$BED_DIR/passt.log" ||
	fail "log never truncated ($(stat -c %s "$BED_DIR/passt.log") bytes)"
size=$(stat -c %s "$BED_DIR/passt.log")
[ "$size" -le 65536 ] || fail "log file is $size bytes, beyond --log-size"
grep -q "seccomp filter installed" "$BED_DIR/passt.log" ||
	fail "start-up lines lost on truncation"
[ "$(grep -c 'seccomp filter installed' "$BED_DIR/passt.log")" = 1 ] ||
	fail "start-up lines repeated"
daemon_alive || fail "daemon died"
echo "log file $size bytes, start-up kept"
pass
