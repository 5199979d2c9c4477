/*
 * secret.h - the type for passwords, the session token, SKEYSEED, SK_*, MSKs and DH
 * private values (ARCHITECTURE.md rule 5). Wiped with OPENSSL_cleanse on free;
 * there is deliberately no function that formats one for printing.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define SECRET_MAX (64u * 1024u)

struct secret;

/* n zero bytes; n <= SECRET_MAX (larger is our bug: aborts). */
struct secret *secret_new(size_t n);
struct secret *secret_from(const void *p, size_t n);
struct secret *secret_from_str(const char *s);
struct secret *secret_dup(const struct secret *s);
/* Concatenation a | b, for PRF inputs. */
struct secret *secret_concat(const struct secret *a, const struct secret *b);
/* Wipes and frees; takes NULL; returns NULL (s = secret_free(s)). */
struct secret *secret_free(struct secret *s);
void secret_freep(struct secret **s);

size_t secret_len(const struct secret *s);
const uint8_t *secret_data(const struct secret *s);
uint8_t *secret_data_mut(struct secret *s);
/* Constant-time equality (CRYPTO_memcmp); lengths are not secret. */
bool secret_eq(const struct secret *a, const struct secret *b);
bool secret_eq_bytes(const struct secret *a, const void *p, size_t n);
/* The placeholder any UI shows instead of a secret, as `wg show` does. */
#define SECRET_HIDDEN "(hidden)"

/* Wipes a stack buffer that held key material (not optimised away). */
void secret_wipe(void *p, size_t n);

#define _cleanup_secret_ __attribute__((cleanup(secret_freep)))
