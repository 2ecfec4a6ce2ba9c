#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
# backends: any
#
# pasta_netns_quit - pasta --netns PATH ends by itself within 2 s of the
# namespace file's removal (ip netns del, as podman removes it), and of a
# rename away; with --no-netns-quit it keeps running.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/pasta.sh"

bed_setup
NS_X=pt-x-$$
# shellcheck disable=SC2154 # st: set by the trap itself
trap 'st=$?; ip netns del "$NS_X" 2>/dev/null; (exit $st); bed_cleanup' EXIT

# start NAME [OPTIONS] - pasta on a new namespace NAME, its PID in $pid
start() {
	local ns=$1
	shift
	ip netns add "$ns" || fail "ip netns add $ns"
	in_host "$PASTA_BIN" -q --config-net -P "$BED_DIR/x.pid" \
		--netns "/run/netns/$ns" "$@" || fail "pasta exited $?"
	pid=$(cat "$BED_DIR/x.pid")
	pasta_running "$pid" || fail "daemon not running"
	ip -n "$ns" link show "$PASTA_IF" >/dev/null ||
		fail "no $PASTA_IF in $ns"
}

# Removal: ip netns del unmounts and removes the file
start "$NS_X"
ip netns del "$NS_X"
ms=$(pasta_gone_within "$pid" 2000) ||
	fail "daemon still there 2 s after ip netns del"
echo "gone ${ms} ms after ip netns del"

# A rename away counts as the end too
start "$NS_X"
umount "/run/netns/$NS_X" 2>/dev/null
mv "/run/netns/$NS_X" "/run/netns/$NS_X.old" || fail "rename"
ms=$(pasta_gone_within "$pid" 2000) ||
	fail "daemon still there 2 s after its namespace file was renamed"
echo "gone ${ms} ms after the rename"
rm -f "/run/netns/$NS_X.old"

# --no-netns-quit: still there 3 s later
start "$NS_X" --no-netns-quit
ip netns del "$NS_X"
sleep 3
pasta_running "$pid" || fail "--no-netns-quit: daemon ended with the namespace"
kill "$pid"
pasta_gone_within "$pid" 2000 >/dev/null || fail "SIGTERM ignored"
pass
