# SPDX-License-Identifier: GPL-2.0-or-later
# test/lib/dns.sh - DNS stub resolver and client for the *_dns_*.sh
# cases (sourced, not a case)
#
# dns_tool_init writes $DNSTOOL, a python3 program with these modes:
#   server ADDR ANSWER            answer every A query on ADDR port 53, over
#                                 UDP and over TCP (RFC 1035 §4.2.2: two-byte
#                                 length prefix), with ANSWER; log each one
#                                 as "answered udp|tcp NAME"
#   query udp|tcp SERVER NAME ANSWER
#                                 query A NAME at SERVER port 53; exit 0 only
#                                 if the answer has our ID and ANSWER, and
#                                 (UDP) comes from SERVER port 53
# server prints "listening" once both sockets are bound.

DNSTOOL=

dns_tool_init() {
	DNSTOOL=$BED_DIR/dnstool.py
	cat >"$DNSTOOL" <<'PYEOF'
import os, select, socket, struct, sys

def fam(a):
    return socket.AF_INET6 if ':' in a else socket.AF_INET

def qname(b, off):
    labels = []
    while True:
        n = b[off]
        off += 1
        if n == 0:
            return b'.'.join(labels).decode(), off
        labels.append(b[off:off + n])
        off += n

def answer(b, ans):
    qid = struct.unpack('!H', b[:2])[0]
    name, off = qname(b, 12)
    hdr = struct.pack('!HHHHHH', qid, 0x8180, 1, 1, 0, 0)
    rr = struct.pack('!HHHLH', 0xc00c, 1, 1, 60, 4) + ans
    return name, hdr + b[12:off + 4] + rr

def recv_all(s, n):
    b = b''
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise EOFError
        b += c
    return b

def server(addr, ans):
    ans = socket.inet_aton(ans)
    u = socket.socket(fam(addr), socket.SOCK_DGRAM)
    u.bind((addr, 53))
    t = socket.socket(fam(addr), socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind((addr, 53))
    t.listen(16)
    print("listening", flush=True)
    while True:
        r, _, _ = select.select([u, t], [], [])
        if u in r:
            b, src = u.recvfrom(4096)
            if len(b) >= 12:
                name, out = answer(b, ans)
                u.sendto(out, src)
                print("answered udp %s" % name, flush=True)
        if t in r:
            c, _ = t.accept()
            c.settimeout(5)
            try:
                n = struct.unpack('!H', recv_all(c, 2))[0]
                name, out = answer(recv_all(c, n), ans)
                c.sendall(struct.pack('!H', len(out)) + out)
                print("answered tcp %s" % name, flush=True)
            except (EOFError, OSError) as e:
                print("tcp query failed: %s" % e, flush=True)
            c.close()

def query(proto, server, name, want):
    qid = struct.unpack('!H', os.urandom(2))[0]
    q = struct.pack('!HHHHHH', qid, 0x0100, 1, 0, 0, 0)
    for l in name.split('.'):
        q += bytes([len(l)]) + l.encode()
    q += b'\0' + struct.pack('!HH', 1, 1)
    if proto == 'udp':
        s = socket.socket(fam(server), socket.SOCK_DGRAM)
        s.settimeout(2)
        for t in range(3):
            s.sendto(q, (server, 53))
            try:
                b, src = s.recvfrom(4096)
                break
            except socket.timeout:
                print("no answer, try %d" % (t + 1))
        else:
            sys.exit("no UDP answer from %s" % server)
        if src[0] != server or src[1] != 53:
            sys.exit("answer from %s port %d" % (src[0], src[1]))
    else:
        s = socket.create_connection((server, 53), timeout=5)
        peer = s.getpeername()
        if peer[0] != server or peer[1] != 53:
            sys.exit("connected to %s port %d" % (peer[0], peer[1]))
        s.sendall(struct.pack('!H', len(q)) + q)
        n = struct.unpack('!H', recv_all(s, 2))[0]
        b = recv_all(s, n)
    rid, flags, qd, an = struct.unpack('!HHHH', b[:8])
    if rid != qid or an != 1:
        sys.exit("bad answer: id %d (want %d), %d answers" % (rid, qid, an))
    got = socket.inet_ntoa(b[-4:])
    if got != want:
        sys.exit("answer %s, want %s" % (got, want))
    print("resolved %s to %s via %s over %s" % (name, got, server, proto))

if sys.argv[1] == 'server':
    server(sys.argv[2], sys.argv[3])
elif sys.argv[1] == 'query':
    query(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5])
else:
    sys.exit("unknown mode " + sys.argv[1])
PYEOF
}
