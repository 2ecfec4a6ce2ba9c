# SPDX-License-Identifier: GPL-2.0-or-later
# test/lib/vhost.sh - Helpers for the vhost_*.sh cases (sourced, not a case)
#
# Sources bed.sh and tcp.sh; the cases run on the vhost-user back-end only.
#   vhost_setup          the bed, $TCPTOOL, an echo server on
#                        $REMOTE4:9000, the daemon (-d) on vhost-user
#   vhost_fault KIND PATTERN
#                        a front-end injecting --fault KIND runs for 3 s
#                        (it may be refused and exit); the daemon must live
#                        on and, if PATTERN is not empty, log a line
#                        matching it (grep -E) meanwhile; then a fresh
#                        front-end must move 2 x 100 kB through echo,
#                        checked byte for byte

. "$(dirname "${BASH_SOURCE[0]}")/bed.sh"
. "$(dirname "${BASH_SOURCE[0]}")/tcp.sh"

BACKEND=vhost-user

vhost_setup() {
	bed_setup
	need_cmd python3
	tcp_tool_init
	bed_start_daemon --no-ra -d
	bed_bg in_remote python3 "$TCPTOOL" echo-server "$REMOTE4" 9000 \
		>"$BED_DIR/echo.out"
	tcp_wait_file "$BED_DIR/echo.out" listening || fail "echo server"
}

vhost_fault() {
	local kind=$1 pattern=$2 n0 fp rc
	n0=$(wc -l <"$BED_DIR/passt.log")
	in_guest timeout 3 "$VHOST_FRONT" -i tap0 -s "$SOCK" -m "$GUEST_MAC" \
		--fault "$kind" 2>"$BED_DIR/fault-$kind.log" &
	fp=$!
	sleep 1
	# Traffic through the faulty front-end, if it got that far: whatever
	# happens to it, the daemon must live on
	( guest_static_config ) >/dev/null 2>&1 &&
		in_guest timeout 1 python3 "$TCPTOOL" many "$REMOTE4" 9000 1 \
			1000 >/dev/null 2>&1
	wait "$fp"
	rc=$?
	daemon_alive || fail "$kind: the daemon died"
	echo "$kind: front-end exit status $rc; daemon said:"
	tail -n +"$n0" "$BED_DIR/passt.log" | grep -E 'vhost-user|Guest' |
		grep -v 'ring started' | sed 's/^/    /'
	if [ -n "$pattern" ]; then
		tail -n +"$n0" "$BED_DIR/passt.log" | grep -qE "$pattern" ||
			fail "$kind: no line matching '$pattern'"
	fi
	in_guest ip link del tap0 2>/dev/null
	wait_for daemon_log_has "Guest disconnected" || true
	bed_connect_guest
	guest_static_config
	in_guest timeout 20 python3 "$TCPTOOL" many "$REMOTE4" 9000 2 100000 ||
		fail "$kind: a fresh front-end does not work after it"
	bed_disconnect_guest
	in_guest ip link del tap0 2>/dev/null
	return 0
}
