/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pasta_sock.c - pasta: sockets made inside the namespace at run time, by a
 * helper process that stays there
 */

/**
 * DOC: Theory of operation
 *
 * The daemon never changes network namespace, and once sandboxed it could
 * not (no capability, no setns() in its seccomp filter). Yet some sockets
 * must be made in the namespace it serves while it runs: the connection
 * toward the namespace's loopback of a spliced flow (tcp_splice.c), the
 * -T and -U listeners, and those that "auto" opens as the namespace's
 * bound ports change. A socket belongs to the namespace of the process
 * that made it, for good; once made, any process may bind, connect,
 * accept, read or write it. So one process made at start-up stays in the
 * namespace and makes sockets on request:
 *
 * - pasta.c forks it before the sandbox, with a SOCK_SEQPACKET socket
 *   pair to the daemon; the child enters the namespace as the start-up
 *   helper does (the network namespace, or its user namespace first)
 *   and calls pasta_sock_serve(), which never returns;
 * - it keeps only its end of the pair (every other descriptor is closed,
 *   standard ones go to /dev/null: podman reads the daemon's stdout until
 *   it closes), drops every capability but CAP_NET_BIND_SERVICE (a -T of
 *   a port below 1024), sets no-new-privileges and not dumpable, and
 *   installs a seccomp filter of its own, generated from the
 *   "#syscalls:helper" lines of this file: the calls that make a socket
 *   (socket, setsockopt, bind, listen), the two of the pair (recvmsg,
 *   sendmsg), close and exit_group. Nothing else: it opens no file, writes
 *   no log, cannot fork or exec;
 * - it says it is ready, then serves requests, one at a time: a request
 *   (struct pasta_sock_req) names a kind, an IP version and a port; the
 *   reply (struct pasta_sock_reply) carries an errno value and, on
 *   success, the socket as SCM_RIGHTS, which the helper then closes;
 * - the daemon's end of the pair closing (the daemon exited, however) is
 *   an end of file for the helper, which exits.
 *
 * The daemon asks with pasta_sock_get() and waits for the reply: on the
 * namespace's loopback the round trip is a few microseconds, and the loop
 * has nothing better to do with the connection meanwhile. A reply that
 * takes longer than PASTA_SOCK_TIMEOUT_MS, or a helper gone, makes the
 * daemon give up on it for good: later requests fail with -ENOTCONN and
 * the callers fall back (a spliced connection takes the tap path) or
 * refuse (a -T listener is not opened).
 *
 * Limits: one request at a time, no queue; the helper holds no socket
 * between requests. Its credentials are those of the daemon at start-up
 * (it drops none but capabilities: the user switch comes later, in the
 * daemon only) within the namespace it entered.
 */

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cap-ng.h>

#include "log.h"
#include "pasta_sock.h"
#include "util.h"

#ifdef PASST_SECCOMP
#define SECCOMP_HELPER_FILTER
#include "seccomp.h"
#endif

#define PASTA_SOCK_FD		3	/* the helper's end, after cleanup */
/* Descriptors closed one by one where close_range() is missing (< 5.9) */
#define PASTA_SOCK_FDS_SCAN	65536

/**
 * struct pasta_sock_req - A request to the helper
 * @kind:	enum pasta_sock_kind
 * @v6:		IPv6 socket (else IPv4)
 * @port:	Port to bind to (listen and UDP kinds), host order
 */
struct pasta_sock_req {
	uint8_t kind;
	uint8_t v6;
	uint16_t port;
};

/**
 * struct pasta_sock_reply - The helper's reply, the socket as SCM_RIGHTS
 * @err:	0 on success (a socket comes with it), else an errno value
 */
struct pasta_sock_reply {
	int32_t err;
};

static int pasta_sock_fd = -1;		/* daemon: our end, -1: none */
static pid_t pasta_sock_pid;		/* daemon: the helper, 0: none */

/**
 * pasta_sock_lost() - Give up on the helper for good: close our end, make
 *		       sure it ends and reap it, so that no zombie is left
 *
 * It is dead already if it was killed or crashed (an end of file on the
 * pair): reaped at once. If it was only late, SIGKILL ends it (its socket
 * calls do not sleep uninterruptibly, so the wait is short); if we may no
 * longer signal it (the daemon changed user since), it ends by itself at
 * the end of file we just gave it, and stays a zombie until we exit.
 *
 * #syscalls:pasta kill waitid
 */
static void pasta_sock_lost(void)
{
	siginfo_t si;
	int flags = WEXITED | WNOHANG;

	if (pasta_sock_fd >= 0)
		close(pasta_sock_fd);
	pasta_sock_fd = -1;
	if (!pasta_sock_pid)
		return;
	memset(&si, 0, sizeof(si));
	if (!waitid(P_PID, (id_t)pasta_sock_pid, &si, flags) && !si.si_pid &&
	    !kill(pasta_sock_pid, SIGKILL))
		flags &= ~WNOHANG;
	while (!(flags & WNOHANG) &&
	       waitid(P_PID, (id_t)pasta_sock_pid, &si, flags) &&
	       errno == EINTR)
		;
	pasta_sock_pid = 0;
}

/**
 * pasta_sock_make() - Make the socket a request asks for, in the helper
 * @req:	Request, checked
 *
 * #syscalls:helper socket setsockopt bind listen close
 * Return: socket, or -errno
 */
static int pasta_sock_make(const struct pasta_sock_req *req)
{
	bool tcp = req->kind != PASTA_SOCK_UDP, v6 = req->v6;
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons(req->port),
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct sockaddr_in a4 = { .sin_family = AF_INET,
				  .sin_port = htons(req->port),
				  .sin_addr = { htonl(INADDR_LOOPBACK) } };
	int s, one = 1, ret;

	s = socket(v6 ? AF_INET6 : AF_INET,
		   (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK |
		   SOCK_CLOEXEC, tcp ? IPPROTO_TCP : IPPROTO_UDP);
	if (s < 0 || req->kind == PASTA_SOCK_TCP)
		return s < 0 ? -errno : s;
	if ((v6 && setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one,
			      sizeof(one))) ||
	    (tcp && setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one,
			       sizeof(one))) ||
	    (v6 ? bind(s, (struct sockaddr *)&a6, sizeof(a6)) :
		  bind(s, (struct sockaddr *)&a4, sizeof(a4))) ||
	    (tcp && listen(s, PASTA_SOCK_BACKLOG)))
		goto fail;
	return s;
fail:
	ret = -errno;
	close(s);
	return ret;
}

/**
 * pasta_sock_reply() - Send a reply, with a socket if there is one
 * @fd:		Our end of the pair
 * @s:		Socket to pass, or -errno to report
 *
 * #syscalls:helper sendmsg
 * Return: 0 on success, -1 if the daemon is gone
 */
static int pasta_sock_reply(int fd, int s)
{
	struct pasta_sock_reply rep = { .err = s < 0 ? -s : 0 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = &rep, .iov_len = sizeof(rep) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (s >= 0) {
		struct cmsghdr *cm;

		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &s, sizeof(int));
	}
	return sendmsg(fd, &mh, MSG_NOSIGNAL) == (ssize_t)sizeof(rep) ? 0 : -1;
}

/**
 * pasta_sock_seal() - The helper's sandbox: descriptors, capabilities,
 *		       seccomp
 * @fd:		Its end of the pair, the one descriptor it keeps
 *
 * Context: the helper, in the namespace, before it serves.
 * Return: the descriptor of its end (PASTA_SOCK_FD), or -1 on failure
 */
static int pasta_sock_seal(int fd)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null < 0 || dup2(null, STDIN_FILENO) < 0 ||
	    dup2(null, STDOUT_FILENO) < 0 || dup2(null, STDERR_FILENO) < 0)
		return -1;
	if (fd != PASTA_SOCK_FD &&
	    (dup3(fd, PASTA_SOCK_FD, O_CLOEXEC) < 0 || close(fd)))
		return -1;
	if (close_range(PASTA_SOCK_FD + 1, ~0U, 0)) {
		int i;

		for (i = PASTA_SOCK_FD + 1; i < PASTA_SOCK_FDS_SCAN; i++)
			close(i);
	}

	capng_clear(CAPNG_SELECT_BOTH);
	capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
		     CAP_NET_BIND_SERVICE);
	if (capng_apply(CAPNG_SELECT_BOTH) &&
	    capng_apply(CAPNG_SELECT_CAPS))	/* no CAP_SETPCAP: bounds stay */
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0))
		return -1;
#ifdef PASST_SECCOMP
	{
		struct sock_fprog prog = {
			.len = (unsigned short)ARRAY_SIZE(pasta_sock_seccomp_filter),
			.filter = pasta_sock_seccomp_filter,
		};

		if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0))
			return -1;
	}
#endif
	return PASTA_SOCK_FD;
}

/**
 * pasta_sock_serve() - The helper: seal, say ready, serve until EOF
 * @fd:		Its end of the socket pair to the daemon
 *
 * Context: a process forked at start-up (pasta.c), already in the target
 * namespace; never returns.
 *
 * #syscalls:helper recvmsg exit_group
 */
void pasta_sock_serve(int fd)
{
	struct pasta_sock_req req;

	fd = pasta_sock_seal(fd);
	if (fd < 0 || pasta_sock_reply(fd, -EALREADY) < 0)
		_exit(1);
	for (;;) {
		struct iovec iov = { .iov_base = &req, .iov_len = sizeof(req) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n = recvmsg(fd, &mh, 0);
		int s;

		if (n == 0 || (n < 0 && errno != EINTR))
			_exit(0);
		if (n != (ssize_t)sizeof(req) || req.kind >= PASTA_SOCK_KIND_COUNT)
			s = -EINVAL;
		else
			s = pasta_sock_make(&req);
		if (pasta_sock_reply(fd, s) < 0)
			_exit(0);
		if (s >= 0)
			close(s);
	}
}

/**
 * pasta_sock_recv() - Read one reply from the helper
 * @s:		Set to the socket that came with it, or -1
 *
 * #syscalls recvmsg close
 * Return: 0 on success, the helper's -errno, or -ENOTCONN if it is gone or
 *	   late (then the daemon gives up on it)
 */
static int pasta_sock_recv(int *s)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct pasta_sock_reply rep = { .err = EPROTO };
	struct iovec iov = { .iov_base = &rep, .iov_len = sizeof(rep) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm;
	ssize_t n;

	*s = -1;
	do
		n = recvmsg(pasta_sock_fd, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	cm = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL;
	if (cm && cm->cmsg_level == SOL_SOCKET &&
	    cm->cmsg_type == SCM_RIGHTS &&
	    cm->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(s, CMSG_DATA(cm), sizeof(int));
	if (n != (ssize_t)sizeof(rep) || (mh.msg_flags & MSG_CTRUNC)) {
		log_err("Namespace socket helper %s: not used any more",
			n < 0 ? strerror(errno) : n ? "sent a bad reply" :
			"gone");
		if (*s >= 0)
			close(*s);
		*s = -1;
		pasta_sock_lost();
		return -ENOTCONN;
	}
	if (rep.err) {
		if (*s >= 0)
			close(*s);
		*s = -1;
		return -rep.err;
	}
	return *s >= 0 ? 0 : -EPROTO;
}

/**
 * pasta_sock_init() - Take the daemon's end of the pair to the helper
 * @fd:		Our end; the helper was just forked with the other one
 * @pid:	The helper, our child: reaped if it goes
 *
 * Waits for the helper to say it is ready (in the namespace, sealed).
 *
 * Context: start-up.
 * Return: 0 on success, -errno if the helper did not come up (logged; the
 *	   descriptor is closed)
 */
int pasta_sock_init(int fd, pid_t pid)
{
	struct timeval tv = { .tv_sec = PASTA_SOCK_TIMEOUT_MS / 1000,
			      .tv_usec = (PASTA_SOCK_TIMEOUT_MS % 1000) *
					 1000 };
	int ret, s;

	pasta_sock_fd = fd;
	pasta_sock_pid = pid;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv))) {
		ret = -errno;
		log_err("Namespace socket helper: setsockopt: %s",
			strerror(-ret));
		pasta_sock_lost();
		return ret;
	}
	ret = pasta_sock_recv(&s);
	if (ret == -ENOTCONN)
		return ret;
	if (ret != -EALREADY) {		/* the ready message, not a socket */
		log_err("Namespace socket helper: unexpected first reply");
		if (s >= 0)
			close(s);
		pasta_sock_lost();
		return -EPROTO;
	}
	log_debug("Namespace socket helper ready");
	return 0;
}

/**
 * pasta_sock_ready() - Is there a helper to ask?
 *
 * Return: true if pasta_sock_get() may succeed
 */
bool pasta_sock_ready(void)
{
	return pasta_sock_fd >= 0;
}

/**
 * pasta_sock_get() - A socket made inside the namespace
 * @kind:	What socket
 * @v6:		IPv6 (else IPv4)
 * @port:	Port to bind to on the namespace's loopback address
 *		(PASTA_SOCK_TCP_LISTEN, PASTA_SOCK_UDP), host order
 *
 * #syscalls sendto
 * Context: main loop (or start-up); waits for the helper's reply.
 * Return: the socket, non-blocking and close-on-exec, or -errno: the
 *	   helper's (-EADDRINUSE, -EACCES...), or -ENOTCONN without helper
 */
int pasta_sock_get(enum pasta_sock_kind kind, bool v6, uint16_t port)
{
	struct pasta_sock_req req = { .kind = (uint8_t)kind, .v6 = v6,
				      .port = port };
	int ret, s;

	if (pasta_sock_fd < 0)
		return -ENOTCONN;
	if (send(pasta_sock_fd, &req, sizeof(req), MSG_NOSIGNAL) !=
	    (ssize_t)sizeof(req)) {
		log_err("Namespace socket helper: send: %s; not used any "
			"more", strerror(errno));
		pasta_sock_lost();
		return -ENOTCONN;
	}
	ret = pasta_sock_recv(&s);
	return ret ? ret : s;
}
