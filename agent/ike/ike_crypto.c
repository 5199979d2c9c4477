/*
 * ike_crypto.c - transform tables, the PRF and prf+ (RFC 7296 §2.13). SK
 * payload protection is in ike_crypto_sk.c.
 */
#define LOG_MODULE "ike"

#include "ike/ike_crypto.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "core/log.h"
#include "core/xmalloc.h"

static const struct ike_prf_info prfs[] = {
	{IKE_PRF_HMAC_SHA2_256, "PRF_HMAC_SHA2_256", "SHA256", IKE_HASH_SHA2_256, 32},
	{IKE_PRF_HMAC_SHA2_384, "PRF_HMAC_SHA2_384", "SHA384", IKE_HASH_SHA2_384, 48},
	{IKE_PRF_HMAC_SHA2_512, "PRF_HMAC_SHA2_512", "SHA512", IKE_HASH_SHA2_512, 64},
};

/* RFC 5282 §7.1: GCM key material is the AES key followed by a 4-byte salt. */
static const struct ike_encr_info encrs[] = {
	{IKE_ENCR_AES_CBC, 128, "AES_CBC_128", 16, 0, 16, 16, 0, false},
	{IKE_ENCR_AES_CBC, 192, "AES_CBC_192", 24, 0, 16, 16, 0, false},
	{IKE_ENCR_AES_CBC, 256, "AES_CBC_256", 32, 0, 16, 16, 0, false},
	{IKE_ENCR_AES_GCM_16, 128, "AES_GCM_16_128", 16, 4, 8, 1, 16, true},
	{IKE_ENCR_AES_GCM_16, 192, "AES_GCM_16_192", 24, 4, 8, 1, 16, true},
	{IKE_ENCR_AES_GCM_16, 256, "AES_GCM_16_256", 32, 4, 8, 1, 16, true},
};

/* RFC 4868 §2: key = full hash length, ICV = half of it. */
static const struct ike_integ_info integs[] = {
	{IKE_INTEG_HMAC_SHA2_256_128, "AUTH_HMAC_SHA2_256_128", "SHA256", 32, 16},
	{IKE_INTEG_HMAC_SHA2_384_192, "AUTH_HMAC_SHA2_384_192", "SHA384", 48, 24},
	{IKE_INTEG_HMAC_SHA2_512_256, "AUTH_HMAC_SHA2_512_256", "SHA512", 64, 32},
};

const struct ike_prf_info *ike_crypto_prf(uint16_t id)
{
	for (size_t i = 0; i < ARRAY_SIZE(prfs); i++)
		if (prfs[i].id == id)
			return &prfs[i];
	return NULL;
}

const struct ike_encr_info *ike_crypto_encr(uint16_t id, uint16_t key_bits)
{
	for (size_t i = 0; i < ARRAY_SIZE(encrs); i++)
		if (encrs[i].id == id && encrs[i].key_bits == key_bits)
			return &encrs[i];
	return NULL;
}

const struct ike_integ_info *ike_crypto_integ(uint16_t id)
{
	for (size_t i = 0; i < ARRAY_SIZE(integs); i++)
		if (integs[i].id == id)
			return &integs[i];
	return NULL;
}

static bool dh_known(uint16_t dh)
{
	return dh == IKE_DH_MODP_2048 || dh == IKE_DH_ECP_256 || dh == IKE_DH_ECP_384 ||
	       dh == IKE_DH_ECP_521 || dh == IKE_DH_CURVE25519;
}

int ike_crypto_suite_check(const struct ike_crypto_suite *s, bool child)
{
	const struct ike_encr_info *e = ike_crypto_encr(s->encr, s->encr_key_bits);

	if (!e)
		return -EINVAL;
	/* RFC 5282 §8: an AEAD is offered without INTEG (or with NONE) */
	if (e->aead ? s->integ != IKE_INTEG_NONE : !ike_crypto_integ(s->integ))
		return -EINVAL;
	if (child)
		return s->dh == IKE_DH_NONE || dh_known(s->dh) ? 0 : -EINVAL;
	if (!ike_crypto_prf(s->prf) || !dh_known(s->dh))
		return -EINVAL;
	return 0;
}

/*
 * The HMAC implementation, fetched once: a fetch is a provider lookup that
 * costs as much as the MAC itself on short inputs. Kept for the process's
 * life; the compare-and-swap makes a racing second fetch harmless.
 */
static EVP_MAC *hmac_impl(void)
{
	static EVP_MAC *cached;
	EVP_MAC *mac = __atomic_load_n(&cached, __ATOMIC_ACQUIRE), *expected = NULL;

	if (mac)
		return mac;
	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (mac && !__atomic_compare_exchange_n(&cached, &expected, mac, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE)) {
		EVP_MAC_free(mac);
		mac = expected;
	}
	return mac;
}

/*
 * One HMAC over scattered input, truncated to out_len (RFC 4868 §2.3); the key
 * may be any length (RFC 2104 §2).
 */
int ike_crypto_hmac(const char *md, const void *key, size_t key_len, const struct ike_iov *data,
		    size_t n_data, uint8_t *ret_out, size_t out_len)
{
	static const uint8_t empty_key[1];
	EVP_MAC *mac = hmac_impl();
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	uint8_t full[EVP_MAX_MD_SIZE];
	OSSL_PARAM params[2];
	size_t got = 0;
	int r = -EIO;

	if (!ctx)
		goto out;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)md, 0);
	params[1] = OSSL_PARAM_construct_end();
	/* EVP_MAC_init treats a NULL key as "keep the old one": pass a real pointer */
	if (EVP_MAC_init(ctx, key_len ? key : empty_key, key_len, params) != 1)
		goto out;
	for (size_t i = 0; i < n_data; i++)
		if (data[i].n && EVP_MAC_update(ctx, data[i].p, data[i].n) != 1)
			goto out;
	if (EVP_MAC_final(ctx, full, &got, sizeof(full)) != 1)
		goto out;
	if (out_len > got) {
		r = -EINVAL;
		goto out;
	}
	memcpy(ret_out, full, out_len);
	r = 0;
out:
	secret_wipe(full, sizeof(full));
	EVP_MAC_CTX_free(ctx);
	return r;
}

int ike_prf(uint16_t prf_id, const void *key, size_t key_len, const struct ike_iov *data,
	    size_t n_data, uint8_t *ret_out)
{
	const struct ike_prf_info *prf = ike_crypto_prf(prf_id);

	if (!prf)
		return -EINVAL;
	return ike_crypto_hmac(prf->md, key, key_len, data, n_data, ret_out, prf->len);
}

/* Tn = prf(K, Tn-1 | S | n), n one octet from 0x01 (RFC 7296 §2.13). */
static int prf_plus_block(uint16_t prf_id, const void *key, size_t key_len, const uint8_t *prev,
			  size_t prev_len, const struct ike_iov *seed, size_t n_seed, uint8_t n,
			  uint8_t *out)
{
	struct ike_iov iov[n_seed + 2];

	iov[0] = (struct ike_iov){prev, prev_len};
	for (size_t i = 0; i < n_seed; i++)
		iov[i + 1] = seed[i];
	iov[n_seed + 1] = (struct ike_iov){&n, 1};
	return ike_prf(prf_id, key, key_len, iov, n_seed + 2, out);
}

int ike_prf_plus(uint16_t prf_id, const void *key, size_t key_len, const struct ike_iov *seed,
		 size_t n_seed, size_t out_len, struct secret **ret)
{
	const struct ike_prf_info *prf = ike_crypto_prf(prf_id);
	_cleanup_secret_ struct secret *out = NULL;
	uint8_t t[IKE_PRF_MAX_LEN];
	size_t done = 0, t_len = 0;
	int r = 0;

	if (!prf || out_len > 255 * prf->len || out_len > SECRET_MAX || n_seed > 16)
		return -EINVAL;
	out = secret_new(out_len);
	for (unsigned int n = 1; done < out_len; n++) {
		size_t take = out_len - done < prf->len ? out_len - done : prf->len;

		r = prf_plus_block(prf_id, key, key_len, t, t_len, seed, n_seed, (uint8_t)n, t);
		if (r < 0)
			break;
		t_len = prf->len;
		memcpy(secret_data_mut(out) + done, t, take);
		done += take;
	}
	secret_wipe(t, sizeof(t));
	if (r < 0)
		return r;
	*ret = steal_ptr(out);
	return 0;
}
