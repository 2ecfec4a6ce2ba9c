#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test/vm/build.sh - Build the VM test guest: a Debian kernel and an initramfs
#
# Output, in the cache directory $VM_CACHE (default /var/cache/passt-test-vm),
# never in the repository:
#   bzImage	the kernel of the Debian package $VM_KERNEL_PKG
#		(default linux-image-cloud-amd64), fetched with apt-get download
#		and unpacked with dpkg-deb -x (never installed: no boot hooks)
#   initrd.gz	cpio newc + gzip: busybox-static with its applet links, the
#		virtio-net / virtio-pci modules and their dependencies, the
#		guest's /init (test/vm/init) and udhcpc script
#   stamp	what the images were built from; if it still matches, a run
#		does nothing
#   build-time	seconds the last real build took
#
# The build needs: apt-get (and package lists), dpkg-deb, cpio, gzip,
# busybox-static, flock. Run as root (cache in /var/cache, device nodes).
# Prints "vm-build: ..." lines; exits non-zero with a reason on failure, 77 if
# a needed tool is missing (so callers can skip).

set -eu

VM_CACHE=${VM_CACHE:-/var/cache/passt-test-vm}
VM_KERNEL_PKG=${VM_KERNEL_PKG:-linux-image-cloud-amd64}
HERE=$(cd "$(dirname "$0")" && pwd)
BUSYBOX=${BUSYBOX:-/bin/busybox}

# Modules the guest needs for a virtio-net-pci NIC; dependencies are added
VM_MODULES="virtio_pci virtio_net"

# Busybox applets the guest scripts use (links created in /bin)
VM_APPLETS="sh ash mount umount mkdir insmod ip udhcpc ping ping6 poweroff
	sleep cat echo grep sed awk ls uname dmesg head tail tr cut seq printf
	date wc sync true false test [ env wget timeout nc sha256sum tftp"
# (dhcp6c, built from test/vm/dhcp6c.c, joins them when a compiler is there)

msg() { echo "vm-build: $*"; }
die() { echo "vm-build: error: $*" >&2; exit 1; }
missing() { echo "vm-build: missing $*" >&2; exit 77; }

for tool in apt-get apt-cache dpkg-deb cpio gzip flock sha256sum; do
	command -v "$tool" >/dev/null 2>&1 || missing "tool '$tool'"
done
[ -x "$BUSYBOX" ] || missing "busybox-static ($BUSYBOX)"
# A dynamically linked busybox would need its libraries in the image
if command -v file >/dev/null 2>&1 &&
   ! file -L "$BUSYBOX" | grep -qE 'statically linked|static-pie linked'; then
	missing "a statically linked busybox (install busybox-static)"
fi

# The DHCPv6 client (busybox-static has no udhcpc6) needs a C compiler with
# a static libc; without one the guest reports "dhcp6 none"
VM_CC=${CC:-gcc}
command -v "$VM_CC" >/dev/null 2>&1 || VM_CC=none

mkdir -p "$VM_CACHE"
exec 9>"$VM_CACHE/.lock"
flock -w 600 9 || die "cannot lock $VM_CACHE/.lock"
# Under the lock, a work directory left behind is a killed build's
rm -rf "$VM_CACHE"/work.*

# kernel_pkg_resolve() - Print the concrete image package and its version
# (the metapackage linux-image-cloud-amd64 depends on the image package
# linux-image-X.Y.Z-N-cloud-amd64)
kernel_pkg_resolve() {
	local pkg ver

	case "$VM_KERNEL_PKG" in
	linux-image-[0-9]*) pkg=$VM_KERNEL_PKG ;;
	*)
		pkg=$(apt-cache depends "$VM_KERNEL_PKG" 2>/dev/null |
		      awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
		;;
	esac
	[ -n "$pkg" ] || return 1
	ver=$(apt-cache policy "$pkg" 2>/dev/null |
	      awk '/Candidate:/ { print $2; exit }')
	[ -n "$ver" ] && [ "$ver" != "(none)" ] || return 1
	echo "$pkg $ver"
}

# cache_complete() - True if the cache holds a finished build
cache_complete() {
	[ -s "$VM_CACHE/stamp" ] && [ -s "$VM_CACHE/bzImage" ] &&
		[ -s "$VM_CACHE/initrd.gz" ]
}

kpkg=$(kernel_pkg_resolve) || kpkg=
if [ -z "$kpkg" ] && ! cache_complete && [ "$(id -u)" -eq 0 ]; then
	msg "no $VM_KERNEL_PKG in the apt lists: apt-get update"
	apt-get update -qq >&2 || true
	kpkg=$(kernel_pkg_resolve) || kpkg=
fi
if [ -z "$kpkg" ]; then
	# No package lists (apt-get update not run): keep a complete cache
	if cache_complete; then
		kpkg=$(sed -n 's/^kernel //p' "$VM_CACHE/stamp")
		msg "no apt package lists for $VM_KERNEL_PKG, using cached $kpkg"
	else
		missing "kernel package $VM_KERNEL_PKG in apt lists"
	fi
fi
read -r kname kver <<<"$kpkg"

stamp_new=$(
	echo "kernel $kname $kver"
	echo "busybox $(sha256sum <"$BUSYBOX" | cut -d' ' -f1)"
	echo "modules $VM_MODULES"
	echo "applets" "$VM_APPLETS"
	echo "cc $VM_CC"
	cat "$HERE/build.sh" "$HERE/init" "$HERE/udhcpc.script" \
	    "$HERE/dhcp6c.c" |
		sha256sum | sed 's/ .*//; s/^/scripts /'
)

if cache_complete && [ "$(cat "$VM_CACHE/stamp")" = "$stamp_new" ]; then
	msg "up to date in $VM_CACHE ($kname $kver)"
	exit 0
fi

t0=$(date +%s.%N)
msg "building in $VM_CACHE: $kname $kver"

work=$(mktemp -d "$VM_CACHE/work.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Kernel package: one cached .deb per version, older ones removed
deb_dir=$VM_CACHE/deb
mkdir -p "$deb_dir"
# (apt-get download names it PKG_VERSION_ARCH.deb, ':' in VERSION as %3a)
deb=
for f in "$deb_dir/${kname}_${kver//:/%3a}_"*.deb; do
	[ -s "$f" ] && deb=$f
done
if [ -z "$deb" ]; then
	rm -f "$deb_dir"/*.deb
	(cd "$deb_dir" &&
	 apt-get download -q -o APT::Sandbox::User=root "$kname=$kver") ||
		die "apt-get download $kname=$kver failed"
	for f in "$deb_dir/${kname}_"*.deb; do
		[ -s "$f" ] && deb=$f
	done
	[ -n "$deb" ] || die "apt-get download left no ${kname}_*.deb"
fi
msg "kernel package $(basename "$deb")"
dpkg-deb -x "$deb" "$work/kpkg"

kimg=
for f in "$work"/kpkg/boot/vmlinuz-*; do
	[ -f "$f" ] && kimg=$f
done
[ -n "$kimg" ] || die "no /boot/vmlinuz-* in $deb"
krel=${kimg##*/vmlinuz-}
kconfig=$work/kpkg/boot/config-$krel
moddir=$work/kpkg/lib/modules/$krel
[ -d "$moddir" ] || die "no modules directory for $krel"

# kconfig_val() - Print a kernel config symbol's value (y, m or empty)
kconfig_val() {
	sed -n "s/^CONFIG_$1=//p" "$kconfig" 2>/dev/null
}
for sym in BLK_DEV_INITRD RD_GZIP SERIAL_8250_CONSOLE PACKET UNIX INET; do
	[ "$(kconfig_val "$sym")" = y ] ||
		die "kernel $krel lacks built-in CONFIG_$sym"
done

# mod_file() - Print the path of module $1 in the package, empty if none
mod_file() {
	local n=$1 alt=${1//_/-}

	find "$moddir/kernel" \( -name "$n.ko" -o -name "$n.ko.*" \
		-o -name "$alt.ko" -o -name "$alt.ko.*" \) -print -quit
}

# mod_builtin() - True if module $1 is built into the kernel image
mod_builtin() {
	grep -qE "/($1|${1//_/-})\.ko$" "$moddir/modules.builtin" 2>/dev/null
}

# mod_deps() - Print the "depends=" list of module file $1, space separated
mod_deps() {
	case "$1" in
	*.xz)  xz -dc "$1" ;;
	*.zst) zstd -qdc "$1" ;;
	*.gz)  gzip -dc "$1" ;;
	*)     cat "$1" ;;
	esac | tr '\0' '\n' | sed -n 's/^depends=//p' | head -n1 | tr ',' ' '
}

mod_order=()
declare -A mod_seen=()

# mod_add() - Queue module $1 after its dependencies (depth first)
mod_add() {
	local name=$1 f dep

	[ -n "${mod_seen[$name]:-}" ] && return 0
	mod_seen[$name]=1
	if mod_builtin "$name"; then
		msg "module $name: built in"
		return 0
	fi
	f=$(mod_file "$name")
	[ -n "$f" ] || die "module $name not found in $krel"
	for dep in $(mod_deps "$f"); do
		mod_add "$dep"
	done
	mod_order+=("$name:$f")
}

for m in $VM_MODULES; do
	mod_add "$m"
done

# Root file system of the initramfs
root=$work/root
mkdir -p "$root"/{bin,dev,proc,sys,tmp,etc,lib/modules,run}
cp "$BUSYBOX" "$root/bin/busybox"
for a in $VM_APPLETS; do
	ln -s busybox "$root/bin/$a"
done
ln -s bin "$root/sbin"

: >"$root/lib/modules/order"
for e in "${mod_order[@]}"; do
	name=${e%%:*} f=${e#*:}
	case "$f" in
	*.xz)  xz -dc "$f" >"$root/lib/modules/$name.ko" ;;
	*.zst) zstd -qdc "$f" >"$root/lib/modules/$name.ko" ;;
	*.gz)  gzip -dc "$f" >"$root/lib/modules/$name.ko" ;;
	*)     cp "$f" "$root/lib/modules/$name.ko" ;;
	esac
	echo "$name" >>"$root/lib/modules/order"
done
msg "modules: $(tr '\n' ' ' <"$root/lib/modules/order")"

if [ "$VM_CC" != none ]; then
	if "$VM_CC" -std=c11 -D_GNU_SOURCE -Os -Wall -Wextra -Werror -static \
	   -s -o "$root/bin/dhcp6c" "$HERE/dhcp6c.c"; then
		msg "dhcp6c built with $VM_CC"
	else
		msg "warning: cannot build dhcp6c (static libc missing?)," \
		    "guest will report 'dhcp6 none'"
		rm -f "$root/bin/dhcp6c"
	fi
fi
install -m 0755 "$HERE/init" "$root/init"
install -m 0755 "$HERE/udhcpc.script" "$root/etc/udhcpc.script"
echo "$krel" >"$root/etc/vm-kernel"
# Initial console for the kernel to open before /init mounts devtmpfs
mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true
mknod -m 666 "$root/dev/null" c 1 3 2>/dev/null || true

(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --owner 0:0 --quiet) | gzip -9n >"$work/initrd.gz"
cp "$kimg" "$work/bzImage"

# Publish atomically: stamp last, so an interrupted build is redone
rm -f "$VM_CACHE/stamp"
mv -f "$work/bzImage" "$VM_CACHE/bzImage"
mv -f "$work/initrd.gz" "$VM_CACHE/initrd.gz"
echo "$stamp_new" >"$VM_CACHE/stamp"

t1=$(date +%s.%N)
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
echo "$secs" >"$VM_CACHE/build-time"
msg "kernel $krel: bzImage $(stat -c %s "$VM_CACHE/bzImage") bytes," \
    "initrd.gz $(stat -c %s "$VM_CACHE/initrd.gz") bytes"
msg "built in $secs s"
