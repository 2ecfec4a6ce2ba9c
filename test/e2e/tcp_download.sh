#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 120
#
# tcp_download - The guest downloads 50 MB from a server behind the host, over
# IPv4 and over IPv6; the bytes arrive intact (sha256) and the connection
# closes in order on both sides. On vhost-user the data is peeked straight
# into the guest's receive buffers (the counter of frames written in place
# moves, the pooled one not at all); on the stream socket it goes through
# the payload pool.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/tcp.sh"

bed_setup
need_cmd python3
tcp_tool_init
head -c $((50 * 1024 * 1024)) /dev/urandom >"$BED_DIR/src"
want=$(tcp_sha "$BED_DIR/src")
tcp_start

for addr in "$REMOTE4" "$REMOTE6"; do
	rm -f "$BED_DIR/dst" "$BED_DIR/srv.out"
	bed_bg in_remote python3 "$TCPTOOL" send-server "$addr" 9000 \
		"$BED_DIR/src" >"$BED_DIR/srv.out"
	srv=$BG_PID
	tcp_wait_file "$BED_DIR/srv.out" listening ||
		fail "server on $addr did not start"
	timeout 60 ip netns exec "$NS_GUEST" python3 "$TCPTOOL" get "$addr" \
		9000 "$BED_DIR/dst" || fail "download from $addr failed"
	got=$(tcp_sha "$BED_DIR/dst")
	[ "$got" = "$want" ] ||
		fail "download from $addr: $(stat -c %s "$BED_DIR/dst") bytes, sha256 differs"
	wait_for sh -c "! kill -0 $srv" ||
		fail "server on $addr did not see an orderly close"
	wait "$srv" || fail "server on $addr failed"
done
daemon_alive || fail "daemon died"
tcp_expect_no_flows
. "$(dirname "$0")/../lib/flow.sh"
in_place=$(flow_counter tcp_frames_in_place)
pooled=$(flow_counter tcp_frames_pooled)
echo "frames written in place: $in_place, through the pool: $pooled"
case "$BACKEND" in
vhost-user)
	[ "${in_place:-0}" -gt 0 ] && [ "${pooled:-1}" -eq 0 ] ||
		fail "vhost-user: data not written in place" ;;
*)
	[ "${in_place:-1}" -eq 0 ] && [ "${pooled:-0}" -gt 0 ] ||
		fail "$BACKEND: frames counted in place" ;;
esac
pass
