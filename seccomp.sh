#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# seccomp.sh - Generate seccomp.h, the seccomp-BPF allow-list, from the
# "#syscalls" lines in the sources
#
# Usage: seccomp.sh OUTPUT CC FILE.c...
#
# Every function that makes a system call after start-up says so in its
# kernel-doc comment, on a line of its own:
#
#	 * #syscalls name name ...
#
# (names as in <sys/syscall.h>, without __NR_); calls that only pasta mode
# makes (the namespace's end, the spawned command, port scans) on lines
#
#	 * #syscalls:pasta name name ...
#
# go into a second filter, isolation_seccomp_filter_pasta: the first one
# plus these, so passt mode never allows them. Calls of pasta's namespace
# socket helper (pasta_sock.c, a process of its own) on lines
#
#	 * #syscalls:helper name name ...
#
# make a third filter, pasta_sock_seccomp_filter, of these names alone:
# the helper allows nothing of the daemon's list. seccomp.h holds the
# first two unless SECCOMP_HELPER_FILTER is defined, then the third only. This script collects them
# from FILE.c..., so that the list cannot drift from the code, and writes
# OUTPUT: a filter that checks the architecture (AUDIT_ARCH_*), then the
# system call number against each allowed one, and kills the process on
# anything else (SECCOMP_RET_KILL_PROCESS).
#
# A name that is not a system call on the build architecture is an error
# (a typo), unless it is in LEGACY below: older calls that newer
# architectures (aarch64) dropped in favour of another, which the sources
# must then list too (epoll_wait and epoll_pwait). Every entry is wrapped in
# #ifdef __NR_name, so the header compiles on every architecture.
#
# The sanitizer build (PASST_SANITIZERS) gets the extra calls ASan/UBSan's
# runtime makes (ASAN below), under #ifdef: never in the release filter.

set -eu

[ $# -ge 3 ] || { echo "Usage: $0 OUTPUT CC FILE.c..." >&2; exit 2; }
OUT=$1
CC=$2
shift 2

# Calls that exist on x86_64 but not on every architecture
LEGACY="open epoll_wait epoll_create poll select pipe dup2 access stat lstat
unlink rename mkdir rmdir readlink chmod chown fork vfork getdents time
alarm pause signalfd eventfd inotify_init creat link symlink mknod utimes
futimesat lchown getpgrp send recv"

# Called by the ASan/UBSan runtime after start-up: shadow memory and
# quarantine management, reports (they read /proc/self/maps and write to
# stderr), the exit-time leak check (a tracer thread and ptrace)
ASAN="mmap munmap mprotect madvise mremap brk sched_yield getpid gettid
tgkill rt_sigaction rt_sigprocmask sigaltstack futex prctl readlink
readlinkat openat open close read pread64 write fstat newfstatat lseek
getrlimit prlimit64 nanosleep clock_nanosleep clone clone3 ptrace wait4
waitid exit getdents64 kill getppid sched_getaffinity"

# Frequent calls first: the filter is a linear list
HOT="epoll_wait epoll_pwait recvmsg sendmsg recvmmsg sendmmsg read write
writev readv recvfrom sendto clock_gettime"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/seccomp.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# Every __NR_ name of the build architecture
echo '#include <sys/syscall.h>' | $CC -dM -E - |
	sed -n 's/^#define __NR_\([a-z0-9_]*\) .*/\1/p' | sort -u >"$TMP/known"

# name file, one per line, in file order: both modes, then pasta's own
for f in "$@"; do
	sed -n 's/^ \* #syscalls[ \t]\(.*\)$/\1/p' "$f" |
		tr -s ' \t' '\n' | sed '/^$/d' | sed "s|\$| $f|"
done >"$TMP/decl"
for f in "$@"; do
	sed -n 's/^ \* #syscalls:pasta[ \t]\(.*\)$/\1/p' "$f" |
		tr -s ' \t' '\n' | sed '/^$/d' | sed "s|\$| $f|"
done >"$TMP/decl_pasta"
for f in "$@"; do
	sed -n 's/^ \* #syscalls:helper[ \t]\(.*\)$/\1/p' "$f" |
		tr -s ' \t' '\n' | sed '/^$/d' | sed "s|\$| $f|"
done >"$TMP/decl_helper"

err=0
while read -r name file; do
	case "$name" in
	*[!a-z0-9_]*) echo "$file: '$name' is not a system call name" >&2
		      err=1; continue ;;
	esac
	grep -qx "$name" "$TMP/known" && continue
	echo " $LEGACY " | tr -s ' \n' ' ' | grep -q " $name " && continue
	echo "$file: #syscalls $name: not a system call on this" \
	     "architecture, and not in seccomp.sh's LEGACY list" >&2
	err=1
done <<EOF
$(cat "$TMP/decl" "$TMP/decl_pasta" "$TMP/decl_helper")
EOF
[ $err -eq 0 ] || exit 1

# Unique names, hot ones first, then alphabetical; with the files that
# declared each
{
	for n in $HOT; do
		grep -q "^$n " "$TMP/decl" && echo "$n"
	done
	cut -d' ' -f1 "$TMP/decl" | sort -u | while read -r n; do
		echo " $HOT " | tr -s ' \n' ' ' | grep -q " $n " || echo "$n"
	done
} >"$TMP/names"

# pasta's own: the names not in the common list
cut -d' ' -f1 "$TMP/decl_pasta" | sort -u | while read -r n; do
	grep -qx "$n" "$TMP/names" || echo "$n"
done >"$TMP/names_pasta"
: >"$TMP/none"
cut -d' ' -f1 "$TMP/decl_helper" | sort -u >"$TMP/names_helper"

files_of() {	# files_of NAME: files declaring NAME, comma-separated
	cat "$TMP/decl" "$TMP/decl_pasta" "$TMP/decl_helper" |
		awk -v n="$1" '$1 == n { print $2 }' | sort -u |
		paste -sd, - | sed 's/,/, /g'
}

entry() {	# entry NAME COMMENT
	printf '#ifdef __NR_%s\n\tSECCOMP_ALLOW(__NR_%s),\t/* %s */\n#endif\n' \
		"$1" "$1" "$2"
}

filter() {	# filter ARRAY EXTRA_NAMES_FILE [BASE_NAMES_FILE]: one filter
	base=${3:-$TMP/names}
	cat <<EOF
static struct sock_filter $1[] = {
	/* Architecture first: another ABI's numbers mean other calls */
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		 offsetof(struct seccomp_data, arch)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SECCOMP_AUDIT_ARCH, 1, 0),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	/* Then the number (x32 numbers, bit 30 set, never match these) */
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		 offsetof(struct seccomp_data, nr)),
EOF
	cat "$base" "$2" | while read -r n; do
		entry "$n" "$(files_of "$n")"
	done
	echo "#ifdef PASST_SANITIZERS"
	echo "	/* Sanitizer runtime, never in release builds */"
	for n in $ASAN; do
		cat "$base" "$2" | grep -qx "$n" ||
			entry "$n" "ASan/UBSan runtime"
	done
	echo "#endif"
	cat <<EOF
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_DEFAULT),
};
EOF
}

count=$(wc -l <"$TMP/names")
count_pasta=$((count + $(wc -l <"$TMP/names_pasta")))
count_helper=$(wc -l <"$TMP/names_helper")

{
	cat <<EOF
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* seccomp.h - seccomp-BPF allow-list: generated by seccomp.sh from the
 * "#syscalls" lines in the sources. Do not edit: change those lines.
 */

#ifndef SECCOMP_H
#define SECCOMP_H

#include <stddef.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>

/* The build's architecture (tests may define another, to see it refused) */
#ifndef SECCOMP_AUDIT_ARCH
#if defined(__x86_64__)
#define SECCOMP_AUDIT_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SECCOMP_AUDIT_ARCH	AUDIT_ARCH_AARCH64
#else
#error "seccomp.h: no AUDIT_ARCH for this architecture: add it to seccomp.sh"
#endif
#endif

/* Anything not allowed: kill the process; PASST_SECCOMP_LOG (make
 * SECCOMP=log, to find missing "#syscalls" lines): log it and allow it
 */
#ifdef PASST_SECCOMP_LOG
#define SECCOMP_DEFAULT		SECCOMP_RET_LOG
#else
#define SECCOMP_DEFAULT		SECCOMP_RET_KILL_PROCESS
#endif

/* Names declared in "#syscalls" lines (some may not exist on this arch) */
#define ISOLATION_SECCOMP_SYSCALLS	$count
#define ISOLATION_SECCOMP_SYSCALLS_PASTA	$count_pasta
#define PASTA_SOCK_SECCOMP_SYSCALLS	$count_helper

/* If the number is @nr, allow; else go on with the next pair */
#define SECCOMP_ALLOW(nr)						\\
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1),		\\
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

EOF
	echo "#ifndef SECCOMP_HELPER_FILTER"
	filter isolation_seccomp_filter "$TMP/none"
	echo
	echo "/* pasta mode: the same, and its own calls (#syscalls:pasta) */"
	filter isolation_seccomp_filter_pasta "$TMP/names_pasta"
	echo "#else /* SECCOMP_HELPER_FILTER */"
	echo "/* pasta's namespace socket helper: its calls only (#syscalls:helper) */"
	filter pasta_sock_seccomp_filter "$TMP/none" "$TMP/names_helper"
	echo "#endif /* SECCOMP_HELPER_FILTER */"
	cat <<EOF

#endif /* SECCOMP_H */
EOF
} >"$TMP/out"

mv "$TMP/out" "$OUT"
