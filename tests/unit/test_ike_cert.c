/*
 * test_ike_cert.c - PROTOCOL.md §5.2 gateway certificate checks on
 * certificates this file makes with OpenSSL at fixed times: RSA and ECDSA
 * CAs, an intermediate, leaves with DNS/IP SANs, wildcards, CN-only, expired
 * and not-yet-valid, wrong EKU and keyUsage; plus pins and the
 * trust-server-cert-sha256 override, and malformed input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/secret.h"
#include "ike/ike_auth.h"
#include "ike/ike_cert.h"

/* Fixed times: certificates valid 2026-01-01 .. 2028-01-01, checked in May 2026. */
#define T_START 1767225600L
#define T_END	1830297600L
#define T_NOW	1780000000L

struct cert_spec {
	const char *cn;
	const char *san; /* X509v3 config syntax: "DNS:a.example,IP:192.0.2.1" */
	const char *eku; /* "serverAuth", an OID, ...; NULL = no extension */
	const char *ku;	 /* "digitalSignature", ...; NULL = no extension */
	bool ca;
	long not_before, not_after;
};

struct issued {
	X509 *x;
	EVP_PKEY *key;
	uint8_t *der;
	size_t der_len;
};

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	assert_non_null(ext);
	assert_int_equal(X509_add_ext(x, ext, -1), 1);
	X509_EXTENSION_free(ext);
}

/* Issues a certificate for key, signed by issuer (self-signed when NULL). */
static struct issued issue(const struct cert_spec *s, EVP_PKEY *key, const struct issued *issuer)
{
	static long serial = 1;
	struct issued out = {X509_new(), key, NULL, 0};
	X509 *signer = issuer ? issuer->x : out.x;
	int len;

	X509_set_version(out.x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(out.x), serial++);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(out.x), "CN", MBSTRING_ASC,
				   (const unsigned char *)s->cn, -1, -1, 0);
	X509_set_issuer_name(out.x, X509_get_subject_name(signer));
	ASN1_TIME_set(X509_getm_notBefore(out.x), s->not_before ? s->not_before : T_START);
	ASN1_TIME_set(X509_getm_notAfter(out.x), s->not_after ? s->not_after : T_END);
	X509_set_pubkey(out.x, key);
	if (s->ca) {
		add_ext(out.x, signer, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(out.x, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
	}
	if (s->san)
		add_ext(out.x, signer, NID_subject_alt_name, s->san);
	if (s->eku)
		add_ext(out.x, signer, NID_ext_key_usage, s->eku);
	if (s->ku)
		add_ext(out.x, signer, NID_key_usage, s->ku);
	assert_true(X509_sign(out.x, issuer ? issuer->key : key, EVP_sha256()) > 0);
	len = i2d_X509(out.x, &out.der);
	assert_true(len > 0);
	out.der_len = (size_t)len;
	EVP_PKEY_up_ref(key);
	return out;
}

static void issued_free(struct issued *c)
{
	X509_free(c->x);
	EVP_PKEY_free(c->key);
	OPENSSL_free(c->der);
}

struct env {
	EVP_PKEY *rsa_ca_key, *rsa_key, *ec_key;
	struct issued rsa_ca, ec_root, ec_inter;
	X509_STORE *store; /* trusts rsa_ca and ec_root */
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	const struct cert_spec rsa_ca = {.cn = "Test RSA Root", .ca = true};
	const struct cert_spec ec_root = {.cn = "Test ECDSA Root", .ca = true};
	const struct cert_spec ec_inter = {.cn = "Test ECDSA Intermediate", .ca = true};

	e->rsa_ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	e->rsa_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	e->ec_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	e->rsa_ca = issue(&rsa_ca, e->rsa_ca_key, NULL);
	e->ec_root = issue(&ec_root, e->ec_key, NULL);
	e->ec_inter = issue(&ec_inter, e->ec_key, &e->ec_root);
	e->store = X509_STORE_new();
	X509_STORE_add_cert(e->store, e->rsa_ca.x);
	X509_STORE_add_cert(e->store, e->ec_root.x);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	issued_free(&e->rsa_ca);
	issued_free(&e->ec_root);
	issued_free(&e->ec_inter);
	EVP_PKEY_free(e->rsa_ca_key);
	EVP_PKEY_free(e->rsa_key);
	EVP_PKEY_free(e->ec_key);
	X509_STORE_free(e->store);
	free(e);
	return 0;
}

/* A leaf from the RSA CA with the default good profile, modified by spec. */
static struct issued rsa_leaf(const struct env *e, const struct cert_spec *s)
{
	return issue(s, e->rsa_key, &e->rsa_ca);
}

static const struct cert_spec good = {
	.cn = "vpn.example.com",
	.san = "DNS:vpn.example.com,IP:192.0.2.1,IP:2001:db8::1",
	.eku = "serverAuth",
	.ku = "critical,digitalSignature,keyEncipherment",
};

/* Runs the check on leaf (+ optional intermediates); returns r and the message. */
static int check(const struct env *e, const char *host, const struct issued *leaf,
		 const struct issued *inter, X509_STORE *store, char **ret_err)
{
	const uint8_t *ders[2] = {leaf->der, inter ? inter->der : NULL};
	const size_t lens[2] = {leaf->der_len, inter ? inter->der_len : 0};
	struct ike_cert_policy pol = {
		.host = host, .trust = store ? store : e->store, .verify_time = T_NOW};
	EVP_PKEY *key = NULL;
	int r;

	*ret_err = NULL;
	r = ike_cert_verify(&pol, ders, lens, inter ? 2 : 1, &key, ret_err);
	if (r == 0) {
		assert_non_null(key);
		assert_int_equal(EVP_PKEY_eq(key, leaf->key), 1);
		assert_null(*ret_err);
	} else {
		assert_null(key);
	}
	EVP_PKEY_free(key);
	return r;
}

static void assert_fails_with(const struct env *e, const char *host, const struct issued *leaf,
			      const struct issued *inter, const char *why)
{
	char *err = NULL, want[512];

	assert_int_equal(check(e, host, leaf, inter, NULL, &err), -EACCES);
	snprintf(want, sizeof(want), "Server certificate for %s is not trusted: %s", host, why);
	assert_string_equal(err, want);
	free(err);
}

static void assert_ok(const struct env *e, const char *host, const struct issued *leaf,
		      const struct issued *inter)
{
	char *err = NULL;

	assert_int_equal(check(e, host, leaf, inter, NULL, &err), 0);
}

static void good_rsa_leaf_and_its_auth(void **state)
{
	const struct env *e = *state;
	struct issued leaf = rsa_leaf(e, &good);
	const uint8_t *ders[] = {leaf.der};
	struct ike_cert_policy pol = {
		.host = "vpn.example.com", .trust = e->store, .verify_time = T_NOW};
	struct secret *sk_pr = secret_from_str("SK_pr for the test, 32 bytes ...");
	uint8_t msg[64] = {1}, ni[32] = {2}, idr[8] = {2, 0, 0, 0, 'g', 'w'};
	const struct ike_auth_input in = {
		IKE_PRF_HMAC_SHA2_256, msg, sizeof(msg), ni, sizeof(ni), sk_pr, idr, 6};
	uint8_t method, *auth = NULL;
	EVP_PKEY *key = NULL, *k2 = NULL;
	size_t n;

	(void)state;
	assert_int_equal(ike_cert_verify(&pol, ders, &leaf.der_len, 1, &key, NULL), 0);
	/* check 5: the gateway's AUTH verifies with the key the checks handed out */
	assert_int_equal(ike_auth_sign(&in, leaf.key, 0, &method, &auth, &n), 0);
	assert_int_equal(ike_auth_verify(&in, key, method, auth, n), 0);
	assert_int_equal(ike_cert_public_key(leaf.der, leaf.der_len, &k2), 0);
	assert_int_equal(EVP_PKEY_eq(key, k2), 1);
	free(auth);
	EVP_PKEY_free(key);
	EVP_PKEY_free(k2);
	secret_free(sk_pr);
	issued_free(&leaf);
}

/* Check 2: IP literals match iPAddress SANs only; DNS names the dNSName SANs. */
static void names_and_ip_literals(void **state)
{
	const struct env *e = *state;
	struct issued leaf = rsa_leaf(e, &good);

	assert_ok(e, "vpn.example.com", &leaf, NULL);
	assert_ok(e, "VPN.Example.COM", &leaf, NULL);
	assert_ok(e, "192.0.2.1", &leaf, NULL);
	assert_ok(e, "2001:db8::1", &leaf, NULL);
	assert_ok(e, "[2001:db8::1]", &leaf, NULL);
	assert_fails_with(e, "192.0.2.9", &leaf, NULL,
			  "name mismatch (certificate is for vpn.example.com, 192.0.2.1, "
			  "2001:db8::1)");
	assert_fails_with(e, "gw.example.org", &leaf, NULL,
			  "name mismatch (certificate is for vpn.example.com, 192.0.2.1, "
			  "2001:db8::1)");
	assert_fails_with(e, "example.com", &leaf, NULL,
			  "name mismatch (certificate is for vpn.example.com, 192.0.2.1, "
			  "2001:db8::1)");
	issued_free(&leaf);
}

/* RFC 6125 §6.4.3: the wildcard is a whole left-most label and matches one label. */
static void wildcards(void **state)
{
	const struct env *e = *state;
	struct cert_spec s = good;
	struct issued leaf;

	s.san = "DNS:*.example.net,DNS:f*.example.org";
	leaf = rsa_leaf(e, &s);
	assert_ok(e, "vpn.example.net", &leaf, NULL);
	assert_fails_with(e, "a.vpn.example.net", &leaf, NULL,
			  "name mismatch (certificate is for *.example.net, f*.example.org)");
	assert_fails_with(e, "example.net", &leaf, NULL,
			  "name mismatch (certificate is for *.example.net, f*.example.org)");
	assert_fails_with(e, "foo.example.org", &leaf, NULL,
			  "name mismatch (certificate is for *.example.net, f*.example.org)");
	issued_free(&leaf);
}

/* RFC 6125 §6.4.4: the CN counts only when there is no dNSName SAN. */
static void common_name_fallback(void **state)
{
	const struct env *e = *state;
	struct cert_spec s = good;
	struct issued cn_only, with_san;

	s.cn = "cn.example.com";
	s.san = NULL;
	cn_only = rsa_leaf(e, &s);
	assert_ok(e, "cn.example.com", &cn_only, NULL);
	assert_fails_with(e, "vpn.example.com", &cn_only, NULL,
			  "name mismatch (certificate is for cn.example.com)");
	s.san = "DNS:other.example.com";
	with_san = rsa_leaf(e, &s);
	assert_fails_with(e, "cn.example.com", &with_san, NULL,
			  "name mismatch (certificate is for other.example.com)");
	issued_free(&cn_only);
	issued_free(&with_san);
}

/* Check 1: validity at the given time, and a chain to a trust anchor. */
static void validity_and_trust(void **state)
{
	const struct env *e = *state;
	struct cert_spec s = good;
	struct issued expired, future, ok;
	X509_STORE *empty = X509_STORE_new();
	char *err = NULL;

	s.not_after = T_NOW - 86400;
	expired = rsa_leaf(e, &s);
	assert_fails_with(e, "vpn.example.com", &expired, NULL, "certificate has expired");
	s.not_before = T_NOW + 86400;
	s.not_after = 0;
	future = rsa_leaf(e, &s);
	assert_fails_with(e, "vpn.example.com", &future, NULL, "certificate is not yet valid");
	ok = rsa_leaf(e, &good);
	assert_int_equal(check(e, "vpn.example.com", &ok, NULL, empty, &err), -EACCES);
	assert_string_equal(err, "Server certificate for vpn.example.com is not trusted: unable "
				 "to get local issuer certificate");
	free(err);
	X509_STORE_free(empty);
	issued_free(&expired);
	issued_free(&future);
	issued_free(&ok);
}

/* ECDSA root -> intermediate -> leaf: the gateway must send the intermediate. */
static void ecdsa_chain_with_intermediate(void **state)
{
	const struct env *e = *state;
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	struct issued leaf = issue(&good, k, &e->ec_inter);

	X509_STORE *inter_only = X509_STORE_new();
	char *err = NULL;

	assert_ok(e, "vpn.example.com", &leaf, &e->ec_inter);
	assert_fails_with(e, "vpn.example.com", &leaf, NULL,
			  "unable to get local issuer certificate");
	/* an intermediate CA in the trust store is an anchor of its own */
	X509_STORE_add_cert(inter_only, e->ec_inter.x);
	assert_int_equal(check(e, "vpn.example.com", &leaf, NULL, inter_only, &err), 0);
	X509_STORE_free(inter_only);
	EVP_PKEY_free(k);
	issued_free(&leaf);
}

/* Check 3: EKU and keyUsage of the leaf. */
static void key_usage_rules(void **state)
{
	static const struct {
		const char *eku, *ku;
		const char *why; /* NULL = accepted */
	} cases[] = {
		{"serverAuth", "digitalSignature", NULL},
		{"1.3.6.1.5.5.7.3.17", NULL, NULL}, /* ipsecIKE */
		{"1.3.6.1.5.5.8.2.2", NULL, NULL},  /* iKEIntermediate */
		{"anyExtendedKeyUsage", NULL, NULL},
		{"clientAuth,serverAuth", NULL, NULL},
		{NULL, NULL, NULL},
		{"clientAuth", NULL, "extended key usage is not serverAuth or ipsecIKE"},
		{"codeSigning,emailProtection", NULL,
		 "extended key usage is not serverAuth or ipsecIKE"},
		{"serverAuth", "keyEncipherment", "key usage lacks digitalSignature"},
	};
	const struct env *e = *state;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct cert_spec s = good;
		struct issued leaf;

		s.eku = cases[i].eku;
		s.ku = cases[i].ku;
		leaf = rsa_leaf(e, &s);
		if (cases[i].why)
			assert_fails_with(e, "vpn.example.com", &leaf, NULL, cases[i].why);
		else
			assert_ok(e, "vpn.example.com", &leaf, NULL);
		issued_free(&leaf);
	}
}

/* Check 4: with pinning on, some certificate of the chain (root included) matches. */
static void pins(void **state)
{
	const struct env *e = *state;
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	struct issued leaf = issue(&good, k, &e->ec_inter);
	const uint8_t *ders[] = {leaf.der, e->ec_inter.der};
	const size_t lens[] = {leaf.der_len, e->ec_inter.der_len};
	const struct issued *each[] = {&leaf, &e->ec_inter, &e->ec_root};
	uint8_t pin[2][IKE_CERT_PIN_LEN];
	struct ike_cert_policy pol = {.host = "vpn.example.com",
				      .trust = e->store,
				      .verify_time = T_NOW,
				      .pinning = true,
				      .pins = pin,
				      .n_pins = 2};
	EVP_PKEY *key = NULL;
	char *err = NULL;

	memset(pin[0], 0x5a, sizeof(pin[0]));
	for (size_t i = 0; i < ARRAY_SIZE(each); i++) {
		assert_int_equal(ike_cert_spki_sha512(each[i]->der, each[i]->der_len, pin[1]), 0);
		assert_int_equal(ike_cert_verify(&pol, ders, lens, 2, &key, &err), 0);
		EVP_PKEY_free(key);
		key = NULL;
	}
	memset(pin[1], 0xa5, sizeof(pin[1]));
	assert_int_equal(ike_cert_verify(&pol, ders, lens, 2, &key, &err), -EACCES);
	assert_string_equal(err, "Server certificate for vpn.example.com is not trusted: no "
				 "certificate in the chain matches a pin");
	free(err);
	pol.pinning = false; /* pins configured but CertificatePinning off */
	assert_int_equal(ike_cert_verify(&pol, ders, lens, 2, &key, NULL), 0);
	EVP_PKEY_free(key);
	EVP_PKEY_free(k);
	issued_free(&leaf);
}

/* trust-server-cert-sha256: exactly this leaf, whatever checks 1-4 would say. */
static void override_accepts_exactly_one_leaf(void **state)
{
	const struct env *e = *state;
	struct cert_spec s = good;
	struct issued expired, other;
	uint8_t fp[32];
	unsigned int fplen = 0;
	EVP_PKEY *key = NULL;
	char *err = NULL;

	s.not_after = T_NOW - 1;
	s.san = "DNS:somewhere.else";
	expired = rsa_leaf(e, &s);
	other = rsa_leaf(e, &good);
	assert_int_equal(EVP_Digest(expired.der, expired.der_len, fp, &fplen, EVP_sha256(), NULL),
			 1);
	const uint8_t *d1[] = {expired.der}, *d2[] = {other.der};
	struct ike_cert_policy pol = {
		.host = "vpn.example.com", .verify_time = T_NOW, .override_sha256 = fp};
	assert_int_equal(ike_cert_verify(&pol, d1, &expired.der_len, 1, &key, &err), 0);
	assert_int_equal(EVP_PKEY_eq(key, expired.key), 1);
	EVP_PKEY_free(key);
	key = NULL;
	assert_int_equal(ike_cert_verify(&pol, d2, &other.der_len, 1, &key, &err), -EACCES);
	assert_string_equal(err, "Server certificate for vpn.example.com is not trusted: "
				 "certificate differs from the configured "
				 "trust-server-cert-sha256");
	free(err);
	/* with a trust store too, another leaf still gets the normal checks */
	pol.trust = e->store;
	assert_int_equal(ike_cert_verify(&pol, d2, &other.der_len, 1, &key, NULL), 0);
	EVP_PKEY_free(key);
	issued_free(&expired);
	issued_free(&other);
}

static void malformed_input(void **state)
{
	const struct env *e = *state;
	struct issued leaf = rsa_leaf(e, &good);
	uint8_t junk[64], *longer = malloc(leaf.der_len + 1);
	const uint8_t *ders[] = {junk}, *d2[] = {longer}, *d3[] = {leaf.der, junk};
	size_t lens[] = {sizeof(junk)}, l2 = leaf.der_len + 1, l3[] = {leaf.der_len, 5};
	struct ike_cert_policy pol = {
		.host = "vpn.example.com", .trust = e->store, .verify_time = T_NOW};
	uint8_t pin[IKE_CERT_PIN_LEN];
	EVP_PKEY *key = NULL;
	char *err = NULL;

	memset(junk, 0x30, sizeof(junk));
	assert_int_equal(ike_cert_verify(&pol, ders, lens, 1, &key, &err), -EBADMSG);
	assert_string_equal(err, "Server certificate for vpn.example.com is not trusted: "
				 "unparsable certificate");
	free(err);
	memcpy(longer, leaf.der, leaf.der_len);
	longer[leaf.der_len] = 0; /* a trailing octet after the DER */
	assert_int_equal(ike_cert_verify(&pol, d2, &l2, 1, &key, NULL), -EBADMSG);
	assert_int_equal(ike_cert_verify(&pol, d3, l3, 2, &key, NULL), -EBADMSG);
	assert_int_equal(ike_cert_verify(&pol, ders, lens, 0, &key, &err), -EACCES);
	assert_string_equal(err, "Server certificate for vpn.example.com is not trusted: the "
				 "gateway sent no certificate");
	free(err);
	assert_int_equal(ike_cert_verify(&pol, ders, lens, IKE_CERT_CHAIN_MAX + 1, &key, NULL),
			 -EACCES);
	pol.verify_time = 0;
	assert_int_equal(ike_cert_verify(&pol, ders, lens, 1, &key, NULL), -EINVAL);
	pol.verify_time = T_NOW;
	pol.host = "";
	assert_int_equal(ike_cert_verify(&pol, ders, lens, 1, &key, NULL), -EINVAL);
	assert_null(key);
	assert_int_equal(ike_cert_public_key(junk, sizeof(junk), &key), -EBADMSG);
	assert_int_equal(ike_cert_spki_sha512(junk, sizeof(junk), pin), -EBADMSG);
	assert_int_equal(ike_cert_store_add_pem(e->store, "not a PEM", 9), -EBADMSG);
	free(longer);
	issued_free(&leaf);
}

/* Every truncation and a flipped byte at every offset: an error, never a crash. */
static void truncated_and_corrupted_certificates(void **state)
{
	const struct env *e = *state;
	struct issued leaf = rsa_leaf(e, &good);
	struct ike_cert_policy pol = {
		.host = "vpn.example.com", .trust = e->store, .verify_time = T_NOW};
	uint8_t *copy = malloc(leaf.der_len);
	const uint8_t *ders[] = {copy};
	EVP_PKEY *key = NULL;

	memcpy(copy, leaf.der, leaf.der_len);
	for (size_t n = 0; n < leaf.der_len; n++) {
		size_t len = n;

		assert_int_equal(ike_cert_verify(&pol, ders, &len, 1, &key, NULL), -EBADMSG);
	}
	for (size_t i = 0; i < leaf.der_len; i++) {
		copy[i] ^= 0x01;
		/* a flip in the signed part or the signature breaks the chain */
		assert_true(ike_cert_verify(&pol, ders, &leaf.der_len, 1, &key, NULL) < 0);
		copy[i] ^= 0x01;
	}
	assert_null(key);
	free(copy);
	issued_free(&leaf);
}

/* A trust anchor from PEM bytes, as the daemon loads a CA file. */
static void store_from_pem(void **state)
{
	const struct env *e = *state;
	struct issued leaf = rsa_leaf(e, &good);
	X509_STORE *store = X509_STORE_new();
	BIO *bio = BIO_new(BIO_s_mem());
	char *pem = NULL, *err = NULL;
	long n;

	PEM_write_bio_X509(bio, e->ec_root.x);
	PEM_write_bio_X509(bio, e->rsa_ca.x);
	n = BIO_get_mem_data(bio, &pem);
	assert_int_equal(ike_cert_store_add_pem(store, pem, (size_t)n), 0);
	assert_int_equal(check(e, "vpn.example.com", &leaf, NULL, store, &err), 0);
	BIO_free(bio);
	X509_STORE_free(store);
	issued_free(&leaf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_rsa_leaf_and_its_auth),
		cmocka_unit_test(names_and_ip_literals),
		cmocka_unit_test(wildcards),
		cmocka_unit_test(common_name_fallback),
		cmocka_unit_test(validity_and_trust),
		cmocka_unit_test(ecdsa_chain_with_intermediate),
		cmocka_unit_test(key_usage_rules),
		cmocka_unit_test(pins),
		cmocka_unit_test(override_accepts_exactly_one_leaf),
		cmocka_unit_test(malformed_input),
		cmocka_unit_test(store_from_pem),
		cmocka_unit_test(truncated_and_corrupted_certificates),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
