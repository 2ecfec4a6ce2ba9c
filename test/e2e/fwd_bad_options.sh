#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
# backends: any
#
# fwd_bad_options - Bad forwarding and mapping options make the daemon exit
# 1 at once, never starting, with a message naming the option, the value
# and the reason: bad -t/-u specs, overlapping rules, and bad
# --map-host-loopback / --map-guest-addr values.

. "$(dirname "$0")/../lib/bed.sh"

bed_setup

# bad MESSAGE ARGS...: ARGS must fail with exit 1 and print MESSAGE
bad() {
	local msg=$1 out rc
	shift
	out=$(timeout 5 ip netns exec "$NS_HOST" "$PASST_BIN" -f \
		-s "$BED_DIR/bad.sock" "$@" 2>&1 </dev/null)
	rc=$?
	echo "passt $*: exit $rc: $out"
	[ "$rc" -eq 124 ] && fail "'$*' started the daemon"
	[ "$rc" -eq 1 ] || fail "'$*': exit status $rc, expected 1"
	grep -qF -- "$msg" <<<"$out" || fail "'$*': no '$msg' in: $out"
	[ -e "$BED_DIR/bad.sock" ] && fail "'$*' created the socket"
	return 0
}

bad "Invalid --tcp-ports '5000-4000': range '5000-4000' ends before it starts" \
	-t 5000-4000
bad "Invalid --udp-ports '1-10:20-30': ranges 1-10 and 20-30 differ in size" \
	-u 1-10:20-30
bad "Invalid --tcp-ports '300.1.1.1/80': bad address '300.1.1.1'" \
	-t 300.1.1.1/80
bad "Invalid --tcp-ports '80,~80': range 80-80: every port excluded" \
	-t 80,~80
bad "Invalid --udp-ports '70000': bad port or range '70000'" -u 70000
bad "Invalid --tcp-ports '85': port 85 overlaps rule 1 (TCP */80-90 => 80-90), from --tcp-ports '80-90'" \
	-t 80-90 -t 85
bad "Invalid --tcp-ports '192.0.2.2/90': port 90 overlaps rule 1" \
	-t 80-90 -t 192.0.2.2/90
bad "Invalid --udp-ports '100,100:8100': port 100 overlaps rule 1" \
	-u 100,100:8100
bad "Invalid --map-host-loopback '127.0.0.1': not a unicast, non-loopback address" \
	--map-host-loopback 127.0.0.1
bad "Invalid --map-guest-addr '::1': not a unicast, non-loopback address" \
	--map-guest-addr ::1
bad "Invalid --map-guest-addr 'foo': not an IPv4 or IPv6 address, or none" \
	--map-guest-addr foo
bad "Invalid --map-guest-addr '10.0.2.2': also given to --map-host-loopback" \
	--map-host-loopback 10.0.2.2 --map-guest-addr 10.0.2.2
bad "the guest's own address cannot be mapped" \
	--map-guest-addr "$HOST4"

# Same port on different addresses, or different protocols: accepted
out=$(timeout 3 ip netns exec "$NS_HOST" "$PASST_BIN" -f -s \
	"$BED_DIR/ok.sock" -t 192.0.2.2/80 -t 2001:db8:1::2/80 -u 80 2>&1)
rc=$?
[ "$rc" -eq 124 ] || fail "non-overlapping rules refused (exit $rc): $out"
pass
