#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test/perf/tcp_scale.sh - How many concurrent guest TCP connections a daemon
# carries under `ulimit -n 20000`, and its connection rate while holding them
#
# The guest opens SCALE_N (default 19000) connections to an echo server in
# the remote namespace, one after the other, checks each with a 1-byte
# exchange and keeps it open; then measures new connections per second
# (connect, 1-byte exchange, the server closes, close: rr.c crr) for 3 s
# while they are held, and checks
# every held connection again. The same rate is measured first with nothing
# held ("none"), for comparison. Reported for this daemon and Debian's passt
# (which spends a socket and a timerfd per connection, so it stops near
# 9,980): connections held and still usable, the rate while held, the
# daemon's descriptors and RSS while it holds them, and its peak RSS.
#
# Only the daemon runs under the 20,000 limit: the client and the server
# raise their own (rr.c). The guest (client) and host (daemon) namespaces
# get a wide ephemeral port range (55,000 ports), and each contender its own
# server ports, one for the held connections and one for the rate: else
# connect() hunts for a free local port among 19,000 held (the kernel takes
# ports of one parity first), and that, not the daemon, holds the rate to
# ~100 connections/s. The server closing first keeps TIME_WAIT off the
# guest's and host's ports.

set -u
. "$(dirname "$0")/../lib/bed.sh"

: "${SCALE_N:=19000}" "${CONTENDERS:=ours passt}" "${O:=build}"
NOFILE=20000
RR_BIN=$BED_TOP/$O/tools/rr
mkdir -p "$(dirname "$RR_BIN")"
cc -O2 -Wall -Wextra -Werror -o "$RR_BIN" "$BED_TOP/test/perf/rr.c" ||
	fail "cannot build $RR_BIN"
ulimit -n "$NOFILE" 2>/dev/null || true
echo "open-file limit of the daemons: $(ulimit -n), $SCALE_N connections asked"

bed_setup
for ns in in_guest in_host; do
	$ns sysctl -qw net.ipv4.ip_local_port_range="10000 65000"
done
in_guest sysctl -qw net.ipv6.conf.default.accept_ra=0
# A daemon at its limit may drop a SYN silently (Debian passt does): give
# up after 3 s, not the default 2 minutes
in_guest sysctl -qw net.ipv4.tcp_syn_retries=1
in_remote sysctl -qw net.core.somaxconn=4096
# Echo servers: per contender one port for the held connections and the
# next one for the rate measurements (rr.c: a local port is shared between
# connections to different peers, so connect() finds one at once)
port=7001
for name in $CONTENDERS; do
	bed_bg in_remote "$RR_BIN" -s "$port"
	bed_bg in_remote "$RR_BIN" -s $((port + 1))
	port=$((port + 2))
done
sleep 0.3

# scale_status FIELD - A field of the daemon's /proc status, in MiB
scale_status() {
	awk -v f="$1:" '$1 == f { printf "%.1f", $2 / 1024 }' \
		"/proc/$PASST_PID/status" 2>/dev/null
}

# scale_fds - Descriptors the daemon holds
scale_fds() {
	find "/proc/$PASST_PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l
}

# scale_fds_below N - True once the daemon holds fewer than N descriptors
scale_fds_below() {
	[ "$(scale_fds)" -lt "$1" ]
}

printf '%-8s %7s %7s %13s %13s %9s %9s %9s %8s\n' contender held usable \
	"conn/s(none)" "conn/s(held)" "fds held" "RSS held" "RSS peak" "open s"
port=7001
for name in $CONTENDERS; do
	port=$((port + 2))
	if [ "$name" = ours ]; then PASST_BIN=$PASST; else
		PASST_BIN=$(command -v passt) || {
			echo "$name: not installed"; continue; }
	fi
	bed_start_daemon -q || continue
	bed_connect_guest -n 65520
	guest_static_config
	fds0=$(scale_fds)
	# The same rate with nothing held, for comparison
	rate0=$(ip netns exec "$NS_GUEST" timeout 30 "$RR_BIN" -c "$REMOTE4" \
		$((port - 1)) 3 crr 2>/dev/null | awk '/^rate/ { print $2 }')
	WAIT_TIMEOUT_S=60 wait_for scale_fds_below $((fds0 + 100))
	out=$BED_DIR/rr-$name.out
	ip netns exec "$NS_GUEST" timeout 900 "$RR_BIN" -c "$REMOTE4" \
		$((port - 2)) "$SCALE_N" hold >"$out" 2>&1 &
	rr_pid=$!
	BED_PIDS+=("$rr_pid")
	# Descriptors and RSS while the connections are held: the client
	# prints "held" and then measures the rate for 3 s, holding them
	WAIT_TIMEOUT_S=900 wait_for grep -q '^held' "$out"
	fds=$(scale_fds)
	rss=$(scale_status VmRSS)
	wait "$rr_pid"
	held=$(awk '/^held/ { print $2 }' "$out")
	open_s=$(awk '/^held/ { print $4 }' "$out")
	usable=$(awk '/^usable/ { print $2 }' "$out")
	rate=$(awk '/^usable/ { print $4 }' "$out")
	printf '%-8s %7s %7s %13s %13s %9s %9s %9s %8s\n' "$name" \
		"${held:-0}" "${usable:-0}" "${rate0:--}" "${rate:--}" "$fds" \
		"${rss:--}" \
		"$(scale_status VmHWM)" "${open_s:--}"
	grep -v '^held\|^usable' "$out" | head -3 | sed 's/^/    /'
	# The client closed every connection: let the daemon finish closing
	# them before it goes, so no socket is left to die with the namespaces
	WAIT_TIMEOUT_S=60 wait_for scale_fds_below $((fds0 + 100))
	bed_disconnect_guest
	bed_stop_daemon >/dev/null 2>&1
	in_guest ip link del tap0 2>/dev/null
done
echo "(RSS in MiB; fds held: the daemon's descriptors while holding them)"
