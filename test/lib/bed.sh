# SPDX-License-Identifier: GPL-2.0-or-later
# test/lib/bed.sh - The end-to-end test bed: namespaces, daemon, guest bridge
#
# Sourced by every test/e2e/*.sh case. Three network namespaces, unique per
# run (suffix $$), so that parallel runs do not collide:
#
#   $NS_GUEST   tap0 <-- tapbridge -- unix socket $SOCK --+
#   $NS_HOST    passt (the daemon under test) ------------+
#
# (BACKEND=pasta: no bridge and no socket; the daemon, run as pasta in
# $NS_HOST with --netns $NS_GUEST -I tap0, makes tap0 in $NS_GUEST itself)
#               veth-h 192.0.2.2/24 2001:db8:1::2/64
#                 |
#   $NS_REMOTE  veth-r 192.0.2.1/24 2001:db8:1::1/64, servers on lo:
#               $REMOTE4 198.51.100.1, $REMOTE6 2001:db8:100::1
#
# API: bed_setup, bed_start_daemon [ARGS], bed_start_daemon_bg [ARGS],
# bed_stop_daemon, daemon_alive, daemon_log_has PATTERN,
# bed_connect_guest [TAPBRIDGE ARGS], bed_disconnect_guest,
# guest_static_config, bed_bg [in_NS] CMD..., in_guest, in_host, in_remote,
# pass, fail MSG, skip MSG, wait_for CMD..., need_cmd NAME,
# pcap_tagged FILE TAG, pcap_tagged_is FILE TAG N (frames sent by
# $GUESTSOCK, a fake guest for framing edge cases: see its --help).
# Variables: NS_*, BED_DIR, SOCK, PASST_PID, BRIDGE_PID, OUR_MAC, GUEST_MAC,
# HOST4/6, GW4/6, REMOTE4/6, DNS4/6, PYTHON.
# Tests send traffic only to loopback and to these namespaces.

set -u

BED_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BED_TOP=$(cd "$BED_LIB_DIR/../.." && pwd)
BED_TOOLS_DIR=$BED_TOP/test/tools	# tapbridge.c, guestsock.py, rawguest.py

: "${PASST:=$BED_TOP/build/passt}"
: "${PASST_BIN:=$PASST}"
: "${TAPBRIDGE:=$BED_TOP/build/tools/tapbridge}"
: "${VHOST_FRONT:=$BED_TOP/build/tools/vhost_front}"
# The daemon's back-end (test/run sets it per case): stream (qemu's stream
# socket, tapbridge in the guest namespace), vhost-user (vhost_front), or
# pasta (the daemon invoked as pasta, its own tap device in the guest
# namespace)
: "${BACKEND:=stream}"
: "${WAIT_TIMEOUT_S:=10}"
GUESTSOCK="$BED_TOOLS_DIR/guestsock.py"

# The system python3 if there is one: a pyenv shim first in PATH costs about
# a second per start on a loaded machine. bed_setup puts it first in PATH.
if [ -x /usr/bin/python3 ]; then
	PYTHON=/usr/bin/python3
else
	PYTHON=$(command -v python3)
fi

OUR_MAC=9a:55:9a:55:9a:55	# the daemon's default MAC (gateway's)
GUEST_MAC=52:54:00:12:34:56	# tap0 in the guest
HOST4=192.0.2.2
GW4=192.0.2.1
HOST6=2001:db8:1::2
GW6=2001:db8:1::1
REMOTE4=198.51.100.1
REMOTE6=2001:db8:100::1
DNS4=192.0.2.53
DNS6=2001:db8:1::53

NS_REMOTE='' NS_HOST='' NS_GUEST='' BED_DIR='' SOCK=''
PASST_PID='' BRIDGE_PID=''
# Set by bed_stop_daemon and bed_disconnect_guest, for the tests
export PASST_RC='' BRIDGE_RC=''
BED_PIDS=()

# pass - Report success and exit 0
pass() {
	echo "PASS"
	exit 0
}

# bed_show_logs - Print the tail of the daemon's and the bridge's logs
bed_show_logs() {
	local f
	[ -n "$BED_DIR" ] || return 0
	for f in passt.log passt.out bridge.log; do
		[ -s "$BED_DIR/$f" ] || continue
		echo "--- last 30 lines of $f ---"
		tail -30 "$BED_DIR/$f"
	done
}

# fail MSG - Report failure with the daemon's log tail and exit 1
fail() {
	echo "FAIL: $*"
	bed_show_logs
	exit 1
}

# skip MSG - Exit 77 with MSG as the last line of output
skip() {
	echo "SKIP: $*"
	exit 77
}

# need_cmd NAME - Skip the test unless command NAME exists
need_cmd() {
	command -v "$1" >/dev/null 2>&1 || skip "$1 not available"
}

# wait_for CMD... - Poll CMD every 0.1 s for up to $WAIT_TIMEOUT_S seconds
wait_for() {
	local i n=$((WAIT_TIMEOUT_S * 10))
	for ((i = 0; i < n; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

in_guest() { ip netns exec "$NS_GUEST" "$@"; }
in_host() { ip netns exec "$NS_HOST" "$@"; }
in_remote() { ip netns exec "$NS_REMOTE" "$@"; }

# bed_bg [in_guest|in_host|in_remote] CMD... - Start CMD in the background
# (in that namespace); it is killed at cleanup. Sets BG_PID, the PID of CMD
# itself (ip netns exec keeps it; a shell function in the background would
# not).
bed_bg() {
	case "$1" in
	in_guest)  shift; ip netns exec "$NS_GUEST" "$@" & ;;
	in_host)   shift; ip netns exec "$NS_HOST" "$@" & ;;
	in_remote) shift; ip netns exec "$NS_REMOTE" "$@" & ;;
	*)         "$@" & ;;
	esac
	BG_PID=$!
	BED_PIDS+=("$BG_PID")
}

# bed_wait_ns PID NS - Wait until PID (started with bed_bg in_*) runs in
# namespace NS: ip netns exec enters it only after the fork that bed_bg
# returns from, so a caller that joins PID's namespace must wait for this
bed_wait_ns() {
	wait_for bed_pid_in_ns "$1" "$2"
}
bed_pid_in_ns() { [ "$(ip netns identify "$1" 2>/dev/null)" = "$2" ]; }

# bed_kill PID - SIGTERM, then SIGKILL after 2 s, a process we started
bed_kill() {
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 20; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# bed_cleanup - EXIT trap: kill what we started, delete namespaces, files
bed_cleanup() {
	local rc=$? pid ns keep
	trap - EXIT INT TERM
	{
		bed_kill "$BRIDGE_PID"
		bed_kill "$PASST_PID"
		for pid in "${BED_PIDS[@]}"; do
			bed_kill "$pid"
		done
		# Anything else still inside our own namespaces
		for ns in "$NS_GUEST" "$NS_HOST" "$NS_REMOTE"; do
			[ -n "$ns" ] || continue
			for pid in $(ip netns pids "$ns" 2>/dev/null); do
				kill -KILL "$pid"
			done
			ip netns del "$ns"
		done
		[ -n "$NS_HOST" ] && rm -rf "/etc/netns/$NS_HOST"
		if [ -n "$BED_DIR" ]; then
			if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] &&
			   [ -n "${LOGDIR:-}" ] && [ -d "${LOGDIR:-}" ]; then
				keep="$LOGDIR/$(basename "$0" .sh).bed"
				mkdir -p "$keep" && cp -r "$BED_DIR"/. "$keep"/
			fi
			rm -rf "$BED_DIR"
		fi
	} >/dev/null 2>&1
	exit "$rc"
}

# bed_ns_sysctls NS - No DAD, no autoconfiguration surprises in NS
bed_ns_sysctls() {
	ip netns exec "$1" sh -c '
		sysctl -qw net.ipv6.conf.all.accept_dad=0
		sysctl -qw net.ipv6.conf.default.accept_dad=0
		ip link set lo up'
}

# bed_setup - Create the three namespaces, the veth pair, resolv.conf
bed_setup() {
	local ns

	[ "$(id -u)" -eq 0 ] || skip "needs root for network namespaces"
	need_cmd ip
	[ -x "$PASST_BIN" ] || fail "no daemon binary at $PASST_BIN"
	[ -x "$TAPBRIDGE" ] || fail "no tapbridge at $TAPBRIDGE"
	[ -c /dev/net/tun ] || skip "no /dev/net/tun"

	NS_REMOTE=pt-r-$$ NS_HOST=pt-h-$$ NS_GUEST=pt-g-$$
	BED_DIR=$(mktemp -d /tmp/passt-bed.XXXXXX)
	# Sticky and world-writable like /tmp: the daemon drops to nobody and
	# must still remove its own socket and pid file here
	chmod 1777 "$BED_DIR"
	SOCK=$BED_DIR/passt.sock
	trap bed_cleanup EXIT
	if [ -n "$PYTHON" ]; then
		mkdir -m 755 "$BED_DIR/bin" &&
			ln -s "$PYTHON" "$BED_DIR/bin/python3" &&
			export PATH="$BED_DIR/bin:$PATH"
	fi
	trap 'exit 143' TERM
	trap 'exit 130' INT

	ip netns add "$NS_REMOTE" || skip "cannot create network namespaces"
	ip netns add "$NS_HOST" || fail "ip netns add $NS_HOST"
	ip netns add "$NS_GUEST" || fail "ip netns add $NS_GUEST"
	for ns in "$NS_REMOTE" "$NS_HOST" "$NS_GUEST"; do
		bed_ns_sysctls "$ns" || fail "sysctls in $ns"
	done

	ip -n "$NS_REMOTE" link add veth-r type veth \
		peer name veth-h netns "$NS_HOST" || fail "veth pair"
	in_remote sh -e -c "
		ip link set veth-r mtu 1500 up
		ip addr add $GW4/24 dev veth-r
		ip -6 addr add $GW6/64 dev veth-r nodad
		ip addr add $REMOTE4/32 dev lo
		ip -6 addr add $REMOTE6/128 dev lo nodad" ||
		fail "remote namespace configuration"
	in_host sh -e -c "
		ip link set veth-h mtu 1500 up
		ip addr add $HOST4/24 dev veth-h
		ip -6 addr add $HOST6/64 dev veth-h nodad
		ip route add default via $GW4
		ip -6 route add default via $GW6" ||
		fail "host namespace configuration"

	# pasta mode is chosen by the program's name
	PASTA_BIN=$BED_DIR/pasta
	ln -s "$PASST_BIN" "$PASTA_BIN" || fail "ln -s $PASST_BIN $PASTA_BIN"

	mkdir -p "/etc/netns/$NS_HOST" || fail "mkdir /etc/netns/$NS_HOST"
	printf 'nameserver %s\nnameserver %s\nsearch test.example\n' \
		"$DNS4" "$DNS6" >"/etc/netns/$NS_HOST/resolv.conf"
}

# bed_sock_listening - True if a socket bound to $SOCK listens in $NS_HOST
# (the file appears at bind(), before listen(): connect() is refused then)
bed_sock_listening() {
	# shellcheck disable=SC2016 # awk's own variables
	in_host awk -v p="$SOCK" '$NF == p && $4 == "00010000" { f = 1 }
				  END { exit !f }' /proc/net/unix
}

# bed_wait_socket - Wait until $SOCK listens while $PASST_PID runs
bed_wait_socket() {
	local i n=$((WAIT_TIMEOUT_S * 10))
	for ((i = 0; i < n; i++)); do
		[ -S "$SOCK" ] && bed_sock_listening && return 0
		daemon_alive || fail "daemon exited during start-up"
		sleep 0.1
	done
	fail "daemon socket $SOCK did not appear"
}

# bed_mode_args - The daemon's options for $BACKEND
bed_mode_args() {
	case "$BACKEND" in
	stream) ;;
	vhost-user) echo "--vhost-user" ;;
	pasta) ;;
	*) fail "unknown BACKEND '$BACKEND'" ;;
	esac
}

# bed_pasta_link - Point $PASTA_BIN at $PASST_BIN, which a case may have
# changed since bed_setup (another build, a wrapper: a wrapper must keep
# argv[0], exec -a "$0")
bed_pasta_link() {
	ln -sfn "$PASST_BIN" "$PASTA_BIN" || fail "ln -s $PASST_BIN $PASTA_BIN"
}

# bed_pasta_sealed - True once $PASST_PID runs under its seccomp filter:
# the last step before the loop, after the tap device and the listeners
bed_pasta_sealed() {
	grep -q '^Seccomp:[[:space:]]*2' "/proc/$PASST_PID/status" 2>/dev/null
}

# bed_wait_pasta - Wait until tap0 exists in $NS_GUEST and $PASST_PID is
# sealed (a build without seccomp: 2 s after tap0 appeared)
bed_wait_pasta() {
	local i n=$((WAIT_TIMEOUT_S * 10)) seen=-1
	for ((i = 0; i < n; i++)); do
		daemon_alive || fail "daemon exited during start-up"
		if ip -n "$NS_GUEST" link show tap0 >/dev/null 2>&1; then
			[ "$seen" -lt 0 ] && seen=$i
			bed_pasta_sealed && return 0
			[ $((i - seen)) -ge 20 ] && return 0
		fi
		sleep 0.1
	done
	fail "daemon made no tap0 in $NS_GUEST"
}

# bed_start_daemon [ARGS...] - Start the daemon in $NS_HOST in foreground
# mode, socket $SOCK, log $BED_DIR/passt.log (stdout/stderr: passt.out).
# Sets PASST_PID; returns once the socket exists. pasta: as pasta, serving
# $NS_GUEST through tap0; returns once it runs its loop. pasta gets
# "-t none -u none -T none -U none" first, as podman passes them (the
# defaults would be "auto", which would forward the servers cases start
# from one side to the other), unless PASTA_FWD_DEFAULT says otherwise
# ("" for pasta's own defaults); the case's own -t... add to them.
bed_start_daemon() {
	if [ "$BACKEND" = pasta ]; then
		bed_pasta_link
		# shellcheck disable=SC2086 # words on purpose
		ip netns exec "$NS_HOST" "$PASTA_BIN" --netns "$NS_GUEST" \
			-I tap0 -f -l "$BED_DIR/passt.log" \
			${PASTA_FWD_DEFAULT--t none -u none -T none -U none} \
			"$@" \
			>>"$BED_DIR/passt.out" 2>&1 </dev/null &
		PASST_PID=$!
		bed_wait_pasta
		return 0
	fi
	rm -f "$SOCK"
	# shellcheck disable=SC2046 # no option or one
	ip netns exec "$NS_HOST" "$PASST_BIN" $(bed_mode_args) -f -s "$SOCK" \
		-l "$BED_DIR/passt.log" "$@" >>"$BED_DIR/passt.out" 2>&1 \
		</dev/null &
	PASST_PID=$!
	bed_wait_socket
}

# bed_start_daemon_bg [ARGS...] - Start the daemon without -f: it must write
# the pid file $BED_DIR/passt.pid and detach. Sets PASST_PID from the file.
bed_start_daemon_bg() {
	local rc
	rm -f "$SOCK" "$BED_DIR/passt.pid"
	if [ "$BACKEND" = pasta ]; then
		bed_pasta_link
		in_host "$PASTA_BIN" --netns "$NS_GUEST" -I tap0 \
			-l "$BED_DIR/passt.log" -P "$BED_DIR/passt.pid" "$@" \
			>>"$BED_DIR/passt.out" 2>&1 </dev/null
	else
		# shellcheck disable=SC2046 # no option or one
		in_host "$PASST_BIN" $(bed_mode_args) -s "$SOCK" \
			-l "$BED_DIR/passt.log" -P "$BED_DIR/passt.pid" "$@" \
			>>"$BED_DIR/passt.out" 2>&1 </dev/null
	fi
	rc=$?
	[ "$rc" -eq 0 ] || fail "daemon parent exited with $rc"
	[ -s "$BED_DIR/passt.pid" ] || fail "no pid file after the parent exited"
	PASST_PID=$(tr -d ' \n' <"$BED_DIR/passt.pid")
	[[ "$PASST_PID" =~ ^[0-9]+$ ]] || fail "pid file holds '$PASST_PID'"
	if [ "$BACKEND" = pasta ]; then
		bed_wait_pasta
	else
		bed_wait_socket
	fi
}

# daemon_alive - True if $PASST_PID is a running (not zombie) process
daemon_alive() {
	local st
	[ -n "$PASST_PID" ] || return 1
	st=$(awk '{ print $3 }' "/proc/$PASST_PID/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# bed_stop_daemon - SIGTERM the daemon, wait for it; sets PASST_RC (exit
# status, 143 if it had to be killed, empty if not our child)
bed_stop_daemon() {
	local i
	PASST_RC=
	[ -n "$PASST_PID" ] || return 0
	kill -TERM "$PASST_PID" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		daemon_alive || break
		sleep 0.1
	done
	if daemon_alive; then
		kill -KILL "$PASST_PID"
		fail "daemon did not exit within 5 s of SIGTERM"
	fi
	wait "$PASST_PID" 2>/dev/null
	PASST_RC=$?
	PASST_PID=
}

# bed_guest_args ARGS... - tapbridge's options for the guest's side on
# $BACKEND: vhost_front takes -n MTU and -r alike; -R NETNS (reboot on
# signals) only tapbridge has, so it is left out there
bed_guest_args() {
	while [ $# -gt 0 ]; do
		case "$BACKEND:$1" in
		vhost-user:-R) shift ;;
		*) printf '%s\n' "$1" ;;
		esac
		shift
	done
}

# bed_connect_guest [TAPBRIDGE ARGS...] - Start the guest's side in
# $NS_GUEST: tap0 with $GUEST_MAC, connected to $SOCK (tapbridge, or
# vhost_front on the vhost-user back-end, with $VHOST_FRONT_ARGS too).
# Sets BRIDGE_PID; log bridge.log.
bed_connect_guest() {
	local n0 i tool=$TAPBRIDGE args=()
	if [ "$BACKEND" = pasta ]; then
		bed_pasta_link_up "$@"
		return
	fi
	mapfile -t args < <(bed_guest_args "$@")
	if [ "$BACKEND" = vhost-user ]; then
		tool=$VHOST_FRONT
		# shellcheck disable=SC2206 # words on purpose
		args+=(${VHOST_FRONT_ARGS:-})
	fi
	[ -x "$tool" ] || fail "no guest side tool at $tool"
	n0=$(grep -c 'connected to' "$BED_DIR/bridge.log" 2>/dev/null)
	ip netns exec "$NS_GUEST" "$tool" -i tap0 -s "$SOCK" \
		-m "$GUEST_MAC" "${args[@]}" 2>>"$BED_DIR/bridge.log" </dev/null &
	BRIDGE_PID=$!
	for ((i = 0; i < WAIT_TIMEOUT_S * 10; i++)); do
		[ "$(grep -c 'connected to' "$BED_DIR/bridge.log" \
		     2>/dev/null)" -gt "${n0:-0}" ] 2>/dev/null && return 0
		kill -0 "$BRIDGE_PID" 2>/dev/null ||
			fail "$(basename "$tool") exited before connecting"
		sleep 0.1
	done
	fail "$(basename "$tool") did not connect to $SOCK"
}

# bed_pasta_link_up [TAPBRIDGE ARGS...] - pasta: what tapbridge would do
# to tap0: $GUEST_MAC, MTU (-n, else 1500, tapbridge's default), up;
# -r and -R (reconnect, reboot) have no meaning here
bed_pasta_link_up() {
	local mtu=1500
	while [ $# -gt 0 ]; do
		case "$1" in
		-n) mtu=$2; shift ;;
		-R|-m|-s|-i) shift ;;
		esac
		shift
	done
	in_guest ip link set tap0 down &&
		in_guest ip link set tap0 address "$GUEST_MAC" mtu "$mtu" up ||
		fail "setting tap0 up in $NS_GUEST"
	BRIDGE_PID=
}

# bed_disconnect_guest - Stop tapbridge (tap0 disappears); sets BRIDGE_RC.
# pasta: tap0 goes down (the daemon keeps it)
bed_disconnect_guest() {
	if [ "$BACKEND" = pasta ]; then
		in_guest ip link set tap0 down
		BRIDGE_RC=0
		return 0
	fi
	BRIDGE_RC=
	[ -n "$BRIDGE_PID" ] || return 0
	kill -TERM "$BRIDGE_PID" 2>/dev/null
	wait "$BRIDGE_PID" 2>/dev/null
	BRIDGE_RC=$?
	BRIDGE_PID=
}

# guest_static_config - Guest tap0 gets the host's addresses, static routes
# and neighbour entries for both gateways, so no ARP/NDP/DHCP is needed.
# Router advertisements are ignored from now on, and whatever one already
# configured (SLAAC address, default route) is removed first. Idempotent.
guest_static_config() {
	in_guest sh -e -c "
		sysctl -qw net.ipv6.conf.tap0.accept_ra=0
		sysctl -qw net.ipv6.conf.tap0.autoconf=0
		ip -6 addr flush dev tap0 scope global
		ip -6 route flush dev tap0 proto ra
		ip addr replace $HOST4/24 dev tap0
		ip -6 addr replace $HOST6/64 dev tap0 nodad
		ip route replace default via $GW4 dev tap0
		ip -6 route replace default via $GW6 dev tap0
		ip neigh replace $GW4 lladdr $OUR_MAC dev tap0 nud permanent
		ip -6 neigh replace $GW6 lladdr $OUR_MAC dev tap0 nud permanent" ||
		fail "guest static configuration"
}

# daemon_log_has [GREP OPTS] PATTERN - The daemon's log or output matches
daemon_log_has() {
	cat "$BED_DIR/passt.log" "$BED_DIR/passt.out" 2>/dev/null | grep -q "$@"
}

# pcap_tagged FILE TAG - Print how many distinct intact frames tagged TAG
# (sent by guestsock.py) FILE holds; fails if any tagged frame is corrupt
pcap_tagged() {
	python3 "$GUESTSOCK" pcapcount "$1" --tag "$2"
}

# pcap_tagged_is FILE TAG N - True once FILE holds exactly N tagged frames
pcap_tagged_is() {
	[ "$(pcap_tagged "$1" "$2")" = "$3" ]
}
