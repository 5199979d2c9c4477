/*
 * session_store.h - the session record on disk (issue 8: survives an agent restart).
 *
 * File DIR/session, mode 0600, written atomically: DIR/.session.tmp, fsync, rename,
 * fsync(DIR); so a crash leaves either the old or the new record (the token rotation
 * of PROTOCOL.md §7 D6 depends on that). The format is text, one key=value a line:
 *
 *   anyroam-session 1            first line, the format version
 *   id=rIUHKccDRiUtFTATwq
 *   token=<hex of the token>     hex so the file never holds raw control bytes
 *   host_name=IKEv2_Gateway
 *   gateway=10.2.0.2
 *   gateway_port=4500
 *   assigned_ipv4=192.168.20.5
 *   dh_group=19
 *   reconnect_timeout_us=900000000
 *   lost_at_us=0                 CLOCK_BOOTTIME (the file lives on a tmpfs: same boot)
 *   attr=NAME VALUE              repeated
 *
 * Parsing is strict: an unknown key, a duplicate, a bad value, or a missing id or
 * token is -EBADMSG, and the caller discards the file.
 */
#pragma once
#include "core/buf.h"
#include "session/session.h"

#define SESSION_STORE_FILE     "session"
#define SESSION_STORE_SIZE_MAX (64u * 1024u)

/* Pure halves, for tests and fuzzing: the writer is marked sensitive (holds the token). */
int session_store_format(const struct session *s, struct buf_writer *wr);
_must_check_ int session_store_parse(const char *text, size_t n, struct session *ret);

_must_check_ int session_store_save(const struct session *s, const char *dir);
/* -ENOENT when there is no stored session. */
_must_check_ int session_store_load(const char *dir, struct session *ret);
/* Removing a record that is not there is success. */
int session_store_remove(const char *dir);
