/*
 * ike_crypto_sk.c - the Encrypted payload (SK, RFC 7296 §3.14) and its
 * fragments (SKF, RFC 7383 §2.5): AES-CBC with an HMAC-SHA2 ICV, or AES-GCM
 * with a 16-byte tag (RFC 5282). Both lay the body out as
 *
 *   IV | ciphertext of (inner payloads | padding | Pad Length) | ICV
 *
 * and the caller has written everything before the body (IKE header through
 * the SK or SKF payload header), which the ICV or GCM's AAD covers.
 */
#define LOG_MODULE "ike"

#include "ike/ike_crypto.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/xmalloc.h"

int ike_sk_init(struct ike_sk *sk, uint16_t encr_id, uint16_t key_bits, uint16_t integ_id,
		const struct secret *sk_e, const struct secret *sk_a)
{
	const struct ike_encr_info *e = ike_crypto_encr(encr_id, key_bits);
	const struct ike_integ_info *i = NULL;

	if (!e || !sk_e || secret_len(sk_e) != e->key_len + e->salt_len)
		return -EINVAL;
	if (e->aead) {
		if (integ_id != IKE_INTEG_NONE || sk_a)
			return -EINVAL;
	} else {
		i = ike_crypto_integ(integ_id);
		if (!i || !sk_a || secret_len(sk_a) != i->key_len)
			return -EINVAL;
	}
	*sk = (struct ike_sk){.encr = e, .integ = i, .sk_e = sk_e, .sk_a = sk_a};
	return 0;
}

static size_t icv_len(const struct ike_sk *sk)
{
	return sk->encr->aead ? sk->encr->icv_len : sk->integ->icv_len;
}

/* Padding so that payloads | padding | Pad Length fills whole blocks (RFC 7296 §3.14). */
static size_t pad_len(const struct ike_sk *sk, size_t plain_len)
{
	size_t b = sk->encr->block_len;

	return (b - (plain_len + 1) % b) % b;
}

size_t ike_sk_body_len(const struct ike_sk *sk, size_t plain_len)
{
	return sk->encr->iv_len + plain_len + pad_len(sk, plain_len) + 1 + icv_len(sk);
}

static EVP_CIPHER *cipher_fetch(const struct ike_encr_info *e)
{
	char name[32];

	snprintf(name, sizeof(name), "AES-%u-%s", e->key_bits, e->aead ? "GCM" : "CBC");
	return EVP_CIPHER_fetch(NULL, name, NULL);
}

/*
 * One pass of the cipher over in (len bytes, whole blocks for CBC). GCM:
 * nonce = salt | explicit IV (RFC 5282 §4), AAD as given, and the tag read
 * from (decrypt) or written to (encrypt) tag.
 */
static int cipher_run(const struct ike_sk *sk, bool enc, const uint8_t *iv, const uint8_t *aad,
		      size_t aad_len, const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag)
{
	const struct ike_encr_info *e = sk->encr;
	EVP_CIPHER *cipher = cipher_fetch(e);
	EVP_CIPHER_CTX *ctx = cipher ? EVP_CIPHER_CTX_new() : NULL;
	const uint8_t *key = secret_data(sk->sk_e);
	uint8_t nonce[16];
	int outl = 0, finl = 0, r = -EIO;

	if (!ctx || len > INT_MAX || aad_len > INT_MAX)
		goto out;
	if (e->aead) {
		memcpy(nonce, key + e->key_len, e->salt_len);
		memcpy(nonce + e->salt_len, iv, e->iv_len);
	} else {
		memcpy(nonce, iv, e->iv_len);
	}
	if (EVP_CipherInit_ex2(ctx, cipher, key, nonce, enc, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(ctx, 0) != 1)
		goto out;
	if (e->aead &&
	    (EVP_CipherUpdate(ctx, NULL, &outl, aad, (int)aad_len) != 1 ||
	     (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, (int)e->icv_len, tag) != 1)))
		goto out;
	if (EVP_CipherUpdate(ctx, out, &outl, in, (int)len) != 1)
		goto out;
	if (EVP_CipherFinal_ex(ctx, out + outl, &finl) != 1) {
		r = -EBADMSG; /* GCM: the tag did not verify */
		goto out;
	}
	if (e->aead && enc &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, (int)e->icv_len, tag) != 1)
		goto out;
	r = (size_t)(outl + finl) == len ? 0 : -EIO;
out:
	secret_wipe(nonce, sizeof(nonce));
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(cipher);
	return r;
}

/* The CBC ICV: HMAC(SK_a, everything from the IKE header to the ICV), RFC 7296 §3.14. */
static int icv_compute(const struct ike_sk *sk, const uint8_t *msg, size_t covered, uint8_t *out)
{
	struct ike_iov iov = {msg, covered};

	return ike_crypto_hmac(sk->integ->md, secret_data(sk->sk_a), secret_len(sk->sk_a), &iov, 1,
			       out, sk->integ->icv_len);
}

int ike_sk_encrypt(const struct ike_sk *sk, const struct rng_ops *rng, uint8_t *msg, size_t aad_len,
		   size_t msg_len, const uint8_t *plain, size_t plain_len)
{
	const struct ike_encr_info *e = sk->encr;
	size_t pad = pad_len(sk, plain_len), ct_len = plain_len + pad + 1;
	uint8_t *iv = msg + aad_len, *ct = iv + e->iv_len, *icv = ct + ct_len;
	uint8_t *padded;
	int r;

	if (plain_len > BUF_SIZE_MAX || msg_len != aad_len + ike_sk_body_len(sk, plain_len))
		return -EINVAL;
	if ((r = rng_bytes(rng, iv, e->iv_len)) < 0)
		return r;
	/* padding octets may hold any value (RFC 7296 §3.14): zeros */
	padded = xcalloc(1, ct_len);
	if (plain_len) /* an empty SK{} (DPD) may come with plain == NULL */
		memcpy(padded, plain, plain_len);
	padded[ct_len - 1] = (uint8_t)pad;
	r = cipher_run(sk, true, iv, msg, aad_len, padded, ct_len, ct, icv);
	secret_wipe(padded, ct_len);
	free(padded);
	if (r < 0 || e->aead)
		return r;
	return icv_compute(sk, msg, msg_len - sk->integ->icv_len, icv);
}

/* Drops the padding after decryption; the Pad Length must fit (RFC 7296 §3.14). */
static int unpad(uint8_t *dec, size_t dec_len, size_t *ret_len)
{
	size_t pad = dec[dec_len - 1];

	if (pad + 1 > dec_len)
		return -EBADMSG;
	*ret_len = dec_len - pad - 1;
	return 0;
}

int ike_sk_decrypt(const struct ike_sk *sk, const uint8_t *msg, size_t aad_len, size_t msg_len,
		   uint8_t **ret_plain, size_t *ret_plain_len)
{
	const struct ike_encr_info *e = sk->encr;
	size_t icv_n = icv_len(sk), body, ct_len, plain_len = 0;
	uint8_t icv[IKE_PRF_MAX_LEN];
	const uint8_t *iv, *ct;
	uint8_t *dec;
	int r;

	if (aad_len > msg_len)
		return -EINVAL;
	body = msg_len - aad_len;
	if (body < e->iv_len + icv_n + e->block_len)
		return -EBADMSG;
	ct_len = body - e->iv_len - icv_n;
	if (ct_len % e->block_len != 0)
		return -EBADMSG;
	iv = msg + aad_len;
	ct = iv + e->iv_len;
	if (!e->aead) {
		/* authenticate before decrypting anything (RFC 7296 §3.14) */
		if ((r = icv_compute(sk, msg, msg_len - icv_n, icv)) < 0)
			return r;
		if (CRYPTO_memcmp(icv, ct + ct_len, icv_n) != 0)
			return -EBADMSG;
	}
	dec = xmalloc(ct_len);
	r = cipher_run(sk, false, iv, msg, aad_len, ct, ct_len, dec, (uint8_t *)(ct + ct_len));
	if (r == 0)
		r = unpad(dec, ct_len, &plain_len);
	if (r < 0) {
		secret_wipe(dec, ct_len);
		free(dec);
		return r;
	}
	*ret_plain = dec;
	*ret_plain_len = plain_len;
	return 0;
}
