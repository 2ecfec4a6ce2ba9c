#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# contrib/qemu/vhost-user.sh - A qemu guest on passt's vhost-user back-end
#
# Run: sh contrib/qemu/vhost-user.sh DISK.qcow2
# The guest's memory must be shareable (memfd, share=on): the daemon reads
# and writes the virtio rings in it, with no copy through a socket. The
# memory backend's size must match -m.
# qemu 10.1 and later: -netdev passt,id=n0,vhost-user=on starts the daemon.

set -e
dir=${XDG_RUNTIME_DIR:-/tmp}
passt --vhost-user --one-off --socket "$dir/passt-vm.socket" \
	--pid "$dir/passt-vm.pid" --tcp-ports 2222:22
exec qemu-system-x86_64 -enable-kvm -m 1024 -nographic \
	-object memory-backend-memfd,id=mem,size=1024M,share=on \
	-numa node,memdev=mem \
	-drive file="$1",if=virtio \
	-chardev socket,id=c0,path="$dir/passt-vm.socket",reconnect-ms=5000 \
	-netdev vhost-user,id=n0,chardev=c0 \
	-device virtio-net-pci,netdev=n0
