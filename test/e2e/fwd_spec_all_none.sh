#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 180
#
# fwd_spec_all_none - The "none" and "all" forms of -t and -u, as libvirt
# and podman write them. none: no rule, nothing forwarded. all: every port
# but the host's ephemeral range (net.ipv4.ip_local_port_range) is
# forwarded to the same guest port, ports the host already uses are
# skipped without a complaint, and listeners stop at their share of the
# open-file limit with a warning. The rule table is printed at start, and
# not with -q.

. "$(dirname "$0")/../lib/fwd.sh"

fwd_setup
read -r eph_lo eph_hi <"/proc/sys/net/ipv4/ip_local_port_range"
[ "$eph_lo" -le 40000 ] && [ "$eph_hi" -ge 40000 ] ||
	skip "port 40000 not ephemeral here ($eph_lo-$eph_hi)"

# restart ARGS...: a fresh daemon and guest link
restart() {
	bed_disconnect_guest
	bed_stop_daemon
	in_guest ip link del tap0 2>/dev/null
	tcp_start "$@"
}

# none
tcp_start -t none -u none
daemon_log_has "Forwarding rules: none" || fail "none: table not printed"
bed_bg in_guest python3 "$TCPTOOL" echo-server "$HOST4" 2223 \
	>"$BED_DIR/g.out"
bed_bg in_guest python3 "$UDPTOOL" echo-server "$HOST4" 2223 \
	>"$BED_DIR/gu.out"
tcp_wait_file "$BED_DIR/g.out" listening || fail "guest server not up"
udp_wait_file "$BED_DIR/gu.out" listening || fail "guest server not up"
in_remote timeout 30 python3 "$TCPTOOL" refused "$HOST4" 2223 ||
	fail "none: TCP port 2223 forwarded"
in_remote timeout 20 python3 "$UDPTOOL" refused "$HOST4" 2223 ||
	fail "none: UDP port 2223 forwarded"

# -t all: a host server already on 3333 keeps its port
bed_bg in_host python3 "$TCPTOOL" echo-server 0.0.0.0 3333 \
	>"$BED_DIR/h.out"
tcp_wait_file "$BED_DIR/h.out" listening || fail "host server not up"
restart -t all
daemon_log_has "TCP \*/1-65535 => 1-65535, except $eph_lo-$eph_hi (all: ports in use skipped)" ||
	fail "-t all: rule not printed"
daemon_log_has "cannot forward" && fail "-t all: a port in use was a warning"
for a in "$HOST4" "$HOST6"; do
	bed_bg in_guest python3 "$TCPTOOL" echo-server "$a" 2222 \
		>"$BED_DIR/g$a.out"
	bed_bg in_guest python3 "$TCPTOOL" echo-server "$a" 40000 \
		>"$BED_DIR/e$a.out"
	tcp_wait_file "$BED_DIR/g$a.out" listening || fail "guest server"
	tcp_wait_file "$BED_DIR/e$a.out" listening || fail "guest server"
	in_remote timeout 30 python3 "$TCPTOOL" many "$a" 2222 2 100000 ||
		fail "-t all: $a port 2222 not forwarded"
	in_remote timeout 30 python3 "$TCPTOOL" refused "$a" 40000 ||
		fail "-t all: ephemeral port 40000 forwarded on $a"
done
in_remote timeout 30 python3 "$TCPTOOL" many "$HOST4" 3333 1 1000 ||
	fail "-t all: the host's own server on 3333 lost its port"
if [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt 120000 ]; then
	daemon_log_has 'descriptors for "all" used up' ||
		fail "-t all: no warning at the descriptor share"
fi
daemon_alive || fail "-t all: daemon died"

# -u all
restart -u all
for a in "$HOST4" "$HOST6"; do
	bed_bg in_guest python3 "$UDPTOOL" echo-server "$a" 2222 \
		>"$BED_DIR/u$a.out"
	udp_wait_file "$BED_DIR/u$a.out" listening || fail "guest server"
	in_remote timeout 20 python3 "$UDPTOOL" echo "$a" 2222 1 1400 ||
		fail "-u all: $a port 2222 not forwarded"
	in_remote timeout 20 python3 "$UDPTOOL" refused "$a" 40000 ||
		fail "-u all: ephemeral port 40000 forwarded on $a"
done
daemon_alive || fail "-u all: daemon died"

# -q: no table
out=$(timeout 3 ip netns exec "$NS_HOST" "$PASST_BIN" -f -q -s \
	"$BED_DIR/q.sock" -t 7000 2>&1)
grep -q "Forwarding rules" <<<"$out" && fail "-q printed the rules"
out=$(timeout 3 ip netns exec "$NS_HOST" "$PASST_BIN" -f -s \
	"$BED_DIR/q.sock" -t 7000 2>&1)
grep -q "1 TCP \*/7000-7000 => 7000-7000" <<<"$out" ||
	fail "rules not printed without -q: $out"
pass
