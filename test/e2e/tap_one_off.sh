#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# backends: stream vhost-user (--one-off is the socket's: pasta's tap device never disconnects)
# timeout: 30
#
# tap_one_off - With -1 (--one-off) the daemon serves one guest and exits
# with status 0 when it leaves, removing its socket.

. "$(dirname "$0")/../lib/bed.sh"

bed_setup
bed_start_daemon -1
bed_connect_guest
wait_for daemon_log_has 'Guest connected' || fail "no 'Guest connected' line"
sleep 0.5
daemon_alive || fail "daemon exited while the guest was attached"

bed_disconnect_guest
wait_for eval '! daemon_alive' || fail "daemon still running after the guest left"
wait "$PASST_PID"
rc=$?
PASST_PID=
[ "$rc" -eq 0 ] || fail "daemon exit status $rc, expected 0"
[ -e "$SOCK" ] && fail "socket $SOCK left behind"
daemon_log_has 'one-off' || fail "exit reason not logged"
pass
