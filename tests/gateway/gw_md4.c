/*
 * gw_md4.c - MD4 (RFC 1320), only for the NT hash of EAP-MSCHAPv2 (RFC 2759 §8.3).
 * OpenSSL 3 keeps MD4 in its legacy provider, which a gateway host may lack; the
 * algorithm is small enough to carry here. Never used for anything else.
 */
#include "gw_md4.h"

#include <string.h>

#define F(x, y, z) (((x) & (y)) | (~(x) & (z)))
#define G(x, y, z) (((x) & (y)) | ((x) & (z)) | ((y) & (z)))
#define H(x, y, z) ((x) ^ (y) ^ (z))
#define ROTL(x, s) (((x) << (s)) | ((x) >> (32 - (s))))

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* RFC 1320 §3.4: three rounds of 16 operations over one 64-byte block */
static void md4_block(uint32_t st[4], const uint8_t blk[64])
{
	static const int r1[4] = {3, 7, 11, 19}, r2[4] = {3, 5, 9, 13}, r3[4] = {3, 9, 11, 15};
	static const int o3[16] = {0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15};
	uint32_t x[16], a = st[0], b = st[1], c = st[2], d = st[3], t;
	int i;

	for (i = 0; i < 16; i++)
		x[i] = le32(blk + 4 * i);
	for (i = 0; i < 16; i++) {
		t = a + F(b, c, d) + x[i];
		a = d, d = c, c = b, b = ROTL(t, r1[i % 4]);
	}
	for (i = 0; i < 16; i++) {
		t = a + G(b, c, d) + x[(i % 4) * 4 + i / 4] + 0x5A827999u;
		a = d, d = c, c = b, b = ROTL(t, r2[i % 4]);
	}
	for (i = 0; i < 16; i++) {
		t = a + H(b, c, d) + x[o3[i]] + 0x6ED9EBA1u;
		a = d, d = c, c = b, b = ROTL(t, r3[i % 4]);
	}
	st[0] += a, st[1] += b, st[2] += c, st[3] += d;
}

void gw_md4(const void *data, size_t n, uint8_t out[16])
{
	uint32_t st[4] = {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u};
	const uint8_t *p = data;
	uint8_t tail[128];
	size_t left = n, tl;
	uint64_t bits = (uint64_t)n * 8;
	int i;

	for (; left >= 64; left -= 64, p += 64)
		md4_block(st, p);
	memset(tail, 0, sizeof(tail));
	memcpy(tail, p, left);
	tail[left] = 0x80;
	tl = left + 1 + 8 <= 64 ? 64 : 128;
	for (i = 0; i < 8; i++)
		tail[tl - 8 + i] = (uint8_t)(bits >> (8 * i));
	md4_block(st, tail);
	if (tl == 128)
		md4_block(st, tail + 64);
	for (i = 0; i < 16; i++)
		out[i] = (uint8_t)(st[i / 4] >> (8 * (i % 4)));
	memset(tail, 0, sizeof(tail));
}
