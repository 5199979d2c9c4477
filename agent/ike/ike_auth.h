/*
 * ike_auth.h - the AUTH payload's data (RFC 7296 §2.15, §2.16; PROTOCOL.md
 * §5.2-5.4): the shared-key MIC for PSK and EAP (with or without an MSK) and
 * signatures: RSA method 1 (Cisco style, the PRF's hash), ECDSA methods 9/10/11
 * (RFC 4754) and Digital Signature method 14 (RFC 7427).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "core/err.h"
#include "core/secret.h"
#include "ike/ike_crypto.h"

/*
 * What the signer signs or MACs: RealMessage | Nonce | prf(SK_p, ID body).
 * For AUTH_I: the IKE_SA_INIT request as sent, Nr, SK_pi, IDi body; for AUTH_R:
 * the response, Ni, SK_pr, IDr body. ID bodies are type byte | 3 reserved |
 * data, exactly as on the wire.
 */
struct ike_auth_input {
	uint16_t prf_id;
	const uint8_t *real_msg;
	size_t real_msg_len;
	const uint8_t *nonce;
	size_t nonce_len;
	const struct secret *sk_p;
	const uint8_t *id_body;
	size_t id_body_len;
};

/* The signed octets as one buffer (free()). */
_must_check_ int ike_auth_octets(const struct ike_auth_input *in, uint8_t **ret, size_t *ret_len);

/*
 * Method 2 / EAP: prf(prf(key, "Key Pad for IKEv2"), octets). key is the PSK
 * (the session token's bytes), the MSK after EAP with one, or SK_pi/SK_pr
 * after EAP without (RFC 7296 §2.16). Writes the PRF's length (<=
 * IKE_PRF_MAX_LEN) to ret_auth.
 */
_must_check_ int ike_auth_mac(const struct ike_auth_input *in, const struct secret *key,
			      uint8_t *ret_auth, size_t *ret_len);
/* Constant-time check of a received MIC: 0, or -EACCES on any mismatch. */
_must_check_ int ike_auth_mac_verify(const struct ike_auth_input *in, const struct secret *key,
				     const uint8_t *auth, size_t auth_len);

/* Bits of IKE_HASH_* values, as listed in a peer's SIGNATURE_HASH_ALGORITHMS. */
#define IKE_AUTH_HASH_BIT(h) (1u << (h))
/* The hashes we accept and announce (RFC 7427 §4): SHA2-256/384/512. */
#define IKE_AUTH_HASHES_SUPPORTED                                                      \
	(IKE_AUTH_HASH_BIT(IKE_HASH_SHA2_256) | IKE_AUTH_HASH_BIT(IKE_HASH_SHA2_384) | \
	 IKE_AUTH_HASH_BIT(IKE_HASH_SHA2_512))

/*
 * Signs the octets with key (RSA or EC P-256/384/521), choosing the method as
 * PROTOCOL.md §5.2: peer_hashes == 0 (no SIGNATURE_HASH_ALGORITHMS from the
 * peer, or none we support) gives method 1 with the PRF's hash (RSA) or 9/10/11
 * by curve (ECDSA); otherwise method 14 with the PRF's hash if listed, else the
 * first of SHA2-256/384/512 listed. *ret_auth (free()) is the AUTH data after
 * the method and reserved bytes. -EINVAL for an unusable key.
 */
_must_check_ int ike_auth_sign(const struct ike_auth_input *in, EVP_PKEY *key, uint32_t peer_hashes,
			       uint8_t *ret_method, uint8_t **ret_auth, size_t *ret_len);

/*
 * Verifies a received signature AUTH with the peer's key. Method 1: RSA, the
 * DigestInfo recovered and accepted for the PRF's hash or SHA-1 only. 9/10/11:
 * ECDSA with the curve and hash the method names, r | s fixed length. 14: the
 * AlgorithmIdentifier must be one of sha{256,384,512}WithRSAEncryption or
 * ecdsa-with-SHA{256,384,512} and match the key type. 0 when valid; -EACCES
 * for a wrong signature or a method that does not fit the key; -EBADMSG for
 * malformed AUTH data; -EPROTO for a method we do not support.
 */
_must_check_ int ike_auth_verify(const struct ike_auth_input *in, EVP_PKEY *peer_key,
				 uint8_t method, const uint8_t *auth, size_t auth_len);
