/*
 * xchg_agent_reconnect.c - the agent's reconnect policy (agent/session: record, store,
 * session_timers) driving the real IKE initiator against the real responder, in
 * virtual time (STYLE.md §8): a dark path for 60 s, a rejected token, token rotation
 * persisted and used, a suspend longer than the reconnect timeout. No sockets, no
 * sleeping: a 60-second blackout takes milliseconds.
 *
 * The driver below does what conn_reconnect.c does in anyroamd: an attempt at once,
 * on a dark path a fresh IKE_SA_INIT on the short cadence, backoff after answered
 * failures, a full login on AUTHENTICATION_FAILED.
 *
 * Addresses:  client 10.1.0.2:40001  <---->  gateway 10.2.0.2:500 / :4500
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <time.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/log.h"
#include "core/rng.h"
#include "core/secret.h"
#include "ike/cisco_compat.h"
#include "ike/ike.h"
#include "ike/ike_cert.h"
#include "session/session.h"
#include "session/session_store.h"
#include "session/session_timers.h"

#define GW_NAME "vpn.example.com"
#define SID	"rIUHKccDRiUtFTATwq"
#define TOKEN1	"E0CB21612620F736F899721C620F73BC5237D966436EC70B3EC235375CA3E0B0"
#define TOKEN2	"5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A11111111222222223333333344444444"

struct lab {
	/* the world */
	usec_t now;
	bool dark; /* every datagram is lost, both ways */
	struct rng_fake rng_c, rng_g, rng_j;
	struct ike *cli, *gw;
	struct ike_addr cli_addr, gw_addr;
	EVP_PKEY *ca_key, *gw_key;
	X509 *ca, *leaf;
	X509_STORE *store;
	struct ike_der leaf_der;
	/* the gateway's session database, reduced to one session */
	const char *gw_token; /* NULL: the session is unknown (restart, expiry) */
	char gw_token_buf[80];
	/* the client */
	struct session s;
	struct session_reconnect rc;
	uint64_t sa;
	bool answered, established, failed;
	uint16_t fail_notify;
	unsigned int attempts_sent;
	usec_t established_at;
};

/* ---- a CA and the gateway certificate, made fresh for the run ---- */

static X509 *cert(EVP_PKEY *key, EVP_PKEY *signer, X509 *issuer, const char *cn,
		  const char *ext_value, int ext_nid)
{
	X509 *x = X509_new();
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), issuer ? 2 : 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(issuer ? issuer : x));
	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, ext_nid, ext_value);
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	assert_true(X509_sign(x, signer, EVP_sha256()) > 0);
	return x;
}

static void pki(struct lab *l)
{
	unsigned char *der = NULL;
	int n;

	l->ca_key = EVP_EC_gen("P-256");
	l->gw_key = EVP_EC_gen("P-256");
	l->ca = cert(l->ca_key, l->ca_key, NULL, "Reconnect Lab CA", "critical,CA:TRUE",
		     NID_basic_constraints);
	l->leaf = cert(l->gw_key, l->ca_key, l->ca, GW_NAME, "DNS:" GW_NAME, NID_subject_alt_name);
	l->store = X509_STORE_new();
	X509_STORE_add_cert(l->store, l->ca);
	n = i2d_X509(l->leaf, &der);
	assert_true(n > 0);
	l->leaf_der = (struct ike_der){.data = der, .len = (size_t)n};
}

/* ---- hooks ---- */

static int verify(void *ud, uint64_t sa, const struct ike_der *certs, size_t n)
{
	struct lab *l = ud;
	const uint8_t *ders[4];
	size_t lens[4];
	struct ike_cert_policy pol = {
		.host = GW_NAME, .trust = l->store, .verify_time = time(NULL)};
	EVP_PKEY *key = NULL;
	int r;

	for (size_t i = 0; i < n && i < 4; i++)
		ders[i] = certs[i].data, lens[i] = certs[i].len;
	r = ike_cert_verify(&pol, ders, lens, n < 4 ? n : 4, &key, NULL);
	EVP_PKEY_free(key);
	return r;
}

/* PROTOCOL.md §7 D7: unknown session or token -> AUTHENTICATION_FAILED */
static int authorize(void *ud, uint64_t sa, const struct ike_id *idi, bool has_auth,
		     struct secret **ret_psk)
{
	struct lab *l = ud;

	if (!l->gw_token || !has_auth || idi->len != strlen(SID) ||
	    memcmp(idi->data, SID, idi->len) != 0)
		return -EACCES;
	*ret_psk = secret_from_str(l->gw_token);
	return IKE_AUTHZ_PSK;
}

/* The stored address comes back; a requested token is rotated (D6). */
static int cp_reply(void *ud, uint64_t sa, const struct ike_cfg *req, struct ike_cfg *reply)
{
	struct lab *l = ud;

	reply->has = IKE_CFG_HAS_IP4 | IKE_CFG_HAS_SESSION_ID;
	reply->ip4.s_addr = htonl(0xc0a81405); /* 192.168.20.5 */
	strcpy(reply->session_id, SID);
	if (req->has & IKE_CFG_HAS_SESSION_TOKEN) {
		reply->has |= IKE_CFG_HAS_SESSION_TOKEN;
		reply->token = secret_from_str(TOKEN2);
		snprintf(l->gw_token_buf, sizeof(l->gw_token_buf), "%s", TOKEN2);
		l->gw_token = l->gw_token_buf;
	}
	return 0;
}

static const struct ike_hooks cli_hooks = {.verify_peer_certs = verify};
static const struct ike_hooks gw_hooks = {.authorize = authorize, .cp_reply = cp_reply};

static void addr(struct ike_addr *a, uint32_t ip, uint16_t port)
{
	*a = (struct ike_addr){.family = AF_INET, .port = port, .v4.s_addr = htonl(ip)};
}

static void lab_init(struct lab *l)
{
	struct ike_responder_config rc = {0};
	struct secret *tok = secret_from_str(TOKEN1);

	memset(l, 0, sizeof(*l));
	l->now = 5000 * USEC_PER_SEC;
	rng_fake_init(&l->rng_c, 11);
	rng_fake_init(&l->rng_g, 12);
	rng_fake_init(&l->rng_j, 13);
	addr(&l->cli_addr, 0x0a010002, 40001);
	addr(&l->gw_addr, 0x0a020002, 500);
	pki(l);
	l->cli = ike_new(IKE_ROLE_INITIATOR, &l->rng_c.ops);
	l->gw = ike_new(IKE_ROLE_RESPONDER, &l->rng_g.ops);
	ike_set_hooks(l->cli, &cli_hooks, l, NULL);
	ike_set_hooks(l->gw, &gw_hooks, l, NULL);
	ike_policy_gateway_default(&rc.policy, true);
	rc.sign_key = l->gw_key;
	rc.certs = &l->leaf_der;
	rc.n_certs = 1;
	rc.dpd_interval = 45 * USEC_PER_SEC;
	rc.dpd_retries = 5;
	rc.token_rotation = true;
	assert_int_equal(ike_responder_configure(l->gw, &rc), 0);
	l->gw_token = TOKEN1;
	/* what a full login left behind (PROTOCOL.md §7) */
	session_init(&l->s);
	assert_int_equal(session_set_id(&l->s, SID), 0);
	assert_int_equal(session_set_token(&l->s, tok), 0);
	strcpy(l->s.assigned_ipv4, "192.168.20.5");
	strcpy(l->s.host_name, "IKEv2_Gateway");
	l->s.dh_group = IKE_DH_ECP_256;
	secret_free(tok);
}

static void lab_done(struct lab *l)
{
	ike_free(l->cli);
	ike_free(l->gw);
	session_done(&l->s);
	OPENSSL_free(l->leaf_der.data);
	X509_free(l->leaf);
	X509_free(l->ca);
	X509_STORE_free(l->store);
	EVP_PKEY_free(l->gw_key);
	EVP_PKEY_free(l->ca_key);
}

/* ---- the wire ---- */

static void deliver(struct lab *l, bool to_gw, const struct ike_action *a)
{
	struct ike_dgram d;

	if (l->dark)
		return;
	if (to_gw) {
		d.local = l->gw_addr;
		d.local.port = a->send.path.remote.port;
		d.remote = l->cli_addr;
		(void)ike_input(l->gw, l->now, &d, a->send.data, a->send.len);
	} else {
		d.local = l->cli_addr;
		d.remote = a->send.path.local;
		l->answered = true;
		(void)ike_input(l->cli, l->now, &d, a->send.data, a->send.len);
	}
}

static void client_action(struct lab *l, struct ike_action *a)
{
	if (a->sa != l->sa)
		return; /* an attempt we abandoned */
	switch (a->type) {
	case IKE_ACTION_ESTABLISHED:
		l->established = true;
		l->established_at = l->now;
		/* D6: the rotated token replaces the stored one before Connected */
		if (a->established.cfg.token)
			assert_int_equal(session_set_token(&l->s, a->established.cfg.token), 0);
		break;
	case IKE_ACTION_FAILED:
	case IKE_ACTION_DEAD:
		l->failed = true;
		l->fail_notify = a->type == IKE_ACTION_FAILED ? a->failed.notify : 0;
		l->sa = 0;
		break;
	default:
		break;
	}
}

static void pump(struct lab *l)
{
	struct ike_action a;
	bool busy = true;

	while (busy) {
		busy = false;
		while (ike_next_action(l->cli, &a)) {
			busy = true;
			if (a.type == IKE_ACTION_SEND)
				deliver(l, true, &a);
			else
				client_action(l, &a);
			ike_action_done(&a);
		}
		while (ike_next_action(l->gw, &a)) {
			busy = true;
			if (a.type == IKE_ACTION_SEND)
				deliver(l, false, &a);
			ike_action_done(&a);
		}
	}
}

/* ---- the driver: conn_reconnect.c's decisions, on virtual time ---- */

static void attempt(struct lab *l)
{
	struct ike_initiator_config c = {.auth = IKE_AUTH_MODE_PSK};

	if (l->sa)
		assert_int_equal(ike_sa_drop(l->cli, l->sa), 0); /* §4.4: never a Delete */
	session_timers_attempt(&l->rc);
	ike_policy_client_default(&c.policy);
	c.ke_group = l->s.dh_group;
	c.idi.type = IKE_ID_KEY_ID;
	c.idi.len = (uint16_t)strlen(l->s.id);
	memcpy(c.idi.data, l->s.id, c.idi.len);
	c.psk = l->s.token;
	c.request_token = true;
	c.initial_contact = true;
	c.cisco_compat = true;
	ike_cfg_init(&c.cp_request);
	c.cp_request.has = IKE_CFG_HAS_IP4 | IKE_CFG_HAS_SESSION_ID;
	assert_int_equal(inet_pton(AF_INET, l->s.assigned_ipv4, &c.cp_request.ip4), 1);
	c.path.local = l->cli_addr;
	c.path.remote = l->gw_addr;
	l->answered = false;
	l->failed = false;
	assert_int_equal(ike_initiate(l->cli, &c, l->now, &l->sa), 0);
	ike_cfg_done(&c.cp_request);
	l->attempts_sent++;
	pump(l);
	/* unanswered -> a fresh attempt on the dark cadence */
	if (!l->established && !l->failed)
		assert_int_equal(session_timers_failed(&l->rc, false, l->now, &l->rng_j.ops), 0);
}

/* Runs until established, refused, or `limit` of virtual time; returns 0, -EACCES, -ETIMEDOUT. */
static int run(struct lab *l, usec_t limit, usec_t path_returns_at)
{
	usec_t end = l->now + limit;

	attempt(l);
	while (!l->established && l->now < end) {
		usec_t t = ike_next_deadline(l->cli);

		if (l->rc.next_at < t)
			t = l->rc.next_at;
		if (path_returns_at > l->now && path_returns_at < t)
			t = path_returns_at;
		if (t > end)
			t = end;
		l->now = t;
		if (l->now >= path_returns_at)
			l->dark = false;
		(void)ike_tick(l->cli, l->now);
		(void)ike_tick(l->gw, l->now);
		pump(l);
		if (l->failed && l->fail_notify == IKE_N_AUTHENTICATION_FAILED)
			return -EACCES; /* D7: a full login, never a retry */
		if (l->failed &&
		    session_timers_failed(&l->rc, l->answered, l->now, &l->rng_j.ops) < 0)
			return -ETIMEDOUT;
		if (!l->established && (l->failed || !l->answered) && l->now >= l->rc.next_at)
			attempt(l);
	}
	return l->established ? 0 : -ETIMEDOUT;
}

/* ---- scenarios ---- */

/* issue 8: 60 s of a dark path, then traffic within 2 s of the path returning */
static void dark_path_then_back_within_2s(void **state)
{
	struct lab l;
	usec_t back;

	(void)state;
	lab_init(&l);
	l.dark = true;
	session_timers_start(&l.rc, SESSION_REASON_SOURCE_ADDRESS, l.now, 900 * USEC_PER_SEC);
	back = l.now + 60 * USEC_PER_SEC;
	assert_int_equal(run(&l, 120 * USEC_PER_SEC, back), 0);
	assert_true(l.established_at >= back);
	assert_true(l.established_at - back <= 2 * USEC_PER_SEC);
	/* 60 s at 0.375-0.5 s per attempt */
	assert_in_range(l.attempts_sent, 120, 170);
	assert_int_equal(l.rc.failures, 0); /* nothing answered: no backoff */
	print_message("dark 60 s: traffic %llu ms after the path returned, %u attempts\n",
		      (unsigned long long)((l.established_at - back) / USEC_PER_MSEC),
		      l.attempts_sent);
	lab_done(&l);
}

/* PROTOCOL.md §7 D7: AUTHENTICATION_FAILED -> one full login, no retries */
static void rejected_token_means_full_login(void **state)
{
	struct lab l;

	(void)state;
	lab_init(&l);
	l.gw_token = NULL; /* the gateway restarted: the session is unknown */
	session_timers_start(&l.rc, SESSION_REASON_RESUME, l.now, 900 * USEC_PER_SEC);
	assert_int_equal(run(&l, 60 * USEC_PER_SEC, 0), -EACCES);
	assert_int_equal(l.attempts_sent, 1);
	assert_int_equal(l.fail_notify, IKE_N_AUTHENTICATION_FAILED);
	lab_done(&l);
}

/* D6: the rotated token is stored atomically and is what the next reconnect uses */
static void rotated_token_is_stored_and_used(void **state)
{
	char dir[] = "/tmp/anyroam-xchg-agent-XXXXXX";
	struct lab l;
	struct session back;

	(void)state;
	lab_init(&l);
	assert_non_null(mkdtemp(dir));
	session_timers_start(&l.rc, SESSION_REASON_RESUME, l.now, 900 * USEC_PER_SEC);
	assert_int_equal(run(&l, 10 * USEC_PER_SEC, 0), 0);
	assert_true(secret_eq_bytes(l.s.token, TOKEN2, strlen(TOKEN2)));
	assert_int_equal(session_store_save(&l.s, dir), 0);
	assert_int_equal(session_store_load(dir, &back), 0);
	assert_true(secret_eq(back.token, l.s.token));
	session_done(&back);
	/* the old token no longer works at the gateway; the stored one does */
	l.established = false;
	l.now += 30 * USEC_PER_SEC;
	session_timers_start(&l.rc, SESSION_REASON_DEAD_PEER, l.now, 900 * USEC_PER_SEC);
	assert_int_equal(run(&l, 10 * USEC_PER_SEC, 0), 0);
	assert_int_equal(session_store_remove(dir), 0);
	assert_int_equal(rmdir(dir), 0);
	lab_done(&l);
}

/* Always at least one attempt, even after a suspend longer than the reconnect timeout:
 * the gateway decides (PROTOCOL.md §11 "Reconnect attempts"). */
static void long_suspend_still_tries_once(void **state)
{
	struct lab l;

	(void)state;
	lab_init(&l);
	l.s.lost_at = l.now;
	l.now += 40 * 60 * USEC_PER_SEC; /* suspend 40m */
	assert_true(session_expired(&l.s, l.now));
	session_timers_start(&l.rc, SESSION_REASON_RESUME, l.now, 900 * USEC_PER_SEC);
	assert_int_equal(run(&l, 5 * USEC_PER_SEC, 0), 0); /* this gateway still held it */
	assert_int_equal(l.attempts_sent, 1);
	assert_true(l.established_at - l.rc.trigger_at < 50 * USEC_PER_MSEC);
	lab_done(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dark_path_then_back_within_2s),
		cmocka_unit_test(rejected_token_means_full_login),
		cmocka_unit_test(rotated_token_is_stored_and_used),
		cmocka_unit_test(long_suspend_still_tries_once),
	};

	log_set_level(LOG_LEVEL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
