#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
#
# tcp_delayed_ack - The ACK of a lone guest segment waits (1-2 ms) for host
# data to carry it, and never longer than that; two segments are acknowledged
# at once (RFC 1122 §4.2.3.2, RFC 5681 §4.2). From the daemon's own capture:
#   - echo: 200 one-byte exchanges (TCP_NODELAY both ends); at least 3 in 4
#     requests must be acknowledged by the echo itself, not by a pure ACK
#     (a daemon that acknowledges at once sends a pure ACK for every one);
#   - silent server: 10 lone bytes, 100 ms apart, while another connection
#     keeps delaying ACKs (echoes in a loop); each gets a pure ACK no sooner
#     than 0.9 ms (the wait is at least 1 ms, whatever other ACKs wait) and
#     no later than 100 ms after it, and the guest never resends one;
#   - 5 pairs of bytes sent back to back: the median delay of the ACK that
#     covers a pair is under 0.5 ms (no waiting for a second segment).

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/tcp.sh"

need_cmd python3
bed_setup
tcp_tool_init
PCAP=$BED_DIR/delack.pcap
tcp_start -p "$PCAP"
# Each send() its own segment: no autocorking of the pairs into one
in_guest sysctl -qw net.ipv4.tcp_autocorking=0

for port in 9300 9302; do
	bed_bg in_remote python3 "$TCPTOOL" echo-server "$REMOTE4" $port \
		>"$BED_DIR/echo$port.out"
	tcp_wait_file "$BED_DIR/echo$port.out" listening ||
		fail "echo server on $port did not start"
done
cat >"$BED_DIR/silent.py" <<'PYEOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 9301))
s.listen(1)
print("listening", flush=True)
c, _ = s.accept()
while c.recv(4096):
    pass
PYEOF
bed_bg in_remote python3 "$BED_DIR/silent.py" "$REMOTE4" >"$BED_DIR/silent.out"
tcp_wait_file "$BED_DIR/silent.out" listening ||
	fail "silent server did not start"

in_guest python3 - "$REMOTE4" <<'PYEOF' || fail "guest client failed"
import socket, sys, threading, time
def conn(port):
    s = socket.create_connection((sys.argv[1], port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s
e = conn(9300)
for i in range(200):
    e.send(b"x")
    if e.recv(1) != b"x":
        sys.exit("bad echo")
e.close()
stop = threading.Event()
def busy():
    b = conn(9302)
    while not stop.is_set():
        b.send(b"z")
        if b.recv(1) != b"z":
            sys.exit("bad echo")
    b.close()
t = threading.Thread(target=busy)
t.start()
q = conn(9301)
for i in range(10):
    time.sleep(0.1)
    q.send(b"y")
time.sleep(0.1)
stop.set()
t.join()
for i in range(5):
    q.send(b"a")
    q.send(b"b")
    time.sleep(0.2)
q.close()
PYEOF
sleep 0.5

python3 - "$PCAP" "$BED_TOOLS_DIR" <<'PYEOF' || fail "delayed ACK checks failed"
import statistics, sys
sys.path.insert(0, sys.argv[2])
from guestsock import tcp4_segments

segs = []	# (t, from_guest, port, seq, ack, flags, plen)
for t, sp, dp, seq, ack, flags, plen in tcp4_segments(sys.argv[1]):
    if dp in (9300, 9301):
        segs.append((t, True, dp, seq, ack, flags, plen))
    elif sp in (9300, 9301):
        segs.append((t, False, sp, seq, ack, flags, plen))

def acker(i):
    """First daemon segment after guest data segment i that covers it"""
    t, _, port, seq, _, _, plen = segs[i]
    end = (seq + plen) & 0xffffffff
    for s in segs[i + 1:]:
        if not s[1] and s[2] == port and s[5] & 0x10 and \
           (s[4] - end) & 0xffffffff < 1 << 31:
            return s
    return None

ok = True
data = [i for i, s in enumerate(segs) if s[1] and s[2] == 9300 and s[6]]
rides = sum(1 for i in data if acker(i) and acker(i)[6] > 0)
print("echo: %d requests, %d acknowledged by the echo" % (len(data), rides))
if len(data) < 200 or rides * 4 < len(data) * 3:
    ok = False
    print("FAIL: too many pure ACKs")

data = [i for i, s in enumerate(segs) if s[1] and s[2] == 9301 and s[6]]
lone, pairs = data[:10], []
seqs = [segs[i][3] for i in lone]
if len(set(seqs)) != len(seqs):
    ok = False
    print("FAIL: the guest resent a lone byte")
# A pair's second segment may be sent again by the guest's tail loss probe
# (2 RTT + 2 jiffies: 8 ms or so here) when the whole machine stalls that
# long, as under the parallel cases of make check: the first copy of each
# segment counts, the probe is only reported
for i in data[10:]:
    if any(segs[j][3] == segs[i][3] for j in pairs):
        print("pairs: the guest resent seq %d (a loss probe)" % segs[i][3])
    else:
        pairs.append(i)
for i in lone:
    a = acker(i)
    d = (a[0] - segs[i][0]) * 1000 if a else None
    print("lone byte: ACK after %s ms" % ("none" if d is None else "%.3f" % d))
    if d is None or a[6] or not 0.9 <= d <= 100:
        ok = False
        print("FAIL: lone ACK outside 0.9-100 ms")
delays = []
if len(pairs) != 10:
    ok = False
    print("FAIL: %d segments for 5 pairs" % len(pairs))
else:
    for i in pairs[1::2]:
        a = acker(i)
        if a:
            delays.append((a[0] - segs[i][0]) * 1000)
print("pairs: ACK delays %s ms" % ", ".join("%.3f" % d for d in delays))
if len(delays) < 5 or statistics.median(delays) >= 0.5:
    ok = False
    print("FAIL: pairs not acknowledged at once")
sys.exit(0 if ok else 1)
PYEOF
tcp_expect_no_flows
pass
