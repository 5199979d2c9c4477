/*
 * eap_md4.c - MD4 message digest, written from RFC 1320 §3 (see eap_md4.h for why).
 */
#include <stdlib.h>
#include <string.h>

#include "core/secret.h"
#include "eap/eap_md4.h"

struct md4_ctx {
	uint32_t h[4];
	uint64_t len; /* bytes */
	uint8_t block[64];
	size_t fill;
};

static uint32_t rol(uint32_t x, unsigned int s)
{
	return x << s | x >> (32 - s);
}

/* RFC 1320 §3.4: the auxiliary functions F, G, H */
static uint32_t f(uint32_t x, uint32_t y, uint32_t z)
{
	return (x & y) | (~x & z);
}
static uint32_t g(uint32_t x, uint32_t y, uint32_t z)
{
	return (x & y) | (x & z) | (y & z);
}
static uint32_t h(uint32_t x, uint32_t y, uint32_t z)
{
	return x ^ y ^ z;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* RFC 1320 §3.4 round orders and shifts */
static const uint8_t r2_order[16] = {0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15};
static const uint8_t r3_order[16] = {0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15};
static const uint8_t s1[4] = {3, 7, 11, 19};
static const uint8_t s2[4] = {3, 5, 9, 13};
static const uint8_t s3[4] = {3, 9, 11, 15};

static void transform(uint32_t st[4], const uint8_t block[64])
{
	uint32_t x[16], v[4], t;
	int i;

	for (i = 0; i < 16; i++)
		x[i] = le32(block + 4 * i);
	memcpy(v, st, sizeof(v));
	/* Each step updates one of a, b, c, d in turn: index (4 - i % 4) % 4 of v. */
	for (i = 0; i < 16; i++) {
		uint32_t *a = &v[(4 - i % 4) % 4], b = v[(5 - i % 4) % 4], c = v[(6 - i % 4) % 4],
			 d = v[(7 - i % 4) % 4];
		*a = rol(*a + f(b, c, d) + x[i], s1[i % 4]);
	}
	for (i = 0; i < 16; i++) {
		uint32_t *a = &v[(4 - i % 4) % 4], b = v[(5 - i % 4) % 4], c = v[(6 - i % 4) % 4],
			 d = v[(7 - i % 4) % 4];
		t = *a + g(b, c, d) + x[r2_order[i]] + 0x5A827999u;
		*a = rol(t, s2[i % 4]);
	}
	for (i = 0; i < 16; i++) {
		uint32_t *a = &v[(4 - i % 4) % 4], b = v[(5 - i % 4) % 4], c = v[(6 - i % 4) % 4],
			 d = v[(7 - i % 4) % 4];
		t = *a + h(b, c, d) + x[r3_order[i]] + 0x6ED9EBA1u;
		*a = rol(t, s3[i % 4]);
	}
	for (i = 0; i < 4; i++)
		st[i] += v[i];
	secret_wipe(x, sizeof(x));
	secret_wipe(v, sizeof(v));
}

static void update(struct md4_ctx *c, const uint8_t *p, size_t n)
{
	c->len += n;
	while (n > 0) {
		size_t take = 64 - c->fill < n ? 64 - c->fill : n;

		memcpy(c->block + c->fill, p, take);
		c->fill += take;
		p += take;
		n -= take;
		if (c->fill == 64) {
			transform(c->h, c->block);
			c->fill = 0;
		}
	}
}

void eap_md4(const void *data, size_t n, uint8_t out[EAP_MD4_LEN])
{
	struct md4_ctx c = {.h = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u}};
	uint8_t pad[72] = {0x80};
	uint64_t bits;
	size_t padlen;
	int i;

	update(&c, data, n);
	/* RFC 1320 §3.1-3.2: 0x80, zeros to 56 mod 64, then the bit length little-endian */
	bits = c.len * 8;
	padlen = c.fill < 56 ? 56 - c.fill : 120 - c.fill;
	for (i = 0; i < 8; i++)
		pad[padlen + i] = (uint8_t)(bits >> (8 * i));
	update(&c, pad, padlen + 8);
	for (i = 0; i < 4; i++) {
		out[4 * i] = (uint8_t)c.h[i];
		out[4 * i + 1] = (uint8_t)(c.h[i] >> 8);
		out[4 * i + 2] = (uint8_t)(c.h[i] >> 16);
		out[4 * i + 3] = (uint8_t)(c.h[i] >> 24);
	}
	secret_wipe(&c, sizeof(c));
}
