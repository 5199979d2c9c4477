/*
 * ike_crypto.h - the IKEv2 crypto suite: transform lookup, the PRF and prf+
 * (RFC 7296 §2.13), and SK/SKF payload protection (RFC 7296 §3.14, RFC 5282,
 * RFC 7383 §2.5). OpenSSL 3 EVP only; no I/O, randomness only through rng_ops.
 *
 * The same transform numbers and these functions serve ESP keys too (the
 * ENCR and INTEG IDs of the ESP proposals are the same IANA registries).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/rng.h"
#include "core/secret.h"

/* IANA numbers (IKE_ENCR_*, IKE_PRF_*, IKE_INTEG_*, IKE_DH_*, IKE_AUTH_*, IKE_HASH_*). */
#include "ike/ike_const.h"

/* The longest PRF output and key (HMAC-SHA2-512). */
#define IKE_PRF_MAX_LEN 64
/* The longest SK payload overhead beyond the plaintext: IV 16 + pad 16 + ICV 32. */
#define IKE_SK_MAX_OVERHEAD (16 + 16 + 32)

/* One negotiated suite (IKE SA or Child SA); 0 = transform absent. */
struct ike_crypto_suite {
	uint16_t encr;		/* IKE_ENCR_* */
	uint16_t encr_key_bits; /* Key Length attribute: 128, 192 or 256 */
	uint16_t prf;		/* IKE_PRF_*; 0 for a Child SA */
	uint16_t integ;		/* IKE_INTEG_*; 0 with an AEAD */
	uint16_t dh;		/* IKE_DH_*; 0 = none (Child SA without PFS) */
};

struct ike_prf_info {
	uint16_t id;
	const char *name; /* "PRF_HMAC_SHA2_256" */
	const char *md;	  /* OpenSSL digest name: "SHA256" */
	uint8_t hash;	  /* IKE_HASH_*: the PRF's hash, for signatures (PROTOCOL.md §5.2) */
	size_t len;	  /* output length = preferred key length (RFC 7296 §2.13) */
};

struct ike_encr_info {
	uint16_t id;
	uint16_t key_bits;
	const char *name; /* "AES_CBC_256" */
	size_t key_len;	  /* cipher key bytes */
	size_t salt_len;  /* 4 for GCM (RFC 5282 §7.1), 0 for CBC */
	size_t iv_len;	  /* 16 CBC, 8 GCM (explicit IV, RFC 5282 §3.1) */
	size_t block_len; /* padding alignment: 16 CBC, 1 GCM */
	size_t icv_len;	  /* 16 for GCM's tag, 0 for CBC (the INTEG gives it) */
	bool aead;
};

struct ike_integ_info {
	uint16_t id;
	const char *name; /* "AUTH_HMAC_SHA2_256_128" */
	const char *md;
	size_t key_len; /* 32/48/64 */
	size_t icv_len; /* truncated output: 16/24/32 */
};

/* NULL when unsupported (a proposal we must not accept). */
const struct ike_prf_info *ike_crypto_prf(uint16_t id);
const struct ike_encr_info *ike_crypto_encr(uint16_t id, uint16_t key_bits);
const struct ike_integ_info *ike_crypto_integ(uint16_t id);
/*
 * Whether a suite is complete and consistent for an IKE SA (ENCR, PRF, DH, and
 * INTEG unless ENCR is an AEAD) or, with child = true, a Child SA (no PRF).
 * -EINVAL when not.
 */
_must_check_ int ike_crypto_suite_check(const struct ike_crypto_suite *s, bool child);

/* Scatter input for the PRF: the pieces are concatenated. */
struct ike_iov {
	const void *p;
	size_t n;
};

/*
 * HMAC with an OpenSSL digest name ("SHA256") over the concatenated pieces,
 * truncated to out_len (at most the digest length, else -EINVAL): the INTEG
 * transforms' ICV (RFC 4868), shared with ESP.
 */
_must_check_ int ike_crypto_hmac(const char *md, const void *key, size_t key_len,
				 const struct ike_iov *data, size_t n_data, uint8_t *ret_out,
				 size_t out_len);
/*
 * prf(K, S) (RFC 7296 §2.13): HMAC over the concatenated pieces; writes
 * ike_crypto_prf(prf_id)->len bytes to ret_out (at most IKE_PRF_MAX_LEN).
 * -EINVAL for an unknown PRF.
 */
_must_check_ int ike_prf(uint16_t prf_id, const void *key, size_t key_len,
			 const struct ike_iov *data, size_t n_data, uint8_t *ret_out);
/*
 * prf+(K, S) = T1 | T2 | ..., Tn = prf(K, Tn-1 | S | n) (RFC 7296 §2.13),
 * truncated to out_len (at most 255 blocks, else -EINVAL).
 */
_must_check_ int ike_prf_plus(uint16_t prf_id, const void *key, size_t key_len,
			      const struct ike_iov *seed, size_t n_seed, size_t out_len,
			      struct secret **ret);

/*
 * SK payload protection for one direction. The keys are borrowed (they live in
 * struct ike_keys): SK_ei + SK_ai to send as initiator, SK_er + SK_ar to read
 * the responder. For GCM sk_e is key | 4-byte salt and sk_a is NULL.
 */
struct ike_sk {
	const struct ike_encr_info *encr;
	const struct ike_integ_info *integ; /* NULL with an AEAD */
	const struct secret *sk_e;
	const struct secret *sk_a;
};

/* -EINVAL on unknown transforms or key lengths that do not fit them. */
_must_check_ int ike_sk_init(struct ike_sk *sk, uint16_t encr_id, uint16_t key_bits,
			     uint16_t integ_id, const struct secret *sk_e,
			     const struct secret *sk_a);

/*
 * The length of the SK (or SKF) payload body for plain_len bytes of inner
 * payloads: IV | ciphertext (payloads | padding | Pad Length) | ICV. The
 * payload's Length field is 4 (SK) or 8 (SKF) more.
 */
size_t ike_sk_body_len(const struct ike_sk *sk, size_t plain_len);

/*
 * Encrypts into msg, the whole message (or one RFC 7383 fragment) of msg_len =
 * aad_len + ike_sk_body_len(plain_len) bytes. msg[0, aad_len) is already
 * written with its final lengths: the IKE header through the SK payload
 * header, or through the SKF header with Fragment Number and Total Fragments.
 * It is the AAD for GCM (RFC 5282 §5.1) and, with the body, what the ICV
 * covers for CBC (RFC 7296 §3.14). The IV comes from rng. Writes the body at
 * msg + aad_len.
 */
_must_check_ int ike_sk_encrypt(const struct ike_sk *sk, const struct rng_ops *rng, uint8_t *msg,
				size_t aad_len, size_t msg_len, const uint8_t *plain,
				size_t plain_len);

/*
 * Checks and decrypts msg (laid out as for ike_sk_encrypt, the body being
 * msg[aad_len, msg_len)). The ICV is checked in constant time before anything
 * is decrypted (CBC) or by GCM's tag. On success *ret_plain (free()) holds the
 * inner payloads without padding. -EBADMSG on a short or misaligned body, a
 * wrong ICV or a bad Pad Length; nothing is returned then.
 */
_must_check_ int ike_sk_decrypt(const struct ike_sk *sk, const uint8_t *msg, size_t aad_len,
				size_t msg_len, uint8_t **ret_plain, size_t *ret_plain_len);
