/*
 * log.h - logging with levels and a module/function prefix (STYLE.md §2).
 *
 * Every file defines LOG_MODULE ("ike", "eap", ...) before including this header.
 * Libraries only emit through the installed sink; the daemons choose where lines
 * go (journald under systemd, else stderr). Bad network input uses the
 * _ratelimited variants so a peer can never fill the journal.
 * Never pass a secret to these functions: struct secret has no format.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>

#include "clock.h"
#include "err.h"

#ifndef LOG_MODULE
#define LOG_MODULE "anyroam"
#endif

/* syslog(3) priorities, so journald gets them unchanged */
enum log_level {
	LOG_LEVEL_ERR = 3,
	LOG_LEVEL_WARNING = 4,
	LOG_LEVEL_INFO = 6,
	LOG_LEVEL_DEBUG = 7,
};

/* Structured fields that travel with a line (journald fields under systemd). */
struct log_fields {
	const char *session_id; /* ANYROAM_SESSION_ID */
	int reason_code; /* ANYROAM_REASON_CODE, 0 = none */
};

typedef void (*log_sink_func_t)(void *user_data, enum log_level level, const char *module,
				const char *func, const struct log_fields *fields, const char *msg);

/* Installs a sink; NULL restores the default (journald under systemd, else stderr). */
void log_set_sink(log_sink_func_t fn, void *user_data);
void log_set_level(enum log_level max_level);
enum log_level log_get_level(void);
bool log_enabled(enum log_level level);
/* The clock the rate limiter counts with (default CLOCK_BOOTTIME). */
void log_set_clock(const struct clock_ops *clock);
/* Parses "err", "warning", "info", "debug"; -EINVAL otherwise. */
int log_level_from_string(const char *s);
const char *log_level_to_string(enum log_level level);

void log_msg(enum log_level level, const char *module, const char *func,
	     const struct log_fields *fields, const char *fmt, ...) _printf_(5, 6);
void log_msgv(enum log_level level, const char *module, const char *func,
	      const struct log_fields *fields, const char *fmt, va_list ap) _printf_(5, 0);

/* Per call site: at most LOG_RATELIMIT_BURST lines per LOG_RATELIMIT_INTERVAL. */
struct log_ratelimit {
	usec_t begin;
	unsigned int count;
	unsigned int suppressed;
};
#define LOG_RATELIMIT_INTERVAL (5 * USEC_PER_SEC)
#define LOG_RATELIMIT_BURST 10
bool log_ratelimit_ok(struct log_ratelimit *rl);

#define log_full(level, ...) log_msg(level, LOG_MODULE, __func__, NULL, __VA_ARGS__)
#define log_err(...) log_full(LOG_LEVEL_ERR, __VA_ARGS__)
#define log_warning(...) log_full(LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_info(...) log_full(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_full(LOG_LEVEL_DEBUG, __VA_ARGS__)
/* Appends ": <err_str(r)>" to the line. */
#define log_fr(level, r, fmt, ...) \
	log_full(level, fmt ": %s", ##__VA_ARGS__, err_str(r))
#define log_err_fr(r, fmt, ...) log_fr(LOG_LEVEL_ERR, r, fmt, ##__VA_ARGS__)
#define log_warning_fr(r, fmt, ...) log_fr(LOG_LEVEL_WARNING, r, fmt, ##__VA_ARGS__)
#define log_debug_fr(r, fmt, ...) log_fr(LOG_LEVEL_DEBUG, r, fmt, ##__VA_ARGS__)
/* With structured fields (session, reason code). */
#define log_fields(level, f, ...) log_msg(level, LOG_MODULE, __func__, f, __VA_ARGS__)

#define log_ratelimited(level, ...)                                  \
	do {                                                         \
		static struct log_ratelimit _rl_;                    \
		if (log_enabled(level) && log_ratelimit_ok(&_rl_))   \
			log_full(level, __VA_ARGS__);                \
	} while (0)
#define log_debug_ratelimited(...) log_ratelimited(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_warning_ratelimited(...) log_ratelimited(LOG_LEVEL_WARNING, __VA_ARGS__)

/* Sinks the daemons can install or chain to. */
void log_sink_stderr(void *user_data, enum log_level level, const char *module, const char *func,
		     const struct log_fields *fields, const char *msg);
void log_sink_journal(void *user_data, enum log_level level, const char *module, const char *func,
		      const struct log_fields *fields, const char *msg);
/* True when stderr is connected to the journal (systemd sets JOURNAL_STREAM). */
bool log_running_under_journal(void);
