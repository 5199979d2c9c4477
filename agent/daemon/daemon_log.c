/* daemon_log.c - the event log (journald, DART-style file, ring); see daemon_log.h. */
#define LOG_MODULE "event"
#include "daemon_log.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/xmalloc.h"

static const char *const type_names[_DAEMON_LOG_TYPE_MAX] = {
	[DAEMON_LOG_INFORMATION] = "Information",
	[DAEMON_LOG_WARNING] = "Warning",
	[DAEMON_LOG_ERROR] = "Error",
};

const char *daemon_log_type_to_string(enum daemon_log_type t)
{
	return t < _DAEMON_LOG_TYPE_MAX ? type_names[t] : "Information";
}

static int open_file(struct daemon_log *l)
{
	struct stat st;

	l->fd = open(l->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (l->fd < 0)
		return -errno;
	l->size = fstat(l->fd, &st) == 0 ? (uint64_t)st.st_size : 0;
	return 0;
}

int daemon_log_init(struct daemon_log *l, const char *dir, uint64_t max_bytes)
{
	*l = (struct daemon_log){.fd = -1, .max_bytes = max_bytes, .realtime = clock_realtime_now};
	if (!dir)
		return 0;
	l->path = xmalloc(strlen(dir) + sizeof("/" DAEMON_LOG_FILE));
	sprintf(l->path, "%s/%s", dir, DAEMON_LOG_FILE);
	return open_file(l);
}

void daemon_log_done(struct daemon_log *l)
{
	if (l->fd >= 0)
		close(l->fd);
	free(l->path);
	*l = (struct daemon_log){.fd = -1};
}

void daemon_log_set_watch(struct daemon_log *l, daemon_log_watch_func_t fn, void *user_data)
{
	l->watch = fn;
	l->watch_data = user_data;
}

/* anyroam.log -> anyroam.log.1 (the previous .1 is replaced): bounded at 2 x max. */
static void rotate(struct daemon_log *l)
{
	char *old = xmalloc(strlen(l->path) + 3);

	sprintf(old, "%s.1", l->path);
	close(l->fd);
	l->fd = -1;
	if (rename(l->path, old) < 0)
		log_warning("cannot rotate %s: %s", l->path, strerror(errno));
	free(old);
	if (open_file(l) < 0)
		log_warning("cannot reopen %s: %s", l->path, strerror(errno));
}

static void write_file(struct daemon_log *l, const struct daemon_log_record *rec)
{
	char buf[DAEMON_LOG_TEXT_MAX + 256], date[16] = "", tim[16] = "";
	time_t t = (time_t)(rec->realtime / USEC_PER_SEC);
	struct tm tm;
	int n;

	if (l->fd < 0)
		return;
	if (localtime_r(&t, &tm)) {
		strftime(date, sizeof(date), "%m/%d/%Y", &tm);
		strftime(tim, sizeof(tim), "%H:%M:%S", &tm);
	}
	n = snprintf(buf, sizeof(buf),
		     "Date        : %s\nTime        : %s\nType        : %s\nSource      : %s\n\n"
		     "Description : %s\n\n******************************************\n\n",
		     date, tim, daemon_log_type_to_string(rec->type), rec->source, rec->text);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	if (write(l->fd, buf, (size_t)n) == n)
		l->size += (uint64_t)n;
	if (l->max_bytes && l->size > l->max_bytes)
		rotate(l);
}

static void to_journal(const struct daemon_log_record *rec)
{
	static const enum log_level levels[_DAEMON_LOG_TYPE_MAX] = {
		[DAEMON_LOG_INFORMATION] = LOG_LEVEL_INFO,
		[DAEMON_LOG_WARNING] = LOG_LEVEL_WARNING,
		[DAEMON_LOG_ERROR] = LOG_LEVEL_ERR,
	};
	struct log_fields f = {
		.session_id = rec->session_id[0] ? rec->session_id : NULL,
		.reason_code = rec->reason_code,
	};

	log_fields(levels[rec->type], &f, "%s", rec->text);
}

void daemon_log_record(struct daemon_log *l, enum daemon_log_type type, const char *source,
		       const char *session_id, int reason_code, const char *fmt, ...)
{
	struct daemon_log_record *rec;
	va_list ap;

	if (l->ring_len < DAEMON_LOG_RING)
		rec = &l->ring[(l->ring_start + l->ring_len++) % DAEMON_LOG_RING];
	else
		rec = &l->ring[l->ring_start],
		l->ring_start = (l->ring_start + 1) % DAEMON_LOG_RING;
	*rec = (struct daemon_log_record){
		.realtime = l->realtime(),
		.type = type,
		.source = source,
		.reason_code = reason_code,
	};
	if (session_id)
		snprintf(rec->session_id, sizeof(rec->session_id), "%s", session_id);
	va_start(ap, fmt);
	vsnprintf(rec->text, sizeof(rec->text), fmt, ap);
	va_end(ap);
	to_journal(rec);
	write_file(l, rec);
	if (l->watch)
		l->watch(l->watch_data, rec);
}

size_t daemon_log_count(const struct daemon_log *l)
{
	return l->ring_len;
}

const struct daemon_log_record *daemon_log_at(const struct daemon_log *l, size_t i)
{
	return i < l->ring_len ? &l->ring[(l->ring_start + i) % DAEMON_LOG_RING] : NULL;
}
