#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# backends: stream vhost-user (a virtual machine: qemu attaches to the socket)
# test/vm/boot.sh - Boot a Debian kernel under qemu on the daemon's socket
# timeout: 300
#
# Builds the guest (test/vm/build.sh, images cached in $VM_CACHE), starts the
# daemon in the host namespace of the e2e bed and boots qemu (TCG, no KVM)
# with "-netdev stream" connected to the daemon's unix socket (BACKEND=
# vhost-user: "-netdev vhost-user" on it, guest memory a shared memfd) and a
# virtio-net-pci NIC. The guest's /init (test/vm/init) gets a DHCP lease,
# pings the gateway, gets IPv6 addresses by SLAAC and DHCPv6, pings the IPv6
# router, fetches a file over TCP (IPv4 and IPv6) from servers behind the
# host, and prints "VM-RESULT" lines on the serial console, which this test
# reads.
#
# Asserted: boot, modules, link, dhcp (192.0.2.2/24, router 192.0.2.1, DNS
# 192.0.2.53: the host's own configuration), done, and the steps in
# $VM_ASSERT, by default all of them: ping (echo to the IPv4 gateway), slaac
# (an address in 2001:db8:1::/64 and a default router from the RA), dhcp6
# (2001:db8:1::2, DNS 2001:db8:1::53 first), ping6 (echo to the router the
# RA named), tcp4 and tcp6 (the guest fetches a file holding a per-run token
# over HTTP from busybox httpd on $REMOTE4 and $REMOTE6 behind the host).
# Steps left out of VM_ASSERT are printed for information only. Always
# asserted: tcpup (1 MiB to a sink behind the host, sha256 as the sink
# counted it), tcpdown and tcpdown6 (1 MiB from the remote over IPv4 and
# IPv6), tcphalf (the reply that comes after the guest's FIN) and udp (a
# TFTP read), from test/lib/remote-servers.py.
#
# Environment: VM_CACHE (image cache), VM_TIMEOUT (seconds to wait for the
# guest, default 240), VM_PCAP=1 (the daemon writes $BED_DIR/passt.pcap),
# VM_ASSERT (see above), VM_APPEND (extra kernel command line, e.g.
# "vm.ping=0 vm.v6wait=4", see test/vm/init), QEMU (binary, default
# qemu-system-x86_64).
#
# Exit 77 (skip) if qemu, busybox-static or the kernel package are missing.

VM_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/bed.sh
. "$VM_DIR/../lib/bed.sh"

: "${QEMU:=qemu-system-x86_64}"
: "${VM_TIMEOUT:=240}"
: "${VM_ASSERT:=ping slaac dhcp6 ping6 tcp4 tcp6}"

need_cmd "$QEMU"
need_cmd busybox
[ "$(id -u)" -eq 0 ] || skip "needs root (namespaces, image cache)"

# vm_now() - Print a monotonic-enough time stamp in seconds with decimals
vm_now() {
	date +%s.%N
}

# vm_elapsed() - Print seconds elapsed from time stamp $1 to $2
vm_elapsed() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'
}

build_log=$(mktemp /tmp/passt-vm-build.XXXXXX)
"$VM_DIR/build.sh" >"$build_log" 2>&1
rc=$?
cat "$build_log"
reason=$(tail -n1 "$build_log")
rm -f "$build_log"
[ $rc -eq 77 ] && skip "VM guest cannot be built: ${reason#vm-build: }"
[ $rc -eq 0 ] || fail "test/vm/build.sh exited with $rc"

VM_CACHE=${VM_CACHE:-/var/cache/passt-test-vm}
KERNEL=$VM_CACHE/bzImage
INITRD=$VM_CACHE/initrd.gz
if [ ! -s "$KERNEL" ] || [ ! -s "$INITRD" ]; then
	fail "no images in $VM_CACHE"
fi

bed_setup
CONSOLE=$BED_DIR/console.log
# The daemon forwards the guest's echo requests through ping sockets
in_host sysctl -qw net.ipv4.ping_group_range="0 2147483647" ||
	echo "note: cannot set net.ipv4.ping_group_range in the host namespace"
# Web servers behind the host for the guest's TCP steps, on the remote's
# addresses: they serve a file holding a token only this run knows
VM_HTTP_PORT=8080
token=vm-$$-$RANDOM$RANDOM
mkdir -p "$BED_DIR/www"
echo "$token" >"$BED_DIR/www/token"
bed_bg in_remote busybox httpd -f -h "$BED_DIR/www" \
	-p "$REMOTE4:$VM_HTTP_PORT" 2>>"$BED_DIR/httpd.log"
bed_bg in_remote busybox httpd -f -h "$BED_DIR/www" \
	-p "[$REMOTE6]:$VM_HTTP_PORT" 2>>"$BED_DIR/httpd.log"
wait_for in_remote sh -c "ss -Hltn | grep -q '$REMOTE4:$VM_HTTP_PORT' &&
			  ss -Hltn | grep -q '$REMOTE6\]:$VM_HTTP_PORT'" ||
	fail "web servers in the remote namespace did not start"
http_args="vm.token=$token vm.http4=$REMOTE4:$VM_HTTP_PORT"
http_args="$http_args vm.http6=[$REMOTE6]:$VM_HTTP_PORT"

# Checksummed TCP both ways, the reply after the guest's FIN, and UDP:
# test/lib/remote-servers.py in the remote namespace (sink, source, half,
# TFTP); the guest reports "SHA256 BYTES" of what it got or sent
VM_SINK=9001 VM_SOURCE=9002 VM_HALF=9003 VM_TFTP=6969
mkdir -p "$BED_DIR/remote"
head -c 1048576 /dev/urandom >"$BED_DIR/remote/down.bin"
head -c 1048576 /dev/urandom >"$BED_DIR/remote/half.bin"
head -c 65536 /dev/urandom >"$BED_DIR/remote/udp.bin"
vm_sum() { echo "$(sha256sum <"$1" | cut -d' ' -f1) $(stat -c %s "$1")"; }
SUM_DOWN=$(vm_sum "$BED_DIR/remote/down.bin")
SUM_HALF=$(vm_sum "$BED_DIR/remote/half.bin")
SUM_UDP=$(vm_sum "$BED_DIR/remote/udp.bin")
bed_bg in_remote python3 "$BED_TOP/test/lib/remote-servers.py" \
	--dir "$BED_DIR/remote" --sink $VM_SINK --source $VM_SOURCE \
	--half $VM_HALF --tftp $VM_TFTP --addr "$REMOTE4" --addr "$REMOTE6" \
	--lifetime 600 2>"$BED_DIR/remote.log"
wait_for test -e "$BED_DIR/remote/ready" ||
	fail "remote servers did not start: $(cat "$BED_DIR/remote.log")"
http_args="$http_args vm.tcpup=$REMOTE4:$VM_SINK"
http_args="$http_args vm.tcpdown=$REMOTE4:$VM_SOURCE"
http_args="$http_args vm.tcpdown6=[$REMOTE6]:$VM_SOURCE"
http_args="$http_args vm.tcphalf=$REMOTE4:$VM_HALF"
http_args="$http_args vm.udp=$REMOTE4:$VM_TFTP"

if [ "${VM_PCAP:-0}" = 1 ]; then
	bed_start_daemon -p "$BED_DIR/passt.pcap"
else
	bed_start_daemon
fi

# The guest's NIC needs no option ROM (romfile=): the kernel is loaded
# directly. qemu runs in the guest namespace, which it does not use: its only
# network is the daemon's unix socket.
# On the vhost-user back-end the guest's memory is a shared memfd the
# daemon maps, and the NIC has no MSI-X vectors: qemu 7.2 under TCG was
# seen to crash setting them up with a vhost-user netdev.
if [ "$BACKEND" = vhost-user ]; then
	vm_net=(-chardev "socket,id=c0,path=$SOCK"
		-netdev vhost-user,id=n0,chardev=c0
		-device virtio-net-pci,netdev=n0,romfile=,vectors=0
		-object memory-backend-memfd,id=m0,share=on,size=256M
		-numa node,memdev=m0)
else
	vm_net=(-netdev "stream,id=n0,server=off,addr.type=unix,addr.path=$SOCK"
		-device virtio-net-pci,netdev=n0,romfile=)
fi
t_start=$(vm_now)
bed_bg ip netns exec "$NS_GUEST" "$QEMU" \
	-machine q35 -accel tcg -m 256 -smp 1 -nographic -no-reboot \
	-kernel "$KERNEL" -initrd "$INITRD" \
	-append "console=ttyS0 quiet panic=-1 $http_args ${VM_APPEND:-}" \
	"${vm_net[@]}" </dev/null >"$CONSOLE" 2>"$BED_DIR/qemu.err"
QEMU_PID=$BG_PID

# vm_show_console() - Print the guest's console and qemu's errors
vm_show_console() {
	echo "--- guest console ---"
	tr -d '\r' <"$CONSOLE" | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/^/| /'
	if [ -s "$BED_DIR/qemu.err" ]; then
		echo "--- qemu stderr ---"
		cat "$BED_DIR/qemu.err"
	fi
}

# vm_line() - Print the guest's first "VM-RESULT $1 ..." line, without
# the prefix and trailing carriage return
vm_line() {
	tr -d '\r' <"$CONSOLE" |
		sed -n "s/^.*VM-RESULT $1 /$1 /p; s/^.*VM-RESULT $1\$/$1/p" |
		head -n1
}

t_lease=
deadline=$(($(date +%s) + VM_TIMEOUT))
while :; do
	if [ -z "$t_lease" ] && grep -q 'VM-RESULT dhcp ' "$CONSOLE"; then
		t_lease=$(vm_now)
	fi
	grep -q 'VM-RESULT done' "$CONSOLE" && break
	if ! daemon_alive; then
		vm_show_console
		fail "the daemon exited while the guest was running"
	fi
	if ! kill -0 "$QEMU_PID" 2>/dev/null; then
		vm_show_console
		fail "qemu exited before the guest finished"
	fi
	if [ "$(date +%s)" -ge "$deadline" ]; then
		vm_show_console
		fail "guest did not finish within $VM_TIMEOUT s"
	fi
	sleep 0.2
done
t_done=$(vm_now)

# The guest powers off by itself: qemu should exit shortly
for ((i = 0; i < 100; i++)); do
	kill -0 "$QEMU_PID" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$QEMU_PID" 2>/dev/null; then
	echo "note: qemu still running 10 s after the guest's power-off"
fi

vm_show_console

errors=0
# vm_expect() - Require result line of step $1 to be exactly $2
vm_expect() {
	local got
	got=$(vm_line "$1")
	if [ "$got" = "$2" ]; then
		echo "ok: $got"
	else
		echo "FAILED: expected '$2', guest said '${got:-nothing}'"
		errors=$((errors + 1))
	fi
}

# vm_expect_ok() - Require step $1 to report "ok", with any details
vm_expect_ok() {
	local got
	got=$(vm_line "$1")
	case "$got" in
	"$1 ok"|"$1 ok "*) echo "ok: $got" ;;
	*) echo "FAILED: expected '$1 ok ...', guest said '${got:-nothing}'"
	   errors=$((errors + 1)) ;;
	esac
}

# vm_expect_match() - Require the result line of step $1, with a space
# appended, to match pattern $2
vm_expect_match() {
	local got
	got=$(vm_line "$1")
	# shellcheck disable=SC2053 # $2 is a pattern
	if [[ "$got " == $2 ]]; then
		echo "ok: $got"
	else
		echo "FAILED: expected '$2', guest said '${got:-nothing}'"
		errors=$((errors + 1))
	fi
}

vm_expect_ok boot
vm_expect modules "modules ok"
vm_expect link "link ok"
# Address, prefix and router are the host's; DNS: the host's IPv4 resolver.
# A search domain, if the lease has one, may follow.
dhcp=$(vm_line dhcp)
case "$dhcp" in
"dhcp ok $HOST4/24 $GW4 $DNS4"|"dhcp ok $HOST4/24 $GW4 $DNS4 "*)
	echo "ok: $dhcp" ;;
*)
	echo "FAILED: expected 'dhcp ok $HOST4/24 $GW4 $DNS4', guest said" \
	     "'${dhcp:-nothing}'"
	errors=$((errors + 1)) ;;
esac
for step in ping slaac dhcp6 ping6 tcp4 tcp6; do
	case " $VM_ASSERT " in
	*" $step "*) ;;
	*) echo "info (not asserted): $(vm_line "$step")"; continue ;;
	esac
	case "$step" in
	slaac)	# An address in the host's /64, a router
		vm_expect_match slaac "slaac ok ${HOST6%::*}:*/64 ?*" ;;
	dhcp6)	# The host's address and its IPv6 resolver first
		vm_expect_match dhcp6 "dhcp6 ok $HOST6 ${DNS6}[, ]*" ;;
	*)	vm_expect_ok "$step" ;;
	esac
done
vm_expect_match tcpup "tcpup ok ?*"
vm_expect tcpdown "tcpdown $SUM_DOWN"
vm_expect tcpdown6 "tcpdown6 $SUM_DOWN"
vm_expect tcphalf "tcphalf $SUM_HALF"
vm_expect udp "udp $SUM_UDP"
vm_expect "done" "done"

t_guest_lease=$(tr -d '\r' <"$CONSOLE" |
		awk '$1 == "VM-TIME" && $2 == "dhcp" { print $3; exit }')
echo "timing: qemu start to lease" \
     "$(vm_elapsed "$t_start" "${t_lease:-$t_done}") s" \
     "(guest uptime at lease ${t_guest_lease:-?} s)," \
     "to power-off $(vm_elapsed "$t_start" "$t_done") s," \
     "last real build $(cat "$VM_CACHE/build-time" 2>/dev/null || echo ?) s"

[ $errors -eq 0 ] || fail "$errors VM result(s) wrong"
pass
