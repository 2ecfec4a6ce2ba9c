#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 30
# backends: any
#
# pasta_bad_options - An unknown option gets getopt_long's own message
# ("unrecognized option '--foo'", which podman looks for) and exit 1, in
# both modes; pasta's options are refused in passt mode and passt's socket
# options in pasta mode; -T/-U refuse a bad port and an address (they
# listen on the namespace's loopback); "auto" is pasta's and goes alone;
# --version and --help name pasta.

. "$(dirname "$0")/../lib/bed.sh"

bed_setup

# expect_fail PATTERN CMD... - CMD exits 1, its stderr matches PATTERN,
# stdout is empty
expect_fail() {
	local pat=$1 rc
	shift
	in_host "$@" >"$BED_DIR/o" 2>"$BED_DIR/e" </dev/null
	rc=$?
	[ "$rc" -eq 1 ] || fail "$*: exit $rc, not 1"
	grep -q -- "$pat" "$BED_DIR/e" ||
		fail "$*: stderr '$(cat "$BED_DIR/e")' lacks '$pat'"
	[ -s "$BED_DIR/o" ] && fail "$*: printed on stdout"
	return 0
}

expect_fail "unrecognized option '--foo'" "$PASTA_BIN" --foo
expect_fail "unrecognized option '--foo'" "$PASTA_BIN" --config-net --foo \
	--netns "$NS_GUEST"
expect_fail "unrecognized option '--config-net'" "$PASST_BIN" --config-net
expect_fail "unrecognized option '--netns'" "$PASST_BIN" --netns x
expect_fail "invalid option -- 'I'" "$PASST_BIN" -I eth0
expect_fail "invalid option -- 's'" "$PASTA_BIN" -s /tmp/x.sock
expect_fail "not pasta's" "$PASTA_BIN" --socket /tmp/x.sock true
expect_fail "not pasta's" "$PASTA_BIN" --vhost-user true
expect_fail "Invalid --tcp-ns" "$PASTA_BIN" -T 99999 true
expect_fail "no address or interface" "$PASTA_BIN" -U 127.0.0.1/53 true
expect_fail "auto is pasta's" "$PASST_BIN" -t auto
expect_fail "overlaps" "$PASTA_BIN" -T auto -T 8080 true
expect_fail "exclude each other" "$PASTA_BIN" --netns "$NS_GUEST" true
expect_fail "need a namespace" "$PASTA_BIN" --netns-only true
expect_fail "Invalid --tcp-ports" "$PASTA_BIN" -t 99999 --netns "$NS_GUEST"
expect_fail "Namespace target\|No namespace" "$PASTA_BIN" --netns nonexistent-$$

out=$("$PASTA_BIN" --version) || fail "pasta --version exited $?"
[[ "$out" == "pasta "* ]] || fail "pasta --version printed '$out'"
out=$("$PASST_BIN" --version) || fail "passt --version exited $?"
[[ "$out" == "passt "* ]] || fail "passt --version printed '$out'"
"$PASTA_BIN" --help | grep -q -- '--config-net' ||
	fail "pasta --help lacks --config-net"
"$PASST_BIN" --help | grep -q -- '--config-net' &&
	fail "passt --help lists --config-net"
ip -n "$NS_GUEST" link show veth-h >/dev/null 2>&1 &&
	fail "a refused start left a tap device behind"
pass
