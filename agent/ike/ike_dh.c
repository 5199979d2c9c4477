/*
 * ike_dh.c - KE payload key exchange through OpenSSL 3 EVP: MODP-2048 as the
 * named group "modp_2048" (RFC 3526 §3), NIST curves (RFC 5903) and X25519
 * (RFC 8031). Peer values are imported as EVP_PKEYs, which checks them.
 */
#define LOG_MODULE "ike"

#include "ike/ike_dh.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "core/log.h"
#include "core/xmalloc.h"

enum dh_kind {
	DH_KIND_MODP,
	DH_KIND_ECP,
	DH_KIND_X25519,
	_DH_KIND_MAX,
};

struct dh_group {
	uint16_t id;
	enum dh_kind kind;
	const char *name; /* OpenSSL group name */
	size_t pub_len;	  /* KE data */
	size_t coord_len; /* ECP: one coordinate = the shared secret's length */
};

static const struct dh_group groups[] = {
	{IKE_DH_MODP_2048, DH_KIND_MODP, "modp_2048", 256, 0},
	{IKE_DH_ECP_256, DH_KIND_ECP, "P-256", 64, 32},
	{IKE_DH_ECP_384, DH_KIND_ECP, "P-384", 96, 48},
	{IKE_DH_ECP_521, DH_KIND_ECP, "P-521", 132, 66},
	{IKE_DH_CURVE25519, DH_KIND_X25519, "X25519", 32, 0},
};

struct ike_dh {
	const struct dh_group *group;
	EVP_PKEY *pkey; /* holds the private value; OpenSSL clears it on free */
	uint8_t pub[256];
};

static const struct dh_group *group_find(uint16_t id)
{
	for (size_t i = 0; i < ARRAY_SIZE(groups); i++)
		if (groups[i].id == id)
			return &groups[i];
	return NULL;
}

bool ike_dh_group_supported(uint16_t group)
{
	return group_find(group) != NULL;
}

size_t ike_dh_public_len(uint16_t group)
{
	const struct dh_group *g = group_find(group);

	return g ? g->pub_len : 0;
}

static const char *kind_alg(enum dh_kind kind)
{
	switch (kind) {
	case DH_KIND_MODP:
		return "DH";
	case DH_KIND_ECP:
		return "EC";
	case DH_KIND_X25519:
		return "X25519";
	case _DH_KIND_MAX:
		break;
	}
	return NULL;
}

/* Our KE data from the key: y left-padded, x | y without the 0x04 octet, or the raw u. */
static int export_public(struct ike_dh *dh)
{
	const struct dh_group *g = dh->group;
	uint8_t pt[1 + 132];
	BIGNUM *y = NULL;
	size_t len = 0;
	int r = -EIO;

	switch (g->kind) {
	case DH_KIND_MODP:
		if (EVP_PKEY_get_bn_param(dh->pkey, OSSL_PKEY_PARAM_PUB_KEY, &y) == 1 &&
		    BN_bn2binpad(y, dh->pub, (int)g->pub_len) == (int)g->pub_len)
			r = 0;
		BN_free(y);
		break;
	case DH_KIND_ECP:
		if (EVP_PKEY_get_octet_string_param(dh->pkey, OSSL_PKEY_PARAM_PUB_KEY, pt,
						    sizeof(pt), &len) == 1 &&
		    len == g->pub_len + 1 && pt[0] == 0x04) {
			memcpy(dh->pub, pt + 1, g->pub_len);
			r = 0;
		}
		break;
	case DH_KIND_X25519:
		len = g->pub_len;
		if (EVP_PKEY_get_raw_public_key(dh->pkey, dh->pub, &len) == 1 && len == g->pub_len)
			r = 0;
		break;
	case _DH_KIND_MAX:
		break;
	}
	return r;
}

static int dh_wrap(const struct dh_group *g, EVP_PKEY *pkey, struct ike_dh **ret)
{
	struct ike_dh *dh = xcalloc(1, sizeof(*dh));
	int r;

	dh->group = g;
	dh->pkey = pkey;
	if ((r = export_public(dh)) < 0) {
		ike_dh_free(dh);
		return r;
	}
	*ret = dh;
	return 0;
}

/*
 * Domain parameters per MODP/ECP group, made once per process. Building a group from
 * its name (EC_GROUP_new_by_curve_name: curve constants, Montgomery set-up) cost about
 * a tenth of a responder's IKE_SA_INIT with P-256 when it was done for every key pair
 * and every peer value (tests/bench/RESULTS.md, IKE handshake rate); from a template
 * the group is only copied. A template that cannot be made leaves NULL and the
 * by-name path below. Read-only once made, so the engine stays thread-safe.
 */
static EVP_PKEY *templates[ARRAY_SIZE(groups)];
static CRYPTO_ONCE templates_once = CRYPTO_ONCE_STATIC_INIT;

static void templates_init(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(groups); i++) {
		const struct dh_group *g = &groups[i];
		EVP_PKEY_CTX *ctx;

		if (g->kind == DH_KIND_X25519)
			continue; /* X25519 has no parameters to build */
		ctx = EVP_PKEY_CTX_new_from_name(NULL, kind_alg(g->kind), NULL);
		if (!ctx || EVP_PKEY_paramgen_init(ctx) != 1 ||
		    EVP_PKEY_CTX_set_group_name(ctx, g->name) != 1 ||
		    EVP_PKEY_paramgen(ctx, &templates[i]) != 1)
			templates[i] = NULL;
		EVP_PKEY_CTX_free(ctx);
	}
}

static EVP_PKEY *template_of(const struct dh_group *g)
{
	if (!CRYPTO_THREAD_run_once(&templates_once, templates_init))
		return NULL;
	return templates[g - groups];
}

int ike_dh_new(uint16_t group, struct ike_dh **ret)
{
	const struct dh_group *g = group_find(group);
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pkey = NULL, *tmpl;
	int ok;

	if (!g)
		return -EINVAL;
	if ((tmpl = template_of(g)))
		ctx = EVP_PKEY_CTX_new_from_pkey(NULL, tmpl, NULL);
	else
		ctx = EVP_PKEY_CTX_new_from_name(NULL, kind_alg(g->kind), NULL);
	ok = ctx && EVP_PKEY_keygen_init(ctx) == 1 &&
	     (tmpl || g->kind == DH_KIND_X25519 ||
	      EVP_PKEY_CTX_set_group_name(ctx, g->name) == 1) &&
	     EVP_PKEY_keygen(ctx, &pkey) == 1;
	EVP_PKEY_CTX_free(ctx);
	if (!ok) {
		EVP_PKEY_free(pkey);
		return -EIO;
	}
	return dh_wrap(g, pkey, ret);
}

/* An EVP_PKEY from OSSL_PARAMs (group, public, optional private); the import validates. */
static EVP_PKEY *pkey_fromdata(const struct dh_group *g, const uint8_t *pub, size_t pub_len,
			       const uint8_t *priv, size_t priv_len)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *pub_bn = NULL, *priv_bn = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY *pkey = NULL;
	uint8_t pt[1 + 132];
	int ok;

	ok = bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, g->name, 0);
	if (ok && g->kind == DH_KIND_MODP) {
		pub_bn = BN_bin2bn(pub, (int)pub_len, NULL);
		ok = pub_bn && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, pub_bn);
	} else if (ok) {
		pt[0] = 0x04; /* SEC 1 §2.3.3 uncompressed point */
		memcpy(pt + 1, pub, pub_len);
		ok = OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt,
						      pub_len + 1);
	}
	if (ok && priv) {
		priv_bn = BN_secure_new();
		ok = priv_bn && BN_bin2bn(priv, (int)priv_len, priv_bn) &&
		     OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv_bn);
	}
	ok = ok && (params = OSSL_PARAM_BLD_to_param(bld)) &&
	     (ctx = EVP_PKEY_CTX_new_from_name(NULL, kind_alg(g->kind), NULL)) &&
	     EVP_PKEY_fromdata_init(ctx) == 1 &&
	     EVP_PKEY_fromdata(ctx, &pkey, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) ==
		     1;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(pub_bn);
	BN_clear_free(priv_bn);
	if (!ok) {
		EVP_PKEY_free(pkey);
		return NULL;
	}
	return pkey;
}

/*
 * A peer public value on a copy of the group's template (no group built by name);
 * the encoded point is decoded and checked by OpenSSL like the fromdata import.
 */
static EVP_PKEY *peer_from_template(const struct dh_group *g, const uint8_t *pub, size_t len)
{
	EVP_PKEY *tmpl = template_of(g), *pkey;
	uint8_t pt[1 + 256];
	size_t n = len;

	if (!tmpl)
		return pkey_fromdata(g, pub, len, NULL, 0);
	if (g->kind == DH_KIND_ECP) {
		pt[0] = 0x04; /* SEC 1 §2.3.3 uncompressed point */
		memcpy(pt + 1, pub, len);
		n = len + 1;
	} else {
		memcpy(pt, pub, len);
	}
	pkey = EVP_PKEY_new();
	if (!pkey || EVP_PKEY_copy_parameters(pkey, tmpl) != 1 ||
	    EVP_PKEY_set1_encoded_public_key(pkey, pt, n) != 1) {
		EVP_PKEY_free(pkey);
		return NULL;
	}
	return pkey;
}

/*
 * The peer's value as a checked EVP_PKEY: MODP 1 < y < p-1 (RFC 6989 §2.1),
 * ECP a point on the curve (RFC 6989 §2.3); X25519 needs no check (RFC 7748 §5).
 */
static int peer_import(const struct dh_group *g, const uint8_t *pub, size_t len, EVP_PKEY **ret)
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey;
	int ok;

	if (len != g->pub_len)
		return -EBADMSG;
	if (g->kind == DH_KIND_X25519)
		pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, pub, len);
	else
		pkey = peer_from_template(g, pub, len);
	if (!pkey)
		return -EBADMSG;
	ok = g->kind == DH_KIND_X25519 || ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) &&
					   EVP_PKEY_public_check_quick(ctx) == 1);
	EVP_PKEY_CTX_free(ctx);
	if (!ok) {
		EVP_PKEY_free(pkey);
		return -EBADMSG;
	}
	*ret = pkey;
	return 0;
}

int ike_dh_check_public(uint16_t group, const uint8_t *pub, size_t len)
{
	const struct dh_group *g = group_find(group);
	EVP_PKEY *pkey = NULL;
	int r;

	if (!g)
		return -EINVAL;
	if ((r = peer_import(g, pub, len, &pkey)) < 0)
		return r;
	EVP_PKEY_free(pkey);
	return 0;
}

int ike_dh_new_from_private(uint16_t group, const uint8_t *priv, size_t priv_len,
			    const uint8_t *pub, size_t pub_len, struct ike_dh **ret)
{
	const struct dh_group *g = group_find(group);
	EVP_PKEY *pkey;

	if (!g || !priv || priv_len == 0 || priv_len > 256)
		return -EINVAL;
	if (g->kind == DH_KIND_X25519)
		pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, priv_len);
	else if (pub && pub_len == g->pub_len)
		pkey = pkey_fromdata(g, pub, pub_len, priv, priv_len);
	else
		return -EINVAL;
	if (!pkey)
		return -EINVAL;
	return dh_wrap(g, pkey, ret);
}

struct ike_dh *ike_dh_free(struct ike_dh *dh)
{
	if (!dh)
		return NULL;
	EVP_PKEY_free(dh->pkey);
	secret_wipe(dh, sizeof(*dh));
	free(dh);
	return NULL;
}

void ike_dh_freep(struct ike_dh **dh)
{
	*dh = ike_dh_free(*dh);
}

uint16_t ike_dh_group(const struct ike_dh *dh)
{
	return dh->group->id;
}

const uint8_t *ike_dh_public(const struct ike_dh *dh, size_t *ret_len)
{
	*ret_len = dh->group->pub_len;
	return dh->pub;
}

/* g^ir at fixed length: MODP padded to the modulus (RFC 7296 §2.14), ECP x (RFC 5903 §7). */
static int derive(const struct ike_dh *dh, EVP_PKEY *peer, struct secret **ret)
{
	const struct dh_group *g = dh->group;
	size_t want = g->kind == DH_KIND_ECP ? g->coord_len : g->pub_len, len = 0;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->pkey, NULL);
	struct secret *s = secret_new(want);
	int ok;

	ok = ctx && EVP_PKEY_derive_init(ctx) == 1 &&
	     (g->kind != DH_KIND_MODP || EVP_PKEY_CTX_set_dh_pad(ctx, 1) == 1) &&
	     EVP_PKEY_derive_set_peer_ex(ctx, peer, 0) == 1 &&
	     EVP_PKEY_derive(ctx, NULL, &len) == 1 && len == want &&
	     EVP_PKEY_derive(ctx, secret_data_mut(s), &len) == 1 && len == want;
	EVP_PKEY_CTX_free(ctx);
	if (!ok) {
		secret_free(s);
		/* X25519: OpenSSL refuses an all-zero result (a low-order point) */
		return -EBADMSG;
	}
	*ret = s;
	return 0;
}

static bool all_zero(const struct secret *s)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < secret_len(s); i++)
		acc |= secret_data(s)[i];
	return acc == 0;
}

int ike_dh_shared(const struct ike_dh *dh, const uint8_t *peer, size_t peer_len,
		  struct secret **ret)
{
	EVP_PKEY *pkey = NULL;
	struct secret *s = NULL;
	int r;

	if ((r = peer_import(dh->group, peer, peer_len, &pkey)) < 0)
		return r;
	r = derive(dh, pkey, &s);
	EVP_PKEY_free(pkey);
	if (r < 0)
		return r;
	/* RFC 8031 §2.3: an all-zero X25519 output means a low-order point */
	if (dh->group->kind == DH_KIND_X25519 && all_zero(s)) {
		secret_free(s);
		return -EBADMSG;
	}
	*ret = s;
	return 0;
}
