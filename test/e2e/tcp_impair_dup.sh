#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 90
#
# tcp_impair_dup - The link between guest and daemon sends 1% of TCP frames
# twice, each way (test/tools/impair.h), and
# loses none: 50 MiB up and 50 MiB down, over IPv4 and IPv6, arrive intact
# (sha256), with both close orders, and no transfer stalls for a second or
# more. Afterwards the daemon has no flow left.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/tcp.sh"

bed_setup
need_cmd python3
tcp_tool_init
TCP_GUEST_ARGS="--dup 1 --seed $$" tcp_start
tcp_impair_bulk "${TCP_IMPAIR_MIB:-50}"
daemon_alive || fail "daemon died"
tcp_expect_no_flows
pass
