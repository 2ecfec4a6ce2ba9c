#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
#
# tcp_inbound_fwd - -t 5000-5005:6000-6005,~5002-5003: a connection from the
# remote namespace to the host's port 5001 (IPv4) and 5004 (IPv6) reaches the
# guest's server on 6001 / 6004 and carries 1 MB intact both ways; excluded
# port 5002 has no listener (refused). Afterwards no flow is left.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/tcp.sh"

bed_setup
need_cmd python3
tcp_tool_init
head -c $((1024 * 1024)) /dev/urandom >"$BED_DIR/src"
want=$(tcp_sha "$BED_DIR/src")
tcp_start -t 5000-5005:6000-6005,~5002-5003

# Guest to remote direction: the guest's server sends, the remote gets
for case in "$HOST4 5001 6001" "$HOST6 5004 6004"; do
	set -- $case
	rm -f "$BED_DIR/dst" "$BED_DIR/srv.out"
	bed_bg in_guest python3 "$TCPTOOL" send-server "$1" "$3" \
		"$BED_DIR/src" >"$BED_DIR/srv.out"
	srv=$BG_PID
	tcp_wait_file "$BED_DIR/srv.out" listening ||
		fail "guest server on $3 did not start"
	timeout 20 ip netns exec "$NS_REMOTE" python3 "$TCPTOOL" get "$1" "$2" \
		"$BED_DIR/dst" || fail "connection to $1 port $2 failed"
	wait "$srv" || fail "guest server on $3 failed"
	[ "$(tcp_sha "$BED_DIR/dst")" = "$want" ] ||
		fail "$1 port $2: $(stat -c %s "$BED_DIR/dst") bytes, sha256 differs"
done

# Remote to guest direction
rm -f "$BED_DIR/dst" "$BED_DIR/srv.out"
bed_bg in_guest python3 "$TCPTOOL" recv-server "$HOST4" 6000 "$BED_DIR/dst" \
	>"$BED_DIR/srv.out"
srv=$BG_PID
tcp_wait_file "$BED_DIR/srv.out" listening || fail "guest server did not start"
timeout 20 ip netns exec "$NS_REMOTE" python3 "$TCPTOOL" put "$HOST4" 5000 \
	"$BED_DIR/src" || fail "upload to port 5000 failed"
wait "$srv" || fail "guest server on 6000 failed"
[ "$(tcp_sha "$BED_DIR/dst")" = "$want" ] || fail "upload via 5000 differs"

# Excluded ports have no listener
for port in 5002 5003; do
	timeout 20 ip netns exec "$NS_REMOTE" python3 "$TCPTOOL" refused \
		"$HOST4" $port || fail "excluded port $port is forwarded"
done
wait_for tcp_no_flows || fail "flows left: $(tcp_flows_active)"
pass
