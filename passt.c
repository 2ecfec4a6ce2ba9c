/* SPDX-License-Identifier: GPL-2.0-or-later */
/* passt.c - Start-up order, the epoll loop and the periodic tick */

/**
 * DOC: Theory of operation
 *
 * One process, one thread, one epoll loop. Start-up: parse options and
 * detect the host (conf.c), open everything the daemon will ever need (tap
 * socket, listeners, capture and log files, the pid file), drop to an
 * unprivileged user, detach, then loop. Every descriptor is registered with
 * a union epoll_ref, and the loop's one switch hands each event to its
 * owner. At the end of each iteration the frames queued for the guest are
 * flushed at once. A timerfd ticks every PASST_TICK_MS and drives the flow
 * sweeps and periodic link-layer work; signals arrive through a signalfd, so
 * that they are handled in the loop like any other event.
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "conf.h"
#include "dispatch.h"
#include "flow.h"
#include "icmp.h"
#include "isolation.h"
#include "listen.h"
#include "log.h"
#include "ndp.h"
#include "ctx.h"
#include "pasta.h"
#include "pcap.h"
#include "tap.h"
#include "tap_dev.h"
#include "tcp.h"
#include "tcp_splice.h"
#include "udp.h"
#include "util.h"
#include "vhost_user.h"

#define PASST_EVENTS_MAX	128	/* events per epoll_wait() */
#define PASST_TICK_MS		FLOW_TICK_MS	/* periodic tick, milliseconds */
/* Descriptors kept free of flows (flow_set_limit()): the signalfd and
 * other descriptors opened after the count, a guest connection and a second
 * one being accepted to replace it, a connection accepted on a forward
 * before its flow is refused, and slack
 */
#define PASST_FD_RESERVE	16
#define PASST_FD_SCAN_MAX	65536	/* descriptors checked by the count */

static struct ctx passt_ctx;
static int passt_fd_tick = -1;
static uint64_t passt_stats_next_ms;	/* next --stats line */
static int passt_fd_signal = -1;
static struct pasta_ns passt_ns;	/* pasta mode: the namespace served */
static bool passt_ns_quit_poll;	/* pasta: no quit descriptor, poll */
/* pasta, "auto": /proc/net/{tcp,udp}{,6} of the host and the namespace,
 * [LISTEN_HOST or LISTEN_NS][enum fwd_proto][v6], -1 if not open
 */
static int passt_scan_fd[LISTEN_SIDES][FWD_PROTO_COUNT][2] = {
	{ { -1, -1 }, { -1, -1 } }, { { -1, -1 }, { -1, -1 } }
};
static const char *const passt_scan_file[FWD_PROTO_COUNT][2] = {
	{ "tcp", "tcp6" }, { "udp", "udp6" }
};

/**
 * passt_exit() - Clean exit: remove the socket and pid file, close files
 * @c:		Execution context
 * @status:	Exit status
 *
 * The root may be empty by now: isolation.c removes the socket and the pid
 * file through the directories it kept (tap_cleanup() then finds no socket).
 *
 * #syscalls close unlink exit_group
 */
__attribute__((noreturn))
static void passt_exit(struct ctx *c, int status)
{
	isolation_unlink_files(c);
	tap_cleanup(c);
	pcap_close();
	log_close();
	exit(status);
}

/**
 * passt_guest_gone() - The guest went away: reset its flows, maybe exit
 * @c:		Execution context
 * @now_ms:	Current time, milliseconds
 *
 * The tap layer reports it; the loop decides: with --one-off, or when the
 * guest's descriptor came with -F (nobody can attach again), the process
 * ends.
 */
static void passt_guest_gone(struct ctx *c, uint64_t now_ms)
{
	dispatch_guest_gone(c, now_ms);
	if (c->one_off || c->fd_from_cmdline >= 0) {
		log_info("Exiting: %s", c->pasta ? "tap device failed" :
			 c->one_off ? "--one-off" : "-F descriptor closed");
		passt_exit(c, c->pasta ? EXIT_FAILURE : 0);
	}
}

/* Frames and link events from the tap layer, to their handlers */
static const struct tap_handlers passt_tap_handlers = {
	.pkt		= dispatch_pkt,
	.pkts_end	= dispatch_pkts_end,
	.gone		= passt_guest_gone,
	.room		= dispatch_room,
	.reset		= dispatch_guest_gone,
};

/**
 * passt_pasta_quit() - pasta: the namespace may be gone; exit if it is
 * @c:		Execution context
 *
 * With a spawned command, its exit status is the daemon's (128 + signal
 * number if a signal ended it), as a shell's.
 */
static void passt_pasta_quit(struct ctx *c)
{
	int status;

	if (!pasta_quit_check(&passt_ns))
		return;
	status = pasta_child_status(&passt_ns);
	if (status >= 0) {
		log_info("Command exited with status %d", status);
		passt_exit(c, status);
	}
	log_info("Namespace gone: exiting");
	passt_exit(c, 0);
}

/**
 * passt_scan_open() - pasta, "auto": open the /proc/net tables to watch
 * @ns:		Namespace side (through the start-up helper), else the host's
 *
 * A table that cannot be opened (IPv6 disabled) is left out.
 */
static void passt_scan_open(bool ns)
{
	int proto, v6;

	for (proto = 0; proto < FWD_PROTO_COUNT; proto++) {
		for (v6 = 0; v6 < 2; v6++) {
			char path[64];
			int fd;

			snprintf(path, sizeof(path), "%s/net/%s",
				 ns ? "/proc/thread-self" : "/proc",
				 passt_scan_file[proto][v6]);
			fd = ns ? pasta_ns_open(&passt_ns, path, O_RDONLY) :
				  open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				log_debug("auto: %s%s: %s", ns ?
					  "the namespace's " : "", path,
					  strerror(ns ? -fd : errno));
			passt_scan_fd[ns ? LISTEN_NS : LISTEN_HOST][proto][v6] =
				fd < 0 ? -1 : fd;
		}
	}
}

/**
 * passt_pasta_init() - pasta: the namespace, its tap device, its network
 * @c:		Execution context
 *
 * Spawn a command in new namespaces or join the target, create the tap
 * device there, configure it (--config-net), watch for the namespace's
 * end (unless --no-netns-quit), let a spawned command run, then close the
 * namespace descriptors: see doc/pasta.md for the order. The tap
 * descriptor goes to tap.c as a -F descriptor would (tap_dev.c is the
 * back-end): if it fails, nothing can attach again, and the daemon exits.
 */
static void passt_pasta_init(struct ctx *c)
{
	union epoll_ref ref = { .type = EPOLL_TYPE_PASTA_QUIT };
	int ret, fd, ifindex = 0;

	if (*c->pasta_netns)
		ret = pasta_join(c->pasta_netns,
				 *c->pasta_userns ? c->pasta_userns : NULL,
				 c->pasta_netns_only, &passt_ns);
	else
		ret = pasta_spawn(c->pasta_cmd, &passt_ns);
	if (ret)
		die("No namespace to serve: %s", strerror(-ret));

	fd = pasta_tap_open(&passt_ns, c->pasta_ifname, NULL, c->mtu, 0,
			    &ifindex);
	if (fd < 0)
		die("Tap device %s in the namespace: %s", c->pasta_ifname,
		    strerror(-fd));
	if (c->pasta_config_net &&
	    (ret = pasta_config_net(&passt_ns, (unsigned int)ifindex, c)))
		die("Configuring %s in the namespace: %s", c->pasta_ifname,
		    strerror(-ret));
	c->fd_from_cmdline = fd;
	if (!passt_ns.spawned && (ret = pasta_lo_up(&passt_ns)))
		log_warn("Setting lo up in the namespace: %s; its loopback "
			 "stays unreachable", strerror(-ret));

	if (!c->pasta_no_netns_quit) {
		ret = pasta_quit_fd_init(&passt_ns);
		if (ret == -ENOSYS) {
			passt_ns_quit_poll = true;
		} else if (ret < 0) {
			die("Watching the namespace's end: %s",
			    strerror(-ret));
		} else {
			ref.fd = ret;
			if (util_epoll_add(c->epollfd, ret, EPOLLIN, ref))
				die("epoll_ctl on the quit descriptor: %s",
				    strerror(errno));
		}
	}
	if (!c->no_splice || fwd_ns.count) {
		ret = pasta_sock_start(&passt_ns);
		if (ret)
			log_warn("No sockets in the namespace at run time: "
				 "loopback connections take the tap device, "
				 "-T and -U are not served");
	}
	if (listen_auto_wanted()) {
		passt_scan_open(true);
		passt_scan_open(false);
	}
	if (passt_ns.spawned && (ret = pasta_spawn_start(&passt_ns)))
		die("Starting the command: %s", strerror(-ret));
	pasta_ns_release(&passt_ns);
	log_debug("Tap device %s (index %d) in the namespace", c->pasta_ifname,
		  ifindex);
}

/**
 * passt_signals_init() - Route SIGTERM, SIGINT and SIGUSR1 through a
 *			  signalfd (SIGPIPE is ignored from the start, main())
 * @c:		Execution context
 */
static void passt_signals_init(struct ctx *c)
{
	union epoll_ref ref = { .type = EPOLL_TYPE_SIGNAL };
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &mask, NULL))
		die("sigprocmask: %s", strerror(errno));
	passt_fd_signal = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (passt_fd_signal < 0)
		die("signalfd: %s", strerror(errno));
	ref.fd = passt_fd_signal;
	if (util_epoll_add(c->epollfd, passt_fd_signal, EPOLLIN, ref))
		die("epoll_ctl on signalfd: %s", strerror(errno));
}

/**
 * passt_tick_init() - Start the periodic timer that drives sweeps
 * @c:		Execution context
 */
static void passt_tick_init(struct ctx *c)
{
	union epoll_ref ref = { .type = EPOLL_TYPE_TICK };
	struct itimerspec its = {
		.it_interval = { .tv_sec = PASST_TICK_MS / 1000,
				 .tv_nsec = (PASST_TICK_MS % 1000) * 1000000 },
	};

	its.it_value = its.it_interval;
	passt_fd_tick = timerfd_create(CLOCK_MONOTONIC,
				       TFD_NONBLOCK | TFD_CLOEXEC);
	if (passt_fd_tick < 0)
		die("timerfd_create: %s", strerror(errno));
	if (timerfd_settime(passt_fd_tick, 0, &its, NULL))
		die("timerfd_settime: %s", strerror(errno));
	ref.fd = passt_fd_tick;
	if (util_epoll_add(c->epollfd, passt_fd_tick, EPOLLIN, ref))
		die("epoll_ctl on timerfd: %s", strerror(errno));
}

/**
 * passt_pid_open() - Create the pid file now, while we may still open files
 * @c:		Execution context
 */
static void passt_pid_open(struct ctx *c)
{
	if (!*c->pid_file)
		return;
	c->fd_pid = open(c->pid_file,
			 O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (c->fd_pid < 0)
		die("PID file %s: %s", c->pid_file, strerror(errno));
}

/**
 * passt_pid_write() - Write a PID to the pid file and close it
 * @c:		Execution context
 * @pid:	PID of the process that runs the loop
 */
static void passt_pid_write(struct ctx *c, pid_t pid)
{
	char buf[32];
	int n;

	if (c->fd_pid < 0)
		return;
	n = snprintf(buf, sizeof(buf), "%d\n", (int)pid);
	if (util_write_all(c->fd_pid, buf, (size_t)n))
		die("PID file %s: write failed", c->pid_file);
	close(c->fd_pid);
	c->fd_pid = -1;
}

/**
 * passt_daemonize() - Detach, once everything is ready
 * @c:		Execution context
 *
 * The parent writes the child's PID to the pid file before it exits, so
 * that callers waiting for the parent can rely on the file.
 */
static void passt_daemonize(struct ctx *c)
{
	pid_t pid;
	int null;

	if (c->foreground) {
		passt_pid_write(c, getpid());
		return;
	}
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid > 0) {
		passt_pid_write(c, pid);
		_exit(EXIT_SUCCESS);
	}
	if (c->fd_pid >= 0)
		close(c->fd_pid);
	c->fd_pid = -1;
	setsid();
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		close(null);
	}
	if (!*c->log_file)
		log_to_syslog();
}

/**
 * passt_signal_handler() - Signals, read from the signalfd
 * @c:		Execution context
 * @now_ms:	Current time, milliseconds
 *
 * #syscalls read
 */
static void passt_signal_handler(struct ctx *c, uint64_t now_ms)
{
	struct signalfd_siginfo si;
	int i;

	while (read(passt_fd_signal, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			log_info("Exiting on signal %u", si.ssi_signo);
			passt_exit(c, 0);
		case SIGUSR1:
			flow_dump(c, now_ms);
			log_info("counter tcp_keepalives: %llu",
				 (unsigned long long)tcp_stats.keepalives);
			log_info("counter tcp_reset_idle: %llu",
				 (unsigned long long)tcp_stats.reset_idle);
			log_info("counter tcp_reset_closing: %llu",
				 (unsigned long long)tcp_stats.reset_closing);
			log_info("counter tcp_frames_in_place: %llu",
				 (unsigned long long)
				 tcp_stats.frames_in_place);
			log_info("counter tcp_frames_pooled: %llu",
				 (unsigned long long)tcp_stats.frames_pooled);
			log_info("counter tcp_ooo_stored_bytes: %llu",
				 (unsigned long long)
				 tcp_stats.ooo_stored_bytes);
			log_info("counter tcp_ooo_dropped_bytes: %llu",
				 (unsigned long long)
				 tcp_stats.ooo_dropped_bytes);
			log_info("counter tcp_ooo_chunks: %llu",
				 (unsigned long long)tcp_stats.ooo_chunks);
			for (i = 0; i < TAP_DROP_COUNT; i++)
				log_info("counter dropped_%s: %llu",
					 tap_drop_name((enum tap_drop)i),
					 (unsigned long long)
					 tap_drop_count((enum tap_drop)i));
			break;
		default:
			break;
		}
	}
}

/**
 * passt_stats_log() - One line of counters (--stats): flows, TCP sweeps, drops
 */
static void passt_stats_log(void)
{
	char line[FLOW_STATS_LINE_LEN], drops[FLOW_STATS_LINE_LEN];
	uint64_t total = 0;
	size_t off = 0;
	int i;

	drops[0] = 0;
	for (i = 0; i < TAP_DROP_COUNT; i++) {
		uint64_t n = tap_drop_count((enum tap_drop)i);

		total += n;
		if (n && off < sizeof(drops))
			off += (size_t)snprintf(drops + off,
						sizeof(drops) - off, "%s%s %llu",
						off ? ", " : " (",
						tap_drop_name((enum tap_drop)i),
						(unsigned long long)n);
	}
	if (off && off < sizeof(drops))
		snprintf(drops + off, sizeof(drops) - off, ")");
	log_info("stats: %s, keepalives %llu, idle resets %llu, closing "
		 "resets %llu, frames dropped %llu%s",
		 flow_stats_line(line, sizeof(line)),
		 (unsigned long long)tcp_stats.keepalives,
		 (unsigned long long)tcp_stats.reset_idle,
		 (unsigned long long)tcp_stats.reset_closing,
		 (unsigned long long)total, drops);
}

/**
 * passt_tick() - Periodic work: sweeps, router advertisements
 * @c:		Execution context
 * @now_ms:	Current time, milliseconds
 *
 * #syscalls read
 */
static void passt_tick(struct ctx *c, uint64_t now_ms)
{
	uint64_t expirations;

	if (read(passt_fd_tick, &expirations, sizeof(expirations)) < 0 &&
	    errno != EAGAIN)
		log_debug("timerfd read: %s", strerror(errno));
	flow_tick(c, now_ms);
	if (c->pasta)
		listen_auto_tick(c);
	if (passt_ns_quit_poll)
		passt_pasta_quit(c);
	if (tap_connected(c))
		ndp_timer(c, now_ms);
	if (c->stats_interval_s &&
	    util_interval_due(&passt_stats_next_ms,
			      c->stats_interval_s * 1000ULL, now_ms,
			      PASST_TICK_MS))
		passt_stats_log();
}

/**
 * passt_dispatch() - Hand one epoll event to its owner
 * @c:		Execution context
 * @ev:		Event
 * @now_ms:	Current time, milliseconds
 */
static void passt_dispatch(struct ctx *c, const struct epoll_event *ev,
			   uint64_t now_ms)
{
	union epoll_ref ref = { .u64 = ev->data.u64 };

	switch ((enum epoll_type)ref.type) {
	case EPOLL_TYPE_TAP_LISTEN:
		tap_listen_handler(c, ev->events);
		break;
	case EPOLL_TYPE_TAP:
		tap_handler(c, ev->events, now_ms);
		break;
	case EPOLL_TYPE_TICK:
		passt_tick(c, now_ms);
		break;
	case EPOLL_TYPE_SIGNAL:
		passt_signal_handler(c, now_ms);
		break;
	case EPOLL_TYPE_PING:
		icmp_sock_handler(c, ref, ev->events, now_ms);
		break;
	case EPOLL_TYPE_TCP:
		tcp_sock_handler(c, ref, ev->events, now_ms);
		break;
	case EPOLL_TYPE_TCP_LISTEN:
		tcp_listen_handler(c, ref, ev->events, now_ms);
		break;
	case EPOLL_TYPE_TCP_TIMER:
		tcp_timer_handler(c, ref, now_ms);
		break;
	case EPOLL_TYPE_UDP:
		udp_sock_handler(c, ref, ev->events, now_ms);
		break;
	case EPOLL_TYPE_UDP_LISTEN:
		udp_listen_handler(c, ref, ev->events, now_ms);
		break;
	case EPOLL_TYPE_VHOST_CMD:
		vu_cmd_handler(c, ev->events, now_ms);
		break;
	case EPOLL_TYPE_VHOST_KICK:
		vu_kick_handler(c, ref, now_ms);
		break;
	case EPOLL_TYPE_TAP_DEV:
		tap_dev_handler(c, ev->events, now_ms);
		break;
	case EPOLL_TYPE_PASTA_QUIT:
		passt_pasta_quit(c);
		break;
	case EPOLL_TYPE_TCP_SPLICE:
		tcp_splice_sock_handler(c, ref, ev->events, now_ms);
		break;
	case EPOLL_TYPE_TCP_NS_LISTEN:
		tcp_listen_handler(c, ref, ev->events, now_ms);
		break;
	case EPOLL_TYPE_UDP_NS_LISTEN:
		udp_listen_handler(c, ref, ev->events, now_ms);
		break;
	case EPOLL_TYPE_NONE:
	case EPOLL_TYPE_COUNT:
		log_debug("epoll event for unknown owner type %u", ref.type);
		break;
	}
}

/**
 * passt_print_attach() - Tell the user how to attach qemu
 * @c:		Execution context
 */
static void passt_print_attach(const struct ctx *c)
{
	if (c->quiet || c->fd_from_cmdline >= 0 || c->pasta)
		return;
	log_info("Listening on %s; attach qemu with:", c->sock_path);
	if (c->vhost_user)
		log_info("    qemu-system-x86_64 ... -chardev socket,id=c,"
			 "path=%s -netdev vhost-user,id=v,chardev=c "
			 "-device virtio-net-pci,netdev=v -object memory-backend-"
			 "memfd,id=m,share=on,size=RAM -numa node,memdev=m",
			 c->sock_path);
	else
		log_info("    qemu-system-x86_64 ... -device virtio-net-pci,"
			 "netdev=s -netdev stream,id=s,server=off,"
			 "addr.type=unix,addr.path=%s", c->sock_path);
}

/**
 * passt_nofile_raise() - Raise the open-file soft limit to the hard limit
 *
 * A TCP flow costs exactly one descriptor, its socket: the number of flows
 * the daemon carries is bounded by this limit, so take all the hard limit
 * allows, at start-up while setrlimit() is still allowed.
 */
static void passt_nofile_raise(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur == rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		log_warn("setrlimit(RLIMIT_NOFILE, %llu): %s",
			 (unsigned long long)rl.rlim_max, strerror(errno));
	else
		log_debug("Open-file limit raised to %llu",
			  (unsigned long long)rl.rlim_max);
}

/**
 * passt_flow_limit() - Bound flows by the descriptors left for them
 *
 * Each flow holds one descriptor: the flow table must fill before
 * descriptors run out, or a new guest connection, or an accept() on a
 * forward, would fail (and a listener whose connection cannot be accepted
 * wakes epoll forever). Counts the descriptors open now, at the end of
 * start-up, by fcntl(F_GETFD) on the first PASST_FD_SCAN_MAX numbers
 * (start-up takes the lowest free ones), and leaves PASST_FD_RESERVE more.
 */
static void passt_flow_limit(void)
{
	unsigned long long cur, n;
	unsigned int open_n = 0;
	struct rlimit rl;
	int fd;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur == RLIM_INFINITY)
		return;
	cur = rl.rlim_cur;
	for (fd = 0; fd < PASST_FD_SCAN_MAX && (unsigned long long)fd < cur;
	     fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			open_n++;
	}
	n = cur > open_n + PASST_FD_RESERVE ?
	    cur - open_n - PASST_FD_RESERVE : 0;
	flow_set_limit(n < FLOW_MAX ? (unsigned int)n : FLOW_MAX);
	if (!n)
		log_warn("No flows possible: open-file limit %llu, %u "
			 "descriptors in use, %u reserved", cur, open_n,
			 PASST_FD_RESERVE);
	else if (n < FLOW_MAX)
		log_info("At most %u flows: open-file limit %llu, %u "
			 "descriptors in use, %u reserved", flow_limit(), cur,
			 open_n, PASST_FD_RESERVE);
	else
		log_debug("At most %u flows (FLOW_MAX)", flow_limit());
}

/**
 * main() - Start-up in order, then the loop
 * @argc:	Argument count
 * @argv:	Arguments
 *
 * Start-up order (see isolation.c): open everything, drop to the --runas
 * user and every capability, new namespaces, detach (the child runs the
 * loop, in the new PID namespace), then empty root and seccomp filter.
 *
 * #syscalls epoll_wait epoll_pwait
 * Return: never returns but through passt_exit() or die()
 */
int main(int argc, char **argv)
{
	struct epoll_event events[PASST_EVENTS_MAX];
	struct ctx *c = &passt_ctx;
	int ret;

	/* Before anything is printed: a caller may close the read end of
	 * our stdout or stderr (libvirt does), and a write there must fail
	 * with EPIPE (log.c then stops using it), not kill us
	 */
	signal(SIGPIPE, SIG_IGN);
	log_init("passt", true);
	conf(c, argc, argv);
	if (c->pasta)
		log_init("pasta", c->foreground);
	passt_nofile_raise();

	if (*c->log_file) {
		ret = log_open_file(c->log_file, c->log_size);
		if (ret)
			die("Log file %s: %s", c->log_file, strerror(-ret));
	}
	c->epollfd = epoll_create1(EPOLL_CLOEXEC);
	if (c->epollfd < 0)
		die("epoll_create1: %s", strerror(errno));

	if (c->pasta)
		passt_pasta_init(c);

	ret = pcap_init(c->pcap_file);
	if (ret)
		die("Capture file %s: %s", c->pcap_file, strerror(-ret));
	passt_pid_open(c);
	flow_init();
	if (c->vhost_user)
		vu_init(c);
	if (c->pasta)
		tap_dev_init(c);
	tap_init(c, &passt_tap_handlers);
	icmp_init(c);
	ret = tcp_init(c);
	if (ret)
		die("TCP set-up failed: %s", strerror(-ret));
	udp_init();
	listen_init(c);
	if (c->pasta && listen_auto_wanted())
		listen_auto_init(c, passt_scan_fd, udp_reply_sock_gone);
	passt_tick_init(c);

	if (!c->quiet)
		conf_print(c);
	passt_print_attach(c);

	isolation_drop_user(c);
	isolation_detach_ns(c);
	passt_daemonize(c);
	/* A signalfd watched by epoll wakes up for the process that added it:
	 * create it in the process that runs the loop
	 */
	passt_signals_init(c);
	passt_flow_limit();
	isolation_seal(c);
	log_keep_startup();

	for (;;) {
		int i, n = epoll_wait(c->epollfd, events, PASST_EVENTS_MAX,
				      -1);
		uint64_t now_ms = util_now_ms();

		if (n < 0 && errno != EINTR)
			die("epoll_wait: %s", strerror(errno));
		for (i = 0; i < n; i++)
			passt_dispatch(c, &events[i], now_ms);
		tap_flush(c);
	}
}
