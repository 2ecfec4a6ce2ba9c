#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 180
# idle
#
# icmp_expiry - A ping flow stays while the guest pings, and is closed (its
# socket with it) one to two sweep intervals (FLOW_PING_TIMEOUT_S, 60 s: RFC
# 5508 REQ-1 asks for at least 60) after the last echo request: the flow
# table is empty again and the daemon holds as many file descriptors as
# before.

. "$(dirname "$0")/../lib/bed.sh"

bed_setup
need_cmd busybox
in_host sysctl -qw net.ipv4.ping_group_range="0 2147483647" ||
	skip "cannot set net.ipv4.ping_group_range"
bed_start_daemon --no-ra
bed_connect_guest
guest_static_config

# icmp_active - Print the daemon's active flow count (SIGUSR1 dump)
icmp_active() {
	local n
	n=$(grep -c 'flow table:' "$BED_DIR/passt.log")
	kill -USR1 "$PASST_PID"
	wait_for sh -c "[ \$(grep -c 'flow table:' '$BED_DIR/passt.log') -gt $n ]" ||
		return 1
	grep 'flow table:' "$BED_DIR/passt.log" | tail -1 |
		sed 's/.*flow table: \([0-9]*\) active.*/\1/'
}

fds0=$(ls "/proc/$PASST_PID/fd" | wc -l)
in_guest busybox ping -c 2 -W 2 "$REMOTE4" >/dev/null || fail "ping failed"
in_guest busybox ping6 -c 2 -W 2 "$REMOTE6" >/dev/null || fail "ping6 failed"
[ "$(icmp_active)" = 2 ] || fail "not 2 active flows after two pings"
[ "$(ls "/proc/$PASST_PID/fd" | wc -l)" -eq $((fds0 + 2)) ] ||
	fail "not one socket per ping flow"
sleep 58
[ "$(icmp_active)" = 2 ] || fail "ping flows closed before their timeout"
WAIT_TIMEOUT_S=70 wait_for sh -c "[ \"\$(ls /proc/$PASST_PID/fd | wc -l)\" -eq $fds0 ]" ||
	fail "ping sockets not closed after the idle timeout"
[ "$(icmp_active)" = 0 ] || fail "ping flows still active after the timeout"
daemon_alive || fail "daemon died"
pass
