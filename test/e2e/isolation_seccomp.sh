#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 400
# serial (builds a test variant of the daemon: heavy load)
#
# isolation_seccomp - A build with the filter and the test trigger
# (make SECCOMP=1 TRIGGER=1, in its own output directory) runs with Seccomp 2
# and one filter; with the filter on it still accepts a guest, relays and
# captures frames, dumps its state on SIGUSR1 and exits cleanly on SIGTERM
# (removing its socket). On SIGUSR2 the trigger makes a system call that no
# source file declares (personality), and the kernel kills the daemon with
# SIGSYS at once.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/isolation.sh"

bed_setup
iso_build_test
PASST_BIN=$ISO_BIN
CAP=$BED_DIR/cap.pcap

# Allowed work, then a clean exit, all under the filter
bed_start_daemon -d -p "$CAP"
iso_wait_sealed
P=$PASST_PID
[ "$(iso_field "$P" Seccomp)" = 2 ] ||
	fail "Seccomp is $(iso_field "$P" Seccomp), not 2 (filter mode)"
[ "$(iso_field "$P" Seccomp_filters)" = 1 ] ||
	fail "Seccomp_filters is $(iso_field "$P" Seccomp_filters), not 1"
daemon_log_has 'seccomp filter installed' || fail "no debug line for seccomp"
iso_check_caps "$P"

bed_connect_guest
in_guest python3 "$GUESTSOCK" rawsend tap0 --tag sc --count 5 ||
	fail "rawsend"
wait_for pcap_tagged_is "$CAP" sc 5 ||
	fail "filtered daemon captured $(pcap_tagged "$CAP" sc) of 5 frames"
kill -USR1 "$P"
wait_for daemon_log_has 'counter dropped_' ||
	fail "no state dump on SIGUSR1"
daemon_alive || fail "daemon killed by its filter during allowed work"
bed_disconnect_guest
bed_stop_daemon
[ "$PASST_RC" = 0 ] ||
	fail "daemon exited with $PASST_RC on SIGTERM (159: SIGSYS at exit)"
[ -e "$SOCK" ] && fail "socket left behind after SIGTERM"

# The forbidden call
bed_start_daemon -d
iso_wait_sealed
P=$PASST_PID
bed_connect_guest
sleep 0.5
daemon_alive || fail "daemon died before the trigger"
kill -USR2 "$P"
wait_for eval '! daemon_alive' ||
	fail "daemon survived a system call outside its allow-list"
wait "$P"
rc=$?
PASST_PID=
[ $rc -eq $((128 + 31)) ] ||
	fail "daemon exited with $rc, not 159 (killed by SIGSYS)"
pass
