#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test/e2e/lint_minmax.sh - No MIN()/MAX() argument calls a function that may
# answer differently the second time (test/lint/minmax.py), and the lint
# itself finds the call that once overran tcp_send_room()'s segment array
# timeout: 30
# backends: any

set -u
. "$(dirname "$0")/../lib/bed.sh"

LINT=$BED_TOP/test/lint/minmax.py
T=$(mktemp -d /tmp/passt-lint.XXXXXX) || fail "mktemp"
trap 'rm -rf "$T"' EXIT

# The lint must catch the shape of the bug it is here for
cat > "$T/bad.c" <<'C'
static unsigned f(struct ctx *c, unsigned cap, unsigned seg)
{
	return MIN(cap, (unsigned)MIN(tap_room(c, seg), 100U) * seg);
}
C
"$LINT" "$T/bad.c" > "$T/out" && fail "lint missed tap_room() in MIN()"
grep -q 'bad.c:3: MIN() argument calls tap_room' "$T/out" ||
	fail "lint output: $(cat "$T/out")"

cd "$BED_TOP" || fail "cd $BED_TOP"
"$LINT" *.c *.h test/tools/*.c test/unit/*.c test/fuzz/*.c > "$T/out" ||
	fail "MIN()/MAX() with calls evaluated twice: $(cat "$T/out")"
pass
