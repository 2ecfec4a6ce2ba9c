/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nopeekoff.c - Test tool: LD_PRELOAD library, a kernel without SO_PEEK_OFF
 *
 * Usage: LD_PRELOAD=$(O)/tools/nopeekoff.so [NOPEEKOFF_MARK=FILE] passt ...
 *
 * setsockopt(SOL_SOCKET, SO_PEEK_OFF) fails with EOPNOTSUPP, as it does on
 * TCP sockets before Linux 6.9 (Debian 12 runs 6.1): the daemon then takes
 * its fallback, peeking from the head of the socket's data every time. All
 * other calls go to the C library. On the first refusal, a line is appended
 * to NOPEEKOFF_MARK if set, so that a test knows the daemon ran under this
 * library; the daemon asks once, at start-up, before its sandbox (a later
 * call would open a file under seccomp and end the daemon: a test failure,
 * which is the point).
 */

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef int (*npo_setsockopt_fn)(int, int, int, const void *, socklen_t);

static npo_setsockopt_fn npo_real;
static int npo_marked;

/**
 * npo_init() - Find the C library's setsockopt(), before main()
 */
__attribute__((constructor)) static void npo_init(void)
{
	void *p = dlsym(RTLD_NEXT, "setsockopt");

	memcpy(&npo_real, &p, sizeof(npo_real));
}

/**
 * npo_mark() - Append one line to NOPEEKOFF_MARK, the first time only
 */
static void npo_mark(void)
{
	static const char line[] = "SO_PEEK_OFF refused\n";
	const char *path = getenv("NOPEEKOFF_MARK");
	ssize_t n;
	int fd;

	if (npo_marked || !path)
		return;
	npo_marked = 1;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	n = write(fd, line, sizeof(line) - 1);
	(void)n;			/* a failed write: no mark, test fails */
	close(fd);
}

/**
 * setsockopt() - Refuse SO_PEEK_OFF, pass anything else on
 * @fd:		Socket
 * @level:	Option level
 * @name:	Option name
 * @val:	Option value
 * @len:	Length of @val
 *
 * Return: -1 with EOPNOTSUPP for SO_PEEK_OFF, else what the C library says
 */
int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	if (level == SOL_SOCKET && name == SO_PEEK_OFF) {
		npo_mark();
		errno = EOPNOTSUPP;
		return -1;
	}
	if (!npo_real) {
		errno = ENOSYS;
		return -1;
	}
	return npo_real(fd, level, name, val, len);
}
