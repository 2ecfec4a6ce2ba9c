#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 300
# backends: stream (the guest side speaks the stream framing itself)
#
# hostile_frames - A bad guest (test/tools/badguest.py) on the daemon's socket
# sends one frame of every malformed class (truncated Ethernet, VLAN tags,
# bad IPv4 IHL/version, IPv4 total length beyond the frame, fragments, bad
# header checksum, truncated IPv6, IPv6 payload length beyond the frame,
# broken extension headers, TCP data offset out of range, bad UDP length,
# short ICMP, unknown protocols, broken ARP and DHCP): each is dropped and
# counted under its reason (SIGUSR1 counter dump), nothing else is. Then
# random garbage, twice (20,000 frames each; at least half must be counted
# as drops, the rest is answered or refused), then abusive length prefixes
# (zero, above the limit, 0xffffffff: connection dropped; half a frame then
# hang-up), each time reconnecting. The daemon survives all of it; afterwards a
# well-behaved guest (tapbridge) gets its DHCP lease and downloads 50 MB
# intact (sha256).
#
# Memory: the daemon allocates nothing after start-up, so its resident set
# can only grow by touching its static tables. VmRSS at the end must not
# exceed VmRSS after start-up plus the size of its static data (data + bss,
# from size(1); RSS_STATIC_FALLBACK_KB if size(1) is missing) plus
# RSS_SLACK_KB for stack, libc buffers and page granularity. A second
# garbage run, identical in size to the first, must not grow VmRSS by more
# than RSS_STEADY_KB: a leak per frame would.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/link.sh"
. "$(dirname "$0")/../lib/tcp.sh"

BADGUEST=$BED_TOP/test/tools/badguest.py
RSS_SLACK_KB=4096		# stack, libc, page granularity
RSS_STATIC_FALLBACK_KB=32768	# if size(1) cannot tell the static data
RSS_STEADY_KB=2048		# growth allowed between two garbage runs
GARBAGE_FRAMES=20000

need_cmd python3
need_cmd busybox
bed_setup
tcp_tool_init

# vmrss - Resident set of the daemon, KiB
vmrss() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$PASST_PID/status"
}

# counters FILE - SIGUSR1; write the new dump's "REASON COUNT" lines to FILE
counters() {
	local n
	n=$(grep -c 'counter dropped_' "$BED_DIR/passt.log")
	kill -USR1 "$PASST_PID" || fail "SIGUSR1: daemon gone"
	wait_for sh -c "[ \$(grep -c 'counter dropped_' '$BED_DIR/passt.log') -gt $n ]" ||
		fail "no counter dump after SIGUSR1"
	sleep 0.3	# the rest of the dump, written by the same handler call
	awk -v skip="$n" '/counter dropped_/ { if (++i > skip) {
		sub(/.*counter dropped_/, ""); sub(/:/, ""); print } }' \
		"$BED_DIR/passt.log" >"$1"
	[ -s "$1" ] || fail "empty counter dump"
}

SESSIONS=0

# session CMD ARGS... - Run a badguest.py command as a new guest connection,
# once the daemon has let the previous one go
session() {
	wait_for sh -c "[ \$(grep -c 'Guest disconnected' '$BED_DIR/passt.log') -ge $SESSIONS ]" ||
		fail "daemon did not notice guest connection $SESSIONS leave"
	SESSIONS=$((SESSIONS + 1))
	python3 "$BADGUEST" "$@"
}

# compare_counters BEFORE AFTER EXPECTED_JSON - Deltas must equal EXPECTED
# for every reason (absent: 0)
compare_counters() {
	python3 - "$1" "$2" "$3" <<-'EOP'
	import json, sys
	def load(p):
	    return {l.split()[0]: int(l.split()[1]) for l in open(p) if l.strip()}
	b, a = load(sys.argv[1]), load(sys.argv[2])
	want = json.loads(sys.argv[3])
	bad = 0
	for r in sorted(set(a) | set(want)):
	    d = a.get(r, 0) - b.get(r, 0)
	    ok = d == want.get(r, 0)
	    bad += not ok
	    print("    %-10s %4d (want %d)%s" % (r, d, want.get(r, 0),
	                                         "" if ok else "  <-- wrong"))
	for r in want:
	    if r not in a:
	        print("    %s: no such counter in the dump" % r); bad += 1
	sys.exit(1 if bad else 0)
	EOP
}

# sum_delta BEFORE AFTER - Total of all counter increases
sum_delta() {
	awk 'NR == FNR { b[$1] = $2; next } { s += $2 - b[$1] } END { print s }' \
		"$1" "$2"
}

bed_start_daemon
rss0=$(vmrss)
static_kb=$(size "$PASST_BIN" 2>/dev/null |
	    awk 'NR == 2 { print int(($2 + $3) / 1024) + 1 }')
[ -n "$static_kb" ] || static_kb=$RSS_STATIC_FALLBACK_KB
rss_max=$((rss0 + static_kb + RSS_SLACK_KB))
echo "VmRSS after start-up: $rss0 KiB; static data $static_kb KiB;" \
	"limit $rss_max KiB"

# 1. One frame of each malformed class: exact counts per reason
counters "$BED_DIR/c0"
want=$(session malformed "$SOCK") || fail "malformed frames: $want"
echo "expected drops: $want"
counters "$BED_DIR/c1"
compare_counters "$BED_DIR/c0" "$BED_DIR/c1" "$want" ||
	fail "drop counters do not match the malformed frames sent"
daemon_alive || fail "daemon died on malformed frames"

# 2. Random garbage, twice: dropped and counted, memory steady
seed=$RANDOM
session garbage "$SOCK" --count "$GARBAGE_FRAMES" --seed "$seed" ||
	fail "garbage run 1 (seed $seed): daemon stuck or connection dropped"
counters "$BED_DIR/c2"
rss1=$(vmrss)
dropped=$(sum_delta "$BED_DIR/c1" "$BED_DIR/c2")
echo "garbage (seed $seed): $dropped of $GARBAGE_FRAMES frames counted as" \
	"dropped; VmRSS $rss1 KiB"
[ "$dropped" -ge $((GARBAGE_FRAMES / 2)) ] ||
	fail "only $dropped garbage frames counted as drops"
session garbage "$SOCK" --count "$GARBAGE_FRAMES" --seed $((seed + 1)) ||
	fail "garbage run 2 (seed $((seed + 1))): daemon stuck or dropped us"
rss2=$(vmrss)
echo "second garbage run: VmRSS $rss2 KiB"
[ "$rss2" -le $((rss1 + RSS_STEADY_KB)) ] ||
	fail "VmRSS grew $((rss2 - rss1)) KiB over an identical garbage run"
daemon_alive || fail "daemon died on garbage"

# 3. Length prefix abuse: the connection goes, the daemon stays
for kind in zero over huge cut; do
	session badlen "$SOCK" --kind "$kind" || fail "length prefix '$kind'"
	wait_for sh -c "[ \$(grep -c 'Guest disconnected' '$BED_DIR/passt.log') -ge $SESSIONS ]" ||
		fail "daemon did not drop the guest after length prefix '$kind'"
	daemon_alive || fail "daemon died on length prefix '$kind'"
done
grep -q 'frame length of 0 bytes' "$BED_DIR/passt.log" ||
	fail "zero length not logged"
grep -q 'frame length of 4294967295 bytes' "$BED_DIR/passt.log" ||
	fail "length 0xffffffff not logged"

rss3=$(vmrss)
echo "VmRSS after the abuse: $rss3 KiB"
[ "$rss3" -le "$rss_max" ] ||
	fail "VmRSS $rss3 KiB above $rss_max KiB after the abuse"

# 4. A well-behaved guest: DHCP lease, then a verified 50 MB download
wait_for sh -c "[ \$(grep -c 'Guest disconnected' '$BED_DIR/passt.log') -ge $SESSIONS ]" ||
	fail "daemon did not let the last bad guest go"
bed_connect_guest
link_udhcpc || { cat "$BED_DIR/udhcpc.log"; fail "no DHCP lease after abuse"; }
[ "$(lease4 ip)" = "$HOST4" ] || fail "lease gave '$(lease4 ip)'"
guest_static_config
head -c $((50 * 1024 * 1024)) /dev/urandom >"$BED_DIR/src"
want=$(tcp_sha "$BED_DIR/src")
bed_bg in_remote python3 "$TCPTOOL" send-server "$REMOTE4" 9000 \
	"$BED_DIR/src" >"$BED_DIR/srv.out"
tcp_wait_file "$BED_DIR/srv.out" listening || fail "server did not start"
timeout 90 ip netns exec "$NS_GUEST" python3 "$TCPTOOL" get "$REMOTE4" \
	9000 "$BED_DIR/dst" || fail "50 MB download after abuse failed"
[ "$(tcp_sha "$BED_DIR/dst")" = "$want" ] ||
	fail "download: $(stat -c %s "$BED_DIR/dst") bytes, sha256 differs"

rss4=$(vmrss)
echo "VmRSS after the transfer: $rss4 KiB (limit $rss_max KiB)"
[ "$rss4" -le "$rss_max" ] ||
	fail "VmRSS $rss4 KiB above $rss_max KiB"
daemon_alive || fail "daemon died"
pass
