#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 90
# backends: stream vhost-user (passt's callers: libvirt and qemu run it on a socket, not a tap device)
#
# callers_libvirt9_replay - Debian 12's libvirt 9.0, replayed: it runs
#   passt --one-off --socket PATH --mac-addr GUEST_MAC --tcp-ports 2222:22
# with stdout and stderr a pipe whose read end it closes as soon as its own
# intermediate child exits (here: right after exec), and starts qemu 10-20 ms
# later without waiting for the socket; qemu 7.2 connects once, no retry.
#
# Asserted: the started process is not killed by SIGPIPE (it exits 0, having
# forked the daemon); the socket listens within REPLAY_BOUND_MS (200: the
# figure itself is printed, a few ms on an idle machine); the guest's side,
# started 20 ms after exec, connects on its one attempt; the guest gets its
# lease and TCP works both ways over IPv4 and IPv6, although --mac-addr is
# the guest's own MAC (older libvirt's meaning): the daemon takes another
# MAC for itself, so that the gateway's ARP and NDP answers are not the
# guest's own address; the forwarded port 2222 reaches the guest's port 22;
# when the guest leaves, the daemon exits and removes its socket.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/tcp.sh"
. "$(dirname "$0")/../lib/link.sh"
. "$(dirname "$0")/../lib/replay.sh"

: "${REPLAY_BOUND_MS:=200}"
need_cmd python3
need_cmd busybox
bed_setup
tcp_tool_init

mode=()
[ "$BACKEND" = vhost-user ] && mode=(--vhost-user)
replay_start --stdio closed --socket "$SOCK" --bound-ms "$REPLAY_BOUND_MS" \
	--client "$(replay_client "$SOCK")" --client-at-ms 20 -- \
	"${mode[@]}" --one-off --socket "$SOCK" --mac-addr "$GUEST_MAC" \
	--tcp-ports 2222:22
[ "$REPLAY_READY_MS" != none ] ||
	fail "socket not listening within $REPLAY_BOUND_MS ms of exec"
base=$("$PYTHON" "$CALLERSPAWN" -- /bin/true | awk '$1 == "exit" { print $3 }')
echo "socket listening $REPLAY_READY_MS ms after exec (bound" \
     "$REPLAY_BOUND_MS ms; libvirt 9.0 starts qemu 10-20 ms after exec;" \
     "the same measure of /bin/true's exit, now: $base ms)"
awk -v r="$REPLAY_READY_MS" -v b="$REPLAY_BOUND_MS" \
	'BEGIN { exit !(r <= b) }' ||
	fail "socket listening only $REPLAY_READY_MS ms after exec"

replay_guest_lease
replay_guest_traffic
replay_wait_gone "$SOCK"
pass
