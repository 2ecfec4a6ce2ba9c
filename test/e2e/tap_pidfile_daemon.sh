#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 30
# backends: stream (the guest side speaks the stream framing itself)
#
# tap_pidfile_daemon - Without -f the daemon detaches: the pid file exists
# when the parent returns and names the live, detached daemon, which serves a
# guest; SIGTERM makes it remove both socket and pid file.

. "$(dirname "$0")/../lib/bed.sh"

bed_setup
CAP=$BED_DIR/cap.pcap
bed_start_daemon_bg -p "$CAP"	# fails unless the pid file is there at once

daemon_alive || fail "pid file names $PASST_PID, not a live process"
comm=$(cat "/proc/$PASST_PID/comm")
[ "$comm" = "$(basename "$PASST_BIN" | cut -c1-15)" ] ||
	fail "pid $PASST_PID is '$comm', not the daemon"
read -r -a st <"/proc/$PASST_PID/stat"
read -r -a me <"/proc/$$/stat"
[ "${st[5]}" != "${me[5]}" ] || fail "daemon did not leave our session"
[ "${st[3]}" != "$$" ] || fail "daemon is still our child"

bed_connect_guest
in_guest python3 "$GUESTSOCK" rawsend tap0 --tag bg --count 3 ||
	fail "rawsend"
wait_for pcap_tagged_is "$CAP" bg 3 ||
	fail "detached daemon: $(pcap_tagged "$CAP" bg) of 3 frames captured"

kill -TERM "$PASST_PID"
wait_for eval '! daemon_alive' || fail "daemon ignored SIGTERM"
PASST_PID=
[ -e "$SOCK" ] && fail "socket left behind after SIGTERM"
[ -e "$BED_DIR/passt.pid" ] && fail "pid file left behind after SIGTERM"
pass
