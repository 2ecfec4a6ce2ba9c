#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 120
# backends: any
#
# make_install - make install with PREFIX and DESTDIR puts the binary, the
# pasta link and both manual pages under DESTDIR/PREFIX and nothing else;
# the installed binary runs (--version) under both names; make uninstall
# removes all of it. The listing is printed.

set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
dest=$(mktemp -d /tmp/passt-install.XXXXXX) || exit 1
trap 'rm -rf "$dest"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# A copy of the tree with its release objects (times kept: nothing is
# rebuilt if the tree was built), so that the worktree is not touched
src=$dest/src
mkdir -p "$src"
(cd "$top" && tar -c --exclude=./.git --exclude=./build/asan \
	--exclude=./build/unit --exclude=./build/tools --exclude='./build-*' .) |
	tar -x -C "$src" || fail "copying the tree"
make -s -C "$src" install PREFIX=/opt/ptest \
	DESTDIR="$dest/root" >"$dest/make.log" 2>&1 ||
	{ tail -20 "$dest/make.log"; fail "make install"; }

(cd "$dest/root" && find . -mindepth 1 | sort) >"$dest/list"
sed 's/^/    /' "$dest/list"
cat >"$dest/want" <<EOT
./opt
./opt/ptest
./opt/ptest/bin
./opt/ptest/bin/passt
./opt/ptest/bin/pasta
./opt/ptest/share
./opt/ptest/share/man
./opt/ptest/share/man/man1
./opt/ptest/share/man/man1/passt.1
./opt/ptest/share/man/man1/pasta.1
EOT
diff -u "$dest/want" "$dest/list" || fail "installed files differ"
b=$dest/root/opt/ptest/bin
[ "$(readlink "$b/pasta")" = passt ] || fail "pasta is not a link to passt"
[ "$(stat -c %a "$b/passt")" = 755 ] || fail "passt mode $(stat -c %a "$b/passt")"
"$b/passt" --version | grep -q '^passt ' || fail "installed passt --version"
"$b/pasta" --version >/dev/null || fail "installed pasta --version"
m=$dest/root/opt/ptest/share/man/man1
[ "$(readlink "$m/pasta.1")" = passt.1 ] || fail "pasta.1 is not a link"
cmp -s "$m/passt.1" "$top/doc/passt.1" || fail "passt.1 differs"

make -s -C "$src" uninstall PREFIX=/opt/ptest \
	DESTDIR="$dest/root" >>"$dest/make.log" 2>&1 || fail "make uninstall"
left=$(cd "$dest/root" && find . -type f -o -type l)
[ -z "$left" ] || fail "left after uninstall: $left"
echo PASS
