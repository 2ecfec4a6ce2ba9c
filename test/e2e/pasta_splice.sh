#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 180
# backends: pasta
#
# pasta_splice - A -t connection from the host's loopback is spliced to the
# namespace's loopback: servers bound to 127.0.0.1 and ::1 inside the
# namespace (which the tap device cannot reach) serve it. 1 GiB
# (SPLICE_MB) each way, sha256-verified; both half-close orders; a reset from either side
# reaches the other as a reset; no flow left after each. A server sees the
# host-side client's loopback address as its peer; with --no-splice the
# same connection takes the tap device and the server sees the gateway.
# The namespace's lo, left down (as podman does), is brought up.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/tcp.sh"

bed_setup
need_cmd python3
tcp_tool_init
: "${SPLICE_MB:=1024}"
head -c $((SPLICE_MB * 1024 * 1024)) /dev/urandom >"$BED_DIR/src"
want=$(tcp_sha "$BED_DIR/src")
python3 "$TCPTOOL" pattern resp $((1024 * 1024)) "$BED_DIR/want_resp"
python3 "$TCPTOOL" pattern late $((1024 * 1024)) "$BED_DIR/want_late"
# podman leaves the container's loopback down, for pasta to set up
in_guest ip link set lo down
tcp_start -d -t 9000-9003
in_guest ip link show lo | grep -q 'state UNKNOWN\|,UP' ||
	fail "the namespace's lo is still down: $(in_guest ip link show lo)"

# server LOG MODE ADDR PORT [ARGS...] - Start a tcptool server in the
# namespace, wait until it listens; SRV is its PID
server() {
	local log=$1
	shift
	rm -f "$log"
	bed_bg in_guest python3 "$TCPTOOL" "$@" >"$log"
	SRV=$BG_PID
	tcp_wait_file "$log" listening || fail "server $* did not start"
}

# Bulk, namespace to host: the host's client sends its FIN first (get)
t0=$(date +%s%N)
server "$BED_DIR/s1.out" send-server 127.0.0.1 9000 "$BED_DIR/src"
in_host timeout 60 python3 "$TCPTOOL" get 127.0.0.1 9000 "$BED_DIR/dst" ||
	fail "download through the splice failed"
wait "$SRV" || fail "namespace server failed"
[ "$(tcp_sha "$BED_DIR/dst")" = "$want" ] ||
	fail "download: $(stat -c %s "$BED_DIR/dst") bytes, sha256 differs"
echo "namespace to host: $SPLICE_MB MB in $((($(date +%s%N) - t0) / 1000000)) ms"
daemon_log_has 'TCP_SPLICE 127.0.0.1:[0-9]* -> 127.0.0.1:9000.*spliced' ||
	fail "no spliced flow in the log"

# Bulk, host to namespace (IPv6 loopback): the client sends, then its FIN
t0=$(date +%s%N)
server "$BED_DIR/s2.out" recv-server ::1 9001 "$BED_DIR/dst"
in_host timeout 60 python3 "$TCPTOOL" put ::1 9001 "$BED_DIR/src" ||
	fail "upload through the splice failed"
wait "$SRV" || fail "namespace server failed"
[ "$(tcp_sha "$BED_DIR/dst")" = "$want" ] ||
	fail "upload: $(stat -c %s "$BED_DIR/dst") bytes, sha256 differs"
echo "host to namespace: $SPLICE_MB MB in $((($(date +%s%N) - t0) / 1000000)) ms"
wait_for tcp_no_flows || fail "flows left after bulk: $(tcp_flows_active)"

# Half-close, host side first: request and FIN, then 1 MiB of response
server "$BED_DIR/s3.out" reqresp-server 127.0.0.1 9002 $((1024 * 1024))
in_host timeout 30 python3 "$TCPTOOL" reqresp 127.0.0.1 9002 100000 \
	"$BED_DIR/dst" || fail "request/response failed"
wait "$SRV" || fail "reqresp server failed"
grep -q 'request 100000' "$BED_DIR/s3.out" ||
	fail "request not whole: $(cat "$BED_DIR/s3.out")"
[ "$(tcp_sha "$BED_DIR/dst")" = "$(tcp_sha "$BED_DIR/want_resp")" ] ||
	fail "response after the client's FIN differs"

# Half-close, namespace side first: greeting and FIN, then 1 MiB from host
server "$BED_DIR/s4.out" eof-first-server 127.0.0.1 9003 "$BED_DIR/dst"
in_host timeout 30 python3 "$TCPTOOL" after-eof 127.0.0.1 9003 \
	$((1024 * 1024)) || fail "sending after the server's FIN failed"
wait "$SRV" || fail "eof-first server failed"
[ "$(tcp_sha "$BED_DIR/dst")" = "$(tcp_sha "$BED_DIR/want_late")" ] ||
	fail "data after the server's FIN differs"
wait_for tcp_no_flows || fail "flows left after half-close: $(tcp_flows_active)"

# Resets: the namespace's server resets, the host's client sees a reset
server "$BED_DIR/s5.out" reset-server 127.0.0.1 9000
in_host timeout 30 python3 "$TCPTOOL" wait-reset-client 127.0.0.1 9000 ||
	fail "the server's reset did not reach the client"
wait "$SRV"
# ... and the other way
server "$BED_DIR/s6.out" wait-reset-server 127.0.0.1 9001
in_host timeout 30 python3 "$TCPTOOL" reset-client 127.0.0.1 9001
wait "$SRV" || fail "the client's reset did not reach the server"
# ... and nobody listening in the namespace: refused
in_host timeout 30 python3 - <<'PYEOF' || fail "no reset without a server"
import socket, sys
try:
    c = socket.create_connection(("127.0.0.1", 9002), timeout=10)
    if c.recv(1):
        sys.exit("data")
    sys.exit("end of stream, not a reset")
except (ConnectionResetError, ConnectionRefusedError):
    pass
PYEOF
wait_for tcp_no_flows || fail "flows left after resets: $(tcp_flows_active)"
daemon_alive || fail "daemon died"

got=$(tcp_peer_seen 127.0.0.1 9000)
[ "$got" = "::ffff:127.0.0.1" ] ||
	fail "spliced: the server saw '$got', not the host's loopback"

# --no-splice: the same connection takes the tap device
bed_stop_daemon
mv "$BED_DIR/passt.log" "$BED_DIR/passt-splice.log"
tcp_start -d -t 9000 --no-splice
got=$(tcp_peer_seen 127.0.0.1 9000)
[ "$got" = "::ffff:$GW4" ] ||
	fail "--no-splice: the server saw '$got', not the gateway $GW4"
daemon_log_has 'TCP_SPLICE' && fail "--no-splice: a spliced flow"
pass
