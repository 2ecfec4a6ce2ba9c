# SPDX-License-Identifier: GPL-2.0-or-later
# test/lib/flow.sh - Helpers for the flow_*.sh cases (sourced, not a case):
# flow life limits (keepalive, inactivity, closing timeout) and the dump.
#
# flow_tool_init writes $FLOWTOOL, a python3 program with these modes:
#   hold-server ADDR PORT [CLOSE_FLAG]
#       accept one; echo what arrives; print one line per event, flushed:
#       "listening", "accepted", "data N", "eof", "reset" (peer reset the
#       connection: read error, or TCP_INFO state CLOSE), "closed" (after
#       EOF, once the file CLOSE_FLAG exists, close and exit)
#   client ADDR PORT STEP...
#       connect, then run the steps in order, printing "STEP ok" each:
#       send:N     send N pattern bytes, read back and check their echo
#       wait:FILE  until FILE exists
#       sleep:S    sleep S seconds
#       shut       shutdown(SHUT_WR)
#       close      close the socket (the kernel keeps the connection)
#       hold       sleep until killed
#       reset      wait until the connection is reset (RST), exit 0
#   busy ADDR PORT CONNS SECONDS
#       CONNS connections; each sends 64 bytes every second (staggered) and
#       checks the echo, for SECONDS; exit 0 only if none failed
# The client and busy modes exit 1 with a message on any failure.

FLOWTOOL=

flow_tool_init() {
	FLOWTOOL=$BED_DIR/flowtool.py
	cat >"$FLOWTOOL" <<'PYEOF'
import os, select, socket, struct, sys, time

TCP_CLOSE = 7

def fam(a):
    return socket.AF_INET6 if ':' in a else socket.AF_INET

def say(*a):
    print(*a, flush=True)

def tcp_state(s):
    try:
        return struct.unpack('B', s.getsockopt(socket.IPPROTO_TCP,
                                               socket.TCP_INFO, 1))[0]
    except OSError:
        return TCP_CLOSE

def pattern(n, k=0):
    return bytes((i * 7 + k) & 0xff for i in range(n))

def hold_server(a, p, flag=None):
    ls = socket.socket(fam(a), socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((a, int(p)))
    ls.listen(1)
    say("listening")
    c, _ = ls.accept()
    say("accepted")
    eof = False
    while True:
        if eof and flag and os.path.exists(flag):
            c.close()
            say("closed")
            return 0
        r, _, _ = select.select([c], [], [], 0.1)
        if r:
            try:
                b = c.recv(65536)
            except OSError as e:
                say("reset", e.errno)
                return 0
            if b:
                say("data", len(b))
                c.sendall(b)
            elif not eof:
                eof = True
                say("eof")
        if tcp_state(c) == TCP_CLOSE:
            say("reset")
            return 0

def recv_exact(s, n):
    got = b''
    while len(got) < n:
        b = s.recv(n - len(got))
        if not b:
            raise Exception("EOF after %d of %d bytes" % (len(got), n))
        got += b
    return got

def client(a, p, steps):
    s = socket.create_connection((a, int(p)), timeout=20)
    k = 0
    for st in steps:
        op, _, arg = st.partition(':')
        if op == 'send':
            k += 1
            d = pattern(int(arg), k)
            s.sendall(d)
            if recv_exact(s, len(d)) != d:
                raise Exception("echo differs")
        elif op == 'wait':
            while not os.path.exists(arg):
                time.sleep(0.05)
        elif op == 'sleep':
            time.sleep(float(arg))
        elif op == 'shut':
            s.shutdown(socket.SHUT_WR)
        elif op == 'close':
            s.close()
        elif op == 'hold':
            say(st, "ok")
            while True:
                time.sleep(3600)
        elif op == 'reset':
            s.settimeout(None)
            while True:
                try:
                    if not s.recv(65536) and tcp_state(s) == TCP_CLOSE:
                        break
                except OSError:
                    break
                time.sleep(0.05)
        else:
            raise Exception("unknown step " + st)
        say(st, "ok")
    return 0

def busy(a, p, conns, secs):
    socks = []
    for i in range(int(conns)):
        socks.append(socket.create_connection((a, int(p)), timeout=20))
    say("connected", len(socks))
    end = time.time() + float(secs)
    rounds = 0
    while time.time() < end:
        t0 = time.time()
        for i, s in enumerate(socks):
            d = pattern(64, i + rounds)
            s.sendall(d)
            if recv_exact(s, 64) != d:
                raise Exception("echo differs on connection %d" % i)
        rounds += 1
        time.sleep(max(0.0, 1.0 - (time.time() - t0)))
    for s in socks:
        s.close()
    say("rounds", rounds, "ok")
    return 0

def main():
    m, args = sys.argv[1], sys.argv[2:]
    try:
        if m == 'hold-server':
            return hold_server(*args)
        if m == 'client':
            return client(args[0], args[1], args[2:])
        if m == 'busy':
            return busy(*args)
    except Exception as e:
        say("error:", e)
        return 1
    say("unknown mode", m)
    return 1

sys.exit(main())
PYEOF
}

# flow_wait_file FILE TEXT - Wait (10 s) until FILE contains TEXT
flow_wait_file() {
	wait_for grep -q "$2" "$1"
}

# flow_dump - Ask for a SIGUSR1 dump; print its lines (flows and counters)
flow_dump() {
	local n
	n=$(grep -c 'flow table:' "$BED_DIR/passt.log")
	kill -USR1 "$PASST_PID" || return 1
	wait_for sh -c "[ \$(grep -c 'flow table:' '$BED_DIR/passt.log') -gt $n ] &&
		grep -q 'counter dropped_' '$BED_DIR/passt.log'" || return 1
	sleep 0.2
	awk -v n="$n" '/flow table:/ { c++ } c > n' "$BED_DIR/passt.log"
}

# flow_tcp_count [STATE] - TCP flows (in STATE, e.g. LAST_ACK) in a new dump
flow_tcp_count() {
	flow_dump | grep -c "^.*flow [0-9]* TCP \[${1:-[A-Z_0-9]*}\]"
}

# flow_counter NAME - A counter's value from a new dump
flow_counter() {
	flow_dump | sed -n "s/.*counter $1: \([0-9]*\)$/\1/p" | tail -1
}

# flow_now - Seconds since the epoch, with milliseconds
flow_now() {
	date +%s.%N | cut -c1-14
}

# flow_elapsed T0 - Seconds since T0 (from flow_now), as a decimal
flow_elapsed() {
	awk -v a="$(flow_now)" -v b="$1" 'BEGIN { printf "%.1f\n", a - b }'
}

# flow_start [ARGS] - Start the daemon (debug log, no RAs) with ARGS, the
# bridge with -R (so flow_guest_reboot works), and a static guest config
flow_start() {
	bed_start_daemon --no-ra -d "$@"
	bed_connect_guest -R "/run/netns/$NS_GUEST"
	guest_static_config
}

# flow_guest_reboot - The guest "reboots" with the socket kept connected:
# its NIC goes away, its processes die, its namespace is recreated with the
# same addresses, the NIC comes back. The old stack forgot every connection.
flow_guest_reboot() {
	local n
	n=$(grep -c 'powered on' "$BED_DIR/bridge.log")
	kill -USR1 "$BRIDGE_PID" || return 1
	wait_for grep -q 'powered off' "$BED_DIR/bridge.log" || return 1
	for pid in $(ip netns pids "$NS_GUEST"); do
		[ "$pid" = "$BRIDGE_PID" ] || kill -KILL "$pid"
	done
	ip netns del "$NS_GUEST" && ip netns add "$NS_GUEST" || return 1
	bed_ns_sysctls "$NS_GUEST"
	kill -USR2 "$BRIDGE_PID" || return 1
	wait_for sh -c "[ \$(grep -c 'powered on' '$BED_DIR/bridge.log') -gt $n ]" ||
		return 1
	wait_for in_guest ip link show tap0 >/dev/null || return 1
	guest_static_config
}
