/*
 * eap_md5.c - EAP-MD5-Challenge, peer and server (RFC 3748 §5.4).
 *
 * Type-Data: Value-Size (1) | Value (the challenge, or the 16-byte response) | Name
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "eap/eap_internal.h"
#include "eap/eap_md5.h"

#define MD5_CHALLENGE_LEN 16u

int eap_md5_response(uint8_t id, const struct secret *password, const uint8_t *challenge,
		     size_t challenge_len, uint8_t out[EAP_MD5_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int len = 0;
	int ok;

	if (!ctx)
		return -ENOMEM;
	ok = EVP_DigestInit_ex(ctx, EVP_md5(), NULL) && EVP_DigestUpdate(ctx, &id, 1) &&
	     EVP_DigestUpdate(ctx, secret_data(password), secret_len(password)) &&
	     EVP_DigestUpdate(ctx, challenge, challenge_len) &&
	     EVP_DigestFinal_ex(ctx, out, &len) && len == EAP_MD5_LEN;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -EIO;
}

/* Value-Size and Value of an MD5 packet. */
static int parse_value(const struct eap_pkt *pkt, const uint8_t **ret, size_t *ret_len)
{
	struct buf_reader rd;
	uint8_t size;
	int r;

	buf_reader_init(&rd, pkt->data, pkt->data_len);
	if ((r = buf_get_u8(&rd, &size)) < 0)
		return r;
	if (size == 0)
		return -EBADMSG;
	if ((r = buf_get_ptr(&rd, size, ret)) < 0)
		return r;
	*ret_len = size; /* the rest is the Name, which we do not need */
	return 0;
}

static int build_value(struct buf_writer *wr, uint8_t code, uint8_t id, const uint8_t *v, size_t n)
{
	uint8_t data[1 + EAP_MD5_LEN];

	data[0] = (uint8_t)n;
	memcpy(data + 1, v, n);
	return eap_pkt_build(wr, code, id, EAP_TYPE_MD5, data, 1 + n);
}

int eap_md5_peer_process(struct eap_peer *p, const struct eap_pkt *req, struct buf_writer *wr)
{
	const uint8_t *challenge;
	uint8_t value[EAP_MD5_LEN];
	size_t n;
	int r;

	if ((r = parse_value(req, &challenge, &n)) < 0)
		return r;
	if (!p->password)
		return eap_peer_ask_credentials(p, EAP_METHOD_MD5, !p->username, NULL, "Password:");
	if ((r = eap_md5_response(req->id, p->password, challenge, n, value)) < 0)
		return r;
	/* no mutual authentication: the method is done once we answered */
	p->method_done = true;
	r = build_value(wr, EAP_CODE_RESPONSE, req->id, value, sizeof(value));
	secret_wipe(value, sizeof(value));
	return r ?: EAP_STATUS_SEND;
}

int eap_md5_server_start(struct eap_server *s, struct buf_writer *wr)
{
	int r;

	if ((r = rng_bytes(s->rng, s->md5_challenge, MD5_CHALLENGE_LEN)) < 0)
		return r;
	return build_value(wr, EAP_CODE_REQUEST, eap_server_next_id(s), s->md5_challenge,
			   MD5_CHALLENGE_LEN)
		       ?: EAP_STATUS_SEND;
}

int eap_md5_server_process(struct eap_server *s, const struct eap_pkt *resp, struct buf_writer *wr)
{
	_cleanup_secret_ struct secret *clear = NULL;
	uint8_t expect[EAP_MD5_LEN];
	const uint8_t *value;
	size_t n;
	int r;

	if ((r = parse_value(resp, &value, &n)) < 0)
		return r;
	if (n != EAP_MD5_LEN)
		return -EBADMSG;
	r = s->userdb.lookup
		    ? s->userdb.lookup(s->userdb.user_data, s->out.user, EAP_CRED_CLEARTEXT, &clear)
		    : -ENOENT;
	if (r == -ENOENT) {
		eap_server_set_reason(s, "unknown user or no cleartext password for EAP-MD5");
		s->out.failed_attempts++;
		return EAP_STATUS_FAILURE;
	}
	if (r < 0)
		return r;
	if ((r = eap_md5_response(resp->id, clear, s->md5_challenge, MD5_CHALLENGE_LEN, expect)) <
	    0)
		return r;
	if (CRYPTO_memcmp(expect, value, EAP_MD5_LEN) != 0) {
		eap_server_set_reason(s, "bad password");
		s->out.failed_attempts++;
		return EAP_STATUS_FAILURE;
	}
	return EAP_STATUS_SUCCESS;
}
