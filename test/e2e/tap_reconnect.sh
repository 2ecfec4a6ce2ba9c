#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
# backends: stream (the guest side speaks the stream framing itself)
#
# tap_reconnect - One guest at a time: a guest connects and its frames arrive;
# a second simultaneous connection is closed and logged while the first keeps
# working; after the first guest leaves, a new one is accepted.

. "$(dirname "$0")/../lib/bed.sh"

bed_setup
CAP=$BED_DIR/cap.pcap
bed_start_daemon -p "$CAP"

bed_connect_guest
wait_for daemon_log_has 'Guest connected' || fail "no 'Guest connected' line"
in_guest python3 "$GUESTSOCK" rawsend tap0 --tag first --count 5 ||
	fail "rawsend from the first guest"
wait_for pcap_tagged_is "$CAP" first 5 ||
	fail "first guest: $(pcap_tagged "$CAP" first) of 5 frames captured"

# A second guest while the first is attached: closed, logged
python3 "$GUESTSOCK" expect-close "$SOCK" --timeout 5 ||
	fail "second simultaneous connection was not closed"
wait_for daemon_log_has 'Another guest tried to connect' ||
	fail "refused second connection not logged"
daemon_alive || fail "daemon died after the second connection"
kill -0 "$BRIDGE_PID" 2>/dev/null ||
	fail "first guest's connection dropped by the second one"

# The first guest still works
in_guest python3 "$GUESTSOCK" rawsend tap0 --tag still --count 5 ||
	fail "rawsend after the refused connection"
wait_for pcap_tagged_is "$CAP" still 5 ||
	fail "after refusal: $(pcap_tagged "$CAP" still) of 5 frames captured"

# The guest leaves, a new one comes
bed_disconnect_guest
wait_for daemon_log_has 'Guest disconnected' ||
	fail "no 'Guest disconnected' line"
daemon_alive || fail "daemon exited when the guest left (no -1 given)"
bed_connect_guest
wait_for test "$(grep -c 'Guest connected' "$BED_DIR/passt.log")" -eq 2 ||
	fail "reconnection not logged as a second 'Guest connected'"
in_guest python3 "$GUESTSOCK" rawsend tap0 --tag again --count 5 ||
	fail "rawsend from the reconnected guest"
wait_for pcap_tagged_is "$CAP" again 5 ||
	fail "reconnected: $(pcap_tagged "$CAP" again) of 5 frames captured"
daemon_alive || fail "daemon died"
pass
