/*
 * ike_auth.c - AUTH payload data (RFC 7296 §2.15, §2.16): the shared-key MIC
 * and signatures with RSA (method 1, RFC 7427 method 14) and ECDSA (RFC 4754
 * methods 9/10/11, RFC 7427 method 14). PROTOCOL.md §5.2 picks the method.
 */
#define LOG_MODULE "ike"

#include "ike/ike_auth.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/xmalloc.h"

/* RFC 7296 §2.15: the 17 ASCII octets, no terminator */
static const uint8_t key_pad[] = "Key Pad for IKEv2";
#define KEY_PAD_LEN (sizeof(key_pad) - 1)

#define RSA_MIN_BITS 2048

enum sig_kind {
	SIG_KIND_RSA,
	SIG_KIND_ECDSA,
	_SIG_KIND_MAX,
};

/* One hash as the signatures name it. */
struct hash_info {
	uint8_t id; /* IKE_HASH_* */
	const char *md;
	size_t len;
	/* RFC 8017 §9.2 note 1: DigestInfo DER up to the digest */
	uint8_t digest_info[19];
	size_t digest_info_len;
};

static const struct hash_info hashes[] = {
	{IKE_HASH_SHA1,
	 "SHA1",
	 20,
	 {0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14},
	 15},
	{IKE_HASH_SHA2_256,
	 "SHA256",
	 32,
	 {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
	  0x05, 0x00, 0x04, 0x20},
	 19},
	{IKE_HASH_SHA2_384,
	 "SHA384",
	 48,
	 {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02,
	  0x05, 0x00, 0x04, 0x30},
	 19},
	{IKE_HASH_SHA2_512,
	 "SHA512",
	 64,
	 {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03,
	  0x05, 0x00, 0x04, 0x40},
	 19},
};

/* RFC 7427 Appendix A: AlgorithmIdentifier DER of the signature algorithms we use. */
struct sig_alg {
	enum sig_kind kind;
	uint8_t hash;
	uint8_t der[15];
	size_t der_len;
};

static const struct sig_alg sig_algs[] = {
	{SIG_KIND_RSA,
	 IKE_HASH_SHA2_256,
	 {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00},
	 15},
	{SIG_KIND_RSA,
	 IKE_HASH_SHA2_384,
	 {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c, 0x05, 0x00},
	 15},
	{SIG_KIND_RSA,
	 IKE_HASH_SHA2_512,
	 {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d, 0x05, 0x00},
	 15},
	/* the same without the NULL parameters, which some peers send (RFC 4055 §5) */
	{SIG_KIND_RSA,
	 IKE_HASH_SHA2_256,
	 {0x30, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b},
	 13},
	{SIG_KIND_RSA,
	 IKE_HASH_SHA2_384,
	 {0x30, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c},
	 13},
	{SIG_KIND_RSA,
	 IKE_HASH_SHA2_512,
	 {0x30, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d},
	 13},
	{SIG_KIND_ECDSA,
	 IKE_HASH_SHA2_256,
	 {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02},
	 12},
	{SIG_KIND_ECDSA,
	 IKE_HASH_SHA2_384,
	 {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03},
	 12},
	{SIG_KIND_ECDSA,
	 IKE_HASH_SHA2_512,
	 {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04},
	 12},
};

/* RFC 4754 §3: each method fixes curve, hash and the length of r and s. */
struct ecdsa_method {
	uint8_t method;
	const char *curve; /* OpenSSL group name */
	uint8_t hash;
	size_t coord_len;
};

static const struct ecdsa_method ecdsa_methods[] = {
	{IKE_AUTH_ECDSA_256, "prime256v1", IKE_HASH_SHA2_256, 32},
	{IKE_AUTH_ECDSA_384, "secp384r1", IKE_HASH_SHA2_384, 48},
	{IKE_AUTH_ECDSA_521, "secp521r1", IKE_HASH_SHA2_512, 66},
};

static const struct hash_info *hash_find(uint8_t id)
{
	for (size_t i = 0; i < ARRAY_SIZE(hashes); i++)
		if (hashes[i].id == id)
			return &hashes[i];
	return NULL;
}

static const struct sig_alg *sig_alg_find(enum sig_kind kind, uint8_t hash)
{
	for (size_t i = 0; i < ARRAY_SIZE(sig_algs); i++)
		if (sig_algs[i].kind == kind && sig_algs[i].hash == hash)
			return &sig_algs[i];
	return NULL;
}

static const struct sig_alg *sig_alg_parse(const uint8_t *der, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(sig_algs); i++)
		if (sig_algs[i].der_len == len && memcmp(sig_algs[i].der, der, len) == 0)
			return &sig_algs[i];
	return NULL;
}

static const struct ecdsa_method *ecdsa_method_find(uint8_t method)
{
	for (size_t i = 0; i < ARRAY_SIZE(ecdsa_methods); i++)
		if (ecdsa_methods[i].method == method)
			return &ecdsa_methods[i];
	return NULL;
}

/* The curve's method for an EC key; NULL for other curves. */
static const struct ecdsa_method *ecdsa_method_for_key(EVP_PKEY *key)
{
	char name[64];
	size_t len = 0;

	if (EVP_PKEY_get_group_name(key, name, sizeof(name), &len) != 1)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(ecdsa_methods); i++)
		if (strcmp(ecdsa_methods[i].curve, name) == 0)
			return &ecdsa_methods[i];
	return NULL;
}

/* RSA (at least RSA_MIN_BITS) or ECDSA on one of our curves; -EINVAL otherwise. */
static int key_kind(EVP_PKEY *key, enum sig_kind *ret)
{
	switch (EVP_PKEY_get_base_id(key)) {
	case EVP_PKEY_RSA:
		if (EVP_PKEY_get_bits(key) < RSA_MIN_BITS)
			return -EINVAL;
		*ret = SIG_KIND_RSA;
		return 0;
	case EVP_PKEY_EC:
		if (!ecdsa_method_for_key(key))
			return -EINVAL;
		*ret = SIG_KIND_ECDSA;
		return 0;
	default:
		return -EINVAL;
	}
}

int ike_auth_octets(const struct ike_auth_input *in, uint8_t **ret, size_t *ret_len)
{
	const struct ike_prf_info *prf = ike_crypto_prf(in->prf_id);
	struct ike_iov id = {in->id_body, in->id_body_len};
	size_t len;
	uint8_t *p;
	int r;

	if (!prf || !in->sk_p || in->real_msg_len > BUF_SIZE_MAX || in->nonce_len > 256)
		return -EINVAL;
	len = in->real_msg_len + in->nonce_len + prf->len;
	p = xmalloc(len);
	memcpy(p, in->real_msg, in->real_msg_len);
	memcpy(p + in->real_msg_len, in->nonce, in->nonce_len);
	/* RFC 7296 §2.15: MACedIDForI = prf(SK_pi, RestOfInitIDPayload) */
	r = ike_prf(in->prf_id, secret_data(in->sk_p), secret_len(in->sk_p), &id, 1,
		    p + in->real_msg_len + in->nonce_len);
	if (r < 0) {
		free(p);
		return r;
	}
	*ret = p;
	*ret_len = len;
	return 0;
}

int ike_auth_mac(const struct ike_auth_input *in, const struct secret *key, uint8_t *ret_auth,
		 size_t *ret_len)
{
	const struct ike_prf_info *prf = ike_crypto_prf(in->prf_id);
	struct ike_iov pad = {key_pad, KEY_PAD_LEN}, oct;
	uint8_t padded_key[IKE_PRF_MAX_LEN];
	uint8_t *octets = NULL;
	size_t octets_len = 0;
	int r;

	if (!prf || !key)
		return -EINVAL;
	if ((r = ike_auth_octets(in, &octets, &octets_len)) < 0)
		return r;
	/* RFC 7296 §2.15: AUTH = prf( prf(Shared Secret, "Key Pad for IKEv2"), <octets>) */
	r = ike_prf(in->prf_id, secret_data(key), secret_len(key), &pad, 1, padded_key);
	oct = (struct ike_iov){octets, octets_len};
	if (r == 0)
		r = ike_prf(in->prf_id, padded_key, prf->len, &oct, 1, ret_auth);
	if (r == 0)
		*ret_len = prf->len;
	secret_wipe(padded_key, sizeof(padded_key));
	free(octets);
	return r;
}

int ike_auth_mac_verify(const struct ike_auth_input *in, const struct secret *key,
			const uint8_t *auth, size_t auth_len)
{
	uint8_t want[IKE_PRF_MAX_LEN];
	size_t want_len = 0;
	int r;

	if ((r = ike_auth_mac(in, key, want, &want_len)) < 0)
		return r;
	/* lengths are public; the bytes are compared in constant time */
	r = auth_len == want_len && CRYPTO_memcmp(want, auth, want_len) == 0 ? 0 : -EACCES;
	secret_wipe(want, sizeof(want));
	return r;
}

/* Signature by EVP_DigestSign: RSASSA-PKCS1-v1_5 or a DER ECDSA-Sig-Value. */
static int digest_sign(EVP_PKEY *key, const char *md, const uint8_t *data, size_t len,
		       uint8_t **ret, size_t *ret_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t *sig = NULL;
	size_t sig_len = 0;
	int ok;

	ok = ctx && EVP_DigestSignInit_ex(ctx, NULL, md, NULL, NULL, key, NULL) == 1 &&
	     EVP_DigestSign(ctx, NULL, &sig_len, data, len) == 1;
	if (ok) {
		sig = xmalloc(sig_len);
		ok = EVP_DigestSign(ctx, sig, &sig_len, data, len) == 1;
	}
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		free(sig);
		return -EIO;
	}
	*ret = sig;
	*ret_len = sig_len;
	return 0;
}

/* 0 when valid, -EACCES otherwise (OpenSSL does not tell forged from malformed). */
static int digest_verify(EVP_PKEY *key, const char *md, const uint8_t *data, size_t len,
			 const uint8_t *sig, size_t sig_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	ok = ctx && EVP_DigestVerifyInit_ex(ctx, NULL, md, NULL, NULL, key, NULL) == 1 &&
	     EVP_DigestVerify(ctx, sig, sig_len, data, len) == 1;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -EACCES;
}

/* RFC 4754 §7: the DER ECDSA-Sig-Value to r | s, each left-padded to the coordinate length. */
static int ecdsa_der_to_raw(const uint8_t *der, size_t der_len, size_t coord_len, uint8_t **ret,
			    size_t *ret_len)
{
	const uint8_t *p = der;
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	const BIGNUM *r = NULL, *s = NULL;
	uint8_t *raw;
	int ok;

	if (!sig)
		return -EIO;
	ECDSA_SIG_get0(sig, &r, &s);
	raw = xmalloc(2 * coord_len);
	ok = BN_bn2binpad(r, raw, (int)coord_len) == (int)coord_len &&
	     BN_bn2binpad(s, raw + coord_len, (int)coord_len) == (int)coord_len;
	ECDSA_SIG_free(sig);
	if (!ok) {
		free(raw);
		return -EIO;
	}
	*ret = raw;
	*ret_len = 2 * coord_len;
	return 0;
}

static int ecdsa_raw_to_der(const uint8_t *raw, size_t coord_len, uint8_t **ret, size_t *ret_len)
{
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(raw, (int)coord_len, NULL);
	BIGNUM *s = BN_bin2bn(raw + coord_len, (int)coord_len, NULL);
	uint8_t *der = NULL;
	int len;

	if (!sig || !r || !s || ECDSA_SIG_set0(sig, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(sig);
		return -EIO;
	}
	len = i2d_ECDSA_SIG(sig, &der);
	ECDSA_SIG_free(sig);
	if (len <= 0)
		return -EIO;
	*ret = xmemdup(der, (size_t)len);
	*ret_len = (size_t)len;
	OPENSSL_free(der);
	return 0;
}

/* PROTOCOL.md §5.2: the PRF's hash if the peer listed it, else its first SHA-2. */
static uint8_t pick_hash(uint8_t prf_hash, uint32_t peer_hashes)
{
	static const uint8_t order[] = {IKE_HASH_SHA2_256, IKE_HASH_SHA2_384, IKE_HASH_SHA2_512};

	if (peer_hashes & IKE_AUTH_HASH_BIT(prf_hash))
		return prf_hash;
	for (size_t i = 0; i < ARRAY_SIZE(order); i++)
		if (peer_hashes & IKE_AUTH_HASH_BIT(order[i]))
			return order[i];
	return 0;
}

/* Method 14 (RFC 7427 §3): ASN.1 length | AlgorithmIdentifier | signature. */
static int sign_digital_signature(EVP_PKEY *key, enum sig_kind kind, uint8_t hash,
				  const uint8_t *octets, size_t len, uint8_t **ret, size_t *ret_len)
{
	const struct sig_alg *alg = sig_alg_find(kind, hash);
	uint8_t *sig = NULL, *out;
	size_t sig_len = 0;
	int r;

	if (!alg)
		return -EINVAL;
	if ((r = digest_sign(key, hash_find(hash)->md, octets, len, &sig, &sig_len)) < 0)
		return r;
	out = xmalloc(1 + alg->der_len + sig_len);
	out[0] = (uint8_t)alg->der_len;
	memcpy(out + 1, alg->der, alg->der_len);
	memcpy(out + 1 + alg->der_len, sig, sig_len);
	free(sig);
	*ret = out;
	*ret_len = 1 + alg->der_len + sig_len;
	return 0;
}

static int sign_legacy(EVP_PKEY *key, enum sig_kind kind, uint8_t prf_hash, const uint8_t *octets,
		       size_t len, uint8_t *ret_method, uint8_t **ret, size_t *ret_len)
{
	const struct ecdsa_method *em;
	uint8_t *der = NULL;
	size_t der_len = 0;
	int r;

	if (kind == SIG_KIND_RSA) {
		/* Cisco style (PROTOCOL.md §5.2): PKCS#1 v1.5 with the PRF's hash */
		r = digest_sign(key, hash_find(prf_hash)->md, octets, len, ret, ret_len);
		if (r == 0)
			*ret_method = IKE_AUTH_RSA_SIG;
		return r;
	}
	em = ecdsa_method_for_key(key);
	if ((r = digest_sign(key, hash_find(em->hash)->md, octets, len, &der, &der_len)) < 0)
		return r;
	r = ecdsa_der_to_raw(der, der_len, em->coord_len, ret, ret_len);
	free(der);
	if (r == 0)
		*ret_method = em->method;
	return r;
}

int ike_auth_sign(const struct ike_auth_input *in, EVP_PKEY *key, uint32_t peer_hashes,
		  uint8_t *ret_method, uint8_t **ret_auth, size_t *ret_len)
{
	const struct ike_prf_info *prf = ike_crypto_prf(in->prf_id);
	uint8_t *octets = NULL, hash;
	size_t octets_len = 0;
	enum sig_kind kind;
	int r;

	if (!prf || !key || key_kind(key, &kind) < 0)
		return -EINVAL;
	if ((r = ike_auth_octets(in, &octets, &octets_len)) < 0)
		return r;
	hash = pick_hash(prf->hash, peer_hashes & IKE_AUTH_HASHES_SUPPORTED);
	if (hash) {
		r = sign_digital_signature(key, kind, hash, octets, octets_len, ret_auth, ret_len);
		if (r == 0)
			*ret_method = IKE_AUTH_DIGITAL_SIGNATURE;
	} else {
		r = sign_legacy(key, kind, prf->hash, octets, octets_len, ret_method, ret_auth,
				ret_len);
	}
	free(octets);
	return r;
}

/* The DigestInfo inside an RSA method-1 signature (RFC 8017 §8.2.2 step 2). */
static int rsa_recover(EVP_PKEY *key, const uint8_t *sig, size_t sig_len, uint8_t *out,
		       size_t *out_len)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	int ok;

	ok = ctx && EVP_PKEY_verify_recover_init(ctx) == 1 &&
	     EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
	     EVP_PKEY_verify_recover(ctx, out, out_len, sig, sig_len) == 1;
	EVP_PKEY_CTX_free(ctx);
	return ok ? 0 : -EACCES;
}

/*
 * Method 1: the hash is whatever the DigestInfo names, so recover it and accept
 * the PRF's hash or SHA-1 only (PROTOCOL.md §5.2), then compare the digest.
 */
static int verify_rsa_sig(EVP_PKEY *key, uint8_t prf_hash, const uint8_t *octets, size_t len,
			  const uint8_t *sig, size_t sig_len)
{
	uint8_t di[1024], digest[EVP_MAX_MD_SIZE];
	size_t di_len = sizeof(di);
	unsigned int dlen = 0;
	const struct hash_info *h = NULL;
	int r;

	if (sig_len != (size_t)EVP_PKEY_get_size(key) || sig_len > sizeof(di))
		return -EACCES;
	if ((r = rsa_recover(key, sig, sig_len, di, &di_len)) < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(hashes); i++) {
		const struct hash_info *c = &hashes[i];

		if ((c->id == prf_hash || c->id == IKE_HASH_SHA1) &&
		    di_len == c->digest_info_len + c->len &&
		    memcmp(di, c->digest_info, c->digest_info_len) == 0)
			h = c;
	}
	if (!h)
		return -EACCES;
	if (EVP_Digest(octets, len, digest, &dlen, EVP_get_digestbyname(h->md), NULL) != 1 ||
	    dlen != h->len)
		return -EIO;
	return CRYPTO_memcmp(digest, di + h->digest_info_len, h->len) == 0 ? 0 : -EACCES;
}

/* Methods 9/10/11 (RFC 4754 §3): the key's curve must be the method's. */
static int verify_ecdsa_method(EVP_PKEY *key, uint8_t method, const uint8_t *octets, size_t len,
			       const uint8_t *sig, size_t sig_len)
{
	const struct ecdsa_method *em = ecdsa_method_find(method);
	uint8_t *der = NULL;
	size_t der_len = 0;
	int r;

	if (ecdsa_method_for_key(key) != em)
		return -EACCES;
	if (sig_len != 2 * em->coord_len)
		return -EBADMSG;
	if ((r = ecdsa_raw_to_der(sig, em->coord_len, &der, &der_len)) < 0)
		return r;
	r = digest_verify(key, hash_find(em->hash)->md, octets, len, der, der_len);
	free(der);
	return r;
}

/* Method 14 (RFC 7427 §3): the AlgorithmIdentifier names hash and key type. */
static int verify_digital_signature(EVP_PKEY *key, enum sig_kind kind, const uint8_t *octets,
				    size_t len, const uint8_t *auth, size_t auth_len)
{
	const struct sig_alg *alg;
	size_t alg_len;

	if (auth_len < 1)
		return -EBADMSG;
	alg_len = auth[0];
	if (alg_len + 1 >= auth_len)
		return -EBADMSG;
	alg = sig_alg_parse(auth + 1, alg_len);
	if (!alg || alg->kind != kind)
		return -EACCES;
	return digest_verify(key, hash_find(alg->hash)->md, octets, len, auth + 1 + alg_len,
			     auth_len - 1 - alg_len);
}

int ike_auth_verify(const struct ike_auth_input *in, EVP_PKEY *peer_key, uint8_t method,
		    const uint8_t *auth, size_t auth_len)
{
	const struct ike_prf_info *prf = ike_crypto_prf(in->prf_id);
	uint8_t *octets = NULL;
	size_t octets_len = 0;
	enum sig_kind kind;
	int r;

	if (!prf || !peer_key)
		return -EINVAL;
	if (method != IKE_AUTH_RSA_SIG && method != IKE_AUTH_DIGITAL_SIGNATURE &&
	    !ecdsa_method_find(method))
		return -EPROTO;
	if (key_kind(peer_key, &kind) < 0)
		return -EACCES; /* a weak RSA key or a curve we do not accept */
	if ((r = ike_auth_octets(in, &octets, &octets_len)) < 0)
		return r;
	if (method == IKE_AUTH_RSA_SIG)
		r = kind == SIG_KIND_RSA ? verify_rsa_sig(peer_key, prf->hash, octets, octets_len,
							  auth, auth_len)
					 : -EACCES;
	else if (method == IKE_AUTH_DIGITAL_SIGNATURE)
		r = verify_digital_signature(peer_key, kind, octets, octets_len, auth, auth_len);
	else
		r = kind == SIG_KIND_ECDSA ? verify_ecdsa_method(peer_key, method, octets,
								 octets_len, auth, auth_len)
					   : -EACCES;
	free(octets);
	return r;
}
