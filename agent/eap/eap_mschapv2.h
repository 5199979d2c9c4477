/*
 * eap_mschapv2.h - MS-CHAPv2 (RFC 2759) inside EAP type 26
 * (draft-kamath-pppext-eap-mschapv2), and its keys (RFC 3079).
 *
 * MSK choice. RFC 3079 §3.3 derives MasterSendKey and MasterReceiveKey, which swap
 * between peer and server. For IKEv2 the MSK must be the same on both sides; we use
 * what strongSwan exports (and RFC 5281 / hostapd use the same order):
 *   MSK = MasterReceiveKey | MasterSendKey | 32 zero bytes   (64 B)
 * with both keys as the *server* sees them: MasterReceiveKey is the key made with
 * Magic2 ("On the client side, this is the send key; ..."), MasterSendKey with Magic3.
 * The zero padding is what strongSwan sends; with an HMAC PRF (RFC 7296 §2.15) it makes
 * no difference to the AUTH value, since HMAC pads short keys with zeros anyway.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/secret.h"

#define EAP_MSCHAPV2_CHALLENGE_LEN     16u
#define EAP_MSCHAPV2_NT_RESPONSE_LEN   24u
#define EAP_MSCHAPV2_AUTH_RESPONSE_LEN 20u
#define EAP_MSCHAPV2_MSK_LEN	       64u

/* OpCodes */
enum eap_mschapv2_op {
	EAP_MSCHAPV2_OP_CHALLENGE = 1,
	EAP_MSCHAPV2_OP_RESPONSE = 2,
	EAP_MSCHAPV2_OP_SUCCESS = 3,
	EAP_MSCHAPV2_OP_FAILURE = 4,
};

/* RFC 2759 §8.2 ChallengeHash: user is the user name without any "DOMAIN\" part. */
_must_check_ int eap_mschapv2_challenge_hash(const uint8_t peer_challenge[16],
					     const uint8_t auth_challenge[16], const char *user,
					     size_t user_len, uint8_t out[8]);
/* RFC 2759 §8.1 GenerateNTResponse, from the NT hash (§8.3). */
_must_check_ int eap_mschapv2_nt_response(const uint8_t auth_challenge[16],
					  const uint8_t peer_challenge[16], const char *user,
					  size_t user_len, const uint8_t nt_hash[16],
					  uint8_t out[24]);
/* RFC 2759 §8.7 GenerateAuthenticatorResponse: the 20 bytes behind "S=". */
_must_check_ int eap_mschapv2_auth_response(const uint8_t nt_hash[16],
					    const uint8_t nt_response[24],
					    const uint8_t peer_challenge[16],
					    const uint8_t auth_challenge[16], const char *user,
					    size_t user_len, uint8_t out[20]);
/* RFC 3079 §3.4 GetMasterKey. */
_must_check_ int eap_mschapv2_master_key(const uint8_t nt_hash[16], const uint8_t nt_response[24],
					 uint8_t out[16]);
/* RFC 3079 §3.4 GetAsymmetricStartKey, 16-byte keys. */
_must_check_ int eap_mschapv2_asym_key(const uint8_t master_key[16], bool is_send, bool is_server,
				       uint8_t out[16]);
/* The 64-byte MSK described above. */
_must_check_ int eap_mschapv2_msk(const uint8_t nt_hash[16], const uint8_t nt_response[24],
				  struct secret **ret_msk);
/* The part of an identity after the last '\' (RFC 2759 §4 user names may carry a domain). */
const char *eap_mschapv2_user_part(const char *identity);
