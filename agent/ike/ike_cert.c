/*
 * ike_cert.c - gateway certificate checks (PROTOCOL.md §5.2, checks 1-4):
 * OpenSSL builds and verifies the chain at the caller's time; the name (RFC
 * 6125 §6.4), EKU/keyUsage and pins are checked here on the verified chain.
 */
#define LOG_MODULE "ike"

#include "ike/ike_cert.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "core/log.h"
#include "core/xmalloc.h"

/* PROTOCOL.md §5.2 check 3: EKUs that make a certificate fit for an IKE gateway. */
static const char *const good_ekus[] = {
	"1.3.6.1.5.5.7.3.1",  /* id-kp-serverAuth */
	"1.3.6.1.5.5.7.3.17", /* id-kp-ipsecIKE (RFC 4945 §5.1.3.12) */
	"1.3.6.1.5.5.8.2.2",  /* iKEIntermediate */
	"2.5.29.37.0",	      /* anyExtendedKeyUsage */
};

_printf_(3, 4) static int fail(char **reterr_msg, const char *host, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (reterr_msg) {
		size_t n = strlen(host) + strlen(why) + 64;

		*reterr_msg = xmalloc(n);
		snprintf(*reterr_msg, n, "Server certificate for %s is not trusted: %s", host, why);
	}
	return -EACCES;
}

static X509 *cert_parse(const uint8_t *der, size_t len)
{
	const uint8_t *p = der;
	X509 *x;

	if (len == 0 || len > 65535)
		return NULL;
	x = d2i_X509(NULL, &p, (long)len);
	/* trailing bytes mean the CERT payload lied about its content */
	if (x && p != der + len) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static int spki_digest(X509 *x, const char *md, uint8_t *out, size_t out_len)
{
	uint8_t *der = NULL;
	unsigned int dlen = 0;
	int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	int r = -EIO;

	if (len > 0 && EVP_Digest(der, (size_t)len, out, &dlen, EVP_get_digestbyname(md), NULL) &&
	    dlen == out_len)
		r = 0;
	OPENSSL_free(der);
	return r;
}

int ike_cert_spki_sha512(const uint8_t *der, size_t der_len, uint8_t ret_pin[IKE_CERT_PIN_LEN])
{
	X509 *x = cert_parse(der, der_len);
	int r;

	if (!x)
		return -EBADMSG;
	r = spki_digest(x, "SHA512", ret_pin, IKE_CERT_PIN_LEN);
	X509_free(x);
	return r;
}

int ike_cert_public_key(const uint8_t *der, size_t der_len, EVP_PKEY **ret)
{
	X509 *x = cert_parse(der, der_len);
	EVP_PKEY *k;

	if (!x)
		return -EBADMSG;
	k = X509_get_pubkey(x);
	X509_free(x);
	if (!k)
		return -EBADMSG;
	*ret = k;
	return 0;
}

int ike_cert_store_add_pem(X509_STORE *store, const void *pem, size_t pem_len)
{
	BIO *bio = pem_len <= INT32_MAX ? BIO_new_mem_buf(pem, (int)pem_len) : NULL;
	int n = 0, r = 0;
	X509 *x;

	if (!bio)
		return -EINVAL;
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
		if (X509_STORE_add_cert(store, x) != 1)
			r = -EINVAL;
		X509_free(x);
		n++;
	}
	BIO_free(bio);
	return r < 0 ? r : n > 0 ? 0 : -EBADMSG;
}

/* An IPv4 or IPv6 literal (brackets allowed around IPv6)? Copies it unbracketed. */
static bool host_ip_literal(const char *host, char *out, size_t cap)
{
	size_t n = strlen(host);
	ASN1_OCTET_STRING *ip;

	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		host++;
		n -= 2;
	}
	if (n >= cap)
		return false;
	memcpy(out, host, n);
	out[n] = '\0';
	ip = a2i_IPADDRESS(out);
	ASN1_OCTET_STRING_free(ip);
	return ip != NULL;
}

/* Appends one name to the "certificate is for ..." list. */
static void names_add(char *list, size_t cap, const char *name, size_t len)
{
	size_t used = strlen(list);

	if (used + len + 3 >= cap)
		return;
	if (used)
		strcat(list, ", ");
	strncat(list, name, len);
}

static void ip_name_add(char *list, size_t cap, const ASN1_OCTET_STRING *ip)
{
	char buf[INET6_ADDRSTRLEN];
	int len = ASN1_STRING_length(ip);

	if ((len == 4 || len == 16) &&
	    inet_ntop(len == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(ip), buf, sizeof(buf)))
		names_add(list, cap, buf, strlen(buf));
}

/* The names the certificate is for: SAN dNSNames and iPAddresses, else the CN. */
static void cert_names(X509 *x, char *list, size_t cap)
{
	GENERAL_NAMES *sans = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	char cn[256];

	list[0] = '\0';
	for (int i = 0; i < sk_GENERAL_NAME_num(sans); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);

		if (g->type == GEN_DNS)
			names_add(list, cap, (const char *)ASN1_STRING_get0_data(g->d.dNSName),
				  (size_t)ASN1_STRING_length(g->d.dNSName));
		else if (g->type == GEN_IPADD)
			ip_name_add(list, cap, g->d.iPAddress);
	}
	GENERAL_NAMES_free(sans);
	if (list[0] == '\0' &&
	    X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof(cn)) > 0)
		names_add(list, cap, cn, strlen(cn));
	if (list[0] == '\0')
		snprintf(list, cap, "no name");
}

/*
 * Check 2. DNS names: X509_check_host matches dNSName SANs, the wildcard only
 * as the whole left-most label, and looks at the CN only when there is no
 * dNSName SAN (RFC 6125 §6.4.3, §6.4.4). IP literals: iPAddress SANs only.
 */
static bool name_matches(X509 *leaf, const char *host)
{
	char ip[64];

	if (host_ip_literal(host, ip, sizeof(ip)))
		return X509_check_ip_asc(leaf, ip, 0) == 1;
	return X509_check_host(leaf, host, 0, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL) == 1;
}

/* Check 3 on the leaf: any EKU present must allow IKE; keyUsage needs digitalSignature. */
static const char *usage_problem(X509 *leaf)
{
	EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(leaf, NID_ext_key_usage, NULL, NULL);
	bool ok = eku == NULL;
	char oid[80];

	for (int i = 0; eku && !ok && i < sk_ASN1_OBJECT_num(eku); i++) {
		OBJ_obj2txt(oid, sizeof(oid), sk_ASN1_OBJECT_value(eku, i), 1);
		for (size_t j = 0; j < ARRAY_SIZE(good_ekus); j++)
			ok = ok || strcmp(oid, good_ekus[j]) == 0;
	}
	EXTENDED_KEY_USAGE_free(eku);
	if (!ok)
		return "extended key usage is not serverAuth or ipsecIKE";
	if ((X509_get_extension_flags(leaf) & EXFLAG_KUSAGE) &&
	    !(X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE))
		return "key usage lacks digitalSignature";
	return NULL;
}

/* Check 4: some certificate of the verified chain has a pinned SPKI. */
static bool pins_match(const struct ike_cert_policy *pol, STACK_OF(X509) * chain)
{
	uint8_t pin[IKE_CERT_PIN_LEN];
	bool found = false;

	for (int i = 0; i < sk_X509_num(chain) && !found; i++) {
		if (spki_digest(sk_X509_value(chain, i), "SHA512", pin, sizeof(pin)) < 0)
			continue;
		for (size_t j = 0; j < pol->n_pins && !found; j++)
			found = CRYPTO_memcmp(pin, pol->pins[j], sizeof(pin)) == 0;
	}
	return found;
}

/* The override: SHA-256 over the leaf's DER equals the configured value. */
static bool override_matches(const struct ike_cert_policy *pol, const uint8_t *der, size_t len)
{
	uint8_t md[IKE_CERT_OVERRIDE_LEN];
	unsigned int mdlen = 0;

	return pol->override_sha256 &&
	       EVP_Digest(der, len, md, &mdlen, EVP_get_digestbyname("SHA256"), NULL) == 1 &&
	       mdlen == sizeof(md) && CRYPTO_memcmp(md, pol->override_sha256, sizeof(md)) == 0;
}

/* Check 1: chain to a trust anchor, every certificate valid at verify_time. */
static int chain_verify(const struct ike_cert_policy *pol, X509 *leaf, STACK_OF(X509) * untrusted,
			STACK_OF(X509) * *ret_chain, char **reterr_msg)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int ok, err;

	if (!ctx || X509_STORE_CTX_init(ctx, pol->trust, leaf, untrusted) != 1) {
		X509_STORE_CTX_free(ctx);
		return -EIO;
	}
	X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), pol->verify_time);
	/*
	 * Any certificate the administrator put in the trust store is an anchor,
	 * an intermediate CA included, as with a CA file naming the issuing CA.
	 */
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_PARTIAL_CHAIN);
	ok = X509_verify_cert(ctx) == 1;
	err = X509_STORE_CTX_get_error(ctx);
	if (ok)
		*ret_chain = X509_STORE_CTX_get1_chain(ctx);
	X509_STORE_CTX_free(ctx);
	if (!ok)
		return fail(reterr_msg, pol->host, "%s", X509_verify_cert_error_string(err));
	return 0;
}

static int checks_1_to_4(const struct ike_cert_policy *pol, X509 *leaf, STACK_OF(X509) * untrusted,
			 char **reterr_msg)
{
	STACK_OF(X509) *chain = NULL;
	const char *why;
	char names[256];
	int r;

	if ((r = chain_verify(pol, leaf, untrusted, &chain, reterr_msg)) < 0)
		return r;
	if (!name_matches(leaf, pol->host)) {
		cert_names(leaf, names, sizeof(names));
		r = fail(reterr_msg, pol->host, "name mismatch (certificate is for %s)", names);
	} else if ((why = usage_problem(leaf))) {
		r = fail(reterr_msg, pol->host, "%s", why);
	} else if (pol->pinning && !pins_match(pol, chain)) {
		r = fail(reterr_msg, pol->host, "no certificate in the chain matches a pin");
	}
	sk_X509_pop_free(chain, X509_free);
	return r;
}

/* Parses CERT bodies 2..n, the intermediates OpenSSL may use to build the chain. */
static int parse_untrusted(const uint8_t *const *ders, const size_t *lens, size_t n,
			   STACK_OF(X509) * *ret)
{
	STACK_OF(X509) *sk = sk_X509_new_null();

	for (size_t i = 1; sk && i < n; i++) {
		X509 *x = cert_parse(ders[i], lens[i]);

		if (!x || sk_X509_push(sk, x) <= 0) {
			X509_free(x);
			sk_X509_pop_free(sk, X509_free);
			return -EBADMSG;
		}
	}
	if (!sk)
		return -EIO;
	*ret = sk;
	return 0;
}

int ike_cert_verify(const struct ike_cert_policy *pol, const uint8_t *const *ders,
		    const size_t *der_lens, size_t n_certs, EVP_PKEY **ret_leaf_key,
		    char **reterr_msg)
{
	STACK_OF(X509) *untrusted = NULL;
	X509 *leaf;
	int r;

	if (!pol->host || !pol->host[0] || (!pol->trust && !pol->override_sha256) ||
	    pol->verify_time <= 0 || (pol->n_pins && !pol->pins))
		return -EINVAL;
	if (n_certs == 0)
		return fail(reterr_msg, pol->host, "the gateway sent no certificate");
	if (n_certs > IKE_CERT_CHAIN_MAX)
		return fail(reterr_msg, pol->host, "too many certificates (%zu)", n_certs);
	leaf = cert_parse(ders[0], der_lens[0]);
	if (!leaf || parse_untrusted(ders, der_lens, n_certs, &untrusted) < 0) {
		X509_free(leaf);
		fail(reterr_msg, pol->host, "unparsable certificate");
		return -EBADMSG;
	}
	/* trust-server-cert-sha256 accepts exactly this leaf (PROTOCOL.md §5.2) */
	r = override_matches(pol, ders[0], der_lens[0]) ? 0
	    : pol->trust ? checks_1_to_4(pol, leaf, untrusted, reterr_msg)
			 : fail(reterr_msg, pol->host,
				"certificate differs from the configured "
				"trust-server-cert-sha256");
	if (r == 0) {
		*ret_leaf_key = X509_get_pubkey(leaf);
		if (!*ret_leaf_key)
			r = fail(reterr_msg, pol->host, "unusable public key");
	}
	sk_X509_pop_free(untrusted, X509_free);
	X509_free(leaf);
	return r;
}
