/*
 * eap_md4.h - MD4 (RFC 1320), only for the MSCHAPv2 NT hash (RFC 2759 §8.3).
 *
 * Implemented here rather than loaded from OpenSSL 3's legacy provider: the provider
 * is a separate module file that a hardened daemon (or a minimal install) may not be
 * able to load, and MD4 is 100 lines. It is never used as a security primitive on its
 * own, only where RFC 2759 prescribes it.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define EAP_MD4_LEN 16u

void eap_md4(const void *data, size_t n, uint8_t out[EAP_MD4_LEN]);
