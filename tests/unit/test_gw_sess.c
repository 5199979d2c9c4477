/* test_gw_sess.c - gateway session databases: IDs, tokens, leases, D5-D7, expiry, stats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "core/log.h"
#include "core/rng.h"
#include "core/secret.h"
#include "tests/gateway/gw_sess.h"

#define SEC USEC_PER_SEC

static struct rng_fake rng;

static struct gw_sessdb *new_db(const char *first, const char *last)
{
	struct gw_sessdb_config cfg = {
		.reconnect_timeout = 900 * SEC,
		.rl_fails = 5,
		.rl_window = 60 * SEC,
		.rl_hold = 60 * SEC,
	};

	inet_pton(AF_INET, first, &cfg.pool_first);
	inet_pton(AF_INET, last, &cfg.pool_last);
	rng_fake_init(&rng, 7);
	return gw_sessdb_new(&cfg, &rng.ops);
}

static struct in_addr ip(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a;
}

static void ids_and_tokens_have_the_d4_shape(void **state)
{
	struct gw_sessdb *db = new_db("192.168.20.5", "192.168.20.10");
	struct gw_sess *a, *b;
	size_t i;

	(void)state;
	assert_int_equal(gw_sessdb_login(db, 0, "test", true, 1, &a), 0);
	assert_int_equal(gw_sessdb_login(db, 0, "test", true, 2, &b), 0);
	assert_int_equal(strlen(a->id), GW_SESS_ID_LEN);
	for (i = 0; i < GW_SESS_ID_LEN; i++)
		assert_true((a->id[i] >= 'A' && a->id[i] <= 'Z') ||
			    (a->id[i] >= 'a' && a->id[i] <= 'z'));
	assert_string_not_equal(a->id, b->id);
	assert_int_equal(secret_len(a->token), GW_SESS_TOKEN_LEN);
	for (i = 0; i < GW_SESS_TOKEN_LEN; i++) {
		char c = (char)secret_data(a->token)[i];

		assert_true((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'));
	}
	assert_false(secret_eq(a->token, b->token));
	assert_ptr_equal(gw_sessdb_find(db, a->id, strlen(a->id)), a);
	assert_ptr_equal(gw_sessdb_find_sa(db, 2), b);
	gw_sessdb_free(db);
}

/* Pool .5-.10: six leases, then INTERNAL_ADDRESS_FAILURE; a lease stays with its session. */
static void leases_are_pinned_and_bounded(void **state)
{
	struct gw_sessdb *db = new_db("192.168.20.5", "192.168.20.10");
	struct gw_sess *s[7], *r;
	struct in_addr addr0;
	uint64_t old;
	int i;

	(void)state;
	for (i = 0; i < 6; i++)
		assert_int_equal(gw_sessdb_login(db, 0, "u", true, 10 + i, &s[i]), 0);
	assert_int_equal(s[0]->addr.s_addr, ip("192.168.20.5").s_addr);
	assert_int_equal(s[5]->addr.s_addr, ip("192.168.20.10").s_addr);
	assert_int_equal(gw_sessdb_login(db, 0, "u", true, 99, &s[6]), -ENOSPC);
	addr0 = s[0]->addr;
	/* SA lost: inactive, the address stays reserved */
	gw_sessdb_sa_lost(db, 10 * SEC, s[0]);
	assert_int_equal(s[0]->state, GW_SESS_STATE_INACTIVE);
	assert_int_equal(gw_sessdb_login(db, 0, "u", true, 99, &s[6]), -ENOSPC);
	/* reconnect: the same address again */
	assert_int_equal(gw_sessdb_reconnect_lookup(db, 20 * SEC, ip("10.0.0.1"), s[0]->id,
						    GW_SESS_ID_LEN, &r),
			 GW_RECONNECT_OK);
	gw_sessdb_reconnect_done(db, 20 * SEC, r, 200, &old);
	assert_int_equal(old, 0);
	assert_int_equal(r->addr.s_addr, addr0.s_addr);
	assert_int_equal(r->state, GW_SESS_STATE_ACTIVE);
	/* the client's Delete ends a session and frees its lease */
	gw_sessdb_end(db, 30 * SEC, s[1]);
	assert_int_equal(gw_sessdb_login(db, 0, "u", true, 300, &s[6]), 0);
	gw_sessdb_free(db);
}

static void reconnect_while_active_replaces_the_sa(void **state)
{
	struct gw_sessdb *db = new_db("10.1.0.1", "10.1.0.20");
	struct gw_sess_stats st;
	struct gw_sess *s, *r;
	uint64_t old;

	(void)state;
	assert_int_equal(gw_sessdb_login(db, 0, "test", true, 0xaa, &s), 0);
	assert_int_equal(
		gw_sessdb_reconnect_lookup(db, SEC, ip("10.0.0.1"), s->id, GW_SESS_ID_LEN, &r),
		GW_RECONNECT_OK);
	gw_sessdb_reconnect_done(db, SEC, r, 0xbb, &old);
	assert_int_equal(old, 0xaa); /* the caller sends Delete on it once */
	assert_null(gw_sessdb_find_sa(db, 0xaa));
	assert_ptr_equal(gw_sessdb_find_sa(db, 0xbb), s);
	assert_int_equal(s->reconnects, 1);
	gw_sessdb_get_stats(db, &st);
	assert_int_equal(st.total, 1);
	assert_int_equal(st.success, 1);
	assert_int_equal(st.failed, 0);
	assert_int_equal(st.active, 1);
	assert_int_equal(st.inactive, 0);
	gw_sessdb_free(db);
}

/* The reconnect timeout holds at lookup time, whether or not the daemon's timer has run. */
static void expiry_holds_without_a_tick(void **state)
{
	struct gw_sessdb *db = new_db("10.1.0.1", "10.1.0.20");
	struct gw_sess *s, *r;
	char id[GW_SESS_ID_LEN + 1];

	(void)state;
	assert_int_equal(gw_sessdb_login(db, 0, "test", true, 1, &s), 0);
	memcpy(id, s->id, sizeof(id));
	gw_sessdb_sa_lost(db, 10 * SEC, s);
	assert_int_equal(
		gw_sessdb_reconnect_lookup(db, 909 * SEC, ip("10.0.0.1"), id, GW_SESS_ID_LEN, &r),
		GW_RECONNECT_OK);
	assert_int_equal(
		gw_sessdb_reconnect_lookup(db, 910 * SEC, ip("10.0.0.1"), id, GW_SESS_ID_LEN, &r),
		GW_RECONNECT_EXPIRED_SESSION);
	assert_null(r);
	gw_sessdb_free(db);
}

static void failures_follow_d7(void **state)
{
	struct gw_sessdb *db = new_db("10.1.0.1", "10.1.0.20");
	struct gw_sess_stats st;
	struct gw_sess *s, *r;
	char id[GW_SESS_ID_LEN + 1];

	(void)state;
	assert_int_equal(gw_sessdb_login(db, 0, "test", true, 1, &s), 0);
	assert_int_equal(
		gw_sessdb_reconnect_lookup(db, 0, ip("10.0.0.1"), "nosuchsessionxxxxx", 18, &r),
		GW_RECONNECT_UNKNOWN_SESSION);
	assert_null(r);
	assert_int_equal(gw_sessdb_reconnect_lookup(db, 0, ip("10.0.0.1"), "short", 5, &r),
			 GW_RECONNECT_UNKNOWN_SESSION);
	/* bad token: lookup succeeds, the caller's AUTH check fails */
	assert_int_equal(
		gw_sessdb_reconnect_lookup(db, 0, ip("10.0.0.1"), s->id, GW_SESS_ID_LEN, &r),
		GW_RECONNECT_OK);
	gw_sessdb_reconnect_failed(db, 0, ip("10.0.0.1"), GW_RECONNECT_BAD_TOKEN);
	/* expire: inactive for 900 s, then the ID is remembered as expired */
	memcpy(id, s->id, sizeof(id));
	gw_sessdb_sa_lost(db, 0, s);
	assert_int_equal(gw_sessdb_tick(db, 899 * SEC), 900 * SEC);
	assert_non_null(gw_sessdb_find(db, id, GW_SESS_ID_LEN));
	gw_sessdb_tick(db, 900 * SEC);
	assert_null(gw_sessdb_find(db, id, GW_SESS_ID_LEN));
	assert_int_equal(
		gw_sessdb_reconnect_lookup(db, 901 * SEC, ip("10.0.0.2"), id, GW_SESS_ID_LEN, &r),
		GW_RECONNECT_EXPIRED_SESSION);
	gw_sessdb_get_stats(db, &st);
	assert_int_equal(st.total, 4);
	assert_int_equal(st.failed, 4);
	assert_int_equal(st.by_reason[GW_RECONNECT_UNKNOWN_SESSION], 2);
	assert_int_equal(st.by_reason[GW_RECONNECT_BAD_TOKEN], 1);
	assert_int_equal(st.by_reason[GW_RECONNECT_EXPIRED_SESSION], 1);
	assert_int_equal(st.expired_ids, 1);
	assert_int_equal(st.leases_free, 20);
	/* after 24 h the expired ID is forgotten: unknown again */
	gw_sessdb_tick(db, 900 * SEC + GW_SESS_EXPIRED_KEEP);
	assert_int_equal(gw_sessdb_reconnect_lookup(db, 900 * SEC + GW_SESS_EXPIRED_KEEP,
						    ip("10.0.0.3"), id, GW_SESS_ID_LEN, &r),
			 GW_RECONNECT_UNKNOWN_SESSION);
	gw_sessdb_free(db);
}

/* 5 failures from one source in 60 s -> 60 s hold, no lookup even for a good session. */
static void rate_limit_holds_a_source(void **state)
{
	struct gw_sessdb *db = new_db("10.1.0.1", "10.1.0.20");
	struct gw_sess_stats st;
	struct gw_sess *s, *r;
	int i;

	(void)state;
	assert_int_equal(gw_sessdb_login(db, 0, "test", true, 1, &s), 0);
	for (i = 0; i < 5; i++)
		assert_int_equal(
			gw_sessdb_reconnect_lookup(db, i * SEC, ip("10.0.0.9"), "x", 1, &r),
			GW_RECONNECT_UNKNOWN_SESSION);
	assert_int_equal(
		gw_sessdb_reconnect_lookup(db, 5 * SEC, ip("10.0.0.9"), s->id, GW_SESS_ID_LEN, &r),
		GW_RECONNECT_RATE_LIMITED);
	/* another source is not held */
	assert_int_equal(
		gw_sessdb_reconnect_lookup(db, 5 * SEC, ip("10.0.0.8"), s->id, GW_SESS_ID_LEN, &r),
		GW_RECONNECT_OK);
	/* the hold ends after 60 s */
	assert_int_equal(
		gw_sessdb_reconnect_lookup(db, 65 * SEC, ip("10.0.0.9"), s->id, GW_SESS_ID_LEN, &r),
		GW_RECONNECT_OK);
	gw_sessdb_get_stats(db, &st);
	assert_int_equal(st.by_reason[GW_RECONNECT_RATE_LIMITED], 1);
	gw_sessdb_tick(db, 1000 * SEC); /* sweeps the stale entry */
	gw_sessdb_free(db);
}

static void token_rotation_replaces_the_token(void **state)
{
	struct gw_sessdb *db = new_db("10.1.0.1", "10.1.0.20");
	struct gw_sess *s;
	struct secret *old, *fresh;

	(void)state;
	assert_int_equal(gw_sessdb_login(db, 0, "test", true, 1, &s), 0);
	old = secret_dup(s->token);
	assert_int_equal(gw_sessdb_rotate_token(db, s, &fresh), 0);
	assert_true(secret_eq(fresh, s->token));
	assert_false(secret_eq(old, s->token));
	assert_int_equal(secret_len(fresh), GW_SESS_TOKEN_LEN);
	secret_free(old);
	secret_free(fresh);
	gw_sessdb_free(db);
}

/* Standard EAP clients have no token: not reconnectable, losing the SA ends them. */
static void standard_eap_sessions_are_not_reconnectable(void **state)
{
	struct gw_sessdb *db = new_db("10.1.0.1", "10.1.0.2");
	struct gw_sess_stats st;
	struct gw_sess *s, *r;
	char id[GW_SESS_ID_LEN + 1];

	(void)state;
	assert_int_equal(gw_sessdb_login(db, 0, "alice", false, 1, &s), 0);
	assert_null(s->token);
	memcpy(id, s->id, sizeof(id));
	gw_sessdb_get_stats(db, &st);
	assert_int_equal(st.active, 0);
	assert_int_equal(st.active_all, 1);
	assert_int_equal(gw_sessdb_reconnect_lookup(db, 0, ip("10.0.0.1"), id, GW_SESS_ID_LEN, &r),
			 GW_RECONNECT_UNKNOWN_SESSION);
	gw_sessdb_sa_lost(db, SEC, s);
	assert_null(gw_sessdb_find(db, id, GW_SESS_ID_LEN));
	gw_sessdb_get_stats(db, &st);
	assert_int_equal(st.leases_free, 2);
	gw_sessdb_free(db);
}

static void many_sessions_grow_the_tables(void **state)
{
	struct gw_sessdb *db = new_db("10.0.0.1", "10.0.39.255");
	struct gw_sess_stats st;
	struct gw_sess *s, *first = NULL;
	int i;

	(void)state;
	for (i = 0; i < 5000; i++) {
		assert_int_equal(gw_sessdb_login(db, 0, "u", true, (uint64_t)i + 1, &s), 0);
		if (!first)
			first = s;
		if (i % 2)
			gw_sessdb_sa_lost(db, (usec_t)i, s);
	}
	gw_sessdb_get_stats(db, &st);
	assert_int_equal(st.active, 2500);
	assert_int_equal(st.inactive, 2500);
	assert_ptr_equal(gw_sessdb_find(db, first->id, GW_SESS_ID_LEN), first);
	assert_ptr_equal(gw_sessdb_find_sa(db, 1), first);
	gw_sessdb_tick(db, 10000 * SEC);
	gw_sessdb_get_stats(db, &st);
	assert_int_equal(st.inactive, 0);
	assert_int_equal(st.expired_ids, 2500);
	gw_sessdb_free(db);
}

/* Rejection sampling keeps the 52 letters equally likely (36,000 letters, ~692 each). */
static void id_letters_are_uniform(void **state)
{
	struct gw_sessdb *db = new_db("10.0.0.1", "10.0.31.255");
	unsigned int count[128] = {0}, i, j;
	struct gw_sess *s;

	(void)state;
	for (i = 0; i < 2000; i++) {
		assert_int_equal(gw_sessdb_login(db, 0, "u", true, i + 1, &s), 0);
		for (j = 0; j < GW_SESS_ID_LEN; j++)
			count[(unsigned char)s->id[j]]++;
	}
	for (i = 0; i < 128; i++) {
		bool letter = (i >= 'A' && i <= 'Z') || (i >= 'a' && i <= 'z');

		if (letter && (count[i] < 550 || count[i] > 850))
			fail_msg("letter %c drawn %u times", i, count[i]);
		if (!letter)
			assert_int_equal(count[i], 0);
	}
	gw_sessdb_free(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ids_and_tokens_have_the_d4_shape),
		cmocka_unit_test(id_letters_are_uniform),
		cmocka_unit_test(leases_are_pinned_and_bounded),
		cmocka_unit_test(reconnect_while_active_replaces_the_sa),
		cmocka_unit_test(failures_follow_d7),
		cmocka_unit_test(expiry_holds_without_a_tick),
		cmocka_unit_test(rate_limit_holds_a_source),
		cmocka_unit_test(token_rotation_replaces_the_token),
		cmocka_unit_test(standard_eap_sessions_are_not_reconnectable),
		cmocka_unit_test(many_sessions_grow_the_tables),
	};

	log_set_level(LOG_LEVEL_WARNING);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
