#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 120
#
# isolation_lowport_excl - A -u spec of exclusions only ("~5000") forwards
# every port but 5000 and the ephemeral range, privileged ones included:
# the rule table says so, and the capability decision must follow it. The
# daemon keeps CAP_NET_BIND_SERVICE (effective and permitted, nothing else),
# and a datagram from the remote namespace to port 53 reaches the guest's
# server on 53 through a flow socket bound to port 53 after start-up. (The
# decision used to re-read the option text, skip the exclusions, find no
# low port and drop the capability: the flow socket's bind then failed.)

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/isolation.sh"
. "$(dirname "$0")/../lib/udp.sh"

bed_setup
need_cmd python3
udp_tool_init
udp_start -d -u '~5000'
iso_wait_sealed
P=$PASST_PID

for set in CapEff CapPrm; do
	[ "$(iso_field "$P" "$set")" = 0000000000000400 ] ||
		fail "$set is $(iso_field "$P" "$set"), not CAP_NET_BIND_SERVICE alone"
done
for set in CapInh CapBnd CapAmb; do
	[ "$((16#$(iso_field "$P" "$set")))" -eq 0 ] ||
		fail "$set is $(iso_field "$P" "$set"), not 0"
done

bed_bg in_guest python3 "$UDPTOOL" echo-server "$HOST4" 53 \
	>"$BED_DIR/g4.out"
udp_wait_file "$BED_DIR/g4.out" listening || fail "guest server not up"
in_remote python3 "$UDPTOOL" echo "$HOST4" 53 1 1400 ||
	fail "remote to $HOST4 port 53 failed"
daemon_log_has 'socket bound to port 53' ||
	fail "no flow socket bound to port 53"
in_remote timeout 20 python3 "$UDPTOOL" refused "$HOST4" 5000 ||
	fail "excluded port 5000 forwarded"
daemon_alive || fail "daemon died"
pass
