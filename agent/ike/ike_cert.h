/*
 * ike_cert.h - the gateway certificate checks of PROTOCOL.md §5.2 (1-4): chain
 * to a trust anchor, validity at a given time, host name (RFC 6125), EKU and
 * keyUsage, optional SPKI pins, and the trust-server-cert-sha256 override.
 * Check 5 (the AUTH) is ike_auth_verify() with the key this returns.
 * No I/O: the caller builds the X509_STORE (system store, CA file) and passes
 * the wall-clock time.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/err.h"

#define IKE_CERT_PIN_LEN      64 /* SHA-512 of a SubjectPublicKeyInfo */
#define IKE_CERT_OVERRIDE_LEN 32 /* SHA-256 of the leaf certificate's DER */
#define IKE_CERT_CHAIN_MAX    8	 /* CERT payloads we look at */

struct ike_cert_policy {
	const char *host;   /* host part of HostAddress: DNS name or IPv4/IPv6 literal */
	X509_STORE *trust;  /* trust anchors; borrowed */
	time_t verify_time; /* wall clock, seconds since the epoch */
	bool pinning;	    /* CertificatePinning on: some chain certificate must match a pin */
	const uint8_t (*pins)[IKE_CERT_PIN_LEN];
	size_t n_pins;
	/* trust-server-cert-sha256: accepts exactly this leaf, skipping checks 1-4; NULL = off */
	const uint8_t *override_sha256;
};

/*
 * Checks the CERT payload bodies (DER certificates, leaf first, then
 * intermediates; CERT encoding 4) against the policy. On success *ret_leaf_key
 * (EVP_PKEY_free) is the leaf's public key. On failure returns -EACCES (or
 * -EBADMSG for an unparsable certificate, -EINVAL for a bad policy) and, when
 * reterr_msg is given, sets it (free()) to one line such as "Server certificate
 * for vpn.example.com is not trusted: name mismatch (certificate is for
 * gw.example.org)".
 */
_must_check_ int ike_cert_verify(const struct ike_cert_policy *pol, const uint8_t *const *ders,
				 const size_t *der_lens, size_t n_certs, EVP_PKEY **ret_leaf_key,
				 char **reterr_msg);

/* The leaf's public key from its DER, for AUTH verification. -EBADMSG if unparsable. */
_must_check_ int ike_cert_public_key(const uint8_t *der, size_t der_len, EVP_PKEY **ret);

/* SHA-512 of the certificate's SubjectPublicKeyInfo (a pin). */
_must_check_ int ike_cert_spki_sha512(const uint8_t *der, size_t der_len,
				      uint8_t ret_pin[IKE_CERT_PIN_LEN]);

/* Adds every certificate of a PEM buffer (in memory: no I/O here) as a trust anchor. */
_must_check_ int ike_cert_store_add_pem(X509_STORE *store, const void *pem, size_t pem_len);
