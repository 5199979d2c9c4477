/*
 * eap_md5.h - EAP-MD5-Challenge (RFC 3748 §5.4, the CHAP computation of RFC 1994 §4.1).
 * No MSK, no mutual authentication: offered only because strongSwan's harness and
 * old RADIUS setups use it. The server needs the cleartext password.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/secret.h"

#define EAP_MD5_LEN 16u

/* MD5(Identifier | password | challenge) (RFC 1994 §4.1). */
_must_check_ int eap_md5_response(uint8_t id, const struct secret *password,
				  const uint8_t *challenge, size_t challenge_len,
				  uint8_t out[EAP_MD5_LEN]);
