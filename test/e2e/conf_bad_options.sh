#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
# backends: any
#
# conf_bad_options - Bad command lines make the daemon exit 1 at once with a
# message naming the problem (and never start it); --help and --version
# print and exit 0.

. "$(dirname "$0")/../lib/bed.sh"

bed_setup

# run ARGS...: run the daemon in the host namespace; sets OUT and RC
run() {
	OUT=$(timeout 5 ip netns exec "$NS_HOST" "$PASST_BIN" -f \
		-s "$BED_DIR/bad.sock" "$@" 2>&1 </dev/null)
	RC=$?
}

# bad MESSAGE ARGS...: ARGS must fail with exit 1 and print MESSAGE
bad() {
	local msg=$1
	shift
	run "$@"
	echo "passt $*: exit $RC: $OUT"
	[ "$RC" -eq 124 ] && fail "'$*' started the daemon"
	[ "$RC" -eq 1 ] || fail "'$*': exit status $RC, expected 1"
	grep -qF -- "$msg" <<<"$OUT" || fail "'$*': no '$msg' in: $OUT"
	[ -e "$BED_DIR/bad.sock" ] && fail "'$*' created the socket"
	return 0
}

bad "unrecognized option '--foo'" --foo
bad "invalid option -- 'Z'" -Z
bad "option '--mtu' requires an argument" --mtu
bad "unexpected argument 'extra'" extra
bad "Invalid --address '300.1.1.1'" -a 300.1.1.1
bad "Invalid --address 'foo'" -a foo
bad "Invalid --address '224.0.0.1'" -a 224.0.0.1
bad "Invalid --netmask '255.0.255.0'" -n 255.0.255.0
bad "Invalid --gateway '1.2.3'" -g 1.2.3
bad "Invalid --mtu '100'" -m 100
bad "Invalid --mtu '65521'" -m 65521
bad "Invalid --mtu '1500x'" -m 1500x
bad "Invalid --mac-addr '12:34'" -M 12:34
bad "Invalid --mac-addr '01:00:5e:00:00:01'" -M 01:00:5e:00:00:01
bad "Invalid --mac-addr '00:00:00:00:00:00'" -M 00:00:00:00:00:00
bad "Invalid --dns 'nameserver'" -D nameserver
bad "Invalid --log-size '100'" --log-size 100
bad "mutually exclusive" -4 -6
bad "Invalid --outbound 'foo'" -o foo
bad "Invalid --outbound '0.0.0.0'" --outbound 0.0.0.0
bad "Invalid --outbound-if4 'nosuchif0'" --outbound-if4 nosuchif0
bad "Invalid --outbound-if6 'nosuchif0'" --outbound-if6 nosuchif0
bad "Invalid --search 'bad..domain'" --search "ok.example bad..domain"
bad "option '--freebind' doesn't allow an argument" --freebind=1

run --help
[ "$RC" -eq 0 ] || fail "--help: exit status $RC"
for opt in --socket --one-off --foreground --debug --trace --quiet \
	   --log-file --log-size --pcap --pid --ipv4-only --ipv6-only \
	   --address --netmask --gateway --mac-addr --mtu --dns --search \
	   --interface --help --version --outbound --outbound-if4 \
	   --outbound-if6 --freebind; do
	grep -qF -- "$opt" <<<"$OUT" || fail "--help does not list $opt"
done

run --version
[ "$RC" -eq 0 ] || fail "--version: exit status $RC"
grep -qE '^passt [0-9]+\.[0-9]+' <<<"$OUT" || fail "--version printed: $OUT"
pass
