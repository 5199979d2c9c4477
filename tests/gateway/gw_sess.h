/*
 * gw_sess.h - the gateway's session databases (PROTOCOL.md §4.4, §7: D4-D7).
 *
 * A session is what survives the loss of its IKE SA: the user, the pinned address
 * lease, the session ID and token. It lives in one of two hash tables keyed by the ID:
 *
 *   active    a login or reconnect succeeded and an IKE SA carries it
 *   inactive  the SA was lost (DPD, `clear crypto session`); kept `reconnect timeout`
 *             seconds, then removed, its address back in the pool and its ID kept
 *             24 h in the expired-ID table (for the `expired-session` reason)
 *
 * A client Delete without logout ends a session at once. Sessions of standard EAP
 * clients (MSCHAPv2, MD5) have no token and are not reconnect-capable: losing the SA
 * ends them. Pure logic: time comes in as `now`, randomness through rng_ops.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/rng.h"
#include "gw_htab.h"

#define GW_SESS_ID_LEN	     18 /* PROTOCOL.md §7: 18 letters [A-Za-z] */
#define GW_SESS_TOKEN_BYTES  32 /* written as 64 uppercase hex characters */
#define GW_SESS_TOKEN_LEN    (2 * GW_SESS_TOKEN_BYTES)
#define GW_SESS_USER_MAX     64
#define GW_SESS_EXPIRED_KEEP (24 * 3600 * USEC_PER_SEC)

struct secret;

enum gw_sess_state {
	GW_SESS_STATE_ACTIVE,	/* an IKE SA carries the session */
	GW_SESS_STATE_INACTIVE, /* no SA; reconnectable until expires */
	_GW_SESS_STATE_MAX,
};

/* D7: the outcome of one reconnect attempt, in the order the checks run. */
enum gw_reconnect {
	GW_RECONNECT_OK,	      /* "reconnected" */
	GW_RECONNECT_RATE_LIMITED,    /* "rate-limited" */
	GW_RECONNECT_UNKNOWN_SESSION, /* "unknown-session" */
	GW_RECONNECT_EXPIRED_SESSION, /* "expired-session" */
	GW_RECONNECT_BAD_TOKEN,	      /* "bad-token" */
	_GW_RECONNECT_MAX,
};
const char *gw_reconnect_to_string(enum gw_reconnect r);

struct gw_sess {
	struct gw_hnode node;	       /* in the active or the inactive table, by id */
	struct gw_sess *older, *newer; /* inactive FIFO: expiry order (one timeout for all) */
	char id[GW_SESS_ID_LEN + 1];
	enum gw_sess_state state;
	bool reconnectable; /* has a token: EAP-AnyConnect login */
	struct secret *token;
	struct in_addr addr;	     /* the lease, pinned for the session's whole life */
	char user[GW_SESS_USER_MAX]; /* the EAP identity ("Remote EAP id") */
	uint32_t serial;	     /* the number IOS shows as "Session ID: 16" */
	unsigned int reconnects;     /* successful reconnects: capability R */
	uint64_t sa;		     /* our SPI of the IKE SA carrying it; 0 when inactive */
	usec_t created, changed;     /* changed: last state move */
	usec_t expires;		     /* inactive: when it is removed */
};

/* The counters of `show crypto ikev2 stats reconnect`. */
struct gw_sess_stats {
	uint64_t total; /* Total incoming reconnect connection */
	uint64_t success;
	uint64_t failed;
	uint64_t by_reason[_GW_RECONNECT_MAX];
	size_t active, inactive; /* reconnect-capable sessions */
	size_t active_all;	 /* every active session, standard EAP included */
	size_t expired_ids;
	size_t leases_free;
};

struct gw_sessdb_config {
	struct in_addr pool_first, pool_last; /* network order */
	usec_t reconnect_timeout;	      /* 0: sessions are never kept inactive */
	unsigned int rl_fails;		      /* failed reconnects from one source ... */
	usec_t rl_window;		      /* ... within this window ... */
	usec_t rl_hold;			      /* ... hold the source this long (D7) */
};

struct gw_sessdb;

/* rng is borrowed (the CSPRNG in the daemon, a seeded one in tests). */
struct gw_sessdb *gw_sessdb_new(const struct gw_sessdb_config *cfg, const struct rng_ops *rng);
struct gw_sessdb *gw_sessdb_free(struct gw_sessdb *db);

/*
 * A login succeeded far enough to need a session: a fresh ID, a token when
 * reconnectable (EAP-AnyConnect), an address lease. The session is active, carried by
 * sa. -ENOSPC when the pool is exhausted (INTERNAL_ADDRESS_FAILURE).
 */
_must_check_ int gw_sessdb_login(struct gw_sessdb *db, usec_t now, const char *user,
				 bool reconnectable, uint64_t sa, struct gw_sess **ret);

/* Active or inactive session by ID, or NULL. */
struct gw_sess *gw_sessdb_find(const struct gw_sessdb *db, const char *id, size_t len);
/* The active session carried by this IKE SA, or NULL. */
struct gw_sess *gw_sessdb_find_sa(const struct gw_sessdb *db, uint64_t sa);

/*
 * D7 checks 1-3 for a reconnect IDi from src: rate limit, unknown, expired. On
 * GW_RECONNECT_OK *ret is the session whose token keys the PSK; the caller then
 * verifies AUTH and reports gw_sessdb_reconnect_done() or _failed(BAD_TOKEN). Any
 * other outcome was already counted here.
 */
enum gw_reconnect gw_sessdb_reconnect_lookup(struct gw_sessdb *db, usec_t now, struct in_addr src,
					     const void *id, size_t len, struct gw_sess **ret);
/* AUTH did not match the token: counted, and the source's failure recorded. */
void gw_sessdb_reconnect_failed(struct gw_sessdb *db, usec_t now, struct in_addr src,
				enum gw_reconnect why);
/*
 * AUTH matched: the session becomes active on new_sa (from active or inactive).
 * *ret_old_sa is the SA it replaces (0 if none): the caller sends Delete on it once.
 */
void gw_sessdb_reconnect_done(struct gw_sessdb *db, usec_t now, struct gw_sess *s, uint64_t new_sa,
			      uint64_t *ret_old_sa);
/* The session's IKE SA was rekeyed (RFC 7296 §2.18): it follows to new_sa. */
void gw_sessdb_sa_rekeyed(struct gw_sessdb *db, struct gw_sess *s, uint64_t new_sa,
			  uint64_t *ret_old_sa);
/* D6: a fresh token replaces the stored one; returns a copy for the CP reply. */
_must_check_ int gw_sessdb_rotate_token(struct gw_sessdb *db, struct gw_sess *s,
					struct secret **ret_token);

/*
 * The session's SA was lost (DPD, `clear crypto session`, hard expiry): a
 * reconnectable session goes inactive, any other ends.
 */
void gw_sessdb_sa_lost(struct gw_sessdb *db, usec_t now, struct gw_sess *s);
/* The client deleted its IKE SA: the user logged out, the session ends. */
void gw_sessdb_end(struct gw_sessdb *db, usec_t now, struct gw_sess *s);

/* Expires inactive sessions and old expired IDs; returns the next deadline. */
usec_t gw_sessdb_tick(struct gw_sessdb *db, usec_t now);

void gw_sessdb_get_stats(const struct gw_sessdb *db, struct gw_sess_stats *ret);
/* Calls fn for every session, active ones first. */
typedef void (*gw_sess_visit_func_t)(void *user_data, const struct gw_sess *s);
void gw_sessdb_foreach(const struct gw_sessdb *db, gw_sess_visit_func_t fn, void *user_data);
/* Heap bytes the tables themselves take (buckets, lease bitmap), for the benchmark. */
size_t gw_sessdb_table_bytes(const struct gw_sessdb *db);

/* "ACTIVE", "INACTIVE" */
const char *gw_sess_state_to_string(enum gw_sess_state s);
