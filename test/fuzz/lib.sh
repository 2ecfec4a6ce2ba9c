# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# test/fuzz/lib.sh - Build and run helpers for test/fuzz/run and test/fuzz/check
#
# Sourced, from the repository root. Every test/fuzz/*.c file is one target,
# built with clang -fsanitize=fuzzer,address,undefined against every daemon
# module but passt.c (fuzz.h supplies passt_exit()). Objects go to
# ${O:-build}/fuzz/obj and are rebuilt when a source or any header is newer,
# or the flags changed. A target that does not build (an entry point it
# calls is missing or changed while other work is in progress) is reported
# as SKIP with its compiler log, never as a pass.
#
# Hermetic runs: targets that call fuzz_daemon_init() open real sockets for
# the flows guest frames create, so they run in a new network namespace
# (unshare -n, or unshare -rn without root) whose only link is loopback,
# brought up so that connections to mapped loopback addresses are refused at
# once. Nothing can leave the machine from there. If no namespace can be
# made, those targets are SKIPped: they never run in the caller's namespace.

FUZZ_SRC=test/fuzz
FUZZ_OUT=${O:-build}/fuzz
FUZZ_CC=${CLANG:-clang}
FUZZ_SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
FUZZ_CFLAGS="-std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
-DPASST_SANITIZERS $FUZZ_SAN -I."
FUZZ_WARN="-Wall -Wextra -Werror -pedantic -Wshadow -Wpointer-arith \
-Wcast-qual -Wwrite-strings -Wundef -Wstrict-prototypes \
-Wmissing-prototypes -Wformat=2 -Wimplicit-fallthrough"
FUZZ_LIBS=-lcap-ng

# Per-target input size limit, bytes (libFuzzer -max_len)
fuzz_max_len() {
	case "$1" in
	tap_frames) echo 16384 ;;
	virtio) echo 12296 ;;	# header + both guest memory regions
	vhost_user) echo 8192 ;;	# a handshake, rings and frames
	*) echo 2048 ;;
	esac
}

# fuzz_targets - Names of all targets, one per test/fuzz/*.c
fuzz_targets() {
	local f
	for f in "$FUZZ_SRC"/*.c; do
		[ -e "$f" ] || continue
		f=${f##*/}
		echo "${f%.c}"
	done
}

# fuzz_have_clang - Can we build libFuzzer targets at all?
fuzz_have_clang() {
	command -v "$FUZZ_CC" >/dev/null 2>&1 || return 1
	echo 'int LLVMFuzzerTestOneInput(const char *d, long n)
	{ (void)d; (void)n; return 0; }' >"$FUZZ_OUT/probe.c"
	"$FUZZ_CC" -fsanitize=fuzzer,address,undefined -o "$FUZZ_OUT/probe" \
		"$FUZZ_OUT/probe.c" >/dev/null 2>&1
}

# fuzz_build_objs - Build every daemon module but passt.c; log in build.log
# Return: 0 if all built
fuzz_build_objs() {
	local src obj newest_h flags rc=0

	mkdir -p "$FUZZ_OUT/obj"
	flags="$FUZZ_CC $FUZZ_CFLAGS -fsanitize=fuzzer-no-link"
	if [ "$(cat "$FUZZ_OUT/obj/flags" 2>/dev/null)" != "$flags" ]; then
		rm -f "$FUZZ_OUT"/obj/*.o
		echo "$flags" >"$FUZZ_OUT/obj/flags"
	fi
	newest_h=
	for src in ./*.h; do
		[ -z "$newest_h" ] || [ "$src" -nt "$newest_h" ] && newest_h=$src
	done
	: >"$FUZZ_OUT/build.log"
	for src in *.c; do
		[ "$src" = passt.c ] && continue
		obj="$FUZZ_OUT/obj/${src%.c}.o"
		if [ -e "$obj" ] && [ "$obj" -nt "$src" ] &&
		   [ "$obj" -nt "$newest_h" ]; then
			continue
		fi
		# Daemon warnings are the Makefile build's business: shown in
		# the log, not fatal here
		if ! $flags -Wall -Wextra -c -o "$obj" "$src" \
			>>"$FUZZ_OUT/build.log" 2>&1; then
			rm -f "$obj"
			rc=1
		fi
	done
	return $rc
}

# fuzz_build_target NAME - Compile and link one target; log in NAME.log
fuzz_build_target() {
	local t=$1 objs=()
	local src

	for src in *.c; do
		[ "$src" = passt.c ] && continue
		objs+=("$FUZZ_OUT/obj/${src%.c}.o")
	done
	# shellcheck disable=SC2086
	$FUZZ_CC $FUZZ_CFLAGS $FUZZ_WARN -fsanitize=fuzzer \
		-o "$FUZZ_OUT/$t" "$FUZZ_SRC/$t.c" "${objs[@]}" $FUZZ_LIBS \
		>"$FUZZ_OUT/$t.log" 2>&1
}

# fuzz_needs_netns NAME - Does the target open sockets (fuzz_daemon_init())?
fuzz_needs_netns() {
	grep -q 'fuzz_daemon_init(' "$FUZZ_SRC/$1.c"
}

# fuzz_netns_mode - How to get a fresh network namespace: prints the
# unshare options that work here, or nothing
fuzz_netns_mode() {
	if unshare -n true 2>/dev/null; then
		printf "%s\n" -n
	elif unshare -rn true 2>/dev/null; then
		printf "%s\n" -rn
	fi
}

# fuzz_exec NAME ARGS... - Run a target binary, in a fresh network
# namespace if it needs one; returns 125 if it needs one and none can be made
fuzz_exec() {
	local t=$1 mode
	shift
	if fuzz_needs_netns "$t"; then
		mode=$(fuzz_netns_mode)
		[ -n "$mode" ] || return 125
		# shellcheck disable=SC2016
		unshare "$mode" -- sh -c \
			'ip link set lo up 2>/dev/null; exec "$@"' sh \
			"$FUZZ_OUT/$t" "$@"
	else
		"$FUZZ_OUT/$t" "$@"
	fi
}

# fuzz_regress NAME - Replay committed regression inputs (findings) once
# Return: 0 if none crash (or there are none), 125 no namespace, else 1
fuzz_regress() {
	local t=$1 files=() rc
	local f

	for f in "$FUZZ_SRC/regress/$t"/*; do
		[ -f "$f" ] && files+=("$f")
	done
	[ ${#files[@]} -eq 0 ] && return 0
	fuzz_exec "$t" "${files[@]}" >"$FUZZ_OUT/$t.regress.log" 2>&1
	rc=$?
	[ $rc -eq 125 ] && return 125
	[ $rc -eq 0 ] || return 1
}

# fuzz_artifacts NAME - List the crash files a target left, one per line
fuzz_artifacts() {
	find "$FUZZ_OUT/artifacts" -name "$1-*" -type f 2>/dev/null
}

# fuzz_fuzz NAME SECONDS - Fuzz a target from its seed corpus; new inputs go
# to $FUZZ_OUT/corpus/NAME, crashes to $FUZZ_OUT/artifacts/. Sets FUZZ_EXECS,
# FUZZ_RATE (executions per second) from libFuzzer's final statistics.
# Return: libFuzzer's status (0: no finding), 125 if no namespace
fuzz_fuzz() {
	local t=$1 secs=$2 rc log=$FUZZ_OUT/$1.fuzz.log seeds=()

	mkdir -p "$FUZZ_OUT/corpus/$t" "$FUZZ_OUT/artifacts"
	[ -d "$FUZZ_SRC/corpus/$t" ] && seeds=("$FUZZ_SRC/corpus/$t")
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	fuzz_exec "$t" -max_total_time="$secs" -print_final_stats=1 \
		-max_len="$(fuzz_max_len "$t")" -rss_limit_mb=2048 \
		-timeout=10 -artifact_prefix="$FUZZ_OUT/artifacts/$t-" \
		"$FUZZ_OUT/corpus/$t" "${seeds[@]}" >"$log" 2>&1
	rc=$?
	FUZZ_EXECS=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
		     tail -1)
	FUZZ_RATE=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" |
		    tail -1)
	: "${FUZZ_EXECS:=?}" "${FUZZ_RATE:=?}"
	return $rc
}
