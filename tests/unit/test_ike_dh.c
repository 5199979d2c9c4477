/*
 * test_ike_dh.c - agent/ike key exchange: RFC 5903 §8 ECDH vectors for
 * P-256/384/521, RFC 7748 §6.1 X25519, MODP-2048 round trips, and rejection
 * of invalid peer values (off-curve points, y outside (1, p-1), low-order
 * X25519 points, wrong lengths).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "core/hex.h"
#include "core/secret.h"
#include "ike/ike_dh.h"

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	assert_int_equal(hex_decode(s, out, cap, &n), 0);
	return n;
}

/* RFC 5903 §8.1-8.3: i, g^i = gix | giy, r, g^r, and g^ir's x. */
struct ecp_vector {
	uint16_t group;
	const char *i, *gi, *r, *gr, *girx;
};

static const struct ecp_vector rfc5903[] = {
	{IKE_DH_ECP_256, "c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433",
	 "dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180"
	 "5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3",
	 "c6ef9c5d78ae012a011164acb397ce2088685d8f06bf9be0b283ab46476bee53",
	 "d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63"
	 "56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab",
	 "d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de"},
	{IKE_DH_ECP_384,
	 "099f3c7034d4a2c699884d73a375a67f7624ef7c6b3c0f160647b67414dce655e35b538041e649ee3faef896"
	 "783ab194",
	 "667842d7d180ac2cde6f74f37551f55755c7645c20ef73e31634fe72b4c55ee6de3ac808acb4bdb4c88732ae"
	 "e95f41aa"
	 "9482ed1fc0eeb9cafc4984625ccfc23f65032149e0e144ada024181535a0f38eeb9fcff3c2c947dae69b4c63"
	 "4573a81c",
	 "41cb0779b4bdb85d47846725fbec3c9430fab46cc8dc5060855cc9bda0aa2942e0308312916b8ed2960e4bd5"
	 "5a7448fc",
	 "e558dbef53eecde3d3fccfc1aea08a89a987475d12fd950d83cfa41732bc509d0d1ac43a0336def96fda41d0"
	 "774a3571"
	 "dcfbec7aacf3196472169e838430367f66eebe3c6e70c416dd5f0c68759dd1fff83fa40142209dff5eaad96d"
	 "b9e6386c",
	 "11187331c279962d93d604243fd592cb9d0a926f422e47187521287e7156c5c4d603135569b9e9d09cf5d4a2"
	 "70f59746"},
	{IKE_DH_ECP_521,
	 "0037ade9319a89f4dabdb3ef411aaccca5123c61acab57b5393dce47608172a095aa85a30fe1c2952c6771d9"
	 "37ba9777f5957b2639bab072462f68c27a57382d4a52",
	 "0015417e84dbf28c0ad3c278713349dc7df153c897a1891bd98bab4357c9ecbee1e3bf42e00b8e380aeae57c"
	 "2d107564941885942af5a7f4601723c4195d176ced3e"
	 "017cae20b6641d2eeb695786d8c946146239d099e18e1d5a514c739d7cb4a10ad8a788015ac405d7799dc75e"
	 "7b7d5b6cf2261a6a7f1507438bf01beb6ca3926f9582",
	 "0145ba99a847af43793fdd0e872e7cdfa16be30fdc780f97bccc3f078380201e9c677d600b343757a3bdbf2a"
	 "3163e4c2f869cca7458aa4a4effc311f5cb151685eb9",
	 "00d0b3975ac4b799f5bea16d5e13e9af971d5e9b984c9f39728b5e5739735a219b97c356436adc6e95bb0352"
	 "f6be64a6c2912d4ef2d0433ced2b6171640012d9460f"
	 "015c68226383956e3bd066e797b623c27ce0eac2f551a10c2c724d9852077b87220b6536c5c408a1d2aebb8e"
	 "86d678ae49cb57091f4732296579ab44fcd17f0fc56a",
	 "01144c7d79ae6956bc8edb8e7c787c4521cb086fa64407f97894e5e6b2d79b04d1427e73ca4baa240a347868"
	 "59810c06b3c715a3a8cc3151f2bee417996d19f3ddea"},
};

/* One side of a vector: our value from (priv, pub), the secret with the peer's value. */
static void ecp_side(uint16_t group, const char *priv_hex, const char *pub_hex,
		     const char *peer_hex, const char *want_hex)
{
	uint8_t priv[66], pub[132], peer[132], want[66];
	size_t priv_n = unhex(priv_hex, priv, sizeof(priv));
	size_t pub_n = unhex(pub_hex, pub, sizeof(pub));
	size_t peer_n = unhex(peer_hex, peer, sizeof(peer));
	size_t want_n = unhex(want_hex, want, sizeof(want));
	struct ike_dh *dh = NULL;
	struct secret *s = NULL;
	const uint8_t *ours;
	size_t ours_n = 0;

	assert_int_equal(pub_n, ike_dh_public_len(group));
	assert_int_equal(ike_dh_new_from_private(group, priv, priv_n, pub, pub_n, &dh), 0);
	assert_int_equal(ike_dh_group(dh), group);
	ours = ike_dh_public(dh, &ours_n);
	assert_int_equal(ours_n, pub_n);
	assert_memory_equal(ours, pub, pub_n);
	assert_int_equal(ike_dh_shared(dh, peer, peer_n, &s), 0);
	/* RFC 5903 §7: the shared secret is x only, at the field's length */
	assert_int_equal(secret_len(s), want_n);
	assert_memory_equal(secret_data(s), want, want_n);
	secret_free(s);
	ike_dh_free(dh);
}

static void ecdh_rfc5903(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(rfc5903); i++) {
		const struct ecp_vector *v = &rfc5903[i];

		ecp_side(v->group, v->i, v->gi, v->gr, v->girx);
		ecp_side(v->group, v->r, v->gr, v->gi, v->girx);
	}
}

/* RFC 7748 §6.1 */
static void x25519_rfc7748(void **state)
{
	uint8_t a_priv[32], a_pub[32], b_priv[32], b_pub[32], k[32];
	struct ike_dh *a = NULL, *b = NULL;
	struct secret *ka = NULL, *kb = NULL;
	const uint8_t *pub;
	size_t n = 0;

	(void)state;
	unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", a_priv, 32);
	unhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", a_pub, 32);
	unhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb", b_priv, 32);
	unhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", b_pub, 32);
	unhex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", k, 32);
	/* the public value is derived from the private one */
	assert_int_equal(ike_dh_new_from_private(IKE_DH_CURVE25519, a_priv, 32, NULL, 0, &a), 0);
	pub = ike_dh_public(a, &n);
	assert_int_equal(n, 32);
	assert_memory_equal(pub, a_pub, 32);
	assert_int_equal(ike_dh_new_from_private(IKE_DH_CURVE25519, b_priv, 32, NULL, 0, &b), 0);
	pub = ike_dh_public(b, &n);
	assert_memory_equal(pub, b_pub, 32);
	assert_int_equal(ike_dh_shared(a, b_pub, 32, &ka), 0);
	assert_int_equal(ike_dh_shared(b, a_pub, 32, &kb), 0);
	assert_true(secret_eq_bytes(ka, k, 32));
	assert_true(secret_eq_bytes(kb, k, 32));
	secret_free(ka);
	secret_free(kb);
	ike_dh_free(a);
	ike_dh_free(b);
}

/* RFC 8031 §2.3: low-order points give an all-zero secret, which is refused. */
static void x25519_rejects_all_zero(void **state)
{
	uint8_t zero[32] = {0}, one[32] = {1};
	struct ike_dh *dh = NULL;
	struct secret *s = NULL;

	(void)state;
	assert_int_equal(ike_dh_new(IKE_DH_CURVE25519, &dh), 0);
	assert_int_equal(ike_dh_shared(dh, zero, 32, &s), -EBADMSG);
	assert_int_equal(ike_dh_shared(dh, one, 32, &s), -EBADMSG);
	assert_int_equal(ike_dh_shared(dh, one, 31, &s), -EBADMSG);
	assert_null(s);
	ike_dh_free(dh);
}

/* Two fresh key pairs of every group agree; the secret has the group's fixed length. */
static void round_trip_every_group(void **state)
{
	static const struct {
		uint16_t group;
		size_t pub, secret;
	} groups[] = {
		{IKE_DH_MODP_2048, 256, 256}, {IKE_DH_ECP_256, 64, 32},	   {IKE_DH_ECP_384, 96, 48},
		{IKE_DH_ECP_521, 132, 66},    {IKE_DH_CURVE25519, 32, 32},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(groups); i++) {
		struct ike_dh *a = NULL, *b = NULL;
		struct secret *sa = NULL, *sb = NULL;
		const uint8_t *pa, *pb;
		size_t na = 0, nb = 0;

		assert_true(ike_dh_group_supported(groups[i].group));
		assert_int_equal(ike_dh_public_len(groups[i].group), groups[i].pub);
		assert_int_equal(ike_dh_new(groups[i].group, &a), 0);
		assert_int_equal(ike_dh_new(groups[i].group, &b), 0);
		pa = ike_dh_public(a, &na);
		pb = ike_dh_public(b, &nb);
		assert_int_equal(na, groups[i].pub);
		assert_int_equal(ike_dh_check_public(groups[i].group, pa, na), 0);
		assert_int_equal(ike_dh_shared(a, pb, nb, &sa), 0);
		assert_int_equal(ike_dh_shared(b, pa, na, &sb), 0);
		assert_int_equal(secret_len(sa), groups[i].secret);
		assert_true(secret_eq(sa, sb));
		secret_free(sa);
		secret_free(sb);
		ike_dh_free(a);
		ike_dh_free(b);
	}
}

/* The RFC 3526 prime, big-endian at 256 bytes, from OpenSSL's named group. */
static void modp2048_prime(uint8_t p[256])
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
	EVP_PKEY *params = NULL;
	BIGNUM *bn = NULL;

	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_paramgen_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_group_name(ctx, "modp_2048"), 1);
	assert_int_equal(EVP_PKEY_paramgen(ctx, &params), 1);
	assert_int_equal(EVP_PKEY_get_bn_param(params, OSSL_PKEY_PARAM_FFC_P, &bn), 1);
	assert_int_equal(BN_bn2binpad(bn, p, 256), 256);
	BN_free(bn);
	EVP_PKEY_free(params);
	EVP_PKEY_CTX_free(ctx);
}

/* RFC 6989 §2.1: y must satisfy 1 < y < p-1. */
static void modp_rejects_degenerate_values(void **state)
{
	uint8_t y[256], p[256];
	struct ike_dh *dh = NULL;
	struct secret *s = NULL;

	(void)state;
	modp2048_prime(p);
	/* RFC 3526 §3: the prime starts and ends with 64 one bits */
	assert_int_equal(p[0], 0xff);
	assert_int_equal(p[255], 0xff);
	assert_int_equal(ike_dh_new(IKE_DH_MODP_2048, &dh), 0);
	memset(y, 0, sizeof(y));
	assert_int_equal(ike_dh_shared(dh, y, 256, &s), -EBADMSG);
	y[255] = 1;
	assert_int_equal(ike_dh_shared(dh, y, 256, &s), -EBADMSG);
	memcpy(y, p, 256);
	y[255] -= 1; /* p - 1 */
	assert_int_equal(ike_dh_shared(dh, y, 256, &s), -EBADMSG);
	assert_int_equal(ike_dh_shared(dh, p, 256, &s), -EBADMSG);
	memset(y, 0xff, sizeof(y)); /* above p */
	assert_int_equal(ike_dh_shared(dh, y, 256, &s), -EBADMSG);
	y[0] = 0x12;
	assert_int_equal(ike_dh_shared(dh, y, 255, &s), -EBADMSG);
	assert_null(s);
	/* a small but valid y: the secret keeps its leading zeros (RFC 7296 §2.14) */
	memset(y, 0, sizeof(y));
	y[255] = 2;
	assert_int_equal(ike_dh_shared(dh, y, 256, &s), 0);
	assert_int_equal(secret_len(s), 256);
	secret_free(s);
	ike_dh_free(dh);
}

/* RFC 6989 §2.3: a point off the curve (invalid-curve attack) is refused. */
static void ecp_rejects_points_off_the_curve(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(rfc5903); i++) {
		const struct ecp_vector *v = &rfc5903[i];
		uint8_t gr[132];
		size_t n = unhex(v->gr, gr, sizeof(gr));
		struct ike_dh *dh = NULL;
		struct secret *s = NULL;

		(void)state;
		assert_int_equal(ike_dh_new(v->group, &dh), 0);
		assert_int_equal(ike_dh_check_public(v->group, gr, n), 0);
		gr[n - 1] ^= 0x01; /* y changed: no longer on the curve */
		assert_int_equal(ike_dh_check_public(v->group, gr, n), -EBADMSG);
		assert_int_equal(ike_dh_shared(dh, gr, n, &s), -EBADMSG);
		memset(gr, 0, n); /* the point at infinity has no x | y encoding */
		assert_int_equal(ike_dh_shared(dh, gr, n, &s), -EBADMSG);
		assert_int_equal(ike_dh_shared(dh, gr, n - 1, &s), -EBADMSG);
		assert_null(s);
		ike_dh_free(dh);
	}
}

/* Random KE data of the right length: refused (ECP) or a valid secret, never a crash. */
static void random_peer_values(void **state)
{
	static const uint16_t groups[] = {IKE_DH_ECP_256, IKE_DH_ECP_384, IKE_DH_ECP_521,
					  IKE_DH_MODP_2048, IKE_DH_CURVE25519};
	uint8_t peer[256];
	uint32_t x = 777;

	(void)state;
	for (size_t g = 0; g < ARRAY_SIZE(groups); g++) {
		size_t n = ike_dh_public_len(groups[g]);
		struct ike_dh *dh = NULL;

		assert_int_equal(ike_dh_new(groups[g], &dh), 0);
		for (int round = 0; round < 20; round++) {
			struct secret *s = NULL;
			int r;

			for (size_t i = 0; i < n; i++) {
				x = x * 1103515245u + 12345u;
				peer[i] = (uint8_t)(x >> 16);
			}
			r = ike_dh_shared(dh, peer, n, &s);
			if (groups[g] == IKE_DH_ECP_256 || groups[g] == IKE_DH_ECP_384 ||
			    groups[g] == IKE_DH_ECP_521)
				assert_int_equal(r, -EBADMSG); /* random x | y is off the curve */
			else
				assert_true(r == 0 || r == -EBADMSG);
			secret_free(s);
		}
		ike_dh_free(dh);
	}
}

static void unsupported_groups(void **state)
{
	struct ike_dh *dh = NULL;
	uint8_t x[32] = {9};

	(void)state;
	assert_false(ike_dh_group_supported(2));
	assert_int_equal(ike_dh_public_len(5), 0);
	assert_int_equal(ike_dh_new(2, &dh), -EINVAL);
	assert_int_equal(ike_dh_new_from_private(19, x, 32, NULL, 0, &dh), -EINVAL);
	assert_int_equal(ike_dh_check_public(22, x, 32), -EINVAL);
	assert_null(dh);
	assert_null(ike_dh_free(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ecdh_rfc5903),
		cmocka_unit_test(x25519_rfc7748),
		cmocka_unit_test(x25519_rejects_all_zero),
		cmocka_unit_test(round_trip_every_group),
		cmocka_unit_test(modp_rejects_degenerate_values),
		cmocka_unit_test(ecp_rejects_points_off_the_curve),
		cmocka_unit_test(random_peer_values),
		cmocka_unit_test(unsupported_groups),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
