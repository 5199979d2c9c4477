/*
 * ike_keys.c - SKEYSEED, SK_* and Child SA KEYMAT (RFC 7296 §2.14, §2.17,
 * §2.18). Every intermediate value lives in a struct secret.
 */
#define LOG_MODULE "ike"

#include "ike/ike_keys.h"

#include <string.h>

#include "core/buf.h"
#include "core/log.h"

int ike_keys_skeyseed(uint16_t prf_id, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
		      size_t nr_len, const struct secret *g_ir, struct secret **ret)
{
	/* RFC 7296 §2.14: the key is Ni | Nr, the data g^ir */
	uint8_t key[2 * 256], out[IKE_PRF_MAX_LEN];
	struct ike_iov data = {secret_data(g_ir), secret_len(g_ir)};
	const struct ike_prf_info *prf = ike_crypto_prf(prf_id);
	int r;

	if (!prf || !g_ir || ni_len > 256 || nr_len > 256)
		return -EINVAL;
	memcpy(key, ni, ni_len);
	memcpy(key + ni_len, nr, nr_len);
	r = ike_prf(prf_id, key, ni_len + nr_len, &data, 1, out);
	if (r == 0)
		*ret = secret_from(out, prf->len);
	secret_wipe(out, sizeof(out));
	return r;
}

int ike_keys_skeyseed_rekey(uint16_t old_prf_id, const struct secret *old_sk_d,
			    const struct secret *g_ir, const uint8_t *ni, size_t ni_len,
			    const uint8_t *nr, size_t nr_len, struct secret **ret)
{
	/*
	 * RFC 7296 §2.18: "it is the old IKE SA's PRF that is used to generate
	 * SKEYSEED", keyed with the old SK_d.
	 */
	const struct ike_prf_info *prf = ike_crypto_prf(old_prf_id);
	const struct ike_iov data[] = {
		{secret_data(g_ir), secret_len(g_ir)},
		{ni, ni_len},
		{nr, nr_len},
	};
	uint8_t out[IKE_PRF_MAX_LEN];
	int r;

	if (!prf || !old_sk_d || !g_ir)
		return -EINVAL;
	r = ike_prf(old_prf_id, secret_data(old_sk_d), secret_len(old_sk_d), data, ARRAY_SIZE(data),
		    out);
	if (r == 0)
		*ret = secret_from(out, prf->len);
	secret_wipe(out, sizeof(out));
	return r;
}

/* Cuts the next n bytes of KEYMAT into a new secret; n == 0 gives NULL. */
static struct secret *take(const struct secret *km, size_t *off, size_t n)
{
	struct secret *s;

	if (n == 0)
		return NULL;
	s = secret_from(secret_data(km) + *off, n);
	*off += n;
	return s;
}

int ike_keys_from_skeyseed(struct ike_keys *keys, const struct ike_crypto_suite *suite,
			   const struct secret *skeyseed, const uint8_t *ni, size_t ni_len,
			   const uint8_t *nr, size_t nr_len, uint64_t spi_i, uint64_t spi_r)
{
	const struct ike_prf_info *prf = ike_crypto_prf(suite->prf);
	const struct ike_encr_info *e = ike_crypto_encr(suite->encr, suite->encr_key_bits);
	const struct ike_integ_info *in = ike_crypto_integ(suite->integ);
	size_t a_len = in ? in->key_len : 0, e_len, total, off = 0;
	_cleanup_secret_ struct secret *km = NULL;
	uint8_t spis[16];
	int r;

	if (ike_crypto_suite_check(suite, false) < 0 || !skeyseed)
		return -EINVAL;
	e_len = e->key_len + e->salt_len;
	total = 3 * prf->len + 2 * a_len + 2 * e_len;
	/* RFC 7296 §2.14: S = Ni | Nr | SPIi | SPIr, SPIs as on the wire */
	be32_store(spis, (uint32_t)(spi_i >> 32));
	be32_store(spis + 4, (uint32_t)spi_i);
	be32_store(spis + 8, (uint32_t)(spi_r >> 32));
	be32_store(spis + 12, (uint32_t)spi_r);
	const struct ike_iov seed[] = {{ni, ni_len}, {nr, nr_len}, {spis, sizeof(spis)}};

	r = ike_prf_plus(suite->prf, secret_data(skeyseed), secret_len(skeyseed), seed,
			 ARRAY_SIZE(seed), total, &km);
	if (r < 0)
		return r;
	*keys = (struct ike_keys){.suite = *suite};
	keys->sk_d = take(km, &off, prf->len);
	keys->sk_ai = take(km, &off, a_len);
	keys->sk_ar = take(km, &off, a_len);
	keys->sk_ei = take(km, &off, e_len);
	keys->sk_er = take(km, &off, e_len);
	keys->sk_pi = take(km, &off, prf->len);
	keys->sk_pr = take(km, &off, prf->len);
	return 0;
}

int ike_keys_derive(struct ike_keys *keys, const struct ike_crypto_suite *suite,
		    const struct secret *g_ir, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
		    size_t nr_len, uint64_t spi_i, uint64_t spi_r)
{
	_cleanup_secret_ struct secret *skeyseed = NULL;
	int r;

	if (ike_crypto_suite_check(suite, false) < 0)
		return -EINVAL;
	r = ike_keys_skeyseed(suite->prf, ni, ni_len, nr, nr_len, g_ir, &skeyseed);
	if (r < 0)
		return r;
	return ike_keys_from_skeyseed(keys, suite, skeyseed, ni, ni_len, nr, nr_len, spi_i, spi_r);
}

int ike_keys_derive_rekey(struct ike_keys *keys, const struct ike_crypto_suite *new_suite,
			  uint16_t old_prf_id, const struct secret *old_sk_d,
			  const struct secret *g_ir, const uint8_t *ni, size_t ni_len,
			  const uint8_t *nr, size_t nr_len, uint64_t spi_i, uint64_t spi_r)
{
	_cleanup_secret_ struct secret *skeyseed = NULL;
	int r;

	if (ike_crypto_suite_check(new_suite, false) < 0)
		return -EINVAL;
	r = ike_keys_skeyseed_rekey(old_prf_id, old_sk_d, g_ir, ni, ni_len, nr, nr_len, &skeyseed);
	if (r < 0)
		return r;
	return ike_keys_from_skeyseed(keys, new_suite, skeyseed, ni, ni_len, nr, nr_len, spi_i,
				      spi_r);
}

void ike_keys_done(struct ike_keys *keys)
{
	secret_freep(&keys->sk_d);
	secret_freep(&keys->sk_ai);
	secret_freep(&keys->sk_ar);
	secret_freep(&keys->sk_ei);
	secret_freep(&keys->sk_er);
	secret_freep(&keys->sk_pi);
	secret_freep(&keys->sk_pr);
}

int ike_keys_child_derive(struct ike_keys_child *ret, uint16_t prf_id, const struct secret *sk_d,
			  const struct ike_crypto_suite *child_suite, const struct secret *g_ir,
			  const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len)
{
	const struct ike_encr_info *e =
		ike_crypto_encr(child_suite->encr, child_suite->encr_key_bits);
	const struct ike_integ_info *in = ike_crypto_integ(child_suite->integ);
	_cleanup_secret_ struct secret *km = NULL;
	size_t e_len, a_len = in ? in->key_len : 0, off = 0;
	int r;

	if (ike_crypto_suite_check(child_suite, true) < 0 || !ike_crypto_prf(prf_id) || !sk_d)
		return -EINVAL;
	e_len = e->key_len + e->salt_len;
	/* RFC 7296 §2.17: KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr) */
	const struct ike_iov seed[] = {
		{secret_data(g_ir), secret_len(g_ir)},
		{ni, ni_len},
		{nr, nr_len},
	};

	r = ike_prf_plus(prf_id, secret_data(sk_d), secret_len(sk_d), seed, ARRAY_SIZE(seed),
			 2 * (e_len + a_len), &km);
	if (r < 0)
		return r;
	/* "all keys for SAs carrying data from the initiator to the responder are taken first" */
	*ret = (struct ike_keys_child){0};
	ret->encr_ir = take(km, &off, e_len);
	ret->integ_ir = take(km, &off, a_len);
	ret->encr_ri = take(km, &off, e_len);
	ret->integ_ri = take(km, &off, a_len);
	return 0;
}

void ike_keys_child_done(struct ike_keys_child *keys)
{
	secret_freep(&keys->encr_ir);
	secret_freep(&keys->integ_ir);
	secret_freep(&keys->encr_ri);
	secret_freep(&keys->integ_ri);
}
