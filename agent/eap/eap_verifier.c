/*
 * eap_verifier.c - the stored password verifier for EAP-AnyConnect and EAP-GTC:
 * salt (16 B) | PBKDF2-HMAC-SHA256(password, salt, 20000 rounds, 32 B) (RFC 8018 §5.2).
 * These methods receive the password itself, so the gateway never stores it.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "eap/eap.h"

static int derive(const struct secret *password, const uint8_t *salt, uint8_t *out)
{
	if (!PKCS5_PBKDF2_HMAC((const char *)secret_data(password), (int)secret_len(password), salt,
			       EAP_VERIFIER_SALT_LEN, EAP_VERIFIER_ROUNDS, EVP_sha256(),
			       EAP_VERIFIER_HASH_LEN, out))
		return -EIO;
	return 0;
}

int eap_verifier_new(const struct secret *password, const struct rng_ops *rng,
		     struct secret **ret_verifier)
{
	struct secret *v = secret_new(EAP_VERIFIER_LEN);
	uint8_t *p = secret_data_mut(v);
	int r;

	if ((r = rng_bytes(rng, p, EAP_VERIFIER_SALT_LEN)) < 0 ||
	    (r = derive(password, p, p + EAP_VERIFIER_SALT_LEN)) < 0) {
		secret_free(v);
		return r;
	}
	*ret_verifier = v;
	return 0;
}

int eap_verifier_check(const struct secret *verifier, const struct secret *password)
{
	uint8_t out[EAP_VERIFIER_HASH_LEN];
	const uint8_t *v = secret_data(verifier);
	int r;

	if (secret_len(verifier) != EAP_VERIFIER_LEN)
		return -EBADMSG;
	if ((r = derive(password, v, out)) < 0)
		return r;
	r = CRYPTO_memcmp(out, v + EAP_VERIFIER_SALT_LEN, sizeof(out)) == 0 ? 0 : -EACCES;
	secret_wipe(out, sizeof(out));
	return r;
}
