/*
 * ike_keys.h - key derivation (RFC 7296 §2.14, §2.17, §2.18): SKEYSEED and the
 * seven SK_* keys of an IKE SA, IKE SA rekey, and Child SA KEYMAT.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/secret.h"
#include "ike/ike_crypto.h"

/* The keys of one IKE SA (PROTOCOL.md §1.6); embedded, freed by ike_keys_done(). */
struct ike_keys {
	struct ike_crypto_suite suite; /* what they were derived for */
	struct secret *sk_d;	       /* PRF length */
	struct secret *sk_ai;	       /* INTEG key; NULL with an AEAD */
	struct secret *sk_ar;
	struct secret *sk_ei; /* ENCR key (+ 4-byte salt for GCM) */
	struct secret *sk_er;
	struct secret *sk_pi; /* PRF length */
	struct secret *sk_pr;
};

/* SKEYSEED = prf(Ni | Nr, g^ir) (RFC 7296 §2.14). */
_must_check_ int ike_keys_skeyseed(uint16_t prf_id, const uint8_t *ni, size_t ni_len,
				   const uint8_t *nr, size_t nr_len, const struct secret *g_ir,
				   struct secret **ret);
/* SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) with the old SA's PRF (RFC 7296 §2.18). */
_must_check_ int ike_keys_skeyseed_rekey(uint16_t old_prf_id, const struct secret *old_sk_d,
					 const struct secret *g_ir, const uint8_t *ni,
					 size_t ni_len, const uint8_t *nr, size_t nr_len,
					 struct secret **ret);
/*
 * SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr =
 * prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) with the suite's PRF. SPIs in host
 * order (written big-endian). keys is overwritten (call ike_keys_done first
 * when it held keys); untouched on failure. -EINVAL for a bad suite.
 */
_must_check_ int ike_keys_from_skeyseed(struct ike_keys *keys, const struct ike_crypto_suite *suite,
					const struct secret *skeyseed, const uint8_t *ni,
					size_t ni_len, const uint8_t *nr, size_t nr_len,
					uint64_t spi_i, uint64_t spi_r);
/* The two steps above for IKE_SA_INIT. */
_must_check_ int ike_keys_derive(struct ike_keys *keys, const struct ike_crypto_suite *suite,
				 const struct secret *g_ir, const uint8_t *ni, size_t ni_len,
				 const uint8_t *nr, size_t nr_len, uint64_t spi_i, uint64_t spi_r);
/* The new IKE SA's keys in a CREATE_CHILD_SA rekey; spi_i/spi_r are the new SPIs. */
_must_check_ int ike_keys_derive_rekey(struct ike_keys *keys,
				       const struct ike_crypto_suite *new_suite,
				       uint16_t old_prf_id, const struct secret *old_sk_d,
				       const struct secret *g_ir, const uint8_t *ni, size_t ni_len,
				       const uint8_t *nr, size_t nr_len, uint64_t spi_i,
				       uint64_t spi_r);
/* Wipes every key; the struct may be reused. */
void ike_keys_done(struct ike_keys *keys);

/* Child SA keys, named by direction (RFC 7296 §2.17). */
struct ike_keys_child {
	struct secret *encr_ir;	 /* ENCR initiator -> responder (GCM: key | salt) */
	struct secret *integ_ir; /* INTEG initiator -> responder; NULL with an AEAD */
	struct secret *encr_ri;
	struct secret *integ_ri;
};

/*
 * KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr), split in the order of RFC 7296
 * §2.17. suite holds the child's ENCR/INTEG; g_ir NULL without PFS.
 */
_must_check_ int ike_keys_child_derive(struct ike_keys_child *ret, uint16_t prf_id,
				       const struct secret *sk_d,
				       const struct ike_crypto_suite *child_suite,
				       const struct secret *g_ir, const uint8_t *ni, size_t ni_len,
				       const uint8_t *nr, size_t nr_len);
void ike_keys_child_done(struct ike_keys_child *keys);
