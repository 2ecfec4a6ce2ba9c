#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 30
# backends: any
#
# conf_cmdline_overrides - Addressing options replace what the daemon would
# copy from the host, and the printed configuration shows them: -a/-n/-g for
# IPv4, -a/-g for IPv6, -M, -m, -D (both versions), -S.

. "$(dirname "$0")/../lib/bed.sh"

bed_setup
bed_start_daemon -a 10.8.0.5 -n 255.255.0.0 -g 10.8.0.1 \
	-a 2001:db8:5::5 -g 2001:db8:5::1 -M 02:11:22:33:44:55 -m 1400 \
	-D 10.8.0.53 -D 2001:db8:5::53 -S one.example -S two.example
wait_for daemon_log_has 'attach qemu with' || fail "start-up not complete"
LOG=$BED_DIR/passt.log
sed 's/^/    /' "$LOG"

expect() {	# expect LINE: LINE is in the log, verbatim after the timestamp
	grep -qF ": $1" "$LOG" || fail "missing configuration line '$1'"
}
expect "MAC: 02:11:22:33:44:55, MTU: 1400"
expect "IPv4: address 10.8.0.5/16, gateway 10.8.0.1"
expect "IPv4 DNS: 10.8.0.53"
expect "IPv6: address 2001:db8:5::5/64, gateway 2001:db8:5::1"
expect "IPv6 DNS: 2001:db8:5::53"
expect "DNS search: one.example"
expect "DNS search: two.example"
grep -qF "$DNS4" "$LOG" && fail "host resolver listed despite -D"
grep -qF test.example "$LOG" && fail "host search domain listed despite -S"
daemon_alive || fail "daemon exited"
pass
