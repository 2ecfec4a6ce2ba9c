#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
# backends: any
#
# pasta_podman_args - pasta started as podman 5 starts it: stdin /dev/null,
# stdout and stderr one pipe that podman reads until it closes, exactly
# Debian 13's podman's options. The parent exits 0 with the namespace
# configured, nothing is written (--quiet), the pipe closes (the daemon
# keeps no descriptor of it); -t forwards the host's port 8080 to the
# namespace's 80 (from the host's address and from its loopback),
# --map-guest-addr's address reaches the host, and the
# daemon goes when podman removes the namespace file.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/tcp.sh"
. "$(dirname "$0")/../lib/pasta.sh"

bed_setup
need_cmd python3
tcp_tool_init
NETNS_DIR=$BED_DIR/netns		# podman's is /run/user/UID/netns
NETNS=$NETNS_DIR/netns-$$-0123-4567
mkdir -p "$NETNS_DIR" && touch "$NETNS" &&
	mount --bind "/run/netns/$NS_GUEST" "$NETNS" || fail "namespace file"
# shellcheck disable=SC2154 # st: set by the trap itself
trap 'st=$?; umount "$NETNS" 2>/dev/null; (exit $st); bed_cleanup' EXIT

mkfifo "$BED_DIR/pipe" || fail "mkfifo"
in_host "$PASTA_BIN" --config-net -t 8080-8080:80-80 \
	--dns-forward 169.254.1.1 -u none -T none -U none --no-map-gw --quiet \
	--netns "$NETNS" --map-guest-addr 169.254.1.2 \
	</dev/null >"$BED_DIR/pipe" 2>&1 &
parent=$!
timeout 10 cat "$BED_DIR/pipe" >"$BED_DIR/out" ||
	fail "the stdout/stderr pipe did not close within 10 s"
wait "$parent"
rc=$?
[ "$rc" -eq 0 ] || fail "parent exited $rc: $(cat "$BED_DIR/out")"
[ -s "$BED_DIR/out" ] && fail "--quiet, yet it wrote: $(cat "$BED_DIR/out")"
got=$(pasta_addrs "$NS_GUEST" "$PASTA_IF" 4)
[ "$got" = "$HOST4/24" ] ||
	fail "namespace not configured when the parent exited: '$got'"
pid=$(in_host ps -eo pid,args | awk -v n="$NETNS" '$0 ~ n && !/awk/ { print $1 }')
[ -n "$pid" ] || fail "no daemon running for $NETNS"

# -t 8080-8080:80-80: the host's 8080 is the namespace's 80
head -c $((1024 * 1024)) /dev/urandom >"$BED_DIR/src"
bed_bg in_guest python3 "$TCPTOOL" send-server 0.0.0.0 80 "$BED_DIR/src" \
	>"$BED_DIR/srv.out"
tcp_wait_file "$BED_DIR/srv.out" listening || fail "server did not start"
timeout 20 ip netns exec "$NS_HOST" python3 "$TCPTOOL" get "$HOST4" 8080 \
	"$BED_DIR/dst" || fail "host:8080 to the namespace's 80 failed"
[ "$(tcp_sha "$BED_DIR/dst")" = "$(tcp_sha "$BED_DIR/src")" ] ||
	fail "data through -t 8080:80 differs"

# ... and from the host's loopback, IPv4 and IPv6 (--no-map-gw: the peer
# appears as the --map-guest-addr address, or the gateway for IPv6)
for lo in 127.0.0.1 ::1; do
	rm -f "$BED_DIR/dst" "$BED_DIR/srv.out"
	bed_bg in_guest python3 "$TCPTOOL" send-server :: 80 "$BED_DIR/src" \
		>"$BED_DIR/srv.out"
	tcp_wait_file "$BED_DIR/srv.out" listening ||
		fail "server did not start"
	timeout 20 ip netns exec "$NS_HOST" python3 "$TCPTOOL" get "$lo" 8080 \
		"$BED_DIR/dst" || fail "$lo:8080 to the namespace's 80 failed"
	[ "$(tcp_sha "$BED_DIR/dst")" = "$(tcp_sha "$BED_DIR/src")" ] ||
		fail "data from $lo:8080 differs"
done

# --map-guest-addr 169.254.1.2: the host's own address
rm -f "$BED_DIR/dst" "$BED_DIR/srv.out"
bed_bg in_host python3 "$TCPTOOL" send-server "$HOST4" 9100 "$BED_DIR/src" \
	>"$BED_DIR/srv.out"
tcp_wait_file "$BED_DIR/srv.out" listening || fail "host server did not start"
timeout 20 ip netns exec "$NS_GUEST" python3 "$TCPTOOL" get 169.254.1.2 9100 \
	"$BED_DIR/dst" || fail "the namespace did not reach the host at 169.254.1.2"
[ "$(tcp_sha "$BED_DIR/dst")" = "$(tcp_sha "$BED_DIR/src")" ] ||
	fail "data from the host via 169.254.1.2 differs"

# podman removes the namespace file: the daemon goes
umount "$NETNS" && rm -f "$NETNS" || fail "removing $NETNS"
ms=$(pasta_gone_within "$pid" 2000) ||
	fail "daemon still there 2 s after the namespace file went"
echo "gone ${ms} ms after the namespace file was removed"
pass
