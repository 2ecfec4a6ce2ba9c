#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test/perf/pasta.sh - pasta benchmark: our pasta against Debian's, the bare
# veth pair, and on the loopback path against plain loopback TCP, in the
# same run and topology
#
# Contenders (test/perf/lib.sh): "pasta" (this daemon started as pasta) and
# "dpasta" (Debian's pasta) serve the bed's guest namespace through their
# tap device there, and the client in that namespace reaches servers in the
# remote one through them; "veth" runs the same client in the host
# namespace, straight over the veth pair (the kernel's limit). On the
# loopback path, "pasta-splice" and "dpasta-splice" forward (-t) the host
# namespace's ports to the same servers run in the guest namespace, and the
# client connects to 127.0.0.1 in the host namespace; "lo" is plain
# loopback TCP in one namespace, the limit there. Debian's pasta relays the
# loopback path with splice(2), and so does ours (tcp_splice.c).
#
# Rounds are interleaved (ROUNDS, default 5) so that the machine's noise
# hits every contender alike; the table gives medians and ratios. Metrics
# as in test/perf/tcp.sh: bulk each way (iperf3, BULK_S seconds: "out" is
# client->server, namespace->remote or, for the splice rows, host->
# namespace; "in" the other way), 1-byte request/response rate and p50
# latency and connection rate (test/perf/rr.c), the daemon's CPU seconds
# per GB moved in the bulk runs, its peak RSS.
#
# Targets (issue 17), printed beside the table, never asserted: bulk >= 60%
# of veth each way, request/response and connection rate >= 1.5x Debian's
# pasta, RSS <= Debian's pasta's, the loopback path >= 50% of plain
# loopback TCP.
#
# Traffic goes only to the bed's own namespaces and their loopback.

set -u
# Before lib.sh, whose own default lists would win
: "${ROUNDS:=5}" "${BULK_S:=5}" "${RR_S:=3}"
: "${CONTENDERS:=pasta dpasta veth lo pasta-splice dpasta-splice}"
: "${RATIOS:=pasta/dpasta pasta/veth dpasta/veth pasta-splice/lo pasta-splice/dpasta-splice dpasta-splice/lo}"
. "$(dirname "$0")/lib.sh"

need_cmd iperf3
RR_BIN=$(perf_build_tool rr) || exit 1

perf_setup
# Servers in the remote namespace (pasta, dpasta, veth, lo) and in the
# guest one (the splice contenders' forwarded ports)
bed_bg in_remote iperf3 -s -p 5201 >/dev/null 2>&1
bed_bg in_remote "$RR_BIN" -s 7000
bed_bg in_guest iperf3 -s -p 5201 >/dev/null 2>&1
bed_bg in_guest "$RR_BIN" -s 7000
sleep 0.5

perf_rounds perf_tcp_measure
echo "pasta TCP, $ROUNDS rounds (out: client->server; namespace->remote," \
	"host->namespace for *-splice)"
perf_table "up_gbps:out Gbit/s" "down_gbps:in Gbit/s" \
	"rr_per_s:1-byte req/resp per s" "rr_p50_us:req/resp p50 us" \
	"conn_per_s:connections per s" "cpu_s_per_gb:daemon CPU s per GB" \
	"peak_rss_mib:daemon peak RSS MiB (own)"
echo "targets: pasta/veth >= 0.60x each way; pasta/dpasta >= 1.5x for" \
	"req/resp and connections, <= 1.00x for RSS; pasta-splice/lo >= 0.50x"
