#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test/e2e/doc_options.sh - Every option in --help (passt's and pasta's) is
# in the man page, and every option the man page documents is in one of
# them
# timeout: 30
# backends: any

set -u
. "$(dirname "$0")/../lib/bed.sh"

MAN=$BED_TOP/doc/passt.1
[ -r "$MAN" ] || fail "no man page at $MAN"
help=$("$PASST_BIN" --help) || fail "--help exited non-zero"
# pasta mode's help too: the program invoked as pasta
T=$(mktemp -d /tmp/passt-doc.XXXXXX) || fail "mktemp"
trap 'rm -rf "$T"' EXIT
ln -s "$PASST_BIN" "$T/pasta" || fail "ln -s"
help_pasta=$("$T/pasta" --help) || fail "pasta --help exited non-zero"
help="$help
$help_pasta"

# Long options from --help: "  -s, --socket PATH" or "      --trace"
opts=$(grep -oE '^ +(-[a-zA-Z0-9], )?--[a-z0-9-]+' <<<"$help" |
       grep -oE -- '--[a-z0-9-]+' | sort -u)
[ "$(wc -l <<<"$opts")" -ge 20 ] || fail "too few options parsed from --help"

missing=
for o in $opts; do
	# In roff, dashes are escaped: --no-dhcp is written \-\-no\-dhcp
	esc=$(sed 's/-/\\\\-/g' <<<"$o")
	grep -q -- "$esc\\b" "$MAN" || missing="$missing $o"
done
[ -z "$missing" ] || fail "options in --help but not in doc/passt.1:$missing"

# And the other way: every long option the man page lists is accepted
documented=$(grep -oE '^\.(B|BR) +\\-\\-[a-z0-9\\-]+' "$MAN" |
	     sed 's/^\.BR* *//; s/\\//g' | sort -u)
extra=
for o in $documented; do
	grep -qx -- "$o" <<<"$opts" || extra="$extra $o"
done
[ -z "$extra" ] || fail "options in doc/passt.1 but not in --help:$extra"

echo "$(wc -l <<<"$opts") options, all documented"
pass
