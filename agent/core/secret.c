/* secret.c - wiped-on-free buffers for key material; see secret.h. */
#include "secret.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

struct secret {
	size_t len;
	uint8_t data[];
};

struct secret *secret_new(size_t n)
{
	struct secret *s;

	if (n > SECRET_MAX)
		abort(); /* callers cap wire lengths first */
	s = xcalloc(1, sizeof(*s) + n);
	s->len = n;
	return s;
}

struct secret *secret_from(const void *p, size_t n)
{
	struct secret *s = secret_new(n);

	if (n)
		memcpy(s->data, p, n);
	return s;
}

struct secret *secret_from_str(const char *s)
{
	return secret_from(s, strlen(s));
}

struct secret *secret_dup(const struct secret *s)
{
	return s ? secret_from(s->data, s->len) : NULL;
}

struct secret *secret_concat(const struct secret *a, const struct secret *b)
{
	struct secret *s = secret_new(a->len + b->len);

	memcpy(s->data, a->data, a->len);
	memcpy(s->data + a->len, b->data, b->len);
	return s;
}

struct secret *secret_free(struct secret *s)
{
	if (!s)
		return NULL;
	OPENSSL_cleanse(s->data, s->len);
	OPENSSL_cleanse(&s->len, sizeof(s->len));
	free(s);
	return NULL;
}

void secret_freep(struct secret **s)
{
	*s = secret_free(*s);
}

size_t secret_len(const struct secret *s)
{
	return s ? s->len : 0;
}

const uint8_t *secret_data(const struct secret *s)
{
	return s ? s->data : NULL;
}

uint8_t *secret_data_mut(struct secret *s)
{
	return s->data;
}

bool secret_eq_bytes(const struct secret *a, const void *p, size_t n)
{
	if (!a || a->len != n)
		return false;
	return n == 0 || CRYPTO_memcmp(a->data, p, n) == 0;
}

bool secret_eq(const struct secret *a, const struct secret *b)
{
	if (!a || !b)
		return a == b;
	return secret_eq_bytes(a, b->data, b->len);
}

void secret_wipe(void *p, size_t n)
{
	OPENSSL_cleanse(p, n);
}
