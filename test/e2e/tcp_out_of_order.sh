#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 120
# backends: stream (the guest side speaks the stream framing itself)
#
# tcp_out_of_order - A raw guest (test/tools/rawguest.py, its own TCP on the
# daemon's socket) uploads a stream to a server behind the host, over IPv4
# and then IPv6, sending its segments out of order, duplicated, overlapping,
# overlapping acknowledged bytes with different content, beyond the window,
# and with a FIN ahead of the data; it goes back to the first
# unacknowledged byte after each round. Every ACK from the daemon must stay
# within the bytes sent so far (never acknowledge what it did not deliver),
# the server must receive exactly the stream (sha256), the close must
# complete in order (server's FIN at the right sequence number) and the
# flow table must be empty afterwards.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/tcp.sh"

BYTES=$((1024 * 1024))
RAWGUEST=$BED_TOOLS_DIR/rawguest.py

need_cmd python3
bed_setup
tcp_tool_init
bed_start_daemon --no-ra

port=9100
for dst in "$REMOTE4" "$REMOTE6"; do
	port=$((port + 1))
	bed_bg in_remote python3 "$TCPTOOL" recv-server "$dst" "$port" \
		"$BED_DIR/got.$port" >"$BED_DIR/srv.$port"
	srv=$BG_PID
	tcp_wait_file "$BED_DIR/srv.$port" listening || fail "server $dst"
	timeout 90 python3 "$RAWGUEST" ooo "$SOCK" --dst "$dst" \
		--port "$port" --bytes "$BYTES" --seed "$port" \
		>"$BED_DIR/guest.$port" 2>&1
	rc=$?
	echo "$dst: $(cat "$BED_DIR/guest.$port")"
	[ "$rc" -eq 0 ] || fail "raw guest to $dst failed (exit $rc)"
	wait "$srv" || fail "server $dst failed"
	want=$(python3 -c 'import json, sys
print(json.loads(open(sys.argv[1]).readline())["sha256"])' \
		"$BED_DIR/guest.$port")
	[ "$(tcp_sha "$BED_DIR/got.$port")" = "$want" ] ||
		fail "$dst: server got $(stat -c %s "$BED_DIR/got.$port") bytes, sha256 differs"
	# The round must have exercised every kind of disorder
	python3 -c 'import json, sys
r = json.loads(open(sys.argv[1]).readline())
miss = [k for k in ("swapped", "dup", "overlap", "old", "beyond", "fin")
        if not r[k]]
sys.exit("never sent: " + " ".join(miss) if miss else 0)' \
		"$BED_DIR/guest.$port" || fail "$dst: disorder not exercised"
	tcp_expect_no_flows "$dst"
done
daemon_alive || fail "daemon died"
pass
