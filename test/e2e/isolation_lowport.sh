#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
#
# isolation_lowport - With a UDP forward of a privileged port (-u 53:5353),
# each flow's socket binds port 53 again after start-up, so the daemon keeps
# CAP_NET_BIND_SERVICE, and that capability alone (effective and permitted;
# bounding, inheritable and ambient sets empty). For it to stay valid in the
# host's network namespace there is no user namespace; mount, IPC and UTS
# namespaces, the empty root, no-new-privileges and the --runas user hold as
# always. A datagram from the remote namespace to the host's port 53 reaches
# the guest's server on 5353 and the answer comes back.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/isolation.sh"
. "$(dirname "$0")/../lib/udp.sh"

bed_setup
need_cmd python3
udp_tool_init
udp_start -d -u 53:5353
iso_wait_sealed
P=$PASST_PID

uid=$(id -u nobody) || skip "no user nobody"
[ "$(iso_field "$P" Uid)" = "$uid $uid $uid $uid" ] ||
	fail "Uid is '$(iso_field "$P" Uid)', not nobody's $uid"
for set in CapEff CapPrm; do
	[ "$(iso_field "$P" "$set")" = 0000000000000400 ] ||
		fail "$set is $(iso_field "$P" "$set"), not CAP_NET_BIND_SERVICE alone"
done
for set in CapInh CapBnd CapAmb; do
	[ "$((16#$(iso_field "$P" "$set")))" -eq 0 ] ||
		fail "$set is $(iso_field "$P" "$set"), not 0"
done
iso_check_hardened "$P"
iso_check_new_ns "$P" mnt ipc uts
[ "$(iso_ns "$P" user)" = "$(iso_ns $$ user)" ] ||
	fail "user namespace created: CAP_NET_BIND_SERVICE would not count"
daemon_log_has 'no user namespace: CAP_NET_BIND_SERVICE kept' ||
	fail "no debug line about the missing user namespace"
iso_check_host_netns "$P"
iso_check_empty_root "$P"

bed_bg in_guest python3 "$UDPTOOL" echo-server "$HOST4" 5353 \
	>"$BED_DIR/g4.out"
udp_wait_file "$BED_DIR/g4.out" listening || fail "guest server not up"
in_remote python3 "$UDPTOOL" echo "$HOST4" 53 1 1400 ||
	fail "remote to $HOST4 port 53 failed"
daemon_log_has 'socket bound to port 53' ||
	fail "no flow socket bound to port 53"
daemon_alive || fail "daemon died"
bed_stop_daemon
[ "$PASST_RC" = 0 ] || fail "daemon exited with $PASST_RC"
pass
