#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 30
# backends: stream (the guest side speaks the stream framing itself)
#
# tap_default_socket - Without -s the daemon binds the first free
# /tmp/passt_N.socket, prints it with the matching qemu command line, serves
# a guest there and removes it on SIGTERM.

. "$(dirname "$0")/../lib/bed.sh"

bed_setup
LOG=$BED_DIR/passt.log
bed_bg in_host "$PASST_BIN" -f -l "$LOG"
PASST_PID=$BG_PID
wait_for grep -q 'attach qemu with' "$LOG" || fail "no socket announced"
sed 's/^/    /' "$LOG"

path=$(sed -n 's/.*Listening on \(\/tmp\/passt_[0-9]*\.socket\);.*/\1/p' \
	"$LOG")
[ -n "$path" ] || fail "no /tmp/passt_N.socket in the listening line"
n=${path#/tmp/passt_}; n=${n%.socket}
if [ "$n" -lt 1 ] || [ "$n" -gt 64 ]; then
	fail "socket number $n not in 1..64"
fi
grep -qF -- "-netdev stream,id=s,server=off,addr.type=unix,addr.path=$path" \
	"$LOG" || fail "qemu command line does not name $path"
[ -S "$path" ] || fail "$path is not a socket"

SOCK=$path
python3 "$GUESTSOCK" send "$path" --tag dflt --count 2 --hold 0.5 ||
	fail "guest could not use $path"
wait_for grep -q 'Guest disconnected' "$LOG" ||
	fail "guest on $path not served"

kill -TERM "$PASST_PID"
wait_for eval '! daemon_alive' || fail "daemon ignored SIGTERM"
wait "$PASST_PID"
rc=$?
PASST_PID=
[ "$rc" -eq 0 ] || fail "exit status $rc after SIGTERM"
[ -e "$path" ] && fail "$path left behind"
pass
