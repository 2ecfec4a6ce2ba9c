#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
# backends: stream (the guest side speaks the stream framing itself)
#
# tap_socket_in_use - A second daemon given the socket path of a live one
# exits 1 naming the path and leaves the first serving; a stale socket file
# left by a killed daemon is replaced by the next one.

. "$(dirname "$0")/../lib/bed.sh"

bed_setup
bed_start_daemon -p "$BED_DIR/a.pcap"

out=$(timeout 5 ip netns exec "$NS_HOST" "$PASST_BIN" -f -s "$SOCK" \
	-p "$BED_DIR/b.pcap" 2>&1 </dev/null)
rc=$?
echo "second daemon: exit $rc: $out"
[ "$rc" -eq 124 ] && fail "second daemon started on a path in use"
[ "$rc" -eq 1 ] || fail "second daemon: exit status $rc, expected 1"
grep -qF "$SOCK" <<<"$out" || fail "second daemon's message does not name $SOCK"
grep -qi "in use" <<<"$out" || fail "second daemon's message does not say 'in use'"
daemon_alive || fail "first daemon died"
[ -S "$SOCK" ] || fail "socket of the first daemon removed"

bed_connect_guest
in_guest python3 "$GUESTSOCK" rawsend tap0 --tag first --count 3 ||
	fail "rawsend"
wait_for pcap_tagged_is "$BED_DIR/a.pcap" first 3 ||
	fail "first daemon no longer serves: $(pcap_tagged "$BED_DIR/a.pcap" first) of 3"
bed_disconnect_guest

# Killed without a chance to clean up: the socket file stays, stale
kill -KILL "$PASST_PID"
wait "$PASST_PID" 2>/dev/null
PASST_PID=
[ -S "$SOCK" ] || fail "no stale socket left by SIGKILL (test premise)"
python3 "$GUESTSOCK" hold "$SOCK" --seconds 0 >/dev/null
[ $? -eq 3 ] || fail "stale socket still accepts connections"

mv "$BED_DIR/passt.log" "$BED_DIR/passt.log.1"
bed_bg in_host "$PASST_BIN" -f -s "$SOCK" -l "$BED_DIR/passt.log" \
	-p "$BED_DIR/c.pcap"
PASST_PID=$BG_PID
bed_wait_socket		# fails unless the stale path now listens
bed_connect_guest
in_guest python3 "$GUESTSOCK" rawsend tap0 --tag third --count 3 ||
	fail "rawsend"
wait_for pcap_tagged_is "$BED_DIR/c.pcap" third 3 ||
	fail "daemon on the replaced socket: $(pcap_tagged "$BED_DIR/c.pcap" third) of 3"
daemon_alive || fail "daemon died"
pass
