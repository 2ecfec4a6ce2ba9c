#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 120
# backends: stream (the guest side speaks the stream framing itself)
#
# tap_batch_io - The guest sends bursts as fast as its stack can: 10000
# small UDP frames, then 5000 full-size (1514 bytes) ones. Every frame the
# guest's own tap queue did not drop reaches the daemon intact (counted in
# its capture), at least 1000 per burst, and the daemon keeps serving.

. "$(dirname "$0")/../lib/bed.sh"

bed_setup
CAP=$BED_DIR/cap.pcap
bed_start_daemon -p "$CAP"
bed_connect_guest
# A deep tap queue, so that most of each burst is offered to the daemon
in_guest ip link set tap0 txqueuelen 20000 || fail "txqueuelen"
DROPS=/sys/class/net/tap0/statistics/tx_dropped

# burst TAG N SIZE - send N frames of SIZE bytes (0: small), check arrival
burst() {
	local tag=$1 n=$2 size=$3 drop0 drop got prev=-1 i

	drop0=$(in_guest cat $DROPS)
	in_guest python3 "$GUESTSOCK" rawsend tap0 --tag "$tag" --count "$n" \
		--size "$size" || fail "burst $tag: send failed"
	drop=$(($(in_guest cat $DROPS) - drop0))

	# The capture grows until the bridge has relayed everything
	for ((i = 0; i < 100; i++)); do
		got=$(pcap_tagged "$CAP" "$tag") ||
			fail "burst $tag: corrupt frames in the capture"
		[ "$got" -eq "$prev" ] && [ $((got + drop)) -eq "$n" ] && break
		prev=$got
		sleep 0.2
	done
	echo "burst $tag: sent $n, dropped by the guest's tap queue $drop," \
		"captured $got"
	daemon_alive || fail "daemon died during burst $tag"
	[ $((got + drop)) -eq "$n" ] ||
		fail "burst $tag: $n sent, $drop dropped in the guest, $got captured"
	[ "$got" -ge 1000 ] || fail "burst $tag: only $got of $n frames arrived"
}

burst small 10000 0
burst full 5000 1514

in_guest python3 "$GUESTSOCK" rawsend tap0 --tag after --count 5 ||
	fail "send after the bursts"
wait_for pcap_tagged_is "$CAP" after 5 ||
	fail "after the bursts: $(pcap_tagged "$CAP" after) of 5 frames"
daemon_alive || fail "daemon died"
pass
