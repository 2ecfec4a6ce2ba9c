#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 20
# backends: any
#
# conf_print_capabilities - --print-capabilities prints the JSON object of
# the vhost-user back-end program convention ({"type": "net"}) on stdout,
# nothing on stderr, and exits 0 without starting anything.

. "$(dirname "$0")/../lib/bed.sh"

need_cmd python3
out=$("$PASST_BIN" --print-capabilities 2>"/tmp/caps-err.$$")
rc=$?
err=$(cat "/tmp/caps-err.$$"); rm -f "/tmp/caps-err.$$"
echo "exit $rc: $out"
[ "$rc" -eq 0 ] || fail "exit status $rc"
[ -z "$err" ] || fail "stderr: $err"
python3 -c 'import json, sys
d = json.loads(sys.argv[1])
sys.exit(0 if d.get("type") == "net" else "type is not net")' "$out" ||
	fail "not the JSON of a net back-end: $out"
pass
