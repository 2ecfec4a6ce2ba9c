#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 30
# backends: stream (the guest side speaks the stream framing itself)
#
# tap_probe_one_off - A second daemon checking whether the socket path is in
# use must not look like a guest to the first: a -1 daemon still waiting for
# its guest survives the check and then serves the real guest.

. "$(dirname "$0")/../lib/bed.sh"

bed_setup
bed_start_daemon -1 -p "$BED_DIR/a.pcap"

timeout 5 ip netns exec "$NS_HOST" "$PASST_BIN" -f -s "$SOCK" \
	>/dev/null 2>&1 </dev/null
rc=$?
[ "$rc" -eq 1 ] || fail "second daemon: exit status $rc, expected 1"
sleep 0.5
daemon_log_has 'Guest connected' &&
	fail "the second daemon's probe was taken for a guest"
daemon_alive || fail "-1 daemon exited because of another daemon's probe"

bed_connect_guest
in_guest python3 "$GUESTSOCK" rawsend tap0 --tag real --count 3 ||
	fail "rawsend"
wait_for pcap_tagged_is "$BED_DIR/a.pcap" real 3 ||
	fail "real guest: $(pcap_tagged "$BED_DIR/a.pcap" real) of 3 frames"
bed_disconnect_guest
wait_for eval '! daemon_alive' || fail "-1 daemon still running after its guest"
pass
