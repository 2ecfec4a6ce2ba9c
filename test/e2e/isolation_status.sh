#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
#
# isolation_status - Started by root in the foreground, the running daemon
# is the --runas default user (nobody) with no supplementary groups, holds no
# capability in any set, has no-new-privileges, no core dumps and is not
# dumpable; its user, mount, IPC and UTS namespaces are new, its network
# namespace is the host's; its root is an empty, read-only directory; every
# step was logged at debug level; if the filter is built in, Seccomp is 2
# (isolation_seccomp checks a filter build whatever the default). It still
# serves a guest, and on SIGTERM removes its socket.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/isolation.sh"

bed_setup
CAP=$BED_DIR/cap.pcap
bed_start_daemon -d -p "$CAP"
iso_wait_sealed
P=$PASST_PID

uid=$(id -u nobody) gid=$(id -g nobody) || skip "no user nobody"
[ "$(iso_field "$P" Uid)" = "$uid $uid $uid $uid" ] ||
	fail "Uid is '$(iso_field "$P" Uid)', not nobody's $uid"
[ "$(iso_field "$P" Gid)" = "$gid $gid $gid $gid" ] ||
	fail "Gid is '$(iso_field "$P" Gid)', not nobody's group $gid"
[ -z "$(iso_field "$P" Groups)" ] ||
	fail "supplementary groups left: $(iso_field "$P" Groups)"
iso_check_caps "$P"
iso_check_hardened "$P"
iso_check_new_ns "$P" user mnt ipc uts
iso_check_host_netns "$P"
iso_check_empty_root "$P"

for msg in 'Running as user' 'No new privileges' 'Detached into new user' \
	   'Root is now an empty' 'Every capability dropped'; do
	daemon_log_has "$msg" || fail "no debug line '$msg'"
done
if daemon_log_has 'seccomp filter installed'; then
	[ "$(iso_field "$P" Seccomp)" = 2 ] ||
		fail "filter logged as installed, but Seccomp is $(iso_field "$P" Seccomp)"
else
	daemon_log_has 'No seccomp filter in this build' ||
		fail "the log says nothing about the seccomp filter"
fi
daemon_log_has -e 'Namespaces unavailable' -e 'Falling back' \
	-e 'Root not emptied' && fail "isolation degraded on this kernel"

bed_connect_guest
in_guest python3 "$GUESTSOCK" rawsend tap0 --tag iso --count 5 ||
	fail "rawsend"
wait_for pcap_tagged_is "$CAP" iso 5 ||
	fail "sandboxed daemon captured $(pcap_tagged "$CAP" iso) of 5 frames"

bed_stop_daemon
[ "$PASST_RC" = 0 ] || fail "daemon exited with $PASST_RC on SIGTERM"
[ -e "$SOCK" ] && fail "socket left behind after SIGTERM"
pass
