/* SPDX-License-Identifier: GPL-2.0-or-later */
/* log.h - Logging to stderr, syslog or a bounded file */

#ifndef LOG_H
#define LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

#define LOG_FILE_SIZE_DEFAULT	(1024 * 1024)	/* bytes, -l without --log-size */
#define LOG_FILE_SIZE_MIN	(64 * 1024)	/* bytes, smallest --log-size */

/* Levels: syslog's, plus one below LOG_DEBUG for per-frame tracing */
#define LOG_TRACE	(LOG_DEBUG + 1)

void log_init(const char *ident, bool foreground);
int log_open_file(const char *path, unsigned long size);
void log_set_level(int level);
void log_keep_startup(void);
void log_to_syslog(void);
bool log_enabled(int level);
void log_msg(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_close(void);

#define log_err(...)	log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_WARNING, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)						\
	do {							\
		if (log_enabled(LOG_DEBUG))			\
			log_msg(LOG_DEBUG, __VA_ARGS__);	\
	} while (0)
#define log_trace(...)						\
	do {							\
		if (log_enabled(LOG_TRACE))			\
			log_msg(LOG_TRACE, __VA_ARGS__);	\
	} while (0)

/**
 * log_ratelimit() - Log at most once per second per call site
 * Usage: log_ratelimit(LOG_WARNING, now_ms, "fmt", ...)
 */
#define log_ratelimit(level, now_ms, ...)				\
	do {								\
		static uint64_t log_rl_last_ms_;			\
		static unsigned int log_rl_suppressed_;			\
		if ((now_ms) - log_rl_last_ms_ >= 1000 ||		\
		    !log_rl_last_ms_) {					\
			log_rl_last_ms_ = (now_ms) ? (now_ms) : 1;	\
			log_msg(level, __VA_ARGS__);			\
			if (log_rl_suppressed_)				\
				log_msg(level, "(%u similar messages "	\
					"suppressed)", log_rl_suppressed_); \
			log_rl_suppressed_ = 0;				\
		} else {						\
			log_rl_suppressed_++;				\
		}							\
	} while (0)

__attribute__((noreturn, format(printf, 1, 2)))
void die(const char *fmt, ...);

__attribute__((noreturn))
void log_assert_fail(const char *file, int line, const char *expr);

/* Our own invariants: stays on in release builds, prints before exiting */
#define ASSERT(expr)							\
	do {								\
		if (!(expr))						\
			log_assert_fail(__FILE__, __LINE__, #expr);	\
	} while (0)

#endif /* LOG_H */
