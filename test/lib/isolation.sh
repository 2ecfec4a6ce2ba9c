# SPDX-License-Identifier: GPL-2.0-or-later
# test/lib/isolation.sh - Helpers for the isolation_*.sh cases: read a
# running daemon's /proc state, build the test variant (seccomp + trigger)
#
# Sourced after lib.sh. Not a case of its own (not executable).
# shellcheck shell=bash

# iso_wait_sealed - Wait until the daemon (started with -d) logged the last
# isolation step: the socket appears before the sandbox is complete
iso_wait_sealed() {
	wait_for daemon_log_has -e 'seccomp filter installed' \
		-e 'No seccomp filter in this build' ||
		fail "daemon did not finish its isolation steps"
}

# iso_field PID NAME - Print field NAME of /proc/PID/status (tabs squeezed)
iso_field() {
	sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" | tr -s '\t ' ' '
}

# iso_check_caps PID - Fail unless PID holds no capability in any set
iso_check_caps() {
	local set v
	for set in CapInh CapPrm CapEff CapBnd CapAmb; do
		v=$(iso_field "$1" "$set")
		[ -n "$v" ] || fail "no $set in /proc/$1/status"
		[ "$((16#$v))" -eq 0 ] || fail "$set is $v, not 0"
	done
}

# iso_check_hardened PID - No new privileges, no core dumps, not dumpable
iso_check_hardened() {
	local core
	[ "$(iso_field "$1" NoNewPrivs)" = 1 ] || fail "NoNewPrivs is not 1"
	core=$(awk '/^Max core file size/ { print $5, $6 }' "/proc/$1/limits")
	[ "$core" = "0 0" ] || fail "core file size limit is '$core', not 0 0"
	# Files of a non-dumpable process belong to root, not to its user
	[ "$(stat -c %u "/proc/$1/status")" = 0 ] ||
		fail "daemon is dumpable: /proc/$1 belongs to its user"
}

# iso_ns PID NAME - Print the namespace identifier of PID's namespace NAME
iso_ns() {
	readlink "/proc/$1/ns/$2"
}

# iso_check_new_ns PID NAME... - Fail unless each namespace differs from ours
iso_check_new_ns() {
	local pid=$1 ns
	shift
	for ns in "$@"; do
		[ "$(iso_ns "$pid" "$ns")" != "$(iso_ns $$ "$ns")" ] ||
			fail "daemon shares our $ns namespace"
	done
}

# iso_check_host_netns PID - The daemon uses $NS_HOST's network namespace
iso_check_host_netns() {
	local want
	want="net:[$(stat -L -c %i "/run/netns/$NS_HOST")]"
	[ "$(iso_ns "$1" net)" = "$want" ] ||
		fail "daemon's network namespace $(iso_ns "$1" net), not $want"
}

# iso_check_empty_root PID - Root is an empty directory, nothing writable
iso_check_empty_root() {
	local root="/proc/$1/root" list
	list=$(ls -A "$root/") || fail "cannot list the daemon's root"
	[ -z "$list" ] || fail "daemon's root is not empty: $list"
	[ "$(readlink "/proc/$1/cwd")" = "$(readlink "$root")" ] ||
		fail "daemon's cwd $(readlink "/proc/$1/cwd") is not its root"
	if touch "$root/probe" 2>/dev/null; then
		rm -f "$root/probe"
		fail "daemon's root is writable"
	fi
}

# iso_build_test - Build the test variant (SECCOMP=1 TRIGGER=1) in its own
# output directory below $O (set by make check; default build); sets ISO_BIN
iso_build_test() {
	local o=${O:-build} log
	need_cmd make
	need_cmd cc
	case $o in /*) ;; *) o=$BED_TOP/$o ;; esac
	o=$o/isolation-test
	log=$BED_DIR/build.log
	mkdir -p "$o"
	# Serialised: two cases building the same directory at once collide
	flock "$o/.lock" make -C "$BED_TOP" -j2 O="$o" SECCOMP=1 TRIGGER=1 \
		"$o/passt" >"$log" 2>&1 ||
		fail "make SECCOMP=1 TRIGGER=1 failed: $(tail -15 "$log")"
	# shellcheck disable=SC2034 # used by the sourcing case
	ISO_BIN=$o/passt
}
