#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""guestsock.py - Fake guest for edge cases of the tap socket (qemu framing)

Frames carry a marker "GSOCK:<tag>:<seq>:<size>:" and a deterministic
padding, so that a capture can be checked byte for byte ("pcapcount").

Commands (exit 0 when the expectation holds, 1 when it does not, 3 when the
socket cannot be reached):
  send SOCK --tag T --count N [--mode normal|split|batch] [--kind exp|udp]
       [--size B] [--hold S]
                        send N frames (of B bytes), then check the daemon
                        keeps the connection open for S seconds
  badlen SOCK --len L [--timeout S]
                        send a frame header with length L (and some bytes);
                        expect the daemon to close the connection
  expect-close SOCK [--timeout S]
                        connect; expect the daemon to close the connection
  hold SOCK --seconds S [--ready FILE]
                        connect (touch FILE when connected), stay S seconds;
                        exit 2 if the daemon closes the connection earlier
  rawsend IFACE --tag T --count N [--kind exp|udp] [--size B]
                        send N frames (of B bytes) on a network interface
                        with a packet socket; ENOBUFS is retried
  pcapcount PCAP --tag T
                        print the number of distinct intact tagged frames in
                        a classic pcap file; exit 1 if any is corrupt
"""

import argparse
import hashlib
import os
import select
import socket
import struct
import sys
import time

OUR_MAC = bytes.fromhex("9a559a559a55")
GUEST_MAC = bytes.fromhex("525400123456")
ETH_P_EXP = 0x88B5		# IEEE 802 local experimental ethertype
FRAME_MAX = 14 + 40 + 65535	# tap.h TAP_FRAME_MAX
GUEST4 = bytes([192, 0, 2, 2])
REMOTE4 = bytes([198, 51, 100, 1])


def csum(data, init=0):
    """RFC 1071 Internet checksum of data, from partial sum init"""
    if len(data) % 2:
        data += b"\0"
    s = init + sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def pseudo_sum(src, dst, proto, length):
    """Unfolded sum of the IPv4 or IPv6 pseudo-header (RFC 768, RFC 8200
    §8.1), for csum()'s init"""
    if len(src) == 4:
        ph = src + dst + struct.pack("!BBH", 0, proto, length)
    else:
        ph = src + dst + struct.pack("!IxxxB", length, proto)
    return sum(struct.unpack("!%dH" % (len(ph) // 2), ph))


def payload(tag, seq, size, hdr_len):
    """Marker "GSOCK:tag:seq:size:" plus deterministic padding: of variable
    length, or up to a frame of size bytes if size is not 0"""
    data = ("GSOCK:%s:%08d:%05d:" % (tag, seq, size)).encode()
    pad = size - hdr_len - len(data) if size else 20 + seq % 97
    return data + bytes((seq + i) & 0xFF for i in range(max(0, pad)))


def build_frame(tag, seq, kind, src_mac=GUEST_MAC, size=0):
    """Ethernet frame number seq: experimental ethertype or IPv4/UDP, of
    size bytes if size is not 0"""
    if kind == "exp":
        data = payload(tag, seq, size, 14)
        return OUR_MAC + src_mac + struct.pack("!H", ETH_P_EXP) + data
    data = payload(tag, seq, size, 14 + 20 + 8)
    udp = struct.pack("!HHHH", 40000, 9, 8 + len(data), 0) + data
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp),
                     seq & 0xFFFF, 0x4000, 64, 17, 0, GUEST4, REMOTE4)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return OUR_MAC + src_mac + b"\x08\x00" + ip + udp


def frame_kind(frame):
    """Kind of a frame built by build_frame(), from its ethertype"""
    return "exp" if frame[12:14] == struct.pack("!H", ETH_P_EXP) else "udp"


def framed(frame):
    """qemu stream framing: 32-bit big-endian length, then the frame"""
    return struct.pack("!I", len(frame)) + frame


def connect(path, timeout=None):
    """Connected unix stream socket (blocking), or exit 3; timeout bounds
    the connect() only"""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(path)
    except OSError as e:
        print("cannot connect to %s: %s" % (path, e))
        sys.exit(3)
    s.settimeout(None)
    return s


def stream_frames(s):
    """Yield each frame the daemon sends on s (qemu stream framing) until
    it closes the socket or the socket fails"""
    buf = b""
    while True:
        try:
            d = s.recv(1 << 20)
        except OSError:
            d = b""
        if not d:
            return
        buf += d
        while len(buf) >= 4:
            n = struct.unpack("!I", buf[:4])[0]
            if len(buf) < 4 + n:
                break
            f, buf = buf[4:4 + n], buf[4 + n:]
            yield f


def closed_within(s, timeout):
    """True if the peer closes (EOF or reset) within timeout seconds"""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        r, _, _ = select.select([s], [], [], left)
        if not r:
            return False
        try:
            if not s.recv(65536):
                return True
        except ConnectionResetError:
            return True


def cmd_send(a):
    """Send --count frames in the requested mode, check the link stays up"""
    s = connect(a.path)
    frames = [framed(build_frame(a.tag, i, a.kind, size=a.size))
              for i in range(a.count)]
    try:
        if a.mode == "batch":
            s.sendall(b"".join(frames))
        elif a.mode == "split":
            for f in frames:
                for i in range(len(f)):
                    s.send(f[i:i + 1])
                    time.sleep(0.0005)
        else:
            for f in frames:
                s.sendall(f)
    except OSError as e:
        print("send: %s" % e)
        return 1
    print("sent %d frames (%s)" % (a.count, a.mode))
    if closed_within(s, a.hold):
        print("daemon closed the connection")
        return 1
    return 0


def cmd_badlen(a):
    """Send a bad length; expect the connection to be closed"""
    s = connect(a.path)
    try:
        s.sendall(struct.pack("!I", a.len) + bytes(64))
    except OSError as e:
        print("send: %s (connection closed)" % e)
        return 0
    if closed_within(s, a.timeout):
        print("closed after length %d" % a.len)
        return 0
    print("still open %gs after length %d" % (a.timeout, a.len))
    return 1


def cmd_expect_close(a):
    """Connect; expect the daemon to close us"""
    s = connect(a.path)
    if closed_within(s, a.timeout):
        print("closed by daemon")
        return 0
    print("still open after %gs" % a.timeout)
    return 1


def cmd_hold(a):
    """Stay connected for --seconds; exit 2 if closed earlier"""
    s = connect(a.path)
    if a.ready:
        with open(a.ready, "w") as f:
            f.write("connected\n")
    if closed_within(s, a.seconds):
        print("closed by daemon")
        return 2
    return 0


def cmd_rawsend(a):
    """Send --count frames on an interface with a packet socket"""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.path, 0))
    src = s.getsockname()[4][:6]
    retries = 0
    frames = [build_frame(a.tag, i, a.kind, src, a.size)
              for i in range(a.count)]
    t0 = time.monotonic()
    for f in frames:
        while True:
            try:
                s.send(f)
                break
            except OSError as e:
                if e.errno not in (105, 11):	# ENOBUFS, EAGAIN
                    raise
                retries += 1
                time.sleep(0.001)
    print("sent %d frames on %s in %.3f s (%d retries)" %
          (a.count, a.path, time.monotonic() - t0, retries))
    return 0


def pcap_records(path):
    """Yield (seconds, frame) for each record of a classic pcap file"""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        raise ValueError("%s: not a classic pcap file" % path)
    frac = 1e-9 if magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d") \
        else 1e-6
    off = 24
    while off + 16 <= len(data):
        sec, sub, incl = struct.unpack(end + "III", data[off:off + 12])
        off += 16
        if off + incl > len(data):
            return
        yield sec + sub * frac, data[off:off + incl]
        off += incl


def tcp4_segments(path):
    """Yield (seconds, sport, dport, seq, ack, flags, payload length) for
    each TCP segment over IPv4 in a classic pcap file of Ethernet frames"""
    for t, f in pcap_records(path):
        if len(f) < 34 or f[12:14] != b"\x08\x00" or f[23] != 6:
            continue
        ihl = (f[14] & 15) * 4
        tot = struct.unpack("!H", f[16:18])[0]
        th = f[14 + ihl:]
        sp, dp, seq, ack = struct.unpack("!HHII", th[:12])
        yield t, sp, dp, seq, ack, th[13], tot - ihl - (th[12] >> 4) * 4


def pattern(tag, n):
    """n bytes of a sha256 chain seeded with tag: each stream its own"""
    out, h = bytearray(), hashlib.sha256(tag.encode()).digest()
    while len(out) < n:
        h = hashlib.sha256(h).digest()
        out += h
    return bytes(out[:n])


def recv_exact(c, n):
    """Read n bytes from socket c, fewer if the stream ends first"""
    got = bytearray()
    while len(got) < n:
        b = c.recv(min(1 << 16, n - len(got)))
        if not b:
            break
        got += b
    return bytes(got)


def pcap_frames(path):
    """Yield captured frames of a classic pcap file"""
    for _, frame in pcap_records(path):
        yield frame


def cmd_pcapcount(a):
    """Count distinct intact frames tagged --tag in a capture. Frames that
    only quote a tagged frame (ICMP errors sent to the guest) are ignored."""
    marker = ("GSOCK:%s:" % a.tag).encode()
    good, bad = set(), 0
    for fr in pcap_frames(a.path):
        pos = fr.find(marker)
        if pos < 0 or pos != (14 if frame_kind(fr) == "exp" else 42):
            continue	# not ours, or quoted (in an ICMP error to the guest)
        try:
            f = fr[pos:pos + 40].split(b":")
            seq, size = int(f[2]), int(f[3])
        except (ValueError, IndexError):
            bad += 1
            continue
        if fr == build_frame(a.tag, seq, frame_kind(fr), fr[6:12], size):
            good.add(seq)
        else:
            bad += 1
    print(len(good))
    if bad:
        print("%d corrupt tagged frames" % bad, file=sys.stderr)
    return 1 if bad else 0


def main():
    """Parse the command line, run one command"""
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("send")
    c.add_argument("path")
    c.add_argument("--tag", default="t")
    c.add_argument("--count", type=int, default=1)
    c.add_argument("--mode", choices=("normal", "split", "batch"),
                   default="normal")
    c.add_argument("--kind", choices=("exp", "udp"), default="udp")
    c.add_argument("--hold", type=float, default=1.0)
    c.add_argument("--size", type=int, default=0,
                   help="make frames this many bytes long")
    c = sub.add_parser("badlen")
    c.add_argument("path")
    c.add_argument("--len", type=int, required=True)
    c.add_argument("--timeout", type=float, default=5.0)
    c = sub.add_parser("expect-close")
    c.add_argument("path")
    c.add_argument("--timeout", type=float, default=5.0)
    c = sub.add_parser("hold")
    c.add_argument("path")
    c.add_argument("--seconds", type=float, required=True)
    c.add_argument("--ready")
    c = sub.add_parser("rawsend")
    c.add_argument("path")
    c.add_argument("--tag", default="t")
    c.add_argument("--count", type=int, default=1)
    c.add_argument("--kind", choices=("exp", "udp"), default="udp")
    c.add_argument("--size", type=int, default=0,
                   help="make frames this many bytes long")
    c = sub.add_parser("pcapcount")
    c.add_argument("path")
    c.add_argument("--tag", default="t")
    a = p.parse_args()
    fn = {"send": cmd_send, "badlen": cmd_badlen,
          "expect-close": cmd_expect_close, "hold": cmd_hold,
          "rawsend": cmd_rawsend, "pcapcount": cmd_pcapcount}[a.cmd]
    return fn(a)


if __name__ == "__main__":
    sys.exit(main())
