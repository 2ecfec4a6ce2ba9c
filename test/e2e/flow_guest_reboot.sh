#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
# backends: stream (the reboot is tapbridge -R's)
#
# flow_guest_reboot - The guest forgets a connection: with the socket to the
# daemon kept connected, the guest's namespace is torn down and recreated
# with the same addresses (a reboot under qemu). With a 2 s keepalive
# interval, a keepalive reaches the new stack, which answers RST; the flow is
# gone from the SIGUSR1 dump within two intervals (plus slack) and the host
# peer sees the connection reset. Before the reboot, the live guest answers
# keepalives and keeps its connection.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/flow.sh"

bed_setup
need_cmd python3
flow_tool_init
flow_start --tcp-keepalive-interval 2

bed_bg in_remote python3 "$FLOWTOOL" hold-server "$REMOTE4" 9100 \
	>"$BED_DIR/srv.out"
flow_wait_file "$BED_DIR/srv.out" listening || fail "server not up"
bed_bg in_guest python3 "$FLOWTOOL" client "$REMOTE4" 9100 send:1000 hold \
	>"$BED_DIR/cli.out"
flow_wait_file "$BED_DIR/cli.out" "hold ok" || fail "exchange failed"

# Alive: at least two keepalives answered, the connection still there
WAIT_TIMEOUT_S=12 wait_for sh -c "[ \$(grep -c 'keepalive to guest' \
	'$BED_DIR/passt.log') -ge 2 ]" || fail "no keepalives sent"
[ "$(flow_tcp_count ESTABLISHED)" = 1 ] ||
	fail "live connection lost: $(flow_dump)"
grep -q reset "$BED_DIR/srv.out" && fail "server saw a reset too early"

flow_guest_reboot || fail "guest reboot failed"
t0=$(flow_now)
ka0=$(grep -c 'keepalive to guest' "$BED_DIR/passt.log")

# Two intervals of 2 s, a sweep of slack each side: 6 s; wait_for polls 10 s
gone() { [ "$(flow_tcp_count)" = 0 ]; }
wait_for gone || fail "flow not freed after the reboot: $(flow_dump)"
dt=$(flow_elapsed "$t0")
awk -v d="$dt" 'BEGIN { exit !(d <= 9) }' ||
	fail "freed after $dt s, more than two keepalive intervals"
flow_wait_file "$BED_DIR/srv.out" reset || fail "host peer saw no reset"
[ "$(grep -c 'keepalive to guest' "$BED_DIR/passt.log")" -gt "$ka0" ] ||
	fail "freed without a keepalive"
daemon_log_has "RST from guest" || fail "no RST from the rebooted guest"
echo "flow freed $dt s after the reboot"
pass
