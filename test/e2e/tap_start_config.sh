#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 30
# backends: any
#
# tap_start_config - Started with no addressing options, the daemon copies the
# host's configuration (template interface with the default route, its
# addresses and gateways, resolv.conf's resolvers and search domain) and
# prints it, with our MAC and the default MTU.

. "$(dirname "$0")/../lib/bed.sh"

bed_setup
bed_start_daemon
wait_for daemon_log_has 'attach qemu with' || fail "start-up not complete"
LOG=$BED_DIR/passt.log
sed 's/^/    /' "$LOG"

expect() {	# expect LINE: LINE is in the log, verbatim after the timestamp
	grep -qF ": $1" "$LOG" || fail "missing configuration line '$1'"
}
idx=$(in_host cat /sys/class/net/veth-h/ifindex)
expect "Template interface: veth-h (index $idx)"
expect "MAC: $OUR_MAC, MTU: 65520"
expect "IPv4: address $HOST4/24, gateway $GW4"
expect "IPv4 DNS: $DNS4"
expect "IPv6: address $HOST6/64, gateway $GW6"
expect "IPv6 DNS: $DNS6"
expect "DNS search: test.example"
[ "$(grep -c 'DNS search:' "$LOG")" -eq 1 ] || fail "extra search domains"
[ "$(grep -c 'IPv4 DNS:' "$LOG")" -eq 1 ] || fail "extra IPv4 resolvers"
[ "$(grep -c 'IPv6 DNS:' "$LOG")" -eq 1 ] || fail "extra IPv6 resolvers"
expect "Listening on $SOCK; attach qemu with:"
grep -qF "addr.path=$SOCK" "$LOG" || fail "qemu command line not printed"
daemon_alive || fail "daemon exited"
pass
