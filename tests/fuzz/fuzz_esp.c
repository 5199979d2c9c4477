/*
 * fuzz_esp.c - libFuzzer harness for agent/esp's network-facing entry points.
 *
 * The first byte picks what the rest is:
 *   0: a UDP 4500 payload: esp_demux(), and for ESP, esp_open() on a fixed-key SA of
 *      transform (byte >> 2) with the packet's SPI forced to the SA's (else every
 *      input stops at the SPI check)
 *   1: the plaintext of an ESP payload, encrypted with AES-GCM under the SA's key:
 *      authentic packets, so the trailer and inner-packet checks run on fuzz bytes
 *   2: an inner packet: esp_seal() then esp_open() must give it back unchanged
 *   3: a list of sequence numbers for the replay window, checked against a model
 * Nothing here may crash, leak or read out of bounds; mismatches abort.
 */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/rng.h"
#include "core/secret.h"
#include "esp/esp.h"

#define SPI 0x0badcafeu

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t key[64] = {0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe, 0x01,
				0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xf0, 0xe1,
				0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87, 0x78, 0x69, 0x5a,
				0x4b, 0x3c, 0x2d, 0x1e, 0x0f, 0xaa, 0xbb, 0xcc, 0xdd};

static struct esp_sa *sa_new(enum esp_transform t, enum esp_dir dir, struct rng_fake *rng)
{
	static const size_t integ_len[_ESP_TRANSFORM_MAX] = {0, 32, 48, 64};
	struct secret *encr = secret_from(key, t == ESP_TRANSFORM_AES_GCM_16_256 ? 36 : 32);
	struct secret *integ = integ_len[t] ? secret_from(key, integ_len[t]) : NULL;
	struct esp_sa_params p = {.spi = SPI,
				  .dir = dir,
				  .transform = t,
				  .encr = encr,
				  .integ = integ,
				  .rng = &rng->ops};
	struct esp_sa *sa = NULL;

	if (esp_sa_new(&p, &sa) < 0)
		abort();
	secret_free(encr);
	secret_free(integ);
	return sa;
}

static void open_raw(enum esp_transform t, const uint8_t *p, size_t n, struct rng_fake *rng)
{
	uint8_t *buf = malloc(n ? n : 1);
	struct esp_sa *in = sa_new(t, ESP_DIR_IN, rng);
	size_t off = 0, len;
	uint32_t spi;
	uint8_t nh;

	memcpy(buf, p, n);
	if (esp_demux(buf, n, &off, &spi) == ESP_DEMUX_ESP) {
		be32_store(buf, SPI);
		if (esp_open(in, buf, n, &off, &len, &nh) == 0 && off + len > n)
			abort();
	}
	esp_sa_free(in);
	free(buf);
}

/* RFC 4106 framing around arbitrary plaintext: authentic by construction. */
static void open_crafted(const uint8_t *pt, size_t n, struct rng_fake *rng)
{
	struct esp_sa *in = sa_new(ESP_TRANSFORM_AES_GCM_16_256, ESP_DIR_IN, rng);
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	uint8_t *pkt = malloc(16 + n + 16), nonce[12], nh;
	size_t off, len;
	int outl;

	be32_store(pkt, SPI);
	be32_store(pkt + 4, 1);
	memset(pkt + 8, 0x77, 8);
	memcpy(nonce, key + 32, 4);
	memcpy(nonce + 4, pkt + 8, 8);
	if (!EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL) ||
	    !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) ||
	    !EVP_EncryptInit_ex(c, NULL, NULL, key, nonce) ||
	    !EVP_EncryptUpdate(c, NULL, &outl, pkt, 8) ||
	    !EVP_EncryptUpdate(c, pkt + 16, &outl, pt, (int)n) ||
	    !EVP_EncryptFinal_ex(c, pkt + 16 + outl, &outl) ||
	    !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, pkt + 16 + n))
		abort();
	if (esp_open(in, pkt, 16 + n + 16, &off, &len, &nh) == 0 &&
	    (off + len > 16 + n || (nh != ESP_NH_IPV4 && nh != ESP_NH_IPV6)))
		abort();
	EVP_CIPHER_CTX_free(c);
	esp_sa_free(in);
	free(pkt);
}

static void seal_open(enum esp_transform t, const uint8_t *p, size_t n, struct rng_fake *rng)
{
	struct esp_sa *out = sa_new(t, ESP_DIR_OUT, rng), *in = sa_new(t, ESP_DIR_IN, rng);
	size_t cap = n + ESP_HEADROOM_MAX + ESP_TRAILER_MAX, len, off, ilen;
	uint8_t *pkt = malloc(cap), nh;
	uint8_t want = n && p[0] >> 4 == 6 ? ESP_NH_IPV6 : ESP_NH_IPV4;

	if (esp_seal(out, want, p, n, pkt, cap, &len) == 0) {
		if (len != esp_sa_sealed_len(out, n))
			abort();
		/* rejected inner packets are fine; accepted ones must be a prefix of ours */
		if (esp_open(in, pkt, len, &off, &ilen, &nh) == 0 &&
		    (ilen > n || memcmp(pkt + off, p, ilen) != 0 || nh != want))
			abort();
	}
	esp_sa_free(out);
	esp_sa_free(in);
	free(pkt);
}

/* The window against a naive model: every accepted number, at most 64 behind the top. */
static void replay_model(const uint8_t *p, size_t n)
{
	struct esp_replay rp;
	uint32_t seen[256], top = 0;
	size_t n_seen = 0;

	esp_replay_init(&rp);
	for (size_t i = 0; i + 4 <= n && n_seen < 256; i += 4) {
		uint32_t seq = be32_load(p + i) >> (p[i] & 0x1f); /* small numbers too */
		bool dup = false;

		for (size_t k = 0; k < n_seen; k++)
			dup |= seen[k] == seq;
		bool want_ok = seq != 0 && !dup && (seq > top || top - seq < ESP_REPLAY_WINDOW);
		if ((esp_replay_check(&rp, seq) == 0) != want_ok)
			abort();
		if (want_ok) {
			esp_replay_update(&rp, seq);
			seen[n_seen++] = seq;
			top = seq > top ? seq : top;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rng_fake rng;
	enum esp_transform t;

	if (size < 1)
		return 0;
	rng_fake_init(&rng, 1);
	t = (enum esp_transform)((data[0] >> 2) % _ESP_TRANSFORM_MAX);
	switch (data[0] & 3) {
	case 0:
		open_raw(t, data + 1, size - 1, &rng);
		break;
	case 1:
		open_crafted(data + 1, size - 1, &rng);
		break;
	case 2:
		if (size - 1 <= 65535)
			seal_open(t, data + 1, size - 1, &rng);
		break;
	case 3:
		replay_model(data + 1, size - 1);
		break;
	}
	return 0;
}
