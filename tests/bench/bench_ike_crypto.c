/*
 * bench_ike_crypto.c - throughput of the handshake's expensive steps, in
 * operations per second: an ECDH P-256 exchange half (key pair + shared
 * secret), X25519 and MODP-2048 likewise, RSA-2048 and ECDSA P-256 AUTH
 * signatures, the full SK_* derivation (prf+), and SK protection of a
 * 1 KiB message. Usage: bench_ike_crypto [seconds per item, default 1].
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "core/rng.h"
#include "core/secret.h"
#include "ike/ike_auth.h"
#include "ike/ike_crypto.h"
#include "ike/ike_dh.h"
#include "ike/ike_keys.h"

typedef void (*op_func_t)(void *ctx);

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void run(const char *name, op_func_t op, void *ctx, double seconds)
{
	double start = now_sec(), elapsed;
	unsigned long n = 0;

	do {
		for (int i = 0; i < 10; i++)
			op(ctx);
		n += 10;
		elapsed = now_sec() - start;
	} while (elapsed < seconds);
	printf("%-40s %10.0f ops/s  (%lu in %.2f s)\n", name, (double)n / elapsed, n, elapsed);
}

static void die(const char *what)
{
	fprintf(stderr, "bench_ike_crypto: %s failed\n", what);
	exit(1);
}

/* One side of a key exchange: our key pair, then g^ir with the peer's value. */
struct dh_ctx {
	uint16_t group;
	uint8_t peer[256];
	size_t peer_len;
};

static void dh_half(void *p)
{
	struct dh_ctx *c = p;
	struct ike_dh *dh = NULL;
	struct secret *s = NULL;

	if (ike_dh_new(c->group, &dh) < 0 || ike_dh_shared(dh, c->peer, c->peer_len, &s) < 0)
		die("dh");
	secret_free(s);
	ike_dh_free(dh);
}

static void dh_bench(const char *name, uint16_t group, double seconds)
{
	struct dh_ctx c = {.group = group};
	struct ike_dh *peer = NULL;
	const uint8_t *pub;

	if (ike_dh_new(group, &peer) < 0)
		die("dh peer");
	pub = ike_dh_public(peer, &c.peer_len);
	memcpy(c.peer, pub, c.peer_len);
	run(name, dh_half, &c, seconds);
	ike_dh_free(peer);
}

struct sign_ctx {
	struct ike_auth_input in;
	EVP_PKEY *key;
};

static void sign_once(void *p)
{
	struct sign_ctx *c = p;
	uint8_t method, *auth = NULL;
	size_t n;

	if (ike_auth_sign(&c->in, c->key, 0, &method, &auth, &n) < 0)
		die("sign");
	free(auth);
}

static void sign_bench(const char *name, EVP_PKEY *key, double seconds)
{
	static uint8_t msg[400], nonce[32], id[24];
	struct secret *sk_p = secret_new(64);
	struct sign_ctx c = {{IKE_PRF_HMAC_SHA2_512, msg, sizeof(msg), nonce, sizeof(nonce), sk_p,
			      id, sizeof(id)},
			     key};

	if (!key)
		die("keygen");
	run(name, sign_once, &c, seconds);
	secret_free(sk_p);
	EVP_PKEY_free(key);
}

struct keys_ctx {
	struct ike_crypto_suite suite;
	struct secret *g_ir;
	uint8_t ni[32], nr[32];
};

/* SKEYSEED and all seven SK_* (prf+ producing 416 bytes with SHA2-512). */
static void derive_once(void *p)
{
	struct keys_ctx *c = p;
	struct ike_keys k = {0};

	if (ike_keys_derive(&k, &c->suite, c->g_ir, c->ni, 32, c->nr, 32, 1, 2) < 0)
		die("derive");
	ike_keys_done(&k);
}

struct sk_ctx {
	struct ike_sk sk;
	struct rng_fake rng;
	uint8_t plain[1024], msg[28 + 4 + 1024 + IKE_SK_MAX_OVERHEAD];
	size_t len;
};

static void seal_open_once(void *p)
{
	struct sk_ctx *c = p;
	uint8_t *out = NULL;
	size_t n;

	if (ike_sk_encrypt(&c->sk, &c->rng.ops, c->msg, 32, c->len, c->plain, sizeof(c->plain)) <
		    0 ||
	    ike_sk_decrypt(&c->sk, c->msg, 32, c->len, &out, &n) < 0)
		die("sk");
	free(out);
}

static void sk_bench(const char *name, uint16_t encr, uint16_t integ, double seconds)
{
	const struct ike_encr_info *e = ike_crypto_encr(encr, 256);
	const struct ike_integ_info *i = ike_crypto_integ(integ);
	struct secret *ke = secret_new(e->key_len + e->salt_len);
	struct secret *ka = i ? secret_new(i->key_len) : NULL;
	struct sk_ctx *c = calloc(1, sizeof(*c));

	rng_fake_init(&c->rng, 1);
	if (ike_sk_init(&c->sk, encr, 256, integ, ke, ka) < 0)
		die("sk init");
	c->len = 32 + ike_sk_body_len(&c->sk, sizeof(c->plain));
	run(name, seal_open_once, c, seconds);
	free(c);
	secret_free(ke);
	secret_free(ka);
}

int main(int argc, char **argv)
{
	double s = argc > 1 ? atof(argv[1]) : 1.0;
	struct keys_ctx kc = {{IKE_ENCR_AES_CBC, 256, IKE_PRF_HMAC_SHA2_512,
			       IKE_INTEG_HMAC_SHA2_512_256, IKE_DH_ECP_256},
			      secret_new(32),
			      {1},
			      {2}};

	if (s <= 0)
		s = 1.0;
	dh_bench("ECDH P-256 (keygen + shared)", IKE_DH_ECP_256, s);
	dh_bench("X25519 (keygen + shared)", IKE_DH_CURVE25519, s);
	dh_bench("MODP-2048 (keygen + shared)", IKE_DH_MODP_2048, s);
	sign_bench("RSA-2048 AUTH sign (method 1)",
		   EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048), s);
	sign_bench("ECDSA P-256 AUTH sign (method 9)", EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"),
		   s);
	run("SKEYSEED + SK_* (prf+ HMAC-SHA2-512)", derive_once, &kc, s);
	sk_bench("SK seal+open 1 KiB AES-CBC/SHA2-256", IKE_ENCR_AES_CBC,
		 IKE_INTEG_HMAC_SHA2_256_128, s);
	sk_bench("SK seal+open 1 KiB AES-GCM-16", IKE_ENCR_AES_GCM_16, IKE_INTEG_NONE, s);
	secret_free(kc.g_ir);
	return 0;
}
