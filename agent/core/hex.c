/* hex.c - hex encoding and decoding. */
#include "hex.h"

#include <ctype.h>

void hex_encode(const uint8_t *p, size_t n, char *out, int upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int hex_decode(const char *s, uint8_t *out, size_t cap, size_t *ret_len)
{
	size_t n = 0;
	int hi = -1;

	for (; *s; s++) {
		int v;

		if (isspace((unsigned char)*s) || *s == ':')
			continue;
		if ((v = nibble(*s)) < 0)
			return -EBADMSG;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n >= cap)
			return -EMSGSIZE;
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0)
		return -EBADMSG;
	*ret_len = n;
	return 0;
}
