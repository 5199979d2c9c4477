/*
 * eap_mschapv2.c - EAP-MSCHAPv2 (RFC 2759 inside EAP, draft-kamath-pppext-eap-mschapv2),
 * peer and server, and the RFC 3079 keys. See eap_mschapv2.h for the MSK layout.
 *
 * Type-Data of a Challenge, Response, Success or Failure Request:
 *   OpCode (1) | MS-CHAPv2-ID (1) | MS-Length (2, = EAP Length - 5) | data
 * The peer's Success and Failure Responses are the OpCode alone.
 */
#define _GNU_SOURCE /* memmem, strchrnul */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#define LOG_MODULE "eap"
#include "core/hex.h"
#include "core/log.h"
#include "core/xmalloc.h"
#include "eap/eap_internal.h"
#include "eap/eap_md4.h"
#include "eap/eap_mschapv2.h"

#define MS_HDR_LEN	   4u  /* OpCode, MS-CHAPv2-ID, MS-Length */
#define RESPONSE_VALUE_LEN 49u /* Peer-Challenge 16, Reserved 8, NT-Response 24, Flags 1 */
#define AUTH_STRING_LEN	   42u /* "S=" and 40 hex digits */
#define NAME_MAX_LEN	   256u

/* RFC 2759 §8.7 */
static const char magic_sign[] = "Magic server to client signing constant";
static const char magic_pad[] = "Pad to make it do more than one iteration";
/* RFC 3079 §3.4 */
static const char magic_master[] = "This is the MPPE Master Key";
static const char magic_client_send[] =
	"On the client side, this is the send key; on the server side, it is the receive key.";
static const char magic_client_recv[] =
	"On the client side, this is the receive key; on the server side, it is the send key.";

struct part {
	const void *p;
	size_t n;
};

static int sha1_parts(const struct part *parts, size_t n, uint8_t out[20])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int len = 0;
	int ok;
	size_t i;

	if (!ctx)
		return -ENOMEM;
	ok = EVP_DigestInit_ex(ctx, EVP_sha1(), NULL);
	for (i = 0; ok && i < n; i++)
		ok = EVP_DigestUpdate(ctx, parts[i].p, parts[i].n);
	ok = ok && EVP_DigestFinal_ex(ctx, out, &len) && len == 20;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -EIO;
}

/* RFC 2759 §8.6: 56 key bits spread over 8 bytes, the low bit of each left for parity. */
static void des_key_expand(const uint8_t in[7], uint8_t out[8])
{
	int i;

	out[0] = in[0];
	for (i = 1; i < 7; i++)
		out[i] = (uint8_t)(in[i - 1] << (8 - i) | in[i] >> i);
	out[7] = (uint8_t)(in[6] << 1);
	for (i = 0; i < 8; i++)
		out[i] &= 0xfe;
}

/*
 * RFC 2759 §8.6 DesEncrypt. Single DES lives in OpenSSL 3's legacy provider; DES-EDE3
 * with three equal keys is the same cipher (E_K(D_K(E_K(x))) = E_K(x)) and is in the
 * default provider.
 */
static int des_encrypt(const uint8_t clear[8], const uint8_t key7[7], uint8_t out[8])
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t k[8], key[24];
	int len = 0, ok;

	if (!ctx)
		return -ENOMEM;
	des_key_expand(key7, k);
	memcpy(key, k, 8);
	memcpy(key + 8, k, 8);
	memcpy(key + 16, k, 8);
	ok = EVP_EncryptInit_ex(ctx, EVP_des_ede3_ecb(), NULL, key, NULL) &&
	     EVP_CIPHER_CTX_set_padding(ctx, 0) && EVP_EncryptUpdate(ctx, out, &len, clear, 8) &&
	     len == 8;
	EVP_CIPHER_CTX_free(ctx);
	secret_wipe(k, sizeof(k));
	secret_wipe(key, sizeof(key));
	return ok ? 0 : -EIO;
}

int eap_mschapv2_challenge_hash(const uint8_t peer_challenge[16], const uint8_t auth_challenge[16],
				const char *user, size_t user_len, uint8_t out[8])
{
	const struct part parts[] = {{peer_challenge, 16}, {auth_challenge, 16}, {user, user_len}};
	uint8_t digest[20];
	int r;

	if ((r = sha1_parts(parts, ARRAY_SIZE(parts), digest)) < 0)
		return r;
	memcpy(out, digest, 8);
	return 0;
}

/* RFC 2759 §8.5 ChallengeResponse */
static int challenge_response(const uint8_t challenge[8], const uint8_t nt_hash[16],
			      uint8_t out[24])
{
	uint8_t z[21] = {0};
	int r = 0, i;

	memcpy(z, nt_hash, 16);
	for (i = 0; i < 3 && r == 0; i++)
		r = des_encrypt(challenge, z + 7 * i, out + 8 * i);
	secret_wipe(z, sizeof(z));
	return r;
}

int eap_mschapv2_nt_response(const uint8_t auth_challenge[16], const uint8_t peer_challenge[16],
			     const char *user, size_t user_len, const uint8_t nt_hash[16],
			     uint8_t out[24])
{
	uint8_t ch[8];
	int r;

	if ((r = eap_mschapv2_challenge_hash(peer_challenge, auth_challenge, user, user_len, ch)) <
	    0)
		return r;
	return challenge_response(ch, nt_hash, out);
}

int eap_mschapv2_auth_response(const uint8_t nt_hash[16], const uint8_t nt_response[24],
			       const uint8_t peer_challenge[16], const uint8_t auth_challenge[16],
			       const char *user, size_t user_len, uint8_t out[20])
{
	uint8_t hh[EAP_MD4_LEN], digest[20], ch[8];
	struct part p1[] = {
		{hh, sizeof(hh)}, {nt_response, 24}, {magic_sign, sizeof(magic_sign) - 1}};
	struct part p2[] = {
		{digest, sizeof(digest)}, {ch, sizeof(ch)}, {magic_pad, sizeof(magic_pad) - 1}};
	int r;

	eap_md4(nt_hash, 16, hh); /* PasswordHashHash */
	if ((r = sha1_parts(p1, ARRAY_SIZE(p1), digest)) == 0 &&
	    (r = eap_mschapv2_challenge_hash(peer_challenge, auth_challenge, user, user_len, ch)) ==
		    0)
		r = sha1_parts(p2, ARRAY_SIZE(p2), out);
	secret_wipe(hh, sizeof(hh));
	return r;
}

int eap_mschapv2_master_key(const uint8_t nt_hash[16], const uint8_t nt_response[24],
			    uint8_t out[16])
{
	uint8_t hh[EAP_MD4_LEN], digest[20];
	struct part parts[] = {
		{hh, sizeof(hh)}, {nt_response, 24}, {magic_master, sizeof(magic_master) - 1}};
	int r;

	eap_md4(nt_hash, 16, hh);
	if ((r = sha1_parts(parts, ARRAY_SIZE(parts), digest)) == 0)
		memcpy(out, digest, 16);
	secret_wipe(hh, sizeof(hh));
	secret_wipe(digest, sizeof(digest));
	return r;
}

int eap_mschapv2_asym_key(const uint8_t master_key[16], bool is_send, bool is_server,
			  uint8_t out[16])
{
	static const uint8_t pad1[40] = {0};
	uint8_t pad2[40], digest[20];
	/* RFC 3079 §3.4: the client's send key is the server's receive key */
	const char *magic = is_send == is_server ? magic_client_recv : magic_client_send;
	struct part parts[] = {{master_key, 16},
			       {pad1, sizeof(pad1)},
			       {magic, sizeof(magic_client_send) - 1},
			       {pad2, sizeof(pad2)}};
	int r;

	memset(pad2, 0xf2, sizeof(pad2));
	if ((r = sha1_parts(parts, ARRAY_SIZE(parts), digest)) == 0)
		memcpy(out, digest, 16);
	secret_wipe(digest, sizeof(digest));
	return r;
}

int eap_mschapv2_msk(const uint8_t nt_hash[16], const uint8_t nt_response[24],
		     struct secret **ret_msk)
{
	struct secret *msk = secret_new(EAP_MSCHAPV2_MSK_LEN);
	uint8_t master[16], *m = secret_data_mut(msk);
	int r;

	/* MasterReceiveKey | MasterSendKey, the server's view; then 32 zero bytes */
	if ((r = eap_mschapv2_master_key(nt_hash, nt_response, master)) < 0 ||
	    (r = eap_mschapv2_asym_key(master, false, true, m)) < 0 ||
	    (r = eap_mschapv2_asym_key(master, true, true, m + 16)) < 0) {
		secret_free(msk);
		secret_wipe(master, sizeof(master));
		return r;
	}
	secret_wipe(master, sizeof(master));
	*ret_msk = msk;
	return 0;
}

const char *eap_mschapv2_user_part(const char *identity)
{
	const char *bs = strrchr(identity, '\\');

	return bs ? bs + 1 : identity;
}

/* ---- packets ---- */

struct ms_msg {
	uint8_t op;
	uint8_t ms_id;
	const uint8_t *data; /* after the 4-byte header, bounded by MS-Length */
	size_t len;
};

static int parse_ms(const struct eap_pkt *pkt, bool short_ok, struct ms_msg *ret)
{
	struct buf_reader rd;
	uint16_t ms_len;
	int r;

	buf_reader_init(&rd, pkt->data, pkt->data_len);
	if ((r = buf_get_u8(&rd, &ret->op)) < 0)
		return r;
	/* the peer's Success/Failure Responses carry the OpCode only */
	if (short_ok && buf_left(&rd) == 0 &&
	    (ret->op == EAP_MSCHAPV2_OP_SUCCESS || ret->op == EAP_MSCHAPV2_OP_FAILURE)) {
		ret->ms_id = 0;
		ret->data = NULL;
		ret->len = 0;
		return 0;
	}
	if ((r = buf_get_u8(&rd, &ret->ms_id)) < 0 || (r = buf_get_u16(&rd, &ms_len)) < 0)
		return r;
	/* MS-Length counts from the OpCode; never trust it past what arrived */
	if (ms_len < MS_HDR_LEN || ms_len > pkt->data_len)
		return -EBADMSG;
	ret->data = buf_cur(&rd);
	ret->len = ms_len - MS_HDR_LEN;
	return 0;
}

static int build_ms(struct buf_writer *wr, uint8_t code, uint8_t id, uint8_t op, uint8_t ms_id,
		    const struct part *parts, size_t n)
{
	struct buf_writer body;
	size_t i, len = MS_HDR_LEN;
	int r;

	for (i = 0; i < n; i++)
		len += parts[i].n;
	if (len > 0xffff - EAP_HDR_LEN - 1)
		return -EMSGSIZE;
	buf_writer_init(&body);
	body.sensitive = true;
	buf_put_u8(&body, op);
	buf_put_u8(&body, ms_id);
	buf_put_u16(&body, (uint16_t)len);
	for (i = 0; i < n; i++)
		buf_put_bytes(&body, parts[i].p, parts[i].n);
	r = buf_writer_error(&body);
	if (r == 0)
		r = eap_pkt_build(wr, code, id, EAP_TYPE_MSCHAPV2, body.data, body.len);
	buf_writer_done(&body);
	return r;
}

/* Finds "KEY=value" in a space-separated message; copies value (up to the next space
 * unless key is 'M', whose text runs to the end). */
static char *field(const char *msg, char key)
{
	const char *p = msg, *end;

	while (*p) {
		if (p[0] == key && p[1] == '=' && (p == msg || p[-1] == ' ')) {
			p += 2;
			end = key == 'M' ? p + strlen(p) : strchrnul(p, ' ');
			return xstrndup(p, (size_t)(end - p));
		}
		p++;
	}
	return NULL;
}

/* The printable text of a Success/Failure Request, NULs stripped (strongSwan sends one). */
static char *ms_text(const struct ms_msg *m)
{
	char *s = xstrndup((const char *)m->data, m->len);
	char *c;

	for (c = s; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
			*c = '?';
	return s;
}

/* ---- peer ---- */

static int peer_challenge(struct eap_peer *p, const struct eap_pkt *req, const struct ms_msg *m,
			  struct buf_writer *wr)
{
	struct eap_mschapv2_state *ms = &p->ms;
	_cleanup_secret_ struct secret *nt = NULL;
	static const uint8_t reserved[8];
	static const uint8_t flags;
	const char *user;
	uint8_t value_size = RESPONSE_VALUE_LEN;
	int r;

	/* Value-Size (1) = 16, Challenge (16), Name */
	if (m->len < 1 + EAP_MSCHAPV2_CHALLENGE_LEN || m->data[0] != EAP_MSCHAPV2_CHALLENGE_LEN)
		return -EBADMSG;
	if (!p->username || !p->password)
		return eap_peer_ask_credentials(p, EAP_METHOD_MSCHAPV2, !p->username, NULL,
						"Password:");
	if (!p->rng)
		return -EINVAL;
	memcpy(ms->auth_challenge, m->data + 1, 16);
	ms->ms_id = m->ms_id;
	if ((r = rng_bytes(p->rng, ms->peer_challenge, 16)) < 0 ||
	    (r = eap_nt_hash(p->password, &nt)) < 0)
		return r;
	user = eap_mschapv2_user_part(p->username);
	if ((r = eap_mschapv2_nt_response(ms->auth_challenge, ms->peer_challenge, user,
					  strlen(user), secret_data(nt), ms->nt_response)) < 0 ||
	    (r = eap_mschapv2_auth_response(secret_data(nt), ms->nt_response, ms->peer_challenge,
					    ms->auth_challenge, user, strlen(user),
					    ms->auth_response)) < 0)
		return r;
	ms->msk = secret_free(ms->msk);
	if ((r = eap_mschapv2_msk(secret_data(nt), ms->nt_response, &ms->msk)) < 0)
		return r;
	ms->responded = true;
	const struct part parts[] = {{&value_size, 1}, {ms->peer_challenge, 16},
				     {reserved, 8},    {ms->nt_response, 24},
				     {&flags, 1},      {p->username, strlen(p->username)}};
	return build_ms(wr, EAP_CODE_RESPONSE, req->id, EAP_MSCHAPV2_OP_RESPONSE, ms->ms_id, parts,
			ARRAY_SIZE(parts))
		       ?: EAP_STATUS_SEND;
}

static int peer_success(struct eap_peer *p, const struct eap_pkt *req, const struct ms_msg *m,
			struct buf_writer *wr)
{
	_cleanup_free_ char *text = NULL, *s = NULL;
	uint8_t got[EAP_MSCHAPV2_AUTH_RESPONSE_LEN];
	static const uint8_t op = EAP_MSCHAPV2_OP_SUCCESS;
	size_t n = 0;
	int r;

	if (!p->ms.responded)
		return -EPROTO;
	text = ms_text(m);
	s = field(text, 'S');
	/* RFC 2759 §5: "S=" and 40 hex digits; the peer MUST check it (mutual auth) */
	if (!s || strlen(s) != 2 * EAP_MSCHAPV2_AUTH_RESPONSE_LEN ||
	    hex_decode(s, got, sizeof(got), &n) < 0 || n != sizeof(got))
		return -EBADMSG;
	if (CRYPTO_memcmp(got, p->ms.auth_response, sizeof(got)) != 0) {
		eap_peer_set_error(p, "server failed MSCHAPv2 mutual authentication "
				      "(authenticator response mismatch)");
		return -EPROTO;
	}
	p->ms.verified = true;
	p->method_done = true;
	secret_free(p->out.msk);
	p->out.msk = steal_ptr(p->ms.msk);
	/* the Success Response is the OpCode alone */
	r = eap_pkt_build(wr, EAP_CODE_RESPONSE, req->id, EAP_TYPE_MSCHAPV2, &op, 1);
	return r ?: EAP_STATUS_SEND;
}

static int peer_failure(struct eap_peer *p, const struct eap_pkt *req, const struct ms_msg *m,
			struct buf_writer *wr)
{
	_cleanup_free_ char *text = ms_text(m), *e = field(text, 'E'), *msg = field(text, 'M');
	static const uint8_t op = EAP_MSCHAPV2_OP_FAILURE;
	char buf[256];
	int r;

	/* RFC 2759 §6: we do not retry or change the password: answer the Failure and wait
	 * for EAP-Failure. */
	snprintf(buf, sizeof(buf), "MSCHAPv2 authentication failed (E=%s)%s%s", e ? e : "?",
		 msg ? ": " : "", msg ? msg : "");
	eap_peer_set_error(p, buf);
	r = eap_pkt_build(wr, EAP_CODE_RESPONSE, req->id, EAP_TYPE_MSCHAPV2, &op, 1);
	return r ?: EAP_STATUS_SEND;
}

int eap_mschapv2_peer_process(struct eap_peer *p, const struct eap_pkt *req, struct buf_writer *wr)
{
	struct ms_msg m;
	int r;

	if ((r = parse_ms(req, false, &m)) < 0)
		return r;
	switch (m.op) {
	case EAP_MSCHAPV2_OP_CHALLENGE:
		return peer_challenge(p, req, &m, wr);
	case EAP_MSCHAPV2_OP_SUCCESS:
		return peer_success(p, req, &m, wr);
	case EAP_MSCHAPV2_OP_FAILURE:
		return peer_failure(p, req, &m, wr);
	}
	return -EPROTO;
}

/* ---- server ---- */

static int server_challenge(struct eap_server *s, struct buf_writer *wr, uint8_t op,
			    const char *prefix)
{
	const char *name = s->server_name;
	uint8_t value_size = EAP_MSCHAPV2_CHALLENGE_LEN;
	char hex[2 * EAP_MSCHAPV2_CHALLENGE_LEN + 1], msg[128];
	uint8_t id;
	int r;

	if ((r = rng_bytes(s->rng, s->ms.auth_challenge, 16)) < 0)
		return r;
	id = eap_server_next_id(s);
	s->ms.ms_id = id;
	if (op == EAP_MSCHAPV2_OP_CHALLENGE) {
		const struct part parts[] = {
			{&value_size, 1}, {s->ms.auth_challenge, 16}, {name, strlen(name)}};
		return build_ms(wr, EAP_CODE_REQUEST, id, op, s->ms.ms_id, parts,
				ARRAY_SIZE(parts));
	}
	/* RFC 2759 §6 Failure packet: E=691 R=0 C=<new challenge> V=3 M=<text> */
	hex_encode(s->ms.auth_challenge, 16, hex, 1);
	snprintf(msg, sizeof(msg), "%s C=%s V=3 M=Authentication failed", prefix, hex);
	const struct part parts[] = {{msg, strlen(msg)}};
	return build_ms(wr, EAP_CODE_REQUEST, id, op, s->ms.ms_id, parts, ARRAY_SIZE(parts));
}

int eap_mschapv2_server_start(struct eap_server *s, struct buf_writer *wr)
{
	s->ms = (struct eap_mschapv2_state){0};
	return server_challenge(s, wr, EAP_MSCHAPV2_OP_CHALLENGE, NULL) ?: EAP_STATUS_SEND;
}

/* The NT hash for user: stored, or derived from a stored cleartext. */
static int lookup_nt_hash(struct eap_server *s, const char *user, struct secret **ret)
{
	_cleanup_secret_ struct secret *clear = NULL;
	int r;

	if (!s->userdb.lookup)
		return -ENOENT;
	r = s->userdb.lookup(s->userdb.user_data, user, EAP_CRED_NT_HASH, ret);
	if (r == 0)
		return secret_len(*ret) == EAP_NT_HASH_LEN ? 0 : -EBADMSG;
	if (r != -ENOENT)
		return r;
	if ((r = s->userdb.lookup(s->userdb.user_data, user, EAP_CRED_CLEARTEXT, &clear)) < 0)
		return r;
	return eap_nt_hash(clear, ret);
}

static int server_verify(struct eap_server *s, const uint8_t *resp, const char *name,
			 const struct secret *nt)
{
	const uint8_t *peer_ch = resp, *nt_resp = resp + 24;
	const char *user = eap_mschapv2_user_part(name);
	uint8_t expect[EAP_MSCHAPV2_NT_RESPONSE_LEN];
	int r;

	if ((r = eap_mschapv2_nt_response(s->ms.auth_challenge, peer_ch, user, strlen(user),
					  secret_data(nt), expect)) < 0)
		return r;
	if (CRYPTO_memcmp(expect, nt_resp, sizeof(expect)) != 0)
		return -EACCES;
	memcpy(s->ms.peer_challenge, peer_ch, 16);
	memcpy(s->ms.nt_response, nt_resp, 24);
	if ((r = eap_mschapv2_auth_response(secret_data(nt), nt_resp, peer_ch, s->ms.auth_challenge,
					    user, strlen(user), s->ms.auth_response)) < 0)
		return r;
	s->ms.msk = secret_free(s->ms.msk);
	return eap_mschapv2_msk(secret_data(nt), nt_resp, &s->ms.msk);
}

static int server_response(struct eap_server *s, const struct ms_msg *m, struct buf_writer *wr)
{
	_cleanup_secret_ struct secret *nt = NULL;
	_cleanup_free_ char *name = NULL;
	char msg[AUTH_STRING_LEN + 16];
	int r;

	/* Value-Size (1) = 49, Response (49), Name (the rest) */
	if (s->ms.responded || m->ms_id != s->ms.ms_id)
		return -EPROTO;
	if (m->len < 1 + RESPONSE_VALUE_LEN || m->data[0] != RESPONSE_VALUE_LEN ||
	    m->len - 1 - RESPONSE_VALUE_LEN > NAME_MAX_LEN ||
	    memchr(m->data + 1 + RESPONSE_VALUE_LEN, 0, m->len - 1 - RESPONSE_VALUE_LEN))
		return -EBADMSG;
	s->ms.responded = true;
	name = xstrndup((const char *)m->data + 1 + RESPONSE_VALUE_LEN,
			m->len - 1 - RESPONSE_VALUE_LEN);
	if (!s->out.user)
		s->out.user = xstrdup(name);
	r = lookup_nt_hash(s, s->out.user, &nt);
	if (r == 0)
		r = server_verify(s, m->data + 1, name, nt);
	if (r == -ENOENT || r == -EACCES) {
		eap_server_set_reason(s, r == -ENOENT ? "unknown user" : "bad password");
		s->out.failed_attempts++;
		s->ms.failed = true;
		return server_challenge(s, wr, EAP_MSCHAPV2_OP_FAILURE, "E=691 R=0")
			       ?: EAP_STATUS_SEND;
	}
	if (r < 0)
		return r;
	s->ms.verified = true;
	memcpy(msg, "S=", 2);
	hex_encode(s->ms.auth_response, 20, msg + 2, 1);
	strcat(msg, " M=Welcome");
	const struct part parts[] = {{msg, strlen(msg)}};
	return build_ms(wr, EAP_CODE_REQUEST, eap_server_next_id(s), EAP_MSCHAPV2_OP_SUCCESS,
			s->ms.ms_id, parts, ARRAY_SIZE(parts))
		       ?: EAP_STATUS_SEND;
}

int eap_mschapv2_server_process(struct eap_server *s, const struct eap_pkt *resp,
				struct buf_writer *wr)
{
	struct ms_msg m;
	int r;

	if ((r = parse_ms(resp, true, &m)) < 0)
		return r;
	switch (m.op) {
	case EAP_MSCHAPV2_OP_RESPONSE:
		return server_response(s, &m, wr);
	case EAP_MSCHAPV2_OP_SUCCESS:
		if (!s->ms.verified)
			return -EPROTO;
		secret_free(s->out.msk);
		s->out.msk = steal_ptr(s->ms.msk);
		return EAP_STATUS_SUCCESS;
	case EAP_MSCHAPV2_OP_FAILURE:
		return s->ms.failed ? EAP_STATUS_FAILURE : -EPROTO;
	}
	return -EPROTO;
}
