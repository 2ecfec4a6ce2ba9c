#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 90
#
# fwd_map_host_loopback - --map-host-loopback 10.0.2.2 and fd00::2: TCP
# connections and UDP flows from the guest to those addresses reach servers
# on the host's 127.0.0.1 and ::1, and the gateway no longer does (it is
# the real gateway then: refused there); a datagram forwarded with -u from
# the host's loopback reaches the guest from 10.0.2.2. With
# --map-host-loopback none nothing reaches the host's loopback, and -t/-u
# forwards from it are refused (TCP reset at once) or dropped (UDP), with a
# warning naming the peer: the guest would drop a source of 127.0.0.1.

. "$(dirname "$0")/../lib/fwd.sh"

fwd_setup

fwd_host_echo_servers 9006 9010 127.0.0.1 ::1

tcp_start --map-host-loopback 10.0.2.2 --map-host-loopback fd00::2 \
	-u 5001:6001
daemon_log_has "IPv4 host loopback reached at 10.0.2.2" ||
	fail "mapping not printed"

for a in 10.0.2.2 fd00::2; do
	in_guest timeout 30 python3 "$TCPTOOL" many $a 9006 4 100000 ||
		fail "TCP to $a did not reach the host's loopback"
	in_guest timeout 20 python3 "$UDPTOOL" echo $a 9010 1 1400 ||
		fail "UDP to $a did not reach the host's loopback"
done
in_guest timeout 30 python3 "$TCPTOOL" refused "$GW4" 9006 ||
	fail "the gateway still reaches the host's loopback"
in_guest timeout 30 python3 "$TCPTOOL" refused "$GW6" 9006 ||
	fail "the IPv6 gateway still reaches the host's loopback"

# Inbound: the host's loopback appears as 10.0.2.2
bed_bg in_guest python3 "$UDPTOOL" echo-server "$HOST4" 6001 \
	>"$BED_DIR/g.out"
udp_wait_file "$BED_DIR/g.out" listening || fail "guest server not up"
in_host timeout 20 python3 "$UDPTOOL" echo 127.0.0.1 5001 1 ||
	fail "host loopback to port 5001 failed"
dump=$(udp_flow_dump) || fail "no flow dump"
echo "$dump" | grep -qE "tap $HOST4:6001 -> 10\.0\.2\.2:[0-9]+ sock 127\.0\.0\.1:" ||
	fail "loopback sender not seen as 10.0.2.2: $dump"

# none: the gateway is the real one, nothing maps to the host's loopback
bed_disconnect_guest
bed_stop_daemon
in_guest ip link del tap0 2>/dev/null
# pasta would splice the host's loopback to the namespace's, past the tap
# device: this case is about the tap path (pasta_splice has the other)
no_splice=
[ "$BACKEND" = pasta ] && no_splice=--no-splice
tcp_start --map-host-loopback none -t 5005:6005 -u 5002:6002 $no_splice
in_guest timeout 30 python3 "$TCPTOOL" refused "$GW4" 9006 ||
	fail "none: the gateway reaches the host's loopback"
in_guest timeout 30 python3 "$TCPTOOL" refused "$GW6" 9006 ||
	fail "none: the IPv6 gateway reaches the host's loopback"

# ... and no address stands for the host's loopback toward the guest: a
# forwarded connection from there is refused at once (reset), where a SYN
# from 127.0.0.1 would be dropped by the guest as a martian and the host's
# client left waiting; a datagram from there is dropped, with a warning
bed_bg in_guest python3 "$UDPTOOL" echo-server "$HOST4" 6002 \
	>"$BED_DIR/g2.out"
udp_wait_file "$BED_DIR/g2.out" listening || fail "guest server not up"
bed_bg in_guest python3 "$TCPTOOL" echo-server :: 6005 >"$BED_DIR/g3.out"
tcp_wait_file "$BED_DIR/g3.out" listening || fail "guest TCP server not up"
for lo in 127.0.0.1 ::1; do
	in_host timeout 20 python3 - "$lo" <<'PYEOF' || fail "TCP from $lo"
import socket, sys, time
t0 = time.monotonic()
try:	# the reset may come while connect() is still returning
    c = socket.create_connection((sys.argv[1], 5005), timeout=5)
    if c.recv(1):
        sys.exit("data from the guest")
    sys.exit("end of stream, not a reset")
except ConnectionResetError:
    pass
except socket.timeout:
    sys.exit("no reset within 5 s: the connection went to the guest")
print("%s: refused after %.3f s" % (sys.argv[1], time.monotonic() - t0))
PYEOF
	sleep 1.1	# warnings: one a second per call site
done
daemon_log_has "TCP: connection from 127.0.0.1:[0-9]* to guest port 6005 refused: no address stands for it" ||
	fail "no warning for the refused connection"
daemon_log_has "TCP: connection from ::1:[0-9]* to guest port 6005 refused" ||
	fail "no warning for the refused IPv6 connection"
if in_host timeout 20 python3 "$UDPTOOL" echo 127.0.0.1 5002 1 2>/dev/null; then
	fail "a datagram from the host's loopback reached the guest"
fi
daemon_log_has "UDP: datagram from 127.0.0.1:[0-9]* to guest port 6002 dropped: no address stands for it" ||
	fail "no warning for the dropped datagram"
daemon_alive || fail "daemon died"
pass
