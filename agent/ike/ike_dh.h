/*
 * ike_dh.h - Diffie-Hellman for the KE payload (RFC 7296 §2.14, §3.4):
 * MODP-2048 (group 14, RFC 3526), ECP-256/384/521 (19/20/21, RFC 5903: KE data
 * x | y, shared secret x) and Curve25519 (31, RFC 8031). The private value
 * never leaves the object; free wipes it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/secret.h"
#include "ike/ike_crypto.h"

struct ike_dh;

bool ike_dh_group_supported(uint16_t group);
/* KE data length of a group: 256, 64, 96, 132, 32; 0 when unsupported. */
size_t ike_dh_public_len(uint16_t group);

/*
 * A fresh key pair. The private value comes from OpenSSL's DRBG (the same
 * generator rng_system uses). -EINVAL for an unsupported group.
 */
_must_check_ int ike_dh_new(uint16_t group, struct ike_dh **ret);
/*
 * A key pair from known values, for known-answer tests: priv is the private
 * value (big-endian scalar or exponent; raw 32 bytes for Curve25519), pub the
 * KE data. pub may be NULL for Curve25519 only (it is derived).
 */
_must_check_ int ike_dh_new_from_private(uint16_t group, const uint8_t *priv, size_t priv_len,
					 const uint8_t *pub, size_t pub_len, struct ike_dh **ret);
/* Wipes and frees; takes NULL; returns NULL. */
struct ike_dh *ike_dh_free(struct ike_dh *dh);
void ike_dh_freep(struct ike_dh **dh);

uint16_t ike_dh_group(const struct ike_dh *dh);
/* Our KE data (ike_dh_public_len bytes), owned by dh. */
const uint8_t *ike_dh_public(const struct ike_dh *dh, size_t *ret_len);

/*
 * Validates a peer's KE data: exact length, 1 < y < p-1 for MODP (RFC 6989
 * §2.1), the point on the curve for ECP (RFC 6989 §2.3). -EBADMSG when
 * invalid.
 */
_must_check_ int ike_dh_check_public(uint16_t group, const uint8_t *pub, size_t len);

/*
 * g^ir as a secret: the modulus length for MODP (left-padded, RFC 7296 §2.14),
 * x for ECP (RFC 5903 §7), 32 bytes for Curve25519. Validates peer first;
 * -EBADMSG for invalid KE data or an all-zero X25519 result (RFC 8031 §2.3).
 */
_must_check_ int ike_dh_shared(const struct ike_dh *dh, const uint8_t *peer, size_t peer_len,
			       struct secret **ret);
