/*
 * esp.c - ESP security associations and the per-packet seal/open of RFC 4303 in
 * tunnel mode, with AES-GCM-16 (RFC 4106) or AES-CBC (RFC 3602) + HMAC-SHA2 (RFC 4868).
 *
 * Every OpenSSL context is keyed once in esp_sa_new(); a packet only sets a new IV
 * (and re-arms the HMAC with the key it already holds), so nothing is allocated per
 * packet. Packets are sealed and opened in the caller's buffer.
 *
 * Sealed packet (RFC 4303 §2, what follows the UDP header of RFC 3948):
 *   SPI(4) | Sequence Number(4) | IV(8 GCM, 16 CBC) | inner packet | Padding(0-15) |
 *   Pad Length(1) | Next Header(1) | ICV(16 GCM; 16/24/32 HMAC)
 */
#include "esp/esp.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/xmalloc.h"

#define GCM_SALT_LEN   4 /* RFC 4106 §4 */
#define GCM_IV_LEN     8 /* RFC 4106 §3.1, the explicit part */
#define GCM_NONCE_LEN  (GCM_SALT_LEN + GCM_IV_LEN)
#define GCM_ICV_LEN    16 /* the "-16" of AES-GCM-16 */
#define AES256_KEY_LEN 32
#define CBC_BLOCK      16
#define IPV4_HDR_MIN   20
#define IPV6_HDR_LEN   40
#define INNER_MAX      65535 /* an IP packet never exceeds this */
#define IV_POOL	       32

/* X(enum, name, aead, icv_len, integ key length, HMAC digest) */
#define ESP_TRANSFORMS(X)                                                                   \
	X(ESP_TRANSFORM_AES_GCM_16_256, "aes256gcm16", true, GCM_ICV_LEN, 0, NULL)          \
	X(ESP_TRANSFORM_AES_CBC_256_SHA2_256_128, "aes256-sha256", false, 16, 32, "SHA256") \
	X(ESP_TRANSFORM_AES_CBC_256_SHA2_384_192, "aes256-sha384", false, 24, 48, "SHA384") \
	X(ESP_TRANSFORM_AES_CBC_256_SHA2_512_256, "aes256-sha512", false, 32, 64, "SHA512")

struct transform_info {
	const char *name;
	bool aead;
	size_t icv_len;
	size_t integ_key_len;
	const char *digest;
};

static const struct transform_info transforms[_ESP_TRANSFORM_MAX] = {
#define INFO(v, n, a, icv, ik, d) [v] = {n, a, icv, ik, d},
	ESP_TRANSFORMS(INFO)
#undef INFO
};

struct esp_sa {
	uint32_t spi;
	enum esp_dir dir;
	enum esp_transform transform;
	const struct transform_info *info;
	size_t iv_len;
	size_t block;	     /* alignment of payload + pad length + next header */
	struct secret *encr; /* key (and salt for GCM), kept for the life of the SA */
	struct secret *integ;
	EVP_CIPHER_CTX *cipher;
	EVP_MAC_CTX *mac; /* NULL for GCM */
	const struct rng_ops *rng;
	struct esp_lifetime lifetime;
	uint32_t seq; /* OUT: last sent; IN: unused (see replay.top) */
	/* CBC IVs, fetched from the rng a pool at a time: one call per IV_POOL packets */
	uint8_t iv_pool[IV_POOL * CBC_BLOCK];
	size_t iv_left;
	struct esp_replay replay;
	struct esp_sa_counters ctr; /* single writer; relaxed atomics for readers */
};

/* One writer per SA, so a relaxed load + store is an atomic increment for readers. */
static inline void ctr_add(uint64_t *c, uint64_t v)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + v, __ATOMIC_RELAXED);
}

static inline uint64_t ctr_get(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

const char *esp_transform_to_string(enum esp_transform t)
{
	return (unsigned int)t < _ESP_TRANSFORM_MAX ? transforms[t].name : "unknown";
}

enum esp_transform esp_transform_from_string(const char *s)
{
	for (unsigned int t = 0; t < _ESP_TRANSFORM_MAX; t++)
		if (strcmp(s, transforms[t].name) == 0)
			return (enum esp_transform)t;
	return _ESP_TRANSFORM_INVALID;
}

static int check_params(const struct esp_sa_params *p)
{
	const struct transform_info *info;

	if ((unsigned int)p->transform >= _ESP_TRANSFORM_MAX ||
	    (unsigned int)p->dir >= _ESP_DIR_MAX)
		return -EINVAL;
	if (p->spi < ESP_SPI_MIN || !p->encr)
		return -EINVAL;
	info = &transforms[p->transform];
	if (info->aead)
		return secret_len(p->encr) == AES256_KEY_LEN + GCM_SALT_LEN && !p->integ ? 0
											 : -EINVAL;
	if (secret_len(p->encr) != AES256_KEY_LEN || !p->integ ||
	    secret_len(p->integ) != info->integ_key_len)
		return -EINVAL;
	/* RFC 3602 §2.3: a CBC sender needs unpredictable IVs */
	return p->dir == ESP_DIR_OUT && !p->rng ? -EINVAL : 0;
}

static int init_gcm(struct esp_sa *sa)
{
	int enc = sa->dir == ESP_DIR_OUT;

	if (!EVP_CipherInit_ex(sa->cipher, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) ||
	    !EVP_CIPHER_CTX_ctrl(sa->cipher, EVP_CTRL_GCM_SET_IVLEN, GCM_NONCE_LEN, NULL) ||
	    !EVP_CipherInit_ex(sa->cipher, NULL, NULL, secret_data(sa->encr), NULL, enc))
		return -EINVAL;
	return 0;
}

static int init_cbc_hmac(struct esp_sa *sa)
{
	int enc = sa->dir == ESP_DIR_OUT;
	OSSL_PARAM params[2];
	EVP_MAC *mac;

	if (!EVP_CipherInit_ex(sa->cipher, EVP_aes_256_cbc(), NULL, secret_data(sa->encr), NULL,
			       enc) ||
	    !EVP_CIPHER_CTX_set_padding(sa->cipher, 0)) /* RFC 4303 §2.4 pads, not PKCS#7 */
		return -EINVAL;
	mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
	if (!mac)
		return -EINVAL;
	sa->mac = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac); /* the context keeps its own reference */
	if (!sa->mac)
		return -EINVAL;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						     (char *)sa->info->digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_init(sa->mac, secret_data(sa->integ), secret_len(sa->integ), params))
		return -EINVAL;
	return 0;
}

int esp_sa_new(const struct esp_sa_params *p, struct esp_sa **ret)
{
	struct esp_sa *sa;
	int r;

	if ((r = check_params(p)) < 0)
		return r;
	sa = xcalloc(1, sizeof(*sa));
	sa->spi = p->spi;
	sa->dir = p->dir;
	sa->transform = p->transform;
	sa->info = &transforms[p->transform];
	sa->iv_len = sa->info->aead ? GCM_IV_LEN : CBC_BLOCK;
	/* RFC 4303 §2.4: 4-byte alignment at least; CBC needs whole blocks */
	sa->block = sa->info->aead ? 4 : CBC_BLOCK;
	sa->encr = secret_dup(p->encr);
	sa->integ = secret_dup(p->integ);
	sa->rng = p->rng;
	sa->lifetime = p->lifetime;
	esp_replay_init(&sa->replay);
	sa->cipher = EVP_CIPHER_CTX_new();
	if (!sa->cipher)
		r = -ENOMEM;
	else
		r = sa->info->aead ? init_gcm(sa) : init_cbc_hmac(sa);
	if (r < 0) {
		esp_sa_free(sa);
		return r;
	}
	*ret = sa;
	return 0;
}

struct esp_sa *esp_sa_free(struct esp_sa *sa)
{
	if (!sa)
		return NULL;
	EVP_CIPHER_CTX_free(sa->cipher); /* wipes the expanded key schedule */
	EVP_MAC_CTX_free(sa->mac);
	secret_free(sa->encr);
	secret_free(sa->integ);
	secret_wipe(sa, sizeof(*sa));
	free(sa);
	return NULL;
}

uint32_t esp_sa_spi(const struct esp_sa *sa)
{
	return sa->spi;
}

enum esp_dir esp_sa_dir(const struct esp_sa *sa)
{
	return sa->dir;
}

enum esp_transform esp_sa_transform(const struct esp_sa *sa)
{
	return sa->transform;
}

size_t esp_sa_header_len(const struct esp_sa *sa)
{
	return ESP_HDR_LEN + sa->iv_len;
}

static size_t padded_len(const struct esp_sa *sa, size_t inner_len)
{
	size_t n = inner_len + 2; /* pad length + next header */

	return (n + sa->block - 1) / sa->block * sa->block;
}

size_t esp_sa_sealed_len(const struct esp_sa *sa, size_t inner_len)
{
	return esp_sa_header_len(sa) + padded_len(sa, inner_len) + sa->info->icv_len;
}

uint32_t esp_sa_seq(const struct esp_sa *sa)
{
	return sa->dir == ESP_DIR_OUT ? sa->seq : sa->replay.top;
}

static bool over(uint64_t value, uint64_t limit)
{
	return limit && value >= limit;
}

unsigned int esp_sa_lifetime_state(const struct esp_sa *sa)
{
	uint64_t packets = ctr_get(&sa->ctr.packets), bytes = ctr_get(&sa->ctr.bytes);
	unsigned int flags = 0;

	if (over(packets, sa->lifetime.soft_packets) || over(bytes, sa->lifetime.soft_bytes))
		flags |= ESP_LIFETIME_SOFT;
	if (over(packets, sa->lifetime.hard_packets) || over(bytes, sa->lifetime.hard_bytes))
		flags |= ESP_LIFETIME_HARD;
	return flags;
}

void esp_sa_get_counters(const struct esp_sa *sa, struct esp_sa_counters *ret)
{
	ret->packets = ctr_get(&sa->ctr.packets);
	ret->bytes = ctr_get(&sa->ctr.bytes);
	ret->err_malformed = ctr_get(&sa->ctr.err_malformed);
	ret->err_auth = ctr_get(&sa->ctr.err_auth);
	ret->err_replay = ctr_get(&sa->ctr.err_replay);
	ret->err_proto = ctr_get(&sa->ctr.err_proto);
	ret->err_expired = ctr_get(&sa->ctr.err_expired);
	ret->dummy = ctr_get(&sa->ctr.dummy);
}

/* Counts a failure under its reason; returns r. */
static int count_err(struct esp_sa *sa, int r)
{
	switch (r) {
	case -EBADMSG:
		ctr_add(&sa->ctr.err_malformed, 1);
		break;
	case -EACCES:
		ctr_add(&sa->ctr.err_auth, 1);
		break;
	case -EALREADY:
		ctr_add(&sa->ctr.err_replay, 1);
		break;
	case -EPROTO:
		ctr_add(&sa->ctr.err_proto, 1);
		break;
	case -EKEYEXPIRED:
		ctr_add(&sa->ctr.err_expired, 1);
		break;
	case -ENODATA:
		ctr_add(&sa->ctr.dummy, 1);
		break;
	}
	return r;
}

/* ---- seal, RFC 4303 §3.3 ---- */

/* RFC 4106 §3: AAD = SPI | seq (ESN off), nonce = salt | explicit IV. */
static int seal_gcm(struct esp_sa *sa, uint8_t *pkt, size_t ct_len)
{
	uint8_t nonce[GCM_NONCE_LEN];
	uint8_t *ct = pkt + ESP_HDR_LEN + GCM_IV_LEN;
	int n;

	memcpy(nonce, secret_data(sa->encr) + AES256_KEY_LEN, GCM_SALT_LEN);
	memcpy(nonce + GCM_SALT_LEN, pkt + ESP_HDR_LEN, GCM_IV_LEN);
	if (!EVP_EncryptInit_ex(sa->cipher, NULL, NULL, NULL, nonce) ||
	    !EVP_EncryptUpdate(sa->cipher, NULL, &n, pkt, ESP_HDR_LEN) ||
	    !EVP_EncryptUpdate(sa->cipher, ct, &n, ct, (int)ct_len) ||
	    !EVP_EncryptFinal_ex(sa->cipher, ct + n, &n) ||
	    !EVP_CIPHER_CTX_ctrl(sa->cipher, EVP_CTRL_GCM_GET_TAG, GCM_ICV_LEN, ct + ct_len))
		return -EINVAL;
	return 0;
}

/* Re-arms the HMAC with the key it holds (no allocation) and computes the full tag. */
static int hmac(struct esp_sa *sa, const uint8_t *p, size_t n, uint8_t out[static 64])
{
	size_t len;

	if (!EVP_MAC_init(sa->mac, NULL, 0, NULL) || !EVP_MAC_update(sa->mac, p, n) ||
	    !EVP_MAC_final(sa->mac, out, &len, 64))
		return -EINVAL;
	return 0;
}

/*
 * RFC 3602 §2.3: CBC IVs must be unpredictable, which bytes from the rng are until
 * they are sent; each is used once and wiped from the pool.
 */
static int next_iv(struct esp_sa *sa, uint8_t iv[static CBC_BLOCK])
{
	uint8_t *p;
	int r;

	if (!sa->iv_left) {
		if ((r = rng_bytes(sa->rng, sa->iv_pool, sizeof(sa->iv_pool))) < 0)
			return r;
		sa->iv_left = IV_POOL;
	}
	p = sa->iv_pool + --sa->iv_left * CBC_BLOCK;
	memcpy(iv, p, CBC_BLOCK);
	memset(p, 0, CBC_BLOCK);
	return 0;
}

/* RFC 4303 §3.3.2 order: encrypt first, then the ICV over header, IV and ciphertext. */
static int seal_cbc_hmac(struct esp_sa *sa, uint8_t *pkt, size_t ct_len)
{
	uint8_t *iv = pkt + ESP_HDR_LEN, *ct = iv + CBC_BLOCK, tag[64];
	int n, r;

	if ((r = next_iv(sa, iv)) < 0)
		return r;
	if (!EVP_EncryptInit_ex(sa->cipher, NULL, NULL, NULL, iv) ||
	    !EVP_EncryptUpdate(sa->cipher, ct, &n, ct, (int)ct_len) || (size_t)n != ct_len)
		return -EINVAL;
	if ((r = hmac(sa, pkt, ESP_HDR_LEN + CBC_BLOCK + ct_len, tag)) < 0)
		return r;
	memcpy(ct + ct_len, tag, sa->info->icv_len); /* RFC 4868 §2.1: truncated to half */
	return 0;
}

/* RFC 4303 §2.4: the default padding is 1, 2, 3, ... */
static void write_trailer(uint8_t *p, size_t pad_len, uint8_t next_header)
{
	for (size_t i = 0; i < pad_len; i++)
		p[i] = (uint8_t)(i + 1);
	p[pad_len] = (uint8_t)pad_len;
	p[pad_len + 1] = next_header;
}

static int next_seq(struct esp_sa *sa, uint32_t *ret)
{
	/* RFC 4303 §3.3.3: with ESN off the counter must not cycle; rekey instead */
	if (sa->seq == UINT32_MAX || esp_sa_lifetime_state(sa) & ESP_LIFETIME_HARD)
		return -EKEYEXPIRED;
	*ret = ++sa->seq;
	return 0;
}

int esp_seal(struct esp_sa *sa, uint8_t next_header, const uint8_t *inner, size_t inner_len,
	     uint8_t *out, size_t out_cap, size_t *ret_len)
{
	size_t hdr = esp_sa_header_len(sa), ct_len, total;
	uint32_t seq;
	int r;

	if (sa->dir != ESP_DIR_OUT || (next_header != ESP_NH_IPV4 && next_header != ESP_NH_IPV6 &&
				       next_header != ESP_NH_NONE))
		return -EINVAL;
	if (inner_len > INNER_MAX)
		return -EMSGSIZE;
	ct_len = padded_len(sa, inner_len);
	total = hdr + ct_len + sa->info->icv_len;
	if (total > out_cap)
		return -EMSGSIZE;
	if ((r = next_seq(sa, &seq)) < 0)
		return count_err(sa, r);
	if (out + hdr != inner)
		memmove(out + hdr, inner, inner_len);
	write_trailer(out + hdr + inner_len, ct_len - inner_len - 2, next_header);
	be32_store(out, sa->spi);
	be32_store(out + 4, seq);
	if (sa->info->aead) {
		/* RFC 4106 §3.1: the IV must never repeat under a key; seq never does */
		memset(out + ESP_HDR_LEN, 0, 4);
		be32_store(out + ESP_HDR_LEN + 4, seq);
		r = seal_gcm(sa, out, ct_len);
	} else {
		r = seal_cbc_hmac(sa, out, ct_len);
	}
	if (r < 0)
		return r;
	ctr_add(&sa->ctr.packets, 1);
	ctr_add(&sa->ctr.bytes, inner_len);
	*ret_len = total;
	return 0;
}

/* ---- open, RFC 4303 §3.4 ---- */

/*
 * AES-GCM verifies and decrypts in one pass (RFC 4106 §2); OpenSSL writes the
 * plaintext into the buffer and checks the tag (CRYPTO_memcmp) in Final, so on
 * failure the caller drops a buffer of garbage that nothing has looked at.
 */
static int open_gcm(struct esp_sa *sa, uint8_t *pkt, size_t ct_len)
{
	uint8_t nonce[GCM_NONCE_LEN];
	uint8_t *ct = pkt + ESP_HDR_LEN + GCM_IV_LEN;
	int n;

	memcpy(nonce, secret_data(sa->encr) + AES256_KEY_LEN, GCM_SALT_LEN);
	memcpy(nonce + GCM_SALT_LEN, pkt + ESP_HDR_LEN, GCM_IV_LEN);
	if (!EVP_DecryptInit_ex(sa->cipher, NULL, NULL, NULL, nonce) ||
	    !EVP_DecryptUpdate(sa->cipher, NULL, &n, pkt, ESP_HDR_LEN) ||
	    !EVP_DecryptUpdate(sa->cipher, ct, &n, ct, (int)ct_len) ||
	    !EVP_CIPHER_CTX_ctrl(sa->cipher, EVP_CTRL_GCM_SET_TAG, GCM_ICV_LEN, ct + ct_len))
		return -EINVAL;
	return EVP_DecryptFinal_ex(sa->cipher, ct + n, &n) ? 0 : -EACCES;
}

/* RFC 4303 §3.4.4: the ICV is checked, in constant time, before decrypting. */
static int open_cbc_hmac(struct esp_sa *sa, uint8_t *pkt, size_t ct_len)
{
	uint8_t *iv = pkt + ESP_HDR_LEN, *ct = iv + CBC_BLOCK, tag[64];
	int n, r;

	if ((r = hmac(sa, pkt, ESP_HDR_LEN + CBC_BLOCK + ct_len, tag)) < 0)
		return r;
	if (CRYPTO_memcmp(tag, ct + ct_len, sa->info->icv_len) != 0)
		return -EACCES;
	if (!EVP_DecryptInit_ex(sa->cipher, NULL, NULL, NULL, iv) ||
	    !EVP_DecryptUpdate(sa->cipher, ct, &n, ct, (int)ct_len) || (size_t)n != ct_len)
		return -EINVAL;
	return 0;
}

/* The length the inner IP header claims; the rest is TFC padding (RFC 4303 §2.7). */
static int inner_ip_len(const uint8_t *p, size_t n, uint8_t nh, size_t *ret)
{
	size_t len;

	if (nh == ESP_NH_IPV4) {
		if (n < IPV4_HDR_MIN || p[0] >> 4 != 4)
			return -EPROTO;
		len = be16_load(p + 2);
	} else if (nh == ESP_NH_IPV6) {
		if (n < IPV6_HDR_LEN || p[0] >> 4 != 6)
			return -EPROTO;
		len = IPV6_HDR_LEN + (size_t)be16_load(p + 4);
	} else {
		return nh == ESP_NH_NONE ? -ENODATA : -EPROTO;
	}
	if (len > n || (nh == ESP_NH_IPV4 && len < IPV4_HDR_MIN))
		return -EPROTO;
	*ret = len;
	return 0;
}

/* RFC 4303 §2.4-2.6: pad length, the default padding bytes, next header. */
static int parse_trailer(const uint8_t *pt, size_t pt_len, size_t *ret_len, uint8_t *ret_nh)
{
	size_t pad_len = pt[pt_len - 2], payload_len;
	uint8_t nh = pt[pt_len - 1];
	int r;

	if (pad_len + 2 > pt_len)
		return -EPROTO;
	payload_len = pt_len - 2 - pad_len;
	for (size_t i = 0; i < pad_len; i++)
		if (pt[payload_len + i] != (uint8_t)(i + 1))
			return -EPROTO;
	if ((r = inner_ip_len(pt, payload_len, nh, ret_len)) < 0)
		return r;
	*ret_nh = nh;
	return 0;
}

static int check_shape(const struct esp_sa *sa, const uint8_t *pkt, size_t len, size_t *ret_ct)
{
	size_t fixed = esp_sa_header_len(sa) + sa->info->icv_len, ct_len;

	if (len < fixed + 2 || len > fixed + INNER_MAX + 2 + CBC_BLOCK)
		return -EBADMSG;
	ct_len = len - fixed;
	if (ct_len % sa->block != 0 || be32_load(pkt) != sa->spi)
		return -EBADMSG;
	*ret_ct = ct_len;
	return 0;
}

int esp_open(struct esp_sa *sa, uint8_t *pkt, size_t len, size_t *ret_off, size_t *ret_len,
	     uint8_t *ret_nh)
{
	size_t hdr = esp_sa_header_len(sa), ct_len, inner_len;
	uint32_t seq;
	uint8_t nh;
	int r;

	if (sa->dir != ESP_DIR_IN)
		return -EINVAL;
	if ((r = check_shape(sa, pkt, len, &ct_len)) < 0)
		return count_err(sa, r);
	seq = be32_load(pkt + 4);
	if ((r = esp_replay_check(&sa->replay, seq)) < 0)
		return count_err(sa, r);
	r = sa->info->aead ? open_gcm(sa, pkt, ct_len) : open_cbc_hmac(sa, pkt, ct_len);
	if (r < 0)
		return count_err(sa, r);
	/* §3.4.3: authentic, so now it may move the window */
	esp_replay_update(&sa->replay, seq);
	if ((r = parse_trailer(pkt + hdr, ct_len, &inner_len, &nh)) < 0)
		return count_err(sa, r);
	ctr_add(&sa->ctr.packets, 1);
	ctr_add(&sa->ctr.bytes, inner_len);
	*ret_off = hdr;
	*ret_len = inner_len;
	*ret_nh = nh;
	return 0;
}
