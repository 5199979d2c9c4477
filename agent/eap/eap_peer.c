/*
 * eap_peer.c - the EAP peer (RFC 3748 §2, §4, §5): framing, Identity, Notification,
 * Nak, Success/Failure, duplicate Requests and the round bound; the methods live in
 * eap_<method>.c. No I/O: bytes in, bytes (or a form) out.
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#define LOG_MODULE "eap"
#include "core/hex.h"
#include "core/log.h"
#include "core/xmalloc.h"
#include "eap/eap_internal.h"

/* PROTOCOL.md §6.2: unique-id and unique-id-global, each a SHA-256 of the machine id
 * with its own suffix, so neither reveals the id nor links to the other. */
#define UNIQUE_ID_SUFFIX	"anyroam-unique-id"
#define UNIQUE_ID_GLOBAL_SUFFIX "anyroam-unique-id-global"

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static char *hash_machine_id(const uint8_t *id, size_t n, const char *suffix)
{
	uint8_t md[32];
	unsigned int len = 0;
	char hex[65];
	EVP_MD_CTX *ctx;
	int ok;

	/* the raw id as read from /etc/machine-id ends in a newline: it is not part of it */
	while (n > 0 && (id[n - 1] == '\n' || id[n - 1] == '\r' || id[n - 1] == ' '))
		n--;
	if (!(ctx = EVP_MD_CTX_new()))
		return NULL;
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) && EVP_DigestUpdate(ctx, id, n) &&
	     EVP_DigestUpdate(ctx, suffix, strlen(suffix)) && EVP_DigestFinal_ex(ctx, md, &len);
	EVP_MD_CTX_free(ctx);
	if (!ok || len != sizeof(md))
		return NULL;
	hex_encode(md, sizeof(md), hex, 1);
	return xstrdup(hex);
}

/* PROTOCOL.md §6.2: MAC addresses go out lowercase and dash-separated. */
static char *mac_text(const char *mac)
{
	char *m = xstrdup(mac), *c;

	for (c = m; *c; c++) {
		if (*c == ':')
			*c = '-';
		else if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	}
	return m;
}

static void copy_client(struct eap_peer *p, const struct eap_client_info *c)
{
	size_t i;

	p->version = dup_or_null(c->version);
	p->computer_name = dup_or_null(c->computer_name);
	p->device_type = dup_or_null(c->device_type);
	p->platform_version = dup_or_null(c->platform_version);
	p->group_access = dup_or_null(c->group_access);
	if (c->machine_id && c->machine_id_len > 0) {
		p->unique_id = hash_machine_id(c->machine_id, c->machine_id_len, UNIQUE_ID_SUFFIX);
		p->unique_id_global =
			hash_machine_id(c->machine_id, c->machine_id_len, UNIQUE_ID_GLOBAL_SUFFIX);
	}
	p->macs = c->n_macs ? xcalloc(c->n_macs, sizeof(char *)) : NULL;
	for (i = 0; i < c->n_macs; i++)
		if (c->macs[i])
			p->macs[p->n_macs++] = mac_text(c->macs[i]);
}

struct eap_peer *eap_peer_new(const struct eap_peer_config *cfg)
{
	struct eap_peer *p = xcalloc(1, sizeof(*p));

	p->methods = cfg->methods ? cfg->methods & EAP_METHODS_ALL : EAP_METHODS_ALL;
	p->rng = cfg->rng;
	p->username = dup_or_null(cfg->username);
	p->password = cfg->password ? secret_dup(cfg->password) : NULL;
	copy_client(p, &cfg->client);
	p->out.method = _EAP_METHOD_INVALID;
	buf_writer_init(&p->resp);
	p->resp.sensitive = true;
	return p;
}

static void outcome_done(struct eap_peer_outcome *o)
{
	free(o->identity);
	free(o->session_id);
	secret_free(o->session_token);
	free(o->profile_url);
	free(o->profile_hash);
	free(o->banner);
	free(o->last_error);
	secret_free(o->msk);
}

struct eap_peer *eap_peer_free(struct eap_peer *p)
{
	size_t i;

	if (!p)
		return NULL;
	free(p->username);
	secret_free(p->password);
	free(p->version);
	free(p->computer_name);
	free(p->device_type);
	free(p->platform_version);
	free(p->group_access);
	free(p->unique_id);
	free(p->unique_id_global);
	for (i = 0; i < p->n_macs; i++)
		free(p->macs[i]);
	free(p->macs);
	outcome_done(&p->out);
	eap_form_free(p->form);
	eap_answers_clear(&p->answers);
	if (p->saved)
		secret_wipe(p->saved, p->saved_len);
	free(p->saved);
	buf_writer_done(&p->resp);
	free(p->last_req);
	secret_free(p->ms.msk);
	free(p->ac.opaque);
	secret_wipe(p, sizeof(*p));
	free(p);
	return NULL;
}

void eap_peer_set_error(struct eap_peer *p, const char *text)
{
	free(p->out.last_error);
	p->out.last_error = xstrdup(text);
}

int eap_peer_set_form(struct eap_peer *p, struct eap_form *form)
{
	eap_form_free(p->form);
	p->form = form;
	return EAP_STATUS_NEED_INPUT;
}

int eap_peer_ask_credentials(struct eap_peer *p, enum eap_method m, bool need_user,
			     const char *message, const char *password_label)
{
	struct eap_form *f = eap_form_new(m, message);

	if (need_user)
		eap_form_add_field(f, EAP_FIELD_TEXT, "username", "Username:", NULL);
	eap_form_add_field(f, EAP_FIELD_PASSWORD, "password", password_label, NULL);
	return eap_peer_set_form(p, f);
}

/* ---- Identity, Notification, Nak ---- */

static int peer_identity(struct eap_peer *p, const struct eap_pkt *req, struct buf_writer *wr)
{
	const char *id = p->username;

	/* PROTOCOL.md §6.4: the user name if known, else the AnyConnect identity */
	if (!id && (p->methods & EAP_METHOD_BIT(EAP_METHOD_ANYCONNECT)))
		id = EAP_ANYCONNECT_IDENTITY;
	if (!id)
		return eap_peer_ask_credentials(p, _EAP_METHOD_INVALID, true, NULL, "Password:");
	free(p->out.identity);
	p->out.identity = xstrdup(id);
	return eap_pkt_build(wr, EAP_CODE_RESPONSE, req->id, EAP_TYPE_IDENTITY, id, strlen(id))
		       ?: EAP_STATUS_SEND;
}

static int peer_notification(struct eap_peer *p, const struct eap_pkt *req, struct buf_writer *wr)
{
	/* RFC 3748 §5.2: displayable text; the peer MUST answer with an empty Response */
	if (req->data_len > 0 && req->data_len < 1024 && !memchr(req->data, 0, req->data_len)) {
		free(p->out.banner);
		p->out.banner = xstrndup((const char *)req->data, req->data_len);
	}
	return eap_pkt_build(wr, EAP_CODE_RESPONSE, req->id, EAP_TYPE_NOTIFICATION, NULL, 0)
		       ?: EAP_STATUS_SEND;
}

/* Our legacy types in preference order, for a Nak. */
static const struct {
	enum eap_method method;
	uint8_t type;
} legacy_types[] = {
	{EAP_METHOD_MSCHAPV2, EAP_TYPE_MSCHAPV2},
	{EAP_METHOD_GTC, EAP_TYPE_GTC},
	{EAP_METHOD_MD5, EAP_TYPE_MD5},
};

static void put_expanded_entry(struct buf_writer *wr, uint32_t vendor, uint32_t type)
{
	buf_put_u8(wr, EAP_TYPE_EXPANDED);
	buf_put_u8(wr, (uint8_t)(vendor >> 16));
	buf_put_u16(wr, (uint16_t)vendor);
	buf_put_u32(wr, type);
}

/* RFC 3748 §5.3.2: an Expanded Nak lists (254, vendor, type) entries, or type 0. */
static int expanded_nak(struct eap_peer *p, const struct eap_pkt *req, struct buf_writer *wr)
{
	struct buf_writer body;
	size_t i;
	int r;

	buf_writer_init(&body);
	if (p->methods & EAP_METHOD_BIT(EAP_METHOD_ANYCONNECT))
		put_expanded_entry(&body, EAP_VENDOR_CISCO, EAP_VENDOR_TYPE_ANYCONNECT);
	for (i = 0; i < ARRAY_SIZE(legacy_types); i++)
		if (p->methods & EAP_METHOD_BIT(legacy_types[i].method))
			put_expanded_entry(&body, 0, legacy_types[i].type);
	if (body.len == 0)
		put_expanded_entry(&body, 0, 0);
	r = buf_writer_error(&body)
		    ?: eap_pkt_build_expanded(wr, EAP_CODE_RESPONSE, req->id, 0, EAP_TYPE_NAK,
					      body.data, body.len);
	buf_writer_done(&body);
	return r ?: EAP_STATUS_SEND;
}

/* RFC 3748 §5.3.1: a legacy Nak lists the types we want; 254 stands for expanded ones. */
static int legacy_nak(struct eap_peer *p, const struct eap_pkt *req, struct buf_writer *wr)
{
	uint8_t types[ARRAY_SIZE(legacy_types) + 1];
	size_t i, n = 0;

	for (i = 0; i < ARRAY_SIZE(legacy_types); i++)
		if (p->methods & EAP_METHOD_BIT(legacy_types[i].method))
			types[n++] = legacy_types[i].type;
	if (p->methods & EAP_METHOD_BIT(EAP_METHOD_ANYCONNECT))
		types[n++] = EAP_TYPE_EXPANDED;
	if (n == 0)
		types[n++] = 0; /* no alternative */
	return eap_pkt_build(wr, EAP_CODE_RESPONSE, req->id, EAP_TYPE_NAK, types, n)
		       ?: EAP_STATUS_SEND;
}

static enum eap_method method_of(const struct eap_pkt *req)
{
	switch (req->type) {
	case EAP_TYPE_MD5:
		return EAP_METHOD_MD5;
	case EAP_TYPE_GTC:
		return EAP_METHOD_GTC;
	case EAP_TYPE_MSCHAPV2:
		return EAP_METHOD_MSCHAPV2;
	case EAP_TYPE_EXPANDED:
		if (req->vendor_id == EAP_VENDOR_CISCO &&
		    req->vendor_type == EAP_VENDOR_TYPE_ANYCONNECT)
			return EAP_METHOD_ANYCONNECT;
		break;
	}
	return _EAP_METHOD_INVALID;
}

static int run_method(struct eap_peer *p, enum eap_method m, const struct eap_pkt *req,
		      struct buf_writer *wr)
{
	switch (m) {
	case EAP_METHOD_ANYCONNECT:
		return eap_anyconnect_peer_process(p, req, wr);
	case EAP_METHOD_MSCHAPV2:
		return eap_mschapv2_peer_process(p, req, wr);
	case EAP_METHOD_GTC:
		return eap_gtc_peer_process(p, req, wr);
	case EAP_METHOD_MD5:
		return eap_md5_peer_process(p, req, wr);
	case _EAP_METHOD_MAX:
	case _EAP_METHOD_INVALID:
		break;
	}
	return -EPROTO;
}

static int dispatch(struct eap_peer *p, const struct eap_pkt *req, struct buf_writer *wr)
{
	enum eap_method m;
	char buf[96];

	switch (req->type) {
	case EAP_TYPE_IDENTITY:
		return peer_identity(p, req, wr);
	case EAP_TYPE_NOTIFICATION:
		return peer_notification(p, req, wr);
	case EAP_TYPE_NAK:
		return -EPROTO; /* RFC 3748 §5.3: Nak is a Response only */
	}
	m = method_of(req);
	/* RFC 3748 §2.1: once a method runs the peer does not let the server switch */
	if (p->out.method >= 0 && m != p->out.method) {
		snprintf(buf, sizeof(buf), "server switched from %s to EAP type %u mid-exchange",
			 eap_method_to_string(p->out.method), req->type);
		eap_peer_set_error(p, buf);
		return -EPROTO;
	}
	if (m < 0 || !(p->methods & EAP_METHOD_BIT(m)))
		return req->type == EAP_TYPE_EXPANDED ? expanded_nak(p, req, wr)
						      : legacy_nak(p, req, wr);
	p->out.method = m;
	return run_method(p, m, req, wr);
}

/* Runs a Request and records the result. */
static int handle_request(struct eap_peer *p, const struct eap_pkt *req)
{
	int r;

	buf_writer_reset(&p->resp);
	p->have_resp = false;
	r = dispatch(p, req, &p->resp);
	if (r == EAP_STATUS_SEND) {
		p->have_resp = true;
		p->last_id = req->id;
		free(p->last_req);
		p->last_req = xmemdup(p->saved, p->saved_len);
		p->last_req_len = p->saved_len;
	}
	if (r != EAP_STATUS_NEED_INPUT) {
		eap_answers_clear(&p->answers);
		p->answered = false;
		if (p->saved)
			secret_wipe(p->saved, p->saved_len);
		free(p->saved);
		p->saved = NULL;
	}
	if (r < 0) {
		p->finished = true;
		if (!p->out.last_error) {
			char buf[96];

			snprintf(buf, sizeof(buf), "EAP exchange failed: %s", err_str(r));
			eap_peer_set_error(p, buf);
		}
	}
	return r;
}

static int input_request(struct eap_peer *p, const struct eap_pkt *req, const uint8_t *raw,
			 size_t len)
{
	/* RFC 3748 §4.1: a retransmitted Request gets the same Response again. Same bytes,
	 * not just the same identifier: strongSwan picks a fresh random identifier per
	 * method, which may repeat the previous one by chance. */
	if (p->have_resp && req->id == p->last_id && !p->form && len == p->last_req_len &&
	    memcmp(raw, p->last_req, len) == 0)
		return EAP_STATUS_SEND;
	if (++p->rounds > EAP_MAX_ROUNDS) {
		p->finished = true;
		eap_peer_set_error(p, "too many EAP rounds");
		return -EMSGSIZE;
	}
	/* a new Request supersedes an unanswered form */
	p->form = eap_form_free(p->form);
	eap_answers_clear(&p->answers);
	p->answered = false;
	free(p->saved);
	p->saved = xmemdup(raw, len);
	p->saved_len = len;
	return handle_request(p, req);
}

int eap_peer_input(struct eap_peer *p, const uint8_t *pkt, size_t len)
{
	struct eap_pkt req;
	int r;

	if (p->finished)
		return -EPROTO;
	if ((r = eap_pkt_parse(pkt, len, &req)) < 0) {
		log_debug_ratelimited("malformed EAP packet (%zu bytes) dropped", len);
		return r;
	}
	switch (req.code) {
	case EAP_CODE_REQUEST:
		return input_request(p, &req, pkt, len);
	case EAP_CODE_SUCCESS:
		/* RFC 3748 §4.2 and §7.2: a Success before the method (and, for MSCHAPv2,
		 * the server's own proof) is finished would skip mutual authentication */
		if (!p->method_done) {
			p->finished = true;
			eap_peer_set_error(p, "EAP-Success before authentication finished");
			return -EPROTO;
		}
		p->finished = true;
		/* a re-prompt's "Login failed." is history once the login succeeded */
		free(p->out.last_error);
		p->out.last_error = NULL;
		log_debug("EAP-Success after %s as '%s'", eap_method_to_string(p->out.method),
			  p->out.identity ? p->out.identity : "(none)");
		return EAP_STATUS_SUCCESS;
	case EAP_CODE_FAILURE:
		p->finished = true;
		if (!p->out.last_error)
			eap_peer_set_error(p, "authentication failed (EAP-Failure)");
		return EAP_STATUS_FAILURE;
	}
	return -EPROTO; /* a Response sent to the peer */
}

const struct eap_form *eap_peer_form(const struct eap_peer *p)
{
	return p->form;
}

static int check_answers(const struct eap_form *f, const struct eap_answer *a, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++)
		if (!a[i].name || !a[i].value || !eap_form_find(f, a[i].name))
			return -EINVAL;
	for (i = 0; i < f->n_fields; i++) {
		const struct eap_form_field *fl = &f->fields[i];
		const struct secret *v = NULL;

		for (j = 0; j < n; j++)
			if (strcmp(a[j].name, fl->name) == 0)
				v = a[j].value;
		if (!v && (fl->type == EAP_FIELD_TEXT || fl->type == EAP_FIELD_PASSWORD))
			return -EINVAL;
		if (v && fl->type == EAP_FIELD_SELECT) {
			bool found = false;

			for (j = 0; j < fl->n_options; j++)
				found |= secret_eq_bytes(v, fl->options[j].value,
							 strlen(fl->options[j].value));
			if (!found)
				return -EINVAL;
		}
	}
	return 0;
}

/* For the built-in methods the answers become the user name and password. */
static void take_credentials(struct eap_peer *p)
{
	const struct secret *u = eap_answers_get(&p->answers, "username");
	const struct secret *pw = eap_answers_get(&p->answers, "password");

	if (u && secret_len(u) > 0 && !memchr(secret_data(u), 0, secret_len(u))) {
		free(p->username);
		p->username = xstrndup((const char *)secret_data(u), secret_len(u));
	}
	if (pw) {
		secret_free(p->password);
		p->password = secret_dup(pw);
	}
}

int eap_peer_answer(struct eap_peer *p, const struct eap_answer *answers, size_t n)
{
	struct eap_pkt req;
	size_t i;
	int r;

	if (!p->form || !p->saved || p->finished)
		return -EINVAL;
	if ((r = check_answers(p->form, answers, n)) < 0)
		return r;
	eap_answers_clear(&p->answers);
	for (i = 0; i < n; i++)
		eap_answers_add(&p->answers, answers[i].name, answers[i].value);
	if (p->form->method != EAP_METHOD_ANYCONNECT)
		take_credentials(p);
	p->form = eap_form_free(p->form);
	p->answered = true;
	if ((r = eap_pkt_parse(p->saved, p->saved_len, &req)) < 0)
		return r;
	return handle_request(p, &req);
}

void eap_peer_packet(const struct eap_peer *p, const uint8_t **ret, size_t *ret_len)
{
	*ret = p->have_resp ? p->resp.data : NULL;
	*ret_len = p->have_resp ? p->resp.len : 0;
}

const struct eap_peer_outcome *eap_peer_outcome(const struct eap_peer *p)
{
	return &p->out;
}
