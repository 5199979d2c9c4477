/*
 * dart_scrub.h - the scrubber every text goes through before it enters a DART bundle.
 *
 * Secrets are never collected on purpose (the session file is not read; stats carry
 * no token, PRODUCT.md); this is the second line. It replaces with "[REDACTED]":
 *   - PEM blocks whose label ends in PRIVATE KEY (RFC 7468 §10/§11), whole;
 *   - known values (the live session token from the daemon) and their hex, anywhere;
 *   - values of XML elements and attributes, JSON members and `name=value`/`name: value`
 *     pairs whose name contains password, passwd, passphrase, token, secret, psk, key,
 *     cookie (so <session-token>, session_token, "password": ... all match);
 *   - conf files (agent.conf, gw.conf): the rest of a line after such a word, which
 *     covers IOS-style `username test password 0 cisco` and `pre-shared-key local X`.
 * With redact_users, login names (added, or learnt from <username> values and
 * `username NAME` lines) become DART_USER_PLACEHOLDER as whole words.
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "core/secret.h"

#define DART_REDACTED	      "[REDACTED]"
#define DART_USER_PLACEHOLDER "[USER]"
#define DART_SCRUB_USERS_MAX  64

enum dart_text_kind {
	DART_TEXT_PLAIN, /* logs, command output */
	DART_TEXT_CONF,	 /* KEY VALUE lines: agent.conf, gw.conf */
	_DART_TEXT_KIND_MAX,
};

struct dart_scrub {
	const struct secret *const *known;
	size_t n_known;
	bool redact_users;
	char *users[DART_SCRUB_USERS_MAX];
	size_t n_users;
};

void dart_scrub_init(struct dart_scrub *s, const struct secret *const *known, size_t n_known,
		     bool redact_users);
void dart_scrub_done(struct dart_scrub *s);
/* Adds a user name to redact (ignored when empty, a duplicate or over the cap). */
void dart_scrub_add_user(struct dart_scrub *s, const char *name);
/* Learns names from <username>NAME</username> and `username NAME` lines in text. */
void dart_scrub_learn_users(struct dart_scrub *s, const char *text);
/*
 * A scrubbed copy of text (len bytes, NUL bytes allowed) as a malloc'd NUL-terminated
 * string of *ret_len bytes; *ret_count (may be NULL) gets the number of replacements.
 */
char *dart_scrub_text(const struct dart_scrub *s, enum dart_text_kind kind, const char *text,
		      size_t len, size_t *ret_len, size_t *ret_count);
/* Whether a name (element, attribute, JSON member, conf key) names a secret. */
bool dart_scrub_is_secret_name(const char *name, size_t n);
