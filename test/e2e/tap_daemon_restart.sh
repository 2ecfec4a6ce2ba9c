#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
# backends: stream (the guest side speaks the stream framing itself)
#
# tap_daemon_restart - The daemon stops on SIGTERM (exit 0, socket removed)
# while a guest is attached; a new daemon on the same path serves the same
# guest, whose bridge reconnects (tapbridge -r) without recreating tap0.

. "$(dirname "$0")/../lib/bed.sh"

bed_setup
bed_start_daemon -p "$BED_DIR/a.pcap"
bed_connect_guest -r
ifindex=$(in_guest cat /sys/class/net/tap0/ifindex)
in_guest python3 "$GUESTSOCK" rawsend tap0 --tag before --count 3 ||
	fail "rawsend"
wait_for pcap_tagged_is "$BED_DIR/a.pcap" before 3 ||
	fail "first daemon: $(pcap_tagged "$BED_DIR/a.pcap" before) of 3"

bed_stop_daemon
[ "$PASST_RC" -eq 0 ] || fail "exit status $PASST_RC after SIGTERM"
[ -e "$SOCK" ] && fail "socket left behind after SIGTERM"
wait_for grep -q 'socket closed' "$BED_DIR/bridge.log" ||
	fail "bridge did not see the daemon go"

mv "$BED_DIR/passt.log" "$BED_DIR/passt.log.1"
bed_start_daemon -p "$BED_DIR/b.pcap"
wait_for test "$(grep -c 'connected to' "$BED_DIR/bridge.log")" -eq 2 ||
	fail "bridge did not reconnect"
wait_for daemon_log_has 'Guest connected' ||
	fail "new daemon did not log the guest"
[ "$(in_guest cat /sys/class/net/tap0/ifindex)" = "$ifindex" ] ||
	fail "tap0 was recreated"
in_guest python3 "$GUESTSOCK" rawsend tap0 --tag after --count 3 ||
	fail "rawsend"
wait_for pcap_tagged_is "$BED_DIR/b.pcap" after 3 ||
	fail "new daemon: $(pcap_tagged "$BED_DIR/b.pcap" after) of 3"
daemon_alive || fail "daemon died"
pass
