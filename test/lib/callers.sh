# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash disable=SC2034 # variables for the sourcing harness
# test/lib/callers.sh - Shared by the caller harnesses (test/podman/run.sh,
# test/libvirt/run.sh): results, network namespaces, the remote servers, the
# trixie chroot entered in private namespaces
#
# Network, per run (suffix $$, so parallel runs do not collide):
#
#   $C_NS_HOST    the caller (podman or libvirt) and the daemon under test;
#                 veth-h 192.0.2.2/24 2001:db8:1::2/64, default routes to
#                 the remote; /etc/resolv.conf in the chroot names
#                 $C_DNS4 (the daemon copies all this into its guest)
#                   |
#   $C_NS_REMOTE  veth-r 192.0.2.1/24 2001:db8:1::1/64 (the gateway); on lo
#                 $C_REMOTE4 198.51.100.1, $C_REMOTE6 2001:db8:100::1,
#                 $C_DNS4 198.51.100.53: test/lib/remote-servers.py
#
# Traffic goes only to these namespaces and to loopback.
#
# Results: c_pass NAME [DETAIL], c_fail NAME DETAIL, c_skip NAME REASON print
# "PASS|FAIL|SKIP NAME: DETAIL"; c_done exits 0 if nothing failed, else 1;
# c_skip_all REASON exits 77 with "SKIP: REASON" as the last line.

set -u

C_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
C_TOP=$(cd "$C_LIB/../.." && pwd)

C_HOST4=192.0.2.2
C_GW4=192.0.2.1
C_HOST6=2001:db8:1::2
C_GW6=2001:db8:1::1
C_REMOTE4=198.51.100.1
C_REMOTE6=2001:db8:100::1
C_DNS4=198.51.100.53
# Ports of test/lib/remote-servers.py
C_SINK=9001 C_SOURCE=9002 C_HALF=9003 C_TFTP=6969

# The trixie chroot of both harnesses (test/lib/trixie-chroot NAME PKG...):
# one chroot with what each needs, so that a fresh machine builds it once
# (debootstrap and the packages both share) and make check's two cases use
# it at the same time; podman: podman crun uidmap; libvirt: the daemon,
# its qemu driver, virsh and qemu-system-x86; both: passt (trixie's, the
# stand-in peer), busybox-static, libcap-ng0
C_TRIXIE_NAME=callers
C_TRIXIE_PKGS="podman crun uidmap libvirt-daemon-system
	libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 passt
	busybox-static libcap-ng0"

C_NS_HOST='' C_NS_REMOTE='' C_DIR='' C_PIDS=()
C_NPASS=0 C_NFAIL=0 C_NSKIP=0

c_msg() { echo "# $*"; }

c_pass() {
	C_NPASS=$((C_NPASS + 1))
	echo "PASS $1${2:+: $2}"
}

c_fail() {
	C_NFAIL=$((C_NFAIL + 1))
	echo "FAIL $1${2:+: $2}"
}

c_skip() {
	C_NSKIP=$((C_NSKIP + 1))
	echo "SKIP $1${2:+: $2}"
}

# c_skip_all REASON - Skip the whole harness: exit 77, reason last
c_skip_all() {
	echo "SKIP: $*"
	exit 77
}

# c_die REASON - The harness itself failed
c_die() {
	echo "FAIL: $*"
	exit 1
}

# c_count_results FILE - Add the PASS/FAIL/SKIP lines of FILE to the counts
c_count_results() {
	local st
	while read -r st _; do
		case "$st" in
		PASS) C_NPASS=$((C_NPASS + 1)) ;;
		FAIL) C_NFAIL=$((C_NFAIL + 1)) ;;
		SKIP) C_NSKIP=$((C_NSKIP + 1)) ;;
		esac
	done <"$1"
}

# c_done - Print the counts; exit 0 if nothing failed and something passed
c_done() {
	echo "$C_NPASS passed, $C_NFAIL failed, $C_NSKIP skipped"
	[ "$C_NFAIL" -eq 0 ] && [ "$C_NPASS" -gt 0 ] && exit 0
	[ "$C_NPASS" -eq 0 ] && [ "$C_NFAIL" -eq 0 ] &&
		c_skip_all "no assertion could run"
	exit 1
}

c_now() { date +%s.%N; }
c_elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# c_need_cmd NAME... - Skip unless every command exists
c_need_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || c_skip_all "$c not available"
	done
}

# c_kill PID - SIGTERM, SIGKILL after 3 s: a process this harness started
c_kill() {
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 30; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# c_cleanup - EXIT trap: the processes started, the namespaces, the files
c_cleanup() {
	local rc=$? pid ns
	trap - EXIT INT TERM
	{
		for pid in "${C_PIDS[@]}"; do
			c_kill "$pid"
		done
		for ns in "$C_NS_HOST" "$C_NS_REMOTE"; do
			[ -n "$ns" ] || continue
			# Left in our own namespaces: ours too
			for pid in $(ip netns pids "$ns" 2>/dev/null); do
				kill -KILL "$pid"
			done
			ip netns del "$ns"
		done
		if [ -n "$C_DIR" ] && [ -d "$C_DIR" ]; then
			if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] &&
			   [ -n "${LOGDIR:-}" ] && [ -d "${LOGDIR:-}" ]; then
				mkdir -p "$LOGDIR/$C_NAME.logs" &&
				cp -r "$C_DIR/logs/." "$LOGDIR/$C_NAME.logs/"
			fi
			# Mounts were in a mount namespace that is gone by now
			if [ "${C_KEEP:-0}" = 1 ]; then
				echo "# kept: $C_DIR" >&2
			else
				rm -rf --one-file-system "$C_DIR"
			fi
		fi
	} >/dev/null 2>&1
	exit "$rc"
}

# c_setup NAME - Work directory, cleanup trap, the two namespaces
c_setup() {
	local ns

	C_NAME=$1
	[ "$(id -u)" -eq 0 ] || c_skip_all "needs root (namespaces, chroot)"
	c_need_cmd ip unshare nsenter python3 mount flock timeout sha256sum
	C_DIR=$(mktemp -d "${C_TMP:-/tmp}/passt-$C_NAME.XXXXXX") ||
		c_die "mktemp"
	mkdir -p "$C_DIR/logs" "$C_DIR/remote"
	trap c_cleanup EXIT
	trap 'exit 143' TERM
	trap 'exit 130' INT

	C_NS_HOST=pc-h-$$ C_NS_REMOTE=pc-r-$$
	ip netns add "$C_NS_REMOTE" || c_skip_all "cannot create namespaces"
	ip netns add "$C_NS_HOST" || c_die "ip netns add $C_NS_HOST"
	for ns in "$C_NS_REMOTE" "$C_NS_HOST"; do
		ip netns exec "$ns" sh -c '
			sysctl -qw net.ipv6.conf.all.accept_dad=0
			sysctl -qw net.ipv6.conf.default.accept_dad=0
			ip link set lo up' || c_die "sysctls in $ns"
	done
	ip -n "$C_NS_REMOTE" link add veth-r type veth \
		peer name veth-h netns "$C_NS_HOST" || c_die "veth pair"
	ip netns exec "$C_NS_REMOTE" sh -e -c "
		ip link set veth-r mtu 1500 up
		ip addr add $C_GW4/24 dev veth-r
		ip -6 addr add $C_GW6/64 dev veth-r nodad
		ip addr add $C_REMOTE4/32 dev lo
		ip addr add $C_DNS4/32 dev lo
		ip -6 addr add $C_REMOTE6/128 dev lo nodad" ||
		c_die "remote namespace configuration"
	ip netns exec "$C_NS_HOST" sh -e -c "
		ip link set veth-h mtu 1500 up
		ip addr add $C_HOST4/24 dev veth-h
		ip -6 addr add $C_HOST6/64 dev veth-h nodad
		ip route add default via $C_GW4
		ip -6 route add default via $C_GW6" ||
		c_die "host namespace configuration"
	# ping sockets for the daemon's ICMP, whatever its group
	ip netns exec "$C_NS_HOST" \
		sysctl -qw net.ipv4.ping_group_range="0 2147483647" || true
}

# c_remote_start - Make the data files, start the remote servers, wait
# Sets C_SHA_DOWN, C_SHA_HALF, C_SHA_UDP (sha256 of what the servers send)
c_remote_start() {
	local d=$C_DIR/remote i

	head -c 4194304 /dev/urandom >"$d/down.bin"
	head -c 1048576 /dev/urandom >"$d/half.bin"
	head -c 65536 /dev/urandom >"$d/udp.bin"
	C_SHA_DOWN=$(sha256sum <"$d/down.bin" | cut -d' ' -f1)
	C_SHA_HALF=$(sha256sum <"$d/half.bin" | cut -d' ' -f1)
	C_SHA_UDP=$(sha256sum <"$d/udp.bin" | cut -d' ' -f1)
	ip netns exec "$C_NS_REMOTE" python3 "$C_LIB/remote-servers.py" \
		--dir "$d" --sink $C_SINK --source $C_SOURCE --half $C_HALF \
		--tftp $C_TFTP --addr "$C_REMOTE4" --addr "$C_REMOTE6" \
		--addr "$C_DNS4" --lifetime 1200 2>"$C_DIR/logs/remote.log" &
	C_PIDS+=($!)
	for ((i = 0; i < 100; i++)); do
		[ -e "$d/ready" ] && return 0
		kill -0 "${C_PIDS[-1]}" 2>/dev/null || break
		sleep 0.1
	done
	cat "$C_DIR/logs/remote.log"
	c_die "remote servers did not start"
}

# c_chroot_build - Print the trixie chroot's directory ($C_TRIXIE_NAME,
# with $C_TRIXIE_PKGS), building it if needed; skip (77) with the builder's
# reason if it cannot be built. Called in a command substitution: what it
# says on failure goes to standard error, or the reason would end up in the
# caller's variable. The caller then holds the chroot's lock shared
# (c_chroot_lock).
c_chroot_build() {
	local out rc
	# shellcheck disable=SC2086 # package names
	out=$("$C_LIB/trixie-chroot" "$C_TRIXIE_NAME" $C_TRIXIE_PKGS \
		2>"$C_DIR/logs/chroot-build.log")
	rc=$?
	if [ $rc -eq 77 ]; then
		c_skip_all "no trixie chroot: $(tail -n1 "$C_DIR/logs/chroot-build.log")" >&2
	elif [ $rc -ne 0 ]; then
		tail -n 30 "$C_DIR/logs/chroot-build.log" >&2
		c_die "test/lib/trixie-chroot $C_TRIXIE_NAME failed ($rc)" >&2
	fi
	grep '^trixie-chroot:' "$C_DIR/logs/chroot-build.log" | sed 's/^/# /' >&2
	echo "$out"
}

# c_chroot_lock ROOT - Hold the lock of the chroot at ROOT shared on fd 8
# while this harness runs, so that no build changes it under us
c_chroot_lock() {
	exec 8<"$(dirname "$(dirname "$1")")/$C_TRIXIE_NAME.lock"
	flock -s -w 900 8 || c_die "cannot lock the chroot"
}

# c_chroot_run ROOT TIMEOUT CMD... - Run CMD (a path inside the new root) as
# root in $C_NS_HOST, in new mount and PID namespaces, pivoted into an
# overlay of ROOT (test/lib/chroot-enter); all of it is killed at TIMEOUT
# seconds. Extra mounts: C_BINDS=("HOSTPATH:PATH_IN_ROOT[:ro]" ...)
c_chroot_run() {
	local root=$1 tmo=$2
	shift 2
	# --kill-child: if unshare dies (timeout), the PID namespace's init is
	# killed, and with it everything in the namespace
	# (fd 8 and 9: the chroot's lock, not for the processes in it)
	timeout -k 5 "$tmo" ip netns exec "$C_NS_HOST" \
		unshare --mount --pid --fork --kill-child \
		--propagation private -- \
		"$C_LIB/chroot-enter" "$root" "$C_DIR/root" \
			"/run/netns/$C_NS_REMOTE" "${C_BINDS[@]}" -- "$@" \
			8<&- 9<&-
}
