#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test/e2e/callers_podman.sh - Real rootless podman 5 (Debian 13, in a
# cached chroot) runs containers with "--network pasta" on our pasta
# timeout: 900
# backends: any
#
# A wrapper: test/podman/run.sh does the work (see doc/testing-callers.md)
# and this passes its exit status on: 0 all passed, 77 it cannot run here
# (not root, no debootstrap, no mirror: the reason is the last line, and
# test/run reports it as SKIP, never as PASS), 1 a failure. Asserted: podman
# run --network pasta works; the container has the host's addresses and
# routes; TCP to the remote both ways over IPv4 and IPv6 (4 MiB, sha256);
# a half-close (1 MiB after the container's FIN); UDP (TFTP) both
# families; DNS through --dns-forward; -p 8080:80 from the host's loopback
# and from the remote; pasta gone within 5 s of podman rm. The first run
# builds the trixie chroot it shares with e2e/callers_libvirt (about 500 MB,
# 4-6 minutes, once for both); later runs take 15-30 s.
# pasta is its own mode, not a back-end of the bed's guest: the case runs
# once, whatever BACKENDS says.

set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
: "${PASST:=$top/build/passt}"
[ -x "$PASST" ] || { echo "FAIL: no daemon binary at $PASST"; exit 1; }

# run.sh binds the binary into the chroot as .../pasta: podman starts it
# under that name, which selects the mode
PASTA=$PASST "$top/test/podman/run.sh"
rc=$?
case $rc in
0|77)	exit $rc ;;
*)	exit 1 ;;
esac
