#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
#
# udp_expiry - With --udp-timeout 3, a UDP flow stays while in use and for
# the timeout after, then is gone from the flow table (SIGUSR1 dump) and its
# socket is closed; a new datagram from the same guest socket then makes a
# new flow that works. Out-of-range --udp-timeout values are refused.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/udp.sh"

bed_setup
need_cmd python3
udp_tool_init
udp_start --udp-timeout 3

bed_bg in_remote python3 "$UDPTOOL" echo-server "$REMOTE4" 5000 \
	>"$BED_DIR/e4.out"
udp_wait_file "$BED_DIR/e4.out" listening || fail "server not up"

fds0=$(ls "/proc/$PASST_PID/fd" | wc -l)
bed_bg in_guest python3 "$UDPTOOL" hold "$REMOTE4" 5000 30 \
	>"$BED_DIR/hold.out"
udp_wait_file "$BED_DIR/hold.out" held || fail "first exchange failed"
dump=$(udp_flow_dump) || fail "no flow dump"
echo "$dump" | grep -q "UDP \[ACTIVE\] tap $HOST4:[0-9]* -> $REMOTE4:5000" ||
	fail "no UDP flow after the exchange"
[ "$(ls "/proc/$PASST_PID/fd" | wc -l)" -eq $((fds0 + 1)) ] ||
	fail "not one socket for the flow"
sleep 1
dump=$(udp_flow_dump) || fail "no flow dump"
echo "$dump" | grep -q "UDP \[ACTIVE\]" || fail "flow gone before its timeout"

wait_for sh -c "[ \$(ls /proc/$PASST_PID/fd | wc -l) -eq $fds0 ]" ||
	fail "flow socket not closed after the idle timeout"
dump=$(udp_flow_dump) || fail "no flow dump"
echo "$dump" | sed 's/^/    /'
echo "$dump" | grep -q "UDP \[ACTIVE\]" && fail "UDP flow still active"
echo "$dump" | grep -q "flow table: 0 active" || fail "active flows left"
# A closed flow is freed by the next sweep (one second)
udp_table_empty() { ! udp_flow_dump | grep -q "UDP \["; }
wait_for udp_table_empty || fail "closed UDP flow never freed"

in_guest python3 "$UDPTOOL" echo "$REMOTE4" 5000 100 ||
	fail "new exchange after expiry failed"
daemon_alive || fail "daemon died"

for bad in 0 -1 abc 604801; do
	out=$(in_host "$PASST_BIN" -f -s "$BED_DIR/bad.sock" \
		--udp-timeout "$bad" 2>&1) && fail "--udp-timeout $bad accepted"
	echo "$out" | grep -q "udp-timeout" ||
		fail "no message for --udp-timeout $bad: $out"
done
pass
