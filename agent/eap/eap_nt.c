/*
 * eap_nt.c - the NT password hash, MD4(UTF-16LE(password)) (RFC 2759 §8.3).
 */
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "eap/eap.h"
#include "eap/eap_md4.h"

/* Decodes one UTF-8 sequence at p (n bytes left) into *cp; returns its length or -EBADMSG. */
static int utf8_next(const uint8_t *p, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t v;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if ((p[0] & 0xe0) == 0xc0)
		len = 2, v = p[0] & 0x1f;
	else if ((p[0] & 0xf0) == 0xe0)
		len = 3, v = p[0] & 0x0f;
	else if ((p[0] & 0xf8) == 0xf0)
		len = 4, v = p[0] & 0x07;
	else
		return -EBADMSG;
	if (len > n)
		return -EBADMSG;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return -EBADMSG;
		v = v << 6 | (p[i] & 0x3f);
	}
	/* overlong forms, surrogates and values past U+10FFFF are not UTF-8 */
	if ((len == 2 && v < 0x80) || (len == 3 && v < 0x800) || (len == 4 && v < 0x10000) ||
	    (v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff)
		return -EBADMSG;
	*cp = v;
	return (int)len;
}

static void put_utf16le(uint8_t *out, size_t *o, uint32_t unit)
{
	out[(*o)++] = (uint8_t)unit;
	out[(*o)++] = (uint8_t)(unit >> 8);
}

int eap_nt_hash(const struct secret *password, struct secret **ret_hash)
{
	const uint8_t *p = secret_data(password);
	size_t n = secret_len(password), i = 0, o = 0;
	struct secret *u16, *hash;
	uint8_t *out;
	uint32_t cp;
	int r;

	if (n > (SECRET_MAX - 1) / 4)
		return -EMSGSIZE;
	u16 = secret_new(n * 4 + 1); /* at most 4 UTF-16 bytes per UTF-8 byte */
	out = secret_data_mut(u16);

	while (i < n) {
		if ((r = utf8_next(p + i, n - i, &cp)) < 0) {
			secret_free(u16);
			return r;
		}
		i += (size_t)r;
		if (cp >= 0x10000) { /* a surrogate pair */
			put_utf16le(out, &o, 0xd800 | ((cp - 0x10000) >> 10));
			put_utf16le(out, &o, 0xdc00 | ((cp - 0x10000) & 0x3ff));
		} else {
			put_utf16le(out, &o, cp);
		}
	}
	hash = secret_new(EAP_NT_HASH_LEN);
	eap_md4(out, o, secret_data_mut(hash));
	secret_free(u16);
	*ret_hash = hash;
	return 0;
}
