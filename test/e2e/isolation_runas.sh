#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
#
# isolation_runas - Started by root, --runas UID:GID (numbers, no such
# names needed) makes the daemon run as exactly that user and group, with no
# supplementary groups; --runas root, --runas 0 and --runas 0:0 are refused
# with a clear message before anything is served, as is an unknown user.

. "$(dirname "$0")/../lib/bed.sh"
. "$(dirname "$0")/../lib/isolation.sh"

bed_setup

bed_start_daemon -d --runas 54321:54322
iso_wait_sealed
P=$PASST_PID
[ "$(iso_field "$P" Uid)" = "54321 54321 54321 54321" ] ||
	fail "Uid is '$(iso_field "$P" Uid)', not 54321"
[ "$(iso_field "$P" Gid)" = "54322 54322 54322 54322" ] ||
	fail "Gid is '$(iso_field "$P" Gid)', not 54322"
[ -z "$(iso_field "$P" Groups)" ] ||
	fail "supplementary groups left: $(iso_field "$P" Groups)"
iso_check_caps "$P"
bed_stop_daemon
[ "$PASST_RC" = 0 ] || fail "daemon exited with $PASST_RC"
[ -e "$SOCK" ] && fail "socket left behind by user 54321"

for who in root 0 0:0 passt-no-such-user; do
	rm -f "$SOCK"
	out=$(in_host timeout 10 "$PASST_BIN" -f -s "$SOCK" --runas "$who" \
	      </dev/null 2>&1)
	rc=$?
	[ $rc -ne 0 ] && [ $rc -ne 124 ] ||
		fail "--runas $who: exit $rc, not refused"
	case $who in
	passt-no-such-user) want="no user" ;;
	*)		    want="refusing to go on as root" ;;
	esac
	grep -q "$want" <<<"$out" || fail "--runas $who: message '$out'"
done
pass
