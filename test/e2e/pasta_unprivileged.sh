#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
# backends: any
#
# pasta_unprivileged - An ordinary user (54321) runs pasta --config-net
# COMMAND: the daemon cannot enter the child's network namespace by itself
# and does it through the helper that joins the child's user namespace
# (doc/pasta.md); the command gets its configured tap device, downloads
# from a server behind the host, and its status is passed on.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/tcp.sh"
. "$(dirname "$0")/../lib/pasta.sh"

bed_setup
need_cmd python3
need_cmd setpriv
[ "$(stat -c %a /dev/net/tun)" = 666 ] ||
	skip "/dev/net/tun is not usable by an ordinary user here"
[ "$(cat /proc/sys/user/max_user_namespaces)" -gt 0 ] ||
	skip "user namespaces disabled"
tcp_tool_init
chmod 755 "$BED_DIR"/tcptool.py
head -c $((1024 * 1024)) /dev/urandom >"$BED_DIR/src"
chmod 644 "$BED_DIR/src"

bed_bg in_remote python3 "$TCPTOOL" send-server "$REMOTE4" 9000 \
	"$BED_DIR/src" >"$BED_DIR/srv.out"
tcp_wait_file "$BED_DIR/srv.out" listening || fail "server did not start"
out=$(cd "$BED_DIR" && in_host setpriv --reuid 54321 --regid 54321 \
	--clear-groups "$PASTA_BIN" -q --config-net -- sh -c "
		id -u
		ip -4 -o addr show dev $PASTA_IF
		timeout 30 python3 $TCPTOOL get $REMOTE4 9000 $BED_DIR/dst &&
			exit 9" </dev/null 2>&1)
rc=$?
[ "$rc" -eq 9 ] || fail "exit $rc (download failed, or pasta did): $out"
grep -q "^0$" <<<"$out" || fail "the command is not root of its namespace: $out"
grep -q "inet $HOST4/24" <<<"$out" || fail "no address on $PASTA_IF: $out"
[ "$(tcp_sha "$BED_DIR/dst")" = "$(tcp_sha "$BED_DIR/src")" ] ||
	fail "downloaded data differs"
pass
