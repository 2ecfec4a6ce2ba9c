# SPDX-License-Identifier: GPL-2.0-or-later
# test/lib/fwd.sh - What the fwd_*.sh cases share (sourced, not a case)
#
# Sources lib.sh, tcp_lib.sh and udp_lib.sh.
#   fwd_setup                      the bed, python3, $TCPTOOL and $UDPTOOL
#   fwd_host_echo_servers TPORT UPORT ADDR...
#                                  a TCP echo server on TPORT and a UDP one
#                                  on UPORT in the host namespace, on each
#                                  ADDR, listening before it returns

. "$(dirname "${BASH_SOURCE[0]}")/bed.sh"
. "$(dirname "${BASH_SOURCE[0]}")/tcp.sh"
. "$(dirname "${BASH_SOURCE[0]}")/udp.sh"

fwd_setup() {
	bed_setup
	need_cmd python3
	tcp_tool_init
	udp_tool_init
}

fwd_host_echo_servers() {
	local tport=$1 uport=$2 a
	shift 2
	for a in "$@"; do
		bed_bg in_host python3 "$TCPTOOL" echo-server "$a" "$tport" \
			>"$BED_DIR/t$a.out"
		bed_bg in_host python3 "$UDPTOOL" echo-server "$a" "$uport" \
			>"$BED_DIR/u$a.out"
		tcp_wait_file "$BED_DIR/t$a.out" listening ||
			fail "TCP server on $a"
		udp_wait_file "$BED_DIR/u$a.out" listening ||
			fail "UDP server on $a"
	done
}
