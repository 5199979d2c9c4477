/* hex.h - hex encoding for show views, logs of public values and test vectors. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Writes 2n+1 chars (NUL-terminated) into out; upper selects A-F. */
void hex_encode(const uint8_t *p, size_t n, char *out, int upper);
/* Decodes an even-length hex string (whitespace and ':' ignored) into out (cap bytes). */
_must_check_ int hex_decode(const char *s, uint8_t *out, size_t cap, size_t *ret_len);
