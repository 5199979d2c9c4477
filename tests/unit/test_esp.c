/*
 * test_esp.c - agent/esp: seal/open round trips for every transform, cross-checks of
 * the RFC 4106 / RFC 4868 constructions against OpenSSL's one-shot APIs, tamper,
 * replay, window edges, short and malformed packets, lifetimes, the 4500 demux.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/buf.h"
#include "core/rng.h"
#include "core/secret.h"
#include "esp/esp.h"

#define SPI_A 0x1a2b3c4du

static const uint8_t key36[36] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
				  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11,
				  0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a,
				  0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0xca, 0xfe, 0xba, 0xbe};
static const uint8_t integ64[64] = {[0] = 0x55, [7] = 0x77, [31] = 0x31, [47] = 0x47, [63] = 0x63};
static const size_t integ_len[_ESP_TRANSFORM_MAX] = {0, 32, 48, 64};
static const size_t icv_len[_ESP_TRANSFORM_MAX] = {16, 16, 24, 32};
static const char *const digest[_ESP_TRANSFORM_MAX] = {NULL, "SHA256", "SHA384", "SHA512"};

static struct rng_fake rng;

struct pair {
	struct esp_sa *out, *in;
};

static struct esp_sa *make_sa(enum esp_transform t, enum esp_dir dir, struct esp_lifetime lt)
{
	bool gcm = t == ESP_TRANSFORM_AES_GCM_16_256;
	struct secret *encr = secret_from(key36, gcm ? 36 : 32);
	struct secret *integ = gcm ? NULL : secret_from(integ64, integ_len[t]);
	struct esp_sa_params p = {.spi = SPI_A,
				  .dir = dir,
				  .transform = t,
				  .encr = encr,
				  .integ = integ,
				  .lifetime = lt,
				  .rng = &rng.ops};
	struct esp_sa *sa = NULL;

	assert_int_equal(esp_sa_new(&p, &sa), 0);
	secret_free(encr);
	secret_free(integ);
	return sa;
}

static struct pair make_pair(enum esp_transform t)
{
	struct esp_lifetime none = {0};

	return (struct pair){make_sa(t, ESP_DIR_OUT, none), make_sa(t, ESP_DIR_IN, none)};
}

static void free_pair(struct pair *p)
{
	p->out = esp_sa_free(p->out);
	p->in = esp_sa_free(p->in);
}

/* An IPv4 (or IPv6) packet of n bytes whose header claims n bytes. */
static void make_ip(uint8_t *p, size_t n, int version, uint8_t fill)
{
	memset(p, fill, n);
	if (version == 4) {
		p[0] = 0x45;
		be16_store(p + 2, (uint16_t)n);
		p[9] = 17;
	} else {
		p[0] = 0x60;
		be16_store(p + 4, (uint16_t)(n - 40));
		p[6] = 17;
	}
}

static void seal_ok(struct esp_sa *out, const uint8_t *inner, size_t n, uint8_t nh, uint8_t *pkt,
		    size_t *len)
{
	assert_int_equal(esp_seal(out, nh, inner, n, pkt, 70000, len), 0);
	assert_int_equal(*len, esp_sa_sealed_len(out, n));
}

static void round_trip_every_transform(void **state)
{
	static const size_t sizes4[] = {20, 21, 22, 23, 60, 1399, 1400, 1500, 9000, 65535};
	static uint8_t inner[65536], pkt[70000];
	size_t len, off, ilen;
	uint8_t nh;

	(void)state;
	for (int t = 0; t < _ESP_TRANSFORM_MAX; t++) {
		struct pair p = make_pair((enum esp_transform)t);

		for (size_t i = 0; i < ARRAY_SIZE(sizes4) + 2; i++) {
			int v = i < ARRAY_SIZE(sizes4) ? 4 : 6;
			size_t n = v == 4 ? sizes4[i] : (i == ARRAY_SIZE(sizes4) ? 40 : 1280);

			make_ip(inner, n, v, (uint8_t)(i + t));
			seal_ok(p.out, inner, n, v == 4 ? ESP_NH_IPV4 : ESP_NH_IPV6, pkt, &len);
			/* RFC 4303 §2.4: payload ends 4-aligned (GCM) or block-aligned (CBC) */
			assert_int_equal((len - icv_len[t] - 8) % (t == 0 ? 4 : 16), 0);
			assert_int_equal(be32_load(pkt), SPI_A);
			assert_int_equal(be32_load(pkt + 4), i + 1);
			assert_int_equal(esp_open(p.in, pkt, len, &off, &ilen, &nh), 0);
			assert_int_equal(ilen, n);
			assert_int_equal(nh, v == 4 ? ESP_NH_IPV4 : ESP_NH_IPV6);
			assert_memory_equal(pkt + off, inner, n);
		}
		assert_int_equal(esp_sa_seq(p.in), ARRAY_SIZE(sizes4) + 2);
		free_pair(&p);
	}
}

static void seal_in_place(void **state)
{
	uint8_t buf[2048], copy[100];
	struct pair p = make_pair(ESP_TRANSFORM_AES_CBC_256_SHA2_384_192);
	size_t hdr = esp_sa_header_len(p.out), len, off, ilen;
	uint8_t nh;

	(void)state;
	assert_int_equal(hdr, 24);
	make_ip(buf + hdr, 100, 4, 0xab);
	memcpy(copy, buf + hdr, 100);
	seal_ok(p.out, buf + hdr, 100, ESP_NH_IPV4, buf, &len);
	assert_int_equal(esp_open(p.in, buf, len, &off, &ilen, &nh), 0);
	assert_int_equal(ilen, 100);
	assert_memory_equal(buf + off, copy, 100);
	free_pair(&p);
}

/* RFC 4106 §3-§5, computed independently with OpenSSL's one-shot EVP calls. */
static void gcm_matches_openssl_one_shot(void **state)
{
	uint8_t inner[61], pkt[256], expect[256], nonce[12], tag[16];
	struct pair p = make_pair(ESP_TRANSFORM_AES_GCM_16_256);
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	size_t len, pt_len = 64; /* 61 + 1 pad + 2 */
	int n;

	(void)state;
	make_ip(inner, sizeof(inner), 4, 0x11);
	seal_ok(p.out, inner, sizeof(inner), ESP_NH_IPV4, pkt, &len);
	assert_int_equal(len, 8 + 8 + pt_len + 16);
	/* explicit IV: the 64-bit counter, here sequence number 1 */
	static const uint8_t iv1[8] = {0, 0, 0, 0, 0, 0, 0, 1};
	assert_memory_equal(pkt + 8, iv1, 8);
	memcpy(expect, inner, 61);
	expect[61] = 1;		      /* padding 1 */
	expect[62] = 1;		      /* pad length */
	expect[63] = 4;		      /* next header */
	memcpy(nonce, key36 + 32, 4); /* salt */
	memcpy(nonce + 4, iv1, 8);
	assert_true(EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL));
	assert_true(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, 12, NULL));
	assert_true(EVP_EncryptInit_ex(c, NULL, NULL, key36, nonce));
	assert_true(EVP_EncryptUpdate(c, NULL, &n, pkt, 8)); /* AAD = SPI | seq */
	assert_true(EVP_EncryptUpdate(c, expect, &n, expect, (int)pt_len));
	assert_true(EVP_EncryptFinal_ex(c, expect + n, &n));
	assert_true(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag));
	assert_memory_equal(pkt + 16, expect, pt_len);
	assert_memory_equal(pkt + 16 + pt_len, tag, 16);
	EVP_CIPHER_CTX_free(c);
	free_pair(&p);
}

/* RFC 3602 + RFC 4868: AES-CBC with the packet's IV, HMAC over SPI..ciphertext, truncated. */
static void cbc_hmac_matches_openssl_one_shot(void **state)
{
	uint8_t inner[100], pkt[256], expect[256], mac[64];
	unsigned int mac_len;
	size_t len, pt_len = 112; /* 100 + 10 pad + 2 */
	int n;

	(void)state;
	for (int t = 1; t < _ESP_TRANSFORM_MAX; t++) {
		struct pair p = make_pair((enum esp_transform)t);
		EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();

		make_ip(inner, sizeof(inner), 4, 0x22);
		seal_ok(p.out, inner, sizeof(inner), ESP_NH_IPV4, pkt, &len);
		assert_int_equal(len, 8 + 16 + pt_len + icv_len[t]);
		memcpy(expect, inner, 100);
		for (int i = 0; i < 10; i++)
			expect[100 + i] = (uint8_t)(i + 1);
		expect[110] = 10;
		expect[111] = 4;
		assert_true(EVP_EncryptInit_ex(c, EVP_aes_256_cbc(), NULL, key36, pkt + 8));
		EVP_CIPHER_CTX_set_padding(c, 0);
		assert_true(EVP_EncryptUpdate(c, expect, &n, expect, (int)pt_len));
		assert_memory_equal(pkt + 24, expect, pt_len);
		assert_non_null(HMAC(EVP_get_digestbyname(digest[t]), integ64, (int)integ_len[t],
				     pkt, 24 + pt_len, mac, &mac_len));
		assert_int_equal(mac_len, 2 * icv_len[t]);
		assert_memory_equal(pkt + 24 + pt_len, mac, icv_len[t]);
		EVP_CIPHER_CTX_free(c);
		free_pair(&p);
	}
}

static void tamper_is_rejected_and_window_kept(void **state)
{
	uint8_t inner[200], pkt[512], work[512];
	size_t len, off, ilen;
	struct esp_sa_counters ctr;
	uint8_t nh;

	(void)state;
	make_ip(inner, sizeof(inner), 4, 0x33);
	for (int t = 0; t < _ESP_TRANSFORM_MAX; t++) {
		struct pair p = make_pair((enum esp_transform)t);
		size_t flips = 0;

		seal_ok(p.out, inner, sizeof(inner), ESP_NH_IPV4, pkt, &len);
		/* every byte after the SPI is covered by the ICV */
		for (size_t i = 4; i < len; i++) {
			memcpy(work, pkt, len);
			work[i] ^= 0x01;
			int r = esp_open(p.in, work, len, &off, &ilen, &nh);
			/* seq 1 with bit 0 flipped is 0, which the replay check refuses first */
			assert_int_equal(r, i == 7 ? -EALREADY : -EACCES);
			flips += r == -EACCES;
		}
		memcpy(work, pkt, len);
		work[0] ^= 0x80; /* another SPI: not this SA's packet */
		assert_int_equal(esp_open(p.in, work, len, &off, &ilen, &nh), -EBADMSG);
		esp_sa_get_counters(p.in, &ctr);
		assert_int_equal(ctr.err_auth, flips);
		assert_int_equal(ctr.packets, 0);
		/* forgeries did not move the window: the genuine packet still opens */
		assert_int_equal(esp_open(p.in, pkt, len, &off, &ilen, &nh), 0);
		free_pair(&p);
	}
}

static void replay_and_window_edges(void **state)
{
	static uint8_t pkts[70][300];
	uint8_t inner[100], work[300];
	size_t lens[70], off, ilen;
	struct esp_sa_counters ctr;
	struct pair p = make_pair(ESP_TRANSFORM_AES_GCM_16_256);
	uint8_t nh;

	(void)state;
	make_ip(inner, sizeof(inner), 4, 0x44);
	for (int i = 0; i < 70; i++)
		seal_ok(p.out, inner, sizeof(inner), ESP_NH_IPV4, pkts[i], &lens[i]);
	/* seq 70 first, then 7 = 70 - 63 (last in the window), then 6 (just left of it) */
	memcpy(work, pkts[69], lens[69]);
	assert_int_equal(esp_open(p.in, work, lens[69], &off, &ilen, &nh), 0);
	memcpy(work, pkts[6], lens[6]);
	assert_int_equal(esp_open(p.in, work, lens[6], &off, &ilen, &nh), 0);
	memcpy(work, pkts[5], lens[5]);
	assert_int_equal(esp_open(p.in, work, lens[5], &off, &ilen, &nh), -EALREADY);
	/* replays of accepted ones */
	memcpy(work, pkts[69], lens[69]);
	assert_int_equal(esp_open(p.in, work, lens[69], &off, &ilen, &nh), -EALREADY);
	memcpy(work, pkts[6], lens[6]);
	assert_int_equal(esp_open(p.in, work, lens[6], &off, &ilen, &nh), -EALREADY);
	/* out of order inside the window */
	memcpy(work, pkts[40], lens[40]);
	assert_int_equal(esp_open(p.in, work, lens[40], &off, &ilen, &nh), 0);
	esp_sa_get_counters(p.in, &ctr);
	assert_int_equal(ctr.packets, 3);
	assert_int_equal(ctr.err_replay, 3);
	assert_int_equal(ctr.bytes, 300);
	free_pair(&p);
}

static void replay_window_unit(void **state)
{
	struct esp_replay rp;

	(void)state;
	esp_replay_init(&rp);
	assert_int_equal(esp_replay_check(&rp, 0), -EALREADY);
	assert_int_equal(esp_replay_check(&rp, 1), 0);
	esp_replay_update(&rp, 1);
	assert_int_equal(esp_replay_check(&rp, 1), -EALREADY);
	esp_replay_update(&rp, 1000);
	assert_int_equal(esp_replay_check(&rp, 1000 - 63), 0);
	assert_int_equal(esp_replay_check(&rp, 1000 - 64), -EALREADY);
	esp_replay_update(&rp, 1000 - 63);
	assert_int_equal(esp_replay_check(&rp, 1000 - 63), -EALREADY);
	esp_replay_update(&rp, 1001); /* bit of 937 slides out, 1000 stays */
	assert_int_equal(esp_replay_check(&rp, 1000), -EALREADY);
	assert_int_equal(esp_replay_check(&rp, 937), -EALREADY);
	assert_int_equal(esp_replay_check(&rp, 999), 0);
	esp_replay_update(&rp, UINT32_MAX);
	assert_int_equal(esp_replay_check(&rp, UINT32_MAX), -EALREADY);
	assert_int_equal(esp_replay_check(&rp, UINT32_MAX - 1), 0);
}

static void short_and_misaligned_packets(void **state)
{
	uint8_t pkt[512], inner[40];
	size_t len, off, ilen;
	uint8_t nh;

	(void)state;
	make_ip(inner, sizeof(inner), 4, 0x55);
	for (int t = 0; t < _ESP_TRANSFORM_MAX; t++) {
		struct pair p = make_pair((enum esp_transform)t);

		seal_ok(p.out, inner, sizeof(inner), ESP_NH_IPV4, pkt, &len);
		for (size_t n = 0; n < len; n++) {
			int r = esp_open(p.in, pkt, n, &off, &ilen, &nh);
			assert_true(r == -EBADMSG || r == -EACCES);
		}
		free_pair(&p);
	}
}

/* Encrypts an arbitrary ESP payload with the test key: an authentic but odd packet. */
static size_t craft_gcm(uint32_t seq, const uint8_t *pt, size_t pt_len, uint8_t *pkt)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	uint8_t nonce[12];
	int n;

	be32_store(pkt, SPI_A);
	be32_store(pkt + 4, seq);
	memset(pkt + 8, 0x5a, 8);
	memcpy(nonce, key36 + 32, 4);
	memcpy(nonce + 4, pkt + 8, 8);
	assert_true(EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL));
	assert_true(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, 12, NULL));
	assert_true(EVP_EncryptInit_ex(c, NULL, NULL, key36, nonce));
	assert_true(EVP_EncryptUpdate(c, NULL, &n, pkt, 8));
	assert_true(EVP_EncryptUpdate(c, pkt + 16, &n, pt, (int)pt_len));
	assert_true(EVP_EncryptFinal_ex(c, pkt + 16 + n, &n));
	assert_true(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, pkt + 16 + pt_len));
	EVP_CIPHER_CTX_free(c);
	return 16 + pt_len + 16;
}

static void authentic_but_malformed_inside(void **state)
{
	struct esp_sa *in =
		make_sa(ESP_TRANSFORM_AES_GCM_16_256, ESP_DIR_IN, (struct esp_lifetime){0});
	uint8_t pt[64], pkt[128];
	size_t len, off, ilen;
	struct esp_sa_counters ctr;
	uint32_t seq = 1;
	uint8_t nh;

	(void)state;
	/* good: 58-byte IPv4 + 4 padding + 2 */
	make_ip(pt, 58, 4, 0x66);
	memcpy(pt + 58, (uint8_t[]){1, 2, 3, 4, 4, ESP_NH_IPV4}, 6);
	len = craft_gcm(seq++, pt, 64, pkt);
	assert_int_equal(esp_open(in, pkt, len, &off, &ilen, &nh), 0);
	assert_int_equal(ilen, 58);
	/* padding bytes not 1, 2, 3, ... (RFC 4303 §2.4) */
	pt[60] = 9;
	len = craft_gcm(seq++, pt, 64, pkt);
	assert_int_equal(esp_open(in, pkt, len, &off, &ilen, &nh), -EPROTO);
	pt[60] = 3;
	/* pad length larger than the payload */
	pt[62] = 63;
	len = craft_gcm(seq++, pt, 64, pkt);
	assert_int_equal(esp_open(in, pkt, len, &off, &ilen, &nh), -EPROTO);
	pt[62] = 4;
	/* next header 17 (transport mode UDP) in a tunnel-mode SA */
	pt[63] = 17;
	len = craft_gcm(seq++, pt, 64, pkt);
	assert_int_equal(esp_open(in, pkt, len, &off, &ilen, &nh), -EPROTO);
	/* next header 41 with an IPv4 inner packet */
	pt[63] = ESP_NH_IPV6;
	len = craft_gcm(seq++, pt, 64, pkt);
	assert_int_equal(esp_open(in, pkt, len, &off, &ilen, &nh), -EPROTO);
	/* inner header claims more than is there */
	pt[63] = ESP_NH_IPV4;
	be16_store(pt + 2, 59);
	len = craft_gcm(seq++, pt, 64, pkt);
	assert_int_equal(esp_open(in, pkt, len, &off, &ilen, &nh), -EPROTO);
	/* TFC padding (RFC 4303 §2.7): the header claims less; the rest is cut off */
	be16_store(pt + 2, 50);
	len = craft_gcm(seq++, pt, 64, pkt);
	assert_int_equal(esp_open(in, pkt, len, &off, &ilen, &nh), 0);
	assert_int_equal(ilen, 50);
	/* dummy packet, next header 59 (RFC 4303 §2.6) */
	pt[63] = ESP_NH_NONE;
	len = craft_gcm(seq++, pt, 64, pkt);
	assert_int_equal(esp_open(in, pkt, len, &off, &ilen, &nh), -ENODATA);
	esp_sa_get_counters(in, &ctr);
	assert_int_equal(ctr.err_proto, 5);
	assert_int_equal(ctr.dummy, 1);
	assert_int_equal(ctr.packets, 2);
	esp_sa_free(in);
}

static void lifetimes_soft_then_hard(void **state)
{
	struct esp_lifetime lt = {.soft_packets = 3, .hard_packets = 5, .hard_bytes = 100000};
	struct esp_sa *out = make_sa(ESP_TRANSFORM_AES_GCM_16_256, ESP_DIR_OUT, lt);
	uint8_t inner[40], pkt[256];
	size_t len;
	struct esp_sa_counters ctr;

	(void)state;
	make_ip(inner, sizeof(inner), 4, 0x77);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(esp_sa_lifetime_state(out), i < 3 ? 0 : ESP_LIFETIME_SOFT);
		assert_int_equal(esp_seal(out, ESP_NH_IPV4, inner, 40, pkt, sizeof(pkt), &len), 0);
	}
	assert_int_equal(esp_sa_lifetime_state(out), ESP_LIFETIME_SOFT | ESP_LIFETIME_HARD);
	assert_int_equal(esp_seal(out, ESP_NH_IPV4, inner, 40, pkt, sizeof(pkt), &len),
			 -EKEYEXPIRED);
	esp_sa_get_counters(out, &ctr);
	assert_int_equal(ctr.packets, 5);
	assert_int_equal(ctr.bytes, 200);
	assert_int_equal(ctr.err_expired, 1);
	esp_sa_free(out);
}

static void seal_rejects_bad_arguments(void **state)
{
	struct pair p = make_pair(ESP_TRANSFORM_AES_CBC_256_SHA2_512_256);
	uint8_t inner[100], pkt[256];
	size_t len;

	(void)state;
	make_ip(inner, sizeof(inner), 4, 0x88);
	assert_int_equal(esp_seal(p.in, ESP_NH_IPV4, inner, 100, pkt, sizeof(pkt), &len), -EINVAL);
	assert_int_equal(esp_seal(p.out, 17, inner, 100, pkt, sizeof(pkt), &len), -EINVAL);
	assert_int_equal(esp_seal(p.out, ESP_NH_IPV4, inner, 100, pkt,
				  esp_sa_sealed_len(p.out, 100) - 1, &len),
			 -EMSGSIZE);
	assert_int_equal(
		esp_seal(p.out, ESP_NH_IPV4, inner, 100, pkt, esp_sa_sealed_len(p.out, 100), &len),
		0);
	assert_int_equal(esp_open(p.out, pkt, len, &(size_t){0}, &(size_t){0}, &(uint8_t){0}),
			 -EINVAL);
	free_pair(&p);
}

static void sa_new_checks_keys(void **state)
{
	struct secret *k32 = secret_from(key36, 32), *k36 = secret_from(key36, 36);
	struct secret *i48 = secret_from(integ64, 48);
	struct esp_sa_params p = {.spi = SPI_A,
				  .dir = ESP_DIR_OUT,
				  .transform = ESP_TRANSFORM_AES_GCM_16_256,
				  .encr = k32};
	struct esp_sa *sa = NULL;

	(void)state;
	assert_int_equal(esp_sa_new(&p, &sa), -EINVAL); /* GCM needs key + salt */
	p.encr = k36;
	p.spi = 255; /* reserved (RFC 4303 §2.1) */
	assert_int_equal(esp_sa_new(&p, &sa), -EINVAL);
	p.spi = SPI_A;
	p.transform = ESP_TRANSFORM_AES_CBC_256_SHA2_384_192;
	p.encr = k32;
	p.integ = i48;
	assert_int_equal(esp_sa_new(&p, &sa), -EINVAL); /* a CBC sender needs an rng */
	p.rng = &rng.ops;
	p.transform = ESP_TRANSFORM_AES_CBC_256_SHA2_512_256;
	assert_int_equal(esp_sa_new(&p, &sa), -EINVAL); /* 48-byte key for SHA-512 */
	p.transform = (enum esp_transform)99;
	assert_int_equal(esp_sa_new(&p, &sa), -EINVAL);
	assert_null(sa);
	p.transform = ESP_TRANSFORM_AES_CBC_256_SHA2_384_192;
	assert_int_equal(esp_sa_new(&p, &sa), 0);
	assert_int_equal(esp_sa_spi(sa), SPI_A);
	assert_int_equal(esp_sa_dir(sa), ESP_DIR_OUT);
	assert_int_equal(esp_sa_transform(sa), ESP_TRANSFORM_AES_CBC_256_SHA2_384_192);
	esp_sa_free(sa);
	secret_free(k32);
	secret_free(k36);
	secret_free(i48);
}

static void transform_names(void **state)
{
	(void)state;
	for (int t = 0; t < _ESP_TRANSFORM_MAX; t++)
		assert_int_equal(esp_transform_from_string(esp_transform_to_string(t)), t);
	assert_int_equal(esp_transform_from_string("aes128"), _ESP_TRANSFORM_INVALID);
	assert_string_equal(esp_transform_to_string(_ESP_TRANSFORM_MAX), "unknown");
}

static void demux_4500(void **state)
{
	const uint8_t ike[] = {0, 0, 0, 0, 0x11, 0x22};
	const uint8_t ka[] = {0xff};
	const uint8_t esp[] = {0x1a, 0x2b, 0x3c, 0x4d, 0, 0, 0, 1, 0xaa};
	const uint8_t reserved[] = {0, 0, 0, 0xff, 0, 0, 0, 1};
	const uint8_t spi256_short[] = {0, 0, 1, 0, 0, 0, 0};
	size_t off = 99;
	uint32_t spi = 0;

	(void)state;
	assert_int_equal(esp_demux(ike, sizeof(ike), &off, &spi), ESP_DEMUX_IKE);
	assert_int_equal(off, 4);
	assert_int_equal(esp_demux(ike, 4, &off, &spi),
			 ESP_DEMUX_IKE); /* empty IKE: its parser says no */
	assert_int_equal(esp_demux(ka, 1, &off, &spi), ESP_DEMUX_KEEPALIVE);
	assert_int_equal(esp_demux((const uint8_t[]){0xfe}, 1, &off, &spi), ESP_DEMUX_INVALID);
	assert_int_equal(esp_demux(ike, 0, &off, &spi), ESP_DEMUX_INVALID);
	assert_int_equal(esp_demux(ike, 3, &off, &spi), ESP_DEMUX_INVALID);
	assert_int_equal(esp_demux(esp, sizeof(esp), &off, &spi), ESP_DEMUX_ESP);
	assert_int_equal(off, 0);
	assert_int_equal(spi, SPI_A);
	assert_int_equal(esp_demux(reserved, sizeof(reserved), &off, &spi), ESP_DEMUX_INVALID);
	assert_int_equal(esp_demux(spi256_short, sizeof(spi256_short), &off, &spi),
			 ESP_DEMUX_INVALID);
	assert_string_equal(esp_demux_kind_to_string(ESP_DEMUX_KEEPALIVE), "keepalive");
}

static int setup(void **state)
{
	(void)state;
	rng_fake_init(&rng, 4303);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip_every_transform),
		cmocka_unit_test(seal_in_place),
		cmocka_unit_test(gcm_matches_openssl_one_shot),
		cmocka_unit_test(cbc_hmac_matches_openssl_one_shot),
		cmocka_unit_test(tamper_is_rejected_and_window_kept),
		cmocka_unit_test(replay_and_window_edges),
		cmocka_unit_test(replay_window_unit),
		cmocka_unit_test(short_and_misaligned_packets),
		cmocka_unit_test(authentic_but_malformed_inside),
		cmocka_unit_test(lifetimes_soft_then_hard),
		cmocka_unit_test(seal_rejects_bad_arguments),
		cmocka_unit_test(sa_new_checks_keys),
		cmocka_unit_test(transform_names),
		cmocka_unit_test(demux_4500),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
