#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 120
#
# isolation_noalloc - Once the loop runs, the daemon allocates no memory,
# opens no file and starts no process. An LD_PRELOAD shim, compiled here,
# arms itself at the first epoll_wait(): from then on any malloc() family
# call (also libc's own, which go through the interposed symbols), any
# open/fopen/fork/clone/exec wrapper, and any open/openat/openat2/creat/
# fork/vfork/clone/clone3/execve/execveat system call (a seccomp filter
# that traps them, so libc-internal opens count too) is reported and ends
# the process. Two control programs prove the shim catches an allocation
# and an open after arming. The daemon then serves a guest (link services,
# ICMP, UDP, TCP, reconnect, SIGUSR1 dump, debug logging, capture) and
# exits on SIGTERM without a single report.

. "$(dirname "$0")/../lib/bed.sh"

need_cmd cc
grep -q __asan_init "$PASST_BIN" 2>/dev/null &&
	skip "sanitizer build: ASan replaces malloc itself, use the release build"
bed_setup

SHIM=$BED_DIR/noalloc.so
REPORT=$BED_DIR/noalloc.report

cat >"$BED_DIR/noalloc.c" <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t s);
void *__libc_realloc(void *p, size_t n);
void *__libc_memalign(size_t a, size_t n);

static volatile int armed, trapping;
static int report_fd = -1;
static int (*real_epoll_wait)(int, struct epoll_event *, int, int);
static int (*real_epoll_pwait)(int, struct epoll_event *, int, int,
			       const sigset_t *);

static void out(const char *s)
{
	if (report_fd >= 0 && write(report_fd, s, strlen(s)) < 0)
		return;
}

static void violation(const char *what)
{
	out("VIOLATION after start-up: ");
	out(what);
	out("\n");
	if (write(2, "noalloc: violation: ", 20) < 0 ||
	    write(2, what, strlen(what)) < 0 || write(2, "\n", 1) < 0)
		;
	_exit(97);
}

#define CHECK(name) do { if (armed) violation(name); } while (0)

static void sigsys(int sig, siginfo_t *si, void *uc)
{
	static char buf[64];
	int nr = si->si_syscall, i = 0, d;
	char tmp[16];

	(void)sig; (void)uc;
	strcpy(buf, "system call ");
	do { tmp[i++] = (char)('0' + nr % 10); nr /= 10; } while (nr);
	d = (int)strlen(buf);
	while (i)
		buf[d++] = tmp[--i];
	buf[d] = '\0';
	violation(buf);
}

#define TRAP(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), \
		 BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP)

static void trap_calls(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
#ifdef __NR_open
		TRAP(__NR_open),
#endif
#ifdef __NR_creat
		TRAP(__NR_creat),
#endif
#ifdef __NR_fork
		TRAP(__NR_fork),
#endif
#ifdef __NR_vfork
		TRAP(__NR_vfork),
#endif
		TRAP(__NR_openat), TRAP(__NR_openat2), TRAP(__NR_clone),
		TRAP(__NR_clone3), TRAP(__NR_execve), TRAP(__NR_execveat),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };
	struct sigaction sa = { .sa_sigaction = sigsys,
				.sa_flags = SA_SIGINFO };

	if (trapping)
		return;
	trapping = 1;
	sigaction(SIGSYS, &sa, NULL);
	syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (syscall(SYS_prctl, PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0))
		out("warning: could not install the trap filter\n");
}

static void arm(void)
{
	if (armed)
		return;
	trap_calls();
	armed = 1;
	out("armed\n");
}

/* The daemon's own filter, if built in, would kill the calls that install
 * ours: install ours just before it
 */
int prctl(int option, ...)
{
	unsigned long a[4];
	va_list ap;
	int i;

	va_start(ap, option);
	for (i = 0; i < 4; i++)
		a[i] = va_arg(ap, unsigned long);
	va_end(ap);
	if (option == PR_SET_SECCOMP)
		trap_calls();
	return (int)syscall(SYS_prctl, option, a[0], a[1], a[2], a[3]);
}

__attribute__((constructor))
static void init(void)
{
	const char *p = getenv("NOALLOC_REPORT");

	real_epoll_wait = dlsym(RTLD_NEXT, "epoll_wait");
	real_epoll_pwait = dlsym(RTLD_NEXT, "epoll_pwait");
	if (p)
		report_fd = open(p, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
				 0666);
}

int epoll_wait(int e, struct epoll_event *ev, int n, int t)
{
	arm();
	return real_epoll_wait(e, ev, n, t);
}

int epoll_pwait(int e, struct epoll_event *ev, int n, int t,
		const sigset_t *s)
{
	arm();
	return real_epoll_pwait(e, ev, n, t, s);
}

void *malloc(size_t n)
{
	CHECK("malloc");
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t s)
{
	CHECK("calloc");
	return __libc_calloc(n, s);
}

void *realloc(void *p, size_t n)
{
	CHECK("realloc");
	return __libc_realloc(p, n);
}

void *reallocarray(void *p, size_t n, size_t s)
{
	CHECK("reallocarray");
	if (s && n > (size_t)-1 / s)
		return NULL;
	return __libc_realloc(p, n * s);
}

void *memalign(size_t a, size_t n)
{
	CHECK("memalign");
	return __libc_memalign(a, n);
}

void *aligned_alloc(size_t a, size_t n)
{
	CHECK("aligned_alloc");
	return __libc_memalign(a, n);
}

void *valloc(size_t n)
{
	CHECK("valloc");
	return __libc_memalign((size_t)sysconf(_SC_PAGESIZE), n);
}

int posix_memalign(void **r, size_t a, size_t n)
{
	CHECK("posix_memalign");
	*r = __libc_memalign(a, n);
	return *r ? 0 : 12;
}

#define FORBID(ret, name, args, call)				\
ret name args							\
{								\
	ret (*real) args;					\
	CHECK(#name);						\
	real = (ret (*) args)dlsym(RTLD_NEXT, #name);		\
	return real call;					\
}

FORBID(FILE *, fopen, (const char *p, const char *m), (p, m))
FORBID(FILE *, fopen64, (const char *p, const char *m), (p, m))
FORBID(pid_t, fork, (void), ())
FORBID(pid_t, vfork, (void), ())
FORBID(int, system, (const char *c), (c))
FORBID(int, execve, (const char *p, char *const a[], char *const e[]),
       (p, a, e))
FORBID(int, __open_2, (const char *p, int f), (p, f))
FORBID(int, __open64_2, (const char *p, int f), (p, f))
FORBID(int, __openat_2, (int d, const char *p, int f), (d, p, f))

int open(const char *p, int f, ...)
{
	va_list ap;
	int m;

	CHECK("open");
	va_start(ap, f);
	m = va_arg(ap, int);
	va_end(ap);
	return (int)syscall(SYS_openat, AT_FDCWD, p, f, m);
}

int open64(const char *p, int f, ...)
{
	va_list ap;
	int m;

	CHECK("open64");
	va_start(ap, f);
	m = va_arg(ap, int);
	va_end(ap);
	return (int)syscall(SYS_openat, AT_FDCWD, p, f, m);
}

int openat(int d, const char *p, int f, ...)
{
	va_list ap;
	int m;

	CHECK("openat");
	va_start(ap, f);
	m = va_arg(ap, int);
	va_end(ap);
	return (int)syscall(SYS_openat, d, p, f, m);
}
EOF

cat >"$BED_DIR/control.c" <<'EOF'
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

int main(int argc, char **argv)
{
	struct epoll_event ev;
	int ep = epoll_create1(0);
	volatile char *p;

	epoll_wait(ep, &ev, 1, 0);
	if (argc > 1 && !strcmp(argv[1], "malloc")) {
		p = strdup("libc allocates through malloc");
		printf("%c\n", p[0]);
	} else if (argc > 1 && !strcmp(argv[1], "open")) {
		printf("%p\n", (void *)fopen("/dev/null", "r"));
	}
	return 0;
}
EOF

cc -O2 -shared -fPIC -o "$SHIM" "$BED_DIR/noalloc.c" -ldl ||
	fail "cannot build the shim"
cc -O2 -o "$BED_DIR/control" "$BED_DIR/control.c" ||
	fail "cannot build the control program"

# Controls: the shim must let a clean program through, and catch both
for what in none malloc open; do
	: >"$REPORT"
	NOALLOC_REPORT=$REPORT LD_PRELOAD=$SHIM "$BED_DIR/control" "$what" \
		>/dev/null 2>&1
	rc=$?
	grep -q '^armed$' "$REPORT" || fail "control $what: shim never armed"
	case $what in
	none)	[ $rc -eq 0 ] && ! grep -q VIOLATION "$REPORT" ||
			fail "control $what: exit $rc, $(cat "$REPORT")" ;;
	*)	[ $rc -eq 97 ] && grep -q VIOLATION "$REPORT" ||
			fail "control $what: not caught (exit $rc)" ;;
	esac
done

# The daemon, with a guest that uses everything it can
: >"$REPORT"
chmod 666 "$REPORT"
export NOALLOC_REPORT=$REPORT
LD_PRELOAD=$SHIM bed_start_daemon -d -p "$BED_DIR/cap.pcap"
unset NOALLOC_REPORT
wait_for grep -q '^armed$' "$REPORT" || fail "shim never armed in the daemon"
grep -q warning "$REPORT" && fail "shim: $(cat "$REPORT")"

bed_connect_guest
in_guest busybox udhcpc -i tap0 -n -q -t 2 -T 1 -s /bin/true \
	>/dev/null 2>&1
guest_static_config
in_remote socat -T 5 UDP6-RECVFROM:7001,fork EXEC:cat \
	>/dev/null 2>&1 &
BED_PIDS+=($!)
in_remote socat -T 5 TCP6-LISTEN:7002,ipv6only=0,fork,reuseaddr EXEC:cat \
	>/dev/null 2>&1 &
BED_PIDS+=($!)
sleep 0.3
in_guest busybox ping -c 2 -W 1 "$GW4" >/dev/null 2>&1
in_guest busybox ping -c 2 -W 1 "$REMOTE4" >/dev/null 2>&1
in_guest busybox ping -c 2 -W 1 "$REMOTE6" >/dev/null 2>&1
in_guest python3 - "$REMOTE4" "$REMOTE6" <<'EOF' >/dev/null 2>&1
import socket, sys
for af, dst in ((socket.AF_INET, sys.argv[1]), (socket.AF_INET6, sys.argv[2])):
    for port, kind in ((7001, socket.SOCK_DGRAM), (7002, socket.SOCK_STREAM)):
        try:
            s = socket.socket(af, kind)
            s.settimeout(2)
            s.connect((dst, port))
            s.sendall(b"x" * 3000)
            s.recv(65536)
            s.close()
        except OSError:
            pass
EOF
in_guest python3 "$GUESTSOCK" rawsend tap0 --tag na --count 10 ||
	fail "rawsend"
kill -USR1 "$PASST_PID"
bed_disconnect_guest
bed_connect_guest
in_guest python3 "$GUESTSOCK" rawsend tap0 --tag nb --count 10 ||
	fail "rawsend after reconnect"
wait_for pcap_tagged_is "$BED_DIR/cap.pcap" nb 10 ||
	fail "daemon did not capture the frames after reconnect"

daemon_alive || fail "daemon died: $(cat "$REPORT")"
bed_stop_daemon
grep VIOLATION "$REPORT" && fail "the daemon broke the rule"
[ "$PASST_RC" = 0 ] || fail "daemon exited with $PASST_RC"
grep -q 'VIOLATION' "$REPORT" && fail "violation at exit: $(cat "$REPORT")"
pass
