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
  vhost_user  front-end records: messages, memory writes, kicks (see
              test/fuzz/vhost_user.c)

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
    vhost_user_seeds(s)
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


# vhost-user requests (vhost-user.rst: Front-end message types)
(VU_GET_FEATURES, VU_SET_FEATURES, VU_SET_OWNER, VU_RESET_OWNER,
 VU_SET_MEM_TABLE, VU_SET_LOG_BASE, VU_SET_LOG_FD, VU_SET_VRING_NUM,
 VU_SET_VRING_ADDR, VU_SET_VRING_BASE, VU_GET_VRING_BASE, VU_SET_VRING_KICK,
 VU_SET_VRING_CALL, VU_SET_VRING_ERR, VU_GET_PROTOCOL_FEATURES,
 VU_SET_PROTOCOL_FEATURES, VU_GET_QUEUE_NUM, VU_SET_VRING_ENABLE,
 VU_SEND_RARP, VU_NET_SET_MTU) = range(1, 21)


def vhost_user_seeds(s):
    """Front-end scripts for vhost_user (record format: its header)"""
    mem_bytes, uva = 0x10000, 0x7F0000000000
    split, need_reply, bad_version, reply_flag = 1, 4, 8, 16
    fd_mem, fd_e0, fd_e1, fd_e2, fd_pipe, fd_short, fd_null, fd_ro = range(8)
    # rings: RX (queue 0) and TX (queue 1), 256 entries each; buffers above
    rings = ((0x0000, 0x1000, 0x2000), (0x3000, 0x4000, 0x5000))
    rx_buf, tx_buf, qsize = 0x8000, 0x6000, 256
    f_write, f_next, nofd = 2, 1, 1 << 8
    all_features = sum(1 << b for b in (0, 1, 7, 8, 11, 12, 15, 28, 29, 30,
                                        32))
    proto = 1 << 0 | 1 << 3			# MQ, REPLY_ACK

    def msg(req, payload=b"", fds=0, kind=fd_mem, op=0, size=None):
        size = len(payload) if size is None else size
        return (bytes([op, req, fds | kind << 4]) + struct.pack("<H", size) +
                payload)

    def u64(req, v, **kw):
        return msg(req, struct.pack("<Q", v), **kw)

    def state(req, q, num, **kw):
        return msg(req, struct.pack("<II", q, num), **kw)

    def addr(q, desc, used, avail, **kw):
        return msg(VU_SET_VRING_ADDR, struct.pack("<IIQQQQ", q, 0, desc,
                                                  used, avail, 0), **kw)

    def table(regions, kind=fd_mem, fds=None, **kw):
        """regions: (gpa, size, uva, offset)"""
        payload = struct.pack("<II", len(regions), 0)
        for r in regions:
            payload += struct.pack("<QQQQ", *r)
        return msg(VU_SET_MEM_TABLE, payload,
                   len(regions) if fds is None else fds, kind, **kw)

    def memw(off, data):
        out = b""
        for i in range(0, len(data), 255):
            chunk = data[i:i + 255]
            out += bytes([2]) + struct.pack("<HB", off + i, len(chunk)) + chunk
        return out

    def kick(efd, secs=0):
        return bytes([3 | efd << 2 | secs << 4])

    def whole_memory(op=need_reply):
        return table([(0, mem_bytes, uva, 0)], op=op)

    def vring_setup(q, base=0, op=need_reply):
        desc, avail, used = rings[q]
        return (state(VU_SET_VRING_NUM, q, qsize, op=op) +
                addr(q, uva + desc, uva + used, uva + avail, op=op) +
                state(VU_SET_VRING_BASE, q, base, op=op) +
                u64(VU_SET_VRING_CALL, q, fds=1, kind=fd_e2, op=op))

    def rx_buffers(n=4, size=0x800):
        desc, avail, _ = rings[0]
        out = b""
        for i in range(n):
            out += memw(desc + 16 * i, struct.pack(
                "<QIHH", rx_buf + size * i, size, f_write, 0))
        ring = struct.pack("<HH", 0, n) + b"".join(
            struct.pack("<H", i) for i in range(n))
        return out + memw(avail, ring)

    def tx_frames(frames, hdr_len=12, first=0):
        """One chain per frame: header and frame in one descriptor, but
        every second frame with the header in a descriptor of its own"""
        desc, avail, _ = rings[1]
        out, d, buf, heads = b"", 0, tx_buf, []
        for i, f in enumerate(frames):
            data = bytes(hdr_len) + f
            out += memw(buf, data)
            heads.append(d)
            if i % 2:
                out += memw(desc + 16 * d, struct.pack(
                    "<QIHH", buf, hdr_len, f_next, d + 1))
                out += memw(desc + 16 * (d + 1), struct.pack(
                    "<QIHH", buf + hdr_len, len(f), 0, 0))
                d += 2
            else:
                out += memw(desc + 16 * d, struct.pack(
                    "<QIHH", buf, len(data), 0, 0))
                d += 1
            buf += (len(data) + 15) & ~15
        idx = first + len(heads)
        ring = struct.pack("<HH", 0, idx)
        ring += b"".join(struct.pack("<H", h) for h in heads)
        return out + memw(avail, ring)

    def handshake(features=all_features, op=need_reply, base=0):
        """What qemu sends for a virtio-net device with vhost-user: op for
        messages after REPLY_ACK is in force, base for those before"""
        out = (msg(VU_GET_FEATURES, op=base) +
               msg(VU_GET_PROTOCOL_FEATURES, op=base) +
               u64(VU_SET_PROTOCOL_FEATURES, proto, op=base) +
               msg(VU_GET_QUEUE_NUM, op=base) + msg(VU_SET_OWNER, op=op) +
               u64(VU_SET_FEATURES, features, op=op) + whole_memory(op) +
               vring_setup(0, op=op) + vring_setup(1, op=op) + rx_buffers())
        for q, efd in ((0, fd_e0), (1, fd_e1)):
            out += u64(VU_SET_VRING_KICK, q, fds=1, kind=efd, op=op)
        for q in (0, 1):
            out += state(VU_SET_VRING_ENABLE, q, 1, op=op)
        return out + kick(fd_e0)

    def stop():
        """qemu stopping the device: GET_VRING_BASE, both queues"""
        return (state(VU_GET_VRING_BASE, 0, 0) +
                state(VU_GET_VRING_BASE, 1, 0))

    write("vhost_user", "handshake", handshake() + stop())
    write("vhost_user", "arp",
          handshake() + tx_frames([s["arp_request"]]) + kick(fd_e1) +
          kick(fd_e0))
    write("vhost_user", "traffic",
          handshake() + tx_frames([s["arp_request"], s["dhcp_discover"],
                                   s["ndp_ns_gw"], s["tcp4_syn"],
                                   s["icmp4_echo"], s["udp6"]]) +
          kick(fd_e1) + kick(3, 1) + kick(fd_e0) + stop())

    # No protocol features: rings enabled at once, 10-byte header
    legacy = all_features & ~(1 << 30 | 1 << 32 | 1 << 15)
    out = (msg(VU_GET_FEATURES) + u64(VU_SET_FEATURES, legacy) +
           table([(0, mem_bytes, uva, 0)]) + vring_setup(0, op=0) +
           vring_setup(1, op=0) + rx_buffers() +
           u64(VU_SET_VRING_KICK, 0, fds=1, kind=fd_e0) +
           u64(VU_SET_VRING_KICK, 1, fds=1, kind=fd_e1) +
           tx_frames([s["arp_request"], s["icmp4_echo"]], hdr_len=10) +
           kick(fd_e1) + kick(fd_e0))
    write("vhost_user", "legacy", out)

    # The memory table replaced under running rings: split in two regions,
    # then one that leaves the rings out (refused), then too many regions
    half = mem_bytes // 2
    write("vhost_user", "remap",
          handshake() +
          table([(0, half, uva, 0), (half, half, uva + half, half)],
                op=need_reply) +
          tx_frames([s["arp_request"]]) + kick(fd_e1) +
          table([(half, half, uva + half, half)], op=need_reply) +
          table([(i * 0x1000, 0x1000, uva + i * 0x1000, i * 0x1000)
                 for i in range(8)], op=need_reply) + stop())

    # Device reset and guest reboot: RESET_OWNER, rings stopped, restarted
    write("vhost_user", "reset",
          handshake() + msg(VU_RESET_OWNER, op=need_reply) + handshake() +
          state(VU_GET_VRING_BASE, 0, 0) + vring_setup(0, base=4) +
          u64(VU_SET_VRING_KICK, 0, fds=1, kind=fd_e0, op=need_reply) +
          kick(fd_e0))

    # Descriptors missing, extra, or of the wrong kind
    nr = need_reply
    region = [(0, mem_bytes, uva, 0)]
    write("vhost_user", "bad_fds",
          u64(VU_SET_PROTOCOL_FEATURES, proto) +
          table(region, fds=0, op=nr) + table(region, fds=2, op=nr) +
          table(region, kind=fd_pipe, op=nr) +
          table(region, kind=fd_null, op=nr) +
          table(region, kind=fd_ro, op=nr) +
          table(region, fds=9, op=nr) +
          table([(0, mem_bytes, uva, 0x1000)], op=nr) +
          u64(VU_SET_VRING_KICK, 0 | nofd, fds=1, kind=fd_e0, op=nr) +
          u64(VU_SET_VRING_KICK, 0, op=nr) +
          u64(VU_SET_VRING_KICK, 1, fds=2, kind=fd_e0, op=nr) +
          u64(VU_SET_VRING_CALL, 0 | nofd, op=nr) +
          u64(VU_SET_VRING_CALL, 1, fds=1, kind=fd_pipe, op=nr) +
          u64(VU_SET_VRING_ERR, 0, fds=1, kind=fd_e2, op=nr) +
          u64(VU_SET_VRING_ERR, 1 | nofd, op=nr) +
          u64(VU_SET_LOG_FD, 0, fds=1, kind=fd_e2, op=nr) +
          msg(VU_GET_FEATURES, fds=3, kind=fd_e0) +
          msg(VU_SET_OWNER, fds=15, kind=fd_mem | 8, op=nr))

    # Payload sizes and values a handler must refuse
    write("vhost_user", "bad_values",
          u64(VU_SET_PROTOCOL_FEATURES, proto) +
          msg(VU_SET_FEATURES, b"\0" * 4, op=nr) +
          u64(VU_SET_FEATURES, 1 << 63, op=nr) +
          u64(VU_SET_PROTOCOL_FEATURES, proto | 1 << 40, op=nr) +
          msg(VU_SET_VRING_NUM, b"\0" * 4, op=nr) +
          msg(VU_SET_VRING_NUM, b"\0" * 12, op=nr) +
          state(VU_SET_VRING_NUM, 2, 256, op=nr) +
          state(VU_SET_VRING_NUM, 0, 0, op=nr) +
          state(VU_SET_VRING_NUM, 1, 3, op=nr) +
          msg(VU_SET_VRING_ADDR, bytes(32), op=nr) +
          state(VU_SET_VRING_BASE, 0, 70000, op=nr) +
          msg(VU_GET_VRING_BASE, op=nr) + state(VU_GET_VRING_BASE, 7, 0) +
          state(VU_SET_VRING_ENABLE, 0, 2, op=nr) +
          msg(VU_SET_MEM_TABLE, bytes(8 + 31), op=nr) +
          table([], op=nr) +
          table([(0, 0, uva, 0)], op=nr) +
          table([(0, 1 << 63, uva, 1 << 63)], op=nr) +
          table([(0, mem_bytes, uva, 0), (0, mem_bytes, uva, 0)], op=nr) +
          u64(VU_NET_SET_MTU, 0, op=nr) + u64(VU_NET_SET_MTU, 1500, op=nr) +
          u64(VU_NET_SET_MTU, 65536, op=nr) +
          u64(VU_SEND_RARP, int.from_bytes(bg.GUEST_MAC, "little"), op=nr) +
          u64(VU_SET_LOG_BASE, 0, op=nr) + msg(42, b"xyz", op=nr) +
          msg(0, op=nr) + msg(255, bytes(64), op=nr) +
          # rings started with a queue size or addresses the table refuses
          whole_memory() + state(VU_SET_VRING_NUM, 1, 3) +
          u64(VU_SET_VRING_KICK, 1, fds=1, kind=fd_e1, op=nr) +
          state(VU_SET_VRING_NUM, 1, 256) + addr(1, 0, 0, 0) +
          u64(VU_SET_VRING_KICK, 1, fds=1, kind=fd_e1, op=nr))

    # Headers the daemon drops the front-end for, a new one each time
    write("vhost_user", "bad_headers",
          msg(VU_GET_FEATURES, op=bad_version) +
          msg(VU_GET_FEATURES, op=reply_flag) +
          msg(VU_SET_OWNER, size=5000) + msg(VU_GET_FEATURES) +
          msg(VU_SET_FEATURES, struct.pack("<Q", 0), size=16) +
          msg(VU_GET_QUEUE_NUM))

    # The whole handshake with each header read apart from its payload
    write("vhost_user", "split",
          handshake(op=need_reply | split, base=split) + stop())

    # A memory file shorter than the regions it is said to hold
    write("vhost_user", "short_file",
          u64(VU_SET_FEATURES, all_features & ~(1 << 30)) +
          table(region, kind=fd_short) + vring_setup(0, op=0) +
          u64(VU_SET_VRING_KICK, 0, fds=1, kind=fd_e0))


if __name__ == "__main__":
    sys.exit(main())
