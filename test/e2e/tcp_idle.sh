#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 90
# idle
#
# tcp_idle - An idle connection survives: the guest (a real Linux stack
# behind tapbridge) connects to a server behind the host over IPv4 and
# exchanges a greeting, then nothing moves for IDLE_S (15) seconds; while it
# is idle the daemon's SIGUSR1 dump shows the flow ESTABLISHED and idle.
# After it, the server sends 1 MiB unprompted (host to guest first, so the
# daemon must still be polling the socket), the guest checks it and answers
# with 1 MiB of its own, which the server checks (sha256 on both sides);
# then an orderly close and an empty flow table.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/tcp.sh"

IDLE_S=15
BYTES=$((1024 * 1024))

need_cmd python3
bed_setup
tcp_tool_init
tcp_start
export PYTHONPATH=$BED_TOOLS_DIR	# guestsock: pattern(), recv_exact()
IDLE_PY=$BED_DIR/idle.py
cat >"$IDLE_PY" <<'PYEOF'
import socket, sys, time
from guestsock import pattern, recv_exact

role, addr, port, idle_s, n = sys.argv[1:6]
port, idle_s, n = int(port), float(idle_s), int(n)
if role == "server":
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port)); s.listen(1)
    print("listening", flush=True)
    c, _ = s.accept()
    c.settimeout(idle_s + 30)
    if recv_exact(c, 5) != b"hello":
        sys.exit("no greeting")
    c.sendall(b"hi")
    t0 = time.monotonic()
    c.settimeout(idle_s)
    try:
        if c.recv(1):
            sys.exit("guest sent data while idle")
        sys.exit("guest closed while idle")
    except socket.timeout:
        pass
    print("idle %.1f s" % (time.monotonic() - t0), flush=True)
    c.settimeout(30)
    c.sendall(pattern("to-guest", n))
    got = recv_exact(c, n)
    if got != pattern("to-host", n):
        sys.exit("server: got %d bytes from the guest, differ" % len(got))
    if c.recv(1):
        sys.exit("server: data after the guest's stream")
    c.close()
    print("server ok", flush=True)
else:
    c = socket.create_connection((addr, port), timeout=10)
    c.sendall(b"hello")
    if recv_exact(c, 2) != b"hi":
        sys.exit("no answer to the greeting")
    t0 = time.monotonic()
    c.settimeout(idle_s + 30)
    got = recv_exact(c, n)
    waited = time.monotonic() - t0
    if waited < idle_s - 0.5:
        sys.exit("data after %.1f s, not idle" % waited)
    if got != pattern("to-guest", n):
        sys.exit("guest: got %d bytes from the host, differ" % len(got))
    c.sendall(pattern("to-host", n))
    c.shutdown(socket.SHUT_WR)
    if c.recv(1):
        sys.exit("guest: data after the host's stream")
    c.close()
    print("guest ok after %.1f s idle" % waited, flush=True)
PYEOF

bed_bg in_remote python3 "$IDLE_PY" server "$REMOTE4" 9200 "$IDLE_S" \
	"$BYTES" >"$BED_DIR/srv.out" 2>&1
srv=$BG_PID
tcp_wait_file "$BED_DIR/srv.out" listening || fail "server did not start"
bed_bg in_guest python3 "$IDLE_PY" client "$REMOTE4" 9200 "$IDLE_S" \
	"$BYTES" >"$BED_DIR/cli.out" 2>&1
cli=$BG_PID

# Halfway through the idle time: one flow, established, idle for seconds
sleep $((IDLE_S / 2 + 2))
[ "$(tcp_flows_active)" = 1 ] || fail "not exactly one flow while idle"
[ "$(tcp_flows_tcp)" = 1 ] || fail "the idle flow is not counted as TCP"
line=$(grep 'flow [0-9]* TCP \[' "$BED_DIR/passt.log" | tail -1)
echo "dump: $line"
idle=$(sed -n 's/.* idle \([0-9]*\)s .*/\1/p' <<<"$line")
[[ "$line" == *"[ESTABLISHED]"* ]] || fail "flow not ESTABLISHED while idle"
[ "${idle:-0}" -ge $((IDLE_S / 2 - 1)) ] ||
	fail "flow idle for ${idle:-?} s only: something moved"

wait "$cli" || fail "guest: $(cat "$BED_DIR/cli.out")"
wait "$srv" || fail "server: $(cat "$BED_DIR/srv.out")"
cat "$BED_DIR/srv.out" "$BED_DIR/cli.out"
tcp_expect_no_flows
daemon_alive || fail "daemon died"
pass
