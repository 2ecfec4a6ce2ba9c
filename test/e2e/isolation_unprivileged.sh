#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# backends: stream vhost-user (an ordinary user cannot join the bed's namespaces, which root owns: doc/pasta.md)
# timeout: 60
#
# isolation_unprivileged - Started by an ordinary user (as qemu or libvirt
# users start it), the daemon stays that user, holds no capability, makes
# its own user, mount, IPC and UTS namespaces and empties its root all the
# same; it serves a guest and removes its socket and pid file at exit.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/isolation.sh"

need_cmd setpriv
bed_setup
[ "$(cat /proc/sys/user/max_user_namespaces)" -gt 0 ] ||
	skip "user namespaces disabled (user.max_user_namespaces = 0)"

# Run the daemon as user and group 54321 (the bed directory is sticky and
# world-writable, like /tmp)
REAL_BIN=$PASST_BIN
PASST_BIN=$BED_DIR/as-user.sh
printf '#!/bin/sh\nexec setpriv --reuid 54321 --regid 54321 --clear-groups %s "$@"\n' \
	"$REAL_BIN" >"$PASST_BIN"
chmod 755 "$PASST_BIN"
CAP=$BED_DIR/cap.pcap

bed_start_daemon -d -p "$CAP" -P "$BED_DIR/pid"
iso_wait_sealed
P=$PASST_PID
[ "$(readlink "/proc/$P/exe")" = "$(readlink -f "$REAL_BIN")" ] ||
	fail "pid $P is not the daemon"
[ "$(iso_field "$P" Uid)" = "54321 54321 54321 54321" ] ||
	fail "Uid is '$(iso_field "$P" Uid)', not 54321"
iso_check_caps "$P"
iso_check_hardened "$P"
iso_check_new_ns "$P" user mnt ipc uts
iso_check_host_netns "$P"
iso_check_empty_root "$P"
daemon_log_has -e 'Namespaces unavailable' -e 'Root not emptied' &&
	fail "isolation degraded for an ordinary user"

bed_connect_guest
in_guest python3 "$GUESTSOCK" rawsend tap0 --tag unpriv --count 5 ||
	fail "rawsend"
wait_for pcap_tagged_is "$CAP" unpriv 5 ||
	fail "captured $(pcap_tagged "$CAP" unpriv) of 5 frames"
bed_stop_daemon
[ "$PASST_RC" = 0 ] || fail "daemon exited with $PASST_RC on SIGTERM"
[ -e "$SOCK" ] && fail "socket left behind after SIGTERM"
[ -e "$BED_DIR/pid" ] && fail "pid file left behind after SIGTERM"
pass
