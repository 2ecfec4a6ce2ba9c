#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 120
# backends: pasta
#
# pasta_splice_limits - The splice path at its two limits.
#
# Descriptors: a spliced flow holds six (two sockets, two pipes), and
# counts them all against the daemon's flow limit, which follows the
# open-file limit (NOFILE here). Connections from the host's loopback are
# held open one after the other, each echoing a byte through the splice:
# exactly FLOW_LIMIT / 6 of them are spliced, the ones past that are
# refused (closed or reset, never left hanging) and logged, the held ones
# still echo afterwards, and once they close a new one is spliced again.
#
# The namespace's socket helper gone (pasta_sock.c; killed here): a
# spliced flow already open keeps working, a new connection falls back to
# the tap path (the namespace's server on :: sees the gateway, not the
# loopback), the loss is logged, the helper is reaped (no zombie), and the
# daemon lives on.
#
# Traffic stays on the host's loopback and the bed's namespaces.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/tcp.sh"

NOFILE=80	# soft and hard: the daemon's flow limit follows it

bed_setup
need_cmd python3
tcp_tool_init
ulimit -n "$NOFILE" 2>/dev/null ||
	skip "cannot set RLIMIT_NOFILE to $NOFILE: the limit follows it"
tcp_start -t 9000-9001
tcp_flow_limit "$NOFILE"
want=$((FLOW_LIMIT / 6))
[ "$want" -ge 2 ] || fail "flow limit $FLOW_LIMIT: fewer than two splices"

# An echo server on the namespace's loopback, any number of connections
bed_bg in_guest python3 -c '
import socket, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 9000)); s.listen(64); print("listening", flush=True)
def echo(c):
    while True:
        d = c.recv(4096)
        if not d:
            break
        c.sendall(d)
    c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=echo, args=(c,), daemon=True).start()' \
	>"$BED_DIR/echo.out"
tcp_wait_file "$BED_DIR/echo.out" listening || fail "echo server"

# holder FIFO_IN OUT - In the host namespace: connect to 127.0.0.1:9000
# until two connections in a row are refused, each accepted one echoing a
# byte; print "held N", "refused N", then "again N" (how many held ones
# still echo) once a line arrives on FIFO_IN, and close them all on EOF
mkfifo "$BED_DIR/ctl"
bed_bg in_host python3 -c '
import socket, sys
def echoes(c):
    try:
        c.sendall(b"x")
        return c.recv(1) == b"x"
    except OSError:
        return False
held, refused = [], 0
while refused < 2:
    try:
        c = socket.create_connection(("127.0.0.1", 9000), timeout=5)
    except OSError:
        refused += 1
        continue
    if echoes(c):
        if refused:
            sys.exit("a connection past a refused one was spliced")
        held.append(c)
    else:
        refused += 1
        c.close()
print("held", len(held), flush=True)
print("refused", refused, flush=True)
ctl = open(sys.argv[1])
ctl.readline()
print("again", sum(echoes(c) for c in held), flush=True)
ctl.read()
for c in held:
    c.close()' "$BED_DIR/ctl" >"$BED_DIR/hold.out"
HOLDER=$BG_PID
exec 7>"$BED_DIR/ctl"
tcp_wait_file "$BED_DIR/hold.out" refused ||
	fail "holder: $(cat "$BED_DIR/hold.out")"
held=$(sed -n 's/^held //p' "$BED_DIR/hold.out")
echo "spliced and held: $held, flow limit $FLOW_LIMIT descriptors"
[ "$held" = "$want" ] ||
	fail "$held flows held, not $want: six descriptors each of $FLOW_LIMIT"
daemon_log_has 'flow table full' || fail "refusals not logged"
echo >&7
tcp_wait_file "$BED_DIR/hold.out" again || fail "holder gone"
grep -qx "again $want" "$BED_DIR/hold.out" ||
	fail "held flows broken after the refusals: $(cat "$BED_DIR/hold.out")"
exec 7>&-
wait "$HOLDER" || fail "holder failed"
wait_for tcp_no_flows || fail "flows left: $(tcp_flows_active)"
in_host timeout 20 python3 -c '
import socket
c = socket.create_connection(("127.0.0.1", 9000), timeout=5)
c.sendall(b"y"); assert c.recv(1) == b"y"' ||
	fail "no splice once the held flows closed"

# The helper gone. First a spliced flow to keep open across its death
mkfifo "$BED_DIR/ctl2"
bed_bg in_host python3 -c '
import socket, sys
c = socket.create_connection(("127.0.0.1", 9000), timeout=5)
c.sendall(b"a"); assert c.recv(1) == b"a"
print("open", flush=True)
open(sys.argv[1]).readline()
c.sendall(b"b"); assert c.recv(1) == b"b"
print("still", flush=True)' "$BED_DIR/ctl2" >"$BED_DIR/keep.out"
KEEPER=$BG_PID
exec 7>"$BED_DIR/ctl2"
tcp_wait_file "$BED_DIR/keep.out" open || fail "no spliced flow to keep"

helper=$(pgrep -P "$PASST_PID")
[ "$(wc -w <<<"$helper")" = 1 ] ||
	fail "want one child of the daemon (the helper), found: '$helper'"
kill -KILL "$helper"

# A new connection: the tap path, the server on :: sees the gateway
got=$(tcp_peer_seen 127.0.0.1 9001)
[ "$got" = "::ffff:$GW4" ] ||
	fail "helper gone: the server saw '$got', not the gateway $GW4"
daemon_log_has 'Namespace socket helper.*not used any more' ||
	fail "the helper's loss is not logged"
[ -e "/proc/$helper" ] &&
	fail "the helper is not reaped: $(cat "/proc/$helper/stat")"

echo >&7
exec 7>&-
wait "$KEEPER" || fail "the spliced flow broke with the helper"
grep -q still "$BED_DIR/keep.out" || fail "spliced flow: no echo"
daemon_alive || fail "daemon died"
pass
