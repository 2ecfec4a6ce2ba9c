#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
# backends: any
#
# pasta_join - pasta PID and pasta --netns PATH|NAME: the daemon joins an
# existing namespace, the parent returns 0 once the tap device there is
# configured (--config-net), and the namespace reaches a server behind the
# host; the target's end (the PID exits) ends the daemon.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/tcp.sh"
. "$(dirname "$0")/../lib/pasta.sh"

bed_setup
need_cmd python3
tcp_tool_init
head -c $((2 * 1024 * 1024)) /dev/urandom >"$BED_DIR/src"

# check_ns WHAT - The guest namespace has its address right after the
# parent returned, and downloads from the remote server
check_ns() {
	local got
	got=$(pasta_addrs "$NS_GUEST" "$PASTA_IF" 4)
	[ "$got" = "$HOST4/24" ] ||
		fail "$1: $PASTA_IF in the namespace has '$got' once the parent returned"
	rm -f "$BED_DIR/dst" "$BED_DIR/srv.out"
	bed_bg in_remote python3 "$TCPTOOL" send-server "$REMOTE4" 9000 \
		"$BED_DIR/src" >"$BED_DIR/srv.out"
	tcp_wait_file "$BED_DIR/srv.out" listening || fail "server did not start"
	timeout 30 ip netns exec "$NS_GUEST" python3 "$TCPTOOL" get "$REMOTE4" \
		9000 "$BED_DIR/dst" || fail "$1: download failed"
	[ "$(tcp_sha "$BED_DIR/dst")" = "$(tcp_sha "$BED_DIR/src")" ] ||
		fail "$1: downloaded data differs"
}

# By PID: a process in the guest namespace
bed_bg in_guest sleep 300
target=$BG_PID
bed_wait_ns "$target" "$NS_GUEST" || fail "sleep did not enter the namespace"
in_host "$PASTA_BIN" -q --config-net -P "$BED_DIR/p1.pid" "$target" ||
	fail "pasta PID: parent exited $?"
pid=$(cat "$BED_DIR/p1.pid")
pasta_running "$pid" || fail "pasta PID: daemon not running"
check_ns "pasta PID"
kill "$target"
ms=$(pasta_gone_within "$pid" 2000) ||
	fail "pasta PID: daemon still there 2 s after the PID exited"
echo "daemon gone ${ms} ms after the PID exited"
ip -n "$NS_GUEST" link show "$PASTA_IF" >/dev/null 2>&1 &&
	fail "tap device still in the namespace after the daemon ended"

# By path, then by name under /run/netns
for t in "--netns /run/netns/$NS_GUEST" "--netns $NS_GUEST"; do
	# shellcheck disable=SC2086 # option and value
	in_host "$PASTA_BIN" -q --config-net -P "$BED_DIR/p2.pid" $t ||
		fail "pasta $t: parent exited $?"
	pid=$(cat "$BED_DIR/p2.pid")
	check_ns "pasta $t"
	kill "$pid"
	pasta_gone_within "$pid" 2000 >/dev/null ||
		fail "pasta $t: daemon still there 2 s after SIGTERM"
	wait_for sh -c "! ip -n $NS_GUEST link show $PASTA_IF" ||
		fail "tap device still in the namespace"
done
pass
