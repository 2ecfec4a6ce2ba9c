#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# contrib/qemu/stream.sh - A qemu guest on passt's stream socket (qemu 7.2+)
#
# Run: sh contrib/qemu/stream.sh DISK.qcow2  (as any user; no privileges)
# The daemon detaches and writes its pid file once its socket listens, so
# qemu can connect at once; --one-off ends it when qemu goes away.
# qemu 10.1 and later can start the daemon itself instead:
#   -netdev passt,id=n0 -device virtio-net-pci,netdev=n0
# (it runs "passt --quiet ... --pid FILE --fd 3" from PATH).

set -e
dir=${XDG_RUNTIME_DIR:-/tmp}
passt --one-off --socket "$dir/passt-vm.socket" --pid "$dir/passt-vm.pid" \
	--tcp-ports 2222:22
exec qemu-system-x86_64 -enable-kvm -m 1024 -nographic \
	-drive file="$1",if=virtio \
	-device virtio-net-pci,netdev=n0 \
	-netdev stream,id=n0,server=off,addr.type=unix,addr.path="$dir/passt-vm.socket"
