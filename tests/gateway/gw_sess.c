/*
 * gw_sess.c - active and inactive session databases, address leases, reconnect
 * decisions (D5, D7), token rotation (D6) and the reconnect counters; see gw_sess.h.
 *
 * Timers (all CLOCK_BOOTTIME, driven by gw_sessdb_tick()):
 * - inactive expiry: changed + reconnect_timeout; one timeout for all, so the inactive
 *   FIFO is in expiry order and a tick only looks at its head
 * - expired IDs: kept GW_SESS_EXPIRED_KEEP after expiry, FIFO as well
 * - rate-limit entries: dropped once older than window and hold, swept every window
 */
#define LOG_MODULE "gw"
#include "gw_sess.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "core/log.h"
#include "core/secret.h"
#include "core/xmalloc.h"

#define RL_MAX_SOURCES 65536

/* An expired session's ID, kept so a late reconnect gets `expired-session`. */
struct expired_id {
	struct gw_hnode node;
	struct expired_id *newer;
	char id[GW_SESS_ID_LEN + 1];
	usec_t forget_at;
};

/* Failed reconnects of one source address (D7 rate limit). */
struct rl_entry {
	struct gw_hnode node;
	struct in_addr src;
	unsigned int fails;
	usec_t window_start, hold_until;
};

struct sa_link {
	struct gw_hnode node; /* keyed by sa */
	struct gw_sess *sess;
};

struct gw_sessdb {
	struct gw_sessdb_config cfg;
	const struct rng_ops *rng;
	struct gw_htab active, inactive, expired, by_sa, rl;
	struct gw_sess *inactive_oldest, *inactive_newest;
	struct expired_id *expired_oldest, *expired_newest;
	uint8_t *leases; /* bitmap over the pool */
	uint32_t pool_base, pool_size, lease_cursor, leases_used;
	uint32_t next_serial;
	usec_t rl_sweep_at;
	struct gw_sess_stats stats; /* counters; the sizes are filled on demand */
};

static const char *const reconnect_names[_GW_RECONNECT_MAX] = {
	[GW_RECONNECT_OK] = "reconnected",
	[GW_RECONNECT_RATE_LIMITED] = "rate-limited",
	[GW_RECONNECT_UNKNOWN_SESSION] = "unknown-session",
	[GW_RECONNECT_EXPIRED_SESSION] = "expired-session",
	[GW_RECONNECT_BAD_TOKEN] = "bad-token",
};

const char *gw_reconnect_to_string(enum gw_reconnect r)
{
	return r >= 0 && r < _GW_RECONNECT_MAX ? reconnect_names[r] : "?";
}

const char *gw_sess_state_to_string(enum gw_sess_state s)
{
	switch (s) {
	case GW_SESS_STATE_ACTIVE:
		return "ACTIVE";
	case GW_SESS_STATE_INACTIVE:
		return "INACTIVE";
	case _GW_SESS_STATE_MAX:
		break;
	}
	return "?";
}

struct gw_sessdb *gw_sessdb_new(const struct gw_sessdb_config *cfg, const struct rng_ops *rng)
{
	struct gw_sessdb *db = xcalloc(1, sizeof(*db));
	uint64_t seed[5];
	unsigned int i;

	db->cfg = *cfg;
	db->rng = rng;
	if (rng_bytes(rng, seed, sizeof(seed)) < 0)
		memset(seed, 0x5a, sizeof(seed)); /* the tables work with any seed */
	gw_htab_init(&db->active, seed[0]);
	gw_htab_init(&db->inactive, seed[1]);
	gw_htab_init(&db->expired, seed[2]);
	gw_htab_init(&db->by_sa, seed[3]);
	gw_htab_init(&db->rl, seed[4]);
	db->pool_base = ntohl(cfg->pool_first.s_addr);
	db->pool_size = ntohl(cfg->pool_last.s_addr) - db->pool_base + 1;
	db->leases = xcalloc((db->pool_size + 7) / 8, 1);
	db->next_serial = 1;
	for (i = 0; i < ARRAY_SIZE(seed); i++)
		seed[i] = 0;
	return db;
}

static void free_table(struct gw_htab *t, size_t off)
{
	size_t i;
	struct gw_hnode *n, *next;

	for (i = 0; i < t->n_buckets; i++) {
		for (n = t->buckets[i]; n; n = next) {
			next = n->next;
			free((char *)n - off);
		}
	}
	gw_htab_done(t);
}

static void sess_free_all(struct gw_htab *t)
{
	size_t i;
	struct gw_hnode *n, *next;

	for (i = 0; i < t->n_buckets; i++) {
		for (n = t->buckets[i]; n; n = next) {
			struct gw_sess *s = gw_container_of(n, struct gw_sess, node);

			next = n->next;
			secret_free(s->token);
			free(s);
		}
	}
	gw_htab_done(t);
}

struct gw_sessdb *gw_sessdb_free(struct gw_sessdb *db)
{
	if (!db)
		return NULL;
	sess_free_all(&db->active);
	sess_free_all(&db->inactive);
	free_table(&db->expired, offsetof(struct expired_id, node));
	free_table(&db->by_sa, offsetof(struct sa_link, node));
	free_table(&db->rl, offsetof(struct rl_entry, node));
	free(db->leases);
	free(db);
	return NULL;
}

/* ---- leases ---- */

static bool lease_taken(const struct gw_sessdb *db, uint32_t i)
{
	return db->leases[i / 8] & (1u << (i % 8));
}

/* Round robin from a cursor, so a released address is the last to be handed out again. */
static int lease_get(struct gw_sessdb *db, struct in_addr *ret)
{
	uint32_t k, i;

	if (db->leases_used == db->pool_size)
		return -ENOSPC;
	for (k = 0; k < db->pool_size; k++) {
		i = (db->lease_cursor + k) % db->pool_size;
		if (!lease_taken(db, i)) {
			db->leases[i / 8] |= (uint8_t)(1u << (i % 8));
			db->leases_used++;
			db->lease_cursor = (i + 1) % db->pool_size;
			ret->s_addr = htonl(db->pool_base + i);
			return 0;
		}
	}
	return -ENOSPC;
}

static void lease_put(struct gw_sessdb *db, struct in_addr a)
{
	uint32_t i = ntohl(a.s_addr) - db->pool_base;

	if (i >= db->pool_size || !lease_taken(db, i))
		return;
	db->leases[i / 8] &= (uint8_t) ~(1u << (i % 8));
	db->leases_used--;
}

/* ---- IDs and tokens (D4) ---- */

static struct gw_sess *table_find(const struct gw_htab *t, const char *id, size_t len)
{
	uint64_t h = gw_htab_hash(t, id, len);
	struct gw_hnode *n;

	for (n = gw_htab_bucket(t, h); n; n = n->next) {
		struct gw_sess *s = gw_container_of(n, struct gw_sess, node);

		if (n->hash == h && len == GW_SESS_ID_LEN && memcmp(s->id, id, len) == 0)
			return s;
	}
	return NULL;
}

static struct expired_id *expired_find(const struct gw_sessdb *db, const char *id, size_t len)
{
	uint64_t h = gw_htab_hash(&db->expired, id, len);
	struct gw_hnode *n;

	for (n = gw_htab_bucket(&db->expired, h); n; n = n->next) {
		struct expired_id *e = gw_container_of(n, struct expired_id, node);

		if (n->hash == h && len == GW_SESS_ID_LEN && memcmp(e->id, id, len) == 0)
			return e;
	}
	return NULL;
}

static bool id_in_use(const struct gw_sessdb *db, const char *id)
{
	return table_find(&db->active, id, GW_SESS_ID_LEN) ||
	       table_find(&db->inactive, id, GW_SESS_ID_LEN) ||
	       expired_find(db, id, GW_SESS_ID_LEN);
}

/*
 * 18 letters, each uniform over [A-Za-z]: a random byte is kept only below 208 = 4 x 52
 * (rejection sampling), then taken mod 52; one CSPRNG call serves a whole ID.
 */
static int new_id(struct gw_sessdb *db, char out[GW_SESS_ID_LEN + 1])
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	uint8_t rnd[64];
	size_t used = sizeof(rnd);
	int i, tries, r;

	for (tries = 0; tries < 16; tries++) {
		for (i = 0; i < GW_SESS_ID_LEN;) {
			if (used == sizeof(rnd)) {
				if ((r = rng_bytes(db->rng, rnd, sizeof(rnd))) < 0)
					return r;
				used = 0;
			}
			if (rnd[used] < 4 * 52)
				out[i++] = alphabet[rnd[used] % 52];
			used++;
		}
		out[GW_SESS_ID_LEN] = 0;
		if (!id_in_use(db, out)) /* unique among active, inactive and expired */
			return 0;
	}
	return -EEXIST; /* 52^18 IDs: only a broken generator gets here */
}

/* 32 CSPRNG bytes as 64 uppercase hex characters; the PSK is these characters (§5.4) */
static int new_token(struct gw_sessdb *db, struct secret **ret)
{
	uint8_t raw[GW_SESS_TOKEN_BYTES];
	char hex[GW_SESS_TOKEN_LEN + 1];
	int r;

	if ((r = rng_bytes(db->rng, raw, sizeof(raw))) < 0)
		return r;
	hex_encode(raw, sizeof(raw), hex, 1);
	*ret = secret_from(hex, GW_SESS_TOKEN_LEN);
	secret_wipe(raw, sizeof(raw));
	secret_wipe(hex, sizeof(hex));
	return 0;
}

/* ---- SA links ---- */

static struct sa_link *sa_find(const struct gw_sessdb *db, uint64_t sa)
{
	uint64_t h = gw_htab_hash(&db->by_sa, &sa, sizeof(sa));
	struct gw_hnode *n;

	for (n = gw_htab_bucket(&db->by_sa, h); n; n = n->next) {
		struct sa_link *l = gw_container_of(n, struct sa_link, node);

		if (n->hash == h && l->sess->sa == sa)
			return l;
	}
	return NULL;
}

static void sa_unlink(struct gw_sessdb *db, struct gw_sess *s)
{
	struct sa_link *l;

	if (!s->sa)
		return;
	if ((l = sa_find(db, s->sa))) {
		gw_htab_remove(&db->by_sa, &l->node);
		free(l);
	}
	s->sa = 0;
}

static void sa_link(struct gw_sessdb *db, struct gw_sess *s, uint64_t sa)
{
	struct sa_link *l = xcalloc(1, sizeof(*l));

	s->sa = sa;
	l->sess = s;
	l->node.hash = gw_htab_hash(&db->by_sa, &sa, sizeof(sa));
	gw_htab_insert(&db->by_sa, &l->node);
}

struct gw_sess *gw_sessdb_find_sa(const struct gw_sessdb *db, uint64_t sa)
{
	struct sa_link *l = sa ? sa_find(db, sa) : NULL;

	return l ? l->sess : NULL;
}

struct gw_sess *gw_sessdb_find(const struct gw_sessdb *db, const char *id, size_t len)
{
	struct gw_sess *s = table_find(&db->active, id, len);

	return s ? s : table_find(&db->inactive, id, len);
}

/* ---- state moves: the only writer of s->state ---- */

static void inactive_unlink(struct gw_sessdb *db, struct gw_sess *s)
{
	if (s->older)
		s->older->newer = s->newer;
	else
		db->inactive_oldest = s->newer;
	if (s->newer)
		s->newer->older = s->older;
	else
		db->inactive_newest = s->older;
	s->older = s->newer = NULL;
	gw_htab_remove(&db->inactive, &s->node);
}

static void set_state(struct gw_sessdb *db, usec_t now, struct gw_sess *s, enum gw_sess_state to)
{
	struct gw_htab *t = to == GW_SESS_STATE_ACTIVE ? &db->active : &db->inactive;

	log_debug("session %s: %s -> %s", s->id, gw_sess_state_to_string(s->state),
		  gw_sess_state_to_string(to));
	if (s->state == GW_SESS_STATE_INACTIVE)
		inactive_unlink(db, s);
	else
		gw_htab_remove(&db->active, &s->node);
	s->state = to;
	s->changed = now;
	s->node.hash = gw_htab_hash(t, s->id, GW_SESS_ID_LEN);
	gw_htab_insert(t, &s->node);
	if (to == GW_SESS_STATE_INACTIVE) {
		s->expires = now + db->cfg.reconnect_timeout;
		s->older = db->inactive_newest;
		s->newer = NULL;
		if (db->inactive_newest)
			db->inactive_newest->newer = s;
		else
			db->inactive_oldest = s;
		db->inactive_newest = s;
	}
}

static void remember_expired(struct gw_sessdb *db, usec_t now, const char *id)
{
	struct expired_id *e = xcalloc(1, sizeof(*e));

	memcpy(e->id, id, sizeof(e->id));
	e->forget_at = now + GW_SESS_EXPIRED_KEEP;
	e->node.hash = gw_htab_hash(&db->expired, e->id, GW_SESS_ID_LEN);
	gw_htab_insert(&db->expired, &e->node);
	if (db->expired_newest)
		db->expired_newest->newer = e;
	else
		db->expired_oldest = e;
	db->expired_newest = e;
}

/* Removes the session from every table, frees it; expired: keep its ID 24 h. */
static void destroy(struct gw_sessdb *db, usec_t now, struct gw_sess *s, bool expired)
{
	sa_unlink(db, s);
	if (s->state == GW_SESS_STATE_INACTIVE)
		inactive_unlink(db, s);
	else
		gw_htab_remove(&db->active, &s->node);
	lease_put(db, s->addr);
	if (expired)
		remember_expired(db, now, s->id);
	secret_free(s->token);
	free(s);
}

int gw_sessdb_login(struct gw_sessdb *db, usec_t now, const char *user, bool reconnectable,
		    uint64_t sa, struct gw_sess **ret)
{
	struct gw_sess *s = xcalloc(1, sizeof(*s));
	int r;

	if ((r = new_id(db, s->id)) < 0 || (reconnectable && (r = new_token(db, &s->token)) < 0) ||
	    (r = lease_get(db, &s->addr)) < 0) {
		secret_free(s->token);
		free(s);
		return r;
	}
	snprintf(s->user, sizeof(s->user), "%s", user ? user : "");
	s->reconnectable = reconnectable;
	s->serial = db->next_serial++;
	s->state = GW_SESS_STATE_ACTIVE;
	s->created = s->changed = now;
	s->node.hash = gw_htab_hash(&db->active, s->id, GW_SESS_ID_LEN);
	gw_htab_insert(&db->active, &s->node);
	if (sa)
		sa_link(db, s, sa);
	*ret = s;
	return 0;
}

/* ---- D7 rate limit ---- */

static struct rl_entry *rl_find(const struct gw_sessdb *db, struct in_addr src)
{
	uint64_t h = gw_htab_hash(&db->rl, &src, sizeof(src));
	struct gw_hnode *n;

	for (n = gw_htab_bucket(&db->rl, h); n; n = n->next) {
		struct rl_entry *e = gw_container_of(n, struct rl_entry, node);

		if (n->hash == h && e->src.s_addr == src.s_addr)
			return e;
	}
	return NULL;
}

static bool rl_held(const struct gw_sessdb *db, usec_t now, struct in_addr src)
{
	const struct rl_entry *e = rl_find(db, src);

	return e && now < e->hold_until;
}

static void rl_record_failure(struct gw_sessdb *db, usec_t now, struct in_addr src)
{
	struct rl_entry *e = rl_find(db, src);

	if (!e) {
		if (db->rl.n >= RL_MAX_SOURCES)
			return; /* under a spread-out flood the per-source memory stays bounded */
		e = xcalloc(1, sizeof(*e));
		e->src = src;
		e->window_start = now;
		e->node.hash = gw_htab_hash(&db->rl, &src, sizeof(src));
		gw_htab_insert(&db->rl, &e->node);
	}
	if (now - e->window_start > db->cfg.rl_window) {
		e->window_start = now;
		e->fails = 0;
	}
	if (++e->fails >= db->cfg.rl_fails && db->cfg.rl_fails) {
		e->hold_until = now + db->cfg.rl_hold;
		e->fails = 0;
		e->window_start = now;
	}
}

static void rl_sweep(struct gw_sessdb *db, usec_t now)
{
	usec_t keep = db->cfg.rl_window > db->cfg.rl_hold ? db->cfg.rl_window : db->cfg.rl_hold;
	size_t i;
	struct gw_hnode *n, *next;

	for (i = 0; i < db->rl.n_buckets; i++) {
		for (n = db->rl.buckets[i]; n; n = next) {
			struct rl_entry *e = gw_container_of(n, struct rl_entry, node);

			next = n->next;
			if (now >= e->hold_until && now - e->window_start > keep) {
				gw_htab_remove(&db->rl, n);
				free(e);
			}
		}
	}
}

/* ---- reconnect (D5, D7) ---- */

static void count(struct gw_sessdb *db, enum gw_reconnect why)
{
	db->stats.total++;
	db->stats.by_reason[why]++;
	if (why == GW_RECONNECT_OK)
		db->stats.success++;
	else
		db->stats.failed++;
}

enum gw_reconnect gw_sessdb_reconnect_lookup(struct gw_sessdb *db, usec_t now, struct in_addr src,
					     const void *id, size_t len, struct gw_sess **ret)
{
	enum gw_reconnect why;
	struct gw_sess *s = NULL;

	*ret = NULL;
	/* expire what the reconnect timeout ended even if the daemon's timer is late */
	(void)gw_sessdb_tick(db, now);
	if (rl_held(db, now, src))
		why = GW_RECONNECT_RATE_LIMITED; /* no lookup at all */
	else if ((s = gw_sessdb_find(db, id, len)) && s->reconnectable)
		return *ret = s, GW_RECONNECT_OK;
	else if (expired_find(db, id, len))
		why = GW_RECONNECT_EXPIRED_SESSION;
	else
		why = GW_RECONNECT_UNKNOWN_SESSION;
	gw_sessdb_reconnect_failed(db, now, src, why);
	return why;
}

void gw_sessdb_reconnect_failed(struct gw_sessdb *db, usec_t now, struct in_addr src,
				enum gw_reconnect why)
{
	char a[INET_ADDRSTRLEN];

	count(db, why);
	if (why != GW_RECONNECT_RATE_LIMITED)
		rl_record_failure(db, now, src);
	inet_ntop(AF_INET, &src, a, sizeof(a));
	log_info("reconnect from %s refused: %s", a, gw_reconnect_to_string(why));
}

void gw_sessdb_reconnect_done(struct gw_sessdb *db, usec_t now, struct gw_sess *s, uint64_t new_sa,
			      uint64_t *ret_old_sa)
{
	*ret_old_sa = s->sa;
	sa_unlink(db, s);
	if (s->state != GW_SESS_STATE_ACTIVE)
		set_state(db, now, s, GW_SESS_STATE_ACTIVE);
	else
		s->changed = now;
	sa_link(db, s, new_sa);
	s->reconnects++;
	count(db, GW_RECONNECT_OK);
	log_info("session %s: reconnected (user %s)", s->id, s->user);
}

void gw_sessdb_sa_rekeyed(struct gw_sessdb *db, struct gw_sess *s, uint64_t new_sa,
			  uint64_t *ret_old_sa)
{
	*ret_old_sa = s->sa;
	sa_unlink(db, s);
	sa_link(db, s, new_sa);
}

int gw_sessdb_rotate_token(struct gw_sessdb *db, struct gw_sess *s, struct secret **ret_token)
{
	struct secret *t;
	int r;

	if (!s->reconnectable)
		return -EINVAL;
	if ((r = new_token(db, &t)) < 0)
		return r;
	secret_free(s->token);
	s->token = t;
	*ret_token = secret_dup(t);
	return 0;
}

void gw_sessdb_sa_lost(struct gw_sessdb *db, usec_t now, struct gw_sess *s)
{
	if (!s->reconnectable || db->cfg.reconnect_timeout == 0) {
		log_info("session %s: SA lost, session ends", s->id);
		destroy(db, now, s, false);
		return;
	}
	sa_unlink(db, s);
	if (s->state == GW_SESS_STATE_ACTIVE)
		set_state(db, now, s, GW_SESS_STATE_INACTIVE);
	log_info("session %s: SA lost, kept inactive for %llu s", s->id,
		 (unsigned long long)(db->cfg.reconnect_timeout / USEC_PER_SEC));
}

void gw_sessdb_end(struct gw_sessdb *db, usec_t now, struct gw_sess *s)
{
	log_info("session %s: ended by the client (user %s)", s->id, s->user);
	destroy(db, now, s, false);
}

usec_t gw_sessdb_tick(struct gw_sessdb *db, usec_t now)
{
	usec_t next = USEC_INFINITY;

	while (db->inactive_oldest && db->inactive_oldest->expires <= now) {
		log_info("session %s: reconnect timeout, session removed", db->inactive_oldest->id);
		destroy(db, now, db->inactive_oldest, true);
	}
	while (db->expired_oldest && db->expired_oldest->forget_at <= now) {
		struct expired_id *e = db->expired_oldest;

		db->expired_oldest = e->newer;
		if (!db->expired_oldest)
			db->expired_newest = NULL;
		gw_htab_remove(&db->expired, &e->node);
		free(e);
	}
	if (db->rl.n && now >= db->rl_sweep_at) {
		rl_sweep(db, now);
		db->rl_sweep_at = now + db->cfg.rl_window;
	}
	if (db->inactive_oldest)
		next = db->inactive_oldest->expires;
	if (db->expired_oldest && db->expired_oldest->forget_at < next)
		next = db->expired_oldest->forget_at;
	if (db->rl.n && db->rl_sweep_at < next)
		next = db->rl_sweep_at;
	return next;
}

static size_t count_reconnectable(const struct gw_htab *t)
{
	size_t i, n = 0;
	struct gw_hnode *h;

	for (i = 0; i < t->n_buckets; i++)
		for (h = t->buckets[i]; h; h = h->next)
			n += gw_container_of(h, struct gw_sess, node)->reconnectable;
	return n;
}

void gw_sessdb_get_stats(const struct gw_sessdb *db, struct gw_sess_stats *ret)
{
	*ret = db->stats;
	ret->active = count_reconnectable(&db->active);
	ret->inactive = db->inactive.n; /* only reconnectable sessions are ever inactive */
	ret->active_all = db->active.n;
	ret->expired_ids = db->expired.n;
	ret->leases_free = db->pool_size - db->leases_used;
}

static void visit_table(const struct gw_htab *t, gw_sess_visit_func_t fn, void *user_data)
{
	size_t i;
	struct gw_hnode *h, *next;

	for (i = 0; i < t->n_buckets; i++) {
		for (h = t->buckets[i]; h; h = next) {
			next = h->next;
			fn(user_data, gw_container_of(h, struct gw_sess, node));
		}
	}
}

void gw_sessdb_foreach(const struct gw_sessdb *db, gw_sess_visit_func_t fn, void *user_data)
{
	visit_table(&db->active, fn, user_data);
	visit_table(&db->inactive, fn, user_data);
}

size_t gw_sessdb_table_bytes(const struct gw_sessdb *db)
{
	return gw_htab_bytes(&db->active) + gw_htab_bytes(&db->inactive) +
	       gw_htab_bytes(&db->expired) + gw_htab_bytes(&db->by_sa) + gw_htab_bytes(&db->rl) +
	       (db->pool_size + 7) / 8;
}
