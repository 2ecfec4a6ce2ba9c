#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
# backends: stream (the guest side speaks the stream framing itself)
#
# tap_pcap - -p writes a classic pcap file that tcpdump reads: frames the
# guest's own stack sends (ARP request, ICMP echo, UDP over IPv4 and IPv6)
# appear in it, and raw frames are stored byte for byte.

. "$(dirname "$0")/../lib/bed.sh"

need_cmd tcpdump
bed_setup
CAP=$BED_DIR/cap.pcap
bed_start_daemon -p "$CAP"
bed_connect_guest
guest_static_config

# Frames from the guest's stack; replies are not needed for any of them
in_guest busybox ping -c 1 -W 1 "$GW4" >/dev/null 2>&1
in_guest busybox arping -c 1 -w 1 -I tap0 192.0.2.77 >/dev/null 2>&1
in_guest python3 -c '
import socket
for af, dst in ((socket.AF_INET, "'"$REMOTE4"'"),
		(socket.AF_INET6, "'"$REMOTE6"'")):
	s = socket.socket(af, socket.SOCK_DGRAM)
	s.sendto(b"pcap-udp-marker", (dst, 5555))
' || fail "guest UDP send"
in_guest python3 "$GUESTSOCK" rawsend tap0 --tag raw --count 20 ||
	fail "guest rawsend"
wait_for pcap_tagged_is "$CAP" raw 20 ||
	fail "$(pcap_tagged "$CAP" raw) of 20 raw frames captured intact"

bed_stop_daemon
out=$(tcpdump -nn -r "$CAP" 2>&1) || fail "tcpdump -r failed: $out"
echo "$out" | grep -v GSOCK | grep -v "\.40000 > "

echo "$out" | grep -q "ARP, Request who-has 192.0.2.77 .*tell $HOST4" ||
	fail "guest ARP request not captured"
echo "$out" | grep -q "IP $HOST4 > $GW4: ICMP echo request" ||
	fail "guest ICMP echo request not captured"
echo "$out" | grep -q "IP $HOST4\.[0-9]* > $REMOTE4\.5555: UDP, length 15" ||
	fail "guest IPv4 UDP datagram not captured"
echo "$out" | grep -q "IP6 $HOST6\.[0-9]* > $REMOTE6\.5555: UDP, length 15" ||
	fail "guest IPv6 UDP datagram not captured"
pass
