#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
# backends: pasta
#
# pasta_auto - pasta's defaults, -t/-u/-T/-U auto: a TCP or UDP server
# started in the namespace gets a listener (or bound socket) on the host
# within 2 s, and one started on the host's loopback gets one on the
# namespace's loopback; each carries data; a port forwarded one way is
# not forwarded back; a server that goes away loses its forward within
# 2 s. The daemon is started with no forwarding option at all.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/tcp.sh"
. "$(dirname "$0")/../lib/udp.sh"

bed_setup
need_cmd python3
need_cmd ss
tcp_tool_init
udp_tool_init
PASTA_FWD_DEFAULT= tcp_start -d
daemon_log_has 'TCP \*/1-65535 => 1-65535 (auto' ||
	fail "no auto rule by default"

# within_2s WHAT CMD... - CMD succeeds within 2 s; print how long it took
within_2s() {
	local what=$1 t0 t
	shift
	t0=$(date +%s%N)
	until "$@"; do
		t=$((($(date +%s%N) - t0) / 1000000))
		[ "$t" -gt 2000 ] && fail "$what: not within 2 s"
		sleep 0.05
	done
	echo "$what: $((($(date +%s%N) - t0) / 1000000)) ms"
}

# listening NS PROTO ADDR:PORT - A socket of ours or theirs is there
# (ss -H: "State Recv-Q Send-Q Local Peer": ADDR:PORT in the 4th column)
listening() {
	ip netns exec "$1" ss -Hln"$2" | awk '{ print $4 }' | grep -qx "$3"
}
not_listening() { ! listening "$@"; }

# -t auto: the namespace's TCP server gets a host listener
bed_bg in_guest python3 "$TCPTOOL" echo-server 0.0.0.0 8123 >"$BED_DIR/s1.out"
srv=$BG_PID
tcp_wait_file "$BED_DIR/s1.out" listening || fail "namespace server"
within_2s "-t auto: host listener for 8123" listening "$NS_HOST" t '0.0.0.0:8123'
in_host timeout 20 python3 "$TCPTOOL" many 127.0.0.1 8123 4 200000 ||
	fail "-t auto: echo through the host's 8123 failed"
# ... not forwarded back: no listener of ours on the namespace's loopback
sleep 1.2
listening "$NS_GUEST" t '127.0.0.1:8123' &&
	fail "8123 forwarded back into the namespace"
daemon_log_has '\-T auto: port 8123' &&
	fail "-T auto took our own host listener for 8123"
# ... and gone when the server is
kill "$srv"
within_2s "-t auto: host listener for 8123 gone" \
	not_listening "$NS_HOST" t '0.0.0.0:8123'

# -T auto: the host's loopback server gets a namespace loopback listener
bed_bg in_host python3 "$TCPTOOL" echo-server 127.0.0.1 8124 >"$BED_DIR/s2.out"
srv=$BG_PID
tcp_wait_file "$BED_DIR/s2.out" listening || fail "host server"
within_2s "-T auto: namespace listener for 8124" \
	listening "$NS_GUEST" t '127.0.0.1:8124'
in_guest timeout 20 python3 "$TCPTOOL" many 127.0.0.1 8124 4 200000 ||
	fail "-T auto: echo through the namespace's 8124 failed"
sleep 1.2
listening "$NS_HOST" t '0.0.0.0:8124' && fail "8124 forwarded back to the host"
daemon_log_has '\-t auto: port 8124' &&
	fail "-t auto took our own namespace listener for 8124"
kill "$srv"
within_2s "-T auto: namespace listener for 8124 gone" \
	not_listening "$NS_GUEST" t '127.0.0.1:8124'

# -u auto: the namespace's UDP server gets a bound socket on the host
bed_bg in_guest python3 "$UDPTOOL" echo-server 0.0.0.0 8125 \
	>"$BED_DIR/u1.out"
srv=$BG_PID
udp_wait_file "$BED_DIR/u1.out" listening || fail "namespace UDP server"
within_2s "-u auto: host socket for 8125" listening "$NS_HOST" u '0.0.0.0:8125'
in_remote timeout 20 python3 "$UDPTOOL" echo "$HOST4" 8125 1 1400 ||
	fail "-u auto: echo through the host's 8125 failed"
kill "$srv"
within_2s "-u auto: host socket for 8125 gone" \
	not_listening "$NS_HOST" u '0.0.0.0:8125'

# -U auto: the host's loopback UDP server gets one on the namespace's
bed_bg in_host python3 "$UDPTOOL" echo-server 127.0.0.1 8126 \
	>"$BED_DIR/u2.out"
srv=$BG_PID
udp_wait_file "$BED_DIR/u2.out" listening || fail "host UDP server"
within_2s "-U auto: namespace socket for 8126" \
	listening "$NS_GUEST" u '127.0.0.1:8126'
in_guest timeout 20 python3 "$UDPTOOL" echo 127.0.0.1 8126 1 1400 ||
	fail "-U auto: echo through the namespace's 8126 failed"
kill "$srv"
within_2s "-U auto: namespace socket for 8126 gone" \
	not_listening "$NS_GUEST" u '127.0.0.1:8126'

daemon_log_has '\-t auto: port 8123 bound on the namespace, forwarded' ||
	fail "no log line for -t auto"
daemon_alive || fail "daemon died"
pass
