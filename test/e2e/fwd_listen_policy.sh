#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 120
# backends: any
#
# fwd_listen_policy - One failure policy for the sockets of -t and -u rules
# (listen.c): a port another process holds is a warning naming it, the
# rule's other ports are forwarded; a rule of which no port at all can be
# forwarded ends start-up with exit 1 and a message naming the rule. Same
# for TCP and UDP ("all" rules, which skip ports in use quietly, are
# fwd_spec_all_none's).

. "$(dirname "$0")/../lib/fwd.sh"

fwd_setup

# Another process holds TCP and UDP port 3333 in the host namespace, on
# both IP versions, without SO_REUSEADDR (which would let UDP share it)
cat >"$BED_DIR/hold.py" <<'PYEOF'
import socket, sys, time
socks = []
for fam, a in ((socket.AF_INET, '0.0.0.0'), (socket.AF_INET6, '::')):
    for t in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        s = socket.socket(fam, t)
        if fam == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((a, int(sys.argv[1])))
        if t == socket.SOCK_STREAM:
            s.listen(8)
        socks.append(s)
print("listening", flush=True)
time.sleep(3600)
PYEOF
bed_bg in_host python3 "$BED_DIR/hold.py" 3333 >"$BED_DIR/hold.out"
tcp_wait_file "$BED_DIR/hold.out" listening || fail "port holder not up"

# A rule whose only port is held: exit 1, naming the rule
for opt in -t -u; do
	p=TCP; [ "$opt" = -u ] && p=UDP
	out=$(timeout 5 ip netns exec "$NS_HOST" "$PASST_BIN" -f \
		-s "$BED_DIR/bad.sock" "$opt" 3333 2>&1 </dev/null)
	rc=$?
	echo "$opt 3333: exit $rc: $out"
	[ "$rc" -eq 1 ] || fail "$opt 3333 with the port held: exit $rc"
	grep -qF "$p: no port of rule 1 ($p */3333-3333 => 3333-3333) could be forwarded" \
		<<<"$out" || fail "$opt 3333: no message naming the rule"
	grep -qF "$p: rule 1: cannot forward port 3333: Address already in use" \
		<<<"$out" || fail "$opt 3333: no warning naming the port"
done

# A rule with a held port and a free one: a warning, the free one works
tcp_start -t 3333-3334 -u 3333-3334
for p in TCP UDP; do
	daemon_log_has "$p: rule [12]: cannot forward port 3333: Address already in use" ||
		fail "$p: no warning for the held port"
done
daemon_log_has "could be forwarded" && fail "a rule with a free port failed"
for a in "$HOST4" "$HOST6"; do
	bed_bg in_guest python3 "$TCPTOOL" echo-server "$a" 3334 \
		>"$BED_DIR/t$a.out"
	bed_bg in_guest python3 "$UDPTOOL" echo-server "$a" 3334 \
		>"$BED_DIR/u$a.out"
	tcp_wait_file "$BED_DIR/t$a.out" listening || fail "guest TCP server"
	udp_wait_file "$BED_DIR/u$a.out" listening || fail "guest UDP server"
	in_remote timeout 30 python3 "$TCPTOOL" many "$a" 3334 2 10000 ||
		fail "TCP port 3334 not forwarded on $a"
	in_remote timeout 20 python3 "$UDPTOOL" echo "$a" 3334 100 1400 ||
		fail "UDP port 3334 not forwarded on $a"
done
daemon_alive || fail "daemon died"
pass
