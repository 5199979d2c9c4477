/*
 * test_eap.c - agent/eap: RFC test vectors (MD4, MSCHAPv2, MPPE keys, EAP-MD5), EAP
 * framing edge cases, and peer <-> server conversations for MSCHAPv2, MD5 and GTC
 * (Identity, Nak, wrong password, mutual authentication, the round bound).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/hex.h"
#include "core/log.h"
#include "core/rng.h"
#include "core/secret.h"
#include "core/xmalloc.h"
#include "eap/eap.h"
#include "eap/eap_md4.h"
#include "eap/eap_md5.h"
#include "eap/eap_mschapv2.h"
#include "eap/eap_pkt.h"

static void unhex(const char *s, uint8_t *out, size_t n)
{
	size_t len = 0;

	assert_int_equal(hex_decode(s, out, n, &len), 0);
	assert_int_equal(len, n);
}

/* ---- vectors ---- */

static void md4_rfc1320(void **state)
{
	static const struct {
		const char *in, *out;
	} v[] = {
		{"", "31d6cfe0d16ae931b73c59d7e0c089c0"},
		{"a", "bde52cb31de33e46245e05fbdbd6fb24"},
		{"abc", "a448017aaf21d8525fc10ae87aa6729d"},
		{"message digest", "d9130a8164549fe818874806e1c7014b"},
		{"abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9"},
		{"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
		 "043f8582f241db351ce627e153e7f0e4"},
		{"1234567890123456789012345678901234567890123456789012345678901234567890"
		 "1234567890",
		 "e33b4ddc9c38f2199c3e7b164fcc0536"},
	};
	uint8_t out[16];
	char hex[33];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(v); i++) {
		eap_md4(v[i].in, strlen(v[i].in), out);
		hex_encode(out, 16, hex, 0);
		assert_string_equal(hex, v[i].out);
	}
}

/* RFC 2759 §9.2 */
#define RFC_USER    "User"
#define RFC_AUTH_CH "5B5D7C7D7B3F2F3E3C2C602132262628"
#define RFC_PEER_CH "21402324255E262A28295F2B3A337C7E"
#define RFC_NT_RESP "82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF"

static void mschapv2_rfc2759(void **state)
{
	_cleanup_secret_ struct secret *pw = secret_from_str("clientPass"), *nt = NULL;
	uint8_t auth_ch[16], peer_ch[16], ch[8], resp[24], expect[24], auth[20], hh[16];
	char hex[64];

	(void)state;
	unhex(RFC_AUTH_CH, auth_ch, 16);
	unhex(RFC_PEER_CH, peer_ch, 16);
	assert_int_equal(eap_nt_hash(pw, &nt), 0);
	hex_encode(secret_data(nt), 16, hex, 1);
	assert_string_equal(hex, "44EBBA8D5312B8D611474411F56989AE"); /* PasswordHash */
	eap_md4(secret_data(nt), 16, hh);
	hex_encode(hh, 16, hex, 1);
	assert_string_equal(hex, "41C00C584BD2D91C4017A2A12FA59F3F"); /* PasswordHashHash */
	assert_int_equal(eap_mschapv2_challenge_hash(peer_ch, auth_ch, RFC_USER, 4, ch), 0);
	hex_encode(ch, 8, hex, 1);
	assert_string_equal(hex, "D02E4386BCE91226");
	assert_int_equal(
		eap_mschapv2_nt_response(auth_ch, peer_ch, RFC_USER, 4, secret_data(nt), resp), 0);
	unhex(RFC_NT_RESP, expect, 24);
	assert_memory_equal(resp, expect, 24);
	assert_int_equal(eap_mschapv2_auth_response(secret_data(nt), resp, peer_ch, auth_ch,
						    RFC_USER, 4, auth),
			 0);
	hex_encode(auth, 20, hex, 1);
	assert_string_equal(hex, "407A5589115FD0D6209F510FE9C04566932CDA56");
}

/* RFC 3079 §3.5.3 (128-bit keys) with the same inputs */
static void mppe_rfc3079(void **state)
{
	_cleanup_secret_ struct secret *pw = secret_from_str("clientPass"), *nt = NULL, *msk = NULL;
	uint8_t resp[24], master[16], send_srv[16], recv_srv[16], send_cli[16], recv_cli[16];
	char hex[40];

	(void)state;
	unhex(RFC_NT_RESP, resp, 24);
	assert_int_equal(eap_nt_hash(pw, &nt), 0);
	assert_int_equal(eap_mschapv2_master_key(secret_data(nt), resp, master), 0);
	hex_encode(master, 16, hex, 1);
	assert_string_equal(hex, "FDECE3717A8C838CB388E527AE3CDD31");
	assert_int_equal(eap_mschapv2_asym_key(master, true, true, send_srv), 0);
	assert_int_equal(eap_mschapv2_asym_key(master, false, true, recv_srv), 0);
	assert_int_equal(eap_mschapv2_asym_key(master, true, false, send_cli), 0);
	assert_int_equal(eap_mschapv2_asym_key(master, false, false, recv_cli), 0);
	/* SendStartKey128 of the RFC is the server's send key = the client's receive key */
	hex_encode(send_srv, 16, hex, 1);
	assert_string_equal(hex, "8B7CDC149B993A1BA118CB153F56DCCB");
	assert_memory_equal(send_srv, recv_cli, 16);
	assert_memory_equal(recv_srv, send_cli, 16);
	assert_memory_not_equal(send_srv, recv_srv, 16);
	/* MSK = MasterReceiveKey | MasterSendKey (server's view) | 32 zero bytes */
	assert_int_equal(eap_mschapv2_msk(secret_data(nt), resp, &msk), 0);
	assert_int_equal(secret_len(msk), 64);
	assert_memory_equal(secret_data(msk), recv_srv, 16);
	assert_memory_equal(secret_data(msk) + 16, send_srv, 16);
	for (int i = 32; i < 64; i++)
		assert_int_equal(secret_data(msk)[i], 0);
}

static void md5_vector(void **state)
{
	_cleanup_secret_ struct secret *pw = secret_from_str("bob-md5-secret");
	uint8_t ch[16], out[16];
	char hex[33];

	(void)state;
	for (int i = 0; i < 16; i++)
		ch[i] = (uint8_t)i;
	/* MD5(0x07 | "bob-md5-secret" | 00..0f), computed independently (Python hashlib) */
	assert_int_equal(eap_md5_response(7, pw, ch, 16, out), 0);
	hex_encode(out, 16, hex, 0);
	assert_string_equal(hex, "c697967b537235e1d8684c1d7abe5658");
}

static void nt_hash_utf8(void **state)
{
	_cleanup_secret_ struct secret *bad = secret_from("\xc3\x28", 2), *nt = NULL,
				       *good = secret_from_str("p\xc3\xa4ss"), *nt2 = NULL;
	uint8_t u16[8] = {'p', 0, 0xe4, 0, 's', 0, 's', 0}, md[16];

	(void)state;
	assert_int_equal(eap_nt_hash(bad, &nt), -EBADMSG);
	assert_int_equal(eap_nt_hash(good, &nt2), 0);
	eap_md4(u16, sizeof(u16), md); /* U+00E4 as the UTF-16LE unit E4 00 */
	assert_memory_equal(secret_data(nt2), md, 16);
}

static void verifier_round_trip(void **state)
{
	_cleanup_secret_ struct secret *pw = secret_from_str("cisco"),
				       *other = secret_from_str("Cisco"), *v = NULL,
				       *broken = secret_from("x", 1);
	struct rng_fake rng;

	(void)state;
	rng_fake_init(&rng, 1);
	assert_int_equal(eap_verifier_new(pw, &rng.ops, &v), 0);
	assert_int_equal(secret_len(v), EAP_VERIFIER_LEN);
	assert_int_equal(eap_verifier_check(v, pw), 0);
	assert_int_equal(eap_verifier_check(v, other), -EACCES);
	assert_int_equal(eap_verifier_check(broken, pw), -EBADMSG);
}

static void session_generate(void **state)
{
	_cleanup_secret_ struct secret *tok = NULL;
	_cleanup_free_ char *id = NULL;
	struct rng_fake rng;

	(void)state;
	rng_fake_init(&rng, 2);
	assert_int_equal(eap_session_generate(&rng.ops, &id, &tok), 0);
	assert_int_equal(strlen(id), 18);
	for (size_t i = 0; i < 18; i++)
		assert_true((id[i] >= 'A' && id[i] <= 'Z') || (id[i] >= 'a' && id[i] <= 'z'));
	assert_int_equal(secret_len(tok), 64);
	for (size_t i = 0; i < 64; i++) {
		uint8_t c = secret_data(tok)[i];

		assert_true((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'));
	}
}

/* ---- framing ---- */

static void framing_edges(void **state)
{
	struct eap_pkt pkt;
	/* Length beyond the bytes received */
	static const uint8_t longer[] = {1, 1, 0, 9, 1};
	/* Length below the header */
	static const uint8_t tiny[] = {3, 1, 0, 3};
	/* Success with a body */
	static const uint8_t fat_success[] = {3, 1, 0, 5, 0};
	/* Request without a type */
	static const uint8_t no_type[] = {1, 1, 0, 4};
	/* unknown code */
	static const uint8_t code9[] = {9, 1, 0, 4};
	/* expanded header cut short */
	static const uint8_t short_exp[] = {1, 1, 0, 8, 254, 0, 0, 9};
	/* link padding after Length is ignored (RFC 3748 §4.1) */
	static const uint8_t padded[] = {1, 0x42, 0, 5, 1, 0xAA, 0xBB};
	static const uint8_t exp[] = {2, 7, 0, 14, 254, 0, 0, 9, 0x44, 0x42, 0x52, 0x50, 0, 0};

	(void)state;
	assert_int_equal(eap_pkt_parse(longer, sizeof(longer), &pkt), -EBADMSG);
	assert_int_equal(eap_pkt_parse(tiny, sizeof(tiny), &pkt), -EBADMSG);
	assert_int_equal(eap_pkt_parse(fat_success, sizeof(fat_success), &pkt), -EBADMSG);
	assert_int_equal(eap_pkt_parse(no_type, sizeof(no_type), &pkt), -EBADMSG);
	assert_int_equal(eap_pkt_parse(code9, sizeof(code9), &pkt), -EBADMSG);
	assert_int_equal(eap_pkt_parse(short_exp, sizeof(short_exp), &pkt), -EBADMSG);
	assert_int_equal(eap_pkt_parse(padded, 3, &pkt), -EBADMSG);
	assert_int_equal(eap_pkt_parse(padded, sizeof(padded), &pkt), 0);
	assert_int_equal(pkt.id, 0x42);
	assert_int_equal(pkt.type, EAP_TYPE_IDENTITY);
	assert_int_equal(pkt.data_len, 0);
	assert_int_equal(eap_pkt_parse(exp, sizeof(exp), &pkt), 0);
	assert_int_equal(pkt.vendor_id, EAP_VENDOR_CISCO);
	assert_int_equal(pkt.vendor_type, EAP_VENDOR_TYPE_ANYCONNECT);
	assert_int_equal(pkt.data_len, 2);
}

static void framing_build(void **state)
{
	struct buf_writer wr;
	static const uint8_t want[] = {2,    7,	   0,	 16,   254, 0, 0, 9,
				       0x44, 0x42, 0x52, 0x50, 0,   0, 0, 0};
	static const uint8_t tlv[] = {0, 0, 0, 0};

	(void)state;
	buf_writer_init(&wr);
	assert_int_equal(eap_pkt_build_expanded(&wr, EAP_CODE_RESPONSE, 7, EAP_VENDOR_CISCO,
						EAP_VENDOR_TYPE_ANYCONNECT, tlv, sizeof(tlv)),
			 0);
	assert_int_equal(wr.len, sizeof(want));
	assert_memory_equal(wr.data, want, sizeof(want));
	buf_writer_reset(&wr);
	assert_int_equal(eap_pkt_build_status(&wr, EAP_CODE_FAILURE, 0x10), 0);
	assert_int_equal(wr.len, 4);
	assert_int_equal(be32_load(wr.data), 0x04100004);
	buf_writer_reset(&wr);
	assert_int_equal(eap_pkt_build(&wr, 1, 1, 1, NULL, 70000), -EMSGSIZE);
	buf_writer_done(&wr);
}

/* ---- a user database for the server ---- */

struct user {
	const char *name, *password;
	bool verifier, nt, clear;
};

static const struct user users[] = {
	{"alice", "alice-secret-pw", false, true, false}, /* MSCHAPv2 only: NT hash */
	{"bob", "bob-md5-secret", false, false, true},	  /* cleartext */
	{"carol", "carol-pw", true, false, false},	  /* verifier only */
	{"DOM\\dave", "dave-pw", false, true, false},
};

static int lookup(void *user_data, const char *name, enum eap_cred_type type, struct secret **ret)
{
	_cleanup_secret_ struct secret *pw = NULL;
	struct rng_fake rng;
	size_t i;

	(void)user_data;
	for (i = 0; i < ARRAY_SIZE(users); i++) {
		if (strcmp(users[i].name, name) != 0)
			continue;
		pw = secret_from_str(users[i].password);
		switch (type) {
		case EAP_CRED_VERIFIER:
			if (!users[i].verifier)
				return -ENOENT;
			rng_fake_init(&rng, 99);
			return eap_verifier_new(pw, &rng.ops, ret);
		case EAP_CRED_NT_HASH:
			return users[i].nt ? eap_nt_hash(pw, ret) : -ENOENT;
		case EAP_CRED_CLEARTEXT:
			if (!users[i].clear)
				return -ENOENT;
			*ret = steal_ptr(pw);
			return 0;
		case _EAP_CRED_MAX:
			break;
		}
	}
	return -ENOENT;
}

/* ---- conversations ---- */

struct pair {
	struct rng_fake prng, srng;
	struct eap_peer *peer;
	struct eap_server *srv;
	unsigned int rounds;
};

/* Every conversation runs with debug logging into this sink: the engine must never log
 * an error (an illegal state move) on any path. */
static unsigned int logged_errors, logged_lines;

static void count_sink(void *user_data, enum log_level level, const char *module, const char *func,
		       const struct log_fields *fields, const char *msg)
{
	(void)user_data;
	(void)module;
	(void)func;
	(void)fields;
	(void)msg;
	logged_lines++;
	if (level <= LOG_LEVEL_ERR)
		logged_errors++;
}

static void pair_init(struct pair *p, struct eap_peer_config pc, struct eap_server_config sc)
{
	log_set_sink(count_sink, NULL);
	log_set_level(LOG_LEVEL_DEBUG);
	logged_errors = 0;
	rng_fake_init(&p->prng, 11);
	rng_fake_init(&p->srng, 22);
	pc.rng = &p->prng.ops;
	sc.rng = &p->srng.ops;
	sc.userdb.lookup = lookup;
	p->peer = eap_peer_new(&pc);
	p->srv = eap_server_new(&sc);
	p->rounds = 0;
}

static void pair_done(struct pair *p)
{
	assert_int_equal(logged_errors, 0);
	assert_true(logged_lines > 0);
	log_set_sink(NULL, NULL);
	log_set_level(LOG_LEVEL_INFO);
	p->peer = eap_peer_free(p->peer);
	p->srv = eap_server_free(p->srv);
}

/* Runs the conversation to its end; returns the peer's last status (or error). */
static int pump(struct pair *p, int *ret_srv)
{
	const uint8_t *b;
	size_t n;
	int rs, rp;

	rs = eap_server_start(p->srv);
	assert_int_equal(rs, EAP_STATUS_SEND);
	for (;;) {
		eap_server_packet(p->srv, &b, &n);
		assert_non_null(b);
		rp = eap_peer_input(p->peer, b, n);
		if (rs != EAP_STATUS_SEND || rp != EAP_STATUS_SEND)
			break;
		p->rounds++;
		eap_peer_packet(p->peer, &b, &n);
		rs = eap_server_input(p->srv, b, n);
	}
	*ret_srv = rs;
	return rp;
}

static void mschapv2_conversation(void **state)
{
	_cleanup_secret_ struct secret *pw = secret_from_str("alice-secret-pw");
	struct pair p;
	int rs, rp;

	(void)state;
	pair_init(&p,
		  (struct eap_peer_config){.methods = EAP_METHOD_BIT(EAP_METHOD_MSCHAPV2),
					   .username = "alice",
					   .password = pw},
		  (struct eap_server_config){.method = EAP_METHOD_MSCHAPV2});
	rp = pump(&p, &rs);
	assert_int_equal(rs, EAP_STATUS_SUCCESS);
	assert_int_equal(rp, EAP_STATUS_SUCCESS);
	/* Identity, Challenge, Success Request */
	assert_int_equal(p.rounds, 3);
	assert_string_equal(eap_server_outcome(p.srv)->user, "alice");
	assert_int_equal(eap_peer_outcome(p.peer)->method, EAP_METHOD_MSCHAPV2);
	assert_string_equal(eap_peer_outcome(p.peer)->identity, "alice");
	assert_non_null(eap_peer_outcome(p.peer)->msk);
	assert_true(secret_eq(eap_peer_outcome(p.peer)->msk, eap_server_outcome(p.srv)->msk));
	assert_int_equal(secret_len(eap_server_outcome(p.srv)->msk), EAP_MSCHAPV2_MSK_LEN);
	pair_done(&p);
}

static void mschapv2_domain_user(void **state)
{
	_cleanup_secret_ struct secret *pw = secret_from_str("dave-pw");
	struct pair p;
	int rs, rp;

	(void)state;
	pair_init(&p, (struct eap_peer_config){.username = "DOM\\dave", .password = pw},
		  (struct eap_server_config){.method = EAP_METHOD_MSCHAPV2});
	rp = pump(&p, &rs);
	assert_int_equal(rp, EAP_STATUS_SUCCESS);
	assert_int_equal(rs, EAP_STATUS_SUCCESS);
	pair_done(&p);
}

static void mschapv2_wrong_password(void **state)
{
	_cleanup_secret_ struct secret *pw = secret_from_str("not-alice");
	struct pair p;
	int rs, rp;

	(void)state;
	pair_init(&p, (struct eap_peer_config){.username = "alice", .password = pw},
		  (struct eap_server_config){.method = EAP_METHOD_MSCHAPV2});
	rp = pump(&p, &rs);
	assert_int_equal(rs, EAP_STATUS_FAILURE);
	assert_int_equal(rp, EAP_STATUS_FAILURE);
	assert_non_null(strstr(eap_peer_outcome(p.peer)->last_error, "E=691"));
	assert_null(eap_peer_outcome(p.peer)->msk);
	assert_null(eap_server_outcome(p.srv)->msk);
	assert_string_equal(eap_server_outcome(p.srv)->reason, "bad password");
	pair_done(&p);
}

/* A server that does not know the password cannot produce the S= proof. */
static void mschapv2_peer_checks_authenticator(void **state)
{
	_cleanup_secret_ struct secret *pw = secret_from_str("alice-secret-pw");
	struct eap_peer_config pc = {.username = "alice", .password = pw};
	struct rng_fake rng;
	struct eap_peer *peer;
	uint8_t req[] = {1, 5, 0, 26, 26, 1, 5,	 0,  21, 16, 0,	 1,  2,	 3,
			 4, 5, 6, 7,  8,  9, 10, 11, 12, 13, 14, 15, 'x'};
	char ok_text[] = "S=0000000000000000000000000000000000000000 M=hi";
	uint8_t succ[64] = {1, 6, 0, 0, 26, 3, 5, 0, 0};
	size_t n = 9 + strlen(ok_text);
	static const uint8_t eap_success[] = {3, 6, 0, 4};

	(void)state;
	rng_fake_init(&rng, 5);
	pc.rng = &rng.ops;
	peer = eap_peer_new(&pc);
	assert_int_equal(eap_peer_input(peer, req, sizeof(req)), EAP_STATUS_SEND);
	memcpy(succ + 9, ok_text, strlen(ok_text));
	be16_store(succ + 2, (uint16_t)n);
	be16_store(succ + 7, (uint16_t)(n - 5));
	assert_int_equal(eap_peer_input(peer, succ, n), -EPROTO);
	assert_non_null(strstr(eap_peer_outcome(peer)->last_error, "mutual authentication"));
	assert_int_equal(eap_peer_input(peer, eap_success, 4), -EPROTO);
	eap_peer_free(peer);
}

/* Broken framing is dropped and the exchange goes on (RFC 3748 §4). */
static void broken_framing_dropped(void **state)
{
	_cleanup_secret_ struct secret *pw = secret_from_str("bob-md5-secret");
	struct eap_peer_config pc = {.username = "bob", .password = pw};
	struct eap_peer *peer = eap_peer_new(&pc);
	static const uint8_t liar[] = {1, 5, 0, 200, 1};
	static const uint8_t ident[] = {1, 5, 0, 5, 1};

	(void)state;
	assert_int_equal(eap_peer_input(peer, liar, sizeof(liar)), -EBADMSG);
	assert_int_equal(eap_peer_input(peer, ident, sizeof(ident)), EAP_STATUS_SEND);
	eap_peer_free(peer);
}

/* EAP-Success before the method finished must not be taken (RFC 3748 §7.2). */
static void early_success_refused(void **state)
{
	struct eap_peer_config pc = {.username = "alice"};
	static const uint8_t ident[] = {1, 9, 0, 5, 1};
	static const uint8_t success[] = {3, 9, 0, 4};
	struct eap_peer *peer = eap_peer_new(&pc);

	(void)state;
	assert_int_equal(eap_peer_input(peer, ident, sizeof(ident)), EAP_STATUS_SEND);
	assert_int_equal(eap_peer_input(peer, success, sizeof(success)), -EPROTO);
	eap_peer_free(peer);
}

static void md5_conversation(void **state)
{
	_cleanup_secret_ struct secret *pw = secret_from_str("bob-md5-secret"),
				       *bad = secret_from_str("bob-md5-secreT");
	struct pair p;
	int rs, rp;

	(void)state;
	pair_init(&p, (struct eap_peer_config){.username = "bob", .password = pw},
		  (struct eap_server_config){.method = EAP_METHOD_MD5});
	rp = pump(&p, &rs);
	assert_int_equal(rp, EAP_STATUS_SUCCESS);
	assert_int_equal(rs, EAP_STATUS_SUCCESS);
	assert_null(eap_peer_outcome(p.peer)->msk);
	pair_done(&p);

	pair_init(&p, (struct eap_peer_config){.username = "bob", .password = bad},
		  (struct eap_server_config){.method = EAP_METHOD_MD5});
	rp = pump(&p, &rs);
	assert_int_equal(rp, EAP_STATUS_FAILURE);
	assert_int_equal(rs, EAP_STATUS_FAILURE);
	pair_done(&p);

	/* alice has no cleartext: MD5 cannot check her */
	pair_init(&p, (struct eap_peer_config){.username = "alice", .password = pw},
		  (struct eap_server_config){.method = EAP_METHOD_MD5});
	rp = pump(&p, &rs);
	assert_int_equal(rs, EAP_STATUS_FAILURE);
	pair_done(&p);
}

static void gtc_conversation(void **state)
{
	_cleanup_secret_ struct secret *pw = secret_from_str("carol-pw");
	struct pair p;
	int rs, rp;

	(void)state;
	pair_init(&p, (struct eap_peer_config){.username = "carol", .password = pw},
		  (struct eap_server_config){.method = EAP_METHOD_GTC});
	rp = pump(&p, &rs);
	assert_int_equal(rp, EAP_STATUS_SUCCESS);
	assert_int_equal(rs, EAP_STATUS_SUCCESS);
	pair_done(&p);
}

/* GTC: the configured password answers the first prompt, a second prompt (a token
 * code) goes to the user with the server's wording; wrong and unknown users fail alike. */
static void gtc_second_prompt_and_failures(void **state)
{
	_cleanup_secret_ struct secret *pw = secret_from_str("carol-pw"),
				       *otp = secret_from_str("123456");
	struct eap_peer_config pc = {.username = "carol", .password = pw};
	struct eap_peer *peer = eap_peer_new(&pc);
	static const uint8_t p1[] = {1, 1, 0, 14, 6, 'P', 'a', 's', 's', 'w', 'o', 'r', 'd', ':'};
	static const uint8_t p2[] = {1, 2, 0, 10, 6, 'O', 'T', 'P', '?', ' '};
	const struct eap_form *f;
	const uint8_t *b;
	size_t n;
	struct pair p;
	int rs, rp;

	(void)state;
	assert_int_equal(eap_peer_input(peer, p1, sizeof(p1)), EAP_STATUS_SEND);
	eap_peer_packet(peer, &b, &n);
	assert_int_equal(n, 5 + 8);
	assert_memory_equal(b + 5, "carol-pw", 8);
	assert_int_equal(eap_peer_input(peer, p2, sizeof(p2)), EAP_STATUS_NEED_INPUT);
	f = eap_peer_form(peer);
	assert_string_equal(f->message, "OTP? ");
	assert_int_equal(f->n_fields, 1);
	assert_string_equal(f->fields[0].label, "OTP? ");
	assert_int_equal(eap_peer_answer(peer, (struct eap_answer[]){{"password", otp}}, 1),
			 EAP_STATUS_SEND);
	eap_peer_packet(peer, &b, &n);
	assert_int_equal(b[1], 2);
	assert_memory_equal(b + 5, "123456", 6);
	eap_peer_free(peer);

	pair_init(&p, (struct eap_peer_config){.username = "carol", .password = otp},
		  (struct eap_server_config){.method = EAP_METHOD_GTC});
	rp = pump(&p, &rs);
	assert_int_equal(rs, EAP_STATUS_FAILURE);
	assert_int_equal(rp, EAP_STATUS_FAILURE);
	assert_string_equal(eap_server_outcome(p.srv)->reason, "bad password");
	pair_done(&p);
	pair_init(&p, (struct eap_peer_config){.username = "mallory", .password = otp},
		  (struct eap_server_config){.method = EAP_METHOD_GTC});
	rp = pump(&p, &rs);
	assert_int_equal(rs, EAP_STATUS_FAILURE);
	assert_string_equal(eap_server_outcome(p.srv)->reason, "unknown user");
	pair_done(&p);
	/* MSCHAPv2 for an unknown user looks like a wrong password on the wire */
	pair_init(&p, (struct eap_peer_config){.username = "mallory", .password = otp},
		  (struct eap_server_config){.method = EAP_METHOD_MSCHAPV2});
	rp = pump(&p, &rs);
	assert_int_equal(rs, EAP_STATUS_FAILURE);
	assert_non_null(strstr(eap_peer_outcome(p.peer)->last_error, "E=691"));
	pair_done(&p);
}

/* A Notification is shown (kept as the banner) and answered with an empty Response. */
static void notification(void **state)
{
	struct eap_peer_config pc = {.username = "u"};
	struct eap_peer *peer = eap_peer_new(&pc);
	static const uint8_t req[] = {1, 3, 0, 10, 2, 'h', 'e', 'l', 'l', 'o'};
	static const uint8_t want[] = {2, 3, 0, 5, 2};
	const uint8_t *b;
	size_t n;

	(void)state;
	assert_int_equal(eap_peer_input(peer, req, sizeof(req)), EAP_STATUS_SEND);
	eap_peer_packet(peer, &b, &n);
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(b, want, n);
	assert_string_equal(eap_peer_outcome(peer)->banner, "hello");
	eap_peer_free(peer);
}

/* No credentials configured: Identity asks for both, and the answers carry through. */
static void credentials_through_a_form(void **state)
{
	_cleanup_secret_ struct secret *user = secret_from_str("alice"),
				       *pw = secret_from_str("alice-secret-pw");
	const struct eap_form *form;
	const uint8_t *b;
	size_t n;
	struct pair p;
	int r;

	(void)state;
	pair_init(&p, (struct eap_peer_config){.methods = EAP_METHOD_BIT(EAP_METHOD_MSCHAPV2)},
		  (struct eap_server_config){.method = EAP_METHOD_MSCHAPV2});
	assert_int_equal(eap_server_start(p.srv), EAP_STATUS_SEND);
	eap_server_packet(p.srv, &b, &n);
	assert_int_equal(eap_peer_input(p.peer, b, n), EAP_STATUS_NEED_INPUT);
	form = eap_peer_form(p.peer);
	assert_non_null(form);
	assert_int_equal(form->n_fields, 2);
	assert_string_equal(form->fields[0].name, "username");
	assert_int_equal(form->fields[1].type, EAP_FIELD_PASSWORD);
	/* a missing answer is our caller's bug and leaves the form pending */
	assert_int_equal(eap_peer_answer(p.peer, (struct eap_answer[]){{"username", user}}, 1),
			 -EINVAL);
	r = eap_peer_answer(p.peer, (struct eap_answer[]){{"username", user}, {"password", pw}}, 2);
	assert_int_equal(r, EAP_STATUS_SEND);
	assert_null(eap_peer_form(p.peer));
	for (;;) {
		eap_peer_packet(p.peer, &b, &n);
		r = eap_server_input(p.srv, b, n);
		eap_server_packet(p.srv, &b, &n);
		if (r != EAP_STATUS_SEND)
			break;
		assert_int_equal(eap_peer_input(p.peer, b, n), EAP_STATUS_SEND);
	}
	assert_int_equal(r, EAP_STATUS_SUCCESS);
	assert_int_equal(eap_peer_input(p.peer, b, n), EAP_STATUS_SUCCESS);
	pair_done(&p);
}

/* The server proposes MD5, the peer only speaks MSCHAPv2: a Nak moves them over. */
static void nak_switches_method(void **state)
{
	_cleanup_secret_ struct secret *pw = secret_from_str("alice-secret-pw");
	struct pair p;
	int rs, rp;

	(void)state;
	pair_init(&p,
		  (struct eap_peer_config){.methods = EAP_METHOD_BIT(EAP_METHOD_MSCHAPV2),
					   .username = "alice",
					   .password = pw},
		  (struct eap_server_config){.method = EAP_METHOD_MD5,
					     .methods = EAP_METHOD_BIT(EAP_METHOD_MSCHAPV2)});
	rp = pump(&p, &rs);
	assert_int_equal(rp, EAP_STATUS_SUCCESS);
	assert_int_equal(rs, EAP_STATUS_SUCCESS);
	assert_int_equal(eap_server_outcome(p.srv)->method, EAP_METHOD_MSCHAPV2);
	pair_done(&p);

	/* nothing in common: Failure */
	pair_init(&p,
		  (struct eap_peer_config){.methods = EAP_METHOD_BIT(EAP_METHOD_GTC),
					   .username = "alice",
					   .password = pw},
		  (struct eap_server_config){.method = EAP_METHOD_MD5});
	rp = pump(&p, &rs);
	assert_true(rs < 0);
	assert_int_equal(rp, EAP_STATUS_FAILURE);
	assert_string_equal(eap_server_outcome(p.srv)->reason,
			    "peer refused every offered EAP method");
	pair_done(&p);
}

/* Identifiers: the server starts random and adds one; the peer echoes; a stale or
 * foreign identifier ends the exchange with a Failure ready to send. */
static void identifiers(void **state)
{
	const uint8_t *b;
	size_t n;
	uint8_t first, resp[64];
	struct pair p;

	(void)state;
	pair_init(&p, (struct eap_peer_config){.username = "bob"},
		  (struct eap_server_config){.method = EAP_METHOD_MD5});
	assert_int_equal(eap_server_start(p.srv), EAP_STATUS_SEND);
	eap_server_packet(p.srv, &b, &n);
	first = b[1];
	assert_int_equal(eap_peer_input(p.peer, b, n), EAP_STATUS_SEND);
	eap_peer_packet(p.peer, &b, &n);
	assert_int_equal(b[1], first);
	memcpy(resp, b, n);
	/* a retransmitted Request gets the identical Response (RFC 3748 §4.1) */
	eap_server_packet(p.srv, &b, &n);
	assert_int_equal(eap_peer_input(p.peer, b, n), EAP_STATUS_SEND);
	eap_peer_packet(p.peer, &b, &n);
	assert_int_equal(b[0], EAP_CODE_RESPONSE);
	assert_int_equal(eap_server_input(p.srv, resp, 10), EAP_STATUS_SEND);
	eap_server_packet(p.srv, &b, &n);
	assert_int_equal(b[1], (uint8_t)(first + 1));
	resp[1] = first; /* the old identifier again */
	assert_int_equal(eap_server_input(p.srv, resp, 10), -EPROTO);
	eap_server_packet(p.srv, &b, &n);
	assert_int_equal(n, 4);
	assert_int_equal(b[0], EAP_CODE_FAILURE);
	assert_int_equal(eap_server_input(p.srv, resp, 10), -EPROTO);
	pair_done(&p);
}

/* strongSwan draws a random identifier per method: the same identifier on a different
 * Request is a new Request, not a retransmission. */
static void same_id_new_request(void **state)
{
	_cleanup_secret_ struct secret *pw = secret_from_str("bob-md5-secret");
	struct eap_peer_config pc = {.username = "bob", .password = pw};
	struct eap_peer *peer = eap_peer_new(&pc);
	static const uint8_t ident[] = {1, 5, 0, 5, 1};
	uint8_t md5[] = {1, 5, 0, 22, 4, 16, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
	const uint8_t *b;
	size_t n;

	(void)state;
	assert_int_equal(eap_peer_input(peer, ident, sizeof(ident)), EAP_STATUS_SEND);
	assert_int_equal(eap_peer_input(peer, md5, sizeof(md5)), EAP_STATUS_SEND);
	eap_peer_packet(peer, &b, &n);
	assert_int_equal(n, 22);
	assert_int_equal(b[4], EAP_TYPE_MD5);
	eap_peer_free(peer);
}

/* A server that never ends meets the peer's round bound. */
static void round_bound(void **state)
{
	struct eap_peer_config pc = {.username = "u"};
	struct eap_peer *peer = eap_peer_new(&pc);
	uint8_t notif[] = {1, 0, 0, 6, 2, 'x'};
	unsigned int i;
	int r = 0;

	(void)state;
	for (i = 0; i <= EAP_MAX_ROUNDS + 1; i++) {
		notif[1] = (uint8_t)i;
		r = eap_peer_input(peer, notif, sizeof(notif));
		if (r < 0)
			break;
		assert_int_equal(r, EAP_STATUS_SEND);
	}
	assert_int_equal(r, -EMSGSIZE);
	assert_int_equal(i, EAP_MAX_ROUNDS);
	eap_peer_free(peer);
}

/* Unknown types get a Nak listing ours; expanded ones an Expanded Nak. */
static void peer_naks(void **state)
{
	struct eap_peer_config pc = {.methods = EAP_METHOD_BIT(EAP_METHOD_MD5) |
						EAP_METHOD_BIT(EAP_METHOD_ANYCONNECT),
				     .username = "u"};
	struct eap_peer *peer = eap_peer_new(&pc);
	static const uint8_t tls[] = {1, 3, 0, 6, 13, 0x20};
	static const uint8_t vendor[] = {1, 4, 0, 12, 254, 0, 0, 99, 0, 0, 0, 1};
	static const uint8_t nak[] = {2, 3, 0, 7, 3, 4, 254};
	static const uint8_t exp_nak[] = {2, 4, 0,    28,   254,  0,	0,   0, 0, 0, 0, 3, 254, 0,
					  0, 9, 0x44, 0x42, 0x52, 0x50, 254, 0, 0, 0, 0, 0, 0,	 4};
	const uint8_t *b;
	size_t n;

	(void)state;
	assert_int_equal(eap_peer_input(peer, tls, sizeof(tls)), EAP_STATUS_SEND);
	eap_peer_packet(peer, &b, &n);
	assert_int_equal(n, sizeof(nak));
	assert_memory_equal(b, nak, n);
	assert_int_equal(eap_peer_input(peer, vendor, sizeof(vendor)), EAP_STATUS_SEND);
	eap_peer_packet(peer, &b, &n);
	assert_int_equal(n, sizeof(exp_nak));
	assert_memory_equal(b, exp_nak, n);
	eap_peer_free(peer);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(md4_rfc1320),
		cmocka_unit_test(mschapv2_rfc2759),
		cmocka_unit_test(mppe_rfc3079),
		cmocka_unit_test(md5_vector),
		cmocka_unit_test(nt_hash_utf8),
		cmocka_unit_test(verifier_round_trip),
		cmocka_unit_test(session_generate),
		cmocka_unit_test(framing_edges),
		cmocka_unit_test(framing_build),
		cmocka_unit_test(mschapv2_conversation),
		cmocka_unit_test(mschapv2_domain_user),
		cmocka_unit_test(mschapv2_wrong_password),
		cmocka_unit_test(mschapv2_peer_checks_authenticator),
		cmocka_unit_test(broken_framing_dropped),
		cmocka_unit_test(early_success_refused),
		cmocka_unit_test(md5_conversation),
		cmocka_unit_test(gtc_conversation),
		cmocka_unit_test(gtc_second_prompt_and_failures),
		cmocka_unit_test(notification),
		cmocka_unit_test(credentials_through_a_form),
		cmocka_unit_test(nak_switches_method),
		cmocka_unit_test(identifiers),
		cmocka_unit_test(same_id_new_request),
		cmocka_unit_test(round_bound),
		cmocka_unit_test(peer_naks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
