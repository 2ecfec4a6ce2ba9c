#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test/podman/run.sh - Real podman 5 (Debian 13) runs containers with
# "--network pasta" on the pasta under test
# timeout: 900
#
# Usage: [PASTA=/path/to/pasta] test/podman/run.sh
#
# PASTA: the pasta binary to test (a host path; it is bound into the chroot
# and found by podman through helper_binaries_dir). Unset: Debian trixie's
# own pasta, installed in the chroot, as a stand-in peer.
#
# Builds (once, cached: test/lib/trixie-chroot) a trixie chroot with podman,
# crun, uidmap, busybox-static and passt (and libvirt's packages: the
# chroot is test/libvirt's too, test/lib/callers.sh); creates a host and a remote
# network namespace (test/lib/callers.sh) with servers in the remote one;
# enters an overlay of the chroot in private mount and PID namespaces in the
# host namespace (test/lib/chroot-enter) and there, as an unprivileged user
# with subordinate IDs, runs rootless podman with a private configuration
# (test/podman/inside.sh). Asserted: podman run --network pasta works; the
# container has the host's addresses and routes; TCP to the remote both
# ways over IPv4 and IPv6 (4 MiB, sha256); a half-close (the server sends
# 1 MiB after the container's FIN); UDP (TFTP, 64 KiB, both families); DNS
# through --dns-forward; -p 8080:80 reached from the host's loopback (v4,
# v6) and from the remote namespace; pasta gone within 5 s of podman rm.
#
# Prints "PASS|FAIL|SKIP NAME: DETAIL" lines, notes as "# ..." lines, then
# "N passed, M failed, K skipped". Exit 0 if all passed, 77 if it cannot
# run here (reason last), 1 otherwise. How pasta was started (argv, fds,
# environment, exit) is printed from the wrapper's trace.

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/callers.sh
. "$HERE/../lib/callers.sh"

: "${PODMAN_TIMEOUT:=600}"

t_start=$(c_now)
c_setup podman
if [ -n "${PASTA:-}" ]; then
	PASTA=$(realpath "$PASTA" 2>/dev/null) && [ -x "$PASTA" ] ||
		c_die "PASTA='${PASTA:-}' is not an executable"
fi

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
} >"$share/env"
C_BINDS=("$C_TOP/test:/opt/passt-test/src:ro" "$share:/opt/passt-test/share")
if [ -n "${PASTA:-}" ]; then
	C_BINDS+=("$PASTA:/opt/passt-test/bin/pasta:ro")
	c_msg "pasta under test: $PASTA"
else
	c_msg "pasta under test: Debian trixie's (PASTA unset)"
fi
# PASTA_PRELOAD: a library preloaded into pasta (diagnosis, e.g. nopeekoff)
if [ -n "${PASTA_PRELOAD:-}" ]; then
	C_BINDS+=("$(realpath "$PASTA_PRELOAD"):/opt/passt-test/bin/preload.so:ro")
	c_msg "pasta runs with LD_PRELOAD=$PASTA_PRELOAD"
fi

c_chroot_run "$root" "$PODMAN_TIMEOUT" \
	/bin/bash /opt/passt-test/src/podman/inside.sh \
	>"$C_DIR/logs/inside.out" 2>"$C_DIR/logs/inside.err"
rc=$?
cat "$C_DIR/logs/inside.out"
if [ $rc -ne 0 ]; then
	echo "# inside.sh exited $rc; its stderr:"
	tail -n 30 "$C_DIR/logs/inside.err" | sed 's/^/#   /'
	[ $rc -ge 124 ] && [ $rc -le 137 ] &&
		c_fail harness "timed out after $PODMAN_TIMEOUT s"
fi
c_count_results "$C_DIR/logs/inside.out"
[ $rc -ne 0 ] && ! grep -q '^FAIL' "$C_DIR/logs/inside.out" &&
	c_fail harness "inside.sh exited $rc"

for t in "$share"/trace/pasta.*; do
	[ -f "$t" ] || continue
	echo "# how podman started pasta ($(basename "$t")):"
	grep -v '^  ' "$t" | sed 's/^/#   /'
	echo "#   env: $(sed -n 's/^  //p' "$t" | cut -d= -f1 | tr '\n' ' ')"
done
if [ -f "$share/harness-fds.txt" ]; then
	echo "# fds podman inherited from the harness: $(grep -v ' 255:' \
		"$share/harness-fds.txt" | tr '\n' ' ')"
fi
if [ -f "$share/pasta-running.txt" ]; then
	echo "# the running pasta:"
	sed 's/^/#   /' "$share/pasta-running.txt"
fi
cp -r "$share/." "$C_DIR/logs/" 2>/dev/null
grep -c . "$C_DIR/logs/remote.log" >/dev/null 2>&1 &&
	sed 's/^/# /' "$C_DIR/logs/remote.log" | tail -n 20

t_end=$(c_now)
c_msg "timing: chroot ready $(c_elapsed "$t_start" "$t_chroot") s," \
      "tests $(c_elapsed "$t_chroot" "$t_end") s," \
      "total $(c_elapsed "$t_start" "$t_end") s"
c_done
