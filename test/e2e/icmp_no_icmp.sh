#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
#
# icmp_no_icmp - With --no-icmp, even though ping sockets are allowed, the
# guest's echo requests (IPv4 and IPv6) get no reply, no flow is created,
# nothing is logged about ping sockets, and the daemon stays up; a second
# daemon without the option answers the same pings.

. "$(dirname "$0")/../lib/bed.sh"

bed_setup
need_cmd busybox
in_host sysctl -qw net.ipv4.ping_group_range="0 2147483647" ||
	skip "cannot set net.ipv4.ping_group_range"
bed_start_daemon --no-ra --no-icmp
bed_connect_guest
guest_static_config

out=$(in_guest busybox ping -c 2 -W 1 "$REMOTE4" 2>&1)
echo "$out" | grep -q '2 packets transmitted, 0 packets received' ||
	fail "IPv4 echo answered with --no-icmp: $out"
out=$(in_guest busybox ping6 -c 2 -W 1 "$REMOTE6" 2>&1)
echo "$out" | grep -q '2 packets transmitted, 0 packets received' ||
	fail "IPv6 echo answered with --no-icmp: $out"
daemon_alive || fail "daemon died"
kill -USR1 "$PASST_PID"
wait_for grep -q 'flow table:' "$BED_DIR/passt.log" ||
	fail "no flow dump after SIGUSR1"
grep -q 'flow table: 0 active' "$BED_DIR/passt.log" ||
	fail "flows created with --no-icmp"
grep -q 'echo unavailable' "$BED_DIR/passt.log" &&
	fail "ping sockets probed with --no-icmp"

# Control: the same bed without --no-icmp answers
bed_disconnect_guest
bed_stop_daemon
bed_start_daemon --no-ra
bed_connect_guest
guest_static_config
out=$(in_guest busybox ping -c 2 -W 2 "$REMOTE4" 2>&1)
echo "$out" | grep -q '2 packets transmitted, 2 packets received' ||
	fail "control daemon without --no-icmp did not answer: $out"
pass
