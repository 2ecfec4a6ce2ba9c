# SPDX-License-Identifier: GPL-2.0-or-later
# test/lib/tcp.sh - Helpers for the tcp_*.sh cases (sourced, not a case)
#
# tcp_tool_init writes $TCPTOOL, a python3 program with these modes:
#   send-server ADDR PORT FILE     accept one; send FILE; shutdown(WR);
#                                  read until EOF; close
#   recv-server ADDR PORT OUT      accept one; read until EOF into OUT; close
#   get ADDR PORT OUT              connect; shutdown(WR); read until EOF
#   put ADDR PORT FILE             connect; send FILE; shutdown(WR); read
#                                  until EOF; close
#   reqresp-server ADDR PORT N     accept one; read the request until EOF;
#                                  then send N pseudo-random bytes; close
#   reqresp ADDR PORT N OUT        connect; send N bytes; shutdown(WR);
#                                  read the response until EOF into OUT
#   pattern SEED N OUT             write the N-byte pattern SEED to OUT
#   eof-first-server ADDR PORT OUT accept; send 6 bytes; shutdown(WR); read
#                                  until EOF into OUT
#   after-eof ADDR PORT N          connect; read the 6 bytes and EOF; then
#                                  send N bytes of pattern 'late'
#   reset-server / reset-client    reset the connection (SO_LINGER 0 close)
#   wait-reset-server / -client    exit 0 only if the peer's reset is seen
#   fetch ADDR PORT OUT            connect; read until EOF into OUT; then
#                                  close (the host closes first)
#   refused ADDR PORT              exit 0 only if the connection is refused
#   echo-server ADDR PORT          echo every connection until EOF (many)
#   many ADDR PORT CONNS BYTES     CONNS concurrent connections each sending
#                                  BYTES of its own pattern and checking the
#                                  echo; exit 0 only if all match
# Listening modes print "listening" on stdout once bound (use tcp_wait_file).
# Modes that read a whole stream (recv-server, get, fetch, put's reply)
# print "maxgap N ms" on stdout at the end: the longest time between two
# reads that returned data, from the first byte on, the worst stall.

TCPTOOL=

tcp_tool_init() {
	TCPTOOL=$BED_DIR/tcptool.py
	cat >"$TCPTOOL" <<'PYEOF'
import hashlib, os, selectors, socket, sys, time

def fam(a):
    return socket.AF_INET6 if ':' in a else socket.AF_INET

def listen(a, p):
    s = socket.socket(fam(a), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a, int(p)))
    s.listen(1024)
    print("listening", flush=True)
    return s

maxgap = [0.0, None]

def readall(c, out=None):
    n = 0
    while True:
        b = c.recv(1 << 16)
        now = time.monotonic()
        if not b:
            return n
        if maxgap[1] is not None:
            maxgap[0] = max(maxgap[0], now - maxgap[1])
        maxgap[1] = now
        n += len(b)
        if out:
            out.write(b)

def gap_report():
    if maxgap[1] is not None:
        print("maxgap %d ms" % (maxgap[0] * 1000), flush=True)

def pattern(seed, n):
    out = bytearray()
    h = hashlib.sha256(str(seed).encode()).digest()
    while len(out) < n:
        h = hashlib.sha256(h).digest()
        out += h
    return bytes(out[:n])

def main():
    m = sys.argv[1]; a = sys.argv[2]; p = sys.argv[3]
    if m == 'send-server':
        s = listen(a, p); c, _ = s.accept()
        with open(sys.argv[4], 'rb') as f:
            c.sendfile(f)
        c.shutdown(socket.SHUT_WR); readall(c); c.close()
    elif m == 'recv-server':
        s = listen(a, p); c, _ = s.accept()
        with open(sys.argv[4], 'wb') as f:
            readall(c, f)
        c.close(); gap_report()
    elif m == 'fetch':
        c = socket.create_connection((a, int(p)), timeout=60)
        with open(sys.argv[4], 'wb') as f:
            readall(c, f)
        c.close(); gap_report()
    elif m == 'get':
        c = socket.create_connection((a, int(p)), timeout=60)
        c.shutdown(socket.SHUT_WR)
        with open(sys.argv[4], 'wb') as f:
            readall(c, f)
        c.close()
    elif m == 'put':
        c = socket.create_connection((a, int(p)), timeout=60)
        with open(sys.argv[4], 'rb') as f:
            c.sendfile(f)
        c.shutdown(socket.SHUT_WR); readall(c); c.close()
    elif m == 'reqresp-server':
        s = listen(a, p); c, _ = s.accept()
        n = readall(c)
        print("request %d" % n, flush=True)
        c.sendall(pattern('resp', int(sys.argv[4]))); c.close()
    elif m == 'reqresp':
        c = socket.create_connection((a, int(p)), timeout=60)
        c.sendall(pattern('req', int(sys.argv[4])))
        c.shutdown(socket.SHUT_WR)
        with open(sys.argv[5], 'wb') as f:
            readall(c, f)
        c.close()
    elif m == 'echo-server':
        s = listen(a, p); s.setblocking(False)
        sel = selectors.DefaultSelector()
        sel.register(s, selectors.EVENT_READ, None)
        while True:
            for k, ev in sel.select():
                if k.data is None:
                    try:
                        c, _ = s.accept()
                    except BlockingIOError:
                        continue
                    c.setblocking(False)
                    sel.register(c, selectors.EVENT_READ, [bytearray(), False])
                    continue
                c = k.fileobj; st = k.data
                if ev & selectors.EVENT_READ:
                    try:
                        b = c.recv(1 << 16)
                    except BlockingIOError:
                        b = None
                    except ConnectionError:
                        sel.unregister(c); c.close(); continue
                    if b == b'':
                        st[1] = True
                    elif b:
                        st[0] += b
                if st[0]:
                    try:
                        n = c.send(st[0]); del st[0][:n]
                    except BlockingIOError:
                        pass
                    except ConnectionError:
                        sel.unregister(c); c.close(); continue
                if st[1] and not st[0]:
                    sel.unregister(c); c.close(); continue
                sel.modify(c, selectors.EVENT_READ |
                           (selectors.EVENT_WRITE if st[0] else 0), st)
    elif m == 'many':
        nconn = int(sys.argv[4]); nbytes = int(sys.argv[5])
        sel = selectors.DefaultSelector(); left = 0
        for i in range(nconn):
            c = socket.socket(fam(a), socket.SOCK_STREAM)
            c.setblocking(False)
            c.connect_ex((a, int(p)))
            data = pattern(i, nbytes)
            st = {'i': i, 'out': memoryview(data), 'exp': data,
                  'got': bytearray(), 'shut': False}
            sel.register(c, selectors.EVENT_READ | selectors.EVENT_WRITE, st)
            left += 1
        bad = 0; deadline = time.time() + 120
        while left and time.time() < deadline:
            for k, ev in sel.select(1):
                c = k.fileobj; st = k.data
                try:
                    if ev & selectors.EVENT_WRITE and st['out']:
                        n = c.send(st['out'][:65536])
                        st['out'] = st['out'][n:]
                    if not st['out'] and not st['shut']:
                        c.shutdown(socket.SHUT_WR); st['shut'] = True
                        sel.modify(c, selectors.EVENT_READ, st)
                    if ev & selectors.EVENT_READ:
                        b = c.recv(1 << 16)
                        if b:
                            st['got'] += b
                        else:
                            if bytes(st['got']) != st['exp']:
                                bad += 1
                                print("conn %d: %d of %d bytes, mismatch"
                                      % (st['i'], len(st['got']), nbytes))
                            sel.unregister(c); c.close(); left -= 1
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError as e:
                    print("conn %d: %s" % (st['i'], e)); bad += 1
                    sel.unregister(c); c.close(); left -= 1
        print("done: %d bad, %d unfinished" % (bad, left))
        sys.exit(1 if bad or left else 0)
    elif m == 'pattern':
        with open(sys.argv[4], 'wb') as f:
            f.write(pattern(a, int(p)))
    elif m == 'eof-first-server':
        s = listen(a, p); c, _ = s.accept()
        c.sendall(b'hello\n'); c.shutdown(socket.SHUT_WR)
        with open(sys.argv[4], 'wb') as f:
            readall(c, f)
        c.close()
    elif m == 'after-eof':
        c = socket.create_connection((a, int(p)), timeout=60)
        if readall(c) != 6:
            sys.exit("greeting missing")
        c.sendall(pattern('late', int(sys.argv[4])))
        c.shutdown(socket.SHUT_WR)
        if readall(c):
            sys.exit("data after EOF")
        c.close()
    elif m in ('reset-server', 'wait-reset-server'):
        s = listen(a, p); c, _ = s.accept()
        if m == 'reset-server':
            c.recv(10)
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         b'\x01\x00\x00\x00\x00\x00\x00\x00')
            c.close(); return
        c.settimeout(20)
        try:
            readall(c)
        except ConnectionResetError:
            print("reset", flush=True); return
        sys.exit("no reset seen")
    elif m == 'reset-client':
        c = socket.create_connection((a, int(p)), timeout=20)
        c.sendall(b'x'); time.sleep(0.5)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     b'\x01\x00\x00\x00\x00\x00\x00\x00')
        c.close()
    elif m == 'wait-reset-client':
        c = socket.create_connection((a, int(p)), timeout=20)
        c.sendall(b'x')
        try:
            readall(c)
        except ConnectionResetError:
            print("reset", flush=True); return
        sys.exit("no reset seen")
    elif m == 'refused':
        try:
            socket.create_connection((a, int(p)), timeout=20)
        except ConnectionRefusedError:
            print("refused", flush=True); return
        sys.exit("connection not refused")
    else:
        sys.exit("unknown mode " + m)

main()
PYEOF
}

# tcp_wait_file FILE PATTERN - Wait until FILE has a line matching PATTERN
tcp_wait_file() {
	wait_for grep -q "$2" "$1"
}

# tcp_sha FILE - Print the sha256 of FILE
tcp_sha() {
	sha256sum "$1" | cut -d' ' -f1
}

# tcp_flows_active - Print the daemon's active flow count (SIGUSR1 dump)
tcp_flows_active() {
	local n
	n=$(grep -c 'flow table:' "$BED_DIR/passt.log")
	kill -USR1 "$PASST_PID"
	wait_for sh -c "[ \$(grep -c 'flow table:' '$BED_DIR/passt.log') -gt $n ]" ||
		return 1
	grep 'flow table:' "$BED_DIR/passt.log" | tail -1 |
		sed 's/.*flow table: \([0-9]*\) active.*/\1/'
}

# tcp_no_flows - True once the daemon reports no active flows
tcp_no_flows() {
	[ "$(tcp_flows_active)" = 0 ]
}

# tcp_flows_tcp - Print the daemon's TCP flows, any state (SIGUSR1 dump:
# the "flows N of M (TCP ESTABLISHED 2, UDP ACTIVE 1, ...)" line)
tcp_flows_tcp() {
	tcp_flows_active >/dev/null || return 1
	grep -o 'flows [0-9]* of [0-9]* (.*)' "$BED_DIR/passt.log" | tail -1 |
		grep -o 'TCP [A-Z_0-9]* [0-9]*' |
		awk '{ n += $3 } END { print n + 0 }'
}

# tcp_no_tcp_flows - True once the daemon reports no TCP flow at all
tcp_no_tcp_flows() {
	[ "$(tcp_flows_tcp)" = 0 ]
}

# tcp_expect_no_flows [WHAT] - Fail (naming WHAT) unless no TCP flow is
# left within 20 s of the last close (UDP flows, e.g. of DNS queries, wait
# for their own timeout)
tcp_expect_no_flows() {
	WAIT_TIMEOUT_S=20 wait_for tcp_no_tcp_flows ||
		fail "${1:+$1: }$(tcp_flows_tcp) TCP flows left after the close"
}

# tcp_flow_limit NOFILE - Wait for the daemon's "At most N flows" line, set
# FLOW_LIMIT to N, and fail unless N follows the open-file limit NOFILE
tcp_flow_limit() {
	wait_for daemon_log_has 'At most [0-9]* flows' ||
		fail "daemon did not log its flow limit"
	FLOW_LIMIT=$(sed -n 's/.*At most \([0-9]*\) flows.*/\1/p' \
		"$BED_DIR/passt.log" | head -1)
	echo "daemon's flow limit: $FLOW_LIMIT (open-file limit $1)"
	[ "$FLOW_LIMIT" -ge $(($1 - 64)) ] && [ "$FLOW_LIMIT" -lt "$1" ] ||
		fail "flow limit $FLOW_LIMIT does not follow the open-file" \
			"limit $1"
}

# tcp_peer_seen ADDR PORT - Connect from the host namespace's ADDR to PORT;
# print the peer address a server on [::]:PORT in the guest namespace saw
# (pasta: the host's loopback if spliced, else the gateway)
tcp_peer_seen() {
	rm -f "$BED_DIR/peer.out"
	bed_bg in_guest python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET6); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::", int(sys.argv[1]))); s.listen(1); print("listening", flush=True)
c, a = s.accept(); print("peer", a[0], flush=True); c.close()' "$2" \
		>"$BED_DIR/peer.out"
	tcp_wait_file "$BED_DIR/peer.out" listening || fail "peer server"
	in_host timeout 20 python3 -c '
import socket, sys
c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
c.recv(1)' "$1" "$2" || fail "connection from $1 to port $2 failed"
	wait "$BG_PID"
	sed -n 's/^peer //p' "$BED_DIR/peer.out"
}

# tcp_daemon_fds - Print how many file descriptors the daemon has open
tcp_daemon_fds() {
	ls "/proc/$PASST_PID/fd" 2>/dev/null | wc -l
}

# tcp_xfer_check WHAT OUT SHA GAPFILE - Fail unless OUT has sha256 SHA and
# GAPFILE's "maxgap" line is below TCP_MAXGAP_MS (1000); print the figures
tcp_xfer_check() {
	local what=$1 out=$2 sha=$3 gapf=$4 gap

	[ "$(tcp_sha "$out")" = "$sha" ] ||
		fail "$what: $(stat -c %s "$out") bytes, sha256 differs"
	gap=$(sed -n 's/^maxgap \([0-9]*\) ms$/\1/p' "$gapf" | tail -1)
	[ -n "$gap" ] || fail "$what: no maxgap reported"
	echo "$what: longest stall $gap ms"
	[ "$gap" -lt "${TCP_MAXGAP_MS:-1000}" ] ||
		fail "$what: stalled for $gap ms"
}

# tcp_start - Start the daemon (no RAs: the guest's routes are static) with
# the given extra arguments, connect the guest, configure it statically.
# $TCP_GUEST_MTU, if set, is the guest's tap MTU; $TCP_GUEST_ARGS more
# options for the guest's side (impairment: test/tools/impair.h).
# $TCP_DEBUG_LOG, if set, receives a copy of the daemon log at exit.
tcp_start() {
	bed_start_daemon --no-ra ${TCP_DEBUG_LOG:+-d} "$@"
	# shellcheck disable=SC2086 # words on purpose
	bed_connect_guest ${TCP_GUEST_MTU:+-n "$TCP_GUEST_MTU"} \
		${TCP_GUEST_ARGS:-}
	guest_static_config
	[ -n "${TCP_DEBUG_LOG:-}" ] && trap tcp_save_debug_log EXIT
	return 0
}

# tcp_save_debug_log - EXIT trap with $TCP_DEBUG_LOG: copy the daemon's log
# and output there, then clean up, exiting with the case's own status
tcp_save_debug_log() {
	local rc=$?

	cp "$BED_DIR/passt.log" "$TCP_DEBUG_LOG"
	cp "$BED_DIR/passt.out" "$TCP_DEBUG_LOG.out"
	(exit "$rc")
	bed_cleanup
}

# tcp_impair_bulk MIB - For IPv4 and IPv6: the guest uploads MIB MiB to a
# server behind the host and closes first (put), then downloads MIB MiB
# from a server that closes first (send-server, fetch); sha256 and the
# longest stall (tcp_xfer_check) checked each time, rates printed. The
# guest's side must be impaired already (TCP_GUEST_ARGS for tcp_start).
tcp_impair_bulk() {
	local mib=$1 addr port=9300 want t0 t1 srv

	head -c $((mib * 1024 * 1024)) /dev/urandom >"$BED_DIR/src"
	want=$(tcp_sha "$BED_DIR/src")
	for addr in "$REMOTE4" "$REMOTE6"; do
		port=$((port + 1))
		rm -f "$BED_DIR/dst" "$BED_DIR/srv.out"
		bed_bg in_remote python3 "$TCPTOOL" recv-server "$addr" "$port" \
			"$BED_DIR/dst" >"$BED_DIR/srv.out"
		srv=$BG_PID
		tcp_wait_file "$BED_DIR/srv.out" listening ||
			fail "server on $addr did not start"
		t0=$(date +%s%N)
		timeout 50 ip netns exec "$NS_GUEST" python3 "$TCPTOOL" put \
			"$addr" "$port" "$BED_DIR/src" >/dev/null ||
			fail "upload to $addr failed"
		wait "$srv" || fail "server on $addr failed"
		t1=$(date +%s%N)
		echo "upload $addr: $mib MiB in $(((t1 - t0) / 1000000)) ms"
		tcp_xfer_check "upload $addr" "$BED_DIR/dst" "$want" \
			"$BED_DIR/srv.out"

		port=$((port + 1))
		rm -f "$BED_DIR/dst" "$BED_DIR/srv.out" "$BED_DIR/cli.out"
		bed_bg in_remote python3 "$TCPTOOL" send-server "$addr" "$port" \
			"$BED_DIR/src" >"$BED_DIR/srv.out"
		srv=$BG_PID
		tcp_wait_file "$BED_DIR/srv.out" listening ||
			fail "server on $addr did not start"
		t0=$(date +%s%N)
		timeout 50 ip netns exec "$NS_GUEST" python3 "$TCPTOOL" fetch \
			"$addr" "$port" "$BED_DIR/dst" >"$BED_DIR/cli.out" ||
			fail "download from $addr failed"
		wait "$srv" || fail "server on $addr failed"
		t1=$(date +%s%N)
		echo "download $addr: $mib MiB in $(((t1 - t0) / 1000000)) ms"
		tcp_xfer_check "download $addr" "$BED_DIR/dst" "$want" \
			"$BED_DIR/cli.out"
	done
}
