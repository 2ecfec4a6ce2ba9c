/* SPDX-License-Identifier: GPL-2.0-or-later */
/* log.c - Logging to stderr, syslog or a bounded file
 *
 * One destination at a time: stderr while in the foreground (and until the
 * daemon detaches), syslog afterwards, or a file given with -l. The file is
 * bounded by --log-size: when a write would pass the limit, the file is
 * truncated back to the start-up lines (configuration, warnings, sandbox
 * steps: kept if they fill at most half of the limit, see log_keep_startup())
 * followed by a line saying so, and logging goes on (so a daemon running for
 * months never fills a disk, and what it said at start stays readable).
 * Every line carries a monotonic timestamp.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#define LOG_LINE_MAX	1024	/* bytes, longer messages are cut */

static int log_level = LOG_INFO;
static bool log_stderr = true;
static bool log_syslog;
static int log_fd = -1;
static unsigned long log_file_size;
static unsigned long log_file_written;
static unsigned long log_file_keep;	/* start-up bytes kept on truncation */
static const char *log_ident = "passt";
static uint64_t log_start_ms;

/**
 * log_init() - Set up logging at start
 * @ident:	Program name for syslog and prefixes
 * @foreground:	Whether we stay in the foreground (stderr stays open)
 */
void log_init(const char *ident, bool foreground)
{
	(void)foreground;
	log_ident = ident;
	log_start_ms = util_now_ms();
}

/**
 * log_set_level() - Set the most verbose level that is logged
 * @level:	LOG_ERR, LOG_INFO, LOG_DEBUG or LOG_TRACE
 */
void log_set_level(int level)
{
	log_level = level;
}

/**
 * log_enabled() - Would a message at this level be logged?
 * @level:	Level
 *
 * Return: true if yes
 */
bool log_enabled(int level)
{
	return level <= log_level;
}

/**
 * log_open_file() - Log to a file from now on, bounded in size
 * @path:	File path, created or truncated
 * @size:	Size limit, bytes
 *
 * Return: 0 on success, -errno on failure
 */
int log_open_file(const char *path, unsigned long size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
		      0644);

	if (fd < 0)
		return -errno;
	log_fd = fd;
	log_file_size = size;
	log_file_written = 0;
	log_stderr = false;
	return 0;
}

/**
 * log_to_syslog() - Switch from stderr to syslog (after detaching)
 */
void log_to_syslog(void)
{
	if (log_fd >= 0)
		return;
	openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	log_syslog = true;
	log_stderr = false;
}

/**
 * log_keep_startup() - Start-up is over: keep what was logged so far
 *
 * Called once before the loop. When the log file later reaches --log-size,
 * it is truncated back to this point rather than to nothing, so start-up
 * warnings survive, if they take at most half of the limit (else nothing
 * is kept, as before).
 */
void log_keep_startup(void)
{
	if (log_fd >= 0 && log_file_written <= log_file_size / 2)
		log_file_keep = log_file_written;
}

/**
 * log_file_write() - Append a line to the log file, truncating at the limit
 * @line:	Text, with trailing newline
 * @len:	Length, bytes
 *
 * #syscalls write ftruncate
 */
static void log_file_write(const char *line, size_t len)
{
	static const char hdr[] = "(log truncated at --log-size: lines after "
				  "start-up dropped)\n";

	if (log_file_written + len > log_file_size) {
		if (ftruncate(log_fd, (off_t)log_file_keep))
			return;
		log_file_written = log_file_keep;
		if (write(log_fd, hdr, sizeof(hdr) - 1) > 0)
			log_file_written += sizeof(hdr) - 1;
	}
	if (write(log_fd, line, len) > 0)
		log_file_written += len;
}

/**
 * log_stderr_write() - Write a line to stderr; stop using it once it fails
 * @line:	Text, with trailing newline
 * @len:	Length, bytes
 *
 * Whoever started us may close its end of our stderr at any time: libvirt
 * closes the pipe it gave us as soon as its intermediate child exits, while
 * we still print the configuration. SIGPIPE is ignored (main()), so that
 * write fails with EPIPE: stderr is then dropped as a destination, for good
 * (every later line would fail the same way), and logging goes on to
 * whatever else is set (a file, syslog once detached).
 *
 * #syscalls write
 */
static void log_stderr_write(const char *line, size_t len)
{
	while (len) {
		ssize_t n = write(STDERR_FILENO, line, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			log_stderr = false;
			return;
		}
		line += n;
		len -= (size_t)n;
	}
}

/**
 * log_vmsg() - Format and emit one message
 * @level:	Level
 * @fmt:	printf format
 * @ap:		Arguments
 *
 * #syscalls write sendto socket connect close getpid
 */
__attribute__((format(printf, 2, 0)))
static void log_vmsg(int level, const char *fmt, va_list ap)
{
	static const char *const tag[] = {
		[LOG_EMERG] = "emergency: ", [LOG_ALERT] = "alert: ",
		[LOG_CRIT] = "critical: ", [LOG_ERR] = "error: ",
		[LOG_WARNING] = "warning: ", [LOG_NOTICE] = "",
		[LOG_INFO] = "", [LOG_DEBUG] = "", [LOG_TRACE] = "",
	};
	char line[LOG_LINE_MAX];
	uint64_t t = util_now_ms() - log_start_ms;
	int n, pre;

	if (level > log_level)
		return;
	if (level < 0 || level > LOG_TRACE)
		level = LOG_ERR;

	pre = snprintf(line, sizeof(line), "%llu.%03llu: %s",
		       (unsigned long long)(t / 1000),
		       (unsigned long long)(t % 1000), tag[level]);
	n = vsnprintf(line + pre, sizeof(line) - (size_t)pre - 1, fmt, ap);
	if (n < 0)
		return;
	n += pre;
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	line[n] = '\0';

	if (log_fd >= 0)
		log_file_write(line, (size_t)n);
	else if (log_syslog)
		syslog(level > LOG_DEBUG ? LOG_DEBUG : level, "%s",
		       line + pre - strlen(tag[level]));
	if (log_stderr)
		log_stderr_write(line, (size_t)n);
}

/**
 * log_msg() - Log a message at a level
 * @level:	Level
 * @fmt:	printf format
 */
void log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

/**
 * log_close() - Close the log destination at exit
 *
 * #syscalls close
 */
void log_close(void)
{
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
	if (log_syslog)
		closelog();
}

/**
 * die() - Log an error and exit with status 1; for start-up only
 * @fmt:	printf format
 */
void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_ERR, fmt, ap);
	va_end(ap);
	if (log_fd >= 0 || log_syslog) {	/* also tell whoever started us */
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	_exit(EXIT_FAILURE);
}

/**
 * log_assert_fail() - Report a failed ASSERT() and abort
 * @file:	Source file
 * @line:	Line
 * @expr:	Expression text
 *
 * #syscalls rt_sigprocmask rt_sigaction tgkill getpid gettid
 */
void log_assert_fail(const char *file, int line, const char *expr)
{
	log_msg(LOG_CRIT, "ASSERT(%s) failed at %s:%d", expr, file, line);
	abort();
}
