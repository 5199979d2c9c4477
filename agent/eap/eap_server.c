/*
 * eap_server.c - the EAP server (authenticator, RFC 3748 §2, §4): identifiers, the
 * optional Identity round, Nak handling, the round bound, Success/Failure; the
 * methods live in eap_<method>.c. No I/O: Responses in, Requests out.
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define LOG_MODULE "eap"
#include "core/log.h"
#include "core/xmalloc.h"
#include "eap/eap_internal.h"

#define IDENTITY_MAX 253u

/* Server preference when a Nak leaves a choice. */
static const enum eap_method preference[] = {
	EAP_METHOD_ANYCONNECT,
	EAP_METHOD_MSCHAPV2,
	EAP_METHOD_GTC,
	EAP_METHOD_MD5,
};

static char *dup_or(const char *s, const char *def)
{
	return s ? xstrdup(s) : def ? xstrdup(def) : NULL;
}

struct eap_server *eap_server_new(const struct eap_server_config *cfg)
{
	struct eap_server *s = xcalloc(1, sizeof(*s));

	s->method = cfg->method;
	s->methods = (cfg->methods | EAP_METHOD_BIT(cfg->method)) & EAP_METHODS_ALL;
	s->rng = cfg->rng;
	s->userdb = cfg->userdb;
	s->issuer = cfg->issuer;
	s->identity_first = cfg->identity_first;
	s->max_login_attempts = cfg->max_login_attempts ? cfg->max_login_attempts : 3;
	s->tunnel_group = dup_or(cfg->tunnel_group, "AnyConnect-EAP");
	s->config_hash = dup_or(cfg->config_hash, "0");
	s->message = dup_or(cfg->message, NULL);
	s->banner = dup_or(cfg->banner, NULL);
	s->profile_url = dup_or(cfg->profile_url, NULL);
	s->profile_hash = dup_or(cfg->profile_hash, NULL);
	s->server_name = dup_or(cfg->server_name, "anyroam-gw");
	s->out.method = cfg->method;
	s->out.user = dup_or(cfg->identity, NULL);
	buf_writer_init(&s->pkt);
	s->pkt.sensitive = true; /* complete carries the token */
	return s;
}

struct eap_server *eap_server_free(struct eap_server *s)
{
	if (!s)
		return NULL;
	if (s->userdb.destroy)
		s->userdb.destroy(s->userdb.user_data);
	if (s->issuer.destroy)
		s->issuer.destroy(s->issuer.user_data);
	free(s->tunnel_group);
	free(s->config_hash);
	free(s->message);
	free(s->banner);
	free(s->profile_url);
	free(s->profile_hash);
	free(s->server_name);
	free(s->out.user);
	free(s->out.session_id);
	secret_free(s->out.session_token);
	secret_free(s->out.msk);
	free(s->out.client_version);
	free(s->out.computer_name);
	free(s->out.reason);
	secret_free(s->ms.msk);
	buf_writer_done(&s->pkt);
	secret_wipe(s, sizeof(*s));
	free(s);
	return NULL;
}

uint8_t eap_server_next_id(struct eap_server *s)
{
	return ++s->id;
}

void eap_server_set_reason(struct eap_server *s, const char *reason)
{
	free(s->out.reason);
	s->out.reason = xstrdup(reason);
}

/* A verifier known to match nothing: unknown users cost the same PBKDF2 as known ones. */
static int burn_time(const struct secret *password)
{
	static const uint8_t dummy[EAP_VERIFIER_LEN] = {0};
	_cleanup_secret_ struct secret *v = secret_from(dummy, sizeof(dummy));

	/* the result is meaningless; only the time it took matters */
	if (eap_verifier_check(v, password) == 0)
		return -EACCES;
	return -EACCES;
}

int eap_server_check_password(struct eap_server *s, const struct secret *password)
{
	_cleanup_secret_ struct secret *cred = NULL;
	eap_userdb_lookup_func_t lookup = s->userdb.lookup;
	int r = -ENOENT;

	if (lookup && s->out.user)
		r = lookup(s->userdb.user_data, s->out.user, EAP_CRED_VERIFIER, &cred);
	if (r == 0) {
		r = eap_verifier_check(cred, password);
	} else if (r == -ENOENT && lookup && s->out.user &&
		   (r = lookup(s->userdb.user_data, s->out.user, EAP_CRED_CLEARTEXT, &cred)) == 0) {
		burn_time(password);
		r = secret_eq(cred, password) ? 0 : -EACCES;
	} else if (r == -ENOENT) {
		eap_server_set_reason(s, "unknown user");
		return burn_time(password);
	}
	if (r == -EACCES)
		eap_server_set_reason(s, "bad password");
	return r;
}

/* ---- the exchange ---- */

static const char *const state_names[_EAP_SERVER_STATE_MAX] = {
	[EAP_SERVER_STATE_INIT] = "INIT",
	[EAP_SERVER_STATE_IDENTITY] = "IDENTITY",
	[EAP_SERVER_STATE_METHOD] = "METHOD",
	[EAP_SERVER_STATE_DONE] = "DONE",
};

/* Which moves are legal: INIT -> IDENTITY | METHOD | DONE, IDENTITY -> METHOD | DONE,
 * METHOD -> METHOD (after a Nak) | DONE. */
static bool transition_ok(enum eap_server_state from, enum eap_server_state to)
{
	switch (from) {
	case EAP_SERVER_STATE_INIT:
		return to != EAP_SERVER_STATE_INIT;
	case EAP_SERVER_STATE_IDENTITY:
		return to == EAP_SERVER_STATE_METHOD || to == EAP_SERVER_STATE_DONE;
	case EAP_SERVER_STATE_METHOD:
		return to == EAP_SERVER_STATE_METHOD || to == EAP_SERVER_STATE_DONE;
	case EAP_SERVER_STATE_DONE:
	case _EAP_SERVER_STATE_MAX:
		break;
	}
	return false;
}

static void set_state(struct eap_server *s, enum eap_server_state to)
{
	if (!transition_ok(s->state, to)) {
		log_err("eap server: illegal move %s -> %s refused", state_names[s->state],
			state_names[to]);
		return;
	}
	log_debug("eap server %s: %s -> %s", eap_method_to_string(s->out.method),
		  state_names[s->state], state_names[to]);
	s->state = to;
}

static int method_start(struct eap_server *s, enum eap_method m)
{
	s->out.method = m;
	s->tried |= EAP_METHOD_BIT(m);
	s->method_rounds = 0;
	set_state(s, EAP_SERVER_STATE_METHOD);
	buf_writer_reset(&s->pkt);
	switch (m) {
	case EAP_METHOD_ANYCONNECT:
		return eap_anyconnect_server_start(s, &s->pkt);
	case EAP_METHOD_MSCHAPV2:
		return eap_mschapv2_server_start(s, &s->pkt);
	case EAP_METHOD_GTC:
		return eap_gtc_server_start(s, &s->pkt);
	case EAP_METHOD_MD5:
		return eap_md5_server_start(s, &s->pkt);
	case _EAP_METHOD_MAX:
	case _EAP_METHOD_INVALID:
		break;
	}
	return -EINVAL;
}

static int method_process(struct eap_server *s, const struct eap_pkt *resp)
{
	switch (s->out.method) {
	case EAP_METHOD_ANYCONNECT:
		return eap_anyconnect_server_process(s, resp, &s->pkt);
	case EAP_METHOD_MSCHAPV2:
		return eap_mschapv2_server_process(s, resp, &s->pkt);
	case EAP_METHOD_GTC:
		return eap_gtc_server_process(s, resp, &s->pkt);
	case EAP_METHOD_MD5:
		return eap_md5_server_process(s, resp, &s->pkt);
	case _EAP_METHOD_MAX:
	case _EAP_METHOD_INVALID:
		break;
	}
	return -EINVAL;
}

static bool type_matches(enum eap_method m, const struct eap_pkt *pkt)
{
	switch (m) {
	case EAP_METHOD_ANYCONNECT:
		return pkt->type == EAP_TYPE_EXPANDED && pkt->vendor_id == EAP_VENDOR_CISCO &&
		       pkt->vendor_type == EAP_VENDOR_TYPE_ANYCONNECT;
	case EAP_METHOD_MSCHAPV2:
		return pkt->type == EAP_TYPE_MSCHAPV2;
	case EAP_METHOD_GTC:
		return pkt->type == EAP_TYPE_GTC;
	case EAP_METHOD_MD5:
		return pkt->type == EAP_TYPE_MD5;
	case _EAP_METHOD_MAX:
	case _EAP_METHOD_INVALID:
		break;
	}
	return false;
}

/* Builds the closing Success or Failure with the Identifier of the last Response (§4.2). */
static int finish(struct eap_server *s, int status)
{
	buf_writer_reset(&s->pkt);
	set_state(s, EAP_SERVER_STATE_DONE);
	eap_pkt_build_status(
		&s->pkt, status == EAP_STATUS_SUCCESS ? EAP_CODE_SUCCESS : EAP_CODE_FAILURE, s->id);
	if (status == EAP_STATUS_SUCCESS) {
		free(s->out.reason);
		s->out.reason = NULL;
	}
	log_debug("%s for '%s' with %s%s%s",
		  status == EAP_STATUS_SUCCESS ? "EAP-Success" : "EAP-Failure",
		  s->out.user ? s->out.user : "(unknown)", eap_method_to_string(s->out.method),
		  s->out.reason ? ": " : "", s->out.reason ? s->out.reason : "");
	return status;
}

/* An error ends the exchange too: a Failure waits in the packet buffer. */
static int fail(struct eap_server *s, int r, const char *reason)
{
	if (!s->out.reason)
		eap_server_set_reason(s, reason);
	finish(s, EAP_STATUS_FAILURE);
	return r;
}

static int on_identity(struct eap_server *s, const struct eap_pkt *resp)
{
	if (resp->type != EAP_TYPE_IDENTITY)
		return fail(s, -EPROTO, "expected an Identity Response");
	if (resp->data_len == 0 || resp->data_len > IDENTITY_MAX ||
	    memchr(resp->data, 0, resp->data_len))
		return fail(s, -EBADMSG, "unusable EAP identity");
	/* the AnyConnect placeholder names nobody: the user name comes with auth-reply */
	if (resp->data_len != strlen(EAP_ANYCONNECT_IDENTITY) ||
	    memcmp(resp->data, EAP_ANYCONNECT_IDENTITY, resp->data_len) != 0) {
		free(s->out.user);
		s->out.user = xstrndup((const char *)resp->data, resp->data_len);
	}
	return method_start(s, s->method);
}

/* The methods a Nak asks for, as an EAP_METHOD_BIT mask (RFC 3748 §5.3.1, §5.3.2). */
static unsigned int nak_wants(const struct eap_pkt *resp)
{
	struct buf_reader rd;
	unsigned int want = 0;
	uint8_t t;
	uint32_t vendor_type;
	const uint8_t *vid;

	buf_reader_init(&rd, resp->data, resp->data_len);
	while (buf_get_u8(&rd, &t) == 0) {
		if (resp->type == EAP_TYPE_EXPANDED) {
			if (buf_get_ptr(&rd, 3, &vid) < 0 || buf_get_u32(&rd, &vendor_type) < 0)
				break;
			if (vid[0] == 0 && vid[1] == 0 && vid[2] == EAP_VENDOR_CISCO &&
			    vendor_type == EAP_VENDOR_TYPE_ANYCONNECT)
				want |= EAP_METHOD_BIT(EAP_METHOD_ANYCONNECT);
			t = vid[0] == 0 && vid[1] == 0 && vid[2] == 0 && vendor_type < 256
				    ? (uint8_t)vendor_type
				    : 0;
		}
		if (t == EAP_TYPE_MSCHAPV2)
			want |= EAP_METHOD_BIT(EAP_METHOD_MSCHAPV2);
		else if (t == EAP_TYPE_GTC)
			want |= EAP_METHOD_BIT(EAP_METHOD_GTC);
		else if (t == EAP_TYPE_MD5)
			want |= EAP_METHOD_BIT(EAP_METHOD_MD5);
		else if (t == EAP_TYPE_EXPANDED && resp->type == EAP_TYPE_NAK)
			want |= EAP_METHOD_BIT(EAP_METHOD_ANYCONNECT);
	}
	return want;
}

static bool is_nak(const struct eap_pkt *resp)
{
	return resp->type == EAP_TYPE_NAK ||
	       (resp->type == EAP_TYPE_EXPANDED && resp->vendor_id == 0 &&
		resp->vendor_type == EAP_TYPE_NAK);
}

static int on_nak(struct eap_server *s, const struct eap_pkt *resp)
{
	unsigned int ok = nak_wants(resp) & s->methods & ~s->tried;
	size_t i;

	/* RFC 3748 §5.3: a Nak only answers the first Request of a method */
	if (s->method_rounds > 1)
		return fail(s, -EPROTO, "Nak in the middle of a method");
	for (i = 0; i < ARRAY_SIZE(preference); i++) {
		enum eap_method m = preference[i];

		if (!(ok & EAP_METHOD_BIT(m)))
			continue;
		/* the other methods need a user name the AnyConnect flow never asked for */
		if (m != EAP_METHOD_ANYCONNECT && !s->out.user)
			continue;
		return method_start(s, m);
	}
	return fail(s, -EPROTO, "peer refused every offered EAP method");
}

int eap_server_start(struct eap_server *s)
{
	int r;

	if (s->state != EAP_SERVER_STATE_INIT || !s->rng)
		return -EINVAL;
	/* RFC 3748 §4.1 and PROTOCOL.md §6.1: a random first identifier, then +1 */
	if ((r = rng_bytes(s->rng, &s->id, 1)) < 0)
		return r;
	s->id--;
	buf_writer_reset(&s->pkt);
	s->rounds = 1;
	if (s->identity_first || (s->method != EAP_METHOD_ANYCONNECT && !s->out.user)) {
		set_state(s, EAP_SERVER_STATE_IDENTITY);
		r = eap_pkt_build(&s->pkt, EAP_CODE_REQUEST, eap_server_next_id(s),
				  EAP_TYPE_IDENTITY, NULL, 0);
		return r < 0 ? r : EAP_STATUS_SEND;
	}
	r = method_start(s, s->method);
	return r < 0 ? fail(s, r, "method start failed") : r;
}

static int input_method(struct eap_server *s, const struct eap_pkt *resp)
{
	int r;

	s->method_rounds++;
	if (is_nak(resp))
		return on_nak(s, resp);
	if (!type_matches(s->out.method, resp))
		return fail(s, -EPROTO, "Response of another EAP type");
	buf_writer_reset(&s->pkt);
	r = method_process(s, resp);
	if (r == EAP_STATUS_SUCCESS || r == EAP_STATUS_FAILURE)
		return finish(s, r);
	return r < 0 ? fail(s, r, "method failed") : r;
}

int eap_server_input(struct eap_server *s, const uint8_t *pkt, size_t len)
{
	struct eap_pkt resp;
	int r;

	if (s->state == EAP_SERVER_STATE_INIT || s->state == EAP_SERVER_STATE_DONE)
		return -EPROTO;
	if ((r = eap_pkt_parse(pkt, len, &resp)) < 0) {
		log_debug_ratelimited("malformed EAP packet (%zu bytes)", len);
		return fail(s, r, "malformed EAP packet");
	}
	if (resp.code != EAP_CODE_RESPONSE)
		return fail(s, -EPROTO, "expected an EAP Response");
	if (resp.id != s->id)
		return fail(s, -EPROTO, "EAP Response with an unexpected identifier");
	if (++s->rounds > EAP_MAX_ROUNDS)
		return fail(s, -EMSGSIZE, "too many EAP rounds");
	if (s->state == EAP_SERVER_STATE_IDENTITY)
		return on_identity(s, &resp);
	return input_method(s, &resp);
}

void eap_server_packet(const struct eap_server *s, const uint8_t **ret, size_t *ret_len)
{
	*ret = s->pkt.len ? s->pkt.data : NULL;
	*ret_len = s->pkt.len;
}

const struct eap_server_outcome *eap_server_outcome(const struct eap_server *s)
{
	return &s->out;
}
