# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash disable=SC2034 # variables for the callers
# test/perf/lib.sh - What the benchmarks share: the contenders, the results
# file, the table of medians (sourced by test/perf/*.sh, not run itself)
#
# Contenders, all between the guest namespace and the remote one of the e2e
# bed (test/lib/bed.sh): "ours" and Debian's "passt" through test/tools/tapbridge,
# "vhost" (ours on the vhost-user back-end, test/tools/vhost_front as the
# guest's side, its tap device with IFF_VNET_HDR as a VM's NIC would be),
# "slirp4netns" on its own tap device, "veth" as the physical limit (client
# in the host namespace, straight over the veth pair), "relay" as the floor
# of latency through the bridge (below).
#
# The relay contender: a second test/tools/tapbridge (-l) takes the daemon's place
# on the socket and writes the guest's frames to a tap device in the host
# namespace, whose kernel routes them (RELAY_NET, RFC 2544's benchmarking
# range, and a route back in the remote namespace). No translation at all:
# one read() and one write() per frame and per hop, the same six wake-ups
# per exchange as through a daemon. Whatever a daemon does, its request/
# response and connection rates through this bed cannot beat the relay's by
# much; the relay's bulk figures would measure 1500-byte frames, not a
# floor, so the benchmarks record only its request/response metrics, but
# under impairment (below), where its bulk figure is that of the kernel's
# own TCP endpoints on both sides of the same lossy link.
#
# pasta contenders (test/perf/pasta.sh): the "guest" is the namespace
# itself, served through a tap device the daemon makes there (tap0), with
# the remote reached through the daemon in the host namespace: "pasta" is
# ours (this binary started as pasta), "dpasta" Debian's pasta; "lo" is
# plain loopback TCP (client and servers in the remote namespace, to
# 127.0.0.1), the limit of the loopback path: "pasta-splice" and
# "dpasta-splice" forward the host namespace's ports of the servers (-t) to
# the same servers run in the guest namespace, and the client connects to
# them on the host's 127.0.0.1. Debian's pasta relays such connections with
# splice(2) between two sockets, and so does ours (tcp_splice.c).
#
# A contender's name may end in @MTU (ours@1500, vhost@1500): the guest's
# tap device then has that MTU instead of $GUEST_MTU. It may then end in
# +loss or +reorder (ours+loss, relay+reorder, ours@1500+loss): the guest's
# side of the link drops 1%, or holds back 3%, of TCP frames each way
# (test/tools/impair.h, perf_impair_args()).
#
# API: perf_setup (sources the bed, sets RESULTS), start_contender NAME (sets
# RUN, DPID, TARGET4), stop_contender NAME, cpu_ticks PID, record NAME METRIC
# VALUE, record_cpu_per_gb NAME TICKS BYTES, record_peak_rss NAME,
# perf_tcp_measure NAME (one round of the TCP metrics, with $RR_BIN),
# perf_table KEY:LABEL... (prints medians and ratios).

. "$(dirname "${BASH_SOURCE[0]}")/../lib/bed.sh"

: "${CONTENDERS:=ours vhost passt slirp4netns veth relay}"
: "${RELAY_NET:=198.18.0}"	# /24: .1 relay's tap, .2 the guest
: "${O:=build}"
: "${GUEST_MTU:=65520}"
RESULTS=

# perf_build_tool NAME - Build test/perf/NAME.c into $O/tools/NAME, print
# its path
perf_build_tool() {
	local bin=$BED_TOP/$O/tools/$1
	mkdir -p "$(dirname "$bin")"
	cc -O2 -Wall -Wextra -Werror -o "$bin" "$BED_TOP/test/perf/$1.c" ||
		fail "cannot build $bin"
	echo "$bin"
}

# perf_setup - Create the bed and the results file (removed at exit)
perf_setup() {
	bed_setup
	RESULTS=$BED_DIR/results
	: >"$RESULTS"
	# Static addressing only: no SLAAC routes from a contender's RAs
	in_guest sysctl -qw net.ipv6.conf.default.accept_ra=0
}

# cpu_ticks PID - utime + stime of PID, clock ticks
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}

# record CONTENDER METRIC VALUE
record() {
	if [ -z "${3:-}" ]; then
		echo "$1 $2: no value (contender gone?), not recorded" >&2
		return 0
	fi
	echo "$1 $2 $3" >>"$RESULTS"
}

# record_cpu_per_gb NAME TICKS BYTES - Record the daemon's CPU seconds per
# GB moved, from its clock ticks over BYTES (nothing without a daemon)
record_cpu_per_gb() {
	[ -n "$DPID" ] && [ "$3" -gt 0 ] || return 0
	record "$1" cpu_s_per_gb "$(awk -v t="$2" -v hz="$(getconf CLK_TCK)" \
		-v b="$3" 'BEGIN { print t / hz / (b / 1e9) }')"
}

# record_peak_rss NAME - Record the daemon's own peak RSS, MiB: VmHWM less
# the shared memory resident now (RssShmem: a vhost-user guest's memory,
# mapped by the daemon but the guest's, which stays resident once touched),
# and that guest memory apart (guest_mapped_mib)
record_peak_rss() {
	[ -n "$DPID" ] || return 0
	if [ ! -r "/proc/$DPID/status" ]; then
		echo "$1: daemon $DPID gone, no peak RSS" >&2
		return 0
	fi
	record "$1" peak_rss_mib "$(awk '/^VmHWM/ { h = $2 }
		/^RssShmem/ { m = $2 } END { print (h - m) / 1024 }' \
		"/proc/$DPID/status")"
	record "$1" guest_mapped_mib "$(awk '/^RssShmem/ { print $2 / 1024 }' \
		"/proc/$DPID/status")"
}

# start_contender NAME - Bring up NAME; sets RUN (command prefix for the
# client side), DPID (daemon PID to measure, or empty), TARGET4; clears the
# helper PIDs first, so stop_contender never kills one left from a round
# before (every stop follows its own start)
start_contender() {
	local mtu=$GUEST_MTU
	TARGET4=$REMOTE4 DPID= SLEEP_PID= RELAY_PID=
	case "$1" in *@*) mtu=${1#*@}; mtu=${mtu%%+*} ;; esac
	perf_impair_args "$1" || return 1
	case "${1%%[@+]*}" in
	ours|passt)
		if [ "${1%@*}" = ours ]; then PASST_BIN=$PASST; else
			PASST_BIN=$(command -v passt) ||
				{ echo "no Debian passt"; return 1; }
		fi
		bed_start_daemon -q || return 1
		# shellcheck disable=SC2086 # words on purpose
		bed_connect_guest -n "$mtu" $IMPAIR_ARGS || return 1
		guest_static_config
		DPID=$PASST_PID RUN=in_guest
		;;
	vhost)
		PASST_BIN=$PASST
		BACKEND=vhost-user bed_start_daemon -q || return 1
		# shellcheck disable=SC2086 # words on purpose
		BACKEND=vhost-user VHOST_FRONT_ARGS="--ring 1024 --mem 256" \
			bed_connect_guest -n "$mtu" $IMPAIR_ARGS || return 1
		guest_static_config
		DPID=$PASST_PID RUN=in_guest
		;;
	slirp4netns)
		command -v slirp4netns >/dev/null || return 1
		bed_bg in_guest sleep 3600
		SLEEP_PID=$BG_PID
		bed_bg in_host slirp4netns --configure --mtu="$GUEST_MTU" \
			--disable-host-loopback "$SLEEP_PID" tap0
		DPID=$BG_PID RUN=in_guest
		wait_for in_guest ip route get "$REMOTE4" || return 1
		;;
	pasta|dpasta|pasta-splice|dpasta-splice)
		pasta_contender_start "$1" "$mtu" || return 1
		;;
	lo)
		RUN=in_remote TARGET4=127.0.0.1
		;;
	veth)
		RUN=in_host
		;;
	relay)
		relay_start || return 1
		DPID=$RELAY_PID RUN=in_guest
		;;
	*)
		echo "unknown contender $1"
		return 1
		;;
	esac
}

# PERF_PASTA_PORTS - What the splice contenders forward: iperf3's port,
# rr's, and rr's once-only port (PORT + 1000, crr)
PERF_PASTA_PORTS=5201,7000,8000

# pasta_contender_start NAME MTU - The pasta contenders: the daemon in the
# host namespace as pasta (ours, or Debian's for dpasta*), its tap0 in the
# guest namespace set up as a guest's (MAC, MTU, static addresses, the
# gateway's neighbour entry); automatic forwarding off, and for *-splice
# -t for $PERF_PASTA_PORTS, the client then in the host namespace on
# 127.0.0.1. Sets RUN, DPID, TARGET4.
pasta_contender_start() {
	local t=none extra=()
	case "$1" in
	dpasta*)
		PASST_BIN=$(command -v passt) ||
			{ echo "no Debian passt"; return 1; }
		# Started as root, Debian's pasta (2023) drops to nobody
		# before it joins the namespace, and then cannot
		extra=(--runas 0)
		;;
	*) PASST_BIN=$PASST ;;
	esac
	case "$1" in *-splice) t=$PERF_PASTA_PORTS ;; esac
	# Otherwise the same options for both: -M as the bed's neighbour
	# entries say (Debian's pasta takes the host interface's MAC by
	# default); the forwarding options are all given here, not also the
	# bed's defaults: Debian's pasta refuses a mode given twice ("Port
	# forwarding mode 'none' conflicts with previous mode")
	BACKEND=pasta PASTA_FWD_DEFAULT= bed_start_daemon -q -M "$OUR_MAC" -t "$t" -u none \
		-T none -U none "${extra[@]}" || return 1
	BACKEND=pasta bed_connect_guest -n "$2" || return 1
	guest_static_config
	DPID=$PASST_PID RUN=in_guest
	case "$1" in *-splice) RUN=in_host TARGET4=127.0.0.1 ;; esac
}

# relay_start - The relay contender: tapbridge -l in the host namespace on
# $SOCK (sets RELAY_PID), the guest's bridge connected to it, routes both
# ways through the host namespace's kernel
relay_start() {
	local i
	rm -f "$SOCK"
	ip netns exec "$NS_HOST" "$TAPBRIDGE" -l -i relay0 -s "$SOCK" -n 1500 \
		2>>"$BED_DIR/relay.log" </dev/null &
	RELAY_PID=$!
	for ((i = 0; i < WAIT_TIMEOUT_S * 10; i++)); do
		[ -S "$SOCK" ] && break
		sleep 0.1
	done
	# shellcheck disable=SC2086 # words on purpose
	bed_connect_guest -n 1500 $IMPAIR_ARGS || return 1
	in_host sysctl -qw net.ipv4.ip_forward=1
	in_host ip addr add "$RELAY_NET.1/24" dev relay0 || return 1
	in_remote ip route replace "$RELAY_NET.0/24" via "$HOST4" || return 1
	in_guest ip addr add "$RELAY_NET.2/24" dev tap0 || return 1
	in_guest ip route replace default via "$RELAY_NET.1" dev tap0
}

# stop_contender NAME
stop_contender() {
	case "${1%%[@+]*}" in
	ours|passt|vhost)
		bed_disconnect_guest
		bed_stop_daemon >/dev/null 2>&1
		;;
	pasta|dpasta|pasta-splice|dpasta-splice)
		BACKEND=pasta bed_disconnect_guest
		bed_stop_daemon >/dev/null 2>&1
		;;
	slirp4netns)
		bed_kill "$DPID"
		bed_kill "$SLEEP_PID"
		;;
	relay)
		bed_disconnect_guest
		bed_kill "$RELAY_PID"
		in_host sysctl -qw net.ipv4.ip_forward=0
		;;
	veth|lo) ;;
	esac
	in_guest ip link del tap0 2>/dev/null
	return 0
}

# perf_measures_bulk NAME - True unless NAME only has a latency floor to
# give (relay: see above), so bulk, CPU and memory are not recorded for it
perf_measures_bulk() {
	case "$1" in
	relay+*) return 0 ;;
	relay*) return 1 ;;
	esac
	return 0
}

# perf_impair_args NAME - Set IMPAIR_ARGS, the guest side's impairment
# (test/tools/impair.h) for a contender named NAME+IMPAIRMENT: "loss" drops
# 1% of TCP frames each way between guest and contender, "reorder" holds 3%
# back behind the next one; none without a "+" suffix
perf_impair_args() {
	IMPAIR_ARGS=
	case "$1" in
	*+loss) IMPAIR_ARGS="--loss 1 --seed 1" ;;
	*+reorder) IMPAIR_ARGS="--reorder 3 --seed 1" ;;
	*+*) echo "unknown impairment in $1"; return 1 ;;
	esac
	return 0
}

# perf_iperf ARGS - Run iperf3 from $RUN to $TARGET4 port 5201 for BULK_S
# seconds, print "bytes bits_per_second" as the receiver saw them
perf_iperf() {
	$RUN iperf3 -c "$TARGET4" -p 5201 -t "$BULK_S" -J "$@" 2>/dev/null |
		python3 -c '
import json, sys
try:
	s = json.load(sys.stdin)["end"]["sum_received"]
	print(int(s["bytes"]), s["bits_per_second"])
except Exception:
	print(0, 0)'
}

# perf_tcp_measure NAME - One round of every TCP metric for one contender,
# against iperf3 on port 5201 and $RR_BIN on 7000 at $TARGET4: bulk both
# ways and the daemon's CPU over them, 1-byte request/response rate and
# p50 latency, connection rate, the daemon's peak RSS
perf_tcp_measure() {
	local name=$1 t0 t1 out bytes=0 bps b r
	if perf_measures_bulk "$name"; then
		t0=$([ -n "$DPID" ] && cpu_ticks "$DPID" || echo 0)
		read -r b bps <<<"$(perf_iperf)"
		[ "$b" != 0 ] && record "$name" up_gbps "$(echo "$bps" | awk '{ print $1 / 1e9 }')"
		bytes=$((bytes + b))
		read -r b bps <<<"$(perf_iperf -R)"
		[ "$b" != 0 ] && record "$name" down_gbps "$(echo "$bps" | awk '{ print $1 / 1e9 }')"
		bytes=$((bytes + b))
		t1=$([ -n "$DPID" ] && cpu_ticks "$DPID" || echo 0)
		record_cpu_per_gb "$name" $((t1 - t0)) "$bytes"
	fi
	out=$($RUN "$RR_BIN" -c "$TARGET4" 7000 "$RR_S" rr)
	r=$(awk '{ print $2 }' <<<"$out")
	[ -n "$r" ] && record "$name" rr_per_s "$r" &&
		record "$name" rr_p50_us "$(awk '{ print $4 }' <<<"$out")"
	out=$($RUN "$RR_BIN" -c "$TARGET4" 7000 "$RR_S" crr)
	r=$(awk '{ print $2 }' <<<"$out")
	[ -n "$r" ] && record "$name" conn_per_s "$r"
	perf_measures_bulk "$name" && record_peak_rss "$name"
}

# perf_rounds MEASURE_FN - Interleaved rounds: every contender once per
# round, $ROUNDS rounds, MEASURE_FN NAME called with the contender up
perf_rounds() {
	local round name
	for ((round = 1; round <= ROUNDS; round++)); do
		for name in $CONTENDERS; do
			echo "round $round: $name" >&2
			if start_contender "$name"; then
				"$1" "$name"
			else
				echo "  $name unavailable this round" >&2
			fi
			stop_contender "$name"
		done
	done
}

# perf_table KEY:LABEL... - Print medians per contender and metric, with the
# ratios in $RATIOS (A/B pairs of contenders; default ours/passt, ours/veth,
# and ours/relay when relay ran), each where both ran
perf_table() {
	python3 - "$RESULTS" "$CONTENDERS" "${RATIOS:-}" "$@" <<'PY'
import statistics, sys
path, names = sys.argv[1], sys.argv[2].split()
ratios = [r.split("/") for r in sys.argv[3].split()]
metrics = [a.split(":", 1) for a in sys.argv[4:]]
vals = {}
for line in open(path):
    n, m, v = line.split()
    vals.setdefault((n, m), []).append(float(v))
def med(n, m):
    v = vals.get((n, m))
    return statistics.median(v) if v else None
if not ratios:
    ratios = [["ours", p] for p in ["passt", "veth"] +
              (["relay"] if "relay" in names else [])]
ratios = [r for r in ratios if r[0] in names and r[1] in names]
# Columns at least as wide as their name and a space
wn = [max(12, len(n) + 1) for n in names]
wr = [max(13, len("/".join(r)) + 1) for r in ratios]
print("%-26s" % "metric (median)"
      + "".join("%*s" % (w, n) for w, n in zip(wn, names))
      + "".join("%*s" % (w, "/".join(r)) for w, r in zip(wr, ratios)))
for m, label in metrics:
    row = "%-26s" % label
    for w, n in zip(wn, names):
        v = med(n, m)
        row += "%*s" % (w, "-" if v is None else
                        ("%.2f" % v if v < 100 else "%.0f" % v))
    for w, (a, b) in zip(wr, ratios):
        o, q = med(a, m), med(b, m)
        row += "%*s" % (w, "%.2fx" % (o / q) if o and q else "-")
    print(row)
n = [len(vals[k]) for k in vals if k[1] in dict(metrics)]
print("samples per cell: %d to %d ('-': contender failed or metric n/a)"
      % (min(n or [0]), max(n or [0])))
PY
}
