/*
 * eap_session.c - the default session ID and token (PROTOCOL.md §7): 18 letters
 * [A-Za-z] chosen uniformly by rejection sampling, and 32 random bytes written as 64
 * uppercase hex characters. The gateway normally issues its own through a callback
 * so it can keep them unique; this is what such a callback can call.
 */
#include <stdlib.h>
#include "core/hex.h"
#include "core/xmalloc.h"
#include "eap/eap.h"

#define SESSION_ID_LEN 18u
#define TOKEN_BYTES    32u

int eap_session_generate(const struct rng_ops *rng, char **ret_session_id,
			 struct secret **ret_token)
{
	static const char letters[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	char id[SESSION_ID_LEN + 1], hex[2 * TOKEN_BYTES + 1];
	uint8_t raw[TOKEN_BYTES];
	uint32_t v;
	size_t i;
	int r;

	for (i = 0; i < SESSION_ID_LEN; i++) {
		if ((r = rng_uniform(rng, sizeof(letters) - 1, &v)) < 0)
			return r;
		id[i] = letters[v];
	}
	id[SESSION_ID_LEN] = '\0';
	if ((r = rng_bytes(rng, raw, sizeof(raw))) < 0)
		return r;
	hex_encode(raw, sizeof(raw), hex, 1);
	*ret_token = secret_from(hex, 2 * TOKEN_BYTES);
	*ret_session_id = xstrdup(id);
	secret_wipe(raw, sizeof(raw));
	secret_wipe(hex, sizeof(hex));
	return 0;
}
