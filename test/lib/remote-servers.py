#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# test/lib/remote-servers.py - The "remote" end of the caller harnesses
#
# Runs in the remote network namespace that test/lib/callers.sh builds, and
# serves, on every address of that namespace (IPv4 and IPv6):
#   TCP SINK     reads to end of file, answers "SHA256HEX BYTES\n", closes
#   TCP SOURCE   sends DIR/down.bin, closes
#   TCP HALF     reads to end of file (the client's FIN), then sends
#                DIR/half.bin (after the FIN: half-closed stream), closes
#   UDP TFTP     on each --addr: TFTP read requests (RFC 1350, octet, 512-byte blocks) for
#                files in DIR, answered from the same port
#   UDP 53       on each --addr: DNS: A and AAAA for NAME.passt.test (198.51.100.1,
#                2001:db8:100::1), NXDOMAIN for anything else
# UDP sockets are bound to each address, so that answers leave from the
# address the request went to. Writes "ready" to DIR/ready once every socket is bound, logs one line per
# request on standard error. Stops on SIGTERM, or after --lifetime seconds.
# Sends nothing to any address but its clients'.

import argparse
import hashlib
import os
import signal
import socket
import struct
import sys
import threading
import time

A_ANSWER = "198.51.100.1"
AAAA_ANSWER = "2001:db8:100::1"
ZONE = "passt.test"


def log(*args):
    print("remote:", *args, file=sys.stderr, flush=True)


def bound(kind, port, addr="::"):
    """A socket bound to addr:port, dual-stack for [::]"""
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if addr == "::":
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind((addr, port))
    if kind == socket.SOCK_STREAM:
        s.listen(16)
    return s


def read_to_eof(c):
    h = hashlib.sha256()
    n = 0
    while True:
        d = c.recv(65536)
        if not d:
            return h.hexdigest(), n
        h.update(d)
        n += len(d)


def tcp_serve(s, name, handler):
    while True:
        c, peer = s.accept()
        c.settimeout(60)

        def run(c=c, peer=peer):
            try:
                handler(c, peer)
            except OSError as e:
                log(name, peer[0], "error", e)
            finally:
                c.close()
        threading.Thread(target=run, daemon=True).start()


def tftp_serve(s, directory):
    s.settimeout(None)
    while True:
        pkt, peer = s.recvfrom(2048)
        if len(pkt) < 4 or struct.unpack("!H", pkt[:2])[0] != 1:
            continue                        # only read requests start one
        parts = pkt[2:].split(b"\0")
        name = os.path.basename(parts[0].decode(errors="replace"))
        path = os.path.join(directory, name)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            s.sendto(struct.pack("!HH", 5, 1) + b"no such file\0", peer)
            log("tftp", peer[0], name, "not found")
            continue
        block, off, ok = 1, 0, True
        s.settimeout(1.0)
        while ok:
            chunk = data[off:off + 512]
            frame = struct.pack("!HH", 3, block & 0xffff) + chunk
            for _ in range(8):
                s.sendto(frame, peer)
                try:
                    while True:
                        ack, p = s.recvfrom(2048)
                        if p == peer and ack[:2] == b"\0\4" and \
                           struct.unpack("!H", ack[2:4])[0] == block & 0xffff:
                            break
                    break
                except socket.timeout:
                    continue
            else:
                ok = False
                break
            off += 512
            block += 1
            if len(chunk) < 512:
                break
        s.settimeout(None)
        log("tftp", peer[0], name, "sent" if ok else "timed out", len(data))


def dns_answer(q):
    if len(q) < 12:
        return None
    qid, flags, qd = struct.unpack("!HHH", q[:6])
    if flags & 0x8000 or qd != 1:
        return None
    i, labels = 12, []
    while i < len(q) and q[i]:
        labels.append(q[i + 1:i + 1 + q[i]].decode(errors="replace"))
        i += 1 + q[i]
    i += 1
    if i + 4 > len(q):
        return None
    qtype, qclass = struct.unpack("!HH", q[i:i + 4])
    question = q[12:i + 4]
    name = ".".join(labels).lower()
    rr = b""
    rcode = 0
    if name.endswith("." + ZONE):
        if qtype == 1:
            rr = socket.inet_pton(socket.AF_INET, A_ANSWER)
        elif qtype == 28:
            rr = socket.inet_pton(socket.AF_INET6, AAAA_ANSWER)
    else:
        rcode = 3
    an = 0
    answer = b""
    if rr:
        an = 1
        answer = struct.pack("!HHHIH", 0xc00c, qtype, qclass, 60, len(rr)) + rr
    hdr = struct.pack("!HHHHHH", qid, 0x8180 | rcode, 1, an, 0, 0)
    return hdr + question + answer, name, qtype, rcode


def dns_serve(s):
    while True:
        q, peer = s.recvfrom(2048)
        r = dns_answer(q)
        if r:
            s.sendto(r[0], peer)
            log("dns", peer[0], r[1], "type", r[2], "rcode", r[3])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--sink", type=int, default=9001)
    ap.add_argument("--source", type=int, default=9002)
    ap.add_argument("--half", type=int, default=9003)
    ap.add_argument("--tftp", type=int, default=6969)
    ap.add_argument("--dns", type=int, default=53)
    ap.add_argument("--lifetime", type=float, default=900)
    ap.add_argument("--addr", action="append", required=True,
                    help="address for the UDP services (repeat)")
    a = ap.parse_args()

    with open(os.path.join(a.dir, "down.bin"), "rb") as f:
        down = f.read()
    with open(os.path.join(a.dir, "half.bin"), "rb") as f:
        half = f.read()

    def sink(c, peer):
        h, n = read_to_eof(c)
        c.sendall(("%s %d\n" % (h, n)).encode())
        log("sink", peer[0], n, h)

    def source(c, peer):
        c.sendall(down)
        c.shutdown(socket.SHUT_WR)
        log("source", peer[0], len(down))

    def halfclose(c, peer):
        h, n = read_to_eof(c)
        c.sendall(half)
        c.shutdown(socket.SHUT_WR)
        log("half", peer[0], "got", n, "then sent", len(half))

    socks = [
        (bound(socket.SOCK_STREAM, a.sink), "sink", sink),
        (bound(socket.SOCK_STREAM, a.source), "source", source),
        (bound(socket.SOCK_STREAM, a.half), "half", halfclose),
    ]
    udp = [(bound(socket.SOCK_DGRAM, a.tftp, x), bound(socket.SOCK_DGRAM,
                                                       a.dns, x))
           for x in a.addr]
    for s, name, h in socks:
        threading.Thread(target=tcp_serve, args=(s, name, h),
                         daemon=True).start()
    for tftp, dns in udp:
        threading.Thread(target=tftp_serve, args=(tftp, a.dir),
                         daemon=True).start()
        threading.Thread(target=dns_serve, args=(dns,), daemon=True).start()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with open(os.path.join(a.dir, "ready.tmp"), "w") as f:
        f.write("ready\n")
    os.rename(os.path.join(a.dir, "ready.tmp"), os.path.join(a.dir, "ready"))
    log("ready")
    time.sleep(a.lifetime)
    log("lifetime over")


if __name__ == "__main__":
    main()
