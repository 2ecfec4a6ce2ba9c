#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
# backends: any
#
# pasta_spawn - pasta [OPTIONS] COMMAND: the command runs in a new network
# namespace whose tap device is configured before it starts (--config-net),
# reaches a server behind the host (sha256-checked download), and its exit
# status is pasta's (128 + signal, 127 if not found); without a command,
# $SHELL runs, reading stdin.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/tcp.sh"
. "$(dirname "$0")/../lib/pasta.sh"

bed_setup
need_cmd python3
tcp_tool_init

# The status of the command is pasta's
for st in 0 3 42; do
	in_host "$PASTA_BIN" -q -- sh -c "exit $st" </dev/null
	rc=$?
	[ "$rc" -eq "$st" ] || fail "command exited $st, pasta exited $rc"
done
in_host "$PASTA_BIN" -q -- sh -c 'kill -KILL $$' </dev/null
rc=$?
[ "$rc" -eq 137 ] || fail "command killed by SIGKILL: pasta exited $rc, not 137"
in_host "$PASTA_BIN" -q -- /nonexistent/cmd </dev/null 2>"$BED_DIR/nf.err"
rc=$?
[ "$rc" -eq 127 ] || fail "command not found: pasta exited $rc, not 127"

# The command's options are the command's: options end at the command
out=$(in_host "$PASTA_BIN" -q -- echo -n -q) || fail "echo -n -q failed"
[ "$out" = "-q" ] || fail "echo -n -q printed '$out'"
out=$(in_host "$PASTA_BIN" -q echo -l 2>&1) || fail "pasta -q echo -l failed"
[ "$out" = "-l" ] || fail "pasta -q echo -l printed '$out'"

# No command: the shell, reading stdin
rc=$(echo 'exit 5' | SHELL=/bin/sh in_host "$PASTA_BIN" -q; echo $?)
[ "$rc" = 5 ] || fail "shell reading 'exit 5': pasta exited $rc"

# A namespace of its own, configured before the command starts
host_ns=$(in_host readlink /proc/self/ns/net)
out=$(in_host "$PASTA_BIN" -q --config-net -- sh -c \
	"readlink /proc/self/ns/net; ip -4 -o addr show dev $PASTA_IF" \
	</dev/null) || fail "spawned command failed"
grep -q "^net:" <<<"$out" || fail "no namespace printed: $out"
[ "$(head -1 <<<"$out")" != "$host_ns" ] ||
	fail "the command ran in the host's network namespace"
grep -q "inet $HOST4/24" <<<"$out" ||
	fail "$PASTA_IF had no $HOST4/24 when the command started: $out"

# Traffic: the command downloads from a server behind the host
head -c $((4 * 1024 * 1024)) /dev/urandom >"$BED_DIR/src"
bed_bg in_remote python3 "$TCPTOOL" send-server "$REMOTE4" 9000 \
	"$BED_DIR/src" >"$BED_DIR/srv.out"
tcp_wait_file "$BED_DIR/srv.out" listening || fail "server did not start"
in_host "$PASTA_BIN" -q --config-net -- \
	timeout 30 python3 "$TCPTOOL" get "$REMOTE4" 9000 "$BED_DIR/dst" \
	</dev/null || fail "download from the spawned command failed"
[ "$(tcp_sha "$BED_DIR/dst")" = "$(tcp_sha "$BED_DIR/src")" ] ||
	fail "downloaded data differs"
pass
