#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 120
# backends: stream (the guest side is not lossy on vhost-user: a frozen front-end stops the daemon, it does not lose frames)
#
# tcp_retransmit - Frames toward the guest get lost: the guest's side of the
# link (tapbridge) is frozen twice during a 100 MB download, so the daemon's
# writes to it fail and frames are dropped. The download must still arrive
# intact (sha256) through duplicate-ACK and timeout retransmission, and the
# log must show that frames were in fact dropped and resent.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/tcp.sh"

bed_setup
need_cmd python3
tcp_tool_init
head -c $((100 * 1024 * 1024)) /dev/urandom >"$BED_DIR/src"
want=$(tcp_sha "$BED_DIR/src")
tcp_start -d

bed_bg in_remote python3 "$TCPTOOL" send-server "$REMOTE4" 9010 \
	"$BED_DIR/src" >"$BED_DIR/srv.out"
srv=$BG_PID
tcp_wait_file "$BED_DIR/srv.out" listening || fail "server did not start"
# A large guest receive window: more in flight than the link buffers hold
in_guest sysctl -qw net.ipv4.tcp_rmem="4096 1048576 33554432"
bed_bg in_guest python3 "$TCPTOOL" get "$REMOTE4" 9010 "$BED_DIR/dst"
cli=$BG_PID
for i in 1 2; do
	wait_for sh -c "[ \$(stat -c %s '$BED_DIR/dst' 2>/dev/null || echo 0) -gt $((i * 20000000)) ]" ||
		fail "download did not get going"
	kill -STOP "$BRIDGE_PID"
	sleep 1.2
	kill -CONT "$BRIDGE_PID"
done
wait "$cli" || fail "download failed"
wait "$srv" || fail "server failed"
[ "$(tcp_sha "$BED_DIR/dst")" = "$want" ] ||
	fail "download: $(stat -c %s "$BED_DIR/dst") bytes, sha256 differs"
kill -USR1 "$PASST_PID"
wait_for daemon_log_has 'dropped_TAP_FULL' || fail "no counters dumped"
drops=$(grep 'dropped_TAP_FULL' "$BED_DIR/passt.log" | tail -1 |
	sed 's/.*: //')
daemon_log_has -e 'retransmission timeout' -e 'fast retransmit' ||
	fail "no retransmission logged ($drops frames dropped)"
echo "$drops frames dropped, $(grep -c -e 'retransmission timeout' \
	-e 'fast retransmit' "$BED_DIR/passt.log") retransmissions"
tcp_expect_no_flows
pass
