#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""badguest.py - A hostile guest on the daemon's socket (qemu stream framing)

Connects to the daemon's unix socket as the guest and sends what a broken or
malicious guest could: malformed frames of every class the daemon's tap side
validates, random garbage, abusive length prefixes, floods of SYNs. Also
holds the packet builders the fuzz seed corpus is made from
(test/fuzz/seeds.py imports this file).

Commands (exit 0 if every expectation held, 1 if not, 3 if the socket
cannot be reached):
  malformed SOCK        one batch of each malformed class; prints, as JSON,
                        how many frames each drop reason (tap.h) must have
                        counted: {"ETH_SHORT": 13, ...}
  garbage SOCK --count N [--seed S]
                        N frames of random bytes and lengths (valid
                        length prefixes), some with a valid Ethernet and
                        IPv4/IPv6 start and random rest
  badlen SOCK --kind zero|over|huge|cut [--timeout S]
                        zero: length prefix 0; over: TAP_FRAME_MAX + 1;
                        huge: 0xffffffff; each must make the daemon close
                        the connection. cut: half a frame, then we close.
  synflood SOCK --count N --flood-dst A --flood-port P --echo-dst A
           --echo-port P [--drain S] [--hold-until FILE]
                        one well-behaved TCP connection to an echo server
                        (ECHO-DST:PORT) exchanges data, then N SYNs from
                        distinct random ports go to FLOOD-DST:PORT; the
                        echo connection must keep working while the table
                        is full, every SYN must be answered by RST (at once
                        if refused, or when its connection fails) within
                        S seconds, and the echo connection must work after.
                        Prints counts as JSON; with --hold-until FILE, then
                        stays connected until FILE exists.

Every command ends with a barrier (an ARP request for the gateway, answered
only after everything before it has been processed) unless the daemon is
expected to have closed the connection.
"""

import argparse
import json
import os
import random
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "e2e"))
from guestsock import (connect, csum, pseudo_sum,  # noqa: E402
                       stream_frames)

OUR_MAC = bytes.fromhex("9a559a559a55")
GUEST_MAC = bytes.fromhex("525400123456")
BCAST_MAC = b"\xff" * 6
# tap.h: Ethernet header, IPv6 header, the largest IPv6 payload length
TAP_FRAME_MAX = 14 + 40 + 65535

GUEST4 = socket.inet_pton(socket.AF_INET, "192.0.2.2")
GW4 = socket.inet_pton(socket.AF_INET, "192.0.2.1")
DNS4 = socket.inet_pton(socket.AF_INET, "192.0.2.53")
REMOTE4 = socket.inet_pton(socket.AF_INET, "198.51.100.1")
GUEST6 = socket.inet_pton(socket.AF_INET6, "2001:db8:1::2")
GUEST_LL = socket.inet_pton(socket.AF_INET6, "fe80::5054:ff:fe12:3456")
GW6 = socket.inet_pton(socket.AF_INET6, "2001:db8:1::1")
REMOTE6 = socket.inet_pton(socket.AF_INET6, "2001:db8:100::1")
OUR_LL = socket.inet_pton(socket.AF_INET6, "fe80::9855:9aff:fe55:9a55")
ALL_NODES = socket.inet_pton(socket.AF_INET6, "ff02::1")
ALL_ROUTERS = socket.inet_pton(socket.AF_INET6, "ff02::2")
ALL_DHCP = socket.inet_pton(socket.AF_INET6, "ff02::1:2")
UNSPEC6 = bytes(16)

TCP_FIN, TCP_SYN, TCP_RST, TCP_PSH, TCP_ACK = 0x01, 0x02, 0x04, 0x08, 0x10


# Packet builders ------------------------------------------------------------

def l4_csum(src, dst, proto, seg):
    """L4 checksum over pseudo-header and segment (0 becomes 0xffff)"""
    s = csum(seg, pseudo_sum(src, dst, proto, len(seg)))
    return s or 0xFFFF


def eth(payload, etype, dst=OUR_MAC, src=GUEST_MAC):
    """Ethernet frame"""
    return dst + src + struct.pack("!H", etype) + payload


def ip4(payload, proto, src=GUEST4, dst=REMOTE4, ttl=64, opts=b"",
        tot_len=None, frag=0x4000, ihl=None, bad_csum=False, ver=4):
    """IPv4 packet (header checksum computed unless bad_csum)"""
    opts += b"\x01" * (-len(opts) % 4)		# pad with NOPs
    hl = 20 + len(opts)
    if ihl is None:
        ihl = hl // 4
    if tot_len is None:
        tot_len = hl + len(payload)
    h = struct.pack("!BBHHHBBH4s4s", (ver << 4) | ihl, 0, tot_len & 0xFFFF,
                    0x1234, frag, ttl, proto, 0, src, dst) + opts
    s = csum(h)
    if bad_csum:
        s ^= 0x5555
    return h[:10] + struct.pack("!H", s) + h[12:] + payload


def ip6(payload, nh, src=GUEST6, dst=REMOTE6, hlim=64, plen=None):
    """IPv6 packet"""
    if plen is None:
        plen = len(payload)
    return struct.pack("!IHBB", 0x60000000, plen & 0xFFFF, nh, hlim) + \
        src + dst + payload


def udp(sport, dport, payload, src, dst, length=None):
    """UDP datagram with checksum for the given IP addresses"""
    if length is None:
        length = 8 + len(payload)
    seg = struct.pack("!HHHH", sport, dport, length, 0) + payload
    return seg[:6] + struct.pack("!H", l4_csum(src, dst, 17, seg)) + seg[8:]


def tcp(sport, dport, seq, ack, flags, src, dst, payload=b"", opts=b"",
        win=65535, doff=None):
    """TCP segment with checksum; doff in 32-bit words overrides"""
    opts += b"\x00" * (-len(opts) % 4)
    if doff is None:
        doff = (20 + len(opts)) // 4
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF,
                      ack & 0xFFFFFFFF, (doff & 0xF) << 4, flags, win, 0,
                      0) + opts + payload
    return seg[:16] + struct.pack("!H", l4_csum(src, dst, 6, seg)) + seg[18:]


def icmp4_echo(ident, seq, data=b"badguest"):
    """ICMP echo request"""
    m = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data
    return m[:2] + struct.pack("!H", csum(m)) + m[4:]


def icmp6(mtype, code, body, src, dst):
    """ICMPv6 message with checksum"""
    m = struct.pack("!BBH", mtype, code, 0) + body
    return m[:2] + struct.pack("!H", csum(m, pseudo_sum(src, dst, 58,
                                                          len(m)))) + m[4:]


def f_tcp4(sport, dport, seq, ack, flags, payload=b"", dst=REMOTE4,
           opts=b""):
    """Ethernet/IPv4/TCP frame from the guest"""
    return eth(ip4(tcp(sport, dport, seq, ack, flags, GUEST4, dst, payload,
                       opts), 6, dst=dst), 0x0800)


def f_tcp6(sport, dport, seq, ack, flags, payload=b"", dst=REMOTE6,
           opts=b""):
    """Ethernet/IPv6/TCP frame from the guest"""
    return eth(ip6(tcp(sport, dport, seq, ack, flags, GUEST6, dst, payload,
                       opts), 6, dst=dst), 0x86DD)


def f_arp(op=1, spa=GUEST4, tpa=GW4, sha=GUEST_MAC, tha=bytes(6),
          dst=BCAST_MAC):
    """ARP request (op 1) or reply (op 2) frame"""
    a = struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + sha + spa + tha + tpa
    return eth(a, 0x0806, dst=dst)


def dhcp_msg(mtype, xid=0x3903F326, opts=b"", ciaddr=bytes(4)):
    """DHCP client message: BOOTP header, magic cookie, options, end"""
    bootp = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 0, xid, 0,
                        0x8000, ciaddr, bytes(4), bytes(4), bytes(4),
                        GUEST_MAC, b"", b"")
    o = bytes([53, 1, mtype]) + opts + b"\xff"
    return bootp + struct.pack("!I", 0x63825363) + o


def f_dhcp(mtype, opts=b"", ciaddr=bytes(4)):
    """DHCP message from an unconfigured guest, broadcast"""
    m = dhcp_msg(mtype, opts=opts, ciaddr=ciaddr)
    src = bytes(4)
    dst = b"\xff" * 4
    return eth(ip4(udp(68, 67, m, src, dst), 17, src=src, dst=dst),
               0x0800, dst=BCAST_MAC)


def dhcpv6_msg(mtype, xid=0x123456, opts=b""):
    """DHCPv6 client message with a DUID-LL client identifier"""
    duid = struct.pack("!HH", 3, 1) + GUEST_MAC
    o = struct.pack("!HH", 1, len(duid)) + duid + opts
    return struct.pack("!I", (mtype << 24) | xid) + o


def dhcpv6_opt(code, data):
    """One DHCPv6 option"""
    return struct.pack("!HH", code, len(data)) + data


def f_dhcpv6(mtype, opts=b""):
    """DHCPv6 message from the guest's link-local address"""
    m = dhcpv6_msg(mtype, opts=opts)
    return eth(ip6(udp(546, 547, m, GUEST_LL, ALL_DHCP), 17, src=GUEST_LL,
                   dst=ALL_DHCP), 0x86DD, dst=bytes.fromhex("333300010002"))


def f_icmp6(mtype, body, src=GUEST_LL, dst=ALL_ROUTERS, hlim=255):
    """ICMPv6 frame, multicast MAC for multicast destinations"""
    mac = b"\x33\x33" + dst[12:] if dst[0] == 0xFF else OUR_MAC
    return eth(ip6(icmp6(mtype, 0, body, src, dst), 58, src=src, dst=dst,
                   hlim=hlim), 0x86DD, dst=mac)


def f_rs():
    """Router solicitation with a source link-layer address option"""
    return f_icmp6(133, bytes(4) + b"\x01\x01" + GUEST_MAC)


def f_ns(target=GW6, src=GUEST_LL):
    """Neighbour solicitation for target, to its solicited-node group"""
    dst = socket.inet_pton(socket.AF_INET6, "ff02::1:ff00:0")[:13] + \
        target[13:]
    opt = b"\x01\x01" + GUEST_MAC if src != UNSPEC6 else b""
    return f_icmp6(135, bytes(4) + target + opt, src=src, dst=dst)


def seed_frames():
    """Well-formed frames a real guest sends: name -> frame"""
    prl = bytes([55, 7, 1, 3, 6, 15, 26, 28, 119])
    return {
        "arp_request": f_arp(),
        "arp_probe": f_arp(spa=bytes(4), tpa=GUEST4),
        "dhcp_discover": f_dhcp(1, prl + bytes([57, 2, 5, 220])),
        "dhcp_request": f_dhcp(3, prl + bytes([50, 4]) + GUEST4 +
                               bytes([54, 4]) + GW4 +
                               bytes([12, 5]) + b"guest" +
                               bytes([81, 8, 0, 0, 0]) + b"guest"),
        "dhcp_inform": f_dhcp(8, prl, ciaddr=GUEST4),
        "dhcpv6_solicit": f_dhcpv6(1, dhcpv6_opt(3, bytes(12)) +
                                   dhcpv6_opt(6, struct.pack("!HHH", 23, 24,
                                                             39)) +
                                   dhcpv6_opt(8, b"\0\0")),
        "dhcpv6_solicit_rapid": f_dhcpv6(1, dhcpv6_opt(3, bytes(12)) +
                                         dhcpv6_opt(14, b"")),
        "dhcpv6_info": f_dhcpv6(11, dhcpv6_opt(6, struct.pack("!HH", 23,
                                                              24))),
        "ndp_rs": f_rs(),
        "ndp_ns_gw": f_ns(),
        "ndp_ns_dad": f_ns(target=GUEST_LL, src=UNSPEC6),
        "ndp_ns_ll": f_ns(target=OUR_LL),
        "tcp4_syn": f_tcp4(40000, 80, 1000, 0, TCP_SYN,
                           opts=b"\x02\x04\x05\xb4\x04\x02\x08\x0a" +
                           bytes(8) + b"\x01\x03\x03\x07"),
        "tcp4_syn_gw": f_tcp4(40001, 22, 5000, 0, TCP_SYN, dst=GW4,
                              opts=b"\x02\x04\x05\xb4"),
        "tcp6_syn": f_tcp6(40002, 80, 7000, 0, TCP_SYN,
                           opts=b"\x02\x04\x05\xa0\x01\x03\x03\x07"),
        "tcp4_ack_data": f_tcp4(40000, 80, 1001, 1, TCP_ACK | TCP_PSH,
                                b"GET / HTTP/1.0\r\n\r\n"),
        "tcp4_fin": f_tcp4(40000, 80, 1019, 1, TCP_ACK | TCP_FIN),
        "tcp4_rst": f_tcp4(40000, 80, 1020, 0, TCP_RST),
        "udp4_dns": eth(ip4(udp(40000, 53, b"\x12\x34\x01\x00\x00\x01" +
                                bytes(6) + b"\x07example\x03com\x00\x00\x01"
                                b"\x00\x01", GUEST4, DNS4), 17, dst=DNS4),
                        0x0800),
        "udp6": eth(ip6(udp(40000, 9, b"hello", GUEST6, REMOTE6), 17),
                    0x86DD),
        "icmp4_echo": eth(ip4(icmp4_echo(1, 1), 1), 0x0800),
        "icmp6_echo": eth(ip6(icmp6(128, 0, struct.pack("!HH", 1, 1) +
                                    b"badguest", GUEST6, REMOTE6), 58),
                          0x86DD),
        "ip4_options": eth(ip4(icmp4_echo(2, 1), 1,
                               opts=b"\x94\x04\x00\x00"), 0x0800),
        "ip6_hopopts": eth(ip6(bytes([58, 0, 1, 4, 0, 0, 0, 0]) +
                               icmp6(128, 0, struct.pack("!HH", 1, 2),
                                     GUEST6, REMOTE6), 0), 0x86DD),
    }


def malformed_frames():
    """(reason, frame) for each class of malformed frame; reason is the
    drop counter (tap.h TAP_DROP_REASONS) that must count it"""
    out = []
    syn = tcp(40000, 80, 1, 0, TCP_SYN, GUEST4, REMOTE4)
    good4 = ip4(syn, 6)
    good6 = ip6(tcp(40000, 80, 1, 0, TCP_SYN, GUEST6, REMOTE6), 6)

    # Truncated Ethernet headers: 1..13 bytes
    for n in range(1, 14):
        out.append(("ETH_SHORT", eth(b"", 0x0800)[:n]))
    # VLAN tags (802.1Q, 802.1ad), LLC length field, unknown ethertype
    for et in (0x8100, 0x88A8, 0x0050, 0x9000):
        out.append(("ETH_TYPE", eth(struct.pack("!HH", 1, 0x0800) + good4,
                                    et)))
    # IPv4 header: truncated, bad version, IHL < 5, IHL beyond the frame
    out.append(("IP4_HDR", eth(good4[:19], 0x0800)))
    out.append(("IP4_HDR", eth(good4[:1], 0x0800)))
    out.append(("IP4_HDR", eth(ip4(syn, 6, ver=6), 0x0800)))
    for ihl in (0, 1, 4):
        out.append(("IP4_HDR", eth(ip4(syn, 6, ihl=ihl), 0x0800)))
    out.append(("IP4_HDR", eth(ip4(b"", 6, ihl=15, tot_len=60)[:40],
                               0x0800)))
    # IPv4 total length beyond the frame, and below the header
    for tl in (len(good4) + 1, 0xFFFF, 19, 0):
        out.append(("IP4_LEN", eth(ip4(syn, 6, tot_len=tl), 0x0800)))
    # Fragments: MF, offset, both
    for frag in (0x2000, 0x0001, 0x2010, 0x1FFF):
        out.append(("IP4_FRAG", eth(ip4(syn, 6, frag=frag), 0x0800)))
    out.append(("IP4_CSUM", eth(ip4(syn, 6, bad_csum=True), 0x0800)))
    # IPv6: truncated, bad version, payload length beyond frame or zero
    out.append(("IP6_HDR", eth(good6[:39], 0x86DD)))
    out.append(("IP6_HDR", eth(b"\x40" + good6[1:], 0x86DD)))
    out.append(("IP6_LEN", eth(ip6(good6[40:], 6, plen=len(good6) - 39),
                               0x86DD)))
    out.append(("IP6_LEN", eth(ip6(good6[40:], 6, plen=0xFFFF), 0x86DD)))
    out.append(("IP6_LEN", eth(ip6(good6[40:], 6, plen=0), 0x86DD)))
    # IPv6 extension headers: truncated, length beyond, fragment, loop
    out.append(("IP6_EXT", eth(ip6(b"\x06\x00\x01\x04", 0), 0x86DD)))
    out.append(("IP6_EXT", eth(ip6(b"\x06\x05" + bytes(6) + good6[40:], 0),
                               0x86DD)))
    out.append(("IP6_EXT", eth(ip6(b"\x06\x00\x00\x00\x00\x00\x00\x01" +
                                   good6[40:], 44), 0x86DD)))
    chain = (b"\x3c\x00" + bytes(6)) * 8 + b"\x06\x00" + bytes(6)
    out.append(("IP6_EXT", eth(ip6(chain + good6[40:], 60), 0x86DD)))
    # TCP: truncated header, data offset below 5 and beyond the segment
    out.append(("L4_SHORT", eth(ip4(syn[:19], 6), 0x0800)))
    for doff in (0, 4, 6, 15):
        out.append(("L4_SHORT", eth(ip4(tcp(40000, 80, 1, 0, TCP_SYN,
                                            GUEST4, REMOTE4, doff=doff), 6),
                                    0x0800)))
    out.append(("L4_SHORT", eth(ip6(tcp(40000, 80, 1, 0, TCP_SYN, GUEST6,
                                        REMOTE6, doff=15), 6), 0x86DD)))
    # UDP: truncated, length field beyond the datagram or below 8
    u = udp(40000, 9, b"abcd", GUEST4, REMOTE4)
    out.append(("L4_SHORT", eth(ip4(u[:7], 17), 0x0800)))
    out.append(("L4_SHORT", eth(ip4(udp(40000, 9, b"abcd", GUEST4, REMOTE4,
                                        length=13), 17), 0x0800)))
    out.append(("L4_SHORT", eth(ip4(udp(40000, 9, b"abcd", GUEST4, REMOTE4,
                                        length=7), 17), 0x0800)))
    # ICMP, ICMPv6: shorter than 4 bytes
    out.append(("L4_SHORT", eth(ip4(b"\x08\x00", 1), 0x0800)))
    out.append(("L4_SHORT", eth(ip6(b"\x80", 58), 0x86DD)))
    # Protocols nobody handles: SCTP, GRE
    out.append(("L4_PROTO", eth(ip4(bytes(16), 132), 0x0800)))
    out.append(("L4_PROTO", eth(ip6(bytes(16), 47), 0x86DD)))
    # ARP: truncated, wrong hardware type, wrong address lengths
    arp = f_arp()
    out.append(("ARP_BAD", arp[:14 + 27]))
    out.append(("ARP_BAD", arp[:14] + b"\x00\x06" + arp[16:]))
    out.append(("ARP_BAD", arp[:18] + b"\x08\x04" + arp[20:]))
    # DHCP: message shorter than BOOTP, bad magic cookie (handler: -1)
    bad = dhcp_msg(1)[:100]
    out.append(("L4_BAD", eth(ip4(udp(68, 67, bad, bytes(4), b"\xff" * 4),
                                  17, src=bytes(4), dst=b"\xff" * 4),
                              0x0800, dst=BCAST_MAC)))
    bad = dhcp_msg(1)
    bad = bad[:236] + b"\x63\x82\x53\x00" + bad[240:]
    out.append(("L4_BAD", eth(ip4(udp(68, 67, bad, bytes(4), b"\xff" * 4),
                                  17, src=bytes(4), dst=b"\xff" * 4),
                              0x0800, dst=BCAST_MAC)))
    return out


# Connection ------------------------------------------------------------------

class Guest:
    """A connection to the daemon's socket, with a reader thread that
    collects frames sent to the guest"""

    def __init__(self, path, timeout=5):
        self.s = connect(path, timeout)
        self.lock = threading.Lock()
        self.cv = threading.Condition(self.lock)
        self.frames = []
        self.closed = False
        self.on_frame = None
        self.t = threading.Thread(target=self._reader, daemon=True)
        self.t.start()

    def _reader(self):
        for f in stream_frames(self.s):
            if self.on_frame and self.on_frame(f):
                continue
            with self.cv:
                self.frames.append(f)
                if len(self.frames) > 10000:
                    del self.frames[:5000]
                self.cv.notify_all()
        with self.cv:
            self.closed = True
            self.cv.notify_all()

    def send(self, frame):
        """Send one frame with its length prefix"""
        self.s.sendall(struct.pack("!I", len(frame)) + frame)

    def send_raw(self, data):
        """Send bytes as they are"""
        self.s.sendall(data)

    def wait(self, pred, timeout):
        """Wait for a received frame matching pred; remove and return it"""
        end = time.time() + timeout
        with self.cv:
            while True:
                for i, f in enumerate(self.frames):
                    if pred(f):
                        del self.frames[i]
                        return f
                left = end - time.time()
                if left <= 0 or self.closed:
                    return None
                self.cv.wait(left)

    def wait_closed(self, timeout):
        """True if the daemon closes the connection within timeout"""
        end = time.time() + timeout
        with self.cv:
            while not self.closed:
                left = end - time.time()
                if left <= 0:
                    return False
                self.cv.wait(left)
        return True

    def barrier(self, timeout=5):
        """ARP request for the gateway and wait for the reply: everything
        sent before has been processed"""
        spa = bytes([192, 0, 2, 2])
        self.send(f_arp(spa=spa, tpa=GW4))

        def is_reply(f):
            return len(f) >= 42 and f[12:14] == b"\x08\x06" and \
                f[20:22] == b"\x00\x02" and f[28:32] == GW4
        return self.wait(is_reply, timeout) is not None

    def close(self):
        """Close our end"""
        self.s.close()


# Commands --------------------------------------------------------------------

def cmd_malformed(a):
    """Send one frame of each malformed class; print expected drop counts"""
    g = Guest(a.sock)
    expect = {}
    for reason, f in malformed_frames():
        g.send(f)
        expect[reason] = expect.get(reason, 0) + 1
    ok = g.barrier()
    print(json.dumps(expect, sort_keys=True))
    if not ok:
        print("no ARP reply to the barrier: daemon stuck or ARP broken",
              file=sys.stderr)
    return 0 if ok and not g.closed else 1


def cmd_garbage(a):
    """Random frames: lengths, bytes, and random bytes behind valid
    Ethernet and IP headers"""
    rnd = random.Random(a.seed)
    g = Guest(a.sock)
    for i in range(a.count):
        kind = rnd.randrange(4)
        n = rnd.choice((rnd.randrange(1, 64), rnd.randrange(1, 1600),
                        rnd.randrange(1, 9100)))
        body = rnd.randbytes(n)
        if kind == 1:
            body = eth(body, 0x0800)
        elif kind == 2:
            body = eth(ip4(body, rnd.choice((1, 6, 17)),
                           tot_len=rnd.choice((None, rnd.randrange(65536)))),
                       0x0800)
        elif kind == 3:
            body = eth(ip6(body, rnd.choice((0, 6, 17, 43, 58, 60)),
                           plen=rnd.choice((None, rnd.randrange(65536)))),
                       0x86DD)
        g.send(body[:TAP_FRAME_MAX])
    ok = g.barrier(10)
    print(json.dumps({"sent": a.count, "barrier": ok}))
    return 0 if ok and not g.closed else 1


def cmd_badlen(a):
    """Abusive length prefixes: the daemon must drop the connection"""
    g = Guest(a.sock)
    if a.kind == "cut":
        f = f_arp()
        g.send_raw(struct.pack("!I", len(f)) + f[:len(f) // 2])
        time.sleep(0.2)
        g.close()
        print("sent half a frame, closed")
        return 0
    n = {"zero": 0, "over": TAP_FRAME_MAX + 1, "huge": 0xFFFFFFFF}[a.kind]
    try:
        g.send_raw(struct.pack("!I", n) + b"\x5a" * 64)
    except OSError as e:
        print("send: %s" % e)
    if g.wait_closed(a.timeout):
        print("connection closed by the daemon after length %d" % n)
        return 0
    print("daemon kept the connection after length %d" % n)
    return 1


class TcpClient:
    """Just enough TCP to keep one connection through the daemon and check
    data goes both ways: no retransmission (the path is lossless), window
    large enough for the small exchanges used here"""

    def __init__(self, g, dst, port, sport):
        self.g, self.dst, self.port, self.sport = g, dst, port, sport
        self.seq = random.randrange(1 << 32)
        self.rcv = 0

    def _mine(self, f):
        return len(f) >= 54 and f[12:14] == b"\x08\x00" and f[23] == 6 and \
            f[26:30] == self.dst and \
            struct.unpack("!HH", f[34:38]) == (self.port, self.sport)

    def _send(self, flags, data=b""):
        self.g.send(f_tcp4(self.sport, self.port, self.seq, self.rcv, flags,
                           data, dst=self.dst))

    def connect(self, timeout=10):
        """Three-way handshake; True if established"""
        self.g.send(f_tcp4(self.sport, self.port, self.seq, 0, TCP_SYN,
                           dst=self.dst, opts=b"\x02\x04\x05\xb4"))
        f = self.g.wait(lambda f: self._mine(f) and
                        f[47] & (TCP_SYN | TCP_ACK) == TCP_SYN | TCP_ACK,
                        timeout)
        if not f:
            return False
        self.rcv = (struct.unpack("!I", f[38:42])[0] + 1) & 0xFFFFFFFF
        self.seq += 1
        self._send(TCP_ACK)
        return True

    def echo(self, data, timeout=10):
        """Send data, wait for the same bytes back; True if they came"""
        self._send(TCP_ACK | TCP_PSH, data)
        self.seq += len(data)
        got = b""
        end = time.time() + timeout
        while len(got) < len(data) and time.time() < end:
            f = self.g.wait(self._mine, end - time.time())
            if not f:
                break
            if f[47] & TCP_RST:
                return False
            ihl = (f[14] & 0xF) * 4
            tot = struct.unpack("!H", f[16:18])[0]
            doff = (f[14 + ihl + 12] >> 4) * 4
            seg = f[14 + ihl + doff:14 + tot]
            sseq = struct.unpack("!I", f[14 + ihl + 4:14 + ihl + 8])[0]
            if seg and sseq == self.rcv:
                got += seg
                self.rcv = (self.rcv + len(seg)) & 0xFFFFFFFF
                self._send(TCP_ACK)
        return got == data

    def close(self, timeout=10):
        """FIN, wait for the peer's FIN, acknowledge it"""
        self._send(TCP_ACK | TCP_FIN)
        self.seq += 1
        f = self.g.wait(lambda f: self._mine(f) and f[47] & TCP_FIN, timeout)
        if not f:
            return False
        self.rcv = (self.rcv + 1) & 0xFFFFFFFF
        self._send(TCP_ACK)
        return True


def cmd_synflood(a):
    """SYN flood with one connection that must keep working"""
    g = Guest(a.sock)
    fdst = socket.inet_pton(socket.AF_INET, a.flood_dst)
    edst = socket.inet_pton(socket.AF_INET, a.echo_dst)
    ports = random.sample(range(1024, 65536), a.count + 1)
    eport = ports.pop()
    flood = set(ports)
    lock = threading.Lock()
    st = {"rst": 0, "rst_first_s": None, "synack": 0, "other": 0}
    t0 = [0.0]

    def count(f):
        """Reader hook: count flood answers, pass the rest on"""
        if len(f) < 54 or f[12:14] != b"\x08\x00" or f[23] != 6 or \
           f[26:30] != fdst:
            return False
        sport, dport = struct.unpack("!HH", f[34:38])
        if sport != a.flood_port or dport not in flood:
            return False
        with lock:
            if f[47] & TCP_RST:
                st["rst"] += 1
                flood.discard(dport)
                if st["rst_first_s"] is None:
                    st["rst_first_s"] = round(time.time() - t0[0], 3)
            elif f[47] & TCP_SYN:
                st["synack"] += 1
            else:
                st["other"] += 1
        return True
    g.on_frame = count

    res = {"count": a.count}
    c = TcpClient(g, edst, a.echo_port, eport)
    res["echo_connect"] = c.connect()
    res["echo_before"] = res["echo_connect"] and c.echo(b"before the flood")

    t0[0] = time.time()
    batch = []
    for p in ports:
        batch.append(f_tcp4(p, a.flood_port, random.randrange(1 << 32), 0,
                            TCP_SYN, dst=fdst, opts=b"\x02\x04\x05\xb4"))
        if len(batch) == 256:
            g.send_raw(b"".join(struct.pack("!I", len(f)) + f
                                for f in batch))
            batch = []
    if batch:
        g.send_raw(b"".join(struct.pack("!I", len(f)) + f for f in batch))
    res["flood_send_s"] = round(time.time() - t0[0], 3)
    time.sleep(0.5)
    with lock:
        res["rst_after_0.5s"] = st["rst"]
    res["echo_during"] = res["echo_connect"] and c.echo(b"during the flood")
    with lock:
        res["rst_at_echo_during"] = st["rst"]

    end = time.time() + a.drain
    while time.time() < end:
        with lock:
            if not flood:
                break
        time.sleep(0.2)
    res["drain_s"] = round(time.time() - t0[0], 3)
    with lock:
        res.update(st)
        res["unanswered"] = len(flood)
    res["echo_after"] = res["echo_connect"] and c.echo(b"after the flood")
    res["echo_close"] = res["echo_connect"] and c.close()
    res["barrier"] = g.barrier()
    print(json.dumps(res, sort_keys=True), flush=True)
    if a.hold_until:
        end = time.time() + 120
        while not os.path.exists(a.hold_until) and time.time() < end:
            time.sleep(0.1)
        res["held"] = not g.closed
    ok = all(res[k] for k in ("echo_before", "echo_during", "echo_after",
                              "echo_close", "barrier")) and \
        not res["unanswered"] and res.get("held", True)
    if a.hold_until and not res["held"]:
        print("daemon closed the connection while we held it")
    return 0 if ok else 1


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("malformed")
    s.add_argument("sock")
    s = sub.add_parser("garbage")
    s.add_argument("sock")
    s.add_argument("--count", type=int, default=10000)
    s.add_argument("--seed", type=int, default=1)
    s = sub.add_parser("badlen")
    s.add_argument("sock")
    s.add_argument("--kind", choices=("zero", "over", "huge", "cut"),
                   required=True)
    s.add_argument("--timeout", type=float, default=5)
    s = sub.add_parser("synflood")
    s.add_argument("sock")
    s.add_argument("--count", type=int, default=10000)
    s.add_argument("--flood-dst", required=True)
    s.add_argument("--flood-port", type=int, default=80)
    s.add_argument("--echo-dst", required=True)
    s.add_argument("--echo-port", type=int, required=True)
    s.add_argument("--drain", type=float, default=60)
    s.add_argument("--hold-until", metavar="FILE",
                   help="after the results, stay connected until FILE exists")
    a = p.parse_args()
    return {"malformed": cmd_malformed, "garbage": cmd_garbage,
            "badlen": cmd_badlen, "synflood": cmd_synflood}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
