#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
# backends: pasta
#
# pasta_ns_fwd - -T 7000:7100 and -U 7001:7101: a TCP connection to the
# namespace's loopback port 7000 (IPv4 and IPv6) reaches a server on the
# host's loopback port 7100, 4 MiB sha256-verified each way, the client's
# FIN first and the server's; UDP datagrams to the namespace's loopback
# port 7001 reach an echo server on the host's 7101 and the replies come
# back from 7001, up to 60000 bytes, from several sockets at once. The
# daemon holds listeners in the namespace (only there: the host has none
# on 7000 or 7001), and no flow is left at the end of TCP.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/tcp.sh"
. "$(dirname "$0")/../lib/udp.sh"

bed_setup
need_cmd python3
tcp_tool_init
udp_tool_init
head -c $((4 * 1024 * 1024)) /dev/urandom >"$BED_DIR/src"
want=$(tcp_sha "$BED_DIR/src")
python3 "$TCPTOOL" pattern late $((1024 * 1024)) "$BED_DIR/want_late"
tcp_start -d -T 7000:7100 -U 7001:7101

in_guest ss -Htln | grep -q '127.0.0.1:7000 ' ||
	fail "no -T listener on the namespace's 127.0.0.1:7000: $(in_guest ss -Htln)"
in_guest ss -Htln | grep -q '\[::1\]:7000 ' ||
	fail "no -T listener on the namespace's ::1:7000"
in_guest ss -Huln | grep -q '127.0.0.1:7001 ' ||
	fail "no -U socket on the namespace's 127.0.0.1:7001: $(in_guest ss -Huln)"
in_host ss -Htlnu | grep -qE ':700[01] ' &&
	fail "-T/-U opened sockets on the host: $(in_host ss -Htlnu)"

for lo in 127.0.0.1 ::1; do
	# Host to namespace: the namespace's client sends its FIN first
	rm -f "$BED_DIR/dst" "$BED_DIR/srv.out"
	bed_bg in_host python3 "$TCPTOOL" send-server "$lo" 7100 \
		"$BED_DIR/src" >"$BED_DIR/srv.out"
	srv=$BG_PID
	tcp_wait_file "$BED_DIR/srv.out" listening || fail "host server"
	in_guest timeout 30 python3 "$TCPTOOL" get "$lo" 7000 "$BED_DIR/dst" ||
		fail "$lo: download through -T failed"
	wait "$srv" || fail "$lo: host server failed"
	[ "$(tcp_sha "$BED_DIR/dst")" = "$want" ] ||
		fail "$lo: download through -T differs"

	# Namespace to host
	rm -f "$BED_DIR/dst" "$BED_DIR/srv.out"
	bed_bg in_host python3 "$TCPTOOL" recv-server "$lo" 7100 \
		"$BED_DIR/dst" >"$BED_DIR/srv.out"
	srv=$BG_PID
	tcp_wait_file "$BED_DIR/srv.out" listening || fail "host server"
	in_guest timeout 30 python3 "$TCPTOOL" put "$lo" 7000 "$BED_DIR/src" ||
		fail "$lo: upload through -T failed"
	wait "$srv" || fail "$lo: host server failed"
	[ "$(tcp_sha "$BED_DIR/dst")" = "$want" ] ||
		fail "$lo: upload through -T differs"
done

# The host's server sends its FIN first, then reads 1 MiB
rm -f "$BED_DIR/dst" "$BED_DIR/srv.out"
bed_bg in_host python3 "$TCPTOOL" eof-first-server 127.0.0.1 7100 \
	"$BED_DIR/dst" >"$BED_DIR/srv.out"
srv=$BG_PID
tcp_wait_file "$BED_DIR/srv.out" listening || fail "host server"
in_guest timeout 30 python3 "$TCPTOOL" after-eof 127.0.0.1 7000 \
	$((1024 * 1024)) || fail "sending after the host's FIN failed"
wait "$srv" || fail "eof-first server failed"
[ "$(tcp_sha "$BED_DIR/dst")" = "$(tcp_sha "$BED_DIR/want_late")" ] ||
	fail "data after the host's FIN differs"
daemon_log_has 'TCP_SPLICE 127.0.0.1:[0-9]* -> 127.0.0.1:7000' ||
	fail "no spliced -T flow in the log"
wait_for tcp_no_flows || fail "flows left after TCP: $(tcp_flows_active)"

# Nobody on the host's port: the namespace's client is reset
in_guest timeout 20 python3 - <<'PYEOF' || fail "no reset without a host server"
import socket, sys
try:
    c = socket.create_connection(("127.0.0.1", 7000), timeout=10)
    if c.recv(1):
        sys.exit("data")
    sys.exit("end of stream, not a reset")
except (ConnectionResetError, ConnectionRefusedError):
    pass
PYEOF

# UDP: echo from the host's loopback, replies from the port written to
bed_bg in_host python3 "$UDPTOOL" echo-server 127.0.0.1 7101 \
	>"$BED_DIR/u.out"
udp_wait_file "$BED_DIR/u.out" listening || fail "host UDP server"
in_guest timeout 20 python3 "$UDPTOOL" echo 127.0.0.1 7001 1 1400 60000 ||
	fail "UDP through -U failed"
in_guest timeout 20 python3 "$UDPTOOL" many 127.0.0.1 7001 8 1000 ||
	fail "UDP from several sockets through -U failed"
bed_bg in_host python3 "$UDPTOOL" echo-server ::1 7101 >"$BED_DIR/u6.out"
udp_wait_file "$BED_DIR/u6.out" listening || fail "host UDP server (::1)"
in_guest timeout 20 python3 "$UDPTOOL" echo ::1 7001 1 1400 ||
	fail "UDP through -U over IPv6 failed"
daemon_log_has 'UDP_SPLICE 127.0.0.1:[0-9]* -> 127.0.0.1:7001' ||
	fail "no -U flow in the log"
daemon_alive || fail "daemon died"
pass
