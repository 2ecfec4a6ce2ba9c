#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
# backends: any
#
# pasta_config_net - --config-net gives the namespace's tap device the host
# template interface's addresses and routes, IPv4 and IPv6 (an extra
# address and route on the host are copied too), MTU 65520 and link up;
# -a/-n/-g replace a version's addressing; -I names the device; without
# --config-net the link stays down with no address.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/pasta.sh"

bed_setup
# Something beyond the defaults on the template: a second address each,
# a route through the gateway
in_host sh -e -c "
	ip addr add 192.0.2.77/24 dev veth-h
	ip -6 addr add 2001:db8:1::77/64 dev veth-h nodad
	ip route add 203.0.113.0/24 via $GW4
	ip -6 route add 2001:db8:200::/48 via $GW6" || fail "host set-up"

# start [OPTIONS] - pasta on $NS_GUEST, its PID in $pid
start() {
	in_host "$PASTA_BIN" -q -P "$BED_DIR/c.pid" --netns "$NS_GUEST" "$@" ||
		fail "pasta $*: exited $?"
	pid=$(cat "$BED_DIR/c.pid")
}

# stop - End it; its tap device goes with it
stop() {
	kill "$pid"
	pasta_gone_within "$pid" 2000 >/dev/null || fail "SIGTERM ignored"
	wait_for sh -c "! ip -n $NS_GUEST link show $PASTA_IF" ||
		fail "tap device left behind"
}

start --config-net
for v in 4 6; do
	want=$(pasta_addrs - veth-h $v) got=$(pasta_addrs "$NS_GUEST" "$PASTA_IF" $v)
	[ -n "$want" ] && [ "$want" = "$got" ] ||
		fail "IPv$v addresses: host '$want', namespace '$got'"
	want=$(pasta_routes - veth-h $v) got=$(pasta_routes "$NS_GUEST" "$PASTA_IF" $v)
	[ -n "$want" ] && [ "$want" = "$got" ] ||
		fail "IPv$v routes: host '$want', namespace '$got'"
	echo "IPv$v:" $got
done
mtu=$(ip netns exec "$NS_GUEST" cat "/sys/class/net/$PASTA_IF/mtu")
[ "$mtu" = 65520 ] || fail "MTU $mtu, not 65520"
ip -n "$NS_GUEST" link show "$PASTA_IF" | grep -q '[<,]UP[,>]' ||
	fail "$PASTA_IF not up"
stop

# -a/-n/-g, -m, -I
start --config-net -I eth7 -a 10.9.8.7 -n 16 -g 10.9.0.1 -m 9000 \
	-a 2001:db8:9::7/64 -g 2001:db8:9::1
got=$(pasta_addrs "$NS_GUEST" eth7 4)
[ "$got" = 10.9.8.7/16 ] || fail "-a/-n: '$got'"
got=$(pasta_routes "$NS_GUEST" eth7 4)
[ "$got" = "default via 10.9.0.1" ] || fail "-g: IPv4 routes '$got'"
got=$(pasta_addrs "$NS_GUEST" eth7 6)
[ "$got" = 2001:db8:9::7/64 ] || fail "-a IPv6: '$got'"
got=$(pasta_routes "$NS_GUEST" eth7 6)
[ "$got" = "default via 2001:db8:9::1" ] || fail "-g: IPv6 routes '$got'"
mtu=$(ip netns exec "$NS_GUEST" cat /sys/class/net/eth7/mtu)
[ "$mtu" = 9000 ] || fail "-m 9000: MTU $mtu"
PASTA_IF=eth7 stop

# No --config-net: down, no address (the namespace configures itself)
start
ip -n "$NS_GUEST" link show "$PASTA_IF" | grep -q '[<,]UP[,>]' &&
	fail "$PASTA_IF up without --config-net"
[ -z "$(pasta_addrs "$NS_GUEST" "$PASTA_IF" 4)" ] ||
	fail "an address without --config-net"
stop
pass
