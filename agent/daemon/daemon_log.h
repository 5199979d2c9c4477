/*
 * daemon_log.h - the event log: every state change, reconnect reason and failure as a
 * structured record (issue 7), in three places:
 *   - journald, with ANYROAM_SESSION_ID and ANYROAM_REASON_CODE (core/log.h log_fields);
 *   - DIR/anyroam.log, in the DART shape of the seed's client log:
 *         Date        : 03/13/2025
 *         Time        : 03:08:44
 *         Type        : Warning
 *         Source      : anyroamd
 *
 *         Description : Session level reconnect reason code 9: System resume ...
 *     rotated to anyroam.log.1 above a size, so it never grows without bound;
 *   - a ring of the last DAEMON_LOG_RING records for `anyroam events`, and a watcher
 *     that pushes each new record to `events --follow` clients.
 * Never pass a secret: descriptions are shown to people and bundled by DART.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/clock.h"
#include "core/log.h"

#define DAEMON_LOG_FILE	    "anyroam.log"
#define DAEMON_LOG_RING	    256
#define DAEMON_LOG_TEXT_MAX 1024

/* Cisco's DART record types. */
enum daemon_log_type {
	DAEMON_LOG_INFORMATION,
	DAEMON_LOG_WARNING,
	DAEMON_LOG_ERROR,
	_DAEMON_LOG_TYPE_MAX,
};

struct daemon_log_record {
	usec_t realtime;
	enum daemon_log_type type;
	const char *source; /* "anyroamd" (the agent) or "anyroam" (a message to the user) */
	char text[DAEMON_LOG_TEXT_MAX];
	char session_id[65];
	int reason_code;
};

typedef void (*daemon_log_watch_func_t)(void *user_data, const struct daemon_log_record *rec);

struct daemon_log {
	int fd; /* the DART-style file, -1 when none */
	char *path;
	uint64_t size;
	uint64_t max_bytes;
	struct daemon_log_record ring[DAEMON_LOG_RING];
	size_t ring_start, ring_len;
	daemon_log_watch_func_t watch;
	void *watch_data;
	/* tests: a fixed wall clock instead of clock_realtime_now() */
	usec_t (*realtime)(void);
};

/* dir NULL: no file (records still go to journald, the ring and the watcher). */
int daemon_log_init(struct daemon_log *l, const char *dir, uint64_t max_bytes);
void daemon_log_done(struct daemon_log *l);
void daemon_log_set_watch(struct daemon_log *l, daemon_log_watch_func_t fn, void *user_data);
const char *daemon_log_type_to_string(enum daemon_log_type t);

void daemon_log_record(struct daemon_log *l, enum daemon_log_type type, const char *source,
		       const char *session_id, int reason_code, const char *fmt, ...)
	_printf_(6, 7);
/* i-th oldest record in the ring (i < daemon_log_count()). */
size_t daemon_log_count(const struct daemon_log *l);
const struct daemon_log_record *daemon_log_at(const struct daemon_log *l, size_t i);
