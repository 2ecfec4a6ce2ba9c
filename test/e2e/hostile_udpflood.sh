#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 180
# backends: stream (the guest side speaks the stream framing itself)
#
# hostile_udpflood - A raw guest (test/tools/rawguest.py) holds one TCP
# connection and one UDP flow to echo servers behind the host, then sends
# one datagram from each of limit + EXTRA distinct source ports to a UDP
# echo server: every port is a new UDP flow with its own socket. The
# daemon's flow limit follows its open-file limit (NOFILE, soft and hard;
# "At most N flows" at start), so the flood fills it: the log says the
# table is full, the SIGUSR1 dump counts exactly the refused datagrams
# (all but the limit less the two flows held, plus one probe: a socket()
# failing for lack of descriptors would leave the count short), the daemon
# holds as many descriptors as flows, and only flows it kept get an echo.
# While the table is full the TCP connection and the UDP flow still echo,
# and a datagram of a new flow is dropped.
# With --udp-timeout UDP_TIMEOUT_S the flood's flows expire: the table
# drains to the two flows held (kept busy meanwhile) and the descriptors
# back to start-up plus those two, and a new UDP flow works again; at
# last, every flow closed or expired, only the guest's connection is left.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/tcp.sh"
. "$(dirname "$0")/../lib/udp.sh"	# udp_tool_init

RAWGUEST=$BED_TOOLS_DIR/rawguest.py
NOFILE=20000			# soft and hard: the daemon's flow limit follows
EXTRA=3000			# datagrams beyond the daemon's flow limit
UDP_TIMEOUT_S=8			# flood flows expire after this, idle
DRAIN_S=$((UDP_TIMEOUT_S + 20))	# and the sweep (1 s) frees them

need_cmd python3
bed_setup
tcp_tool_init
udp_tool_init
ulimit -n "$NOFILE" 2>/dev/null ||
	skip "cannot set RLIMIT_NOFILE to $NOFILE: the flood size follows it"

bed_bg in_remote python3 "$TCPTOOL" echo-server "$REMOTE4" 9001 \
	>"$BED_DIR/tcpecho.out"
bed_bg in_remote python3 "$UDPTOOL" echo-server "$REMOTE4" 5000 \
	>"$BED_DIR/udpecho.out"
bed_bg in_remote python3 "$UDPTOOL" echo-server "$REMOTE4" 5001 \
	>"$BED_DIR/flood.srv"
for f in tcpecho.out udpecho.out flood.srv; do
	tcp_wait_file "$BED_DIR/$f" listening || fail "server $f"
done
bed_start_daemon --no-ra --udp-timeout "$UDP_TIMEOUT_S" --log-size 67108864
tcp_flow_limit "$NOFILE"
limit=$FLOW_LIMIT
count=$((limit + EXTRA))
fds0=$(($(tcp_daemon_fds) + 1))	# and the guest's connection

python3 "$RAWGUEST" udpflood "$SOCK" --count "$count" \
	--flood-dst "$REMOTE4" --flood-port 5001 --echo-dst "$REMOTE4" \
	--echo-udp-port 5000 --echo-tcp-port 9001 \
	--hold-until "$BED_DIR/done" >"$BED_DIR/guest.out" 2>&1 &
guest=$!
BED_PIDS+=("$guest")
wait_for grep -q '^{' "$BED_DIR/guest.out" ||
	WAIT_TIMEOUT_S=60 wait_for grep -q '^{' "$BED_DIR/guest.out" ||
	fail "flood did not finish: $(cat "$BED_DIR/guest.out")"
echo "flood: $(head -1 "$BED_DIR/guest.out")"
fds_full=$(tcp_daemon_fds)
r() {
	python3 -c 'import json, sys
print(json.loads(open(sys.argv[1]).readline())[sys.argv[2]])' \
		"$BED_DIR/guest.out" "$1"
}
for k in tcp_before udp_before barrier tcp_during udp_during \
	 new_flow_dropped; do
	[ "$(r $k)" = True ] || fail "$k: $(head -1 "$BED_DIR/guest.out")"
done

# Full: the flows held plus the flood's fill the limit, the rest and the
# probe of a new flow are refused
tcp_flows_active >/dev/null || fail "no flow dump"
dump=$(grep 'flow table:' "$BED_DIR/passt.log" | tail -1)
echo "$dump"
active=$(sed -n 's/.*flow table: \([0-9]*\) active.*/\1/p' <<<"$dump")
refused=$(sed -n 's/.*, \([0-9]*\) allocations refused.*/\1/p' <<<"$dump")
[ "$active" -eq "$limit" ] || fail "$active flows active, limit $limit"
want=$((count - (limit - 2) + 1))
[ "$refused" -eq "$want" ] ||
	fail "$refused allocations refused, want $want"
daemon_log_has 'UDP: flow table full' || fail "no 'flow table full' line"
echo "descriptors: $fds0 with the guest attached, $fds_full while full"
[ "$fds_full" -ge $((fds0 + limit)) ] ||
	fail "daemon held $fds_full descriptors, want $fds0 + $limit"
answered=$(r answered)
echo "flood flows answered: $answered of $((limit - 2)) kept"
[ "$answered" -le $((limit - 2)) ] ||
	fail "$answered flood flows answered: more than the daemon kept"
[ "$answered" -ge $(((limit - 2) / 2)) ] ||
	fail "only $answered flood flows answered"

# Drained: the flood's flows expire, ours stay
drained() { [ "$(tcp_flows_active)" = 2 ]; }
WAIT_TIMEOUT_S=$DRAIN_S wait_for drained ||
	fail "table not drained: $(tcp_flows_active) flows active"
wait_for sh -c "[ \$(ls /proc/$PASST_PID/fd | wc -l) -le $((fds0 + 2)) ]" ||
	fail "descriptors: $(tcp_daemon_fds) after the drain, want $((fds0 + 2))"
echo "drained: 2 flows, $(tcp_daemon_fds) descriptors"
touch "$BED_DIR/done"
wait "$guest" || fail "raw guest: $(cat "$BED_DIR/guest.out")"
echo "after: $(tail -1 "$BED_DIR/guest.out")"
WAIT_TIMEOUT_S=20 wait_for sh -c "[ \$(ls /proc/$PASST_PID/fd | wc -l) -le $((fds0 + 1)) ]" ||
	fail "TCP flow not closed: $(tcp_daemon_fds) descriptors"
WAIT_TIMEOUT_S=$DRAIN_S wait_for sh -c "[ \$(ls /proc/$PASST_PID/fd | wc -l) -le $fds0 ]" ||
	fail "UDP flows left: $(tcp_daemon_fds) descriptors, want $fds0"
daemon_alive || fail "daemon died"
pass
