#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
#
# flow_stats - Looking inside: --stats 1 logs a line of counters every
# second; the SIGUSR1 dump has one line per flow with type, named state, both
# sides' addresses and ports, age, idle time and bytes each way, then the
# counters. The interval options refuse bad values with a message and exit 1,
# and warn (but run) below their RFC floors.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/flow.sh"

bed_setup
need_cmd python3
flow_tool_init
flow_start --stats 1

bed_bg in_remote python3 "$FLOWTOOL" hold-server "$REMOTE4" 9105 \
	>"$BED_DIR/srv.out"
flow_wait_file "$BED_DIR/srv.out" listening || fail "server not up"
bed_bg in_guest python3 "$FLOWTOOL" client "$REMOTE4" 9105 send:5000 hold \
	>"$BED_DIR/cli.out"
flow_wait_file "$BED_DIR/cli.out" "hold ok" || fail "exchange failed"

wait_for grep -q "stats: flows 1 of [0-9]* (TCP ESTABLISHED 1), refused 0" \
	"$BED_DIR/passt.log" || fail "no --stats line with the flow"
n0=$(grep -c "stats: flows" "$BED_DIR/passt.log")
sleep 3
n1=$(grep -c "stats: flows" "$BED_DIR/passt.log")
[ $((n1 - n0)) -ge 2 ] && [ $((n1 - n0)) -le 4 ] ||
	fail "$((n1 - n0)) stats lines in 3 s with --stats 1"

dump=$(flow_dump) || fail "no dump"
echo "$dump" | sed 's/^/    /'
echo "$dump" | grep -qE "flow [0-9]+ TCP \[ESTABLISHED\] tap $HOST4:[0-9]+ -> $REMOTE4:9105 sock $REMOTE4:9105 -> [0-9.]+:[0-9]+ age [0-9]+s idle [0-9]+s bytes guest->host 5000 host->guest 5000" ||
	fail "no complete flow line in the dump"
for c in tcp_keepalives tcp_reset_idle tcp_reset_closing dropped_ETH_SHORT; do
	echo "$dump" | grep -q "counter $c: [0-9]" || fail "no counter $c"
done

for o in --tcp-keepalive-interval --inactivity-timeout \
	 --tcp-closing-timeout --udp-timeout --stats; do
	for bad in 0 -5 abc 604801 ""; do
		out=$(in_host "$PASST_BIN" -f -s "$BED_DIR/bad.sock" "$o" "$bad" \
			2>&1) && fail "$o '$bad' accepted"
		echo "$out" | grep -q -- "$o" || fail "no message for $o '$bad': $out"
	done
done
out=$(timeout 3 ip netns exec "$NS_HOST" "$PASST_BIN" -f \
	-s "$BED_DIR/warn.sock" --inactivity-timeout 60 2>&1)
echo "$out" | grep -q "inactivity-timeout 60 is below the RFC floor of 7440" ||
	fail "no warning below the RFC floor: $out"
pass
