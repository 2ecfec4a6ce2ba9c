#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 90
# backends: stream (the guest side speaks the stream framing itself)
#
# tap_framing - qemu stream framing edge cases from a fake guest: frames split
# byte by byte, thousands of frames in one write, a maximum-size frame; a zero
# and an oversized length each drop the connection with a log line, and the
# daemon keeps running and accepts the next guest.

. "$(dirname "$0")/../lib/bed.sh"

GS() { python3 "$GUESTSOCK" "$@"; }

bed_setup
CAP=$BED_DIR/cap.pcap
bed_start_daemon -p "$CAP"

# Every byte in its own write
GS send "$SOCK" --tag split --count 4 --mode split --hold 1 ||
	fail "split frames: connection not kept"
wait_for pcap_tagged_is "$CAP" split 4 ||
	fail "split: $(pcap_tagged "$CAP" split) of 4 frames captured intact"

# Many frames in one write (about 300 KiB: several reads, frames straddling
# read boundaries)
GS send "$SOCK" --tag batch --count 2000 --mode batch --hold 1 ||
	fail "batched frames: connection not kept"
wait_for pcap_tagged_is "$CAP" batch 2000 ||
	fail "batch: $(pcap_tagged "$CAP" batch) of 2000 frames captured intact"

# The largest legal frame (14 + 40 + 65535 bytes: tap.h TAP_FRAME_MAX) keeps the stream in sync
GS send "$SOCK" --tag max --count 1 --kind exp --size 65589 --hold 1 ||
	fail "maximum-size frame dropped the connection"
GS send "$SOCK" --tag post --count 3 --hold 0.5 ||
	fail "frames after the maximum-size frame"
wait_for pcap_tagged_is "$CAP" post 3 ||
	fail "after max-size frame: $(pcap_tagged "$CAP" post) of 3 frames"
daemon_log_has 'frame length' && fail "legal lengths logged as bad"

# Zero length: connection dropped, logged, daemon alive
GS badlen "$SOCK" --len 0 --timeout 5 || fail "zero length kept the connection"
wait_for daemon_log_has 'frame length of 0 bytes' ||
	fail "zero length not logged"
daemon_alive || fail "daemon died on a zero length"

# Length above the limit: same
GS badlen "$SOCK" --len 65590 --timeout 5 ||
	fail "oversized length kept the connection"
wait_for daemon_log_has 'frame length of 65590 bytes' ||
	fail "oversized length not logged"
daemon_alive || fail "daemon died on an oversized length"

# The next guest is served normally
GS send "$SOCK" --tag next --count 5 --hold 1 || fail "next guest refused"
wait_for pcap_tagged_is "$CAP" next 5 ||
	fail "next guest: $(pcap_tagged "$CAP" next) of 5 frames captured"
daemon_alive || fail "daemon died"
pass
