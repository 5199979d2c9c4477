/* log.c - levels, prefixes, sinks and the per-call-site rate limiter. */
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static log_sink_func_t sink_fn;
static void *sink_ud;
static enum log_level max_level = LOG_LEVEL_INFO;
static const struct clock_ops *rl_clock = &clock_boottime;

void log_set_sink(log_sink_func_t fn, void *user_data)
{
	sink_fn = fn;
	sink_ud = user_data;
}

void log_set_level(enum log_level level)
{
	max_level = level;
}

enum log_level log_get_level(void)
{
	return max_level;
}

bool log_enabled(enum log_level level)
{
	return level <= max_level;
}

void log_set_clock(const struct clock_ops *clock)
{
	rl_clock = clock ? clock : &clock_boottime;
}

static const struct {
	enum log_level level;
	const char *name;
} level_names[] = {
	{ LOG_LEVEL_ERR, "err" },
	{ LOG_LEVEL_WARNING, "warning" },
	{ LOG_LEVEL_INFO, "info" },
	{ LOG_LEVEL_DEBUG, "debug" },
};

int log_level_from_string(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(level_names); i++)
		if (strcmp(s, level_names[i].name) == 0)
			return (int)level_names[i].level;
	return -EINVAL;
}

const char *log_level_to_string(enum log_level level)
{
	for (size_t i = 0; i < ARRAY_SIZE(level_names); i++)
		if (level_names[i].level == level)
			return level_names[i].name;
	return "?";
}

bool log_running_under_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long dev, ino;
	struct stat st;

	/* systemd sets JOURNAL_STREAM=dev:ino of the stream it connected to stderr */
	if (!e || sscanf(e, "%lu:%lu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) < 0)
		return false;
	return st.st_dev == dev && st.st_ino == ino;
}

void log_sink_stderr(void *user_data, enum log_level level, const char *module, const char *func,
		     const struct log_fields *fields, const char *msg)
{
	(void)user_data;
	(void)fields;
	fprintf(stderr, "%s: %s: %s: %s\n", log_level_to_string(level), module, func, msg);
}

static void default_sink(enum log_level level, const char *module, const char *func,
			 const struct log_fields *fields, const char *msg)
{
	static int journal = -1;

	if (journal < 0)
		journal = log_running_under_journal();
	if (journal)
		log_sink_journal(NULL, level, module, func, fields, msg);
	else
		log_sink_stderr(NULL, level, module, func, fields, msg);
}

void log_msgv(enum log_level level, const char *module, const char *func,
	      const struct log_fields *fields, const char *fmt, va_list ap)
{
	char line[2048];

	if (!log_enabled(level))
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (sink_fn)
		sink_fn(sink_ud, level, module, func, fields, line);
	else
		default_sink(level, module, func, fields, line);
}

void log_msg(enum log_level level, const char *module, const char *func,
	     const struct log_fields *fields, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_msgv(level, module, func, fields, fmt, ap);
	va_end(ap);
}

bool log_ratelimit_ok(struct log_ratelimit *rl)
{
	usec_t now = clock_now(rl_clock);

	if (rl->begin == 0 || now - rl->begin >= LOG_RATELIMIT_INTERVAL) {
		if (rl->suppressed)
			log_msg(LOG_LEVEL_DEBUG, "log", __func__, NULL,
				"%u similar messages suppressed", rl->suppressed);
		rl->begin = now ? now : 1;
		rl->count = 0;
		rl->suppressed = 0;
	}
	if (rl->count < LOG_RATELIMIT_BURST) {
		rl->count++;
		return true;
	}
	rl->suppressed++;
	return false;
}
