# SPDX-License-Identifier: GPL-2.0-or-later
# test/lib/pasta.sh - Helpers for the pasta_*.sh cases (sourced, not a case)
#
# The daemon runs as $PASTA_BIN (bed_setup's link named pasta) in $NS_HOST,
# whose template interface is veth-h: the tap device it makes in a target
# namespace is named veth-h too unless -I says otherwise.

PASTA_IF=veth-h

# pasta_running PID - True if PID runs (a zombie does not: whoever adopts
# a detached daemon may reap it late)
pasta_running() {
	local st
	st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# pasta_gone_within PID MS - True if PID stops running within MS
# milliseconds; prints the time it took
pasta_gone_within() {
	local pid=$1 max=$2 t0 t
	t0=$(date +%s%N)
	while pasta_running "$pid"; do
		t=$((($(date +%s%N) - t0) / 1000000))
		[ "$t" -gt "$max" ] && return 1
		sleep 0.02
	done
	echo "$((($(date +%s%N) - t0) / 1000000))"
}

# pasta_addrs NS|- IF FAMILY - Global addresses of IF in NS ("-": the
# host namespace of the bed), "ADDR/PLEN" sorted, one a line
pasta_addrs() {
	local ns=$1
	[ "$ns" = - ] && ns=$NS_HOST
	ip -n "$ns" "-$3" -o addr show dev "$2" scope global |
		awk '{ print $4 }' | sort
}

# pasta_routes NS|- IF FAMILY - Routes through IF in NS that are not the
# kernel's own, as "DST via GW" (GW "-" if on-link), sorted
pasta_routes() {
	local ns=$1
	[ "$ns" = - ] && ns=$NS_HOST
	ip -n "$ns" "-$3" route show dev "$2" | grep -v 'proto kernel' |
		awk '{ gw = "-"
		       for (i = 2; i < NF; i++) if ($i == "via") gw = $(i + 1)
		       print $1, "via", gw }' | sort
}
