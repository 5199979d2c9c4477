/* test_ike_msg.c - the IKEv2 codec: round trips, length lies, caps, §9.2 quirks, fragments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/hex.h"
#include "ike/cisco_compat.h"
#include "ike/ike_msg.h"

static const uint8_t nonce32[32] = {1,	2,  3,	4,  5,	6,  7,	8,  9,	10, 11, 12, 13, 14, 15, 16,
				    17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

static void proposal_ike(struct ike_proposal *p, uint8_t num)
{
	memset(p, 0, sizeof(*p));
	p->num = num;
	p->proto = IKE_PROTO_IKE;
	p->t[p->n_transforms++] = (struct ike_transform){IKE_TRANSFORM_ENCR, IKE_ENCR_AES_CBC, 256};
	p->t[p->n_transforms++] =
		(struct ike_transform){IKE_TRANSFORM_PRF, IKE_PRF_HMAC_SHA2_512, 0};
	p->t[p->n_transforms++] =
		(struct ike_transform){IKE_TRANSFORM_INTEG, IKE_INTEG_HMAC_SHA2_512_256, 0};
	p->t[p->n_transforms++] = (struct ike_transform){IKE_TRANSFORM_DH, IKE_DH_ECP_256, 0};
}

/* An IKE_SA_INIT request as PROTOCOL.md §4.1 draws it. */
static void build_sa_init(uint8_t **ret, size_t *ret_len)
{
	struct ike_hdr h = {.spi_i = 0x1a2b3c4d5e6f7081ULL,
			    .exchange = IKE_EXCHANGE_SA_INIT,
			    .flags = IKE_FLAG_INITIATOR};
	struct ike_proposal p[2];
	struct ike_msg_build b;
	uint8_t ke[64], hash[20];

	memset(ke, 0x42, sizeof(ke));
	memset(hash, 0x99, sizeof(hash));
	proposal_ike(&p[0], 1);
	proposal_ike(&p[1], 2);
	p[1].t[0].id = IKE_ENCR_AES_GCM_16;
	ike_msg_build_init(&b, &h);
	assert_int_equal(ike_msg_build_sa(&b, p, 2), 0);
	assert_int_equal(ike_msg_build_ke(&b, IKE_DH_ECP_256, ke, sizeof(ke)), 0);
	assert_int_equal(ike_msg_build_nonce(&b, nonce32, sizeof(nonce32)), 0);
	assert_int_equal(
		ike_msg_build_notify(&b, 0, NULL, 0, IKE_N_NAT_DETECTION_SOURCE_IP, hash, 20), 0);
	assert_int_equal(
		ike_msg_build_notify(&b, 0, NULL, 0, IKE_N_NAT_DETECTION_DESTINATION_IP, hash, 20),
		0);
	assert_int_equal(
		ike_msg_build_notify(&b, 0, NULL, 0, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0),
		0);
	assert_int_equal(ike_msg_build_vid(&b, CISCO_VID_DELETE_REASON,
					   CISCO_VID_LEN(CISCO_VID_DELETE_REASON)),
			 0);
	assert_int_equal(ike_msg_build_finish(&b, ret, ret_len), 0);
	ike_msg_build_done(&b);
}

static void test_sa_init_round_trip(void **state)
{
	struct ike_msg m;
	uint8_t *p;
	size_t n;

	build_sa_init(&p, &n);
	assert_int_equal(ike_msg_decode(p, n, &m), 0);
	assert_int_equal(m.hdr.spi_i, 0x1a2b3c4d5e6f7081ULL);
	assert_int_equal(m.hdr.spi_r, 0);
	assert_int_equal(m.hdr.next_payload, IKE_PLD_SA);
	assert_int_equal(m.hdr.version, 0x20);
	assert_int_equal(m.hdr.length, n);
	assert_true(m.has & IKE_HAS_SA);
	assert_int_equal(m.sa.n, 2);
	assert_int_equal(m.sa.p[1].num, 2);
	assert_int_equal(m.sa.p[1].t[0].id, IKE_ENCR_AES_GCM_16);
	assert_int_equal(m.sa.p[0].t[0].keylen, 256);
	assert_int_equal(m.sa.p[0].t[3].id, IKE_DH_ECP_256);
	assert_int_equal(m.ke.group, 19);
	assert_int_equal(m.ke.data.n, 64);
	assert_int_equal(m.nonce.n, 32);
	assert_memory_equal(m.nonce.p, nonce32, 32);
	assert_int_equal(m.n_notifies, 3);
	assert_non_null(ike_msg_notify(&m, IKE_N_NAT_DETECTION_DESTINATION_IP));
	assert_null(ike_msg_error_notify(&m));
	assert_int_equal(m.n_vids, 1);
	assert_int_equal(cisco_vid_match(m.vids[0].p, m.vids[0].n), CISCO_VID_ID_DELETE_REASON);
	free(p);
}

/* Every truncation and every length lie is an error, never a crash. */
static void test_truncation_and_lies(void **state)
{
	struct ike_msg m;
	uint8_t *p;
	size_t n;

	build_sa_init(&p, &n);
	for (size_t i = 0; i < n; i++)
		assert_true(ike_msg_decode(p, i, &m) < 0);
	/* header Length larger than the datagram */
	p[27]++;
	assert_int_equal(ike_msg_decode(p, n, &m), -EBADMSG);
	p[27]--;
	/* first payload (SA) claims to run past the end */
	p[30] = 0xff;
	assert_int_equal(ike_msg_decode(p, n, &m), -EBADMSG);
	free(p);
}

static void test_bit_flips_never_crash(void **state)
{
	struct ike_msg m;
	uint8_t *p;
	size_t n;
	int ok = 0;

	build_sa_init(&p, &n);
	for (size_t i = 0; i < n; i++)
		for (int bit = 0; bit < 8; bit++) {
			p[i] ^= (uint8_t)(1u << bit);
			ok += ike_msg_decode(p, n, &m) == 0;
			p[i] ^= (uint8_t)(1u << bit);
		}
	/* flips inside opaque data (KE, nonce, hashes, VID) still decode */
	assert_true(ok > 0);
	assert_true((size_t)ok < n * 8);
	free(p);
}

static void test_unknown_payloads(void **state)
{
	struct ike_hdr h = {.spi_i = 1, .spi_r = 2, .exchange = IKE_EXCHANGE_INFORMATIONAL};
	struct ike_msg_build b;
	struct ike_msg m;
	uint8_t *p, body[3] = {1, 2, 3};
	size_t n;

	ike_msg_build_init(&b, &h);
	assert_int_equal(ike_msg_build_raw(&b, 200, body, sizeof(body)), 0);
	assert_int_equal(ike_msg_build_notify(&b, 0, NULL, 0, 40963, body, 3), 0);
	assert_int_equal(ike_msg_build_finish(&b, &p, &n), 0);
	ike_msg_build_done(&b);
	/* non-critical unknown payload: skipped; private notify 40963 kept, ignored later */
	assert_int_equal(ike_msg_decode(p, n, &m), 0);
	assert_int_equal(m.unsupported_critical, 0);
	assert_int_equal(m.n_notifies, 1);
	assert_int_equal(m.notifies[0].type, 40963);
	/* set the critical bit: decoded, but reported (RFC 7296 §2.5) */
	p[IKE_HDR_LEN + 1] = IKE_PLD_FLAG_CRITICAL;
	assert_int_equal(ike_msg_decode(p, n, &m), 0);
	assert_int_equal(m.unsupported_critical, 200);
	free(p);
}

/* PROTOCOL.md §9.2: NAT-D with protocol 1 from IOS decodes like protocol 0. */
static void test_quirk_natd_proto_ike(void **state)
{
	struct ike_hdr h = {.spi_i = 1,
			    .spi_r = 2,
			    .exchange = IKE_EXCHANGE_SA_INIT,
			    .flags = IKE_FLAG_RESPONSE};
	struct ike_msg_build b;
	struct ike_msg m;
	uint8_t *p, hash[20] = {0}, gre[15];
	size_t n;

	memcpy(gre, CISCO_VID_GRE_MODE, 14);
	gre[14] = CISCO_GRE_MODE_IOS_VERSION;
	ike_msg_build_init(&b, &h);
	assert_int_equal(ike_msg_build_notify(&b, IKE_PROTO_IKE, NULL, 0,
					      IKE_N_NAT_DETECTION_SOURCE_IP, hash, 20),
			 0);
	assert_int_equal(ike_msg_build_raw(&b, IKE_PLD_CERTREQ, hash, 20), 0);
	assert_int_equal(ike_msg_build_vid(&b, gre, sizeof(gre)), 0);
	assert_int_equal(ike_msg_build_finish(&b, &p, &n), 0);
	ike_msg_build_done(&b);
	assert_int_equal(ike_msg_decode(p, n, &m), 0);
	assert_int_equal(m.notifies[0].proto, IKE_PROTO_IKE);
	assert_int_equal(m.notifies[0].data.n, 20);
	assert_true(m.has & IKE_HAS_CERTREQ);
	assert_int_equal(cisco_vid_match(m.vids[0].p, m.vids[0].n), CISCO_VID_ID_GRE_MODE);
	free(p);
}

static void test_auth_payloads_round_trip(void **state)
{
	struct ike_msg_build b;
	struct ike_msg m = {0};
	struct ike_ts ts[2];
	uint8_t *p, zero[16] = {0}, ones[16], cert[40], auth[32];
	size_t n, cpm;
	const uint8_t addr[4] = {192, 168, 20, 5};

	memset(ones, 0xff, sizeof(ones));
	memset(cert, 0x30, sizeof(cert));
	memset(auth, 0xaa, sizeof(auth));
	ike_ts_set_v4(&ts[0], zero, ones);
	ike_ts_set_v6(&ts[1], zero, ones);
	ike_msg_build_init_inner(&b);
	assert_int_equal(ike_msg_build_id(&b, IKE_PLD_IDI, IKE_ID_KEY_ID, CISCO_ANYCONNECT_ID,
					  CISCO_ANYCONNECT_ID_LEN),
			 0);
	assert_int_equal(
		ike_msg_build_cert(&b, IKE_PLD_CERT, IKE_CERT_X509_SIGNATURE, cert, sizeof(cert)),
		0);
	assert_int_equal(ike_msg_build_auth(&b, IKE_AUTH_SHARED_KEY_MIC, auth, sizeof(auth)), 0);
	assert_int_equal(ike_msg_build_cp_begin(&b, IKE_CFG_REPLY, &cpm), 0);
	assert_int_equal(ike_msg_build_cp_attr(&b, IKE_CFG_INTERNAL_IP4_ADDRESS, addr, 4), 0);
	assert_int_equal(
		ike_msg_build_cp_attr(&b, IKEV2_MODECFG_SESSION_ID, "rIUHKccDRiUtFTATwq", 18), 0);
	assert_int_equal(ike_msg_build_cp_end(&b, cpm), 0);
	assert_int_equal(ike_msg_build_ts(&b, IKE_PLD_TSI, ts, 2), 0);
	assert_int_equal(ike_msg_build_ts(&b, IKE_PLD_TSR, ts, 1), 0);
	assert_int_equal(ike_msg_build_eap(&b, (const uint8_t *)"\x03\x07\x00\x04", 4), 0);
	assert_int_equal(
		ike_msg_build_delete(&b, IKE_PROTO_ESP, 4, (const uint8_t *)"\x01\x02\x03\x04", 1),
		0);
	assert_int_equal(b.first, IKE_PLD_IDI);
	assert_int_equal(ike_msg_build_finish(&b, &p, &n), 0);
	ike_msg_build_done(&b);
	assert_int_equal(ike_msg_decode_inner(&m, IKE_PLD_IDI, p, n), 0);
	assert_int_equal(m.idi.type, IKE_ID_KEY_ID);
	assert_int_equal(m.idi.body.n, 24);
	assert_true(cisco_is_anyconnect_id(m.idi.type, m.idi.data.p, m.idi.data.n));
	assert_int_equal(m.n_certs, 1);
	assert_int_equal(m.certs[0].n, 40);
	assert_int_equal(m.auth.method, 2);
	assert_int_equal(m.cp.cfg_type, IKE_CFG_REPLY);
	assert_int_equal(m.cp.n, 2);
	assert_int_equal(m.cp.a[1].type, IKEV2_MODECFG_SESSION_ID);
	assert_int_equal(m.tsi.n, 2);
	assert_int_equal(m.tsi.ts[1].type, IKE_TS_IPV6_ADDR_RANGE);
	assert_int_equal(m.tsi.ts[0].end_port, 0xffff);
	assert_int_equal(m.tsr.n, 1);
	assert_int_equal(m.eap.n, 4);
	assert_int_equal(m.n_deletes, 1);
	assert_int_equal(m.deletes[0].n_spis, 1);
	free(p);
}

/* PROTOCOL.md §5.4: the IDi payload bytes of the worked example. */
static void test_worked_idi_bytes(void **state)
{
	struct ike_msg_build b;
	uint8_t *p, want[26];
	size_t n, wn;

	assert_int_equal(hex_decode("27 00 00 1A 0B 00 00 00 72 49 55 48 4B 63 63 44 52 69 55 74 "
				    "46 54 41 54 77 71",
				    want, sizeof(want), &wn),
			 0);
	ike_msg_build_init_inner(&b);
	assert_int_equal(ike_msg_build_id(&b, IKE_PLD_IDI, IKE_ID_KEY_ID, "rIUHKccDRiUtFTATwq", 18),
			 0);
	assert_int_equal(ike_msg_build_auth(&b, 2, "x", 1), 0);
	assert_int_equal(ike_msg_build_finish(&b, &p, &n), 0);
	ike_msg_build_done(&b);
	assert_memory_equal(p, want, wn);
	free(p);
}

static void test_duplicate_and_caps(void **state)
{
	struct ike_msg_build b;
	struct ike_msg m = {0};
	uint8_t *p;
	size_t n;

	/* two Nonce payloads in one message */
	ike_msg_build_init_inner(&b);
	assert_int_equal(ike_msg_build_nonce(&b, nonce32, 32), 0);
	assert_int_equal(ike_msg_build_nonce(&b, nonce32, 32), 0);
	assert_int_equal(ike_msg_build_finish(&b, &p, &n), 0);
	ike_msg_build_done(&b);
	assert_int_equal(ike_msg_decode_inner(&m, IKE_PLD_NONCE, p, n), -EBADMSG);
	free(p);
	/* a nonce below 16 bytes (RFC 7296 §2.10) */
	memset(&m, 0, sizeof(m));
	ike_msg_build_init_inner(&b);
	assert_int_equal(ike_msg_build_nonce(&b, nonce32, 8), 0);
	assert_int_equal(ike_msg_build_finish(&b, &p, &n), 0);
	ike_msg_build_done(&b);
	assert_int_equal(ike_msg_decode_inner(&m, IKE_PLD_NONCE, p, n), -EBADMSG);
	free(p);
	/* more notifies than the cap */
	memset(&m, 0, sizeof(m));
	ike_msg_build_init_inner(&b);
	for (int i = 0; i < IKE_MAX_NOTIFIES + 1; i++)
		assert_int_equal(ike_msg_build_notify(&b, 0, NULL, 0, IKE_N_COOKIE, "c", 1), 0);
	assert_int_equal(ike_msg_build_finish(&b, &p, &n), 0);
	ike_msg_build_done(&b);
	assert_int_equal(ike_msg_decode_inner(&m, IKE_PLD_NOTIFY, p, n), -EMSGSIZE);
	free(p);
}

static void test_sk_skf_and_cisco_fragment(void **state)
{
	struct ike_hdr h = {.spi_i = 7,
			    .spi_r = 8,
			    .exchange = IKE_EXCHANGE_AUTH,
			    .msg_id = 1,
			    .flags = IKE_FLAG_INITIATOR};
	struct ike_msg_build b;
	struct ike_msg m;
	uint8_t *p, body[48], skf[52], frag[20];
	size_t n;

	memset(body, 0x5a, sizeof(body));
	/* SK: must be last; body runs to the end */
	ike_msg_build_init(&b, &h);
	assert_int_equal(ike_msg_build_raw(&b, IKE_PLD_SK, body, sizeof(body)), 0);
	assert_int_equal(ike_msg_build_finish(&b, &p, &n), 0);
	ike_msg_build_done(&b);
	p[IKE_HDR_LEN] = IKE_PLD_IDI; /* first inner payload */
	assert_int_equal(ike_msg_decode(p, n, &m), 0);
	assert_true(m.has & IKE_HAS_SK);
	assert_int_equal(m.sk.next, IKE_PLD_IDI);
	assert_int_equal(m.sk.aad_len, IKE_HDR_LEN + 4);
	assert_int_equal(m.sk.msg_len, n);
	free(p);
	/* SKF 2 of 3 */
	memset(skf, 0x11, sizeof(skf));
	skf[0] = 0, skf[1] = 2, skf[2] = 0, skf[3] = 3;
	ike_msg_build_init(&b, &h);
	assert_int_equal(ike_msg_build_raw(&b, IKE_PLD_SKF, skf, sizeof(skf)), 0);
	assert_int_equal(ike_msg_build_finish(&b, &p, &n), 0);
	ike_msg_build_done(&b);
	assert_int_equal(ike_msg_decode(p, n, &m), 0);
	assert_int_equal(m.sk.frag_num, 2);
	assert_int_equal(m.sk.frag_total, 3);
	assert_int_equal(m.sk.aad_len, IKE_HDR_LEN + 8);
	/* fragment number 4 of 3 */
	p[IKE_HDR_LEN + 5] = 4;
	assert_int_equal(ike_msg_decode(p, n, &m), -EBADMSG);
	free(p);
	/* Cisco fragment: id 0x1234, number 1, last */
	memset(frag, 0x77, sizeof(frag));
	frag[0] = 0x12, frag[1] = 0x34, frag[2] = 1, frag[3] = CISCO_FRAG_FLAG_LAST;
	ike_msg_build_init(&b, &h);
	assert_int_equal(ike_msg_build_raw(&b, CISCO_PLD_FRAGMENT, frag, sizeof(frag)), 0);
	assert_int_equal(ike_msg_build_finish(&b, &p, &n), 0);
	ike_msg_build_done(&b);
	assert_int_equal(ike_msg_decode(p, n, &m), 0);
	assert_true(m.has & IKE_HAS_CISCO_FRAG);
	assert_int_equal(m.cisco_frag.frag_id, 0x1234);
	assert_int_equal(m.cisco_frag.flags, 1);
	assert_int_equal(m.cisco_frag.chunk.n, 16);
	free(p);
}

static void test_vid_matching(void **state)
{
	uint8_t tr[25];

	memcpy(tr, ANYROAM_VID_TOKEN_ROTATION, 22);
	tr[22] = 1, tr[23] = 2, tr[24] = 3;
	assert_int_equal(cisco_vid_match(tr, sizeof(tr)), CISCO_VID_ID_TOKEN_ROTATION);
	assert_int_equal(cisco_vid_match(CISCO_VID_FRAGMENTATION, 16), CISCO_VID_ID_FRAGMENTATION);
	/* the 17-byte IKEv1 form is a different VID; exact match only */
	memcpy(tr, CISCO_VID_FRAGMENTATION, 16);
	tr[16] = 0x80;
	assert_int_equal(cisco_vid_match(tr, 17), CISCO_VID_UNKNOWN);
	assert_int_equal(CISCO_VID_LEN(CISCO_VID_COPYRIGHT), 55);
	assert_int_equal(CISCO_VID_LEN(CISCO_VID_DELETE_REASON), 19);
	assert_false(cisco_is_anyconnect_id(IKE_ID_FQDN, (const uint8_t *)CISCO_ANYCONNECT_ID, 20));
	assert_true(cisco_is_anyconnect_id(201, (const uint8_t *)CISCO_ANYCONNECT_ID, 20));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sa_init_round_trip),
		cmocka_unit_test(test_truncation_and_lies),
		cmocka_unit_test(test_bit_flips_never_crash),
		cmocka_unit_test(test_unknown_payloads),
		cmocka_unit_test(test_quirk_natd_proto_ike),
		cmocka_unit_test(test_auth_payloads_round_trip),
		cmocka_unit_test(test_worked_idi_bytes),
		cmocka_unit_test(test_duplicate_and_caps),
		cmocka_unit_test(test_sk_skf_and_cisco_fragment),
		cmocka_unit_test(test_vid_matching),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
