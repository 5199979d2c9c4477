/*
 * test_ike_sa.c - the engine's parts on their own: the retransmission schedule, the
 * state machine's choke point, proposal choice (PROTOCOL.md §3), the CP codec (§8),
 * NAT-D hashes, 4500 demultiplexing, the §5.4 worked vector, and hostile input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "core/hex.h"
#include "ike/cisco_compat.h"
#include "ike/ike.h"
#include "ike/ike_sa.h"

static void addr4(struct ike_addr *a, const char *ip, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, ip, &a->v4), 1);
	a->port = port;
}

static void client_config(struct ike_initiator_config *c)
{
	memset(c, 0, sizeof(*c));
	ike_policy_client_default(&c->policy);
	c->idi.type = IKE_ID_KEY_ID;
	c->idi.len = CISCO_ANYCONNECT_ID_LEN;
	memcpy(c->idi.data, CISCO_ANYCONNECT_ID, CISCO_ANYCONNECT_ID_LEN);
	c->auth = IKE_AUTH_MODE_EAP;
	addr4(&c->path.local, "10.1.0.2", 40000);
	addr4(&c->path.remote, "10.2.0.2", 500);
}

/* PROTOCOL.md §11: resent at 0.5, 1.5, 3.5, 7.5, 15.5, 23.5 s; given up at 31.5 s. */
static void test_retransmission_schedule(void **state)
{
	static const usec_t want[] = {0, 500, 1500, 3500, 7500, 15500, 23500};
	struct rng_fake rng;
	struct ike_initiator_config c;
	struct ike_action a;
	struct ike *ike;
	usec_t t0 = 5 * USEC_PER_SEC, now = t0;
	size_t sends = 0;
	uint64_t sa;
	bool failed = false;

	rng_fake_init(&rng, 7);
	ike = ike_new(IKE_ROLE_INITIATOR, &rng.ops);
	client_config(&c);
	assert_int_equal(ike_initiate(ike, &c, now, &sa), 0);
	while (!failed) {
		while (ike_next_action(ike, &a)) {
			if (a.type == IKE_ACTION_SEND) {
				assert_true(sends < ARRAY_SIZE(want));
				assert_int_equal(now - t0, want[sends] * USEC_PER_MSEC);
				assert_int_equal(a.send.path.remote.port, 500);
				assert_false(a.send.non_esp_marker);
				sends++;
			} else {
				assert_int_equal(a.type, IKE_ACTION_FAILED);
				assert_int_equal(a.failed.error, -ETIMEDOUT);
				assert_int_equal(a.sa, sa);
				assert_int_equal(now - t0, 31500 * USEC_PER_MSEC);
				failed = true;
			}
			ike_action_done(&a);
		}
		if (failed)
			break;
		now = ike_next_deadline(ike);
		assert_true(now != USEC_INFINITY);
		assert_int_equal(ike_tick(ike, now), 0);
	}
	assert_int_equal(sends, 7);
	assert_int_equal(ike_next_deadline(ike), USEC_INFINITY);
	ike_free(ike);
}

static void test_state_choke_point(void **state)
{
	struct rng_fake rng;
	struct ike *ike;
	struct ike_sa *sa;

	rng_fake_init(&rng, 1);
	ike = ike_new(IKE_ROLE_RESPONDER, &rng.ops);
	sa = ike_sa_new(ike, IKE_ROLE_RESPONDER, 0);
	assert_int_equal(ike_sa_set_state(sa, IKE_SA_STATE_ESTABLISHED), -EINVAL);
	assert_int_equal(sa->state, IKE_SA_STATE_NEW);
	assert_int_equal(ike_sa_set_state(sa, IKE_SA_STATE_INIT_DONE), 0);
	assert_int_equal(ike_sa_set_state(sa, IKE_SA_STATE_EAP), 0);
	assert_int_equal(ike_sa_set_state(sa, IKE_SA_STATE_ESTABLISHED), -EINVAL);
	assert_int_equal(ike_sa_set_state(sa, IKE_SA_STATE_EAP_AUTH), 0);
	assert_int_equal(ike_sa_set_state(sa, IKE_SA_STATE_ESTABLISHED), 0);
	assert_int_equal(ike_sa_set_state(sa, IKE_SA_STATE_INIT_SENT), -EINVAL);
	assert_string_equal(ike_sa_state_to_string(sa->state), "ESTABLISHED");
	assert_int_equal(ike_half_open_count(ike), 0);
	ike_free(ike);
}

static void offer(const struct ike_policy *pol, uint8_t proto, struct ike_sa_pld *ret)
{
	uint8_t spi[4] = {1, 2, 3, 4};

	ike_policy_proposals(pol, proto, spi, proto == IKE_PROTO_ESP ? 4 : 0, ret->p, &ret->n);
}

/* PROTOCOL.md §3: the gateway walks its own order; it keeps KEi's group when it can. */
static void test_proposal_choice(void **state)
{
	struct ike_policy client, gw, gw_gcm;
	struct ike_sa_pld offered;
	struct ike_crypto_suite s;
	const struct ike_proposal *p;

	ike_policy_client_default(&client);
	ike_policy_gateway_default(&gw, false);
	ike_policy_gateway_default(&gw_gcm, true);
	offer(&client, IKE_PROTO_IKE, &offered);
	assert_int_equal(offered.n, 2);
	assert_int_equal(ike_policy_select(&gw, IKE_PROTO_IKE, &offered, 19, &s, &p), 0);
	assert_int_equal(s.encr, IKE_ENCR_AES_CBC);
	assert_int_equal(s.encr_key_bits, 256);
	assert_int_equal(s.integ, IKE_INTEG_HMAC_SHA2_512_256);
	assert_int_equal(s.prf, IKE_PRF_HMAC_SHA2_512);
	assert_int_equal(p->num, 2);
	/* KEi in 20, which proposal #1 lacks: INVALID_KE_PAYLOAD asking for 19 */
	assert_int_equal(ike_policy_select(&gw, IKE_PROTO_IKE, &offered, 20, &s, &p), -EAGAIN);
	assert_int_equal(s.dh, 19);
	/* KEi in 21: acceptable, kept */
	assert_int_equal(ike_policy_select(&gw, IKE_PROTO_IKE, &offered, 21, &s, &p), 0);
	assert_int_equal(s.dh, 21);
	/* with GCM configured the gateway still prefers its proposal #1 */
	assert_int_equal(ike_policy_select(&gw_gcm, IKE_PROTO_IKE, &offered, 19, &s, &p), 0);
	assert_int_equal(s.encr, IKE_ENCR_AES_CBC);
	/* ESP: CBC with SHA2-384-192, ESN 0 */
	offer(&client, IKE_PROTO_ESP, &offered);
	assert_int_equal(ike_policy_select(&gw, IKE_PROTO_ESP, &offered, 0, &s, &p), 0);
	assert_int_equal(s.integ, IKE_INTEG_HMAC_SHA2_384_192);
	assert_memory_equal(p->spi, "\x01\x02\x03\x04", 4);
	/* nothing in common: NO_PROPOSAL_CHOSEN */
	offered.p[0].t[0].keylen = 128;
	offered.p[1].t[0].keylen = 128;
	assert_int_equal(ike_policy_select(&gw, IKE_PROTO_ESP, &offered, 0, &s, &p), -ENOENT);
}

/* The initiator accepts only one of each transform, all from one of its suites. */
static void test_proposal_accept(void **state)
{
	struct ike_policy client;
	struct ike_crypto_suite s = {IKE_ENCR_AES_CBC, 256, IKE_PRF_HMAC_SHA2_512,
				     IKE_INTEG_HMAC_SHA2_512_256, 19};
	struct ike_crypto_suite got;
	struct ike_sa_pld chosen = {.n = 1};
	const struct ike_proposal *p;

	ike_policy_client_default(&client);
	ike_policy_answer(&s, IKE_PROTO_IKE, 2, NULL, 0, &chosen.p[0]);
	assert_int_equal(ike_policy_accept(&client, IKE_PROTO_IKE, &chosen, &got, &p), 0);
	assert_memory_equal(&got, &s, sizeof(s));
	/* an integrity algorithm with GCM was never offered */
	s.encr = IKE_ENCR_AES_GCM_16;
	ike_policy_answer(&s, IKE_PROTO_IKE, 1, NULL, 0, &chosen.p[0]);
	assert_int_equal(ike_policy_accept(&client, IKE_PROTO_IKE, &chosen, &got, &p), -EPROTO);
	/* a group we did not offer */
	s = (struct ike_crypto_suite){IKE_ENCR_AES_CBC, 256, IKE_PRF_HMAC_SHA2_512,
				      IKE_INTEG_HMAC_SHA2_512_256, 2};
	ike_policy_answer(&s, IKE_PROTO_IKE, 2, NULL, 0, &chosen.p[0]);
	assert_int_equal(ike_policy_accept(&client, IKE_PROTO_IKE, &chosen, &got, &p), -EPROTO);
}

/* PROTOCOL.md §8: reply round trip, NUL stripping, split-DNS merge, bad values ignored. */
static void test_cp_codec(void **state)
{
	struct ike_cfg in, out;
	struct ike_msg_build b;
	struct ike_msg m = {0};
	uint8_t *p;
	size_t n, mark;

	ike_cfg_init(&in);
	ike_cfg_init(&out);
	in.has = IKE_CFG_HAS_IP4 | IKE_CFG_HAS_NETMASK4 | IKE_CFG_HAS_DNS4 | IKE_CFG_HAS_SUBNET4 |
		 IKE_CFG_HAS_SESSION_ID | IKE_CFG_HAS_BANNER | IKE_CFG_HAS_DNS_DOMAIN |
		 IKE_CFG_HAS_SESSION_TOKEN | IKE_CFG_HAS_LIVENESS;
	inet_pton(AF_INET, "192.168.20.5", &in.ip4);
	inet_pton(AF_INET, "255.255.255.0", &in.netmask4);
	inet_pton(AF_INET, "10.0.0.53", &in.dns4[0]);
	inet_pton(AF_INET, "10.0.0.54", &in.dns4[1]);
	in.n_dns4 = 2;
	inet_pton(AF_INET, "192.168.10.0", &in.subnet4[0].addr);
	inet_pton(AF_INET, "255.255.255.0", &in.subnet4[0].mask);
	in.n_subnet4 = 1;
	strcpy(in.session_id, "rIUHKccDRiUtFTATwq");
	strcpy(in.domains[0], "corp.example.com");
	in.n_domains = 1;
	in.liveness_s = 30;
	in.banner = strdup("Welcome");
	in.token = secret_from_str("E0CB21612620F736F899721C620F73BC");
	ike_msg_build_init_inner(&b);
	assert_int_equal(ike_cfg_build_reply(&b, &in, true), 0);
	/* §8: a receiver strips one trailing NUL; a split-dns list merges without duplicates */
	assert_int_equal(ike_msg_build_cp_begin(&b, IKE_CFG_REPLY, &mark), 0);
	assert_int_equal(ike_msg_build_cp_attr(&b, CISCO_CFG_DEF_DOMAIN, "example.com", 12), 0);
	assert_int_equal(ike_msg_build_cp_attr(&b, CISCO_CFG_SPLIT_DNS,
					       "corp.example.com,lab.example.com", 32),
			 0);
	assert_int_equal(ike_msg_build_cp_attr(&b, IKE_CFG_INTERNAL_IP4_ADDRESS, "\x01\x02\x03", 3),
			 0);
	assert_int_equal(ike_msg_build_cp_attr(&b, 12345, "x", 1), 0);
	assert_int_equal(ike_msg_build_cp_end(&b, mark), 0);
	assert_int_equal(ike_msg_build_finish(&b, &p, &n), 0);
	ike_msg_build_done(&b);
	/* two CP payloads are a protocol error; decode the first, then the second separately */
	assert_int_equal(ike_msg_decode_inner(&m, IKE_PLD_CP, p, n), -EBADMSG);
	memset(&m, 0, sizeof(m));
	{
		struct buf_reader rd;
		uint16_t len;

		buf_reader_init(&rd, p + 2, 2);
		assert_int_equal(buf_get_u16(&rd, &len), 0);
		p[0] = IKE_PLD_NONE; /* end the chain after the first CP */
		assert_int_equal(ike_msg_decode_inner(&m, IKE_PLD_CP, p, len), 0);
		ike_cfg_parse(&m.cp, &out);
		memset(&m, 0, sizeof(m));
		assert_int_equal(ike_msg_decode_inner(&m, IKE_PLD_CP, p + len, n - len), 0);
		ike_cfg_parse(&m.cp, &out);
	}
	assert_int_equal(out.ip4.s_addr, in.ip4.s_addr); /* the 3-byte address was ignored */
	assert_int_equal(out.netmask4.s_addr, in.netmask4.s_addr);
	assert_int_equal(out.n_dns4, 2);
	assert_int_equal(out.dns4[1].s_addr, in.dns4[1].s_addr);
	assert_int_equal(out.n_subnet4, 1);
	assert_int_equal(out.subnet4[0].mask.s_addr, in.subnet4[0].mask.s_addr);
	assert_string_equal(out.session_id, in.session_id);
	assert_string_equal(out.banner, "Welcome");
	assert_string_equal(out.def_domain, "example.com");
	assert_int_equal(out.n_domains, 2);
	assert_string_equal(out.domains[1], "lab.example.com");
	assert_int_equal(out.liveness_s, 30);
	assert_true(secret_eq(out.token, in.token));
	free(p);
	ike_cfg_done(&in);
	ike_cfg_done(&out);
}

/* A CFG_REQUEST names what was asked for, values included (§8.1). */
static void test_cp_request(void **state)
{
	struct ike_cfg req, got;
	struct ike_msg_build b;
	struct ike_msg m = {0};
	uint8_t *p;
	size_t n;

	ike_cfg_init(&req);
	ike_cfg_init(&got);
	req.has = IKE_CFG_HAS_DNS4 | IKE_CFG_HAS_APP_VERSION | IKE_CFG_HAS_SESSION_ID;
	inet_pton(AF_INET, "192.168.20.5", &req.ip4);
	strcpy(req.app_version, "5.1.8.105");
	ike_msg_build_init_inner(&b);
	assert_int_equal(ike_cfg_build_request(&b, &req, true), 0);
	assert_int_equal(ike_msg_build_finish(&b, &p, &n), 0);
	ike_msg_build_done(&b);
	assert_int_equal(ike_msg_decode_inner(&m, IKE_PLD_CP, p, n), 0);
	assert_int_equal(m.cp.cfg_type, IKE_CFG_REQUEST);
	ike_cfg_parse_request(&m.cp, &got);
	assert_true(got.has & IKE_CFG_HAS_IP4);
	assert_true(got.has & IKE_CFG_HAS_SESSION_TOKEN);
	assert_true(got.has & IKE_CFG_HAS_SESSION_ID);
	assert_false(got.has & IKE_CFG_HAS_BANNER);
	assert_int_equal(got.ip4.s_addr, req.ip4.s_addr);
	assert_string_equal(got.app_version, "5.1.8.105");
	assert_null(got.token);
	free(p);
	ike_cfg_done(&req);
	ike_cfg_done(&got);
}

/* RFC 7296 §2.23: SHA-1(SPIi | SPIr | IP | port); vector from Python's hashlib. */
static void test_nat_hash(void **state)
{
	struct ike_addr a;
	uint8_t h[IKE_NAT_HASH_LEN], want[IKE_NAT_HASH_LEN];
	size_t n;

	addr4(&a, "10.2.0.2", 500);
	assert_int_equal(ike_nat_hash(0x0102030405060708ULL, 0, &a, h), 0);
	assert_int_equal(
		hex_decode("0188eff46d690dd2a663ef768368cbe73a504ddd", want, sizeof(want), &n), 0);
	assert_memory_equal(h, want, sizeof(want));
}

static void test_udp_classify(void **state)
{
	uint8_t ike[40] = {0}, esp[40] = {0}, ka = 0xff, low[12] = {0, 0, 0, 7};
	size_t off = 99;

	esp[0] = 0xc0;
	assert_int_equal(ike_udp_classify(4500, ike, sizeof(ike), &off), IKE_UDP_IKE);
	assert_int_equal(off, 4);
	assert_int_equal(ike_udp_classify(4500, esp, sizeof(esp), &off), IKE_UDP_ESP);
	assert_int_equal(off, 0);
	assert_int_equal(ike_udp_classify(4500, &ka, 1, &off), IKE_UDP_KEEPALIVE);
	assert_int_equal(ike_udp_classify(4500, low, sizeof(low), &off), IKE_UDP_INVALID);
	assert_int_equal(ike_udp_classify(4500, ike, 10, &off), IKE_UDP_INVALID);
	assert_int_equal(ike_udp_classify(500, ike, sizeof(ike), &off), IKE_UDP_IKE);
	assert_int_equal(ike_udp_classify(500, ike, 10, &off), IKE_UDP_INVALID);
}

/* PROTOCOL.md §5.4: prf(SK_pi, IDi body) of the worked example, through our ID body. */
static void test_worked_psk_vector(void **state)
{
	struct ike_id id = {.type = IKE_ID_KEY_ID, .len = 18};
	struct ike_iov iov;
	uint8_t body[4 + IKE_ID_MAX], key[32], out[IKE_PRF_MAX_LEN], want[32];
	size_t n, wn;

	memcpy(id.data, "rIUHKccDRiUtFTATwq", 18);
	n = ike_sa_id_body(&id, body, sizeof(body));
	assert_int_equal(n, 22);
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)i;
	iov = (struct ike_iov){body, n};
	assert_int_equal(ike_prf(IKE_PRF_HMAC_SHA2_256, key, sizeof(key), &iov, 1, out), 0);
	assert_int_equal(
		hex_decode("afc50f732f02f2a8ac094a77f3d1ac70de599204de2fdc44638ff4c059530f61", want,
			   sizeof(want), &wn),
		0);
	assert_memory_equal(out, want, 32);
	iov = (struct ike_iov){"Key Pad for IKEv2", 17};
	assert_int_equal(ike_prf(IKE_PRF_HMAC_SHA2_256,
				 "E0CB21612620F736F899721C620F73BC5237D966436EC70B3EC235375CA3E0B0",
				 64, &iov, 1, out),
			 0);
	assert_int_equal(
		hex_decode("bbbed4fdb1a7539f62e92f82dc0cb44fd3ae37a51a840cf0be99226b61488ed5", want,
			   sizeof(want), &wn),
		0);
	assert_memory_equal(out, want, 32);
}

/* Garbage, truncations and unknown SPIs create nothing and are not errors of ours. */
static void test_hostile_input(void **state)
{
	struct rng_fake rng;
	struct ike *ike;
	struct ike_dgram d;
	struct ike_action a;
	uint8_t junk[300];
	struct ike_hdr h = {.spi_i = 1,
			    .spi_r = 99,
			    .exchange = IKE_EXCHANGE_AUTH,
			    .flags = IKE_FLAG_INITIATOR};
	struct ike_msg_build b;
	uint8_t *p;
	size_t n;

	rng_fake_init(&rng, 3);
	ike = ike_new(IKE_ROLE_RESPONDER, &rng.ops);
	addr4(&d.local, "10.2.0.2", 500);
	addr4(&d.remote, "10.1.0.2", 40000);
	/* unconfigured responder: our misuse */
	assert_int_equal(ike_input(ike, 0, &d, junk, sizeof(junk)), -EINVAL);
	{
		struct ike_responder_config rc = {0};
		struct ike_der cert = {junk, 10};
		EVP_PKEY *key = EVP_EC_gen("P-256");

		ike_policy_gateway_default(&rc.policy, false);
		rc.sign_key = key;
		rc.certs = &cert;
		rc.n_certs = 1;
		assert_int_equal(ike_responder_configure(ike, &rc), 0);
		EVP_PKEY_free(key);
	}
	rng_fake_init(&rng, 4);
	for (int i = 0; i < 200; i++) {
		assert_int_equal(rng_bytes(&rng.ops, junk, sizeof(junk)), 0);
		junk[17] = 0x20;
		assert_int_equal(ike_input(ike, 0, &d, junk, (size_t)i + 1), 0);
	}
	/* a well-formed SK message for an SA that does not exist */
	ike_msg_build_init(&b, &h);
	assert_int_equal(ike_msg_build_raw(&b, IKE_PLD_SK, junk, 64), 0);
	assert_int_equal(ike_msg_build_finish(&b, &p, &n), 0);
	ike_msg_build_done(&b);
	assert_int_equal(ike_input(ike, 0, &d, p, n), 0);
	free(p);
	assert_int_equal(ike_list_sas(ike, NULL, 0), 0);
	assert_false(ike_next_action(ike, &a));
	assert_true(ike->dropped >= 200);
	ike_free(ike);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retransmission_schedule),
		cmocka_unit_test(test_state_choke_point),
		cmocka_unit_test(test_proposal_choice),
		cmocka_unit_test(test_proposal_accept),
		cmocka_unit_test(test_cp_codec),
		cmocka_unit_test(test_cp_request),
		cmocka_unit_test(test_nat_hash),
		cmocka_unit_test(test_udp_classify),
		cmocka_unit_test(test_worked_psk_vector),
		cmocka_unit_test(test_hostile_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
