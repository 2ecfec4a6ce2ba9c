#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 240
#
# tcp_no_peek_off - The fallback for kernels whose TCP sockets lack
# SO_PEEK_OFF (before Linux 6.9; Debian 12 runs 6.1): every peek starts at
# the head of the socket's data, what was sent already goes to a discard
# buffer, and in-flight data is capped. The daemon runs under
# test/tools/nopeekoff.c (LD_PRELOAD), which refuses the option, through these
# cases, each whole and unchanged: tcp_download (50 MB to the guest over
# IPv4 and IPv6, sha256), tcp_retransmit (frames lost toward the guest,
# rewinding without a peek offset), tcp_halfclose_host_first and
# tcp_fin_rides (end of stream found by a peek). Each must pass, and each
# daemon must have had the option refused (a line in a mark file), and
# logged that it runs without it.

. "$(dirname "$0")/../lib/bed.sh"

SHIM=${NOPEEKOFF:-$BED_TOP/build/tools/nopeekoff.so}
[ -f "$SHIM" ] || fail "no $SHIM (make tools)"
bed_setup		# only for BED_DIR and the clean-up
MARK=$BED_DIR/marks
WRAP=$BED_DIR/passt-nopeekoff
# exec -a: the daemon's argv[0] is the wrapper's own (pasta: the bed's
# link named pasta, which chooses the mode)
cat >"$WRAP" <<WEOF
#!/bin/bash
LD_PRELOAD='$SHIM' NOPEEKOFF_MARK='$MARK' exec -a "\$0" '$PASST_BIN' "\$@"
WEOF
chmod +x "$WRAP"

n=0
for t in tcp_download tcp_retransmit tcp_halfclose_host_first tcp_fin_rides; do
	# A case that does not run on this back-end (its "# backends:" line)
	be=$(sed -n 's/^# backends: *\([a-z -]*\).*/\1/p' \
		"$BED_TOP/test/e2e/$t.sh")
	case " ${be:-$BACKEND} " in
	*" $BACKEND "*|" any ") ;;
	*) echo "$t: not on $BACKEND"; continue ;;
	esac
	n=$((n + 1))
	out=$BED_DIR/$t.out
	PASST_BIN=$WRAP TCP_DEBUG_LOG=$BED_DIR/$t.log \
		"$BED_TOP/test/e2e/$t.sh" >"$out" 2>&1 ||
		fail "$t without SO_PEEK_OFF: $(tail -20 "$out")"
	[ "$(wc -l <"$MARK" 2>/dev/null || echo 0)" -ge "$n" ] ||
		fail "$t: the daemon did not run under $SHIM"
	grep -q "no SO_PEEK_OFF, in-flight data limited to" "$BED_DIR/$t.log" ||
		fail "$t: no fallback in the daemon's log"
	echo "$t: passed without SO_PEEK_OFF"
done
pass
