#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
#
# tcp_connect_slow - A host that answers the SYN late still gets the guest's
# connection, whole: the daemon connects to peers in the same machine at
# once (the handshake completes within connect()), and otherwise waits for
# the socket to become writable. This case takes the second way: the remote
# listens with a backlog of 0 and fills its only slot itself, so the kernel
# drops the daemon's SYN; it frees the slot after 0.3 s and the daemon's
# socket gets in with its SYN retransmission (about 1 s). The guest's
# connection must then complete, later than 0.9 s (else the SYN was not
# dropped and this case proves nothing), and carry 1 MiB each way, checked
# (sha256) on both sides, over IPv4 and IPv6; no flow is left.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/tcp.sh"

BYTES=$((1024 * 1024))

need_cmd python3
bed_setup
tcp_tool_init
tcp_start
export PYTHONPATH=$BED_TOOLS_DIR	# guestsock: pattern(), recv_exact()
SLOW_PY=$BED_DIR/slow.py
cat >"$SLOW_PY" <<'PYEOF'
import socket, sys, time
from guestsock import pattern, recv_exact

role, addr, port, n = sys.argv[1:5]
port, n = int(port), int(n)
fam = socket.AF_INET6 if ':' in addr else socket.AF_INET
if role == "server":
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port)); s.listen(0)
    filler = socket.create_connection((addr, port))	# the only slot
    print("listening", flush=True)
    s.settimeout(20)
    # Hold the slot until the daemon's SYN came (and was dropped)
    dropped = "/proc/net/netstat"
    def overflows():
        with open(dropped) as f:
            rows = [l.split() for l in f if l.startswith("TcpExt:")]
        return int(rows[1][rows[0].index("ListenOverflows")])
    base, t0 = overflows(), time.monotonic()
    while overflows() == base:
        if time.monotonic() - t0 > 10:
            sys.exit("server: no SYN dropped in 10 s")
        time.sleep(0.01)
    time.sleep(0.3)
    s.accept()[0].close()		# the filler's connection
    filler.close()
    c, _ = s.accept()
    c.settimeout(20)
    c.sendall(pattern("to-guest", n))
    if recv_exact(c, n) != pattern("to-host", n):
        sys.exit("server: the guest's data differ")
    if c.recv(1):
        sys.exit("server: data after the guest's stream")
    c.close()
    print("server ok", flush=True)
else:
    t0 = time.monotonic()
    c = socket.create_connection((addr, port), timeout=20)
    took = time.monotonic() - t0
    if took < 0.9:
        sys.exit("connected after %.2f s: the host's SYN was not dropped"
                 % took)
    c.settimeout(20)
    if recv_exact(c, n) != pattern("to-guest", n):
        sys.exit("guest: the host's data differ")
    c.sendall(pattern("to-host", n))
    c.shutdown(socket.SHUT_WR)
    if c.recv(1):
        sys.exit("guest: data after the host's stream")
    c.close()
    print("guest ok, connected after %.2f s" % took, flush=True)
PYEOF

port=9300
for addr in "$REMOTE4" "$REMOTE6"; do
	port=$((port + 1))
	bed_bg in_remote python3 "$SLOW_PY" server "$addr" "$port" "$BYTES" \
		>"$BED_DIR/srv.out" 2>&1
	srv=$BG_PID
	tcp_wait_file "$BED_DIR/srv.out" listening ||
		fail "server did not start"
	bed_bg in_guest python3 "$SLOW_PY" client "$addr" "$port" "$BYTES" \
		>"$BED_DIR/cli.out" 2>&1
	cli=$BG_PID
	wait "$cli" || fail "guest ($addr): $(cat "$BED_DIR/cli.out")"
	wait "$srv" || fail "server ($addr): $(cat "$BED_DIR/srv.out")"
	cat "$BED_DIR/cli.out" "$BED_DIR/srv.out"
done
tcp_expect_no_flows
daemon_alive || fail "daemon died"
pass
