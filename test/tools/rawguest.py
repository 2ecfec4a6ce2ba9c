#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""rawguest.py - A raw guest on the daemon's socket (qemu stream framing)

Speaks just enough Ethernet, ARP, IPv4/IPv6, UDP and TCP (RFC 9293) itself
to open connections through the daemon.

"ooo" sends the daemon a byte stream the way a broken or hostile guest
might: segments reordered, duplicated, overlapping,
overlapping already acknowledged data with different bytes, beyond the
window, and a FIN ahead of the data before it. A correct receiver keeps
only in-window, in-order bytes, ignores old ones and accepts the FIN only at
its place, so the peer must get exactly the stream, and every ACK must stay
within the bytes sent so far (an ACK beyond them acknowledges data that was
never delivered).

Commands (exit 0 if every check held, 1 if not, 3 if the socket cannot be
reached):
  ooo SOCK --dst ADDR --port P --bytes N [--seed S] [--flight B]
                        connect to ADDR:P (IPv4 or IPv6) through the daemon,
                        send N bytes of a pattern (sha256 printed) with
                        the disorder above, go back to the first
                        unacknowledged byte after each round (the daemon
                        drops what is out of order), end with FIN, wait for
                        the peer's FIN and acknowledge it. Prints one JSON
                        line of results; "sha256" is the stream's.
  udpflood SOCK --count N --flood-dst A --flood-port P --echo-dst A
           --echo-udp-port P --echo-tcp-port P [--hold-until FILE]
                        holds one TCP connection and one UDP flow (from
                        port UDP_ECHO_SPORT) to echo servers, then sends one
                        datagram from each of N distinct source ports to
                        FLOOD-DST:PORT (an echo server too: replies name the
                        flood flows the daemon kept). Then checks that the
                        TCP and UDP flows still echo and that a datagram of
                        a new flow gets no answer; prints that as JSON. With
                        --hold-until FILE, keeps the UDP flow busy until
                        FILE exists, then checks both flows again and that
                        a new UDP flow works, and prints a second line.
  pattern --bytes N [--seed S] OUT
                        write the same N-byte pattern to OUT
"""

import argparse
import hashlib
import json
import os
import random
import socket
import struct
import sys
import threading
import time

from guestsock import connect, csum, pseudo_sum, stream_frames

OUR_MAC = bytes.fromhex("9a559a559a55")
GUEST_MAC = bytes.fromhex("525400123456")
BCAST_MAC = b"\xff" * 6
GUEST4 = socket.inet_pton(socket.AF_INET, "192.0.2.2")
GW4 = socket.inet_pton(socket.AF_INET, "192.0.2.1")
GUEST6 = socket.inet_pton(socket.AF_INET6, "2001:db8:1::2")

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
SEQ_MOD = 1 << 32
OUR_WS = 7			# window scale we announce
OUR_WND = 65535			# unscaled window we announce


def pattern(n, seed):
    """n bytes, deterministic from seed"""
    out = bytearray()
    h = hashlib.sha256(b"tcpguest:%d" % seed).digest()
    while len(out) < n:
        h = hashlib.sha256(h).digest()
        out += h
    return bytes(out[:n])


class Frames:
    """Builders for frames from the guest to one peer"""

    def __init__(self, dst):
        self.v6 = ":" in dst
        fam = socket.AF_INET6 if self.v6 else socket.AF_INET
        self.dst = socket.inet_pton(fam, dst)
        self.src = GUEST6 if self.v6 else GUEST4

    def _ip(self, proto, seg):
        """Checksum the L4 segment (offset of its checksum: 16 for TCP, 6
        for UDP) and put it in an IP packet in an Ethernet frame"""
        c = csum(seg, pseudo_sum(self.src, self.dst, proto, len(seg)))
        if proto == 17 and c == 0:
            c = 0xFFFF			# RFC 768: 0 means no checksum
        at = 16 if proto == 6 else 6
        seg = seg[:at] + struct.pack("!H", c) + seg[at + 2:]
        if self.v6:
            ip = struct.pack("!IHBB", 6 << 28, len(seg), proto, 64) + \
                self.src + self.dst
            return OUR_MAC + GUEST_MAC + b"\x86\xdd" + ip + seg
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(seg), 0,
                         0x4000, 64, proto, 0, self.src, self.dst)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        return OUR_MAC + GUEST_MAC + b"\x08\x00" + ip + seg

    def tcp(self, sport, dport, seq, ack, flags, data=b"", opts=b"",
            wnd=OUR_WND):
        """Ethernet frame with a TCP segment, checksums right"""
        doff = (20 + len(opts)) // 4
        hdr = struct.pack("!HHIIBBHHH", sport, dport, seq % SEQ_MOD,
                          ack % SEQ_MOD, doff << 4, flags, wnd, 0, 0)
        return self._ip(6, hdr + opts + data)

    def udp(self, sport, dport, data):
        """Ethernet frame with a UDP datagram, checksums right"""
        return self._ip(17, struct.pack("!HHHH", sport, dport,
                                        8 + len(data), 0) + data)


def f_arp_request():
    """ARP request from the guest for the gateway"""
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, GUEST_MAC,
                      GUEST4, bytes(6), GW4)
    return BCAST_MAC + GUEST_MAC + b"\x08\x06" + arp


def framed(frame):
    """qemu stream framing: 32-bit big-endian length, then the frame"""
    return struct.pack("!I", len(frame)) + frame


def parse_l4(f):
    """Addresses and TCP or UDP fields of a frame to the guest, or None"""
    if len(f) < 14:
        return None
    et = f[12:14]
    if et == b"\x08\x00" and len(f) >= 34 and f[23] in (6, 17):
        ihl = (f[14] & 0xF) * 4
        tot = struct.unpack("!H", f[16:18])[0]
        proto, src, l4, end = f[23], f[26:30], 14 + ihl, 14 + tot
    elif et == b"\x86\xdd" and len(f) >= 54 and f[20] in (6, 17):
        proto, src, l4 = f[20], f[22:38], 54
        end = 54 + struct.unpack("!H", f[18:20])[0]
    else:
        return None
    if end > len(f) or len(f) < l4 + 8:
        return None
    sport, dport = struct.unpack("!HH", f[l4:l4 + 4])
    t = {"proto": proto, "src": src, "sport": sport, "dport": dport}
    if proto == 17:
        t["data"] = f[l4 + 8:end]
        return t
    if len(f) < l4 + 20:
        return None
    seq, ack, doff, flags, wnd = struct.unpack("!IIBBH", f[l4 + 4:l4 + 16])
    doff = (doff >> 4) * 4
    opts = f[l4 + 20:l4 + doff]
    mss, ws = None, None
    i = 0
    while i < len(opts):
        kind = opts[i]
        if kind == 0:
            break
        if kind == 1:
            i += 1
            continue
        if i + 1 >= len(opts) or opts[i + 1] < 2:
            break
        ln = opts[i + 1]
        if kind == 2 and ln == 4:
            mss = struct.unpack("!H", opts[i + 2:i + 4])[0]
        elif kind == 3 and ln == 3:
            ws = opts[i + 2]
        i += ln
    t.update({"seq": seq, "ack": ack, "flags": flags, "wnd": wnd,
              "mss": mss, "ws": ws, "len": end - l4 - doff,
              "data": f[l4 + doff:end]})
    return t


class Link:
    """The guest's connection to the daemon's socket, with a reader thread
    that hands each TCP or UDP frame to the handler registered for its
    (protocol, peer address, peer port, guest port), else to the default
    handler of its protocol, and counts ARP replies (barriers)"""

    def __init__(self, path):
        self.s = connect(path)
        self.cv = threading.Condition()
        self.handlers = {}
        self.default = {}
        self.arp_replies = 0
        self.closed = False
        threading.Thread(target=self._reader, daemon=True).start()

    def _reader(self):
        for f in stream_frames(self.s):
            if f[12:14] == b"\x08\x06" and f[20:22] == b"\x00\x02":
                with self.cv:
                    self.arp_replies += 1
                    self.cv.notify_all()
                continue
            t = parse_l4(f)
            if not t:
                continue
            key = (t["proto"], t["src"], t["sport"], t["dport"])
            fn = self.handlers.get(key, self.default.get(t["proto"]))
            if fn:
                with self.cv:
                    fn(t)
                    self.cv.notify_all()
        with self.cv:
            self.closed = True
            self.cv.notify_all()

    def wait(self, pred, timeout):
        """Wait until pred() holds (called with the lock held)"""
        end = time.time() + timeout
        with self.cv:
            while not pred():
                left = end - time.time()
                if left <= 0 or self.closed:
                    return pred()
                self.cv.wait(left)
            return True

    def send(self, frames):
        """Send frames in one write"""
        self.s.sendall(b"".join(framed(f) for f in frames))

    def barrier(self):
        """Two ARP round trips: every frame sent before has been handled
        and its answers written (the second request is read only after the
        loop turn that answered the first flushed everything it queued)"""
        for _ in range(2):
            with self.cv:
                n = self.arp_replies
            self.send([f_arp_request()])
            if not self.wait(lambda: self.arp_replies > n, 5):
                return False
        return True


class Conn:
    """One TCP connection from the guest, checking every segment the
    daemon sends on it"""

    def __init__(self, link, dst, port, isn, sport=None):
        self.link = link
        self.cv = link.cv
        self.fr = Frames(dst)
        self.port = port
        self.sport = sport or random.randrange(20000, 60000)
        self.isn = isn
        self.rcv_nxt = 0
        self.mss = 536
        self.synack = None
        self.ack = None			# highest ACK seen, absolute
        self.wnd = 0			# bytes, scaled
        self.ws = 0
        self.acks = 0
        self.fin_seq = None
        self.rst = False
        self.rx = bytearray()		# in-order data from the peer
        self.covered = 0	# stream bytes [0, covered) sent, right bytes
        self.fin_sent = False	# FIN sent right after covered == total
        self.errors = []
        link.handlers[(6, self.fr.dst, port, self.sport)] = self._segment

    def _ack_ok(self, ack):
        """Is ack within what we sent: SYN, covered bytes, FIN?"""
        off = (ack - self.isn) % SEQ_MOD		# 1 = SYN only
        limit = 1 + self.covered + (1 if self.fin_sent else 0)
        return 1 <= off <= limit, off

    def _segment(self, t):
        """Reader (lock held): one segment of our connection"""
        if t["flags"] & RST:
            self.rst = True
        if t["flags"] & SYN and self.synack is None:
            self.synack = t
            self.ws = t["ws"] if t["ws"] is not None else 0
        if t["flags"] & ACK and not t["flags"] & RST:
            ok, off = self._ack_ok(t["ack"])
            if not ok:
                self.errors.append(
                    "ACK of stream byte %d, only %d sent%s" %
                    (off - 1, self.covered,
                     " and FIN" if self.fin_sent else ""))
            elif self.ack is None or \
                    off > (self.ack - self.isn) % SEQ_MOD:
                self.ack = t["ack"]
            self.acks += 1
            self.wnd = t["wnd"] << (0 if t["flags"] & SYN else self.ws)
        if self.synack is not None and t["len"] and \
           t["seq"] == self.rcv_nxt:
            self.rx += t["data"]
            self.rcv_nxt = (self.rcv_nxt + t["len"]) % SEQ_MOD
        if t["flags"] & FIN:
            self.fin_seq = (t["seq"] + t["len"]) % SEQ_MOD

    def wait(self, pred, timeout):
        """Wait until pred() holds"""
        return self.link.wait(pred, timeout)

    def send(self, frames):
        """Send frames in one write"""
        self.link.send(frames)

    def barrier(self):
        """See Link.barrier()"""
        return self.link.barrier()

    def seg(self, off, data, flags=ACK):
        """Frame with stream offset off (0 = first data byte)"""
        return self.fr.tcp(self.sport, self.port, self.isn + 1 + off,
                           self.rcv_nxt, flags, data)

    def connect(self, timeout=10):
        """SYN with MSS and window scale, wait for SYN-ACK, ACK it"""
        opts = struct.pack("!BBHBBBB", 2, 4, 1460, 1, 3, 3, OUR_WS)
        self.send([f_arp_request(),
                   self.fr.tcp(self.sport, self.port, self.isn, 0, SYN,
                               opts=opts)])
        if not self.wait(lambda: self.synack is not None or self.rst,
                         timeout) or self.rst:
            return False
        self.rcv_nxt = (self.synack["seq"] + 1) % SEQ_MOD
        self.mss = min(self.synack["mss"] or 536, 1460)
        self.send([self.seg(0, b"")])
        return True

    def echo(self, msg, timeout=5):
        """Send msg in order (the stream so far is msg-sized chunks sent
        here), wait until the peer sent as many bytes back and ACK them;
        True if they are msg"""
        off = self.covered
        with self.cv:
            self.covered += len(msg)
            want = len(self.rx) + len(msg)
        self.send([self.seg(off, msg, ACK | PSH)])
        ok = self.wait(lambda: len(self.rx) >= want or self.rst, timeout)
        self.send([self.seg(self.covered, b"")])
        with self.cv:
            return ok and not self.rst and \
                bytes(self.rx[want - len(msg):want]) == msg

    def close(self, timeout=10):
        """FIN after what we sent, wait for the peer's FIN, ACK it"""
        with self.cv:
            self.fin_sent = True
        self.send([self.seg(self.covered, b"", ACK | FIN)])
        if not self.wait(lambda: self.fin_seq is not None or self.rst,
                         timeout) or self.rst:
            return False
        self.rcv_nxt = (self.fin_seq + 1) % SEQ_MOD
        self.send([self.seg(self.covered + 1, b"")])
        return True


def round_frames(c, data, una, rnd, stats):
    """Frames of one round from stream offset una: the flight cut into
    segments of random sizes, then disordered"""
    total = len(data)
    wnd = max(c.wnd, 1)
    end = min(total, una + min(wnd, stats["flight"]))
    if una == total:			# all data acknowledged, not the FIN
        return [(total, b"", ACK | FIN, "data")]
    pieces, off = [], una
    while off < end:
        n = min(rnd.randint(1, c.mss), end - off)
        pieces.append((off, n))
        off += n
    mess = rnd.choice((0.0, 0.1, 0.3, 0.6))	# how disordered this round
    segs = []
    for off, n in pieces:
        flags = ACK | PSH
        if off + n == total:
            flags |= FIN
        segs.append((off, data[off:off + n], flags, "data"))
    i = 0
    while i + 1 < len(segs):		# neighbours swapped
        if rnd.random() < mess:
            segs[i], segs[i + 1] = segs[i + 1], segs[i]
            stats["swapped"] += 1
            i += 1
        i += 1
    for _ in range(int(len(pieces) * mess)):
        kind = rnd.choice(("dup", "overlap", "old", "beyond", "fin"))
        at = rnd.randrange(len(segs) + 1)
        off, n = pieces[rnd.randrange(len(pieces))]
        if kind == "dup":		# one segment again, later
            s = (off, data[off:off + n], ACK | PSH, "dup")
        elif kind == "overlap":		# right bytes, over two segments
            a = max(0, off - rnd.randint(1, c.mss // 2))
            b = min(total, a + rnd.randint(1, c.mss))
            s = (a, data[a:b], ACK | PSH, "overlap")
        elif kind == "old" and una > 0:
            # acknowledged bytes with different content, then new ones:
            # only the new part may reach the peer
            a = max(0, una - rnd.randint(1, c.mss // 2))
            b = min(total, una + rnd.randint(0, c.mss // 2))
            old = bytes(x ^ 0x5A for x in data[a:una])
            s = (a, old + data[una:b], ACK | PSH, "old")
        elif kind == "beyond":		# past the window: wrong bytes
            # Past any window the daemon may have advertised since our
            # last ACK (16 MiB at most): a receiver keeping data beyond a
            # hole would rightly keep bytes within its newer window
            a = una + max(wnd, 1 << 24) + rnd.randint(0, 4 * c.mss)
            s = (a, bytes(rnd.randint(1, c.mss)), ACK | PSH, "beyond")
        elif kind == "fin" and una < total:	# FIN ahead of the data
            s = (total, b"", ACK | FIN, "fin")
        else:
            continue
        stats[s[3]] += 1
        segs.insert(at, s)
    return segs


def cmd_ooo(a):
    """Disordered upload through the daemon; checks ACKs and the close"""
    rnd = random.Random(a.seed)
    random.seed(a.seed)
    data = pattern(a.bytes, a.seed)
    c = Conn(Link(a.sock), a.dst, a.port, rnd.randrange(SEQ_MOD))
    res = {"bytes": a.bytes, "sha256": hashlib.sha256(data).hexdigest()}
    stats = {"flight": a.flight, "rounds": 0, "segments": 0, "swapped": 0,
             "dup": 0, "overlap": 0, "old": 0, "beyond": 0, "fin": 0}
    if not c.connect():
        print(json.dumps(dict(res, error="no SYN-ACK (RST: %s)" % c.rst)))
        return 1
    total = len(data)
    stalled, last = 0, -1
    while True:
        with c.cv:
            una = (c.ack - c.isn - 1) % SEQ_MOD
            if c.rst or c.errors or una > total:
                break
        if una == last:
            stalled += 1
            if stalled > 200:
                c.errors.append("no progress at byte %d" % una)
                break
        else:
            stalled, last = 0, una
        segs = round_frames(c, data, una, rnd, stats)
        stats["rounds"] += 1
        stats["segments"] += len(segs)
        # Coverage before sending, as an ACK may come before send()
        # returns: the round sends every byte from una to the end of its
        # "data" segments, and [0, una) was covered before. An "overlap"
        # segment carries the right bytes and may reach past the others:
        # a receiver that keeps data beyond a hole may acknowledge them
        with c.cv:
            c.covered = max([c.covered] + [o + len(d) for o, d, _, k in segs
                                           if k in ("data", "overlap")])
            if any(f & FIN and k == "data" for _, _, f, k in segs):
                c.fin_sent = True
        frames = [c.seg(off, d, flags) for off, d, flags, _ in segs]
        cut = sorted(rnd.sample(range(1, len(frames)),
                                min(len(frames) - 1, rnd.randint(0, 2))))
        for lo, hi in zip([0] + cut, cut + [len(frames)]):
            c.send(frames[lo:hi])
        if not c.barrier():
            c.errors.append("no ARP reply: daemon stuck")
            break
    res.update(stats)
    res["acks"] = c.acks
    # The peer closes after our FIN: its FIN must come at the next byte
    if not c.errors and not c.rst:
        if not c.wait(lambda: c.fin_seq is not None or c.rst, 20):
            c.errors.append("no FIN from the peer")
        elif c.fin_seq is not None:
            if (c.fin_seq - c.rcv_nxt) % SEQ_MOD != 0:
                c.errors.append("peer FIN at %d, expected %d" %
                                (c.fin_seq, c.rcv_nxt))
            c.rcv_nxt = (c.rcv_nxt + 1) % SEQ_MOD
            c.send([c.seg(total + 1, b"")])
            c.barrier()
    res["rst"] = c.rst
    res["acked"] = ((c.ack - c.isn - 1) % SEQ_MOD) if c.ack is not None \
        else 0
    if c.rst:
        c.errors.append("RST from the daemon")
    if res["acked"] != total + 1 and not c.errors:
        c.errors.append("acknowledged %d of %d bytes and FIN" %
                        (res["acked"], total))
    res["errors"] = c.errors[:5]
    print(json.dumps(res, sort_keys=True), flush=True)
    return 1 if c.errors else 0


UDP_ECHO_SPORT = 4000		# guest port of the UDP flow held


class UdpFlow:
    """Datagrams between one guest port and one peer"""

    def __init__(self, link, dst, port, sport):
        self.link = link
        self.fr = Frames(dst)
        self.port, self.sport = port, sport
        self.rx = []
        link.handlers[(17, self.fr.dst, port, sport)] = \
            lambda t: self.rx.append(t["data"])

    def echo(self, msg, timeout=2):
        """Send msg, True if it comes back within timeout"""
        self.link.send([self.fr.udp(self.sport, self.port, msg)])
        return self.link.wait(lambda: msg in self.rx, timeout)


def cmd_udpflood(a):
    """UDP flood with a TCP connection and a UDP flow that must keep
    working, and a new flow that must be dropped while the table is full"""
    link = Link(a.sock)
    fdst = Frames(a.flood_dst)
    answered = set()

    def flood_reply(t):
        """Default UDP handler: replies from the flood's peer"""
        if t["src"] == fdst.dst and t["sport"] == a.flood_port:
            answered.add(t["dport"])
    link.default[17] = flood_reply

    res = {"count": a.count}
    tcp = Conn(link, a.echo_dst, a.echo_tcp_port, random.randrange(SEQ_MOD))
    res["tcp_connect"] = tcp.connect()
    res["tcp_before"] = res["tcp_connect"] and tcp.echo(b"before the flood")
    udp = UdpFlow(link, a.echo_dst, a.echo_udp_port, UDP_ECHO_SPORT)
    res["udp_before"] = udp.echo(b"udp before the flood")

    skip = {UDP_ECHO_SPORT, tcp.sport, UDP_ECHO_SPORT + 1}
    ports = [p for p in random.sample(range(1024, 65536), a.count + 3)
             if p not in skip][:a.count]
    t0 = time.time()
    for i in range(0, len(ports), 256):
        link.send([fdst.udp(p, a.flood_port, b"flood %d" % p)
                   for p in ports[i:i + 256]])
    res["barrier"] = link.barrier()
    res["flood_send_s"] = round(time.time() - t0, 3)
    time.sleep(1)			# late echoes of the flood
    res["tcp_during"] = tcp.echo(b"while the table is full")
    res["udp_during"] = udp.echo(b"udp while the table is full")
    new = UdpFlow(link, a.echo_dst, a.echo_udp_port, UDP_ECHO_SPORT + 1)
    res["new_flow_dropped"] = not new.echo(b"new flow while full", 1)
    with link.cv:
        res["answered"] = len(answered)
    print(json.dumps(res, sort_keys=True), flush=True)
    ok = all(res[k] for k in ("tcp_before", "udp_before", "barrier",
                              "tcp_during", "udp_during",
                              "new_flow_dropped"))
    if not a.hold_until:
        return 0 if ok else 1

    # The table drains: keep our UDP flow busy meanwhile
    end = time.time() + 120
    busy = True
    while not os.path.exists(a.hold_until) and time.time() < end:
        busy = udp.echo(b"udp keeps busy") and busy
        time.sleep(0.5)
    after = {"udp_busy": busy,
             "tcp_after": tcp.echo(b"after the flood"),
             "udp_after": udp.echo(b"udp after the flood"),
             "new_flow_after": new.echo(b"new flow after the flood", 2),
             "tcp_close": tcp.close(),
             "errors": tcp.errors[:5]}
    print(json.dumps(after, sort_keys=True), flush=True)
    return 0 if ok and not after["errors"] and \
        all(after[k] for k in after if k != "errors") else 1


def cmd_pattern(a):
    """Write the pattern"""
    with open(a.out, "wb") as f:
        f.write(pattern(a.bytes, a.seed))
    return 0


def main():
    """Parse the command line, run one command"""
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("ooo")
    c.add_argument("sock")
    c.add_argument("--dst", required=True)
    c.add_argument("--port", type=int, required=True)
    c.add_argument("--bytes", type=int, default=256 * 1024)
    c.add_argument("--seed", type=int, default=1)
    c.add_argument("--flight", type=int, default=32768,
                   help="bytes sent per round, at most")
    c = sub.add_parser("udpflood")
    c.add_argument("sock")
    c.add_argument("--count", type=int, required=True)
    c.add_argument("--flood-dst", required=True)
    c.add_argument("--flood-port", type=int, required=True)
    c.add_argument("--echo-dst", required=True)
    c.add_argument("--echo-udp-port", type=int, required=True)
    c.add_argument("--echo-tcp-port", type=int, required=True)
    c.add_argument("--hold-until", metavar="FILE")
    c = sub.add_parser("pattern")
    c.add_argument("--bytes", type=int, required=True)
    c.add_argument("--seed", type=int, default=1)
    c.add_argument("out")
    a = p.parse_args()
    return {"ooo": cmd_ooo, "udpflood": cmd_udpflood,
            "pattern": cmd_pattern}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
