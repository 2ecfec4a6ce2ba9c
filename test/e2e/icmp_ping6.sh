#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
#
# icmp_ping6 - With ping sockets allowed (net.ipv4.ping_group_range governs
# ICMPv6 too), the guest pings a remote host and its gateway over IPv6: every
# echo request gets its reply (busybox ping6 only counts replies carrying its
# own identifier), also with a 1400-byte payload; the gateway's echo is
# answered by the host's loopback ::1.

. "$(dirname "$0")/../lib/bed.sh"

bed_setup
need_cmd busybox
in_host sysctl -qw net.ipv4.ping_group_range="0 2147483647" ||
	skip "cannot set net.ipv4.ping_group_range"
bed_start_daemon --no-ra
bed_connect_guest
guest_static_config

# icmp_ping DEST COUNT [ARGS] - COUNT echo requests, all answered
icmp_ping() {
	local dst=$1 n=$2 out
	shift 2
	out=$(in_guest busybox ping6 -c "$n" -W 3 "$@" "$dst" 2>&1)
	echo "$out" | sed 's/^/    /'
	echo "$out" | grep -q "$n packets transmitted, $n packets received" ||
		fail "ping6 $* $dst: not every request answered"
}

icmp_ping "$REMOTE6" 3
icmp_ping "$REMOTE6" 2 -s 1400
icmp_ping "$GW6" 3

n=$(grep -c 'flow table:' "$BED_DIR/passt.log")
kill -USR1 "$PASST_PID"
wait_for sh -c "[ \$(grep -c 'flow table:' '$BED_DIR/passt.log') -gt $n ]" ||
	fail "no flow dump after SIGUSR1"
grep -E "PING6 \[ACTIVE\] tap \[$HOST6\]:[0-9]+ -> \[$REMOTE6\]:[0-9]+ sock \[$REMOTE6\]:" \
	"$BED_DIR/passt.log" >/dev/null || fail "no PING6 flow to $REMOTE6"
grep -E "PING6 \[ACTIVE\] tap \[$HOST6\]:[0-9]+ -> \[$GW6\]:[0-9]+ sock \[::1\]:" \
	"$BED_DIR/passt.log" >/dev/null ||
	fail "echo to the gateway not mapped to host loopback"
daemon_alive || fail "daemon died"
pass
