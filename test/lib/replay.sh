# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash disable=SC2034,SC2153 # variables of bed.sh and the case
# test/lib/replay.sh - Helpers for the callers_*.sh cases (sourced after
# bed.sh, tcp.sh and link.sh): start the daemon with a caller's own argument
# list, as that caller does (test/tools/callerspawn.py), then check that it
# serves a guest.
#
# API: replay_start [SPAWN OPTS] -- ARG... (the daemon is $PASST_BIN, run
# in $NS_HOST; sets REPLAY_OUT, REPLAY_EXIT, REPLAY_READY_MS, PASST_PID,
# BRIDGE_PID), replay_guest_lease, replay_guest_traffic, replay_wait_gone.

REPLAY_OUT='' REPLAY_EXIT='' REPLAY_READY_MS=''
CALLERSPAWN=$BED_TOOLS_DIR/callerspawn.py

# replay_val KEY - The first value of KEY in callerspawn's report
replay_val() {
	awk -v k="$1" '$1 == k { print $2; exit }' "$REPLAY_OUT"
}

# replay_client SOCK - The guest's side for $BACKEND, connecting once to
# SOCK (a path, or fd:3), as a shell command line
replay_client() {
	local tool=$TAPBRIDGE
	[ "$BACKEND" = vhost-user ] && tool=$VHOST_FRONT
	echo "exec ip netns exec $NS_GUEST $tool -i tap0 -s $1 -m $GUEST_MAC" \
	     "2>>$BED_DIR/bridge.log"
}

# replay_start [SPAWN OPTS] -- ARG... - Start $PASST_BIN ARG... in $NS_HOST
# through callerspawn.py with SPAWN OPTS (--stdio, --socket, --client...);
# it must exit 0 and leave a daemon running
replay_start() {
	local opts=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	REPLAY_OUT=$BED_DIR/spawn.out
	in_host "$PYTHON" "$CALLERSPAWN" "${opts[@]}" -- "$PASST_BIN" "$@" \
		>"$REPLAY_OUT" 2>"$BED_DIR/spawn.err" ||
		{ cat "$BED_DIR/spawn.err"; fail "callerspawn.py failed"; }
	sed 's/^/    /' "$REPLAY_OUT"
	REPLAY_EXIT=$(replay_val exit)
	REPLAY_READY_MS=$(awk '$1 == "ready" { print $2; exit }' "$REPLAY_OUT")
	BRIDGE_PID=$(awk '$1 == "client" { print $2; exit }' "$REPLAY_OUT")
	[ "$BRIDGE_PID" = none ] && BRIDGE_PID=
	PASST_PID=$(replay_val daemon)
	[ "$PASST_PID" = none ] && PASST_PID=
	[ "$REPLAY_EXIT" = 0 ] ||
		fail "the started process ended with status $REPLAY_EXIT" \
		     "(negative: killed by that signal)"
	[ -n "$PASST_PID" ] || fail "no daemon left running"
}

# replay_guest_connected - The guest's side is connected and running
replay_guest_connected() {
	grep -q 'connected to' "$BED_DIR/bridge.log" 2>/dev/null &&
		kill -0 "$BRIDGE_PID" 2>/dev/null
}

# replay_guest_lease [ADDR] - DHCP gives the guest ADDR (default $HOST4)
# and the guest configures it, with a default route through the gateway
replay_guest_lease() {
	local want=${1:-$HOST4}
	wait_for replay_guest_connected || {
		cat "$BED_DIR/bridge.log"
		fail "the guest's side did not connect (it tries once)"
	}
	link_udhcpc || { cat "$BED_DIR/udhcpc.log"; fail "no DHCP lease"; }
	[ "$(lease4 ip)" = "$want" ] || fail "lease '$(lease4 ip)', want $want"
	in_guest ip addr add "$(lease4 ip)/$(lease4 subnet)" dev tap0 ||
		fail "ip addr add"
	in_guest ip route add default via "$(lease4 router)" ||
		fail "ip route add"
}

# replay_guest_traffic - TCP from the remote over IPv4 and IPv6 (1 MiB,
# sha256), the gateway's ARP and NDP answers not the guest's own MAC, and
# the host's port 2222 forwarded to the guest's port 22 (-t 2222:22)
# With REPLAY_V6=0: IPv4 only; REPLAY_FWD_ADDR: where the host reaches the
# forwarded port (default 127.0.0.1; "none": not checked)
replay_guest_traffic() {
	local addr mac want remotes=("$REMOTE4") gws=("$GW4")

	head -c $((1024 * 1024)) /dev/urandom >"$BED_DIR/src"
	want=$(tcp_sha "$BED_DIR/src")
	if [ "${REPLAY_V6:-1}" = 1 ]; then
		in_guest ip -6 addr add "$HOST6/64" dev tap0 nodad ||
			fail "ip -6 addr add"
		in_guest ip -6 route replace default via "$GW6" dev tap0 ||
			fail "ip -6 route replace"
		remotes+=("$REMOTE6")
		gws+=("$GW6")
	fi
	for addr in "${remotes[@]}"; do
		rm -f "$BED_DIR/dst" "$BED_DIR/srv.out"
		bed_bg in_remote python3 "$TCPTOOL" send-server "$addr" 9000 \
			"$BED_DIR/src" >"$BED_DIR/srv.out"
		tcp_wait_file "$BED_DIR/srv.out" listening ||
			fail "server on $addr did not start"
		timeout 30 ip netns exec "$NS_GUEST" python3 "$TCPTOOL" get \
			"$addr" 9000 "$BED_DIR/dst" ||
			fail "download from $addr failed"
		[ "$(tcp_sha "$BED_DIR/dst")" = "$want" ] ||
			fail "download from $addr: sha256 differs"
	done
	for addr in "${gws[@]}"; do
		mac=$(in_guest ip neigh show "$addr" dev tap0 |
		      grep -o 'lladdr [0-9a-f:]*' | cut -d' ' -f2)
		[ -n "$mac" ] || fail "no neighbour entry for $addr"
		[ "$mac" != "$GUEST_MAC" ] ||
			fail "the gateway $addr answers with the guest's own MAC"
	done
	echo "    gateway's MAC as the guest sees it: $mac"
	[ "${REPLAY_FWD_ADDR:-}" = none ] && return 0

	rm -f "$BED_DIR/dst" "$BED_DIR/srv.out"
	bed_bg in_guest python3 "$TCPTOOL" send-server 0.0.0.0 22 \
		"$BED_DIR/src" >"$BED_DIR/srv.out"
	tcp_wait_file "$BED_DIR/srv.out" listening ||
		fail "guest server on port 22 did not start"
	timeout 30 ip netns exec "$NS_HOST" python3 "$TCPTOOL" get \
		"${REPLAY_FWD_ADDR:-127.0.0.1}" 2222 "$BED_DIR/dst" ||
		fail "${REPLAY_FWD_ADDR:-127.0.0.1}:2222 to the guest failed"
	[ "$(tcp_sha "$BED_DIR/dst")" = "$want" ] ||
		fail "forwarded port 2222: sha256 differs"
}

# replay_wait_gone PATH... - The guest leaves (its side is stopped): with
# --one-off or --fd the daemon exits, and removes each PATH
replay_wait_gone() {
	local p
	bed_disconnect_guest
	wait_for eval '! daemon_alive' || fail "daemon still running after" \
		"the guest left"
	PASST_PID=
	for p in "$@"; do
		[ -e "$p" ] && fail "$p left behind"
	done
	return 0
}
