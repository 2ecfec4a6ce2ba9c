#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""seeds.py - Write the fuzz seed corpus: test/fuzz/corpus/<target>/<name>

Seeds are the frames a real guest sends (ARP request and probe, DHCP
DISCOVER/REQUEST/INFORM, DHCPv6 SOLICIT and INFORMATION-REQUEST, router and
neighbour solicitations, TCP SYN/data/FIN/RST over IPv4 and IPv6, UDP, ICMP
echo), built by the packet builders of test/tools/badguest.py, plus one stream of every
malformed class badguest.py sends. Each target gets its input format:

  tap_frames  stream bytes: 32-bit length prefix + frame, repeated
  arp         configuration byte 0 + Ethernet frame
  dhcp        configuration byte 0 + UDP payload to port 67
  dhcpv6      configuration byte 0 + UDP payload to port 547
  ndp         configuration byte 0 + address selector + ICMPv6 message
  tcp_flow    selector, SYN options, operations (see test/fuzz/tcp_flow.c)
  virtio      header, then guest memory with rings (see test/fuzz/virtio.c)

Run from anywhere; rewrites the files (deterministic content).
"""

import os
import struct
import sys

sys.dont_write_bytecode = True	# no __pycache__ beside the sources

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
import badguest as bg  # noqa: E402


def stream(*frames):
    """Frames in qemu stream framing"""
    return b"".join(struct.pack("!I", len(f)) + f for f in frames)


def write(target, name, data):
    """Write one seed file"""
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    s = bg.seed_frames()
    for name, f in s.items():
        write("tap_frames", name, stream(f))
    write("tap_frames", "tcp4_session",
          stream(s["tcp4_syn"], s["tcp4_ack_data"], s["tcp4_fin"],
                 s["tcp4_rst"]))
    write("tap_frames", "all_good", stream(*s.values()))
    write("tap_frames", "all_malformed",
          stream(*(f for _, f in bg.malformed_frames())))

    for name in ("arp_request", "arp_probe"):
        write("arp", name, b"\0" + s[name])
    write("arp", "arp_reply", b"\0" + bg.f_arp(op=2, dst=bg.OUR_MAC))

    for name in ("dhcp_discover", "dhcp_request", "dhcp_inform"):
        write("dhcp", name, b"\0" + s[name][14 + 20 + 8:])
    for name in ("dhcpv6_solicit", "dhcpv6_solicit_rapid", "dhcpv6_info"):
        write("dhcpv6", name, b"\0" + s[name][14 + 40 + 8:])
    req = bg.dhcpv6_msg(3, opts=bg.dhcpv6_opt(2, struct.pack("!HH", 3, 1) +
                                              bg.OUR_MAC) +
                        bg.dhcpv6_opt(3, bytes(12) + bg.dhcpv6_opt(
                            5, bg.GUEST6 + bytes(8))))
    write("dhcpv6", "dhcpv6_request", b"\0" + req)

    # ndp selector: source index | destination index << 3 (test/fuzz/ndp.c)
    for name, sel in (("ndp_rs", 1 | 0 << 3), ("ndp_ns_gw", 1 | 2 << 3),
                      ("ndp_ns_dad", 0 | 3 << 3), ("ndp_ns_ll", 1 | 4 << 3)):
        write("ndp", name, bytes([0, sel]) + s[name][14 + 40:])
    dad = bg.f_ns(target=bg.OUR_LL, src=bg.UNSPEC6)	# DAD for our address
    write("ndp", "ndp_ns_dad", bytes([0, 0 | 3 << 3]) + dad[14 + 40:])
    tcp_flow_seeds()
    virtio_seeds()
    return 0


def tcp_flow_seeds():
    """Connection scripts for tcp_flow: ops are (op, arg[, more bytes])"""
    syn_opts = b"\x02\x04\x05\xb4\x01\x03\x03\x07"	# MSS 1460, WS 7

    def script(sel, opts, *ops):
        return bytes([sel, len(opts)]) + opts + b"".join(ops)

    def data(b):
        return bytes([0, len(b)]) + b

    def seg(flags, seq_off=0, ack_off=0):
        return bytes([1, flags, seq_off & 0xFF, ack_off & 0xFF])

    def wnd(n):
        return bytes([2, n])

    def host_write(n):
        return bytes([3, n])

    def host(action):		# 0 SHUT_WR, 1 RST, 2 read, 3 SHUT_RD
        return bytes([4, action])

    def wait(tenths):
        return bytes([5, tenths])

    fin_ack = 0x11
    write("tcp_flow", "v4_exchange_close",
          script(0, syn_opts, data(b"hello"), host(2), host_write(1),
                 wnd(255), host(0), seg(fin_ack), wait(10)))
    write("tcp_flow", "v6_exchange_close",
          script(1, syn_opts, data(b"hello"), host(2), host_write(4),
                 wnd(255), seg(fin_ack), host(0), wait(10)))
    write("tcp_flow", "zero_window_probe",
          script(0, b"\x02\x04\x02\x18", wnd(0), host_write(255),
                 wait(20), wait(40), wait(80), wnd(255), wait(10)))
    write("tcp_flow", "host_reset",
          script(0, syn_opts, data(b"x" * 100), host_write(2), host(1),
                 seg(0x10)))
    write("tcp_flow", "out_of_window",
          script(0, b"", seg(0x10, 0x7F, 0), seg(0x10, 0, 0x7F),
                 seg(0x10, 0xFF, 0xFE), seg(0x12), seg(0x04, 0x41),
                 data(b"y" * 200)))
    write("tcp_flow", "no_handshake_ack",
          script(2, syn_opts, wait(30), wait(60), wait(120), seg(0x10)))
    write("tcp_flow", "guest_fin_first",
          script(0, syn_opts, seg(fin_ack), host(2), host_write(8),
                 wnd(64), host(0), wait(5), seg(0x10)))


def virtio_seeds():
    """Guest memory for virtio: rings and chains a driver lays out"""
    A_BYTES, B_GPA, AVAIL, DESC = 0x2000, 0x2000, 0x0, 0x210
    F_NEXT, F_WRITE, F_INDIRECT = 1, 2, 4
    INDIRECT, EVENT_IDX, UNPOP, WRITE = 0x10, 0x20, 0x40, 0x80

    def seed(name, log2, flags, chains, descs, tables=(), base=0, used=0,
             extra=0, pattern=0xa5):
        """chains: heads offered; descs: {index: (gpa, len, flags, next)};
        tables: (gpa, [(gpa, len, flags, next)...]) indirect tables"""
        size = 1 << log2
        mem = bytearray(A_BYTES + 0x1000)
        idx = base
        for head in chains:
            struct.pack_into("<H", mem, AVAIL + 4 + 2 * (idx % size), head)
            idx = (idx + 1) & 0xFFFF
        struct.pack_into("<HH", mem, AVAIL, 0, idx)
        for i, d in descs.items():
            struct.pack_into("<QIHH", mem, DESC + 16 * i, *d)
        for gpa, entries in tables:
            for i, d in enumerate(entries):
                struct.pack_into("<QIHH", mem, gpa + 16 * i, *d)
        hdr = bytes([log2 | flags, base & 0xFF, base >> 8, used & 0xFF,
                     used >> 8, pattern, extra, 0])
        write("virtio", name, hdr + bytes(mem).rstrip(b"\0"))

    buf = 0x1000		# buffers in region A, then B at 0x2000
    seed("tx_two_segments", 3, 0, [0, 2],
         {0: (buf, 12, F_NEXT, 1), 1: (buf + 12, 1500, 0, 0),
          2: (B_GPA, 60, 0, 0)})
    seed("rx_mergeable", 3, EVENT_IDX | WRITE, [0, 1, 2, 3],
         {i: (B_GPA + 0x400 * i, 0x400, F_WRITE, 0) for i in range(4)})
    seed("rx_unpop", 4, UNPOP | EVENT_IDX, list(range(6)),
         {i: (buf + 0x100 * i, 0x100, F_WRITE, 0) for i in range(6)})
    seed("indirect", 3, INDIRECT, [1, 0],
         {0: (buf, 10, 0, 0), 1: (B_GPA, 48, F_INDIRECT, 0)},
         [(B_GPA, [(buf + 0x10, 12, F_NEXT, 1), (buf + 0x20, 100, F_NEXT, 2),
                   (B_GPA + 0x100, 200, F_WRITE, 0)])])
    seed("direct_then_indirect", 3, INDIRECT, [0],
         {0: (buf, 12, F_NEXT, 5), 5: (B_GPA, 32, F_INDIRECT, 0)},
         [(B_GPA, [(buf + 0x40, 64, F_WRITE | F_NEXT, 1),
                   (buf + 0x80, 64, F_WRITE, 0)])])
    seed("index_wrap", 2, EVENT_IDX, [3, 2, 1, 0],
         {i: (buf + 0x40 * i, 0x40, F_WRITE, 0) for i in range(4)},
         base=0xFFFE, used=0xFFFE)
    seed("many_segments", 7, 0, [0],
         {i: (buf, 4, F_NEXT if i < 64 else 0, i + 1) for i in range(65)})
    seed("zero_length", 3, 0, [0],
         {0: (0xFFFFFFFFFFFFFFFF, 0, F_NEXT, 1), 1: (buf, 8, 0, 0)})
    seed("loop", 3, 0, [0], {0: (buf, 8, F_NEXT, 1), 1: (buf, 8, F_NEXT, 0)})
    seed("straddle", 3, 0, [0], {0: (B_GPA - 4, 8, 0, 0)})
    # writable buffer over the descriptor table and available ring: the
    # guest memory changes under the device between pops
    seed("write_over_rings", 3, WRITE, [0, 1, 2],
         {0: (DESC, 0x30, F_WRITE, 0), 1: (AVAIL, 8, F_WRITE, 0),
          2: (buf, 8, 0, 0)}, pattern=0x01)


if __name__ == "__main__":
    sys.exit(main())
