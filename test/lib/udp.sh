# SPDX-License-Identifier: GPL-2.0-or-later
# test/lib/udp.sh - Helpers for the udp_*.sh cases (sourced, not a case)
#
# udp_tool_init writes $UDPTOOL, a python3 program with these modes:
#   echo-server ADDR PORT         echo every datagram to its sender
#   echo ADDR PORT SIZE...        one socket; for each SIZE send a pattern
#                                 datagram, expect it back intact (3 tries)
#   many ADDR PORT N SIZE         N sockets at once, each its own pattern;
#                                 every one must come back intact
#   hold ADDR PORT SECONDS        one exchange, then keep the socket open
#   refused ADDR PORT             connected socket: exit 0 only if a send
#                                 ends in ECONNREFUSED on receive
#   dns-server ADDR PORT ANSWER   answer every A query with ANSWER (IPv4)
#   dns-query SERVER NAME ANSWER  query A NAME at SERVER port 53; exit 0
#                                 only if the answer has our ID, ANSWER,
#                                 and comes from SERVER port 53
# Listening modes print "listening" on stdout once bound.

UDPTOOL=

udp_tool_init() {
	UDPTOOL=$BED_DIR/udptool.py
	cat >"$UDPTOOL" <<'PYEOF'
import hashlib, os, socket, struct, sys, time

def fam(a):
    return socket.AF_INET6 if ':' in a else socket.AF_INET

def pattern(seed, n):
    out = bytearray()
    h = hashlib.sha256(str(seed).encode()).digest()
    while len(out) < n:
        h = hashlib.sha256(h).digest()
        out += h
    return bytes(out[:n])

def bound(a, p):
    s = socket.socket(fam(a), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.bind((a, int(p)))
    print("listening", flush=True)
    return s

def exchange(s, data, tries=3, wait=2.0):
    for t in range(tries):
        s.send(data)
        s.settimeout(wait)
        try:
            while True:
                b = s.recv(1 << 16)
                if b == data:
                    return True
                print("unexpected %d-byte datagram" % len(b))
        except socket.timeout:
            print("no echo of %d bytes, try %d" % (len(data), t + 1))
    return False

def dns_name(b, off):
    labels = []
    while True:
        n = b[off]
        off += 1
        if n == 0:
            return b'.'.join(labels), off
        labels.append(b[off:off + n])
        off += n

def main():
    m = sys.argv[1]; a = sys.argv[2]; p = sys.argv[3]
    if m == 'echo-server':
        s = bound(a, p)
        while True:
            b, src = s.recvfrom(1 << 16)
            s.sendto(b, src)
    elif m == 'echo':
        s = socket.socket(fam(a), socket.SOCK_DGRAM)
        s.connect((a, int(p)))
        for n in sys.argv[4:]:
            if not exchange(s, pattern(n, int(n))):
                sys.exit("datagram of %s bytes not echoed intact" % n)
            print("echo %s ok" % n, flush=True)
    elif m == 'hold':
        s = socket.socket(fam(a), socket.SOCK_DGRAM)
        s.connect((a, int(p)))
        if not exchange(s, b'hold'):
            sys.exit("no echo")
        print("held", flush=True)
        time.sleep(float(sys.argv[4]))
    elif m == 'many':
        n = int(sys.argv[4]); size = int(sys.argv[5])
        socks = []
        for i in range(n):
            s = socket.socket(fam(a), socket.SOCK_DGRAM)
            s.connect((a, int(p)))
            s.setblocking(False)
            socks.append(s)
        left = set(range(n))
        for attempt in range(5):
            for i in sorted(left):
                try:
                    socks[i].send(pattern(i, size))
                except BlockingIOError:
                    pass
            deadline = time.time() + 3
            while left and time.time() < deadline:
                for i in list(left):
                    try:
                        b = socks[i].recv(1 << 16)
                    except BlockingIOError:
                        continue
                    if b != pattern(i, size):
                        sys.exit("flow %d: wrong echo" % i)
                    left.discard(i)
                time.sleep(0.01)
            if not left:
                break
            print("attempt %d: %d flows without echo" % (attempt, len(left)))
        print("done: %d of %d flows without echo" % (len(left), n))
        sys.exit(1 if left else 0)
    elif m == 'refused':
        s = socket.socket(fam(a), socket.SOCK_DGRAM)
        s.connect((a, int(p)))
        s.settimeout(2)
        for t in range(3):
            try:
                s.send(b'anyone?')
                s.recv(100)
                sys.exit("got an answer")
            except ConnectionRefusedError:
                print("refused", flush=True)
                return
            except socket.timeout:
                print("no error after try %d" % (t + 1))
        sys.exit("no ECONNREFUSED")
    elif m == 'dns-server':
        s = bound(a, p)
        ans = socket.inet_aton(sys.argv[4])
        while True:
            b, src = s.recvfrom(4096)
            if len(b) < 12:
                continue
            qid, flags, qd = struct.unpack('!HHH', b[:6])
            name, off = dns_name(b, 12)
            qtype, qclass = struct.unpack('!HH', b[off:off + 4])
            q = b[12:off + 4]
            hdr = struct.pack('!HHHHHH', qid, 0x8180, 1, 1, 0, 0)
            rr = struct.pack('!HHHLH', 0xc00c, 1, 1, 60, 4) + ans
            s.sendto(hdr + q + rr, src)
            print("answered %s" % name.decode(), flush=True)
    elif m == 'dns-query':
        server = a; name = p; want = sys.argv[4]
        s = socket.socket(fam(server), socket.SOCK_DGRAM)
        s.settimeout(2)
        qid = struct.unpack('!H', os.urandom(2))[0]
        q = struct.pack('!HHHHHH', qid, 0x0100, 1, 0, 0, 0)
        for l in name.split('.'):
            q += bytes([len(l)]) + l.encode()
        q += b'\0' + struct.pack('!HH', 1, 1)
        for t in range(3):
            s.sendto(q, (server, 53))
            try:
                b, src = s.recvfrom(4096)
            except socket.timeout:
                print("no answer, try %d" % (t + 1))
                continue
            if src[0] != server or src[1] != 53:
                sys.exit("answer from %s port %d" % (src[0], src[1]))
            rid, flags, qd, an = struct.unpack('!HHHH', b[:8])
            if rid != qid or an != 1:
                sys.exit("bad answer: id %d (want %d), %d answers" %
                         (rid, qid, an))
            got = socket.inet_ntoa(b[-4:])
            if got != want:
                sys.exit("answer %s, want %s" % (got, want))
            print("resolved %s to %s via %s" % (name, got, server))
            return
        sys.exit("no answer from %s" % server)
    else:
        sys.exit("unknown mode " + m)

main()
PYEOF
}

# udp_wait_file FILE PATTERN - Wait until FILE has a line matching PATTERN
udp_wait_file() {
	wait_for grep -q "$2" "$1"
}

# udp_flow_dump - Ask the daemon for its flow table (SIGUSR1); print the
# lines of that dump
udp_flow_dump() {
	local n
	n=$(grep -c 'flow table:' "$BED_DIR/passt.log")
	kill -USR1 "$PASST_PID"
	wait_for sh -c "[ \$(grep -c 'flow table:' '$BED_DIR/passt.log') -gt $n ]" ||
		return 1
	sleep 0.2
	awk -v n="$n" '/flow table:/ { c++ } c > n' "$BED_DIR/passt.log" |
		sed '/counter dropped_/,$d'
}

# udp_start [ARGS] - Start the daemon (no RAs) with extra arguments, connect
# the guest, configure it statically, with tap0's MTU at the daemon's 65520
udp_start() {
	bed_start_daemon --no-ra "$@"
	bed_connect_guest
	guest_static_config
	in_guest ip link set tap0 mtu 65520 || fail "tap0 MTU"
}
