/*
 * xchg_ike.c - our IKEv2 initiator against our responder in one process (STYLE.md §8):
 * bytes shuttled in memory by pump(), a fake clock, seeded RNGs, the real EAP engine
 * (agent/eap) on both ends and a generated CA + gateway certificate.
 *
 * Addresses:  client 10.1.0.2:40000  <---->  gateway 10.2.0.2:500 / :4500
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <time.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/rng.h"
#include "core/secret.h"
#include "eap/eap.h"
#include "ike/cisco_compat.h"
#include "ike/ike.h"
#include "ike/ike_cert.h"
#include "ike/ike_msg.h"
#include "ike/ike_sa.h"

#define HOST	  "vpn.example.com"
#define TOKEN	  "E0CB21612620F736F899721C620F73BC5237D966436EC70B3EC235375CA3E0B0"
#define SID	  "rIUHKccDRiUtFTATwq"
#define NEW_TOKEN "11112222333344445555666677778888999900001111222233334444555566AA"

/* --- certificates --------------------------------------------------------- */

static X509 *make_cert(EVP_PKEY *key, EVP_PKEY *signer, X509 *issuer, const char *cn, bool ca)
{
	X509 *x = X509_new();
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), ca ? 1 : 2);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(issuer ? issuer : x));
	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, ca ? NID_basic_constraints : NID_subject_alt_name,
				  ca ? "critical,CA:TRUE" : "DNS:" HOST);
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	assert_true(X509_sign(x, signer, EVP_sha256()) > 0);
	return x;
}

struct pki {
	EVP_PKEY *ca_key, *gw_key;
	X509 *ca, *gw;
	X509_STORE *store;
	struct ike_der leaf;
};

static void pki_init(struct pki *p, bool rsa)
{
	unsigned char *der = NULL;
	int n;

	p->ca_key = EVP_EC_gen("P-256");
	p->gw_key = rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
	assert_non_null(p->ca_key);
	assert_non_null(p->gw_key);
	p->ca = make_cert(p->ca_key, p->ca_key, NULL, "Anyroam Test CA", true);
	p->gw = make_cert(p->gw_key, p->ca_key, p->ca, HOST, false);
	p->store = X509_STORE_new();
	X509_STORE_add_cert(p->store, p->ca);
	n = i2d_X509(p->gw, &der);
	assert_true(n > 0);
	p->leaf.data = der;
	p->leaf.len = (size_t)n;
}

static void pki_done(struct pki *p)
{
	OPENSSL_free(p->leaf.data);
	X509_free(p->gw);
	X509_free(p->ca);
	X509_STORE_free(p->store);
	EVP_PKEY_free(p->gw_key);
	EVP_PKEY_free(p->ca_key);
}

/* --- the world: two engines, a wire, a clock -------------------------------- */

enum verdict { PASS, DROP, DUP };

struct world;
typedef enum verdict (*filter_func_t)(struct world *w, bool to_gw, const uint8_t *p, size_t n);

struct side_events {
	int established, failed, deleted, dead, child_rekeyed, ike_rekeyed, eap;
	int fail_error;
	uint16_t fail_notify;
	bool eap_failure;
	uint64_t sa;
	struct ike_established est; /* the last one, keys owned */
	struct ike_child rekeyed;
};

struct world {
	usec_t now;
	struct rng_fake rng_c, rng_g;
	struct ike *cli, *gw;
	struct ike_addr cli_addr, gw_addr;
	struct pki pki;
	filter_func_t filter;
	int to_gw, to_cli; /* datagrams delivered */
	int frags_seen, cisco_frags_seen;
	struct side_events c, g;
	struct eap_peer *peer;
	struct eap_server *srv;
	enum eap_method method;
	const char *password; /* the user's, as the client types it */
	bool reject_psk;      /* gateway: the session is unknown */
	int cert_checks;
};

static int userdb_lookup(void *ud, const char *user, enum eap_cred_type type, struct secret **ret)
{
	(void)ud;
	if (strcmp(user, "test") != 0 || type != EAP_CRED_CLEARTEXT)
		return -ENOENT;
	*ret = secret_from_str("cisco");
	return 0;
}

static int issue(void *ud, const char *user, char **ret_sid, struct secret **ret_token)
{
	(void)ud;
	(void)user;
	*ret_sid = strdup(SID);
	*ret_token = secret_from_str(TOKEN);
	return 0;
}

static int verify_certs(void *ud, uint64_t sa, const struct ike_der *certs, size_t n)
{
	struct world *w = ud;
	const uint8_t *ders[IKE_MAX_CERTS];
	size_t lens[IKE_MAX_CERTS];
	struct ike_cert_policy pol = {.host = HOST, .trust = w->pki.store, .verify_time = 0};
	EVP_PKEY *key = NULL;
	char *msg = NULL;
	int r;

	(void)sa;
	w->cert_checks++;
	for (size_t i = 0; i < n; i++)
		ders[i] = certs[i].data, lens[i] = certs[i].len;
	pol.verify_time = time(NULL);
	r = ike_cert_verify(&pol, ders, lens, n, &key, &msg);
	EVP_PKEY_free(key);
	free(msg);
	return r;
}

static int authorize(void *ud, uint64_t sa, const struct ike_id *idi, bool has_auth,
		     struct secret **ret_psk)
{
	struct world *w = ud;

	(void)sa;
	if (cisco_is_anyconnect_id(idi->type, idi->data, idi->len))
		return IKE_AUTHZ_EAP;
	if (w->reject_psk || idi->len != strlen(SID) || memcmp(idi->data, SID, idi->len) != 0 ||
	    !has_auth)
		return -EACCES;
	*ret_psk = secret_from_str(TOKEN);
	return IKE_AUTHZ_PSK;
}

static int cp_reply(void *ud, uint64_t sa, const struct ike_cfg *req, struct ike_cfg *reply)
{
	(void)ud;
	(void)sa;
	reply->has = IKE_CFG_HAS_IP4 | IKE_CFG_HAS_DNS4 | IKE_CFG_HAS_SUBNET4 |
		     IKE_CFG_HAS_SESSION_ID | IKE_CFG_HAS_DEF_DOMAIN | IKE_CFG_HAS_LIVENESS |
		     IKE_CFG_HAS_BANNER;
	reply->ip4.s_addr = htonl(0xc0a81405); /* 192.168.20.5 */
	reply->dns4[0].s_addr = htonl(0x0a020001);
	reply->n_dns4 = 1;
	reply->subnet4[0].addr.s_addr = htonl(0xc0a80a00);
	reply->subnet4[0].mask.s_addr = htonl(0xffffff00);
	reply->n_subnet4 = 1;
	reply->liveness_s = 30;
	strcpy(reply->session_id, SID);
	strcpy(reply->def_domain, "example.com");
	reply->banner = strdup("Authorised use only.\nReally.");
	if (req->has & IKE_CFG_HAS_SESSION_TOKEN) {
		reply->has |= IKE_CFG_HAS_SESSION_TOKEN;
		reply->token = secret_from_str(NEW_TOKEN);
	}
	return 0;
}

static const struct ike_hooks cli_hooks = {.verify_peer_certs = verify_certs};
static const struct ike_hooks gw_hooks = {.authorize = authorize, .cp_reply = cp_reply};

static void addr4(struct ike_addr *a, uint32_t ip, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	a->v4.s_addr = htonl(ip);
	a->port = port;
}

static void world_init(struct world *w, bool rsa, bool gcm)
{
	struct ike_responder_config rc = {0};

	memset(w, 0, sizeof(*w));
	w->now = 1000 * USEC_PER_SEC;
	rng_fake_init(&w->rng_c, 1);
	rng_fake_init(&w->rng_g, 2);
	addr4(&w->cli_addr, 0x0a010002, 40000);
	addr4(&w->gw_addr, 0x0a020002, 500);
	pki_init(&w->pki, rsa);
	w->cli = ike_new(IKE_ROLE_INITIATOR, &w->rng_c.ops);
	w->gw = ike_new(IKE_ROLE_RESPONDER, &w->rng_g.ops);
	ike_set_hooks(w->cli, &cli_hooks, w, NULL);
	ike_set_hooks(w->gw, &gw_hooks, w, NULL);
	ike_policy_gateway_default(&rc.policy, gcm);
	rc.sign_key = w->pki.gw_key;
	rc.certs = &w->pki.leaf;
	rc.n_certs = 1;
	rc.dpd_interval = 45 * USEC_PER_SEC;
	rc.dpd_retries = 5;
	rc.token_rotation = true;
	assert_int_equal(ike_responder_configure(w->gw, &rc), 0);
	w->method = EAP_METHOD_ANYCONNECT;
	w->password = "cisco";
}

static void event_done(struct side_events *e)
{
	struct ike_action a = {.type = IKE_ACTION_ESTABLISHED, .established = e->est};

	ike_action_done(&a);
	a = (struct ike_action){.type = IKE_ACTION_CHILD_REKEYED, .child.child = e->rekeyed};
	ike_action_done(&a);
	memset(&e->est, 0, sizeof(e->est));
	memset(&e->rekeyed, 0, sizeof(e->rekeyed));
}

static void world_done(struct world *w)
{
	event_done(&w->c);
	event_done(&w->g);
	ike_free(w->cli);
	ike_free(w->gw);
	eap_peer_free(w->peer);
	eap_server_free(w->srv);
	pki_done(&w->pki);
}

static void client_eap(struct world *w, const struct ike_action *a)
{
	const uint8_t *p;
	size_t n;
	int r;

	w->c.eap++;
	if (!w->peer) {
		struct eap_peer_config pc = {.username = "test", .rng = &w->rng_c.ops};
		struct secret *pw = secret_from_str(w->password);

		pc.password = pw;
		pc.client.version = "5.1.8.105";
		pc.client.group_access = "https://" HOST;
		w->peer = eap_peer_new(&pc);
		secret_free(pw);
	}
	r = eap_peer_input(w->peer, a->eap.data, a->eap.len);
	if (r == EAP_STATUS_SEND) {
		eap_peer_packet(w->peer, &p, &n);
		assert_int_equal(ike_sa_eap_reply(w->cli, a->sa, w->now, p, n), 0);
	} else if (r == EAP_STATUS_SUCCESS) {
		assert_int_equal(
			ike_sa_eap_complete(w->cli, a->sa, w->now, eap_peer_outcome(w->peer)->msk),
			0);
	}
}

static void gateway_eap(struct world *w, const struct ike_action *a)
{
	const uint8_t *p;
	size_t n;
	int r;
	enum ike_eap_outcome out = IKE_EAP_CONTINUE;

	w->g.eap++;
	if (a->eap.len == 0) {
		struct eap_server_config sc = {.method = w->method, .rng = &w->rng_g.ops};

		assert_true(
			cisco_is_anyconnect_id(a->eap.idi.type, a->eap.idi.data, a->eap.idi.len));
		sc.userdb.lookup = userdb_lookup;
		sc.issuer.issue = issue;
		sc.identity_first = w->method != EAP_METHOD_ANYCONNECT;
		eap_server_free(w->srv);
		w->srv = eap_server_new(&sc);
		r = eap_server_start(w->srv);
	} else {
		r = eap_server_input(w->srv, a->eap.data, a->eap.len);
	}
	if (r == EAP_STATUS_SUCCESS)
		out = IKE_EAP_SUCCESS;
	else if (r != EAP_STATUS_SEND)
		out = IKE_EAP_FAILURE;
	eap_server_packet(w->srv, &p, &n);
	assert_int_equal(
		ike_sa_eap_request(w->gw, a->sa, w->now, p, n, out,
				   out == IKE_EAP_SUCCESS ? eap_server_outcome(w->srv)->msk : NULL),
		0);
}

static void record(struct world *w, bool cli, struct ike_action *a)
{
	struct side_events *e = cli ? &w->c : &w->g;

	e->sa = a->sa;
	switch (a->type) {
	case IKE_ACTION_ESTABLISHED:
		e->established++;
		event_done(e);
		e->est = a->established;
		memset(&a->established, 0, sizeof(a->established));
		break;
	case IKE_ACTION_CHILD_REKEYED:
		e->child_rekeyed++;
		event_done(e);
		e->rekeyed = a->child.child;
		memset(&a->child.child, 0, sizeof(a->child.child));
		break;
	case IKE_ACTION_FAILED:
		e->failed++;
		e->fail_error = a->failed.error;
		e->fail_notify = a->failed.notify;
		e->eap_failure = a->failed.eap_failure;
		break;
	case IKE_ACTION_DELETED:
		e->deleted++;
		break;
	case IKE_ACTION_DEAD:
		e->dead++;
		break;
	case IKE_ACTION_EAP:
		if (cli)
			client_eap(w, a);
		else
			gateway_eap(w, a);
		break;
	case IKE_ACTION_IKE_REKEYED:
		e->ike_rekeyed++;
		e->sa = a->rekeyed.new_sa;
		break;
	case IKE_ACTION_NONE:
	case IKE_ACTION_SEND:
	case _IKE_ACTION_MAX:
		break;
	}
}

static void count_frags(struct world *w, const uint8_t *p, size_t n)
{
	if (n < IKE_HDR_LEN)
		return;
	w->frags_seen += p[16] == IKE_PLD_SKF;
	w->cisco_frags_seen += p[16] == CISCO_PLD_FRAGMENT;
}

/* One datagram over the wire, as the embedders would move it. */
static void deliver(struct world *w, bool from_cli, const struct ike_action *a)
{
	struct ike_dgram d;
	enum verdict v = w->filter ? w->filter(w, from_cli, a->send.data, a->send.len) : PASS;

	count_frags(w, a->send.data, a->send.len);
	if (from_cli) {
		/* the gateway sees the client's address and the port it was sent to */
		assert_int_equal(a->send.non_esp_marker, a->send.path.remote.port == IKE_NATT_PORT);
		d.local = w->gw_addr;
		d.local.port = a->send.path.remote.port;
		d.remote = w->cli_addr;
	} else {
		assert_memory_equal(&a->send.path.remote.v4, &w->cli_addr.v4, 4);
		d.local = w->cli_addr;
		d.remote = a->send.path.local;
	}
	for (int i = 0; v != DROP && i < (v == DUP ? 2 : 1); i++) {
		assert_int_equal(
			ike_input(from_cli ? w->gw : w->cli, w->now, &d, a->send.data, a->send.len),
			0);
		if (from_cli)
			w->to_gw++;
		else
			w->to_cli++;
	}
}

static void pump(struct world *w)
{
	struct ike_action a;
	bool busy = true;

	while (busy) {
		busy = false;
		while (ike_next_action(w->cli, &a)) {
			busy = true;
			if (a.type == IKE_ACTION_SEND)
				deliver(w, true, &a);
			else
				record(w, true, &a);
			ike_action_done(&a);
		}
		while (ike_next_action(w->gw, &a)) {
			busy = true;
			if (a.type == IKE_ACTION_SEND)
				deliver(w, false, &a);
			else
				record(w, false, &a);
			ike_action_done(&a);
		}
	}
}

/* Moves the clock to the next deadline (at most `limit` later), runs timers, pumps. */
static void advance(struct world *w, usec_t limit)
{
	usec_t end = w->now + limit;

	for (;;) {
		usec_t t = ike_next_deadline(w->cli), tg = ike_next_deadline(w->gw);

		if (tg < t)
			t = tg;
		if (t > end)
			break;
		if (t > w->now)
			w->now = t;
		assert_int_equal(ike_tick(w->cli, w->now), 0);
		assert_int_equal(ike_tick(w->gw, w->now), 0);
		pump(w);
	}
	w->now = end;
}

static void login_config(struct world *w, struct ike_initiator_config *c)
{
	memset(c, 0, sizeof(*c));
	ike_policy_client_default(&c->policy);
	c->ke_group = IKE_DH_ECP_256;
	c->idi.type = IKE_ID_KEY_ID;
	c->idi.len = CISCO_ANYCONNECT_ID_LEN;
	memcpy(c->idi.data, CISCO_ANYCONNECT_ID, CISCO_ANYCONNECT_ID_LEN);
	c->auth = IKE_AUTH_MODE_EAP;
	ike_cfg_init(&c->cp_request);
	c->cp_request.has = IKE_CFG_HAS_NETMASK4 | IKE_CFG_HAS_DNS4 | IKE_CFG_HAS_APP_VERSION |
			    IKE_CFG_HAS_SUBNET4 | IKE_CFG_HAS_LIVENESS | IKE_CFG_HAS_DNS_DOMAIN |
			    IKE_CFG_HAS_BANNER | IKE_CFG_HAS_DEF_DOMAIN | IKE_CFG_HAS_SESSION_ID;
	strcpy(c->cp_request.app_version, "5.1.8.105");
	c->cisco_compat = true;
	c->path.local = w->cli_addr;
	c->path.remote = w->gw_addr;
}

static void reconnect_config(struct world *w, struct ike_initiator_config *c,
			     const struct secret *psk)
{
	login_config(w, c);
	c->idi.len = (uint16_t)strlen(SID);
	memcpy(c->idi.data, SID, strlen(SID));
	c->auth = IKE_AUTH_MODE_PSK;
	c->psk = psk;
	c->initial_contact = true;
	c->request_token = true;
	c->cp_request.ip4.s_addr = htonl(0xc0a81405);
	c->path.local.port = 40001;
	w->cli_addr.port = 40001;
}

static uint64_t do_connect(struct world *w, const struct ike_initiator_config *c)
{
	uint64_t sa;

	assert_int_equal(ike_initiate(w->cli, c, w->now, &sa), 0);
	pump(w);
	return sa;
}

static void assert_children_match(const struct ike_child *c, const struct ike_child *g)
{
	assert_int_equal(c->spi_out, g->spi_in);
	assert_int_equal(c->spi_in, g->spi_out);
	assert_true(secret_eq(c->encr_out, g->encr_in));
	assert_true(secret_eq(c->encr_in, g->encr_out));
	assert_false(secret_eq(c->encr_in, c->encr_out));
	if (c->integ_out) {
		assert_true(secret_eq(c->integ_out, g->integ_in));
		assert_true(secret_eq(c->integ_in, g->integ_out));
	}
}

static void assert_up(struct world *w)
{
	assert_int_equal(w->c.failed, 0);
	assert_int_equal(w->g.failed, 0);
	assert_int_equal(w->c.established, 1);
	assert_int_equal(w->g.established, 1);
	assert_children_match(&w->c.est.child, &w->g.est.child);
}

/* --- scenarios ------------------------------------------------------------- */

/* PROTOCOL.md §4.1 with the real EAP-AnyConnect engines; AUTH after EAP keyed with SK_p. */
static void test_eap_anyconnect_login(void **state)
{
	struct ike_initiator_config c;
	struct ike_sa_info ci, gi;
	struct world w;
	uint64_t sa;
	char ip[16];

	world_init(&w, true, false);
	login_config(&w, &c);
	sa = do_connect(&w, &c);
	assert_up(&w);
	assert_int_equal(w.cert_checks, 1);
	/* §4.1: IKE_SA_INIT, then IKE_AUTH x5 (hello, init, auth-reply, ack, AUTH) */
	assert_int_equal(w.to_gw, 6);
	assert_int_equal(w.c.est.suite.encr, IKE_ENCR_AES_CBC);
	assert_int_equal(w.c.est.suite.prf, IKE_PRF_HMAC_SHA2_512);
	assert_int_equal(w.c.est.suite.integ, IKE_INTEG_HMAC_SHA2_512_256);
	assert_int_equal(w.c.est.suite.dh, 19);
	assert_int_equal(w.c.est.child.suite.integ, IKE_INTEG_HMAC_SHA2_384_192);
	assert_true(w.c.est.eap);
	assert_true(w.c.est.peer_token_rotation);
	/* §2: forced encapsulation makes the gateway see a NAT; the client sees none */
	assert_true(w.g.est.peer_behind_nat);
	assert_false(w.c.est.local_behind_nat);
	/* the CFG_REPLY, parsed */
	assert_true(w.c.est.cfg.has & IKE_CFG_HAS_IP4);
	inet_ntop(AF_INET, &w.c.est.cfg.ip4, ip, sizeof(ip));
	assert_string_equal(ip, "192.168.20.5");
	assert_string_equal(w.c.est.cfg.session_id, SID);
	assert_string_equal(w.c.est.cfg.def_domain, "example.com");
	assert_string_equal(w.c.est.cfg.banner, "Authorised use only.\nReally.");
	assert_int_equal(w.c.est.cfg.n_subnet4, 1);
	assert_int_equal(w.c.est.cfg.liveness_s, 30);
	assert_null(w.c.est.cfg.token); /* only on request */
	/* the session the EAP engine issued */
	assert_string_equal(eap_peer_outcome(w.peer)->session_id, SID);
	/* TSi narrowed to the address, TSr whole (§4.1) */
	inet_ntop(AF_INET, &w.c.est.child.tsi_start, ip, sizeof(ip));
	assert_string_equal(ip, "192.168.20.5");
	inet_ntop(AF_INET, &w.c.est.child.tsr_end, ip, sizeof(ip));
	assert_string_equal(ip, "255.255.255.255");
	assert_int_equal(ike_sa_get_info(w.cli, sa, &ci), 0);
	assert_int_equal(ike_sa_get_info(w.gw, w.g.sa, &gi), 0);
	assert_int_equal(ci.state, IKE_SA_STATE_ESTABLISHED);
	assert_int_equal(gi.spi_i, sa);
	assert_int_equal(gi.auth_sign,
			 IKE_AUTH_DIGITAL_SIGNATURE); /* the client sent SIG_HASH_ALGS */
	assert_true(gi.eap);
	assert_true(gi.natt);
	assert_int_equal(gi.path.local.port, IKE_NATT_PORT);
	assert_int_equal(ci.peer_window, 5);
	assert_int_equal(ike_half_open_count(w.gw), 0);
	world_done(&w);
}

/* EAP-MSCHAPv2 exports an MSK, which then keys both AUTH payloads (RFC 7296 §2.16). */
static void test_eap_mschapv2_msk(void **state)
{
	struct ike_initiator_config c;
	struct world w;

	world_init(&w, false, true);
	w.method = EAP_METHOD_MSCHAPV2;
	login_config(&w, &c);
	do_connect(&w, &c);
	assert_up(&w);
	assert_non_null(eap_peer_outcome(w.peer)->msk);
	assert_int_equal(w.c.est.suite.encr, IKE_ENCR_AES_CBC); /* gateway order wins */
	world_done(&w);
}

static void test_eap_wrong_password(void **state)
{
	struct ike_initiator_config c;
	struct world w;

	world_init(&w, false, false);
	w.method = EAP_METHOD_MSCHAPV2;
	w.password = "wrong";
	login_config(&w, &c);
	do_connect(&w, &c);
	assert_int_equal(w.c.established, 0);
	assert_int_equal(w.c.failed, 1);
	assert_int_equal(w.c.fail_error, -EACCES);
	assert_true(w.c.eap_failure);
	assert_int_equal(w.c.fail_notify, IKE_N_AUTHENTICATION_FAILED);
	assert_int_equal(w.g.failed, 1);
	assert_int_equal(ike_list_sas(w.gw, NULL, 0), 0);
	world_done(&w);
}

/* PROTOCOL.md §4.2 and §5.4: KEY_ID(session ID) + PSK(token), with token rotation. */
static void test_psk_reconnect(void **state)
{
	struct ike_initiator_config c;
	struct secret *psk = secret_from_str(TOKEN);
	struct ike_sa_info gi;
	struct world w;

	world_init(&w, true, false);
	reconnect_config(&w, &c, psk);
	do_connect(&w, &c);
	assert_up(&w);
	assert_int_equal(w.to_gw, 2); /* one round trip each */
	assert_false(w.c.est.eap);
	assert_true(w.c.est.cfg.has & IKE_CFG_HAS_SESSION_TOKEN);
	assert_true(secret_eq_bytes(w.c.est.cfg.token, NEW_TOKEN, strlen(NEW_TOKEN)));
	assert_int_equal(ike_sa_get_info(w.gw, w.g.sa, &gi), 0);
	assert_int_equal(gi.auth_verify, IKE_AUTH_SHARED_KEY_MIC);
	assert_false(gi.eap);
	assert_int_equal(gi.idi.len, strlen(SID));
	secret_free(psk);
	world_done(&w);
}

/* §4.3: a wrong token (or unknown session) gets AUTHENTICATION_FAILED. */
static void test_psk_rejected(void **state)
{
	struct ike_initiator_config c;
	struct secret *psk = secret_from_str("0000000000000000000000000000000000000000");
	struct world w;

	world_init(&w, false, false);
	reconnect_config(&w, &c, psk);
	do_connect(&w, &c);
	assert_int_equal(w.c.failed, 1);
	assert_int_equal(w.c.fail_error, -EACCES);
	assert_int_equal(w.c.fail_notify, IKE_N_AUTHENTICATION_FAILED);
	assert_int_equal(w.g.failed, 1);
	assert_int_equal(ike_list_sas(w.cli, NULL, 0), 0);
	secret_free(psk);
	world_done(&w);
}

/* §5.1: the AnyConnect identity with an AUTH payload is refused. */
static void test_anyconnect_id_with_psk_refused(void **state)
{
	struct ike_initiator_config c;
	struct secret *psk = secret_from_str(TOKEN);
	struct world w;

	world_init(&w, false, false);
	login_config(&w, &c);
	c.auth = IKE_AUTH_MODE_PSK;
	c.psk = psk;
	do_connect(&w, &c);
	assert_int_equal(w.c.failed, 1);
	assert_int_equal(w.c.fail_notify, IKE_N_AUTHENTICATION_FAILED);
	secret_free(psk);
	world_done(&w);
}

static enum verdict drop_all_to_gw_after_init(struct world *w, bool to_gw, const uint8_t *p,
					      size_t n)
{
	return to_gw && n > 18 && p[18] != IKE_EXCHANGE_SA_INIT ? DROP : PASS;
}

/* RFC 7296 §2.6: over the half-open limit the gateway asks for a cookie first. */
static void test_cookie(void **state)
{
	struct ike_initiator_config c;
	struct ike_responder_config rc;
	struct world w;
	uint64_t first;

	world_init(&w, false, false);
	memset(&rc, 0, sizeof(rc));
	ike_policy_gateway_default(&rc.policy, false);
	rc.sign_key = w.pki.gw_key;
	rc.certs = &w.pki.leaf;
	rc.n_certs = 1;
	rc.half_open_limit = 1;
	assert_int_equal(ike_responder_configure(w.gw, &rc), 0);
	login_config(&w, &c);
	/* a first client stays half-open: its IKE_AUTH never arrives */
	w.filter = drop_all_to_gw_after_init;
	first = do_connect(&w, &c);
	assert_int_equal(ike_half_open_count(w.gw), 1);
	assert_int_equal(ike_sa_drop(w.cli, first), 0);
	w.filter = NULL;
	w.to_gw = 0;
	c.path.local.port = 40002;
	w.cli_addr.port = 40002;
	do_connect(&w, &c);
	assert_int_equal(w.c.established, 1);
	/* IKE_SA_INIT, the retry with COOKIE, 5 x IKE_AUTH */
	assert_int_equal(w.to_gw, 7);
	world_done(&w);
}

/* §3: KEi in group 20, which the gateway's proposal #1 lacks: INVALID_KE_PAYLOAD(19). */
static void test_invalid_ke(void **state)
{
	struct ike_initiator_config c;
	struct world w;

	world_init(&w, false, false);
	login_config(&w, &c);
	c.ke_group = IKE_DH_ECP_384;
	do_connect(&w, &c);
	assert_up(&w);
	assert_int_equal(w.c.est.suite.dh, 19);
	assert_int_equal(w.to_gw, 7);
	world_done(&w);
}

static struct world w_child_del;
static int drop_nth_to_gw, dup_nth_to_gw, seen_to_gw, drop_nth_to_cli, seen_to_cli;

static enum verdict lossy(struct world *w, bool to_gw, const uint8_t *p, size_t n)
{
	(void)w, (void)p, (void)n;
	if (to_gw) {
		seen_to_gw++;
		if (seen_to_gw == drop_nth_to_gw)
			return DROP;
		return seen_to_gw == dup_nth_to_gw ? DUP : PASS;
	}
	return ++seen_to_cli == drop_nth_to_cli ? DROP : PASS;
}

/* RFC 7296 §2.1: lost requests are retransmitted; duplicates get the cached reply. */
static void test_loss_and_duplicates(void **state)
{
	struct ike_initiator_config c;
	struct ike_sa_info gi;
	struct world w;

	world_init(&w, false, false);
	login_config(&w, &c);
	w.filter = lossy;
	seen_to_gw = seen_to_cli = 0;
	drop_nth_to_gw = 2;  /* the first IKE_AUTH request */
	dup_nth_to_gw = 4;   /* an EAP round twice: the gateway answers from its cache */
	drop_nth_to_cli = 4; /* an EAP response lost: the client retransmits its request */
	do_connect(&w, &c);
	assert_int_equal(w.c.established, 0);
	advance(&w, 2 * USEC_PER_SEC);
	assert_up(&w);
	assert_int_equal(ike_sa_get_info(w.gw, w.g.sa, &gi), 0);
	/* no EAP round was handed to the EAP server twice */
	assert_int_equal(w.g.eap, 4);
	world_done(&w);
}

/* RFC 7383: a small limit fragments the certificate-bearing IKE_AUTH response. */
static void test_fragmentation_rfc7383(void **state)
{
	struct ike_initiator_config c;
	struct world w;

	world_init(&w, true, false);
	login_config(&w, &c);
	c.frag_mtu = 576;
	do_connect(&w, &c);
	assert_up(&w);
	assert_true(w.frags_seen == 0); /* the gateway's limit is 1280: its response fits */
	world_done(&w);

	world_init(&w, true, false);
	{
		struct ike_responder_config rc = {0};

		ike_policy_gateway_default(&rc.policy, false);
		rc.sign_key = w.pki.gw_key;
		rc.certs = &w.pki.leaf;
		rc.n_certs = 1;
		rc.frag_mtu = 400;
		assert_int_equal(ike_responder_configure(w.gw, &rc), 0);
	}
	login_config(&w, &c);
	c.frag_mtu = 400;
	do_connect(&w, &c);
	assert_up(&w);
	assert_true(w.frags_seen >= 3);
	assert_int_equal(w.cisco_frags_seen, 0);
	world_done(&w);
}

/* PROTOCOL.md §10: a peer that announces only the Cisco method gets Cisco fragments. */
static void test_fragmentation_cisco(void **state)
{
	struct ike_initiator_config c;
	struct ike_responder_config rc = {0};
	struct world w;

	world_init(&w, true, false);
	ike_policy_gateway_default(&rc.policy, false);
	rc.sign_key = w.pki.gw_key;
	rc.certs = &w.pki.leaf;
	rc.n_certs = 1;
	rc.frag_mtu = 400;
	rc.frag_cisco_only = true;
	assert_int_equal(ike_responder_configure(w.gw, &rc), 0);
	login_config(&w, &c);
	c.frag_mtu = 400;
	do_connect(&w, &c);
	assert_up(&w);
	assert_true(w.cisco_frags_seen >= 3);
	assert_int_equal(w.frags_seen, 0);
	world_done(&w);
}

static enum verdict drop_all(struct world *w, bool to_gw, const uint8_t *p, size_t n)
{
	(void)w, (void)to_gw, (void)p, (void)n;
	return DROP;
}

/* §11: client DPD every 30 s of silence; a silent gateway is dead after 31.5 s. */
static void test_dpd_and_dead_peer(void **state)
{
	struct ike_initiator_config c;
	struct world w;
	usec_t t0;

	world_init(&w, false, false);
	login_config(&w, &c);
	do_connect(&w, &c);
	assert_up(&w);
	w.to_gw = 0;
	advance(&w, 31 * USEC_PER_SEC);
	assert_int_equal(w.to_gw, 1); /* one empty INFORMATIONAL, answered */
	assert_int_equal(w.c.dead, 0);
	w.filter = drop_all;
	t0 = w.now;
	advance(&w, 29 * USEC_PER_SEC); /* the next DPD goes out at t0 + 30 - 1 */
	assert_int_equal(w.c.dead, 0);
	advance(&w, 31 * USEC_PER_SEC);
	assert_int_equal(w.c.dead, 0);
	advance(&w, 1 * USEC_PER_SEC);
	assert_int_equal(w.c.dead, 1);
	assert_true(w.now - t0 >= 60 * USEC_PER_SEC);
	assert_int_equal(ike_list_sas(w.cli, NULL, 0), 0);
	world_done(&w);
}

/* §11, D8: the gateway probes only after 45 s of silence, every 2 s, 5 times. */
static void test_gateway_on_demand_dpd(void **state)
{
	struct ike_initiator_config c;
	struct world w;

	world_init(&w, false, false);
	login_config(&w, &c);
	do_connect(&w, &c);
	assert_up(&w);
	/* the client goes away (suspended): nothing reaches the gateway any more */
	assert_int_equal(ike_sa_drop(w.cli, w.c.sa), 0);
	w.filter = drop_all;
	advance(&w, 44 * USEC_PER_SEC);
	assert_int_equal(w.g.dead, 0);
	advance(&w, 45 * USEC_PER_SEC + 10 * USEC_PER_SEC);
	assert_int_equal(w.g.dead, 1);
	assert_int_equal(ike_list_sas(w.gw, NULL, 0), 0);
	world_done(&w);
}

/* RFC 7296 §1.4.1: the user disconnects: D(IKE), answered, both sides gone. */
static void test_delete(void **state)
{
	struct ike_initiator_config c;
	struct world w;

	world_init(&w, false, false);
	login_config(&w, &c);
	do_connect(&w, &c);
	assert_up(&w);
	assert_int_equal(ike_sa_delete(w.cli, w.c.sa, w.now, true), 0);
	pump(&w);
	assert_int_equal(w.c.deleted, 1);
	assert_int_equal(w.g.deleted, 1);
	assert_int_equal(ike_list_sas(w.cli, NULL, 0), 0);
	assert_int_equal(ike_list_sas(w.gw, NULL, 0), 0);
	world_done(&w);

	/* the gateway's `clear crypto session`: Delete sent once, SA gone at once */
	world_init(&w, false, false);
	login_config(&w, &c);
	do_connect(&w, &c);
	assert_int_equal(ike_sa_delete(w.gw, w.g.sa, w.now, false), 0);
	pump(&w);
	assert_int_equal(w.g.deleted, 1);
	assert_int_equal(w.c.deleted, 1);
	world_done(&w);
}

/* RFC 7296 §1.4.1: the gateway deletes the only Child SA: the client answers with
 * its own D(ESP) and gives the IKE SA up without a Delete(IKE) (PROTOCOL.md §4.4). */
static void test_child_deleted_by_gateway(void **state)
{
	struct ike_initiator_config c;
	struct ike_msg_build b;
	struct ike_sa *gsa;
	uint8_t spi[4];

	world_init(&w_child_del, false, false);
	login_config(&w_child_del, &c);
	do_connect(&w_child_del, &c);
	assert_up(&w_child_del);
	gsa = ike_sa_find(w_child_del.gw, w_child_del.g.sa);
	assert_non_null(gsa);
	be32_store(spi, gsa->child.spi_in);
	ike_msg_build_init_inner(&b);
	assert_int_equal(ike_msg_build_delete(&b, IKE_PROTO_ESP, 4, spi, 1), 0);
	/* SK{D(ESP, gateway's inbound SPI)} --> */
	assert_int_equal(ike_wire_send_request(gsa, IKE_REQ_CHILD_DELETE,
					       IKE_EXCHANGE_INFORMATIONAL, &b, w_child_del.now),
			 0);
	ike_msg_build_done(&b);
	pump(&w_child_del);
	assert_int_equal(w_child_del.c.deleted, 1);
	assert_int_equal(ike_list_sas(w_child_del.cli, NULL, 0), 0);
	/* <-- SK{D(ESP, client's inbound SPI)}: the gateway's child is gone, its IKE SA stays */
	assert_int_equal(w_child_del.g.deleted, 0);
	assert_false(gsa->has_child);
	world_done(&w_child_del);
}

/* RFC 7296 §1.3.3: Child SA rekey, then the old Child SA is deleted. */
static void test_child_rekey(void **state)
{
	struct ike_initiator_config c;
	struct ike_sa_info ci;
	struct world w;
	uint32_t old_in;

	world_init(&w, false, true);
	login_config(&w, &c);
	do_connect(&w, &c);
	assert_up(&w);
	old_in = w.c.est.child.spi_in;
	assert_int_equal(ike_sa_rekey_child(w.cli, w.c.sa, w.now), 0);
	pump(&w);
	assert_int_equal(w.c.child_rekeyed, 1);
	assert_int_equal(w.g.child_rekeyed, 1);
	assert_children_match(&w.c.rekeyed, &w.g.rekeyed);
	assert_int_not_equal(w.c.rekeyed.spi_in, old_in);
	assert_int_equal(ike_sa_get_info(w.cli, w.c.sa, &ci), 0);
	assert_int_equal(ci.child_spi_in, w.c.rekeyed.spi_in);
	/* and by the timer: 3600 s x (0.9 +- 0.05) later */
	advance(&w, 3500 * USEC_PER_SEC);
	assert_int_equal(w.c.child_rekeyed, 2);
	assert_int_equal(w.c.dead, 0);
	world_done(&w);
}

/* RFC 7296 §2.8.1, §2.25: both sides rekey the Child SA at once: each declines the
 * other's with TEMPORARY_FAILURE, and the jittered retries then go through. */
static void test_rekey_collision(void **state)
{
	struct ike_initiator_config c;
	struct world w;

	world_init(&w, false, false);
	login_config(&w, &c);
	do_connect(&w, &c);
	assert_up(&w);
	assert_int_equal(ike_sa_rekey_child(w.cli, w.c.sa, w.now), 0);
	assert_int_equal(ike_sa_rekey_child(w.gw, w.g.sa, w.now), 0);
	pump(&w);
	assert_int_equal(w.c.child_rekeyed + w.g.child_rekeyed, 0);
	advance(&w, 20 * USEC_PER_SEC);
	assert_true(w.c.child_rekeyed >= 1);
	assert_int_equal(w.c.child_rekeyed, w.g.child_rekeyed);
	assert_children_match(&w.c.rekeyed, &w.g.rekeyed);
	assert_int_equal(w.c.failed + w.g.failed + w.c.dead + w.g.dead + w.c.deleted + w.g.deleted,
			 0);
	world_done(&w);
}

/* RFC 7296 §1.3.2, §2.18: IKE SA rekey by the client, then by the gateway (roles swap). */
static void test_ike_rekey(void **state)
{
	struct ike_initiator_config c;
	struct ike_sa_info ci, gi;
	struct world w;
	uint64_t old_c, old_g;

	world_init(&w, false, false);
	login_config(&w, &c);
	do_connect(&w, &c);
	assert_up(&w);
	old_c = w.c.sa;
	old_g = w.g.sa;
	assert_int_equal(ike_sa_rekey_ike(w.cli, old_c, w.now), 0);
	pump(&w);
	assert_int_equal(w.c.ike_rekeyed, 1);
	assert_int_equal(w.g.ike_rekeyed, 1);
	assert_int_equal(w.c.deleted + w.g.deleted + w.c.failed + w.g.failed, 0);
	assert_int_not_equal(w.c.sa, old_c);
	assert_int_not_equal(w.g.sa, old_g);
	assert_int_equal(ike_list_sas(w.cli, NULL, 0), 1);
	assert_int_equal(ike_list_sas(w.gw, NULL, 0), 1);
	assert_int_equal(ike_sa_get_info(w.cli, w.c.sa, &ci), 0);
	assert_int_equal(ike_sa_get_info(w.gw, w.g.sa, &gi), 0);
	assert_int_equal(ci.spi_i, gi.spi_i);
	assert_int_equal(ci.spi_r, gi.spi_r);
	assert_int_equal(ci.state, IKE_SA_STATE_ESTABLISHED);
	assert_int_equal(ci.child_spi_in, w.c.est.child.spi_in); /* the child moved over */
	/* the new SA carries traffic: a child rekey and DPD on it */
	assert_int_equal(ike_sa_rekey_child(w.cli, w.c.sa, w.now), 0);
	pump(&w);
	assert_int_equal(w.c.child_rekeyed, 1);
	assert_children_match(&w.c.rekeyed, &w.g.rekeyed);
	/* now the gateway rekeys: it becomes the new SA's initiator */
	assert_int_equal(ike_sa_rekey_ike(w.gw, w.g.sa, w.now), 0);
	pump(&w);
	assert_int_equal(w.c.ike_rekeyed, 2);
	assert_int_equal(w.g.ike_rekeyed, 2);
	assert_int_equal(ike_sa_get_info(w.cli, w.c.sa, &ci), 0);
	assert_int_equal(ci.role, IKE_ROLE_RESPONDER);
	assert_int_equal(ike_list_sas(w.cli, NULL, 0), 1);
	/* a child rekey started by the gateway: the exchange initiator's keys come first */
	assert_int_equal(ike_sa_rekey_child(w.gw, w.g.sa, w.now), 0);
	pump(&w);
	assert_int_equal(w.g.child_rekeyed, 2);
	assert_children_match(&w.c.rekeyed, &w.g.rekeyed);
	w.to_gw = 0;
	advance(&w, 31 * USEC_PER_SEC);
	assert_int_equal(w.to_gw, 1); /* DPD on the twice-rekeyed SA, answered */
	assert_int_equal(w.c.dead + w.g.dead + w.c.deleted + w.g.deleted, 0);
	world_done(&w);
}

int main(void)
{
	if (getenv("XCHG_DEBUG"))
		log_set_level(LOG_LEVEL_DEBUG);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eap_anyconnect_login),
		cmocka_unit_test(test_eap_mschapv2_msk),
		cmocka_unit_test(test_eap_wrong_password),
		cmocka_unit_test(test_psk_reconnect),
		cmocka_unit_test(test_psk_rejected),
		cmocka_unit_test(test_anyconnect_id_with_psk_refused),
		cmocka_unit_test(test_cookie),
		cmocka_unit_test(test_invalid_ke),
		cmocka_unit_test(test_loss_and_duplicates),
		cmocka_unit_test(test_fragmentation_rfc7383),
		cmocka_unit_test(test_fragmentation_cisco),
		cmocka_unit_test(test_dpd_and_dead_peer),
		cmocka_unit_test(test_gateway_on_demand_dpd),
		cmocka_unit_test(test_delete),
		cmocka_unit_test(test_child_rekey),
		cmocka_unit_test(test_child_deleted_by_gateway),
		cmocka_unit_test(test_ike_rekey),
		cmocka_unit_test(test_rekey_collision),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
