/*
 * ctl_msg.h - the control protocol between anyroamd and anyroam (codec only, no I/O).
 *
 * A message travels as one frame on a stream (AF_UNIX SOCK_STREAM):
 *
 *   u32 length       bytes that follow (CTL_FRAME_MIN..CTL_FRAME_MAX)
 *   u8  version      CTL_VERSION; anything else is refused (-EPROTO)
 *   u8  kind         request / response / event
 *   u16 type         what the request, response or event is about
 *   u32 id           request id; a response carries its request's id, events carry 0
 *   u16 count        number of fields (<= CTL_FIELDS_MAX)
 *   count x field:   u16 tag, u8 field type, u16 length, value
 *                    (int: 8 bytes, two's complement; str: printable UTF-8, no NUL;
 *                     secret: opaque bytes, decoded straight into a struct secret)
 *
 * Every tag has exactly one field type (ctl_field_type_of), so a decoder never
 * guesses; tags may repeat (the fields of a login form, the list of hosts). Decoding
 * is strict: unknown version/kind/type/tag, a type mismatch, a short or trailing byte,
 * a string with a control character or a value over its cap is -EBADMSG/-EPROTO/-EMSGSIZE.
 *
 * A response has the type of its request and carries CTL_F_ERRNO (0 = success) and,
 * on failure, CTL_F_MESSAGE, the one line a person reads.
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/secret.h"

#define CTL_VERSION    1
#define CTL_FRAME_HDR  4	      /* the u32 length */
#define CTL_BODY_HDR   10	      /* version, kind, type, id, count */
#define CTL_FRAME_MAX  (256u * 1024u) /* body bytes; a host list or form fits easily */
#define CTL_FIELDS_MAX 1024
#define CTL_STR_MAX    4096
#define CTL_SECRET_MAX 1024

enum ctl_kind {
	CTL_KIND_REQUEST = 1,
	CTL_KIND_RESPONSE = 2,
	CTL_KIND_EVENT = 3,
	_CTL_KIND_MAX,
	_CTL_KIND_INVALID = -EINVAL,
};

/* X(NAME, name-as-shown): requests and the events the daemon pushes. */
#define CTL_TYPES(X)                                                                    \
	X(CONNECT, "connect") /* HOST [SCRIPT] -> progress, forms  */                   \
	X(DISCONNECT, "disconnect")                                                     \
	X(STATE, "state")			/* -> STATE, REASON_CODE, HOST       */ \
	X(STATS, "stats")			/* -> the stats fields               */ \
	X(HOSTS, "hosts")			/* -> HOST_NAME/HOST_ADDRESS pairs   */ \
	X(EVENTS_SUBSCRIBE, "events-subscribe") /* [FOLLOW] -> RECORD events       */   \
	X(ANSWER_FORM, "answer-form")		/* FORM_ID, FIELD_NAME/FIELD_VALUE   */ \
	X(DART, "dart")				/* [PATH]                            */ \
	X(SIMULATE_RESUME, "simulate-resume")                                           \
	X(EV_STATE, "state-change") /* STATE, REASON_CODE, MESSAGE       */             \
	X(EV_PROGRESS, "progress")  /* MESSAGE                           */             \
	X(EV_FORM, "form")	    /* FORM_ID, MESSAGE, FIELD_* triples */             \
	X(EV_ERROR, "error")	    /* ERRNO, MESSAGE                    */             \
	X(EV_RECORD, "record")	    /* an event-log record               */

#define CTL_TYPE_ENUM_(n, s) CTL_TYPE_##n,
enum ctl_type {
	_CTL_TYPE_NONE = 0,
	CTL_TYPES(CTL_TYPE_ENUM_) _CTL_TYPE_MAX,
	_CTL_TYPE_INVALID = -EINVAL,
};
#undef CTL_TYPE_ENUM_

enum ctl_field_type {
	CTL_FT_INT = 1,
	CTL_FT_STR = 2,
	CTL_FT_SECRET = 3,
	_CTL_FT_MAX,
};

/* X(NAME, field type, json/name) - tags on the wire are the enum values (1..). */
#define CTL_FIELDS(X)                                          \
	X(HOST, STR, "host")                                   \
	X(STATE, STR, "state")                                 \
	X(REASON_CODE, INT, "reason_code")                     \
	X(MESSAGE, STR, "message")                             \
	X(ERRNO, INT, "errno")                                 \
	X(FOLLOW, INT, "follow")                               \
	X(SCRIPT, INT, "script")                               \
	X(FORM_ID, INT, "form_id")                             \
	X(FIELD_NAME, STR, "field_name")                       \
	X(FIELD_TYPE, STR, "field_type")                       \
	X(FIELD_LABEL, STR, "field_label")                     \
	X(FIELD_VALUE, SECRET, "field_value")                  \
	X(HOST_NAME, STR, "host_name")                         \
	X(HOST_ADDRESS, STR, "host_address")                   \
	X(ASSIGNED_IPV4, STR, "assigned_ipv4")                 \
	X(SESSION_ID, STR, "session_id")                       \
	X(RECONNECTS, INT, "reconnects")                       \
	X(LAST_RECONNECT_REASON, INT, "last_reconnect_reason") \
	X(LAST_RECONNECT_MS, INT, "last_reconnect_ms")         \
	X(BYTES_IN, INT, "bytes_in")                           \
	X(BYTES_OUT, INT, "bytes_out")                         \
	X(PACKETS_IN, INT, "packets_in")                       \
	X(PACKETS_OUT, INT, "packets_out")                     \
	X(UPTIME_S, INT, "uptime_s")                           \
	X(TIME_USEC, INT, "time_usec")                         \
	X(RECORD_TYPE, STR, "type")                            \
	X(RECORD_SOURCE, STR, "source")                        \
	X(PATH, STR, "path")                                   \
	X(REDACT_USERS, INT, "redact_users") /* dart: replace user names with [USER] */

#define CTL_FIELD_ENUM_(n, t, s) CTL_F_##n,
enum ctl_field {
	_CTL_F_NONE = 0,
	CTL_FIELDS(CTL_FIELD_ENUM_) _CTL_F_MAX,
	_CTL_F_INVALID = -EINVAL,
};
#undef CTL_FIELD_ENUM_

struct ctl_value {
	enum ctl_field tag;
	enum ctl_field_type type;
	union {
		int64_t i;
		char *str;
		struct secret *secret;
	};
};

struct ctl_msg {
	enum ctl_kind kind;
	enum ctl_type type;
	uint32_t id;
	size_t n_fields;
	size_t cap_fields;
	struct ctl_value *fields;
};

const char *ctl_type_to_string(enum ctl_type t);
enum ctl_type ctl_type_from_string(const char *s);
const char *ctl_field_to_string(enum ctl_field f);
enum ctl_field_type ctl_field_type_of(enum ctl_field f);
/* Requests go client -> daemon; events daemon -> client; responses answer requests. */
bool ctl_type_is_request(enum ctl_type t);

void ctl_msg_init(struct ctl_msg *m, enum ctl_kind kind, enum ctl_type type, uint32_t id);
/* Frees the values (secrets wiped) and re-initialises to an empty message. */
void ctl_msg_done(struct ctl_msg *m);

/* Builders: -EINVAL for a tag of another type, -EMSGSIZE over a cap. */
int ctl_msg_add_int(struct ctl_msg *m, enum ctl_field tag, int64_t v);
int ctl_msg_add_str(struct ctl_msg *m, enum ctl_field tag, const char *s);
/* Copies the secret's bytes; the caller keeps its own. */
int ctl_msg_add_secret(struct ctl_msg *m, enum ctl_field tag, const struct secret *s);

/* First field with the tag; -ENOENT when absent. */
int ctl_msg_get_int(const struct ctl_msg *m, enum ctl_field tag, int64_t *ret);
const char *ctl_msg_get_str(const struct ctl_msg *m, enum ctl_field tag);
const struct secret *ctl_msg_get_secret(const struct ctl_msg *m, enum ctl_field tag);

/* Appends the whole frame (length prefix included) to wr. */
int ctl_msg_encode(const struct ctl_msg *m, struct buf_writer *wr);
/* Decodes one body (the bytes after the length prefix) into *ret (untouched on failure). */
_must_check_ int ctl_msg_decode(const uint8_t *p, size_t n, struct ctl_msg *ret);

/* A response to req: its type and id, ERRNO = r, MESSAGE = text when text != NULL. */
void ctl_msg_init_response(struct ctl_msg *m, const struct ctl_msg *req, int r, const char *text);
