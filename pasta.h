/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pasta.h - pasta mode: the target namespace, its tap device, its lifetime */

#ifndef PASTA_H
#define PASTA_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct ctx;

#define PASTA_NETNS_DIR		"/run/netns"	/* where NAME targets live */

/* Flags for pasta_tap_open() */
#define PASTA_TAP_VNET_HDR	(1U << 0)	/* frames carry virtio_net_hdr */

/**
 * struct pasta_ns - The namespace the daemon serves, and how it may end
 * @netns_fd:	Target network namespace, -1 once released
 * @userns_fd:	User namespace to join, in a helper, when the daemon is not
 *		privileged over @netns_fd by itself; -1 if none
 * @pid:	Process whose namespace it is (PID target, spawned command),
 *		0 for a path or name target
 * @pidfd:	pidfd of @pid, -1 if none (or no pidfd_open(), before 5.3)
 * @spawned:	@pid is our child, started by pasta_spawn()
 * @status:	Exit status of the spawned command once reaped, -1 before
 * @path:	Namespace file of a path or name target, "" otherwise
 * @dir_fd:	O_PATH descriptor of @path's directory (quit check), or -1
 * @inotify_fd:	inotify descriptor watching that directory, or -1
 * @net_dev:	Device of the namespace (nsfs), to recognise @path
 * @net_ino:	Inode of the namespace
 * @start_fd:	Socket to the spawned child, waiting to run its command
 *		until pasta_spawn_start(); -1 otherwise
 */
struct pasta_ns {
	int netns_fd;
	int userns_fd;
	pid_t pid;
	int pidfd;
	bool spawned;
	int status;
	char path[PATH_MAX];
	int dir_fd;
	int inotify_fd;
	dev_t net_dev;
	ino_t net_ino;
	int start_fd;
};

int pasta_target_path(const char *target, char *path, size_t size,
		      pid_t *pid);
int pasta_spawn(char *const cmd[], struct pasta_ns *ns);
int pasta_spawn_start(struct pasta_ns *ns);
int pasta_join(const char *target, const char *userns, bool netns_only,
	       struct pasta_ns *ns);
int pasta_ns_run(const struct pasta_ns *ns, int (*fn)(void *arg), void *arg);
int pasta_ns_open(const struct pasta_ns *ns, const char *path, int flags);
int pasta_sock_start(const struct pasta_ns *ns);
int pasta_netlink_open(const struct pasta_ns *ns);
int pasta_tap_open(const struct pasta_ns *ns, char *ifname,
		   const uint8_t mac[6], int mtu, unsigned int flags,
		   int *ifindex);
int pasta_config_net(const struct pasta_ns *ns, unsigned int ifi,
		     const struct ctx *c);
int pasta_lo_up(const struct pasta_ns *ns);
void pasta_ns_release(struct pasta_ns *ns);
int pasta_quit_fd_init(struct pasta_ns *ns);
bool pasta_inotify_gone(const void *buf, size_t len, const char *name);
bool pasta_quit_check(struct pasta_ns *ns);
int pasta_child_status(struct pasta_ns *ns);

#endif /* PASTA_H */
