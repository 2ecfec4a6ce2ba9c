#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 400
# serial (builds a test variant of the daemon: heavy load)
#
# isolation_fallback - Where namespaces are unavailable (forced in the test
# build with PASST_TEST_NO_NAMESPACES), the daemon warns, stays in our
# namespaces, and still ends up in an empty root (chroot into a directory
# it removed at once, so nothing can be created there), without a single
# capability; it serves a guest and removes its socket and pid file at exit.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/isolation.sh"

bed_setup
iso_build_test
PASST_BIN=$ISO_BIN
CAP=$BED_DIR/cap.pcap

PASST_TEST_NO_NAMESPACES=1 bed_start_daemon -d -p "$CAP" -P "$BED_DIR/pid"
iso_wait_sealed
P=$PASST_PID
daemon_log_has 'warning: Namespaces disabled' ||
	fail "no warning about the missing namespaces"
daemon_log_has 'falling back to chroot' || fail "no warning about the fallback"
# (not mnt: ip netns exec gives every command a mount namespace of its own)
for ns in user ipc uts; do
	[ "$(iso_ns "$P" "$ns")" = "$(iso_ns $$ "$ns")" ] ||
		fail "$ns namespace created although disabled"
done
iso_check_caps "$P"
iso_check_hardened "$P"
iso_check_empty_root "$P"
daemon_log_has 'Root is now the removed, empty directory' ||
	fail "no debug line for the chroot"
root_dir=$(sed -n \
	's/.*Root is now the removed, empty directory \([^ ]*\) .*/\1/p' \
	"$BED_DIR/passt.log")
[ -n "$root_dir" ] || fail "no path in the chroot debug line"
[ -e "$root_dir" ] && fail "empty root directory $root_dir left behind"

bed_connect_guest
in_guest python3 "$GUESTSOCK" rawsend tap0 --tag fb --count 5 ||
	fail "rawsend"
wait_for pcap_tagged_is "$CAP" fb 5 ||
	fail "chrooted daemon captured $(pcap_tagged "$CAP" fb) of 5 frames"
bed_stop_daemon
[ "$PASST_RC" = 0 ] || fail "daemon exited with $PASST_RC on SIGTERM"
[ -e "$SOCK" ] && fail "socket left behind after SIGTERM"
[ -e "$BED_DIR/pid" ] && fail "pid file left behind after SIGTERM"
pass
