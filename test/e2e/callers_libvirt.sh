#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test/e2e/callers_libvirt.sh - Real libvirt 11 (Debian 13, in a cached
# chroot) starts our passt for a domain's <interface type='user'> and
# <interface type='vhostuser'> with <backend type='passt'/>
# timeout: 1200
# backends: any
#
# A wrapper: test/libvirt/run.sh does the work (see doc/testing-callers.md)
# and this passes its exit status on: 0 all passed, 77 it cannot run here
# (not root, no debootstrap, no mirror, no guest kernel: the reason is the
# last line), 1 a failure. Asserted for each domain: the guest's lease, ping,
# SLAAC, DHCPv6, ping6, TCP up and down over IPv4 and down over IPv6 with
# sha256, a half-close, UDP, the portForward reaching the guest's server,
# and after virsh destroy no daemon, socket or pid file left; the user
# domain is started a second time. The first run builds the chroot (about
# 350 MB, 3-4 minutes) and the guest image; later runs take about 50 s.
# The case runs both back-ends itself (vhost-user with LIBVIRT_VHOST=1),
# so it runs once, whatever BACKENDS says.

set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
: "${PASST:=$top/build/passt}"
[ -x "$PASST" ] || { echo "FAIL: no daemon binary at $PASST"; exit 1; }

PASST=$PASST LIBVIRT_VHOST=1 "$top/test/libvirt/run.sh"
rc=$?
case $rc in
0|77)	exit $rc ;;
*)	exit 1 ;;
esac
