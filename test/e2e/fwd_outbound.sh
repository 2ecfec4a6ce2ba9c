#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
#
# fwd_outbound - -o/--outbound (qemu's -netdev passt,outbound=) binds the
# host sockets of the guest's flows to the given source: the host has a
# second address on veth-h (192.0.2.3, 2001:db8:1::3); with -o for each
# version and --outbound-if4/--outbound-if6 veth-h, the remote's server sees
# the guest's TCP connections and UDP datagrams come from those addresses.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/tcp.sh"

need_cmd python3
bed_setup
tcp_tool_init
in_host ip addr add 192.0.2.3/24 dev veth-h || fail "second IPv4 address"
in_host ip -6 addr add 2001:db8:1::3/64 dev veth-h nodad ||
	fail "second IPv6 address"
tcp_start -o 192.0.2.3 --outbound 2001:db8:1::3 --outbound-if4 veth-h \
	--outbound-if6 veth-h

# peer PROTO ADDR - The source address the remote sees for the guest's flow
peer() {
	rm -f "$BED_DIR/peer.out"
	bed_bg in_remote python3 -c '
import socket, sys
p, a = sys.argv[1], sys.argv[2]
f = socket.AF_INET6 if ":" in a else socket.AF_INET
t = socket.SOCK_STREAM if p == "tcp" else socket.SOCK_DGRAM
s = socket.socket(f, t); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((a, 9100))
if p == "tcp":
    s.listen(1); print("listening", flush=True); c, src = s.accept()
else:
    print("listening", flush=True); _, src = s.recvfrom(100)
print("peer", src[0], flush=True)' "$1" "$2" >"$BED_DIR/peer.out"
	tcp_wait_file "$BED_DIR/peer.out" listening || fail "server on $2"
	in_guest python3 -c '
import socket, sys
p, a = sys.argv[1], sys.argv[2]
f = socket.AF_INET6 if ":" in a else socket.AF_INET
if p == "tcp":
    socket.create_connection((a, 9100), timeout=10).close()
else:
    s = socket.socket(f, socket.SOCK_DGRAM); s.sendto(b"x", (a, 9100))' \
		"$1" "$2" || fail "$1 to $2 from the guest"
	tcp_wait_file "$BED_DIR/peer.out" peer || fail "$1: nothing reached $2"
	awk '$1 == "peer" { print $2 }' "$BED_DIR/peer.out"
}

for c in "tcp $REMOTE4 192.0.2.3" "udp $REMOTE4 192.0.2.3" \
	 "tcp $REMOTE6 2001:db8:1::3" "udp $REMOTE6 2001:db8:1::3"; do
	set -- $c
	got=$(peer "$1" "$2")
	echo "$1 to $2: seen from $got"
	[ "$got" = "$3" ] || fail "$1 to $2 came from '$got', not $3"
done
daemon_log_has 'IPv4 outbound: source 192.0.2.3, interface veth-h' ||
	fail "outbound binding not printed"
pass
