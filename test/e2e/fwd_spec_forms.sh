#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 120
#
# fwd_spec_forms - The port-range forms libvirt and podman write, for -t
# and -u alike: 80-80:8080-8080 (all addresses, both IP versions) and
# 192.0.2.2/5000-5020:6000-6020,~5010-5015 (the host's own address only).
# From the remote namespace: forwarded ports reach the guest's servers on
# the mapped port, intact; excluded ports, ports past the range and the
# address-bound rule over IPv6 are not forwarded (TCP refused, UDP port
# unreachable). The daemon prints each rule at start.

. "$(dirname "$0")/../lib/fwd.sh"

fwd_setup

# Guest servers: TCP and UDP echo on every target port, both versions
cat >"$BED_DIR/mecho.py" <<'PYEOF'
import selectors, socket, sys
sel = selectors.DefaultSelector()
for a in sys.argv[2:]:
    for p in sys.argv[1].split(','):
        f = socket.AF_INET6 if ':' in a else socket.AF_INET
        t = socket.socket(f, socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        t.bind((a, int(p))); t.listen(8); t.setblocking(False)
        sel.register(t, selectors.EVENT_READ, 'listen')
        u = socket.socket(f, socket.SOCK_DGRAM)
        u.bind((a, int(p)))
        sel.register(u, selectors.EVENT_READ, 'udp')
print("listening", flush=True)
while True:
    for k, _ in sel.select():
        s = k.fileobj
        if k.data == 'listen':
            c, _ = s.accept()
            sel.register(c, selectors.EVENT_READ, 'conn')
        elif k.data == 'udp':
            b, src = s.recvfrom(65536)
            s.sendto(b, src)
        else:
            try:
                b = s.recv(65536)
            except OSError:
                b = b''
            if b:
                s.setblocking(True); s.sendall(b); s.setblocking(False)
            else:
                sel.unregister(s); s.close()
PYEOF

spec='192.0.2.2/5000-5020:6000-6020,~5010-5015'
tcp_start -t 80-80:8080-8080 -t "$spec" -u 80-80:8080-8080 -u "$spec"
for p in "TCP \*/80-80 => 8080-8080" \
	 "TCP 192.0.2.2/5000-5020 => 6000-6020, except 5010-5015" \
	 "UDP \*/80-80 => 8080-8080" \
	 "UDP 192.0.2.2/5000-5020 => 6000-6020, except 5010-5015"; do
	daemon_log_has "$p" || fail "rule '$p' not printed"
done

targets=8080,6000,6009,6010,6015,6016,6020,6021
bed_bg in_guest python3 "$BED_DIR/mecho.py" $targets "$HOST4" "$HOST6" \
	>"$BED_DIR/g.out"
tcp_wait_file "$BED_DIR/g.out" listening || fail "guest servers not up"

# fwd_ok ADDR PORT: TCP and UDP through ADDR PORT come back intact
fwd_ok() {
	in_remote timeout 30 python3 "$TCPTOOL" many "$1" "$2" 2 65536 ||
		fail "TCP $1 port $2 not forwarded"
	in_remote timeout 20 python3 "$UDPTOOL" echo "$1" "$2" 1 1400 ||
		fail "UDP $1 port $2 not forwarded"
}

# fwd_not ADDR PORT: neither TCP nor UDP through ADDR PORT is forwarded
fwd_not() {
	in_remote timeout 30 python3 "$TCPTOOL" refused "$1" "$2" ||
		fail "TCP $1 port $2 forwarded"
	in_remote timeout 20 python3 "$UDPTOOL" refused "$1" "$2" ||
		fail "UDP $1 port $2 forwarded"
}

fwd_ok "$HOST4" 80
fwd_ok "$HOST6" 80
for p in 5000 5009 5016 5020; do
	fwd_ok "$HOST4" $p
done
for p in 5010 5012 5015 5021; do
	fwd_not "$HOST4" $p
done
fwd_not "$HOST6" 5000
daemon_alive || fail "daemon died"
pass
