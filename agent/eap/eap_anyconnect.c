/*
 * eap_anyconnect.c - EAP-AnyConnect (aggregate authentication), peer and server.
 *
 * PROTOCOL.md §6.1 framing: EAP type 254, Vendor-Id 9 (Cisco), Vendor-Type "DBRP",
 * then TLVs Type (2) | Length (2, value only) | Value filling the packet exactly;
 * TLV 0 is the XML document, any other TLV is ignored.
 *
 *   gateway: hello -> client: init -> gateway: auth-request (form) -> client: auth-reply
 *   -> gateway: complete (session-id, session-token) | auth-request again (<error>)
 *   -> client: ack -> gateway: EAP Success
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define LOG_MODULE "eap"
#include "core/log.h"
#include "core/xmalloc.h"
#include "eap/eap_acxml.h"
#include "eap/eap_internal.h"

#define TLV_XML		0u
#define SESSION_ID_MAX	64u
#define TOKEN_MIN	16u
#define TOKEN_MAX	256u
#define DEFAULT_MESSAGE "Please enter your username and password."
#define LOGIN_FAILED	"Login failed."

/* The XML of TLV 0; -EBADMSG when the TLVs do not fill the packet exactly. */
static int tlv_xml(const struct eap_pkt *pkt, const uint8_t **ret, size_t *ret_len)
{
	struct buf_reader rd, val;
	uint16_t type, len;
	bool found = false;
	int r;

	if (pkt->type != EAP_TYPE_EXPANDED || pkt->vendor_id != EAP_VENDOR_CISCO ||
	    pkt->vendor_type != EAP_VENDOR_TYPE_ANYCONNECT)
		return -EPROTO;
	buf_reader_init(&rd, pkt->data, pkt->data_len);
	while (buf_left(&rd) > 0) {
		if ((r = buf_get_u16(&rd, &type)) < 0 || (r = buf_get_u16(&rd, &len)) < 0 ||
		    (r = buf_get_sub(&rd, len, &val)) < 0)
			return r;
		if (type == TLV_XML && !found) {
			*ret = buf_cur(&val);
			*ret_len = buf_left(&val);
			found = true;
		}
	}
	return found ? 0 : -EBADMSG;
}

static int build_tlv(struct buf_writer *wr, uint8_t code, uint8_t id, const struct buf_writer *xml)
{
	struct buf_writer body;
	int r;

	if ((r = buf_writer_error(xml)) < 0)
		return r;
	if (xml->len > 0xffff - EAP_EXPANDED_HDR_LEN - 4)
		return -EMSGSIZE;
	buf_writer_init(&body);
	body.sensitive = true; /* an auth-reply holds the password */
	buf_put_u16(&body, TLV_XML);
	buf_put_u16(&body, (uint16_t)xml->len);
	buf_put_bytes(&body, xml->data, xml->len);
	r = buf_writer_error(&body)
		    ?: eap_pkt_build_expanded(wr, code, id, EAP_VENDOR_CISCO,
					      EAP_VENDOR_TYPE_ANYCONNECT, body.data, body.len);
	buf_writer_done(&body);
	return r;
}

/* ---- peer ---- */

static void peer_client(const struct eap_peer *p, struct eap_acxml_client *c)
{
	*c = (struct eap_acxml_client){
		.version = p->version,
		.computer_name = p->computer_name,
		.device_type = p->device_type,
		.platform_version = p->platform_version,
		.unique_id = p->unique_id,
		.unique_id_global = p->unique_id_global,
		.macs = p->macs,
		.n_macs = p->n_macs,
	};
}

static int peer_send(struct eap_peer *p, const struct eap_pkt *req, struct buf_writer *wr,
		     const struct buf_writer *xml)
{
	int r = build_tlv(wr, EAP_CODE_RESPONSE, req->id, xml);

	return r < 0 ? r : EAP_STATUS_SEND;
}

static int peer_init(struct eap_peer *p, const struct eap_pkt *req, struct buf_writer *wr,
		     bool cert_fail)
{
	struct eap_acxml_client c;
	struct buf_writer xml;
	int r;

	peer_client(p, &c);
	buf_writer_init(&xml);
	r = eap_acxml_build_init(&xml, &c, p->group_access, cert_fail);
	if (r == 0)
		r = peer_send(p, req, wr, &xml);
	buf_writer_done(&xml);
	return r;
}

static void take_text(char **dst, const char *src)
{
	if (!src)
		return;
	free(*dst);
	*dst = xstrdup(src);
}

/* The value for one form field: the user's answer, a hidden or select default. */
static int field_value(const struct eap_peer *p, const struct eap_form_field *f,
		       const struct secret *auto_user, const struct secret *auto_pw,
		       struct eap_acxml_reply_field *ret)
{
	const struct secret *a = p->answered ? eap_answers_get(&p->answers, f->name) : NULL;

	if (!a && auto_user && strcmp(f->name, "username") == 0)
		a = auto_user;
	if (!a && auto_pw && strcmp(f->name, "password") == 0)
		a = auto_pw;
	*ret = (struct eap_acxml_reply_field){.name = f->name};
	if (a) {
		ret->value = secret_data(a);
		ret->len = secret_len(a);
	} else if (f->type == EAP_FIELD_HIDDEN || f->type == EAP_FIELD_SELECT) {
		ret->value = (const uint8_t *)(f->value ? f->value : "");
		ret->len = f->value ? strlen(f->value) : 0;
	} else {
		return -EINVAL;
	}
	return 0;
}

static int peer_reply(struct eap_peer *p, const struct eap_pkt *req, struct buf_writer *wr,
		      const struct eap_acxml *m, bool autofill)
{
	_cleanup_secret_ struct secret *user = NULL;
	struct eap_acxml_reply_field fields[EAP_ACXML_MAX_FIELDS];
	struct eap_acxml_client c;
	struct buf_writer xml;
	size_t i, n = m->form ? m->form->n_fields : 0;
	int r = 0;

	if (autofill)
		user = secret_from_str(p->username);
	for (i = 0; i < n && r == 0; i++)
		r = field_value(p, &m->form->fields[i], user, autofill ? p->password : NULL,
				&fields[i]);
	if (r < 0)
		return r;
	peer_client(p, &c);
	buf_writer_init(&xml);
	xml.sensitive = true;
	r = eap_acxml_build_auth_reply(&xml, &c, p->ac.opaque, p->ac.opaque_len, fields, n);
	if (r == -EINVAL) /* XML 1.0 §2.2 cannot carry most control characters */
		eap_peer_set_error(p, "an answer contains control characters XML cannot carry");
	if (r == 0)
		r = peer_send(p, req, wr, &xml);
	buf_writer_done(&xml);
	return r;
}

/* Configured credentials answer the first plain username/password form, once. */
static bool can_autofill(const struct eap_peer *p, const struct eap_form *f)
{
	size_t i;

	if (!p->username || !p->password || p->ac.auto_filled || !f)
		return false;
	for (i = 0; i < f->n_fields; i++) {
		const struct eap_form_field *fl = &f->fields[i];

		if (fl->type == EAP_FIELD_HIDDEN || fl->type == EAP_FIELD_SELECT)
			continue;
		if (strcmp(fl->name, "username") != 0 && strcmp(fl->name, "password") != 0)
			return false;
	}
	return true;
}

static int peer_form(struct eap_peer *p, struct eap_acxml *m)
{
	struct eap_form *f = steal_ptr(m->form);
	size_t i;

	f->message = m->message ? xstrdup(m->message) : NULL;
	f->banner = m->banner ? xstrdup(m->banner) : NULL;
	f->error = m->error ? xstrdup(m->error) : NULL;
	/* the known user name is offered as the default of the username field */
	for (i = 0; i < f->n_fields; i++)
		if (p->username && f->fields[i].type == EAP_FIELD_TEXT &&
		    strcmp(f->fields[i].name, "username") == 0 && !f->fields[i].value)
			f->fields[i].value = xstrdup(p->username);
	return eap_peer_set_form(p, f);
}

static int peer_auth_request(struct eap_peer *p, const struct eap_pkt *req, struct buf_writer *wr,
			     struct eap_acxml *m)
{
	if (m->opaque) {
		free(p->ac.opaque);
		p->ac.opaque = steal_ptr(m->opaque);
		p->ac.opaque_len = m->opaque_len;
	}
	take_text(&p->out.banner, m->banner);
	if (m->error)
		eap_peer_set_error(p, m->error);
	if (!m->form || m->form->n_fields == 0) {
		/* nothing to answer; the gateway's own complaint, if any, says more */
		if (!m->error)
			eap_peer_set_error(p, "gateway sent an auth-request without a form");
		return -EPROTO;
	}
	if (p->answered)
		return peer_reply(p, req, wr, m, false);
	if (!m->error && can_autofill(p, m->form)) {
		p->ac.auto_filled = true;
		return peer_reply(p, req, wr, m, true);
	}
	return peer_form(p, m);
}

static bool printable(const uint8_t *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return false;
	return true;
}

static int peer_complete(struct eap_peer *p, const struct eap_pkt *req, struct buf_writer *wr,
			 struct eap_acxml *m)
{
	struct eap_acxml_client c;
	struct buf_writer xml;
	int r;

	/* PROTOCOL.md §7: 1-64 and 16-256 printable ASCII bytes, opaque to us */
	if (m->session_id && m->session_id[0]) {
		size_t n = strlen(m->session_id);

		if (n > SESSION_ID_MAX || !printable((const uint8_t *)m->session_id, n)) {
			eap_peer_set_error(p, "gateway sent an invalid session-id");
			return -EBADMSG;
		}
		take_text(&p->out.session_id, m->session_id);
	}
	if (m->session_token && secret_len(m->session_token) > 0) {
		size_t n = secret_len(m->session_token);

		if (n < TOKEN_MIN || n > TOKEN_MAX ||
		    !printable(secret_data(m->session_token), n)) {
			eap_peer_set_error(p, "gateway sent an invalid session-token");
			return -EBADMSG;
		}
		secret_free(p->out.session_token);
		p->out.session_token = steal_ptr(m->session_token);
	}
	if (m->profile_url && m->profile_hash) {
		take_text(&p->out.profile_url, m->profile_url);
		take_text(&p->out.profile_hash, m->profile_hash);
	}
	take_text(&p->out.banner, m->banner);
	p->ac.completed = true;
	p->method_done = true;
	peer_client(p, &c);
	buf_writer_init(&xml);
	r = eap_acxml_build_ack(&xml, &c);
	if (r == 0)
		r = peer_send(p, req, wr, &xml);
	buf_writer_done(&xml);
	return r;
}

static int peer_dispatch(struct eap_peer *p, const struct eap_pkt *req, struct buf_writer *wr,
			 struct eap_acxml *m)
{
	char buf[96];

	if (m->host_scan) {
		eap_peer_set_error(p, "gateway requires host scan, which Anyroam does not support");
		return -EOPNOTSUPP;
	}
	/* PROTOCOL.md §6.2: no client certificate in this version: say so in an init */
	if (m->client_cert_request)
		return peer_init(p, req, wr, true);
	switch (m->type) {
	case EAP_ACXML_HELLO:
		return p->ac.completed ? -EPROTO : peer_init(p, req, wr, false);
	case EAP_ACXML_AUTH_REQUEST:
		return p->ac.completed ? -EPROTO : peer_auth_request(p, req, wr, m);
	case EAP_ACXML_COMPLETE:
		return p->ac.completed ? -EPROTO : peer_complete(p, req, wr, m);
	case EAP_ACXML_INIT:
	case EAP_ACXML_AUTH_REPLY:
	case EAP_ACXML_ACK:
	case _EAP_ACXML_TYPE_MAX:
	case _EAP_ACXML_TYPE_INVALID:
		break;
	}
	snprintf(buf, sizeof(buf), "unexpected aggregate-auth message '%s' from gateway",
		 eap_acxml_type_to_string(m->type));
	eap_peer_set_error(p, buf);
	return -EPROTO;
}

int eap_anyconnect_peer_process(struct eap_peer *p, const struct eap_pkt *req,
				struct buf_writer *wr)
{
	struct eap_acxml *m = NULL;
	const uint8_t *xml;
	char err[160] = "", buf[200];
	size_t n;
	int r;

	if ((r = tlv_xml(req, &xml, &n)) < 0)
		return r;
	if ((r = eap_acxml_parse(xml, n, &m, err, sizeof(err))) < 0) {
		snprintf(buf, sizeof(buf), "bad aggregate-auth XML from gateway: %s", err);
		eap_peer_set_error(p, buf);
		log_debug_ratelimited("%s", buf);
		return r;
	}
	r = peer_dispatch(p, req, wr, m);
	eap_acxml_free(m);
	return r;
}

/* ---- server ---- */

static int server_send(struct eap_server *s, struct buf_writer *wr, struct buf_writer *xml)
{
	int r = build_tlv(wr, EAP_CODE_REQUEST, eap_server_next_id(s), xml);

	buf_writer_done(xml);
	return r < 0 ? r : EAP_STATUS_SEND;
}

int eap_anyconnect_server_start(struct eap_server *s, struct buf_writer *wr)
{
	struct buf_writer xml;

	s->ac.step = AC_SRV_HELLO_SENT;
	s->ac.attempts = 0;
	buf_writer_init(&xml);
	eap_acxml_build_hello(&xml);
	return server_send(s, wr, &xml);
}

static int server_auth_request(struct eap_server *s, struct buf_writer *wr, const char *error)
{
	const struct eap_acxml_auth_request ar = {
		.tunnel_group = s->tunnel_group,
		.config_hash = s->config_hash,
		.message = s->message ? s->message : DEFAULT_MESSAGE,
		.banner = s->banner,
		.error = error,
	};
	struct buf_writer xml;
	int r;

	buf_writer_init(&xml);
	if ((r = eap_acxml_build_auth_request(&xml, &ar)) < 0) {
		buf_writer_done(&xml);
		return r;
	}
	s->ac.step = AC_SRV_AUTH_SENT;
	return server_send(s, wr, &xml);
}

static int server_init(struct eap_server *s, struct buf_writer *wr, struct eap_acxml *m)
{
	if (m->client.version) {
		free(s->out.client_version);
		s->out.client_version = xstrdup(m->client.version);
	}
	if (m->client.computer_name) {
		free(s->out.computer_name);
		s->out.computer_name = xstrdup(m->client.computer_name);
	}
	return server_auth_request(s, wr, NULL);
}

static int server_issue(struct eap_server *s, char **ret_id, struct secret **ret_token)
{
	if (s->issuer.issue)
		return s->issuer.issue(s->issuer.user_data, s->out.user, ret_id, ret_token);
	return eap_session_generate(s->rng, ret_id, ret_token);
}

static int server_complete(struct eap_server *s, struct buf_writer *wr)
{
	struct eap_acxml_complete c = {0};
	struct buf_writer xml;
	int r;

	if ((r = server_issue(s, &s->out.session_id, &s->out.session_token)) < 0) {
		eap_server_set_reason(s, "session issuer failed");
		return r;
	}
	c.session_id = s->out.session_id;
	c.session_token = s->out.session_token;
	c.profile_url = s->profile_url;
	c.profile_hash = s->profile_hash;
	buf_writer_init(&xml);
	xml.sensitive = true; /* it carries the token */
	if ((r = eap_acxml_build_complete(&xml, &c)) < 0) {
		buf_writer_done(&xml);
		return r;
	}
	s->ac.step = AC_SRV_COMPLETE_SENT;
	return server_send(s, wr, &xml);
}

static int server_login_failed(struct eap_server *s, struct buf_writer *wr)
{
	char reason[96];

	s->out.failed_attempts = ++s->ac.attempts;
	/* PROTOCOL.md §6.4: re-prompt with <error>, EAP Failure after max-login-attempts */
	if (s->ac.attempts >= s->max_login_attempts) {
		snprintf(reason, sizeof(reason), "%s (%u of %u attempts)",
			 s->out.reason ? s->out.reason : "login failed", s->ac.attempts,
			 s->max_login_attempts);
		eap_server_set_reason(s, reason);
		return EAP_STATUS_FAILURE;
	}
	return server_auth_request(s, wr, LOGIN_FAILED);
}

static int server_reply(struct eap_server *s, struct buf_writer *wr, struct eap_acxml *m)
{
	const struct secret *user = eap_answers_get(&m->answers, "username");
	const struct secret *pw = eap_answers_get(&m->answers, "password");
	int r;

	/* PROTOCOL.md §6.2: the gateway checks only the tunnel-group of the echoed opaque */
	if (!m->tunnel_group || strcmp(m->tunnel_group, s->tunnel_group) != 0) {
		eap_server_set_reason(s, "auth-reply opaque names another tunnel-group");
		return -EPROTO;
	}
	if (!user || !pw || secret_len(user) == 0 || secret_len(user) > 255 ||
	    memchr(secret_data(user), 0, secret_len(user))) {
		eap_server_set_reason(s, "auth-reply without a usable username and password");
		return server_login_failed(s, wr);
	}
	free(s->out.user);
	s->out.user = xstrndup((const char *)secret_data(user), secret_len(user));
	r = eap_server_check_password(s, pw);
	if (r == -EACCES)
		return server_login_failed(s, wr);
	if (r < 0)
		return r;
	return server_complete(s, wr);
}

static int server_dispatch(struct eap_server *s, struct buf_writer *wr, struct eap_acxml *m)
{
	char reason[96];

	switch (s->ac.step) {
	case AC_SRV_HELLO_SENT:
		if (m->type == EAP_ACXML_INIT)
			return server_init(s, wr, m);
		break;
	case AC_SRV_AUTH_SENT:
		if (m->type == EAP_ACXML_AUTH_REPLY)
			return server_reply(s, wr, m);
		/* a client without the certificate we never asked for restarts with init */
		if (m->type == EAP_ACXML_INIT)
			return server_init(s, wr, m);
		break;
	case AC_SRV_COMPLETE_SENT:
		if (m->type == EAP_ACXML_ACK)
			return EAP_STATUS_SUCCESS;
		break;
	}
	snprintf(reason, sizeof(reason), "unexpected aggregate-auth message '%s'",
		 eap_acxml_type_to_string(m->type));
	eap_server_set_reason(s, reason);
	return -EPROTO;
}

int eap_anyconnect_server_process(struct eap_server *s, const struct eap_pkt *resp,
				  struct buf_writer *wr)
{
	struct eap_acxml *m = NULL;
	const uint8_t *xml;
	char err[160] = "", reason[200];
	size_t n;
	int r;

	if ((r = tlv_xml(resp, &xml, &n)) < 0)
		return r;
	if ((r = eap_acxml_parse(xml, n, &m, err, sizeof(err))) < 0) {
		snprintf(reason, sizeof(reason), "bad aggregate-auth XML: %s", err);
		eap_server_set_reason(s, reason);
		return r;
	}
	r = server_dispatch(s, wr, m);
	eap_acxml_free(m);
	return r;
}
