#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 120
#
# tcp_jumbo - With the guest's link at MTU 65520 (qemu's virtio-net default
# with passt), segments toward the guest are up to 65480 bytes: 50 MB down
# and 50 MB up arrive intact (sha256).

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/tcp.sh"

bed_setup
need_cmd python3
tcp_tool_init
head -c $((50 * 1024 * 1024)) /dev/urandom >"$BED_DIR/src"
want=$(tcp_sha "$BED_DIR/src")
TCP_GUEST_MTU=65520 tcp_start
[ "$(in_guest cat /sys/class/net/tap0/mtu)" = 65520 ] ||
	fail "guest MTU not set to 65520"

bed_bg in_remote python3 "$TCPTOOL" send-server "$REMOTE4" 9011 \
	"$BED_DIR/src" >"$BED_DIR/srv.out"
srv=$BG_PID
tcp_wait_file "$BED_DIR/srv.out" listening || fail "server did not start"
timeout 60 ip netns exec "$NS_GUEST" python3 "$TCPTOOL" get "$REMOTE4" 9011 \
	"$BED_DIR/dst" || fail "download failed"
wait "$srv" || fail "download server failed"
[ "$(tcp_sha "$BED_DIR/dst")" = "$want" ] || fail "download differs"

rm -f "$BED_DIR/dst" "$BED_DIR/srv.out"
bed_bg in_remote python3 "$TCPTOOL" recv-server "$REMOTE4" 9012 \
	"$BED_DIR/dst" >"$BED_DIR/srv.out"
srv=$BG_PID
tcp_wait_file "$BED_DIR/srv.out" listening || fail "server did not start"
timeout 60 ip netns exec "$NS_GUEST" python3 "$TCPTOOL" put "$REMOTE4" 9012 \
	"$BED_DIR/src" || fail "upload failed"
wait "$srv" || fail "upload server failed"
[ "$(tcp_sha "$BED_DIR/dst")" = "$want" ] || fail "upload differs"
tcp_expect_no_flows
pass
