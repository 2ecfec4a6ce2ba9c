#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test/perf/tcp_scale.sh - How many concurrent guest TCP connections a daemon
# carries under `ulimit -n 20000`, and its connection rate while holding them
#
# The guest opens SCALE_N (default 19000) connections to an echo server in
# the remote namespace, one after the other, checks each with a 1-byte
# exchange and keeps it open; then measures new connections per second for
# 3 s while they are held, and checks every held connection again. Reported
# for this daemon and Debian's passt (which spends a socket and a timerfd per
# connection), with each daemon's descriptors and RSS while holding.

set -u
. "$(dirname "$0")/../e2e/lib.sh"

: "${SCALE_N:=19000}" "${CONTENDERS:=ours passt}" "${O:=build}"
RR_BIN=$BED_TOP/$O/tools/rr
mkdir -p "$(dirname "$RR_BIN")"
cc -O2 -Wall -Wextra -Werror -o "$RR_BIN" "$BED_TOP/test/perf/rr.c" ||
	fail "cannot build $RR_BIN"
ulimit -n 20000 2>/dev/null || true
echo "open-file limit: $(ulimit -n)"

bed_setup
in_guest sysctl -qw net.ipv6.conf.default.accept_ra=0
in_guest sysctl -qw net.ipv4.ip_local_port_range="10000 65000"
in_host sysctl -qw net.ipv4.ip_local_port_range="10000 65000"
bed_bg in_remote "$RR_BIN" -s 7001
sleep 0.3

printf '%-10s %8s %8s %14s %10s %10s\n' contender held usable \
	"conn/s(held)" "daemon fds" "RSS MiB"
for name in $CONTENDERS; do
	if [ "$name" = ours ]; then PASST_BIN=$PASST; else
		PASST_BIN=$(command -v passt) || continue
	fi
	bed_start_daemon -q || continue
	bed_connect_guest -n 65520
	guest_static_config
	out=$(timeout 600 ip netns exec "$NS_GUEST" "$RR_BIN" -c "$REMOTE4" \
		7001 "$SCALE_N" hold 2>&1)
	held=$(awk '/^held/ { print $2 }' <<<"$out")
	usable=$(awk '/^usable/ { print $2 }' <<<"$out")
	rate=$(awk '/^usable/ { print $4 }' <<<"$out")
	# Descriptors and RSS are read after the client finished: report the
	# peak instead (VmHWM), and the fds the daemon holds at the end
	rss=$(awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$PASST_PID/status")
	fds=$(ls "/proc/$PASST_PID/fd" 2>/dev/null | wc -l)
	printf '%-10s %8s %8s %14s %10s %10s\n' "$name" "${held:-0}" \
		"${usable:-0}" "${rate:--}" "$fds" "$rss"
	grep -v '^held\|^usable' <<<"$out" | head -3 | sed 's/^/    /'
	bed_disconnect_guest
	bed_stop_daemon >/dev/null 2>&1
	in_guest ip link del tap0 2>/dev/null
done
