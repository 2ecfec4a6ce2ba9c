#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
#
# icmp_malformed - Echo requests from the guest with a wrong ICMP checksum,
# a wrong ICMPv6 checksum, or shorter than the 8-byte echo header are
# dropped and counted (L4_BAD), create no flow and get no reply; a valid
# echo request right after is answered.

. "$(dirname "$0")/../lib/bed.sh"

bed_setup
need_cmd python3
need_cmd busybox
in_host sysctl -qw net.ipv4.ping_group_range="0 2147483647" ||
	skip "cannot set net.ipv4.ping_group_range"
bed_start_daemon --no-ra
bed_connect_guest
guest_static_config

cat >"$BED_DIR/bad.py" <<'PYEOF'
import socket, struct, sys

def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

guest_mac = bytes.fromhex(sys.argv[1].replace(':', ''))
our_mac = bytes.fromhex(sys.argv[2].replace(':', ''))
g4, r4 = socket.inet_aton(sys.argv[3]), socket.inet_aton(sys.argv[4])
g6 = socket.inet_pton(socket.AF_INET6, sys.argv[5])
r6 = socket.inet_pton(socket.AF_INET6, sys.argv[6])

def ip4(l4):
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(l4), 1, 0x4000, 64,
                    1, 0, g4, r4)
    h = h[:10] + struct.pack('!H', csum(h)) + h[12:]
    return our_mac + guest_mac + b'\x08\x00' + h + l4

def ip6(l4):
    h = struct.pack('!IHBB16s16s', 0x60000000, len(l4), 58, 64, g6, r6)
    return our_mac + guest_mac + b'\x86\xdd' + h + l4

echo = struct.pack('!BBHHH', 8, 0, 0, 0x77, 1) + b'x' * 32
good = echo[:2] + struct.pack('!H', csum(echo)) + echo[4:]
bad4 = good[:2] + struct.pack('!H', csum(echo) ^ 0x0101) + good[4:]
short4 = struct.pack('!BBH', 8, 0, 0) + b'\0\x01'
short4 = short4[:2] + struct.pack('!H', csum(short4)) + short4[4:]
e6 = struct.pack('!BBHHH', 128, 0, 0x1234, 0x78, 1) + b'y' * 32
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(('tap0', 0))
for f in (ip4(bad4), ip4(short4), ip6(e6)):
    s.send(f)
print("sent 3")
PYEOF
in_guest python3 "$BED_DIR/bad.py" "$GUEST_MAC" "$OUR_MAC" "$HOST4" \
	"$REMOTE4" "$HOST6" "$REMOTE6" || fail "could not send frames"

n=$(grep -c 'flow table:' "$BED_DIR/passt.log")
kill -USR1 "$PASST_PID"
wait_for sh -c "[ \$(grep -c 'counter dropped_L4_BAD' '$BED_DIR/passt.log') -gt $n ]" ||
	fail "no counters after SIGUSR1"
grep 'counter dropped_L4_BAD' "$BED_DIR/passt.log" | tail -1 |
	grep -q 'dropped_L4_BAD: 3$' || fail "not 3 malformed echo requests counted: \
$(grep 'counter dropped_L4_BAD' "$BED_DIR/passt.log" | tail -1)"
grep 'flow table:' "$BED_DIR/passt.log" | tail -1 | grep -q ' 0 active' ||
	fail "a malformed echo request created a flow"

out=$(in_guest busybox ping -c 1 -W 3 "$REMOTE4" 2>&1)
echo "$out" | grep -q '1 packets received' ||
	fail "valid echo after the malformed ones not answered: $out"
daemon_alive || fail "daemon died"
pass
