#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test/e2e/lint_layers.sh - The daemon's include graph has no cycle
# (test/lint/layers.py), and the lint finds one when a lower module
# includes an upper one's header
# timeout: 30
# backends: any

set -u
. "$(dirname "$0")/../lib/bed.sh"

LINT=$BED_TOP/test/lint/layers.py
T=$(mktemp -d /tmp/passt-lint.XXXXXX) || fail "mktemp"
trap 'rm -rf "$T"' EXIT

# A planted cycle of three: low -> mid -> top -> low
printf '#include "mid.h"\n' > "$T/low.c"
printf '#include "top.h"\n' > "$T/mid.h"
printf '#include "low.h"\n#include "mid.h"\n' > "$T/top.c"
: > "$T/low.h"; : > "$T/top.h"; : > "$T/leaf.h"
printf '#include "leaf.h"\n' > "$T/mid.c"
"$LINT" "$T" > "$T/out" && fail "lint missed the planted cycle"
grep -q 'include cycle of 3 modules: low mid top' "$T/out" ||
	fail "lint output: $(cat "$T/out")"
grep -q 'top -> low (top.c:1)' "$T/out" ||
	fail "lint does not name the include line: $(cat "$T/out")"

"$LINT" "$BED_TOP" > "$T/out" ||
	fail "the daemon's modules include each other: $(cat "$T/out")"
pass
