#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 90
# backends: vhost-user
#
# vhost_frontend_gone - The front-end is killed (SIGKILL, as qemu dies)
# in the middle of an upload: the daemon notices the control socket close,
# drops the guest's memory and rings, and resets every flow of that guest
# toward its host peer, which sees the reset at once. Then, 5 s later (the
# delay libvirt gives qemu's reconnect-ms), a new front-end attaches to
# the same daemon and moves data intact.

. "$(dirname "$0")/../lib/vhost.sh"

vhost_setup
bed_bg in_remote python3 "$TCPTOOL" wait-reset-server "$REMOTE4" 9001 \
	>"$BED_DIR/wr.out"
tcp_wait_file "$BED_DIR/wr.out" listening || fail "reset server"

bed_connect_guest
guest_static_config
# An upload that does not end by itself
bed_bg in_guest python3 -c '
import socket, sys
c = socket.create_connection((sys.argv[1], 9001))
b = bytes(65536)
while True:
    c.sendall(b)' "$REMOTE4"
sleep 1
[ "$(tcp_flows_tcp)" -ge 1 ] || fail "no TCP flow during the upload"
kill -KILL "$BRIDGE_PID"
wait "$BRIDGE_PID" 2>/dev/null
BRIDGE_PID=
t0=$(date +%s%N)
wait_for grep -q reset "$BED_DIR/wr.out" ||
	fail "the host peer saw no reset after the front-end died"
echo "reset seen $(( ($(date +%s%N) - t0) / 1000000 )) ms after the kill"
daemon_log_has 'Guest disconnected' || fail "no disconnection logged"
tcp_expect_no_flows "after the front-end died"
daemon_alive || fail "daemon died with its front-end"

in_guest ip link del tap0 2>/dev/null
sleep 5
bed_connect_guest
guest_static_config
in_guest timeout 20 python3 "$TCPTOOL" many "$REMOTE4" 9000 4 1000000 ||
	fail "the new front-end does not work"
tcp_expect_no_flows
pass
