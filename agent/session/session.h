/*
 * session.h - the reconnectable session record (PROTOCOL.md §7, issue 8).
 *
 * What a full login leaves behind so that later IKE SAs can be built with
 * KEY_ID(session ID) + PSK(token) (PROTOCOL.md §4.2) without asking the user:
 * the gateway's session ID, the token (a struct secret, never printed), where the
 * gateway is, the address and attributes it assigned, the DH group that worked and
 * how long the gateway keeps the session after the SA is lost.
 *
 * It is persisted in the state directory (default /run/anyroam, a tmpfs: a reboot
 * forgets it, an agent restart does not) by session_store.c.
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/secret.h"

#define SESSION_ID_MAX			  64 /* PROTOCOL.md §7: 1-64 printable ASCII bytes */
#define SESSION_TOKEN_MIN		  16 /* PROTOCOL.md §7: 16-256 printable ASCII bytes */
#define SESSION_TOKEN_MAX		  256
#define SESSION_TEXT_MAX		  255 /* host names, addresses, attribute values */
#define SESSION_ATTRS_MAX		  64
#define SESSION_RECONNECT_TIMEOUT_DEFAULT (900 * USEC_PER_SEC) /* technote's reconnect timeout */

/* One CP attribute the gateway assigned, as text ("dns" "192.168.10.1"). */
struct session_attr {
	char *name;
	char *value;
};

struct session {
	char id[SESSION_ID_MAX + 1];
	struct secret *token;
	char host_name[SESSION_TEXT_MAX + 1]; /* profile HostName, for the log lines */
	char gateway[SESSION_TEXT_MAX + 1];   /* address the IKE SA went to */
	uint16_t gateway_port;
	char assigned_ipv4[SESSION_TEXT_MAX + 1];
	uint16_t dh_group;
	usec_t reconnect_timeout; /* the gateway's, else SESSION_RECONNECT_TIMEOUT_DEFAULT */
	usec_t lost_at;		  /* CLOCK_BOOTTIME when the SA was lost, 0 while up */
	size_t n_attrs;
	struct session_attr attrs[SESSION_ATTRS_MAX];
};

void session_init(struct session *s);
/* Frees the attributes and wipes the token; the record is empty afterwards. */
void session_done(struct session *s);

/* PROTOCOL.md §7 limits; -EBADMSG otherwise. */
_must_check_ int session_set_id(struct session *s, const char *id);
/* Takes a copy; the caller keeps tok. Replacing (token rotation, D6) wipes the old one. */
_must_check_ int session_set_token(struct session *s, const struct secret *tok);
_must_check_ int session_add_attr(struct session *s, const char *name, const char *value);
const char *session_get_attr(const struct session *s, const char *name);
/* Has what a reconnect needs: an ID and a token. */
bool session_can_reconnect(const struct session *s);
/* The gateway forgot the session: it was lost longer ago than its reconnect timeout. */
bool session_expired(const struct session *s, usec_t now);
/* Printable text of at most max bytes, no spaces when !spaces (IDs, addresses). */
bool session_text_ok(const char *t, size_t max, bool spaces);
