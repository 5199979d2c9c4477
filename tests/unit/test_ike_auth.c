/*
 * test_ike_auth.c - agent/ike AUTH data: the PROTOCOL.md §5.4 worked vector,
 * the shared-key MIC, and signatures: method choice (PROTOCOL.md §5.2), RSA
 * method 1 (PRF hash or SHA-1 only), ECDSA 9/10/11 (RFC 4754), RFC 7427
 * method 14, and refusal of mismatched keys, methods and malformed data.
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
#include "core/secret.h"
#include "ike/ike_auth.h"

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	assert_int_equal(hex_decode(s, out, cap, &n), 0);
	return n;
}

/* PROTOCOL.md §5.4: the reconnect identity and an example token. */
static const uint8_t idi_body[] = {0x0B, 0x00, 0x00, 0x00, 0x72, 0x49, 0x55, 0x48,
				   0x4B, 0x63, 0x63, 0x44, 0x52, 0x69, 0x55, 0x74,
				   0x46, 0x54, 0x41, 0x54, 0x77, 0x71};
static const char token[] = "E0CB21612620F736F899721C620F73BC5237D966436EC70B3EC235375CA3E0B0";

static struct secret *sk_pi_example(void)
{
	uint8_t k[32];

	for (int i = 0; i < 32; i++)
		k[i] = (uint8_t)i;
	return secret_from(k, sizeof(k));
}

static void protocol_5_4_worked_vector(void **state)
{
	static const uint8_t pad[] = "Key Pad for IKEv2";
	const struct ike_iov pad_iov = {pad, 17}, id_iov = {idi_body, sizeof(idi_body)};
	struct secret *psk = secret_from_str(token), *sk_pi = sk_pi_example();
	uint8_t out[IKE_PRF_MAX_LEN], want[32], msg[] = "IKE_SA_INIT request", nr[32] = {7};
	uint8_t *octets = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(secret_len(psk), 64); /* the ASCII bytes are the PSK */
	assert_int_equal(ike_prf(IKE_PRF_HMAC_SHA2_256, secret_data(psk), 64, &pad_iov, 1, out), 0);
	unhex("bbbed4fdb1a7539f62e92f82dc0cb44fd3ae37a51a840cf0be99226b61488ed5", want, 32);
	assert_memory_equal(out, want, 32);
	assert_int_equal(ike_prf(IKE_PRF_HMAC_SHA2_256, secret_data(sk_pi), 32, &id_iov, 1, out),
			 0);
	unhex("afc50f732f02f2a8ac094a77f3d1ac70de599204de2fdc44638ff4c059530f61", want, 32);
	assert_memory_equal(out, want, 32);

	/* the octets end with exactly that MACedIDForI (RFC 7296 §2.15) */
	const struct ike_auth_input in = {
		IKE_PRF_HMAC_SHA2_256, msg, sizeof(msg), nr, 32, sk_pi, idi_body, sizeof(idi_body)};
	assert_int_equal(ike_auth_octets(&in, &octets, &n), 0);
	assert_int_equal(n, sizeof(msg) + 32 + 32);
	assert_memory_equal(octets, msg, sizeof(msg));
	assert_memory_equal(octets + sizeof(msg), nr, 32);
	assert_memory_equal(octets + sizeof(msg) + 32, want, 32);
	free(octets);
	secret_free(psk);
	secret_free(sk_pi);
}

/* AUTH = prf(prf(key, pad), octets), rebuilt by hand and checked by verify. */
static void shared_key_mic(void **state)
{
	static const uint16_t prfs[] = {IKE_PRF_HMAC_SHA2_256, IKE_PRF_HMAC_SHA2_384,
					IKE_PRF_HMAC_SHA2_512};
	struct secret *psk = secret_from_str(token), *sk_pi = sk_pi_example();
	uint8_t msg[100], nr[32], auth[IKE_PRF_MAX_LEN], kp[IKE_PRF_MAX_LEN], want[IKE_PRF_MAX_LEN];
	uint8_t *octets = NULL;
	size_t n = 0, on = 0;

	(void)state;
	memset(msg, 0x42, sizeof(msg));
	memset(nr, 0x17, sizeof(nr));
	for (size_t i = 0; i < ARRAY_SIZE(prfs); i++) {
		const struct ike_auth_input in = {prfs[i],    msg,   sizeof(msg), nr,
						  sizeof(nr), sk_pi, idi_body,	  sizeof(idi_body)};
		const struct ike_iov pad = {"Key Pad for IKEv2", 17};
		size_t len = ike_crypto_prf(prfs[i])->len;

		assert_int_equal(ike_auth_mac(&in, psk, auth, &n), 0);
		assert_int_equal(n, len);
		assert_int_equal(ike_auth_octets(&in, &octets, &on), 0);
		const struct ike_iov oct = {octets, on};
		assert_int_equal(ike_prf(prfs[i], secret_data(psk), 64, &pad, 1, kp), 0);
		assert_int_equal(ike_prf(prfs[i], kp, len, &oct, 1, want), 0);
		assert_memory_equal(auth, want, len);
		free(octets);

		assert_int_equal(ike_auth_mac_verify(&in, psk, auth, n), 0);
		auth[n - 1] ^= 1;
		assert_int_equal(ike_auth_mac_verify(&in, psk, auth, n), -EACCES);
		auth[n - 1] ^= 1;
		assert_int_equal(ike_auth_mac_verify(&in, psk, auth, n - 1), -EACCES);
		/* EAP without an MSK: the key is SK_p itself (RFC 7296 §2.16) */
		assert_int_equal(ike_auth_mac_verify(&in, sk_pi, auth, n), -EACCES);
	}
	secret_free(psk);
	secret_free(sk_pi);
}

static EVP_PKEY *keygen(const char *type, const char *param)
{
	EVP_PKEY *k = strcmp(type, "RSA") == 0 ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048)
					       : EVP_PKEY_Q_keygen(NULL, NULL, "EC", param);

	assert_non_null(k);
	return k;
}

struct sig_env {
	struct secret *sk_p;
	uint8_t msg[300], ni[32];
	EVP_PKEY *rsa, *p256, *p384, *p521;
};

static int sig_setup(void **state)
{
	struct sig_env *e = calloc(1, sizeof(*e));

	e->sk_p = sk_pi_example();
	memset(e->msg, 0x33, sizeof(e->msg));
	memset(e->ni, 0x44, sizeof(e->ni));
	e->rsa = keygen("RSA", NULL);
	e->p256 = keygen("EC", "P-256");
	e->p384 = keygen("EC", "P-384");
	e->p521 = keygen("EC", "P-521");
	*state = e;
	return 0;
}

static int sig_teardown(void **state)
{
	struct sig_env *e = *state;

	secret_free(e->sk_p);
	EVP_PKEY_free(e->rsa);
	EVP_PKEY_free(e->p256);
	EVP_PKEY_free(e->p384);
	EVP_PKEY_free(e->p521);
	free(e);
	return 0;
}

static struct ike_auth_input input_of(const struct sig_env *e, uint16_t prf)
{
	return (struct ike_auth_input){prf,	      e->msg,  sizeof(e->msg), e->ni,
				       sizeof(e->ni), e->sk_p, idi_body,       sizeof(idi_body)};
}

/* Signs, checks the method and length, verifies, and verifies a changed octet fails. */
static void sign_and_verify(const struct sig_env *e, EVP_PKEY *key, uint16_t prf, uint32_t hashes,
			    uint8_t want_method, size_t want_len)
{
	struct ike_auth_input in = input_of(e, prf);
	uint8_t method = 0, *auth = NULL, ni2[32];
	size_t n = 0;

	assert_int_equal(ike_auth_sign(&in, key, hashes, &method, &auth, &n), 0);
	assert_int_equal(method, want_method);
	if (want_len)
		assert_int_equal(n, want_len);
	assert_int_equal(ike_auth_verify(&in, key, method, auth, n), 0);
	memcpy(ni2, e->ni, 32);
	ni2[31] ^= 1;
	in.nonce = ni2;
	assert_int_equal(ike_auth_verify(&in, key, method, auth, n), -EACCES);
	free(auth);
}

static void method_choice(void **state)
{
	const struct sig_env *e = *state;
	const uint32_t all = IKE_AUTH_HASHES_SUPPORTED;

	/* no SIGNATURE_HASH_ALGORITHMS: method 1 (RSA) or the curve's RFC 4754 method */
	sign_and_verify(e, e->rsa, IKE_PRF_HMAC_SHA2_512, 0, IKE_AUTH_RSA_SIG, 256);
	sign_and_verify(e, e->rsa, IKE_PRF_HMAC_SHA2_256, 0, IKE_AUTH_RSA_SIG, 256);
	sign_and_verify(e, e->p256, IKE_PRF_HMAC_SHA2_512, 0, IKE_AUTH_ECDSA_256, 64);
	sign_and_verify(e, e->p384, IKE_PRF_HMAC_SHA2_256, 0, IKE_AUTH_ECDSA_384, 96);
	sign_and_verify(e, e->p521, IKE_PRF_HMAC_SHA2_256, 0, IKE_AUTH_ECDSA_521, 132);
	/* SHA-1 alone is no reason for method 14 */
	sign_and_verify(e, e->p256, IKE_PRF_HMAC_SHA2_256, IKE_AUTH_HASH_BIT(IKE_HASH_SHA1),
			IKE_AUTH_ECDSA_256, 64);
	/* with the notify: method 14 */
	sign_and_verify(e, e->rsa, IKE_PRF_HMAC_SHA2_384, all, IKE_AUTH_DIGITAL_SIGNATURE,
			1 + 15 + 256);
	sign_and_verify(e, e->p384, IKE_PRF_HMAC_SHA2_512, all, IKE_AUTH_DIGITAL_SIGNATURE, 0);
	sign_and_verify(e, e->p521, IKE_PRF_HMAC_SHA2_256, all, IKE_AUTH_DIGITAL_SIGNATURE, 0);
}

/* RFC 7427 §3: the AlgorithmIdentifier names the PRF's hash, else the first listed. */
static void method_14_hash_choice(void **state)
{
	static const uint8_t rsa_sha384[] = {0x0f, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48,
					     0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c, 0x05, 0x00};
	static const uint8_t rsa_sha256[] = {0x0f, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48,
					     0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00};
	static const uint8_t ecdsa_sha512[] = {0x0c, 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
					       0x48, 0xce, 0x3d, 0x04, 0x03, 0x04};
	const struct sig_env *e = *state;
	struct ike_auth_input in = input_of(e, IKE_PRF_HMAC_SHA2_384);
	uint8_t method, *auth = NULL;
	size_t n;

	assert_int_equal(ike_auth_sign(&in, e->rsa, IKE_AUTH_HASHES_SUPPORTED, &method, &auth, &n),
			 0);
	assert_memory_equal(auth, rsa_sha384, sizeof(rsa_sha384));
	free(auth);
	/* PRF SHA-384 not listed: the first of SHA2-256/384/512 listed */
	assert_int_equal(ike_auth_sign(&in, e->rsa,
				       IKE_AUTH_HASH_BIT(IKE_HASH_SHA2_256) |
					       IKE_AUTH_HASH_BIT(IKE_HASH_SHA2_512),
				       &method, &auth, &n),
			 0);
	assert_memory_equal(auth, rsa_sha256, sizeof(rsa_sha256));
	free(auth);
	assert_int_equal(ike_auth_sign(&in, e->p256, IKE_AUTH_HASH_BIT(IKE_HASH_SHA2_512), &method,
				       &auth, &n),
			 0);
	assert_memory_equal(auth, ecdsa_sha512, sizeof(ecdsa_sha512));
	assert_int_equal(ike_auth_verify(&in, e->p256, method, auth, n), 0);
	free(auth);
}

/* An RSA signature with an explicit hash, as a peer's method-1 AUTH would be. */
static uint8_t *rsa_sign_with(const struct sig_env *e, const struct ike_auth_input *in,
			      const char *md, size_t *ret_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t *octets = NULL, *sig = malloc(256);
	size_t on = 0;

	*ret_len = 256;
	assert_int_equal(ike_auth_octets(in, &octets, &on), 0);
	assert_int_equal(EVP_DigestSignInit_ex(ctx, NULL, md, NULL, NULL, e->rsa, NULL), 1);
	assert_int_equal(EVP_DigestSign(ctx, sig, ret_len, octets, on), 1);
	EVP_MD_CTX_free(ctx);
	free(octets);
	return sig;
}

/* PROTOCOL.md §5.2: method 1 accepts the PRF's hash or SHA-1, nothing else. */
static void rsa_method_1_hashes(void **state)
{
	const struct sig_env *e = *state;
	struct ike_auth_input in = input_of(e, IKE_PRF_HMAC_SHA2_256);
	uint8_t *sig;
	size_t n;

	sig = rsa_sign_with(e, &in, "SHA1", &n);
	assert_int_equal(ike_auth_verify(&in, e->rsa, IKE_AUTH_RSA_SIG, sig, n), 0);
	free(sig);
	sig = rsa_sign_with(e, &in, "SHA256", &n);
	assert_int_equal(ike_auth_verify(&in, e->rsa, IKE_AUTH_RSA_SIG, sig, n), 0);
	free(sig);
	sig = rsa_sign_with(e, &in, "SHA384", &n);
	assert_int_equal(ike_auth_verify(&in, e->rsa, IKE_AUTH_RSA_SIG, sig, n), -EACCES);
	in.prf_id = IKE_PRF_HMAC_SHA2_384; /* now SHA-384 is the PRF's hash */
	free(sig);
	sig = rsa_sign_with(e, &in, "SHA384", &n);
	assert_int_equal(ike_auth_verify(&in, e->rsa, IKE_AUTH_RSA_SIG, sig, n), 0);
	assert_int_equal(ike_auth_verify(&in, e->rsa, IKE_AUTH_RSA_SIG, sig, n - 1), -EACCES);
	free(sig);
	sig = rsa_sign_with(e, &in, "SHA512", &n);
	assert_int_equal(ike_auth_verify(&in, e->rsa, IKE_AUTH_RSA_SIG, sig, n), -EACCES);
	free(sig);
}

/* Methods must fit the key; bad data is malformed, unknown methods unsupported. */
static void mismatches_and_malformed(void **state)
{
	const struct sig_env *e = *state;
	struct ike_auth_input in = input_of(e, IKE_PRF_HMAC_SHA2_256);
	uint8_t method, *auth = NULL, junk[64] = {0};
	EVP_PKEY *weak = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	EVP_PKEY *x25519 = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	size_t n;

	assert_int_equal(ike_auth_sign(&in, e->p256, 0, &method, &auth, &n), 0);
	assert_int_equal(ike_auth_verify(&in, e->p384, IKE_AUTH_ECDSA_256, auth, n), -EACCES);
	assert_int_equal(ike_auth_verify(&in, e->p256, IKE_AUTH_ECDSA_384, auth, n), -EACCES);
	assert_int_equal(ike_auth_verify(&in, e->rsa, IKE_AUTH_ECDSA_256, auth, n), -EACCES);
	assert_int_equal(ike_auth_verify(&in, e->p256, IKE_AUTH_ECDSA_256, auth, n - 1), -EBADMSG);
	assert_int_equal(ike_auth_verify(&in, e->p256, IKE_AUTH_RSA_SIG, auth, n), -EACCES);
	free(auth);
	/* method 14: an ECDSA AlgorithmIdentifier with an RSA key */
	assert_int_equal(ike_auth_sign(&in, e->p256, IKE_AUTH_HASHES_SUPPORTED, &method, &auth, &n),
			 0);
	assert_int_equal(ike_auth_verify(&in, e->rsa, method, auth, n), -EACCES);
	auth[0] = 200; /* AlgorithmIdentifier longer than the data */
	assert_int_equal(ike_auth_verify(&in, e->p256, method, auth, n), -EBADMSG);
	assert_int_equal(ike_auth_verify(&in, e->p256, method, auth, 0), -EBADMSG);
	auth[0] = 12;
	auth[12] = 0x05; /* ecdsa-with-SHA...5: unknown */
	assert_int_equal(ike_auth_verify(&in, e->p256, method, auth, n), -EACCES);
	free(auth);
	assert_int_equal(ike_auth_verify(&in, e->p256, 3 /* DSS */, junk, 64), -EPROTO);
	assert_int_equal(ike_auth_verify(&in, e->p256, IKE_AUTH_SHARED_KEY_MIC, junk, 64), -EPROTO);
	/* keys we refuse: RSA under 2048 bits, other key types */
	assert_non_null(weak);
	assert_int_equal(ike_auth_sign(&in, weak, 0, &method, &auth, &n), -EINVAL);
	assert_int_equal(ike_auth_verify(&in, weak, IKE_AUTH_RSA_SIG, junk, 64), -EACCES);
	assert_int_equal(ike_auth_sign(&in, x25519, 0, &method, &auth, &n), -EINVAL);
	in.prf_id = 2;
	assert_int_equal(ike_auth_sign(&in, e->rsa, 0, &method, &auth, &n), -EINVAL);
	EVP_PKEY_free(weak);
	EVP_PKEY_free(x25519);
}

/* Random AUTH data of many lengths for every method and key: refused, never a crash. */
static void random_auth_data_is_refused(void **state)
{
	static const uint8_t methods[] = {IKE_AUTH_RSA_SIG, IKE_AUTH_ECDSA_256, IKE_AUTH_ECDSA_384,
					  IKE_AUTH_ECDSA_521, IKE_AUTH_DIGITAL_SIGNATURE};
	const struct sig_env *e = *state;
	EVP_PKEY *keys[] = {e->rsa, e->p256, e->p384, e->p521};
	struct ike_auth_input in = input_of(e, IKE_PRF_HMAC_SHA2_256);
	uint8_t junk[300];
	uint32_t x = 12345;

	for (size_t n = 0; n < sizeof(junk); n += 7) {
		for (size_t i = 0; i < n; i++) {
			x = x * 1103515245u + 12345u;
			junk[i] = (uint8_t)(x >> 16);
		}
		if (n > 1)
			junk[0] = (uint8_t)(n / 3); /* a plausible AlgorithmIdentifier length */
		for (size_t k = 0; k < ARRAY_SIZE(keys); k++)
			for (size_t m = 0; m < ARRAY_SIZE(methods); m++)
				assert_true(ike_auth_verify(&in, keys[k], methods[m], junk, n) < 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(protocol_5_4_worked_vector),
		cmocka_unit_test(shared_key_mic),
	};
	const struct CMUnitTest sig_tests[] = {
		cmocka_unit_test(method_choice),
		cmocka_unit_test(method_14_hash_choice),
		cmocka_unit_test(rsa_method_1_hashes),
		cmocka_unit_test(mismatches_and_malformed),
		cmocka_unit_test(random_auth_data_is_refused),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);

	return r + cmocka_run_group_tests(sig_tests, sig_setup, sig_teardown);
}
