/*
 * test_ike_keys.c - agent/ike key derivation rules that a single strongSwan
 * capture (test_ike_keys_strongswan.c) does not cover: the split order and
 * lengths of SK_* per suite, IKE SA rekey (RFC 7296 §2.18: the old PRF and
 * SK_d make SKEYSEED, the new PRF the keys), Child SA KEYMAT with PFS, and
 * refusal of bad suites without touching the output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/secret.h"
#include "ike/ike_keys.h"

static const uint8_t ni[32] = {0x11, 0x12, 0x13}, nr[24] = {0x21, 0x22};
static const uint64_t spi_i = 0x0102030405060708ULL, spi_r = 0x1112131415161718ULL;

static struct secret *g_ir_of(uint8_t v, size_t n)
{
	struct secret *s = secret_new(n);

	memset(secret_data_mut(s), v, n);
	return s;
}

/* KEYMAT cut in order: SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr. */
static void assert_split(const struct ike_keys *k, const struct secret *km, size_t prf, size_t a,
			 size_t e)
{
	const struct secret *parts[] = {k->sk_d,  k->sk_ai, k->sk_ar, k->sk_ei,
					k->sk_er, k->sk_pi, k->sk_pr};
	const size_t lens[] = {prf, a, a, e, e, prf, prf};
	size_t off = 0;

	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		assert_int_equal(secret_len(parts[i]), lens[i]);
		if (lens[i])
			assert_memory_equal(secret_data(parts[i]), secret_data(km) + off, lens[i]);
		off += lens[i];
	}
	assert_int_equal(off, secret_len(km));
}

static void sk_split_per_suite(void **state)
{
	static const struct {
		struct ike_crypto_suite s;
		size_t prf, a, e;
	} cases[] = {
		{{IKE_ENCR_AES_CBC, 256, IKE_PRF_HMAC_SHA2_512, IKE_INTEG_HMAC_SHA2_512_256,
		  IKE_DH_ECP_256},
		 64,
		 64,
		 32},
		{{IKE_ENCR_AES_CBC, 128, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_HMAC_SHA2_384_192,
		  IKE_DH_MODP_2048},
		 32,
		 48,
		 16},
		/* GCM: no SK_a, and SK_e carries the 4-byte salt (RFC 5282 §7.1) */
		{{IKE_ENCR_AES_GCM_16, 256, IKE_PRF_HMAC_SHA2_384, IKE_INTEG_NONE,
		  IKE_DH_CURVE25519},
		 48,
		 0,
		 36},
	};
	struct secret *g = g_ir_of(0x5c, 32);

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct ike_crypto_suite *s = &cases[i].s;
		struct secret *seed = NULL, *km = NULL;
		struct ike_keys k = {0};
		uint8_t spis[16] = {1,	  2,	3,    4,    5,	  6,	7,    8,
				    0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18};
		const struct ike_iov in[] = {{ni, sizeof(ni)}, {nr, sizeof(nr)}, {spis, 16}};
		size_t total = 3 * cases[i].prf + 2 * cases[i].a + 2 * cases[i].e;

		assert_int_equal(
			ike_keys_derive(&k, s, g, ni, sizeof(ni), nr, sizeof(nr), spi_i, spi_r), 0);
		assert_int_equal(
			ike_keys_skeyseed(s->prf, ni, sizeof(ni), nr, sizeof(nr), g, &seed), 0);
		assert_int_equal(ike_prf_plus(s->prf, secret_data(seed), secret_len(seed), in, 3,
					      total, &km),
				 0);
		assert_split(&k, km, cases[i].prf, cases[i].a, cases[i].e);
		assert_true(k.suite.encr == s->encr && k.suite.prf == s->prf);
		ike_keys_done(&k);
		assert_null(k.sk_d);
		assert_null(k.sk_pr);
		secret_free(seed);
		secret_free(km);
	}
	secret_free(g);
}

/* RFC 7296 §2.18 with a PRF change: SHA2-256 SA rekeyed into a SHA2-512 SA. */
static void ike_rekey_uses_old_prf_for_skeyseed(void **state)
{
	const struct ike_crypto_suite old_suite = {IKE_ENCR_AES_CBC, 256, IKE_PRF_HMAC_SHA2_256,
						   IKE_INTEG_HMAC_SHA2_256_128, IKE_DH_ECP_256};
	const struct ike_crypto_suite new_suite = {IKE_ENCR_AES_GCM_16, 256, IKE_PRF_HMAC_SHA2_512,
						   IKE_INTEG_NONE, IKE_DH_ECP_384};
	struct secret *g_old = g_ir_of(1, 32), *g_new = g_ir_of(2, 48), *seed = NULL;
	struct ike_keys old_k = {0}, new_k = {0}, want = {0};
	uint8_t manual[IKE_PRF_MAX_LEN];

	(void)state;
	assert_int_equal(ike_keys_derive(&old_k, &old_suite, g_old, ni, sizeof(ni), nr, sizeof(nr),
					 spi_i, spi_r),
			 0);
	assert_int_equal(ike_keys_derive_rekey(&new_k, &new_suite, old_suite.prf, old_k.sk_d, g_new,
					       ni, sizeof(ni), nr, sizeof(nr), spi_i + 1,
					       spi_r + 1),
			 0);
	/* SKEYSEED = prf_old(SK_d (old), g^ir (new) | Ni | Nr): 32 bytes from SHA2-256 */
	const struct ike_iov in[] = {{secret_data(g_new), 48}, {ni, sizeof(ni)}, {nr, sizeof(nr)}};
	assert_int_equal(ike_prf(IKE_PRF_HMAC_SHA2_256, secret_data(old_k.sk_d), 32, in, 3, manual),
			 0);
	assert_int_equal(ike_keys_skeyseed_rekey(old_suite.prf, old_k.sk_d, g_new, ni, sizeof(ni),
						 nr, sizeof(nr), &seed),
			 0);
	assert_int_equal(secret_len(seed), 32);
	assert_memory_equal(secret_data(seed), manual, 32);
	/* then prf+ of the new PRF over Ni | Nr | the new SPIs */
	assert_int_equal(ike_keys_from_skeyseed(&want, &new_suite, seed, ni, sizeof(ni), nr,
						sizeof(nr), spi_i + 1, spi_r + 1),
			 0);
	assert_true(secret_eq(new_k.sk_d, want.sk_d));
	assert_true(secret_eq(new_k.sk_er, want.sk_er));
	assert_int_equal(secret_len(new_k.sk_d), 64);
	assert_int_equal(secret_len(new_k.sk_ei), 36);
	assert_null(new_k.sk_ai);
	assert_false(secret_eq(new_k.sk_d, old_k.sk_d));
	ike_keys_done(&old_k);
	ike_keys_done(&new_k);
	ike_keys_done(&want);
	secret_free(seed);
	secret_free(g_old);
	secret_free(g_new);
}

/* RFC 7296 §2.17: KEYMAT = prf+(SK_d, g^ir (new) | Ni | Nr) with PFS. */
static void child_keymat_with_pfs(void **state)
{
	const struct ike_crypto_suite child = {IKE_ENCR_AES_CBC, 256, 0,
					       IKE_INTEG_HMAC_SHA2_384_192, IKE_DH_ECP_256};
	struct secret *sk_d = g_ir_of(0x33, 64), *g = g_ir_of(0x44, 32), *km = NULL;
	struct ike_keys_child pfs = {0}, plain = {0};
	const struct ike_iov in[] = {{secret_data(g), 32}, {ni, sizeof(ni)}, {nr, sizeof(nr)}};

	(void)state;
	assert_int_equal(ike_keys_child_derive(&pfs, IKE_PRF_HMAC_SHA2_512, sk_d, &child, g, ni,
					       sizeof(ni), nr, sizeof(nr)),
			 0);
	assert_int_equal(ike_prf_plus(IKE_PRF_HMAC_SHA2_512, secret_data(sk_d), 64, in, 3,
				      2 * (32 + 48), &km),
			 0);
	/* initiator->responder keys first: ENCR, INTEG, then the reverse pair */
	assert_memory_equal(secret_data(pfs.encr_ir), secret_data(km), 32);
	assert_memory_equal(secret_data(pfs.integ_ir), secret_data(km) + 32, 48);
	assert_memory_equal(secret_data(pfs.encr_ri), secret_data(km) + 80, 32);
	assert_memory_equal(secret_data(pfs.integ_ri), secret_data(km) + 112, 48);
	assert_int_equal(ike_keys_child_derive(&plain, IKE_PRF_HMAC_SHA2_512, sk_d, &child, NULL,
					       ni, sizeof(ni), nr, sizeof(nr)),
			 0);
	assert_false(secret_eq(plain.encr_ir, pfs.encr_ir));
	ike_keys_child_done(&pfs);
	ike_keys_child_done(&plain);
	assert_null(pfs.encr_ir);
	secret_free(km);
	secret_free(sk_d);
	secret_free(g);
}

static void bad_suites_leave_output_alone(void **state)
{
	struct ike_crypto_suite s = {IKE_ENCR_AES_CBC, 256, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_NONE,
				     IKE_DH_ECP_256};
	struct secret *g = g_ir_of(9, 32), *sentinel = g_ir_of(1, 1), *seed = NULL;
	struct ike_keys k = {.sk_d = sentinel};
	struct ike_keys_child c = {.encr_ir = sentinel};
	uint8_t big[300] = {0};

	(void)state;
	assert_int_equal(ike_keys_derive(&k, &s, g, ni, sizeof(ni), nr, sizeof(nr), 1, 2), -EINVAL);
	assert_ptr_equal(k.sk_d, sentinel);
	s.integ = IKE_INTEG_HMAC_SHA2_256_128;
	s.prf = 3; /* PRF_HMAC_TIGER */
	assert_int_equal(ike_keys_derive(&k, &s, g, ni, sizeof(ni), nr, sizeof(nr), 1, 2), -EINVAL);
	s.prf = 0;
	assert_int_equal(ike_keys_child_derive(&c, IKE_PRF_HMAC_SHA2_256, g, &s, NULL, ni,
					       sizeof(ni), nr, sizeof(nr)),
			 0);
	ike_keys_child_done(&c);
	c.encr_ir = sentinel;
	s.encr = 3;
	assert_int_equal(ike_keys_child_derive(&c, IKE_PRF_HMAC_SHA2_256, g, &s, NULL, ni,
					       sizeof(ni), nr, sizeof(nr)),
			 -EINVAL);
	assert_ptr_equal(c.encr_ir, sentinel);
	/* nonces are at most 256 octets (RFC 7296 §3.9) */
	assert_int_equal(
		ike_keys_skeyseed(IKE_PRF_HMAC_SHA2_256, big, 257, nr, sizeof(nr), g, &seed),
		-EINVAL);
	assert_null(seed);
	secret_free(sentinel);
	secret_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sk_split_per_suite),
		cmocka_unit_test(ike_rekey_uses_old_prf_for_skeyseed),
		cmocka_unit_test(child_keymat_with_pfs),
		cmocka_unit_test(bad_suites_leave_output_alone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
