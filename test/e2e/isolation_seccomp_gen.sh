#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 60
# backends: any
#
# isolation_seccomp_gen - seccomp.sh, on sources of its own: a name that is
# no system call is a build error naming the file; calls that newer
# architectures dropped are accepted. The filter it generates, loaded into a
# small program, allows a declared call, kills an undeclared one with
# SIGSYS, and checks the architecture before the number: built for another
# architecture, it kills even the declared call; an i386 call
# (int 0x80) whose number is that of a declared x86_64 call (20: i386
# getpid, x86_64 writev) is killed too (where the kernel has i386 calls),
# and so is an x32 call (bit 30 set) to a declared number.

. "$(dirname "$0")/../lib/bed.sh"

need_cmd cc
GEN=$BED_TOP/seccomp.sh
T=$(mktemp -d /tmp/passt-seccomp-gen.XXXXXX)
trap 'rm -rf "$T"' EXIT

cat >"$T/typo.c" <<'EOF'
/**
 * f() - A function with a typo in its system calls
 *
 * #syscalls getppid getpidd
 */
EOF
if out=$("$GEN" "$T/h.h" cc "$T/typo.c" 2>&1); then
	fail "a typo ('getpidd') was accepted"
fi
grep -q 'typo.c.*getpidd' <<<"$out" || fail "typo message: $out"

cat >"$T/decl.c" <<'EOF'
/**
 * f() - Declares what the test program may call
 *
 * #syscalls getppid exit_group writev
 * #syscalls epoll_wait epoll_pwait
 */
EOF
"$GEN" "$T/seccomp.h" cc "$T/decl.c" || fail "seccomp.sh failed on valid input"
grep -q 'SECCOMP_ALLOW(__NR_epoll_wait)' "$T/seccomp.h" ||
	fail "legacy name epoll_wait missing from the header"
grep -q '__NR_getuid' "$T/seccomp.h" && fail "undeclared getuid in the filter"

cat >"$T/prog.c" <<'EOF'
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "seccomp.h"

int main(int argc, char **argv)
{
	struct sock_fprog prog = {
		sizeof(isolation_seccomp_filter) /
		sizeof(isolation_seccomp_filter[0]),
		isolation_seccomp_filter,
	};
	long r = 0;

	if (argc < 3)
		return 2;
	if (!strcmp(argv[1], "filter") &&
	    (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	     prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0)))
		return 2;
	if (!strcmp(argv[2], "allowed"))
		r = syscall(SYS_getppid);
	else if (!strcmp(argv[2], "denied"))
		r = syscall(SYS_getuid);
#if defined(__x86_64__)
	else if (!strcmp(argv[2], "x32"))
		r = syscall(0x40000000L | SYS_getppid);
	else if (!strcmp(argv[2], "i386"))
		__asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory");
#endif
	syscall(SYS_exit_group, r > 0 ? 0 : 3);
	return 4;
}
EOF
cc -O2 -I"$T" -o "$T/prog" "$T/prog.c" || fail "test program does not build"
# The same filter, built for another architecture than ours
cc -O2 -I"$T" -DSECCOMP_AUDIT_ARCH=0x12345678 -o "$T/prog_arch" "$T/prog.c" ||
	fail "test program (other architecture) does not build"

run() {		# run MODE CALL: print the exit status
	"$T/prog" "$1" "$2" >/dev/null 2>&1
	echo $?
}
[ "$(run nofilter allowed)" = 0 ] || fail "control: getppid failed"
[ "$(run filter allowed)" = 0 ] || fail "declared getppid not allowed"
"$T/prog_arch" filter allowed >/dev/null 2>&1
rc=$?
[ $rc = 159 ] ||
	fail "filter for another architecture let our getppid through (exit $rc)"
[ "$(run filter denied)" = 159 ] ||
	fail "undeclared getuid: exit $(run filter denied), not 159 (SIGSYS)"
if [ "$(uname -m)" = x86_64 ]; then
	[ "$(run filter x32)" = 159 ] ||
		fail "x32 getppid passed the filter (exit $(run filter x32))"
	if [ "$(run nofilter i386)" = 0 ]; then
		[ "$(run filter i386)" = 159 ] ||
			fail "i386 call 20 passed the x86_64 filter (exit $(run filter i386))"
	else
		echo "note: no i386 system calls on this kernel: int 0x80 sub-check not run"
	fi
fi
pass
