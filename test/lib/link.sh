# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# test/lib/link.sh - Helpers for the link_*.sh cases (sourced, not a case):
# DHCPv4 with busybox udhcpc, DHCPv6 with a small client of our own (Debian's
# busybox has no udhcpc6), reading back what the guest was told.
#
# Sourced after lib.sh. API: link_udhcpc [UDHCPC ARGS] (lease in $LEASE4),
# lease4 KEY, link_dhcp6 [--rapid] (result in $LEASE6), lease6 KEY,
# guest_our_ll (our link-local address, from our MAC).

LEASE4=''
LEASE6=''

# link_udhcpc [ARGS...] - Run busybox udhcpc on tap0 once; the "bound"
# event's environment goes to $LEASE4 as KEY=VALUE lines. Returns its status.
link_udhcpc() {
	local script=$BED_DIR/udhcpc.sh
	LEASE4=$BED_DIR/lease4
	rm -f "$LEASE4"
	cat >"$script" <<-EOS
	#!/bin/sh
	# udhcpc event script: record what the lease carried
	case "\$1" in
	bound|renew)
		env | grep -E '^(interface|ip|subnet|router|dns|domain|search|mtu|hostname|lease|serverid|broadcast|opt81|fqdn)=' |
			sort >"$LEASE4.tmp" && mv "$LEASE4.tmp" "$LEASE4"
		;;
	esac
	exit 0
	EOS
	chmod 755 "$script"
	in_guest busybox udhcpc -i tap0 -f -q -n -t 3 -T 2 -s "$script" "$@" \
		>"$BED_DIR/udhcpc.log" 2>&1
}

# lease4 KEY - Value of KEY in the last DHCPv4 lease (empty if absent)
lease4() {
	sed -n "s/^$1=//p" "$LEASE4" 2>/dev/null
}

# link_dhcp6 [--rapid] - SOLICIT (and REQUEST) from tap0's link-local
# address; the result goes to $LEASE6 as KEY=VALUE lines. Returns 0 if the
# exchange completed.
link_dhcp6() {
	LEASE6=$BED_DIR/lease6
	rm -f "$LEASE6"
	in_guest python3 - "$@" >"$LEASE6" 2>"$BED_DIR/dhcp6.log" <<-'EOP'
	import ipaddress, os, socket, struct, sys

	IFACE = "tap0"
	rapid = "--rapid" in sys.argv
	mac = bytes.fromhex(open(f"/sys/class/net/{IFACE}/address").read()
			    .strip().replace(":", ""))
	duid = struct.pack("!HH", 3, 1) + mac
	idx = socket.if_nametoindex(IFACE)

	def opt(code, data=b""):
	    return struct.pack("!HH", code, len(data)) + data

	def opts(buf):
	    out, off = [], 0
	    while off + 4 <= len(buf):
	        code, l = struct.unpack_from("!HH", buf, off)
	        if off + 4 + l > len(buf):
	            raise ValueError("option overruns message")
	        out.append((code, buf[off + 4:off + 4 + l]))
	        off += 4 + l
	    if off != len(buf):
	        raise ValueError("trailing bytes")
	    return out

	def names(buf):		# RFC 1035 wire format, no compression
	    res, off = [], 0
	    while off < len(buf):
	        labels = []
	        while buf[off]:
	            labels.append(buf[off + 1:off + 1 + buf[off]].decode())
	            off += 1 + buf[off]
	        off += 1
	        res.append(".".join(labels))
	    return res

	s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
	s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, IFACE.encode())
	s.bind(("::", 546))
	s.settimeout(3)

	def exchange(mtype, extra, want):
	    xid = os.urandom(3)
	    msg = bytes([mtype]) + xid + opt(1, duid) + opt(8, b"\0\0") + \
	        opt(6, struct.pack("!HH", 23, 24)) + \
	        opt(3, struct.pack("!III", 1, 0, 0)) + extra
	    for _ in range(3):
	        s.sendto(msg, ("ff02::1:2", 547, 0, idx))
	        try:
	            while True:
	                data, peer = s.recvfrom(2048)
	                if data[1:4] == xid and data[0] == want:
	                    return data, peer
	        except socket.timeout:
	            continue
	    sys.exit(f"no reply of type {want} to type {mtype}")

	data, peer = exchange(1, opt(14) if rapid else b"", 7 if rapid else 2)
	o = dict(opts(data[4:]))
	if not rapid:
	    data, peer = exchange(3, opt(2, o[2]), 7)
	    o = dict(opts(data[4:]))
	print(f"type={data[0]}")
	print(f"server={peer[0].split('%')[0]}")
	print(f"serverid={o[2].hex()}")
	print(f"clientid_echoed={int(o.get(1) == duid)}")
	print(f"rapid={int(14 in o)}")
	ia = o.get(3)
	if ia:
	    sub = dict(opts(ia[12:]))
	    if 5 in sub:
	        a = sub[5]
	        print(f"ipv6={ipaddress.IPv6Address(a[:16])}")
	        print("preferred=%d valid=%d" % struct.unpack("!II", a[16:24]))
	    if 13 in sub:
	        print(f"ia_status={struct.unpack('!H', sub[13][:2])[0]}")
	if 23 in o:
	    d = o[23]
	    print("dns=" + " ".join(str(ipaddress.IPv6Address(d[i:i + 16]))
	                            for i in range(0, len(d), 16)))
	if 24 in o:
	    print("search=" + " ".join(names(o[24])))
	if 39 in o:
	    print("fqdn=" + " ".join(names(o[39][1:])))
	EOP
}

# lease6 KEY - Value of KEY in the last DHCPv6 result (empty if absent)
lease6() {
	sed -n "s/^$1=//p" "$LEASE6" 2>/dev/null
}

# guest_our_ll [MAC] - The daemon's link-local address, EUI-64 from MAC
# (default $OUR_MAC), as the guest sees it in `ip -6 route`
guest_our_ll() {
	python3 -c '
import ipaddress, sys
m = bytes.fromhex(sys.argv[1].replace(":", ""))
iid = bytes([m[0] ^ 2]) + m[1:3] + b"\xff\xfe" + m[3:6]
print(ipaddress.IPv6Address(b"\xfe\x80" + bytes(6) + iid))' "${1:-$OUR_MAC}"
}

# link_ra - Send a Router Solicitation from tap0 and print the first Router
# Advertisement as KEY=VALUE lines (flags, lifetime, src, prefix, mtu, rdnss,
# dnssl). Returns non-zero if none arrived within 3 s.
link_ra() {
	in_guest python3 - <<-'EOP'
	import ipaddress, socket, struct, sys, time

	idx = socket.if_nametoindex("tap0")
	s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
	s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
	s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"tap0")
	s.settimeout(1)
	for _ in range(3):
	    s.sendto(bytes([133, 0, 0, 0, 0, 0, 0, 0]), ("ff02::2", 0, 0, idx))
	    try:
	        while True:
	            m, peer = s.recvfrom(4096)
	            if m[0] == 134:
	                break
	        break
	    except socket.timeout:
	        continue
	else:
	    sys.exit("no router advertisement")

	def names(buf):
	    res, off = [], 0
	    while off < len(buf) and buf[off]:
	        labels = []
	        while buf[off]:
	            labels.append(buf[off + 1:off + 1 + buf[off]].decode())
	            off += 1 + buf[off]
	        off += 1
	        res.append(".".join(labels))
	    return res

	print(f"src={peer[0].split('%')[0]}")
	print(f"flags=0x{m[5]:02x}")
	print(f"lifetime={struct.unpack_from('!H', m, 6)[0]}")
	off = 16
	while off + 2 <= len(m):
	    t, l = m[off], m[off + 1] * 8
	    if not l or off + l > len(m):
	        sys.exit("bad option")
	    o = m[off:off + l]
	    if t == 3:
	        print(f"prefix={ipaddress.IPv6Address(o[16:32])}/{o[2]}")
	        print(f"prefix_flags=0x{o[3]:02x}")
	    elif t == 5:
	        print(f"mtu={struct.unpack_from('!I', o, 4)[0]}")
	    elif t == 25:
	        print("rdnss=" + " ".join(str(ipaddress.IPv6Address(o[i:i + 16]))
	                                  for i in range(8, l, 16)))
	    elif t == 31:
	        print("dnssl=" + " ".join(names(o[8:])))
	    off += l
	EOP
}
