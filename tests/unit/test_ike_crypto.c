/*
 * test_ike_crypto.c - agent/ike crypto suite: HMAC-SHA2 PRFs against RFC 4231,
 * prf+ against its definition (RFC 7296 §2.13), transform tables, and SK/SKF
 * protection: AES-CBC+HMAC and AES-GCM round trips, a GCM known answer, and
 * tamper, truncation and padding checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>

#include "core/hex.h"
#include "core/rng.h"
#include "core/secret.h"
#include "ike/ike_crypto.h"

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	assert_int_equal(hex_decode(s, out, cap, &n), 0);
	return n;
}

static void assert_hex_equal(const uint8_t *p, size_t n, const char *want)
{
	uint8_t w[1024];
	size_t wn = unhex(want, w, sizeof(w));

	assert_int_equal(n, wn);
	assert_memory_equal(p, w, n);
}

/* RFC 4231 §4.2-4.8 (case 5, truncation, is separate). */
struct hmac_case {
	const char *key, *data, *sha256, *sha384, *sha512;
};

static const struct hmac_case rfc4231[] = {
	{"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
	 "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
	 "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8"
	 "b2fa9cb6",
	 "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274e"
	 "aea3f4e4be9d914eeb61f1702e696c203a126854"},
	{"4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
	 "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
	 "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ec"
	 "fab21649",
	 "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65"
	 "f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"},
	{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	 "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
	 "dddddddddddd",
	 "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
	 "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b2a5ab39dc13814b94e3ab6e1"
	 "01a34f27",
	 "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e848279a722c806b485a4"
	 "7e67c807b946a337bee8942674278859e13292fb"},
	{"0102030405060708090a0b0c0d0e0f10111213141516171819",
	 "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
	 "cdcdcdcdcdcd",
	 "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
	 "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e6801dd23c4a7d679ccf8a386"
	 "c674cffb",
	 "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba91ca5c11aa25eb4d679275c"
	 "c5788063a5f19741120c4f2de2adebeb10a298dd"},
	/* case 6: a 131-byte key, longer than the block, is hashed first */
	{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	 "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d20486173"
	 "68204b6579204669727374",
	 "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
	 "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df1"
	 "63f44952",
	 "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd221"
	 "5d6a1e5295e64f73f63f0aec8b915a985d786598"},
	{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	 "5468697320697320612074657374207573696e672061206c6172676572207468616e20626c6f636b2d7369"
	 "7a65206b657920616e642061206c6172676572207468616e20626c6f636b2d73697a6520646174612e2054"
	 "6865206b6579206e6565647320746f20626520686173686564206265666f7265206265696e672075736564"
	 "2062792074686520484d414320616c676f726974686d2e",
	 "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
	 "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5a678cc31e799176d3860e611"
	 "0c46523e",
	 "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55"
	 "c3e4de15134676fb6de0446065c97440fa8c6a58"},
};

static void prf_hmac_sha2_rfc4231(void **state)
{
	uint8_t key[256], data[256], out[IKE_PRF_MAX_LEN];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(rfc4231); i++) {
		size_t kn = unhex(rfc4231[i].key, key, sizeof(key));
		struct ike_iov iov = {data, unhex(rfc4231[i].data, data, sizeof(data))};

		assert_int_equal(ike_prf(IKE_PRF_HMAC_SHA2_256, key, kn, &iov, 1, out), 0);
		assert_hex_equal(out, 32, rfc4231[i].sha256);
		assert_int_equal(ike_prf(IKE_PRF_HMAC_SHA2_384, key, kn, &iov, 1, out), 0);
		assert_hex_equal(out, 48, rfc4231[i].sha384);
		assert_int_equal(ike_prf(IKE_PRF_HMAC_SHA2_512, key, kn, &iov, 1, out), 0);
		assert_hex_equal(out, 64, rfc4231[i].sha512);
	}
}

/* RFC 4231 §4.6, truncated to 128 bits; and the same data split over pieces. */
static void hmac_truncation_and_scatter(void **state)
{
	static const char data[] = "Test With Truncation";
	const struct ike_iov whole = {data, 20};
	const struct ike_iov split[] = {{data, 4}, {NULL, 0}, {data + 4, 16}};
	uint8_t key[20], out[64];

	(void)state;
	memset(key, 0x0c, sizeof(key));
	assert_int_equal(ike_crypto_hmac("SHA256", key, 20, &whole, 1, out, 16), 0);
	assert_hex_equal(out, 16, "a3b6167473100ee06e0c796c2955552b");
	assert_int_equal(ike_crypto_hmac("SHA384", key, 20, &whole, 1, out, 16), 0);
	assert_hex_equal(out, 16, "3abf34c3503b2a23a46efc619baef897");
	assert_int_equal(ike_crypto_hmac("SHA512", key, 20, split, 3, out, 16), 0);
	assert_hex_equal(out, 16, "415fad6271580a531d4179bc891d87a6");
	/* more than the digest is our bug */
	assert_int_equal(ike_crypto_hmac("SHA256", key, 20, &whole, 1, out, 33), -EINVAL);
	assert_int_equal(ike_prf(99, key, 20, &whole, 1, out), -EINVAL);
}

/* prf+ rebuilt from prf: T1 = prf(K, S | 01), Tn = prf(K, Tn-1 | S | n). */
static void prf_plus_follows_rfc7296(void **state)
{
	static const uint16_t ids[] = {IKE_PRF_HMAC_SHA2_256, IKE_PRF_HMAC_SHA2_384,
				       IKE_PRF_HMAC_SHA2_512};
	const uint8_t key[] = "prf+ key", s1[] = "seed one", s2[] = "seed two";
	const struct ike_iov seed[] = {{s1, 8}, {s2, 8}};
	uint8_t want[4 * IKE_PRF_MAX_LEN], t[IKE_PRF_MAX_LEN];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		size_t len = ike_crypto_prf(ids[i])->len, prev = 0;
		struct secret *out = NULL;

		for (uint8_t n = 1; n <= 4; n++) {
			const struct ike_iov in[] = {{t, prev}, {s1, 8}, {s2, 8}, {&n, 1}};

			assert_int_equal(ike_prf(ids[i], key, 8, in, 4, t), 0);
			memcpy(want + (n - 1) * len, t, len);
			prev = len;
		}
		/* a length that is not a whole number of blocks */
		assert_int_equal(ike_prf_plus(ids[i], key, 8, seed, 2, 3 * len + 5, &out), 0);
		assert_int_equal(secret_len(out), 3 * len + 5);
		assert_memory_equal(secret_data(out), want, 3 * len + 5);
		secret_free(out);
		out = NULL;
		/* at most 255 blocks (the counter is one octet) */
		assert_int_equal(ike_prf_plus(ids[i], key, 8, seed, 2, 255 * len + 1, &out),
				 -EINVAL);
		assert_null(out);
	}
}

static void transform_tables(void **state)
{
	const struct ike_encr_info *e;
	const struct ike_integ_info *in;
	struct ike_crypto_suite s = {IKE_ENCR_AES_GCM_16, 256, IKE_PRF_HMAC_SHA2_512, 0,
				     IKE_DH_ECP_256};

	(void)state;
	e = ike_crypto_encr(IKE_ENCR_AES_GCM_16, 256);
	assert_non_null(e);
	assert_true(e->aead);
	assert_int_equal(e->key_len, 32);
	assert_int_equal(e->salt_len, 4);
	assert_int_equal(e->iv_len, 8);
	assert_int_equal(e->icv_len, 16);
	e = ike_crypto_encr(IKE_ENCR_AES_CBC, 256);
	assert_int_equal(e->iv_len, 16);
	assert_int_equal(e->block_len, 16);
	assert_null(ike_crypto_encr(IKE_ENCR_AES_CBC, 64));
	assert_null(ike_crypto_encr(3 /* 3DES */, 192));
	in = ike_crypto_integ(IKE_INTEG_HMAC_SHA2_384_192);
	assert_int_equal(in->key_len, 48);
	assert_int_equal(in->icv_len, 24);
	assert_null(ike_crypto_integ(2 /* HMAC-SHA1-96 */));
	assert_int_equal(ike_crypto_prf(IKE_PRF_HMAC_SHA2_512)->len, 64);
	assert_int_equal(ike_crypto_prf(IKE_PRF_HMAC_SHA2_384)->hash, IKE_HASH_SHA2_384);
	assert_null(ike_crypto_prf(2 /* HMAC-SHA1 */));

	assert_int_equal(ike_crypto_suite_check(&s, false), 0);
	s.integ = IKE_INTEG_HMAC_SHA2_256_128; /* RFC 5282 §8: no INTEG with an AEAD */
	assert_int_equal(ike_crypto_suite_check(&s, false), -EINVAL);
	s = (struct ike_crypto_suite){IKE_ENCR_AES_CBC, 256, IKE_PRF_HMAC_SHA2_256, 0,
				      IKE_DH_MODP_2048};
	assert_int_equal(ike_crypto_suite_check(&s, false), -EINVAL); /* CBC needs INTEG */
	s.integ = IKE_INTEG_HMAC_SHA2_512_256;
	assert_int_equal(ike_crypto_suite_check(&s, false), 0);
	s.dh = 5; /* MODP-1536 */
	assert_int_equal(ike_crypto_suite_check(&s, false), -EINVAL);
	s.dh = IKE_DH_NONE;
	s.prf = 0;
	assert_int_equal(ike_crypto_suite_check(&s, true), 0); /* a Child SA without PFS */
	assert_int_equal(ike_crypto_suite_check(&s, false), -EINVAL);
}

/* A deterministic key of n bytes. */
static struct secret *key_of(size_t n, uint8_t start)
{
	struct secret *s = secret_new(n);

	for (size_t i = 0; i < n; i++)
		secret_data_mut(s)[i] = (uint8_t)(start + i);
	return s;
}

/* A message: fake IKE header + SK header (aad_len bytes) followed by the body. */
static uint8_t *build_msg(const struct ike_sk *sk, struct rng_ops *rng, size_t aad_len,
			  const uint8_t *plain, size_t plain_len, size_t *ret_len)
{
	size_t len = aad_len + ike_sk_body_len(sk, plain_len);
	uint8_t *msg = calloc(1, len);

	for (size_t i = 0; i < aad_len; i++)
		msg[i] = (uint8_t)(0xA0 + i);
	assert_int_equal(ike_sk_encrypt(sk, rng, msg, aad_len, len, plain, plain_len), 0);
	*ret_len = len;
	return msg;
}

struct sk_case {
	uint16_t encr, integ;
};

static const struct sk_case sk_cases[] = {
	{IKE_ENCR_AES_CBC, IKE_INTEG_HMAC_SHA2_256_128},
	{IKE_ENCR_AES_CBC, IKE_INTEG_HMAC_SHA2_384_192},
	{IKE_ENCR_AES_CBC, IKE_INTEG_HMAC_SHA2_512_256},
	{IKE_ENCR_AES_GCM_16, IKE_INTEG_NONE},
};

static void sk_setup(const struct sk_case *c, struct ike_sk *sk, struct secret **e,
		     struct secret **a)
{
	const struct ike_encr_info *ei = ike_crypto_encr(c->encr, 256);
	const struct ike_integ_info *ii = ike_crypto_integ(c->integ);

	*e = key_of(ei->key_len + ei->salt_len, 1);
	*a = ii ? key_of(ii->key_len, 100) : NULL;
	assert_int_equal(ike_sk_init(sk, c->encr, 256, c->integ, *e, *a), 0);
}

static void sk_round_trip_all_lengths(void **state)
{
	struct rng_fake rng;
	uint8_t plain[80];

	(void)state;
	rng_fake_init(&rng, 7);
	for (size_t i = 0; i < sizeof(plain); i++)
		plain[i] = (uint8_t)(i * 3);
	for (size_t c = 0; c < ARRAY_SIZE(sk_cases); c++) {
		struct secret *e, *a;
		struct ike_sk sk;

		sk_setup(&sk_cases[c], &sk, &e, &a);
		for (size_t n = 0; n <= sizeof(plain); n++) {
			size_t len, out_len = 0, want;
			uint8_t *msg = build_msg(&sk, &rng.ops, 32, plain, n, &len), *out = NULL;

			/* RFC 7296 §3.14: IV | whole blocks of payload | pad | padlen | ICV */
			want = sk.encr->aead ? 8 + n + 1 + 16
					     : 16 + (n + 1 + 15) / 16 * 16 + sk.integ->icv_len;
			assert_int_equal(len, 32 + want);
			assert_int_equal(ike_sk_decrypt(&sk, msg, 32, len, &out, &out_len), 0);
			assert_int_equal(out_len, n);
			if (n)
				assert_memory_equal(out, plain, n);
			free(out);
			free(msg);
		}
		secret_free(e);
		secret_free(a);
	}
}

/* Any flipped bit anywhere (header, IV, ciphertext, ICV) is rejected. */
static void sk_detects_every_tampered_byte(void **state)
{
	static const uint8_t plain[] = "IDi AUTH SA TSi TSr: some inner payloads";
	struct rng_fake rng;

	(void)state;
	rng_fake_init(&rng, 8);
	for (size_t c = 0; c < ARRAY_SIZE(sk_cases); c++) {
		struct secret *e, *a;
		struct ike_sk sk;
		size_t len;
		uint8_t *msg;

		sk_setup(&sk_cases[c], &sk, &e, &a);
		msg = build_msg(&sk, &rng.ops, 32, plain, sizeof(plain), &len);
		for (size_t i = 0; i < len; i++) {
			uint8_t *out = NULL;
			size_t out_len = 0;

			msg[i] ^= 0x01;
			assert_int_equal(ike_sk_decrypt(&sk, msg, 32, len, &out, &out_len),
					 -EBADMSG);
			assert_null(out);
			msg[i] ^= 0x01;
		}
		free(msg);
		secret_free(e);
		secret_free(a);
	}
}

static void sk_rejects_short_and_misaligned(void **state)
{
	static const uint8_t plain[40] = {1, 2, 3};
	struct rng_fake rng;

	(void)state;
	rng_fake_init(&rng, 9);
	for (size_t c = 0; c < ARRAY_SIZE(sk_cases); c++) {
		struct secret *e, *a;
		struct ike_sk sk;
		uint8_t *msg, *out = NULL;
		size_t len, out_len;

		sk_setup(&sk_cases[c], &sk, &e, &a);
		msg = build_msg(&sk, &rng.ops, 28, plain, sizeof(plain), &len);
		for (size_t cut = 1; cut < len - 28; cut++)
			assert_int_equal(ike_sk_decrypt(&sk, msg, 28, len - cut, &out, &out_len),
					 -EBADMSG);
		assert_int_equal(ike_sk_decrypt(&sk, msg, 28, 28, &out, &out_len), -EBADMSG);
		assert_int_equal(ike_sk_decrypt(&sk, msg, 29, 28, &out, &out_len), -EINVAL);
		/* a wrong length to encrypt into is our bug */
		assert_int_equal(
			ike_sk_encrypt(&sk, &rng.ops, msg, 28, len - 1, plain, sizeof(plain)),
			-EINVAL);
		assert_null(out);
		free(msg);
		secret_free(e);
		secret_free(a);
	}
}

/* A correctly authenticated CBC body whose Pad Length exceeds what was decrypted. */
static void sk_cbc_rejects_bad_pad_length(void **state)
{
	struct secret *e = key_of(32, 1), *a = key_of(32, 100);
	uint8_t msg[28 + 16 + 16 + 16], block[16], *out = NULL;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	struct ike_iov cover = {msg, 28 + 32};
	struct ike_sk sk;
	size_t out_len;
	int outl = 0;

	(void)state;
	assert_int_equal(ike_sk_init(&sk, IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128, e, a),
			 0);
	memset(msg, 0x11, 28 + 16); /* header and IV */
	memset(block, 0, sizeof(block));
	block[15] = 16; /* pad length 16 in a 16-byte block */
	assert_int_equal(EVP_EncryptInit_ex(ctx, EVP_aes_256_cbc(), NULL, secret_data(e), msg + 28),
			 1);
	EVP_CIPHER_CTX_set_padding(ctx, 0);
	assert_int_equal(EVP_EncryptUpdate(ctx, msg + 44, &outl, block, 16), 1);
	assert_int_equal(outl, 16);
	EVP_CIPHER_CTX_free(ctx);
	assert_int_equal(ike_crypto_hmac("SHA256", secret_data(a), 32, &cover, 1, msg + 60, 16), 0);
	assert_int_equal(ike_sk_decrypt(&sk, msg, 28, sizeof(msg), &out, &out_len), -EBADMSG);
	/* pad length 15 is the largest that fits: an empty payload list */
	block[15] = 15;
	ctx = EVP_CIPHER_CTX_new();
	assert_int_equal(EVP_EncryptInit_ex(ctx, EVP_aes_256_cbc(), NULL, secret_data(e), msg + 28),
			 1);
	EVP_CIPHER_CTX_set_padding(ctx, 0);
	assert_int_equal(EVP_EncryptUpdate(ctx, msg + 44, &outl, block, 16), 1);
	EVP_CIPHER_CTX_free(ctx);
	assert_int_equal(ike_crypto_hmac("SHA256", secret_data(a), 32, &cover, 1, msg + 60, 16), 0);
	assert_int_equal(ike_sk_decrypt(&sk, msg, 28, sizeof(msg), &out, &out_len), 0);
	assert_int_equal(out_len, 0);
	free(out);
	secret_free(e);
	secret_free(a);
}

/*
 * GCM known answer (McGrew & Viega, "The Galois/Counter Mode of Operation",
 * test case 16: AES-256, 96-bit IV, AAD) laid out as RFC 5282 wants it: the
 * key material is K | salt where salt = IV[0..4), the explicit IV is IV[4..12),
 * the AAD precedes the body and the tag ends it.
 */
static void sk_gcm_known_answer(void **state)
{
	uint8_t keymat[36], msg[20 + 8 + 60 + 16], p[60], *out = NULL;
	struct ike_sk sk;
	struct secret *e;
	size_t out_len = 0;

	(void)state;
	unhex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308cafebabe", keymat,
	      sizeof(keymat));
	e = secret_from(keymat, sizeof(keymat));
	unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2"
	      "facedbaddecaf888"
	      "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b0"
	      "8b1056828838c5f61e6393ba7a0abcc9f662"
	      "76fc6ece0f4e1768cddf8853bb2d551b",
	      msg, sizeof(msg));
	unhex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532f"
	      "cf0e2449a6b525b16aedf5aa0de657ba637b39",
	      p, sizeof(p));
	assert_int_equal(ike_sk_init(&sk, IKE_ENCR_AES_GCM_16, 256, IKE_INTEG_NONE, e, NULL), 0);
	assert_int_equal(ike_sk_decrypt(&sk, msg, 20, sizeof(msg), &out, &out_len), 0);
	/* the last plaintext octet (0x39 = 57) reads as the Pad Length */
	assert_int_equal(out_len, 60 - 1 - 0x39);
	assert_memory_equal(out, p, out_len);
	free(out);
	out = NULL;
	/* the AAD is authenticated: one changed octet of it fails the tag */
	msg[3] ^= 0x80;
	assert_int_equal(ike_sk_decrypt(&sk, msg, 20, sizeof(msg), &out, &out_len), -EBADMSG);
	secret_free(e);
}

/*
 * RFC 7383 §2.5: each SKF fragment is protected on its own and the AAD runs
 * through Fragment Number and Total Fragments, so a fragment cannot be
 * renumbered.
 */
static void skf_fragments_are_bound_to_their_number(void **state)
{
	static const uint8_t part1[] = "first half of the inner payloads|";
	static const uint8_t part2[] = "second half";
	struct secret *e = key_of(36, 3);
	struct rng_fake rng;
	struct ike_sk sk;
	uint8_t *f1, *f2, *out = NULL;
	size_t l1, l2, out_len;

	(void)state;
	rng_fake_init(&rng, 10);
	assert_int_equal(ike_sk_init(&sk, IKE_ENCR_AES_GCM_16, 256, IKE_INTEG_NONE, e, NULL), 0);
	/* 28-byte IKE header + SKF header (4) + Fragment Number (2) + Total (2) */
	f1 = build_msg(&sk, &rng.ops, 36, part1, sizeof(part1), &l1);
	f2 = build_msg(&sk, &rng.ops, 36, part2, sizeof(part2), &l2);
	f1[32] = 0, f1[33] = 1, f1[34] = 0, f1[35] = 2; /* fragment 1 of 2 */
	assert_int_equal(ike_sk_encrypt(&sk, &rng.ops, f1, 36, l1, part1, sizeof(part1)), 0);
	f2[32] = 0, f2[33] = 2, f2[34] = 0, f2[35] = 2;
	assert_int_equal(ike_sk_encrypt(&sk, &rng.ops, f2, 36, l2, part2, sizeof(part2)), 0);
	assert_int_equal(ike_sk_decrypt(&sk, f2, 36, l2, &out, &out_len), 0);
	assert_int_equal(out_len, sizeof(part2));
	free(out);
	out = NULL;
	assert_int_equal(ike_sk_decrypt(&sk, f1, 36, l1, &out, &out_len), 0);
	assert_memory_equal(out, part1, sizeof(part1));
	free(out);
	out = NULL;
	f1[33] = 2; /* claims to be fragment 2 */
	assert_int_equal(ike_sk_decrypt(&sk, f1, 36, l1, &out, &out_len), -EBADMSG);
	free(f1);
	free(f2);
	secret_free(e);
}

static void sk_init_checks_keys(void **state)
{
	struct secret *k32 = key_of(32, 0), *k36 = key_of(36, 0), *k48 = key_of(48, 0);
	struct ike_sk sk;

	(void)state;
	/* GCM key material is key | salt (RFC 5282 §7.1) */
	assert_int_equal(ike_sk_init(&sk, IKE_ENCR_AES_GCM_16, 256, 0, k32, NULL), -EINVAL);
	assert_int_equal(ike_sk_init(&sk, IKE_ENCR_AES_GCM_16, 256, 0, k36, NULL), 0);
	assert_int_equal(
		ike_sk_init(&sk, IKE_ENCR_AES_GCM_16, 256, IKE_INTEG_HMAC_SHA2_256_128, k36, k32),
		-EINVAL);
	assert_int_equal(
		ike_sk_init(&sk, IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_384_192, k32, k32),
		-EINVAL);
	assert_int_equal(
		ike_sk_init(&sk, IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_384_192, k32, k48), 0);
	assert_int_equal(ike_sk_init(&sk, IKE_ENCR_AES_CBC, 256, IKE_INTEG_NONE, k32, NULL),
			 -EINVAL);
	secret_free(k32);
	secret_free(k36);
	secret_free(k48);
}

/* Garbage of every length up to 300 bytes: always -EBADMSG, never a crash or a hit. */
static void sk_decrypt_garbage(void **state)
{
	struct rng_fake rng;
	uint8_t msg[300];

	(void)state;
	rng_fake_init(&rng, 11);
	for (size_t c = 0; c < ARRAY_SIZE(sk_cases); c++) {
		struct secret *e, *a;
		struct ike_sk sk;

		sk_setup(&sk_cases[c], &sk, &e, &a);
		for (size_t n = 28; n <= sizeof(msg); n++) {
			uint8_t *out = NULL;
			size_t out_len = 0;

			assert_int_equal(rng_bytes(&rng.ops, msg, n), 0);
			assert_int_equal(ike_sk_decrypt(&sk, msg, 28, n, &out, &out_len), -EBADMSG);
			assert_null(out);
		}
		secret_free(e);
		secret_free(a);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(prf_hmac_sha2_rfc4231),
		cmocka_unit_test(hmac_truncation_and_scatter),
		cmocka_unit_test(prf_plus_follows_rfc7296),
		cmocka_unit_test(transform_tables),
		cmocka_unit_test(sk_round_trip_all_lengths),
		cmocka_unit_test(sk_detects_every_tampered_byte),
		cmocka_unit_test(sk_rejects_short_and_misaligned),
		cmocka_unit_test(sk_cbc_rejects_bad_pad_length),
		cmocka_unit_test(sk_gcm_known_answer),
		cmocka_unit_test(skf_fragments_are_bound_to_their_number),
		cmocka_unit_test(sk_init_checks_keys),
		cmocka_unit_test(sk_decrypt_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
