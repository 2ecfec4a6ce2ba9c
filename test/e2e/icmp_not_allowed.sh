#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
#
# icmp_not_allowed - With ping sockets refused (net.ipv4.ping_group_range
# "1 0", which governs ICMPv6 too), the daemon says so in one log line at
# start, the guest's echo requests (IPv4 and IPv6) get no reply, no flow is
# created, and the daemon stays up.

. "$(dirname "$0")/../lib/bed.sh"

bed_setup
need_cmd busybox
in_host sysctl -qw net.ipv4.ping_group_range="1 0" ||
	skip "cannot set net.ipv4.ping_group_range"
bed_start_daemon --no-ra
bed_connect_guest
guest_static_config
# (pasta: bed_start_daemon waited for the sandbox already)
[ "$BACKEND" = pasta ] || wait_for daemon_log_has 'attach qemu with' ||
	fail "start-up not complete"

n=$(grep -c 'echo unavailable' "$BED_DIR/passt.log")
[ "$n" -eq 1 ] || fail "$n log lines about unavailable ping sockets, not 1"
grep 'echo unavailable' "$BED_DIR/passt.log" | grep -q ping_group_range ||
	fail "the log line does not name net.ipv4.ping_group_range"

out=$(in_guest busybox ping -c 2 -W 1 "$REMOTE4" 2>&1)
echo "$out" | grep -q '2 packets transmitted, 0 packets received' ||
	fail "IPv4 echo answered or ping failed: $out"
out=$(in_guest busybox ping6 -c 2 -W 1 "$REMOTE6" 2>&1)
echo "$out" | grep -q '2 packets transmitted, 0 packets received' ||
	fail "IPv6 echo answered or ping failed: $out"
out=$(in_guest busybox ping -c 1 -W 1 "$GW4" 2>&1)
echo "$out" | grep -q '1 packets transmitted, 0 packets received' ||
	fail "echo to the gateway answered: $out"

daemon_alive || fail "daemon died"
n=$(grep -c 'echo unavailable' "$BED_DIR/passt.log")
[ "$n" -eq 1 ] || fail "$n log lines about unavailable ping sockets after pings"
kill -USR1 "$PASST_PID"
wait_for grep -q 'flow table:' "$BED_DIR/passt.log" ||
	fail "no flow dump after SIGUSR1"
grep -q 'flow table: 0 active' "$BED_DIR/passt.log" ||
	fail "flows created although ping sockets are refused"
pass
