#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
#
# isolation_daemon - Detached (no -f), the process that the pid file names
# runs the loop as the first process of a new PID namespace, in new user,
# mount, IPC and UTS namespaces, with an empty root and no capability; it
# serves a guest, and on SIGTERM removes the socket and the pid file, which
# it can no longer reach by path.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/isolation.sh"

bed_setup
CAP=$BED_DIR/cap.pcap
bed_start_daemon_bg -d -p "$CAP"
iso_wait_sealed
P=$PASST_PID

daemon_alive || fail "pid file names $P, not a live process"
name=$(basename "$PASST_BIN" | cut -c1-15)
[ "$BACKEND" = pasta ] && name=pasta
[ "$(cat "/proc/$P/comm")" = "$name" ] ||
	fail "pid $P is '$(cat "/proc/$P/comm")', not the daemon"
nspid=$(iso_field "$P" NSpid)
[ "$nspid" = "$P 1" ] ||
	fail "NSpid is '$nspid': not PID 1 of a new PID namespace"
iso_check_new_ns "$P" user mnt ipc uts pid
iso_check_host_netns "$P"
iso_check_caps "$P"
iso_check_hardened "$P"
iso_check_empty_root "$P"
daemon_log_has 'Detached into new user, mount, IPC, UTS and PID' ||
	fail "no debug line for the PID namespace"

bed_connect_guest
in_guest python3 "$GUESTSOCK" rawsend tap0 --tag isod --count 5 ||
	fail "rawsend"
wait_for pcap_tagged_is "$CAP" isod 5 ||
	fail "detached daemon captured $(pcap_tagged "$CAP" isod) of 5 frames"

kill -TERM "$P"
wait_for eval '! daemon_alive' || fail "daemon ignored SIGTERM"
PASST_PID=
[ -e "$SOCK" ] && fail "socket left behind after SIGTERM"
[ -e "$BED_DIR/passt.pid" ] && fail "pid file left behind after SIGTERM"
pass
