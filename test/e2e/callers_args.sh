#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 240
# backends: stream vhost-user (passt's callers: libvirt and qemu run it on a socket, not a tap device)
#
# callers_args - Every caller's argument list, replayed the way that caller
# starts the daemon (test/tools/callerspawn.py): the daemon starts, exits
# 0 once detached, and serves a guest (lease, TCP over IPv4 and IPv6 with
# sha256, the forwarded port when there is one), then exits when the guest
# leaves (--one-off, or --fd closed) and removes its socket and pid file.
#
# The table (one row a caller's list; S, P, L: socket, pid file, log file;
# on the vhost-user back-end --vhost-user comes first, as libvirt and qemu
# put it):
#   libvirt 9.0      (e2e/callers_libvirt9_replay: closed stderr, timing)
#   libvirt 11.3     --one-off --socket S --pid P --tcp-ports 2222:22
#   libvirt 11 full  every option its domain XML can give: --mtu,
#                    --interface, --log-file, --address, --netmask,
#                    --hostname, --fqdn, ADDR%DEV/ forwards, --udp-ports
#   qemu 10          -netdev passt defaults: --quiet --pid P --fd 3
#   qemu 10 full     every option of -netdev passt but the service
#                    switches: --mtu --address --netmask --mac-addr
#                    --gateway --interface --outbound (IPv4 and IPv6)
#                    --outbound-if4 --outbound-if6 --dns --fqdn
#                    --no-dhcp-dns --no-dhcp-search --map-host-loopback
#                    --map-guest-addr --dns-forward --dns-host --freebind
#                    --search "d1 d2" --tcp-ports --udp-ports
#   qemu 10 off      --no-udp --no-icmp --no-ndp --no-dhcpv6 --no-ra
#                    --ipv4-only (IPv4 traffic only)
#   qemu 10 none     --no-tcp --no-udp --no-dhcp --ipv6-only: starts,
#                    takes the guest, exits when it leaves
# podman starts pasta, not passt: its list belongs to the pasta tests.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/tcp.sh"
. "$(dirname "$0")/../lib/link.sh"
. "$(dirname "$0")/../lib/replay.sh"

need_cmd python3
need_cmd busybox
bed_setup
tcp_tool_init

P=$BED_DIR/passt.pid
L=$BED_DIR/passt.log
mode=()
[ "$BACKEND" = vhost-user ] && mode=(--vhost-user)

# row NAME CHECK -- ARG... - Replay one argument list; CHECK: full (lease,
# traffic, forward), v4 (no IPv6, no forward), start (connect and leave)
row() {
	local name=$1 check=$2 fd3=0 a spawn pid
	shift 3
	echo "--- $name: passt $*"
	for a in "$@"; do [ "$a" = --fd ] && fd3=1; done
	rm -f "$SOCK" "$P" "$L" "$BED_DIR/bridge.log"
	if [ $fd3 = 1 ]; then
		: >"$P"		# qemu makes the file first (g_file_open_tmp)
		chmod 644 "$P"
		spawn=(--stdio read --fd3 --client "$(replay_client fd:3)")
	else
		spawn=(--stdio read --socket "$SOCK"
		       --client "$(replay_client "$SOCK")")
	fi
	replay_start "${spawn[@]}" -- "$@"
	if [ -n "$(grep -- "--pid" <<<"$*")" ]; then
		pid=$(tr -d ' \n' <"$P" 2>/dev/null)
		[ "$pid" = "$PASST_PID" ] ||
			fail "$name: pid file holds '$pid', daemon is $PASST_PID"
	fi
	case $check in
	full)	replay_guest_lease "${LEASE_WANT:-$HOST4}"
		replay_guest_traffic ;;
	v4)	replay_guest_lease
		REPLAY_V6=0 REPLAY_FWD_ADDR=none replay_guest_traffic ;;
	start)	wait_for replay_guest_connected ||
			fail "$name: the guest's side did not connect"
		sleep 0.3
		daemon_alive || fail "$name: daemon exited with a guest" ;;
	esac
	if [ $fd3 = 1 ]; then
		replay_wait_gone
	else
		replay_wait_gone "$SOCK" "$P"
	fi
	echo "    ok"
}

row "libvirt 11.3" full -- "${mode[@]}" --one-off --socket "$SOCK" \
	--pid "$P" --tcp-ports 2222:22

LEASE_WANT=192.0.2.20 REPLAY_FWD_ADDR=$HOST4 \
row "libvirt 11 full" full -- "${mode[@]}" --one-off --socket "$SOCK" \
	--pid "$P" --mtu 1500 --interface veth-h --log-file "$L" \
	--address 192.0.2.20 --netmask 24 --address 2001:db8:1::2 \
	--hostname guest1 --fqdn guest1.example \
	--tcp-ports "$HOST4%veth-h/2222:22" \
	--udp-ports 5000-5020:6000-6020,~5010-5015
[ "$(lease4 mtu)" = 1500 ] || fail "libvirt 11 full: lease MTU '$(lease4 mtu)'"
[ "$(lease4 hostname)" = guest1 ] ||
	fail "libvirt 11 full: lease host name '$(lease4 hostname)'"
grep -q 'Template interface: veth-h' "$L" || fail "no --log-file lines"

row "qemu 10" full -- "${mode[@]}" --quiet --tcp-ports 2222:22 \
	--pid "$P" --fd 3

LEASE_WANT=192.0.2.20 \
row "qemu 10 full" full -- "${mode[@]}" --quiet --mtu 1500 \
	--address 192.0.2.20 --netmask 255.255.255.0 \
	--mac-addr 9a:55:9a:55:9a:01 --gateway "$GW4" --interface veth-h \
	--outbound "$HOST4" --outbound "$HOST6" --outbound-if4 veth-h \
	--outbound-if6 veth-h --dns 198.51.100.53 --fqdn vm.example \
	--no-dhcp-dns --no-dhcp-search --map-host-loopback "$GW4" \
	--map-guest-addr 169.254.1.2 --dns-forward 169.254.1.1 \
	--dns-host 198.51.100.53 --freebind --search "d1.example d2.example" \
	--tcp-ports 2222:22 --udp-ports 5353 --pid "$P" --fd 3
[ -z "$(lease4 dns)" ] || fail "qemu 10 full: DNS in the lease (--no-dhcp-dns)"
[ -z "$(lease4 search)" ] || fail "qemu 10 full: search in the lease"

row "qemu 10 off" v4 -- "${mode[@]}" --quiet --no-udp --no-icmp --no-ndp \
	--no-dhcpv6 --no-ra --ipv4-only --pid "$P" --fd 3

row "qemu 10 none" start -- "${mode[@]}" --quiet --no-tcp --no-udp \
	--no-dhcp --ipv6-only --pid "$P" --fd 3
pass
