#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test/libvirt/run.sh - Real libvirt 11 (Debian 13) starts passt for a
# domain's <interface type='user'> and <interface type='vhostuser'> with
# <backend type='passt'/>
# timeout: 1200
#
# Usage: [PASST=/path/to/passt] [LIBVIRT_VHOST=0] test/libvirt/run.sh
#
# PASST: the passt binary to test (a host path, bound into the chroot and
# found by libvirtd first in its PATH through a tracing wrapper). Unset:
# Debian trixie's own passt, installed in the chroot, as a stand-in peer.
# LIBVIRT_VHOST=0 leaves the vhost-user domain out.
#
# Builds (once, cached) a trixie chroot with libvirt-daemon-system, the qemu
# driver, virsh, qemu-system-x86 and passt (test/lib/trixie-chroot; podman's
# packages too: the chroot is test/podman's as well), and
# the guest's kernel and initramfs (test/vm/build.sh); creates a host and a
# remote network namespace with servers in the remote one; starts virtlogd
# and libvirtd in an overlay of the chroot, in private mount and PID
# namespaces in the host namespace (test/lib/chroot-enter), and there
# (test/libvirt/inside.sh) defines and starts the domains. Asserted for the
# "user" domain: define, start, the guest's DHCP lease (the host's address,
# gateway, resolver), ping, SLAAC, DHCPv6, ping6, TCP to the remote both
# ways with sha256 (4 MiB down over IPv4 and IPv6, 1 MiB up), a half-close
# (1 MiB after the guest's FIN), UDP (TFTP), the host reaching the guest's
# port 22 through portForward 2222, and after virsh destroy no passt
# process, socket or pid file; then the same domain started again (lease,
# download, forward, clean-up); then the same for the vhost-user domain.
#
# Prints "PASS|FAIL|SKIP NAME: DETAIL" lines, notes as "# ..." lines, then
# "N passed, M failed, K skipped". Exit 0 if all passed, 77 if it cannot
# run here (reason last), 1 otherwise. How libvirt started passt (argv, user,
# fds, environment, exit) is printed from the wrapper's trace.

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/callers.sh
. "$HERE/../lib/callers.sh"

: "${LIBVIRT_TIMEOUT:=900}"
VM_CACHE=${VM_CACHE:-/var/cache/passt-test-vm}

t_start=$(c_now)
c_setup libvirt
if [ -n "${PASST:-}" ]; then
	PASST=$(realpath "$PASST" 2>/dev/null) && [ -x "$PASST" ] ||
		c_die "PASST='${PASST:-}' is not an executable"
fi

# The guest: test/vm's kernel and initramfs
"$C_TOP/test/vm/build.sh" >"$C_DIR/logs/vm-build.log" 2>&1
rc=$?
[ $rc -eq 77 ] && c_skip_all "no VM guest: $(tail -n1 "$C_DIR/logs/vm-build.log")"
if [ $rc -ne 0 ]; then
	tail -n 20 "$C_DIR/logs/vm-build.log"
	c_die "test/vm/build.sh exited $rc"
fi
grep -E 'up to date|built in' "$C_DIR/logs/vm-build.log" | sed 's/^/# /'

root=$(c_chroot_build) || exit $?
[ -d "$root" ] || exit 1
c_chroot_lock "$root"
t_chroot=$(c_now)

c_remote_start

share=$C_DIR/share
mkdir -p "$share"
chmod 1777 "$share"
{
	for v in C_HOST4 C_GW4 C_HOST6 C_GW6 C_REMOTE4 C_REMOTE6 C_DNS4 \
		 C_SINK C_SOURCE C_HALF C_TFTP C_SHA_DOWN C_SHA_HALF C_SHA_UDP; do
		echo "$v=${!v}"
	done
	echo "LIBVIRT_VHOST=${LIBVIRT_VHOST:-1}"
} >"$share/env"
C_BINDS=("$C_TOP/test:/opt/passt-test/src:ro" "$share:/opt/passt-test/share"
	 "$VM_CACHE:/opt/passt-test/vm:ro")
if [ -n "${PASST:-}" ]; then
	C_BINDS+=("$PASST:/opt/passt-test/bin/passt.real:ro")
	c_msg "passt under test: $PASST"
else
	c_msg "passt under test: Debian trixie's (PASST unset)"
fi

c_chroot_run "$root" "$LIBVIRT_TIMEOUT" \
	/bin/bash /opt/passt-test/src/libvirt/inside.sh \
	>"$C_DIR/logs/inside.out" 2>"$C_DIR/logs/inside.err"
rc=$?
cat "$C_DIR/logs/inside.out"
if [ $rc -ne 0 ]; then
	echo "# inside.sh exited $rc; its stderr:"
	tail -n 30 "$C_DIR/logs/inside.err" | sed 's/^/#   /'
	[ $rc -ge 124 ] && [ $rc -le 137 ] &&
		c_fail harness "timed out after $LIBVIRT_TIMEOUT s"
fi
c_count_results "$C_DIR/logs/inside.out"
[ $rc -ne 0 ] && ! grep -q '^FAIL' "$C_DIR/logs/inside.out" &&
	c_fail harness "inside.sh exited $rc"

for t in "$share"/trace/passt.*; do
	[ -f "$t" ] || continue
	echo "# how libvirt started passt ($(basename "$t")):"
	grep -v '^  ' "$t" | sed 's/^/#   /'
	echo "#   env: $(sed -n 's/^  //p' "$t" | tr '\n' ' ')"
done
for t in "$share"/passt-running-*.txt; do
	[ -f "$t" ] || continue
	echo "# the running passt ($(basename "$t" .txt)):"
	sed 's/^/#   /' "$t"
done
cp -r "$share/." "$C_DIR/logs/" 2>/dev/null

t_end=$(c_now)
c_msg "timing: images and chroot ready $(c_elapsed "$t_start" "$t_chroot") s," \
      "tests $(c_elapsed "$t_chroot" "$t_end") s," \
      "total $(c_elapsed "$t_start" "$t_end") s"
c_done
