#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test/perf/udp.sh - UDP benchmark: this daemon against Debian's passt,
# slirp4netns, a bare veth pair and a relay, in the same run and topology
#
# Contenders as in test/perf/lib.sh (relay: request/response only); rounds
# are interleaved (ROUNDS, default 3) and the table gives medians and
# ratios. Metrics:
# - bulk guest->remote and remote->guest: iperf3 -u, UDP_LEN-byte datagrams
#   (1400 by default: below the 1500-byte MTU of the host's veth, so no
#   fragments) offered at UDP_RATE (default 1G bit/s: the bare veth
#   carries that with about 1% loss on a quiet 2-core machine, the
#   translators do not, so received rate and loss show each one's limit;
#   when the machine is busy iperf3 itself falls short of it) for BULK_S
#   seconds; received Gbit/s and loss %;
# - 1-byte request/response: test/perf/udprr.c, one datagram in flight,
#   transactions per second and p50 latency;
# - daemon CPU seconds per GB received in the bulk runs, and peak RSS.
#
# Traffic goes only to the bed's own namespaces.

set -u
. "$(dirname "$0")/lib.sh"

: "${ROUNDS:=3}" "${BULK_S:=3}" "${RR_S:=2}"
: "${UDP_LEN:=1400}" "${UDP_RATE:=1G}"

need_cmd iperf3
UDPRR_BIN=$(perf_build_tool udprr) || exit 1

perf_setup
# Bound to the address the clients use: a server on the wildcard address
# would answer from the veth's address, which the clients' connected UDP
# sockets ignore
bed_bg in_remote iperf3 -s -p 5202 -B "$REMOTE4" >/dev/null 2>&1
bed_bg in_remote "$UDPRR_BIN" -s 7002 "$REMOTE4"
sleep 0.5

# iperf_udp ARGS - Run iperf3 -u, print "bytes bits_per_second lost_percent"
# as the receiver saw them
iperf_udp() {
	$RUN timeout $((BULK_S + 10)) iperf3 -c "$TARGET4" -p 5202 -u -b "$UDP_RATE" -l "$UDP_LEN" \
		-t "$BULK_S" -J "$@" 2>/dev/null | python3 -c '
import json, sys
try:
	e = json.load(sys.stdin)["end"]
	s = e.get("sum_received") or e["sum"]
	lost = e["sum"]["lost_percent"]
	print(int(s["bytes"]), s["bits_per_second"], lost)
except Exception:
	print(0, 0, 0)'
}

# measure NAME - One round of every metric for one contender
measure() {
	local name=$1 t0 t1 out bytes=0 bps lost b r
	if perf_measures_bulk "$name"; then
		t0=$([ -n "$DPID" ] && cpu_ticks "$DPID" || echo 0)
		read -r b bps lost <<<"$(iperf_udp)"
		if [ "$b" != 0 ]; then
			record "$name" up_gbps "$(awk -v b="$bps" 'BEGIN { print b / 1e9 }')"
			record "$name" up_loss "$lost"
		fi
		bytes=$((bytes + b))
		read -r b bps lost <<<"$(iperf_udp -R)"
		if [ "$b" != 0 ]; then
			record "$name" down_gbps "$(awk -v b="$bps" 'BEGIN { print b / 1e9 }')"
			record "$name" down_loss "$lost"
		fi
		bytes=$((bytes + b))
		t1=$([ -n "$DPID" ] && cpu_ticks "$DPID" || echo 0)
		record_cpu_per_gb "$name" $((t1 - t0)) "$bytes"
	fi
	out=$($RUN timeout $((RR_S + 10)) "$UDPRR_BIN" -c "$TARGET4" 7002 "$RR_S")
	r=$(awk '{ print $2 }' <<<"$out")
	[ -n "$r" ] && record "$name" rr_per_s "$r" &&
		record "$name" rr_p50_us "$(awk '{ print $4 }' <<<"$out")"
	perf_measures_bulk "$name" && record_peak_rss "$name"
}

perf_rounds measure
echo "UDP, $ROUNDS rounds, ${UDP_LEN}-byte datagrams offered at $UDP_RATE bit/s"
perf_table "up_gbps:guest->remote Gbit/s" "up_loss:guest->remote loss %" \
	"down_gbps:remote->guest Gbit/s" "down_loss:remote->guest loss %" \
	"rr_per_s:1-byte req/resp per s" "rr_p50_us:req/resp p50 us" \
	"cpu_s_per_gb:daemon CPU s per GB" "peak_rss_mib:daemon peak RSS MiB"
