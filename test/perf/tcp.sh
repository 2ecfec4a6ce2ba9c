#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test/perf/tcp.sh - TCP benchmark: this daemon against Debian's passt,
# slirp4netns and a bare veth pair, in the same run and the same topology
#
# Every contender sits between the guest namespace and the remote one of the
# e2e bed (test/e2e/lib.sh): ours and Debian passt through test/tapbridge,
# slirp4netns on its own tap device, veth as the physical limit (client in
# the host namespace, straight over the veth). Rounds are interleaved
# (ROUNDS, default 5) so that the machine's noise hits every contender alike;
# the table gives medians and ratios. Metrics: bulk throughput guest->remote
# and remote->guest (iperf3, BULK_S seconds each), 1-byte request/response
# rate and p50 latency, connection rate (test/perf/rr.c), daemon CPU seconds
# per GB moved in the bulk runs, and the daemon's peak RSS.
#
# Traffic goes only to the bed's own namespaces.

set -u
. "$(dirname "$0")/../e2e/lib.sh"

: "${ROUNDS:=5}" "${BULK_S:=5}" "${RR_S:=3}"
: "${CONTENDERS:=ours passt slirp4netns veth}"
: "${O:=build}"
RR_BIN=$BED_TOP/$O/tools/rr
RESULTS=$(mktemp /tmp/passt-bench.XXXXXX)

need_cmd iperf3
mkdir -p "$(dirname "$RR_BIN")"
cc -O2 -Wall -Wextra -Werror -o "$RR_BIN" "$BED_TOP/test/perf/rr.c" ||
	fail "cannot build $RR_BIN"

bed_setup
# Static addressing only: no SLAAC routes from a contender's RAs
in_guest sysctl -qw net.ipv6.conf.default.accept_ra=0
bed_bg in_remote iperf3 -s -p 5201
bed_bg in_remote "$RR_BIN" -s 7000
sleep 0.5

# cpu_ticks PID - utime + stime of PID, clock ticks
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}

# record CONTENDER METRIC VALUE
record() {
	echo "$1 $2 $3" >>"$RESULTS"
}

# start_contender NAME - Bring up NAME; sets RUN (command prefix for the
# client side), DPID (daemon PID to measure, or empty), TARGET4
start_contender() {
	TARGET4=$REMOTE4 DPID=
	case "$1" in
	ours|passt)
		if [ "$1" = ours ]; then PASST_BIN=$PASST; else
			PASST_BIN=$(command -v passt) ||
				{ echo "no Debian passt"; return 1; }
		fi
		bed_start_daemon -q || return 1
		bed_connect_guest -n 65520 || return 1
		guest_static_config
		DPID=$PASST_PID RUN=in_guest
		;;
	slirp4netns)
		command -v slirp4netns >/dev/null || return 1
		bed_bg in_guest sleep 3600
		SLEEP_PID=$BG_PID
		bed_bg in_host slirp4netns --configure --mtu=65520 \
			--disable-host-loopback "$SLEEP_PID" tap0
		DPID=$BG_PID RUN=in_guest
		wait_for in_guest ip route get "$REMOTE4" || return 1
		;;
	veth)
		RUN=in_host
		;;
	esac
}

# stop_contender NAME
stop_contender() {
	case "$1" in
	ours|passt)
		bed_disconnect_guest
		bed_stop_daemon >/dev/null 2>&1
		;;
	slirp4netns)
		bed_kill "$DPID"
		bed_kill "$SLEEP_PID"
		;;
	veth) ;;
	esac
	in_guest ip link del tap0 2>/dev/null
	return 0
}

# iperf_bytes_bps ARGS - Run iperf3, print "bytes bits_per_second"
iperf_run() {
	$RUN iperf3 -c "$TARGET4" -p 5201 -t "$BULK_S" -J "$@" 2>/dev/null |
		python3 -c '
import json, sys
try:
	s = json.load(sys.stdin)["end"]["sum_received"]
	print(int(s["bytes"]), s["bits_per_second"])
except Exception:
	print(0, 0)'
}

# measure NAME - One round of every metric for one contender
measure() {
	local name=$1 t0 t1 out bytes=0 bps b r
	t0=$([ -n "$DPID" ] && cpu_ticks "$DPID" || echo 0)
	read -r b bps <<<"$(iperf_run)"
	[ "$b" != 0 ] && record "$name" up_gbps "$(echo "$bps" | awk '{ print $1 / 1e9 }')"
	bytes=$((bytes + b))
	read -r b bps <<<"$(iperf_run -R)"
	[ "$b" != 0 ] && record "$name" down_gbps "$(echo "$bps" | awk '{ print $1 / 1e9 }')"
	bytes=$((bytes + b))
	t1=$([ -n "$DPID" ] && cpu_ticks "$DPID" || echo 0)
	if [ -n "$DPID" ] && [ "$bytes" -gt 0 ]; then
		record "$name" cpu_s_per_gb "$(awk -v t=$((t1 - t0)) \
			-v hz="$(getconf CLK_TCK)" -v b="$bytes" \
			'BEGIN { print t / hz / (b / 1e9) }')"
	fi
	out=$($RUN "$RR_BIN" -c "$TARGET4" 7000 "$RR_S" rr)
	r=$(awk '{ print $2 }' <<<"$out")
	[ -n "$r" ] && record "$name" rr_per_s "$r" &&
		record "$name" rr_p50_us "$(awk '{ print $4 }' <<<"$out")"
	out=$($RUN "$RR_BIN" -c "$TARGET4" 7000 "$RR_S" crr)
	r=$(awk '{ print $2 }' <<<"$out")
	[ -n "$r" ] && record "$name" conn_per_s "$r"
	if [ -n "$DPID" ]; then
		record "$name" peak_rss_mib "$(awk '/VmHWM/ { print $2 / 1024 }' \
			"/proc/$DPID/status")"
	fi
}

for ((round = 1; round <= ROUNDS; round++)); do
	for name in $CONTENDERS; do
		echo "round $round: $name" >&2
		if start_contender "$name"; then
			measure "$name"
		else
			echo "  $name unavailable this round" >&2
		fi
		stop_contender "$name"
	done
done

python3 - "$RESULTS" $CONTENDERS <<'PY'
import statistics, sys
path, names = sys.argv[1], sys.argv[2:]
vals = {}
for line in open(path):
    n, m, v = line.split()
    vals.setdefault((n, m), []).append(float(v))
metrics = [("up_gbps", "guest->remote Gbit/s"), ("down_gbps", "remote->guest Gbit/s"),
           ("rr_per_s", "1-byte req/resp per s"), ("rr_p50_us", "req/resp p50 us"),
           ("conn_per_s", "connections per s"), ("cpu_s_per_gb", "daemon CPU s per GB"),
           ("peak_rss_mib", "daemon peak RSS MiB")]
def med(n, m):
    v = vals.get((n, m))
    return statistics.median(v) if v else None
hdr = "%-24s" % "metric (median)" + "".join("%12s" % n for n in names) + "%12s%12s" % ("ours/passt", "ours/veth")
print(hdr)
for m, label in metrics:
    row = "%-24s" % label
    for n in names:
        v = med(n, m)
        row += "%12s" % ("-" if v is None else ("%.2f" % v if v < 100 else "%.0f" % v))
    o, p, w = med("ours", m), med("passt", m), med("veth", m)
    row += "%12s" % ("%.2fx" % (o / p) if o and p else "-")
    row += "%12s" % ("%.2fx" % (o / w) if o and w else "-")
    print(row)
n = [len(v) for v in vals.values()]
print("samples per cell: %d to %d ('-': contender failed or metric n/a)"
      % (min(n or [0]), max(n or [0])))
PY
rm -f "$RESULTS"
