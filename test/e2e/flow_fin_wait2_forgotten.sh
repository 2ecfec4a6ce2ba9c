#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
#
# flow_fin_wait2_forgotten - The guest half-closes and its application closes
# the socket; with net.ipv4.tcp_fin_timeout at 2 s in the guest, the guest
# kernel drops the orphaned FIN_WAIT_2 connection while the host peer keeps
# its side open. Our side is CLOSE_WAIT (the guest's FIN came, the host has
# not closed). A keepalive (interval 2 s) then meets a stack that forgot the
# connection, which answers RST: the flow is freed and the host peer sees the
# reset. The closing timeout is set long (600 s), so only the keepalive can
# free it.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/flow.sh"

bed_setup
need_cmd python3
flow_tool_init
flow_start --tcp-keepalive-interval 2 --tcp-closing-timeout 600
in_guest sysctl -qw net.ipv4.tcp_fin_timeout=2 ||
	skip "cannot set net.ipv4.tcp_fin_timeout in the guest"

bed_bg in_remote python3 "$FLOWTOOL" hold-server "$REMOTE4" 9101 \
	>"$BED_DIR/srv.out"
flow_wait_file "$BED_DIR/srv.out" listening || fail "server not up"
bed_bg in_guest python3 "$FLOWTOOL" client "$REMOTE4" 9101 send:1000 shut \
	close hold >"$BED_DIR/cli.out"
flow_wait_file "$BED_DIR/cli.out" "hold ok" || fail "exchange failed"
flow_wait_file "$BED_DIR/srv.out" eof || fail "server saw no EOF"
t0=$(flow_now)
[ "$(flow_tcp_count CLOSE_WAIT)" = 1 ] ||
	fail "not one CLOSE_WAIT flow: $(flow_dump)"

# The guest drops its socket after 2 s; probes every 2-4 s of guest silence
WAIT_TIMEOUT_S=20 wait_for sh -c "grep -q reset '$BED_DIR/srv.out'" ||
	fail "host peer saw no reset: $(flow_dump)"
gone() { [ "$(flow_tcp_count)" = 0 ]; }
wait_for gone || fail "flow not freed: $(flow_dump)"
echo "freed $(flow_elapsed "$t0") s after the guest's FIN"
daemon_log_has "keepalive to guest" || fail "freed without a keepalive"
daemon_log_has "RST from guest" || fail "no RST from the guest"
daemon_log_has "closing timeout" && fail "closing timeout fired at 600 s"
pass
