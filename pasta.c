/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pasta.c - pasta mode: the target namespace, its tap device, its lifetime */

/**
 * DOC: Theory of operation
 *
 * In pasta mode the daemon serves a network namespace through a tap
 * device in it, and stays itself in the network namespace it started in
 * (the host's): its flow sockets live there. It works in the target only
 * at start-up, to create the tap device, configure the link and open the
 * files that describe the namespace (/proc/net/tcp...), and keeps the
 * descriptors: a tap descriptor, a netlink socket, a /proc/net file keep
 * the namespace they were made in, whichever namespace uses them later.
 *
 * Targets:
 * - pasta_spawn(): a new user and network namespace, with a command (or
 *   $SHELL, else /bin/sh) in it. The child unshares both, the parent maps
 *   its own UID and GID to 0 inside (setgroups denied first: an
 *   unprivileged writer may map exactly its own IDs, user_namespaces(7)),
 *   then lets the child bring lo up and exec. The child is its own
 *   process group and takes the terminal's foreground if the daemon had
 *   it (so ^C reaches the command, not the daemon), and gets SIGTERM when
 *   the daemon ends (PR_SET_PDEATHSIG: the daemon must not fork away
 *   from it, so spawn mode runs in the foreground).
 * - pasta_join(): a PID (its /proc/PID/ns/net), a path to a namespace
 *   file, or a NAME under PASTA_NETNS_DIR, made by "ip netns add".
 *
 * Entering, and the privilege analysis. setns(CLONE_NEWNET) asks for
 * CAP_SYS_ADMIN twice: over the user namespace owning the target, and in
 * the caller's own user namespace. Leaving asks the same of the host's
 * namespace. So:
 * - root (in the initial user namespace) passes every check;
 * - an unprivileged user that made the namespaces (spawn mode) holds every
 *   capability over the child user namespace (it is in its parent and
 *   owns it), but none in its own: setns() into the child's network
 *   namespace fails with EPERM (checked on Linux 6.18). Joining the child
 *   user namespace first gives CAP_SYS_ADMIN in it, and then setns() into
 *   the network namespace works, but a user namespace cannot be left;
 * - root of a user namespace an unprivileged user made, in the host's
 *   network namespace (podman runs pasta so, with --netns PATH to a
 *   namespace that user namespace owns) can enter the target, but never
 *   come back: the host's namespace is owned by the initial user
 *   namespace, where it has no capability (checked too).
 * Hence the daemon never changes namespace itself: pasta_ns_run() runs a
 * function in a helper made with clone(CLONE_VM | CLONE_FILES |
 * CLONE_VFORK), which shares our memory and descriptor table (what it
 * opens is ours) and not our namespaces. The helper tries setns() into
 * the network namespace; only on EPERM does it join the user namespace
 * first (the one owning the network namespace, NS_GET_USERNS, or the
 * one given with --userns), then the network namespace, runs the
 * function, and exits; the daemon waits for it. The helper's credentials
 * go with it: the daemon keeps its own, in its own namespaces.
 *
 * Using the descriptors afterwards: I/O on the tap device and reads of
 * /proc/net files check nothing more. A netlink request is checked
 * against the task sending it too (netlink.c), and the daemon passes that
 * check wherever it could make the namespace or was given it by an owner
 * of it: root; the user that spawned it (owner of its user namespace);
 * root of podman's user namespace, which owns podman's network namespaces.
 * Configure the link before isolation_drop_user() and
 * isolation_detach_ns(): after those, the daemon holds no capability
 * anywhere.
 *
 * End of the namespace (unless --no-netns-quit): pasta_quit_fd_init()
 * gives the descriptor to watch for EPOLLIN: the pidfd of the target's
 * process (PID target, spawned command), or an inotify descriptor on the
 * directory of a namespace file (removed or renamed: IN_DELETE,
 * IN_MOVED_FROM). pasta_quit_check() then tells whether it is really
 * gone: for a file, an O_PATH descriptor of its directory, kept from
 * start-up, lets it check the name no longer refers to the namespace,
 * even from the sandbox's empty root. A file that is only unmounted, not
 * removed, is not noticed. pasta_child_status() gives the exit status of
 * a spawned command, shell style, for the daemon's own.
 *
 * Limits: one helper at a time (one static stack of
 * PASTA_HELPER_STACK_BYTES); pidfd_open() needs Linux 5.3, without it a
 * PID target gets no quit descriptor (pasta_quit_fd_init() returns
 * -ENOSYS; pasta_quit_check() still works when polled).
 */

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/nsfs.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "ctx.h"
#include "log.h"
#include "netlink.h"
#include "pasta.h"
#include "pasta_sock.h"
#include "util.h"

#define PASTA_HELPER_STACK_BYTES (256 * 1024)	/* stack of pasta_ns_run() */
#define PASTA_MAP_BYTES		64	/* "0 4294967295 1\n" and more */
#define PASTA_INOTIFY_BUF_BYTES	4096	/* events read at once */
#define PASTA_PID_MAX		INT_MAX
#define PASTA_TUN_PATH		"/dev/net/tun"
#define PASTA_LOOPBACK		"lo"
#define PASTA_LO_IFINDEX	1	/* the kernel's LOOPBACK_IFINDEX */
#define PASTA_TAP_TXQLEN	10000	/* frames queued toward the daemon */

/* Exit codes of the spawned command's process when it cannot run, as the
 * shells' own
 */
#define PASTA_EXIT_FAILURE	125	/* before exec: setup failed */
#define PASTA_EXIT_NOEXEC	126	/* found, not executable */
#define PASTA_EXIT_NOTFOUND	127
#define PASTA_EXIT_SIGNAL_BASE	128	/* killed by a signal: 128 + number */

static char pasta_helper_stack[PASTA_HELPER_STACK_BYTES]
	__attribute__((aligned(16)));
static char pasta_default_shell[] = "/bin/sh";

/**
 * pasta_ns_clear() - Reset a namespace description: nothing open
 * @ns:		Namespace description
 */
static void pasta_ns_clear(struct pasta_ns *ns)
{
	memset(ns, 0, sizeof(*ns));
	ns->netns_fd = ns->userns_fd = ns->pidfd = -1;
	ns->dir_fd = ns->inotify_fd = ns->start_fd = -1;
	ns->status = -1;
}

/**
 * pasta_close() - Close a descriptor if open, and mark it closed
 * @fd:		Descriptor, set to -1
 */
static void pasta_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/**
 * pasta_ns_close_all() - Close every descriptor of a namespace description
 * @ns:		Namespace description, cleared
 */
static void pasta_ns_close_all(struct pasta_ns *ns)
{
	pasta_close(&ns->netns_fd);
	pasta_close(&ns->userns_fd);
	pasta_close(&ns->pidfd);
	pasta_close(&ns->dir_fd);
	pasta_close(&ns->inotify_fd);
	pasta_close(&ns->start_fd);
	pasta_ns_clear(ns);
}

/**
 * pasta_target_path() - Namespace file of a pasta target
 * @target:	PID (digits only), path (with a '/'), or NAME
 * @path:	Namespace file, output: /proc/PID/ns/net, the path itself, or
 *		PASTA_NETNS_DIR/NAME
 * @size:	Size of @path, bytes
 * @pid:	Set to the PID for a PID target, 0 otherwise
 *
 * Context: pure, no system calls.
 * Return: 0 on success, -EINVAL for an empty target, PID 0 or a NAME of
 *	   "." or "..", -ERANGE for a PID too large, -ENAMETOOLONG if
 *	   @path is too small
 */
int pasta_target_path(const char *target, char *path, size_t size,
		      pid_t *pid)
{
	unsigned long v;
	int n;

	*pid = 0;
	if (!target || !*target)
		return -EINVAL;
	if (strspn(target, "0123456789") == strlen(target)) {
		int ret = util_parse_u32(target, PASTA_PID_MAX, &v);

		if (ret)
			return ret;
		if (!v)
			return -EINVAL;
		n = snprintf(path, size, "/proc/%lu/ns/net", v);
		if (n < 0 || (size_t)n >= size)
			return -ENAMETOOLONG;
		*pid = (pid_t)v;
		return 0;
	}
	if (strchr(target, '/'))
		n = snprintf(path, size, "%s", target);
	else if (!strcmp(target, ".") || !strcmp(target, ".."))
		return -EINVAL;
	else
		n = snprintf(path, size, PASTA_NETNS_DIR "/%s", target);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

/**
 * pasta_pidfd_open() - pidfd of a process
 * @pid:	Process
 *
 * Return: pidfd, -1 if the kernel has no pidfd_open(), -errno otherwise
 *	   (-ESRCH: no such process)
 */
static int pasta_pidfd_open(pid_t pid)
{
	long fd = syscall(SYS_pidfd_open, pid, 0);

	if (fd >= 0)
		return (int)fd;
	if (errno == ENOSYS)
		return -1;
	return -errno;
}

/**
 * pasta_pidfd_exited() - Has the process of a pidfd ended?
 * @pidfd:	pidfd (readable once the process has ended)
 *
 * #syscalls:pasta poll ppoll
 * Return: true if it has
 */
static bool pasta_pidfd_exited(int pidfd)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLIN | POLLHUP));
}

/**
 * pasta_ns_check_type() - Check a descriptor is a namespace of a type
 * @fd:		Descriptor
 * @type:	CLONE_NEWNET or CLONE_NEWUSER
 *
 * Return: 0 if it is, or if the kernel cannot tell (NS_GET_NSTYPE, Linux
 *	   4.11; setns() tells later), -EINVAL if it is something else
 */
static int pasta_ns_check_type(int fd, int type)
{
	int ret = ioctl(fd, NS_GET_NSTYPE);

	if (ret < 0)
		return errno == ENOTTY ? -EINVAL : 0;
	return ret == type ? 0 : -EINVAL;
}

/**
 * pasta_userns_is_own() - Is a user namespace the daemon's own?
 * @fd:		User namespace descriptor
 *
 * Return: true if it is (joining it would give nothing)
 */
static bool pasta_userns_is_own(int fd)
{
	struct stat a, b;

	if (fstat(fd, &a) || stat("/proc/self/ns/user", &b))
		return false;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/**
 * pasta_ns_identify() - Note the device and inode of the network namespace
 * @ns:		Namespace description, @netns_fd open
 *
 * Return: 0 on success, -errno on failure
 */
static int pasta_ns_identify(struct pasta_ns *ns)
{
	struct stat st;

	if (fstat(ns->netns_fd, &st))
		return -errno;
	ns->net_dev = st.st_dev;
	ns->net_ino = st.st_ino;
	return 0;
}

/**
 * pasta_write_file() - Write a short text to a /proc file
 * @path:	File
 * @text:	Text, written with one write()
 *
 * Return: 0 on success, -errno on failure
 */
static int pasta_write_file(const char *path, const char *text)
{
	size_t len = strlen(text);
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len)
		ret = errno ? -errno : -EIO;
	close(fd);
	return ret;
}

/**
 * pasta_open_proc() - Open a file of /proc/PID
 * @pid:	Process
 * @name:	File under /proc/PID
 * @flags:	open() flags, O_CLOEXEC added
 *
 * Return: descriptor, or -errno
 */
static int pasta_open_proc(pid_t pid, const char *name, int flags)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/**
 * pasta_write_maps() - Map our UID and GID to 0 in the child's namespace
 * @pid:	Child, in its new user namespace, with no mapping yet
 *
 * setgroups is denied first: without CAP_SETGID in the parent namespace,
 * gid_map cannot be written otherwise (user_namespaces(7)).
 *
 * Return: 0 on success, -errno on failure (logged)
 */
static int pasta_write_maps(pid_t pid)
{
	static const char *const files[] = { "setgroups", "uid_map",
					     "gid_map" };
	char text[3][PASTA_MAP_BYTES], path[PATH_MAX];
	unsigned int i;

	snprintf(text[0], sizeof(text[0]), "deny");
	snprintf(text[1], sizeof(text[1]), "0 %u 1\n", (unsigned)geteuid());
	snprintf(text[2], sizeof(text[2]), "0 %u 1\n", (unsigned)getegid());
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		int ret;

		snprintf(path, sizeof(path), "/proc/%d/%s", pid, files[i]);
		ret = pasta_write_file(path, text[i]);
		if (ret) {
			log_err("Writing '%s' to %s: %s", text[i], path,
				strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/**
 * pasta_child_tty() - Take the terminal's foreground, if the daemon had it
 *
 * In its own process group, the spawned command alone gets ^C and ^Z from
 * the terminal, as a shell's job does.
 */
static void pasta_child_tty(void)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;

	if (!isatty(STDIN_FILENO) || tcgetpgrp(STDIN_FILENO) != getpgrp())
		return;
	if (setpgid(0, 0))
		return;
	sigaction(SIGTTOU, &ign, &old);
	if (tcsetpgrp(STDIN_FILENO, getpgrp()))
		log_debug("tcsetpgrp: %s", strerror(errno));
	sigaction(SIGTTOU, &old, NULL);
}

/**
 * pasta_child_signals() - Default dispositions, nothing blocked
 *
 * The daemon blocks the signals its signalfd takes, and ignores some:
 * the command starts with a clean slate.
 */
static void pasta_child_signals(void)
{
	sigset_t none;
	int sig;

	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);	/* glibc's own: EINVAL */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/**
 * pasta_child_lo_up() - Bring the loopback link of a new namespace up
 */
static void pasta_child_lo_up(void)
{
	unsigned int ifi = if_nametoindex(PASTA_LOOPBACK);
	int fd, ret;

	fd = netlink_ns_open();
	if (fd < 0 || !ifi) {
		log_warn("Loopback link of the new namespace: %s",
			 strerror(fd < 0 ? -fd : errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	ret = netlink_ns_link_set(fd, ifi, NETLINK_LINK_UP, 0, NULL);
	if (ret)
		log_warn("Setting lo up in the new namespace: %s",
			 strerror(-ret));
	close(fd);
}

/**
 * pasta_child() - Child of pasta_spawn(): new namespaces, then the command
 * @sock:	Socket to the parent: our unshare() result out, "go" in
 * @cmd:	Command and arguments, or NULL (or empty) for the shell
 * @ppid:	The daemon's PID
 */
__attribute__((noreturn))
static void pasta_child(int sock, char *const cmd[], pid_t ppid)
{
	char *shell_argv[2] = { NULL, NULL };
	int err = 0;
	char go;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
		err = -errno;
	if (write(sock, &err, sizeof(err)) != sizeof(err) || err)
		_exit(PASTA_EXIT_FAILURE);
	if (read(sock, &go, 1) != 1)		/* parent failed: it kills us */
		_exit(PASTA_EXIT_FAILURE);
	close(sock);

	pasta_child_lo_up();
	pasta_child_tty();
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) || getppid() != ppid)
		_exit(PASTA_EXIT_FAILURE);	/* daemon gone already */
	pasta_child_signals();

	if (cmd && cmd[0]) {
		execvp(cmd[0], cmd);
	} else {
		shell_argv[0] = getenv("SHELL");
		if (!shell_argv[0] || !*shell_argv[0])
			shell_argv[0] = pasta_default_shell;
		cmd = shell_argv;
		execv(cmd[0], cmd);
	}
	err = errno;
	log_err("Running %s: %s", cmd[0], strerror(err));
	_exit(err == ENOENT ? PASTA_EXIT_NOTFOUND : PASTA_EXIT_NOEXEC);
}

/**
 * pasta_read_full() - Read exactly a number of bytes from a socket
 * @fd:		Socket
 * @buf:	Buffer
 * @len:	Bytes to read
 *
 * Return: 0 on success, -EPIPE if the peer closed first, -errno
 */
static int pasta_read_full(int fd, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, (char *)buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return -EPIPE;
		done += (size_t)n;
	}
	return 0;
}

/**
 * pasta_spawn() - Run a command in a new user and network namespace
 * @cmd:	Command and arguments, NULL-terminated, or NULL (or empty)
 *		for $SHELL, else /bin/sh
 * @ns:		Filled: namespaces of the child, its PID and pidfd
 *
 * Once this returns, the child waits in its new namespaces, mapped, for
 * pasta_spawn_start(): create and configure the tap device first, so that
 * the command finds its network ready. A command that cannot be run
 * exits with 127 (not found) or 126, as in shells.
 *
 * Context: start-up, single-threaded; the daemon must stay the command's
 * parent (no fork to detach), to get SIGTERM to it at exit and its status.
 * Return: 0 on success, -errno on failure (logged; no child left)
 */
int pasta_spawn(char *const cmd[], struct pasta_ns *ns)
{
	pid_t ppid = getpid(), pid;
	int sv[2], err, ret;

	pasta_ns_clear(ns);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		ret = -errno;
		log_err("socketpair: %s", strerror(-ret));
		return ret;
	}
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		log_err("fork: %s", strerror(-ret));
		close(sv[0]);
		close(sv[1]);
		return ret;
	}
	if (!pid) {
		close(sv[0]);
		pasta_child(sv[1], cmd, ppid);
	}
	close(sv[1]);
	ns->pid = pid;
	ns->spawned = true;

	ret = pasta_read_full(sv[0], &err, sizeof(err));
	if (!ret && (ret = err))
		log_err("unshare(CLONE_NEWUSER | CLONE_NEWNET): %s",
			strerror(-ret));
	else if (ret)
		log_err("Child %d ended before making its namespaces", pid);
	if (ret)
		goto fail;

	ret = pasta_pidfd_open(pid);
	if (ret < -1)
		goto fail;
	ns->pidfd = ret;
	ns->userns_fd = pasta_open_proc(pid, "ns/user", O_RDONLY);
	ns->netns_fd = pasta_open_proc(pid, "ns/net", O_RDONLY);
	if (ns->userns_fd < 0 || ns->netns_fd < 0) {
		ret = ns->userns_fd < 0 ? ns->userns_fd : ns->netns_fd;
		log_err("Opening namespaces of child %d: %s", pid,
			strerror(-ret));
		goto fail;
	}
	if ((ret = pasta_write_maps(pid)) || (ret = pasta_ns_identify(ns)))
		goto fail;
	ns->start_fd = sv[0];
	log_debug("Spawned %s as PID %d in new namespaces",
		  cmd && cmd[0] ? cmd[0] : "the shell", pid);
	return 0;

fail:
	close(sv[0]);
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	pasta_ns_close_all(ns);
	return ret;
}

/**
 * pasta_spawn_start() - Let the spawned child bring lo up and run its
 *			 command
 * @ns:		Namespace description from pasta_spawn()
 *
 * Context: start-up, once the namespace's network is ready.
 * Return: 0 on success, -errno on failure (logged)
 */
int pasta_spawn_start(struct pasta_ns *ns)
{
	int ret = 0;

	if (ns->start_fd < 0)
		return -EINVAL;
	if (write(ns->start_fd, "g", 1) != 1) {
		ret = -errno;
		log_err("Starting child %d: %s", ns->pid, strerror(-ret));
	}
	pasta_close(&ns->start_fd);
	return ret;
}

/**
 * pasta_join_userns() - User namespace to join when setns() needs it
 * @ns:		Namespace description, @netns_fd open
 * @userns:	--userns path, or NULL
 * @netns_only:	--netns-only: never join a user namespace
 *
 * Without --userns, the namespace owning the network namespace
 * (NS_GET_USERNS): capabilities there are what setns() checks. The PID's
 * own user namespace is only a fallback, for a kernel without that call.
 * Our own user namespace is no use: none is kept then.
 *
 * Return: 0 on success, -errno on failure (logged)
 */
static int pasta_join_userns(struct pasta_ns *ns, const char *userns,
			     bool netns_only)
{
	int fd;

	if (netns_only)
		return 0;
	if (userns) {
		int ret;

		fd = open(userns, O_RDONLY | O_CLOEXEC);
		ret = fd < 0 ? -errno : pasta_ns_check_type(fd, CLONE_NEWUSER);
		if (ret) {
			log_err("User namespace %s: %s", userns,
				strerror(-ret));
			if (fd >= 0)
				close(fd);
			return ret;
		}
	} else {
		fd = ioctl(ns->netns_fd, NS_GET_USERNS);
		if (fd < 0 && ns->pid)
			fd = pasta_open_proc(ns->pid, "ns/user", O_RDONLY);
		if (fd < 0) {
			log_debug("No user namespace to join for %s",
				  ns->pid ? "the PID" : ns->path);
			return 0;
		}
	}
	if (!userns && pasta_userns_is_own(fd))
		close(fd);
	else
		ns->userns_fd = fd;
	return 0;
}

/**
 * pasta_join() - Describe an existing namespace to serve
 * @target:	PID, path to a network namespace file, or NAME (under
 *		PASTA_NETNS_DIR)
 * @userns:	--userns: user namespace file to join when needed, or NULL
 * @netns_only:	--netns-only: never join a user namespace
 * @ns:		Filled: namespace descriptors, PID and pidfd, or path
 *
 * For a PID, its pidfd is opened before its namespace file, and checked
 * after: if the process is still there, the namespace is its own, not
 * that of a process that took its PID in between.
 *
 * Context: start-up.
 * Return: 0 on success, -errno on failure (logged; nothing left open)
 */
int pasta_join(const char *target, const char *userns, bool netns_only,
	       struct pasta_ns *ns)
{
	char path[PATH_MAX];
	pid_t pid;
	int ret;

	pasta_ns_clear(ns);
	if (netns_only && userns) {
		log_err("--netns-only and --userns exclude each other");
		return -EINVAL;
	}
	ret = pasta_target_path(target, path, sizeof(path), &pid);
	if (ret) {
		log_err("Namespace target '%s': %s", target ? target : "",
			strerror(-ret));
		return ret;
	}
	if (pid) {
		ns->pid = pid;
		ret = pasta_pidfd_open(pid);
		if (ret < -1) {
			log_err("Process %d: %s", pid, strerror(-ret));
			return ret;
		}
		ns->pidfd = ret;
	} else {
		memcpy(ns->path, path, sizeof(ns->path));
	}

	ns->netns_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (ns->netns_fd < 0)
		ret = -errno;
	else
		ret = pasta_ns_check_type(ns->netns_fd, CLONE_NEWNET);
	if (ret) {
		log_err("Network namespace %s: %s", path, strerror(-ret));
		goto fail;
	}
	if ((ret = pasta_join_userns(ns, userns, netns_only)))
		goto fail;
	if (ns->pidfd >= 0 && pasta_pidfd_exited(ns->pidfd)) {
		ret = -ESRCH;
		log_err("Process %d ended", pid);
		goto fail;
	}
	if ((ret = pasta_ns_identify(ns)))
		goto fail;
	return 0;

fail:
	pasta_ns_close_all(ns);
	return ret;
}

/**
 * struct pasta_run - A function to run in the target, and its outcome
 * @ns:		Namespace description
 * @fn:		Function
 * @arg:	Its argument
 * @ret:	Its return value, or -errno of a setns() that failed
 * @step:	What failed, for the log, or NULL
 */
struct pasta_run {
	const struct pasta_ns *ns;
	int (*fn)(void *arg);
	void *arg;
	int ret;
	const char *step;
};

/**
 * pasta_ns_enter() - Move the calling process into the target namespace
 * @ns:		Namespace description (descriptors not yet released)
 * @step:	Set to what failed, for the log, or NULL
 *
 * The network namespace alone first; its user namespace first only if
 * that is refused (see the theory of operation). For a helper process:
 * the daemon itself never calls this.
 *
 * Return: 0 on success, -errno of the setns() that failed
 */
static int pasta_ns_enter(const struct pasta_ns *ns, const char **step)
{
	int ret;

	*step = NULL;
	if (!setns(ns->netns_fd, CLONE_NEWNET))
		return 0;
	ret = -errno;
	*step = "setns() into the network namespace";
	if (ret != -EPERM || ns->userns_fd < 0)
		return ret;
	if (setns(ns->userns_fd, CLONE_NEWUSER)) {
		*step = "setns() into the user namespace";
		return -errno;
	}
	if (setns(ns->netns_fd, CLONE_NEWNET)) {
		*step = "setns() into the network namespace, from its user "
			"namespace";
		return -errno;
	}
	*step = NULL;
	return 0;
}

/**
 * pasta_run_helper() - The helper of pasta_ns_run(): enter, then run
 * @arg:	struct pasta_run, shared with the waiting daemon
 *
 * Return: 0 (the outcome is in @arg)
 */
static int pasta_run_helper(void *arg)
{
	struct pasta_run *r = arg;

	r->ret = pasta_ns_enter(r->ns, &r->step);
	if (r->ret)
		return 0;
	r->ret = r->fn(r->arg);
	return 0;
}

/**
 * pasta_ns_run() - Run a function inside the target network namespace
 * @ns:		Namespace description (descriptors not yet released)
 * @fn:		Function: runs in a helper process that shares our memory
 *		and descriptor table, and whose thread is in the target
 *		namespace (sockets and /proc/thread-self/net files it opens
 *		belong there); returns a descriptor, 0, or -errno
 * @arg:	Passed to @fn
 *
 * The daemon's own namespaces and credentials never change; it waits for
 * the helper (CLONE_VFORK), so nothing runs alongside @fn. Not reentrant.
 *
 * Context: start-up, single-threaded.
 * Return: what @fn returned, or -errno if the helper could not enter the
 *	   namespace (logged) or could not be made
 */
int pasta_ns_run(const struct pasta_ns *ns, int (*fn)(void *arg), void *arg)
{
	struct pasta_run r = { .ns = ns, .fn = fn, .arg = arg, .ret = -EIO };
	int status;
	pid_t pid;

	if (ns->netns_fd < 0)
		return -EBADF;
	pid = clone(pasta_run_helper,
		    pasta_helper_stack + sizeof(pasta_helper_stack),
		    CLONE_VM | CLONE_FILES | CLONE_VFORK | SIGCHLD, &r);
	if (pid < 0) {
		r.ret = -errno;
		log_err("clone() of the namespace helper: %s",
			strerror(-r.ret));
		return r.ret;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			log_err("waitpid() on the namespace helper: %s",
				strerror(errno));
			return -ECHILD;
		}
	}
	if (!WIFEXITED(status)) {
		log_err("Namespace helper killed by signal %d",
			WIFSIGNALED(status) ? WTERMSIG(status) : 0);
		return -ECHILD;
	}
	if (r.step)
		log_err("%s: %s", r.step, strerror(-r.ret));
	return r.ret;
}

/**
 * struct pasta_open_req - A file to open in the target
 * @path:	Path, /proc/thread-self/net/... for the namespace's tables
 * @flags:	open() flags
 */
struct pasta_open_req {
	const char *path;
	int flags;
};

/**
 * pasta_ns_open_fn() - Open a file, in the helper
 * @arg:	struct pasta_open_req
 *
 * Return: descriptor, or -errno
 */
static int pasta_ns_open_fn(void *arg)
{
	const struct pasta_open_req *o = arg;
	int fd = open(o->path, o->flags | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/**
 * pasta_ns_open() - Open a file from inside the target namespace
 * @ns:		Namespace description
 * @path:	File: "/proc/thread-self/net/tcp" and the like give the
 *		target's tables, and keep giving them when read later
 * @flags:	open() flags (O_CLOEXEC is added)
 *
 * Context: start-up.
 * Return: descriptor, or -errno (the failure to open is not logged)
 */
int pasta_ns_open(const struct pasta_ns *ns, const char *path, int flags)
{
	struct pasta_open_req o = { .path = path, .flags = flags };

	return pasta_ns_run(ns, pasta_ns_open_fn, &o);
}

/**
 * pasta_sock_start() - Fork the helper that makes sockets in the namespace
 *			at run time (pasta_sock.c)
 * @ns:		Namespace description (descriptors not yet released)
 *
 * The child enters the namespace as pasta_ns_run()'s helper does, then
 * serves pasta_sock_get() requests until the daemon's end of the pair
 * closes; the daemon's end goes to pasta_sock_init(), which waits for the
 * helper to say it is ready. The child is forked, not cloned with our
 * memory: it lives on beside the daemon, sealed in a sandbox of its own.
 *
 * Context: start-up, before the user switch and the daemon's namespaces.
 * Return: 0 on success, -errno on failure (logged; no helper then)
 */
int pasta_sock_start(const struct pasta_ns *ns)
{
	const char *step;
	int sv[2], ret;
	pid_t pid;

	if (ns->netns_fd < 0)
		return -EBADF;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		ret = -errno;
		log_err("Namespace socket helper: socketpair: %s",
			strerror(-ret));
		return ret;
	}
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		log_err("Namespace socket helper: fork: %s", strerror(-ret));
		close(sv[0]);
		close(sv[1]);
		return ret;
	}
	if (!pid) {
		close(sv[0]);
		if (pasta_ns_enter(ns, &step))
			_exit(1);
		pasta_sock_serve(sv[1]);
	}
	close(sv[1]);
	ret = pasta_sock_init(sv[0], pid);
	if (!ret)
		log_debug("Namespace socket helper: PID %d", (int)pid);
	return ret;
}

/**
 * pasta_netlink_open_fn() - Open an rtnetlink socket, in the helper
 * @arg:	Unused
 *
 * Return: socket, or -errno
 */
static int pasta_netlink_open_fn(void *arg)
{
	(void)arg;
	return netlink_ns_open();
}

/**
 * pasta_netlink_open() - rtnetlink socket of the target namespace
 * @ns:		Namespace description
 *
 * Requests on it configure the target (netlink_ns_link_set() and the
 * like), sent from the daemon's own thread.
 *
 * Context: start-up.
 * Return: socket, or -errno
 */
int pasta_netlink_open(const struct pasta_ns *ns)
{
	return pasta_ns_run(ns, pasta_netlink_open_fn, NULL);
}

/**
 * struct pasta_tap_req - Tap device to create, and what came of it
 * @name:	Name asked for ("" for the kernel's choice), then given
 * @mac:	Hardware address to set, NULL to keep the kernel's
 * @mtu:	MTU to set, bytes, 0 to keep the kernel's
 * @flags:	PASTA_TAP_* flags
 * @ifindex:	Interface index, output
 */
struct pasta_tap_req {
	char name[IF_NAMESIZE];
	const uint8_t *mac;
	int mtu;
	unsigned int flags;
	int ifindex;
};

/**
 * pasta_tap_txqlen() - Lengthen the tap device's queue toward the daemon
 * @name:	Device, in the helper's (the target's) namespace
 *
 * Frames the namespace sends wait in the device's queue (tx_queue_len
 * frames, 1000 by default) until the daemon reads them; when it is full
 * the namespace's kernel drops them. A daemon that gets no CPU for a
 * while (a loaded machine) then loses a burst, and TCP recovers from it
 * one retransmission per round trip: e2e/tcp_upload@pasta under load
 * took 30 s for 50 MiB with 190 such drops, or stalled past its 60 s.
 * PASTA_TAP_TXQLEN frames absorb such a pause. Best effort: logged only.
 */
static void pasta_tap_txqlen(const char *name)
{
	struct ifreq ifr;
	int s;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		log_debug("Queue length of %s: socket: %s", name,
			  strerror(errno));
		return;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_qlen = PASTA_TAP_TXQLEN;
	if (ioctl(s, SIOCSIFTXQLEN, &ifr))
		log_debug("Queue length of %s: SIOCSIFTXQLEN %d: %s", name,
			  PASTA_TAP_TXQLEN, strerror(errno));
	close(s);
}

/**
 * pasta_tap_create() - Create and set up the tap device, in the helper
 * @arg:	struct pasta_tap_req
 *
 * Return: tap descriptor (non-blocking), or -errno (logged)
 */
static int pasta_tap_create(void *arg)
{
	struct pasta_tap_req *t = arg;
	struct ifreq ifr;
	int fd, nl, ret;

	fd = open(PASTA_TUN_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		log_err("Opening %s: %s", PASTA_TUN_PATH, strerror(-ret));
		return ret;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = (short)(IFF_TAP | IFF_NO_PI |
				((t->flags & PASTA_TAP_VNET_HDR) ?
				 IFF_VNET_HDR : 0));
	memcpy(ifr.ifr_name, t->name, sizeof(ifr.ifr_name));
	if (ioctl(fd, TUNSETIFF, &ifr)) {
		ret = -errno;
		log_err("TUNSETIFF %s: %s", t->name, strerror(-ret));
		goto fail;
	}
	memcpy(t->name, ifr.ifr_name, sizeof(t->name));
	t->name[sizeof(t->name) - 1] = '\0';
	t->ifindex = (int)if_nametoindex(t->name);
	if (!t->ifindex) {
		ret = -errno;
		log_err("Index of %s: %s", t->name, strerror(-ret));
		goto fail;
	}
	pasta_tap_txqlen(t->name);
	if (!t->mtu && !t->mac)
		return fd;
	nl = netlink_ns_open();
	ret = nl < 0 ? nl : netlink_ns_link_set(nl, (unsigned int)t->ifindex,
						NETLINK_LINK_KEEP, t->mtu,
						t->mac);
	if (nl >= 0)
		close(nl);
	if (ret) {
		log_err("Setting MTU %d and address of %s: %s", t->mtu,
			t->name, strerror(-ret));
		goto fail;
	}
	return fd;

fail:
	close(fd);
	return ret;
}

/**
 * pasta_tap_open() - Create the tap device in the target namespace
 * @ns:		Namespace description
 * @ifname:	Name (IF_NAMESIZE bytes): asked for, or "" for the kernel's
 *		choice (tapN); set to the name given
 * @mac:	Its hardware address (the namespace side's), NULL or all
 *		zeroes to keep the random one the kernel picks
 * @mtu:	MTU, bytes, 0 to keep the kernel's default (1500)
 * @flags:	PASTA_TAP_VNET_HDR: frames carry a struct virtio_net_hdr
 * @ifindex:	Set to its interface index in the namespace
 *
 * IFF_TAP | IFF_NO_PI: Ethernet frames, no packet information header.
 * The link is left down, with no address: configure it next through
 * pasta_netlink_open() (up, then addresses, then routes). The device
 * lives as long as the descriptor, which reads and writes the namespace's
 * frames from the host's namespace.
 *
 * Context: start-up.
 * Return: non-blocking descriptor of the tap device, or -errno (logged)
 */
int pasta_tap_open(const struct pasta_ns *ns, char *ifname,
		   const uint8_t mac[6], int mtu, unsigned int flags,
		   int *ifindex)
{
	struct pasta_tap_req t = { .mtu = mtu, .flags = flags };
	int fd;

	if (strlen(ifname) >= sizeof(t.name) || mtu < 0)
		return -EINVAL;
	strncpy(t.name, ifname, sizeof(t.name) - 1);
	if (mac && !util_mac_is_zero(mac))
		t.mac = mac;
	fd = pasta_ns_run(ns, pasta_tap_create, &t);
	if (fd < 0)
		return fd;
	memcpy(ifname, t.name, sizeof(t.name));
	*ifindex = t.ifindex;
	return fd;
}

/**
 * pasta_config_family() - Addresses and routes of one IP version
 * @nl:		rtnetlink socket of the target namespace
 * @ifi:	Tap device's index there
 * @host_ifi:	Template interface on the host
 * @af:		AF_INET or AF_INET6
 * @given:	-a or -g gave this version's addressing: use @addr, @gw
 * @addr:	Address (struct in_addr or in6_addr) if @given
 * @prefix_len:	Its prefix length
 * @gw:		Default gateway, all zeroes for none
 *
 * Return: 0 on success, -errno on failure (logged)
 */
static int pasta_config_family(int nl, unsigned int ifi,
			       unsigned int host_ifi, int af, bool given,
			       const void *addr, int prefix_len,
			       const void *gw)
{
	static const uint8_t zero[16];
	const char *v = af == AF_INET ? "IPv4" : "IPv6";
	size_t alen = af == AF_INET ? 4 : 16;
	int ret;

	if (!given) {
		ret = netlink_ns_copy_addrs(nl, ifi, host_ifi, af);
		if (ret >= 0)
			ret = netlink_ns_copy_routes(nl, ifi, host_ifi, af);
		if (ret < 0)
			log_err("Copying the host's %s addresses and routes: "
				"%s", v, strerror(-ret));
		return ret < 0 ? ret : 0;
	}
	ret = netlink_ns_addr_add(nl, ifi, af, addr, prefix_len);
	if (ret && ret != -EEXIST) {
		log_err("Adding the %s address: %s", v, strerror(-ret));
		return ret;
	}
	if (!memcmp(gw, zero, alen))
		return 0;
	ret = netlink_ns_route_add(nl, ifi, af, NULL, 0, gw);
	if (ret && ret != -EEXIST) {
		log_err("Adding the %s default route: %s", v, strerror(-ret));
		return ret;
	}
	return 0;
}

/**
 * pasta_config_net() - --config-net: the tap device up, with addresses and
 *			routes
 * @ns:		Namespace description (descriptors not yet released)
 * @ifi:	Tap device's index in the namespace
 * @c:		Execution context: template interface, IP versions enabled,
 *		and the addressing -a/-n/-g gave
 *
 * Per IP version, the template interface's addresses and routes are
 * copied, unless -a or -g gave that version's: then that address and a
 * default route through that gateway. In this order: link up (a route
 * through a gateway needs it), addresses (they bring prefix routes),
 * routes. The MTU was set with the device.
 *
 * Context: start-up, before isolation_drop_user().
 * Return: 0 on success, -errno on failure (logged)
 */
int pasta_config_net(const struct pasta_ns *ns, unsigned int ifi,
		     const struct ctx *c)
{
	int nl = pasta_netlink_open(ns), ret;

	if (nl < 0)
		return nl;
	ret = netlink_ns_link_set(nl, ifi, NETLINK_LINK_UP, 0, NULL);
	if (ret)
		log_err("Setting the tap device up: %s", strerror(-ret));
	if (!ret && c->ifi4)
		ret = pasta_config_family(nl, ifi, c->ifindex, AF_INET,
					  c->ip4_given, &c->ip4.addr,
					  c->ip4.prefix_len, &c->ip4.gw);
	if (!ret && c->ifi6)
		ret = pasta_config_family(nl, ifi, c->ifindex, AF_INET6,
					  c->ip6_given, &c->ip6.addr,
					  c->ip6.prefix_len, &c->ip6.gw);
	close(nl);
	return ret;
}

/**
 * pasta_lo_up() - Bring the namespace's loopback link up
 * @ns:		Namespace description (descriptors not yet released)
 *
 * A namespace made by someone else may have it down (podman leaves its
 * containers' down for pasta to set up): then nothing in it reaches
 * 127.0.0.1 or ::1, neither its own programs nor our spliced connections
 * and -T/-U sockets. The loopback device's index is 1 in every network
 * namespace (the kernel's LOOPBACK_IFINDEX). Done as the namespace's
 * other links are: from the daemon, through a netlink socket opened in
 * the namespace.
 *
 * Context: start-up, before isolation_drop_user().
 * Return: 0 on success, -errno on failure (not logged)
 */
int pasta_lo_up(const struct pasta_ns *ns)
{
	int nl = pasta_netlink_open(ns), ret;

	if (nl < 0)
		return nl;
	ret = netlink_ns_link_set(nl, PASTA_LO_IFINDEX, NETLINK_LINK_UP, 0,
				  NULL);
	close(nl);
	return ret;
}

/**
 * pasta_ns_release() - Close the namespace descriptors after start-up
 * @ns:		Namespace description
 *
 * Once the tap device, the netlink socket and the /proc/net files are
 * open, the daemon needs the namespaces no more (and could not enter them
 * from its sandbox). The pidfd and the quit descriptors stay.
 */
void pasta_ns_release(struct pasta_ns *ns)
{
	pasta_close(&ns->netns_fd);
	pasta_close(&ns->userns_fd);
}

/**
 * pasta_quit_fd_init() - Descriptor that wakes up when the target ends
 * @ns:		Namespace description
 *
 * For a process (PID target, spawned command): its pidfd, readable once
 * it ends. For a namespace file: an inotify descriptor on its directory,
 * readable when an entry is removed or renamed away; the directory is
 * kept open too (O_PATH), for pasta_quit_check().
 *
 * Context: start-up.
 * Return: descriptor to add to epoll for EPOLLIN (owned by @ns), or
 *	   -ENOSYS for a process without pidfd_open() (then poll
 *	   pasta_quit_check() on a timer), -errno on failure (logged)
 */
int pasta_quit_fd_init(struct pasta_ns *ns)
{
	char dir[PATH_MAX];
	const char *slash;
	int ret;

	if (ns->pid)
		return ns->pidfd >= 0 ? ns->pidfd : -ENOSYS;
	if (!*ns->path)
		return -EINVAL;

	slash = strrchr(ns->path, '/');
	if (slash == ns->path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - ns->path),
			 ns->path);
	ns->dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (ns->dir_fd < 0)
		goto fail;
	ns->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (ns->inotify_fd < 0)
		goto fail;
	if (inotify_add_watch(ns->inotify_fd, dir,
			      IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF |
			      IN_MOVE_SELF) < 0)
		goto fail;
	return ns->inotify_fd;

fail:
	ret = -errno;
	log_err("Watching %s for removal of %s: %s", dir, slash + 1,
		strerror(-ret));
	pasta_close(&ns->dir_fd);
	pasta_close(&ns->inotify_fd);
	return ret;
}

/**
 * pasta_inotify_gone() - Could inotify events mean a file went away?
 * @buf:	Events read from the inotify descriptor (need not be aligned)
 * @len:	Bytes read
 * @name:	Base name of the file in the watched directory
 *
 * An entry named @name removed or renamed away; the directory itself
 * removed or moved (IN_DELETE_SELF, IN_MOVE_SELF, IN_IGNORED); or events
 * lost (IN_Q_OVERFLOW). Events are walked within @len only.
 *
 * Context: pure, no system calls.
 * Return: true if one of them is there
 */
bool pasta_inotify_gone(const void *buf, size_t len, const char *name)
{
	const uint32_t self = IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED |
			      IN_Q_OVERFLOW;
	size_t nlen = strlen(name), off = 0;
	const char *p = buf;

	while (len - off >= sizeof(struct inotify_event)) {
		struct inotify_event ev;
		const char *evname = p + off + sizeof(ev);

		memcpy(&ev, p + off, sizeof(ev));
		if (ev.len > len - off - sizeof(ev))
			return false;		/* cut short: not ours */
		if (ev.mask & self)
			return true;
		if ((ev.mask & (IN_DELETE | IN_MOVED_FROM)) &&
		    ev.len > nlen && !memcmp(evname, name, nlen) &&
		    !evname[nlen])
			return true;
		off += sizeof(ev) + ev.len;
	}
	return false;
}

/**
 * pasta_quit_file_gone() - Check the namespace file after inotify events
 * @ns:		Namespace description, with its quit descriptors
 *
 * #syscalls:pasta read newfstatat
 * Return: true if the file no longer refers to the namespace
 */
static bool pasta_quit_file_gone(struct pasta_ns *ns)
{
	char buf[PASTA_INOTIFY_BUF_BYTES]
		__attribute__((aligned(__alignof__(struct inotify_event))));
	const char *base = strrchr(ns->path, '/') + 1;
	bool maybe = false;
	struct stat st;
	ssize_t n;

	while ((n = read(ns->inotify_fd, buf, sizeof(buf))) > 0)
		maybe |= pasta_inotify_gone(buf, (size_t)n, base);
	if (!maybe)
		return false;
	if (!fstatat(ns->dir_fd, base, &st, AT_SYMLINK_NOFOLLOW))
		return st.st_dev != ns->net_dev || st.st_ino != ns->net_ino;
	if (errno == ENOENT || errno == ENOTDIR)
		return true;
	/* Cannot look (no search permission left): trust the events */
	return true;
}

/**
 * pasta_quit_check() - Is the target namespace gone?
 * @ns:		Namespace description
 *
 * Call when the descriptor of pasta_quit_fd_init() is readable (or on a
 * timer without one). A spawned command is gone once it has ended
 * (still unreaped: pasta_child_status() reaps it), a PID target once
 * its pidfd is readable, or kill(PID, 0) finds no process; a namespace
 * file once it was removed or renamed and its name no longer refers to
 * the namespace. Drains the inotify descriptor.
 *
 * #syscalls:pasta waitid kill
 * Context: main loop.
 * Return: true if the daemon should end
 */
bool pasta_quit_check(struct pasta_ns *ns)
{
	if (ns->spawned) {
		siginfo_t si;

		if (ns->status >= 0)
			return true;
		memset(&si, 0, sizeof(si));
		if (waitid(P_PID, (id_t)ns->pid, &si,
			   WEXITED | WNOHANG | WNOWAIT))
			return errno == ECHILD;
		return si.si_pid != 0;
	}
	if (ns->pidfd >= 0)
		return pasta_pidfd_exited(ns->pidfd);
	if (ns->pid)
		return kill(ns->pid, 0) && errno == ESRCH;
	if (ns->inotify_fd >= 0)
		return pasta_quit_file_gone(ns);
	return false;
}

/**
 * pasta_child_status() - Exit status of the spawned command, shell style
 * @ns:		Namespace description
 *
 * Reaps the command if it has ended.
 *
 * #syscalls:pasta waitid
 * Context: main loop, or at exit.
 * Return: its exit code (0 to 255), 128 + signal number if a signal
 *	   ended it, -EAGAIN if it still runs, -ECHILD if nothing was
 *	   spawned, other -errno from waitid()
 */
int pasta_child_status(struct pasta_ns *ns)
{
	siginfo_t si;

	if (!ns->spawned)
		return -ECHILD;
	if (ns->status >= 0)
		return ns->status;
	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)ns->pid, &si, WEXITED | WNOHANG))
		return -errno;
	if (!si.si_pid)
		return -EAGAIN;
	if (si.si_code == CLD_EXITED)
		ns->status = si.si_status & 0xff;
	else
		ns->status = PASTA_EXIT_SIGNAL_BASE + si.si_status;
	return ns->status;
}
