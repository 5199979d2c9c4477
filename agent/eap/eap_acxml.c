/*
 * eap_acxml.c - aggregate-auth XML: parse (libxml2, hardened) and build (by hand, so
 * the bytes we send are exactly the bytes we mean, and the gateway's opaque can be
 * echoed unchanged). PROTOCOL.md §6.2-6.3.
 */
#define _GNU_SOURCE /* memmem, strchrnul */
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#define LOG_MODULE "eap"
#include "core/log.h"
#include "core/xmalloc.h"
#include "eap/eap_acxml.h"

static const char *const type_names[_EAP_ACXML_TYPE_MAX] = {
	[EAP_ACXML_HELLO] = "hello",
	[EAP_ACXML_INIT] = "init",
	[EAP_ACXML_AUTH_REQUEST] = "auth-request",
	[EAP_ACXML_AUTH_REPLY] = "auth-reply",
	[EAP_ACXML_COMPLETE] = "complete",
	[EAP_ACXML_ACK] = "ack",
};

const char *eap_acxml_type_to_string(enum eap_acxml_type t)
{
	return t >= 0 && t < _EAP_ACXML_TYPE_MAX ? type_names[t] : "(invalid)";
}

static enum eap_acxml_type type_from_string(const char *s)
{
	int i;

	for (i = 0; i < _EAP_ACXML_TYPE_MAX; i++)
		if (strcmp(s, type_names[i]) == 0)
			return (enum eap_acxml_type)i;
	return _EAP_ACXML_TYPE_INVALID;
}

static int fail(char *reterr, size_t len, int r, const char *fmt, ...) _printf_(4, 5);
static int fail(char *reterr, size_t len, int r, const char *fmt, ...)
{
	va_list ap;

	if (reterr && len > 0) {
		va_start(ap, fmt);
		vsnprintf(reterr, len, fmt, ap);
		va_end(ap);
	}
	return r;
}

/* ---- parsing helpers over the libxml2 tree ---- */

static bool is_el(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* The text of a node, as our own string; the libxml2 copy is wiped (it may be a secret). */
static char *text_of(const xmlNode *n)
{
	xmlChar *c = xmlNodeGetContent(n);
	char *s;

	if (!c)
		return xstrdup("");
	s = xstrdup((const char *)c);
	secret_wipe(c, strlen((const char *)c));
	xmlFree(c);
	return s;
}

static struct secret *secret_text_of(const xmlNode *n)
{
	xmlChar *c = xmlNodeGetContent(n);
	struct secret *s;

	if (!c)
		return secret_new(0);
	s = secret_from(c, strlen((const char *)c));
	secret_wipe(c, strlen((const char *)c));
	xmlFree(c);
	return s;
}

static char *attr_of(const xmlNode *n, const char *name)
{
	xmlChar *c = xmlGetNoNsProp(n, (const xmlChar *)name);
	char *s;

	if (!c)
		return NULL;
	s = xstrdup((const char *)c);
	xmlFree(c);
	return s;
}

static void set_str(char **dst, char *src)
{
	free(*dst);
	*dst = src;
}

bool eap_acxml_name_ok(const char *name)
{
	const char *c;

	if (!name || !*name || strlen(name) > 64)
		return false;
	if (!((name[0] >= 'A' && name[0] <= 'Z') || (name[0] >= 'a' && name[0] <= 'z') ||
	      name[0] == '_'))
		return false;
	for (c = name; *c; c++)
		if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
		      (*c >= '0' && *c <= '9') || *c == '_' || *c == '-' || *c == '.'))
			return false;
	return true;
}

/* ---- the raw opaque ---- */

static const uint8_t *find(const uint8_t *p, const uint8_t *end, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(end - p) < n)
		return NULL;
	return memmem(p, (size_t)(end - p), s, n);
}

static bool starts(const uint8_t *p, const uint8_t *end, const char *s)
{
	size_t n = strlen(s);

	return (size_t)(end - p) >= n && memcmp(p, s, n) == 0;
}

/* The '>' closing a tag that starts at p, skipping quoted attribute values. */
static const uint8_t *tag_end(const uint8_t *p, const uint8_t *end)
{
	uint8_t quote = 0;

	for (; p < end; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0;
		} else if (*p == '"' || *p == '\'') {
			quote = *p;
		} else if (*p == '>') {
			return p;
		}
	}
	return NULL;
}

static bool name_ends(const uint8_t *p, const uint8_t *end)
{
	return p < end &&
	       (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == '>' || *p == '/');
}

static bool parse_safe(const uint8_t *xml, size_t n, xmlDoc **ret, char *reterr, size_t len);
static void free_doc(xmlDoc *doc);

/* Whether the slice is, on its own, an <opaque is-for="sg"> element. */
static bool opaque_is_sg(const uint8_t *p, size_t n)
{
	xmlDoc *doc = NULL;
	xmlNode *root;
	char *is_for;
	bool ok = false;

	if (!parse_safe(p, n, &doc, NULL, 0))
		return false;
	root = xmlDocGetRootElement(doc);
	if (root && is_el(root, "opaque")) {
		is_for = attr_of(root, "is-for");
		ok = is_for && strcmp(is_for, "sg") == 0;
		free(is_for);
	}
	free_doc(doc);
	return ok;
}

/*
 * PROTOCOL.md §6.2: the client echoes the gateway's opaque byte for byte, so it is cut
 * out of the raw document (which libxml2 has already found well-formed), not
 * re-serialised. Comments, CDATA and processing instructions are skipped, nested
 * opaque elements counted.
 */
static int raw_opaque(const uint8_t *xml, size_t n, uint8_t **ret, size_t *ret_len)
{
	const uint8_t *p = xml, *end = xml + n, *start = NULL, *q;
	unsigned int depth = 0;

	while (p < end) {
		if (starts(p, end, "<!--") || starts(p, end, "<![CDATA[") || starts(p, end, "<?")) {
			const char *close = p[1] == '?' ? "?>" : p[2] == '-' ? "-->" : "]]>";

			if (!(q = find(p + 2, end, close)))
				return -EBADMSG;
			p = q + strlen(close);
		} else if (starts(p, end, "<opaque") && name_ends(p + 7, end)) {
			if (!(q = tag_end(p, end)))
				return -EBADMSG;
			if (depth == 0)
				start = p;
			if (q[-1] != '/')
				depth++;
			else if (depth == 0 && opaque_is_sg(start, (size_t)(q + 1 - start)))
				goto found;
			p = q + 1;
		} else if (starts(p, end, "</opaque") && name_ends(p + 8, end) && depth > 0) {
			if (!(q = tag_end(p, end)))
				return -EBADMSG;
			if (--depth == 0 && opaque_is_sg(start, (size_t)(q + 1 - start)))
				goto found;
			p = q + 1;
		} else {
			p++;
		}
	}
	return -ENOENT;
found:
	*ret_len = (size_t)(q + 1 - start);
	*ret = xmemdup(start, *ret_len);
	return 0;
}

/* ---- the hardened parse ---- */

/* NONET: no network; never NOENT, DTDLOAD, HUGE or RECOVER (STYLE.md §12). NO_XXE
 * exists from libxml2 2.13 on; with DOCTYPE refused up front it is a second lock. */
#ifdef XML_PARSE_NO_XXE
#define PARSE_OPTIONS                                                                    \
	(XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA | \
	 XML_PARSE_NO_XXE)
#else
#define PARSE_OPTIONS \
	(XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA)
#endif

static bool parse_safe(const uint8_t *xml, size_t n, xmlDoc **ret, char *reterr, size_t len)
{
	xmlParserCtxt *ctxt;
	const xmlError *e;
	xmlDoc *doc;

	/* A DTD is the door to entity expansion (billion laughs) and external entities
	 * (XXE); aggregate auth never uses one, so the text is refused before parsing. */
	if (memmem(xml, n, "<!DOCTYPE", 9) || memmem(xml, n, "<!ENTITY", 8)) {
		fail(reterr, len, -EBADMSG, "XML with a DOCTYPE or ENTITY declaration refused");
		return false;
	}
	xmlInitParser();
	ctxt = xmlNewParserCtxt();
	if (!ctxt) {
		fail(reterr, len, -ENOMEM, "out of memory");
		return false;
	}
	doc = xmlCtxtReadMemory(ctxt, (const char *)xml, (int)n, "aggregate-auth.xml", "UTF-8",
				PARSE_OPTIONS);
	if (!doc || !ctxt->wellFormed || doc->intSubset || doc->extSubset) {
		e = xmlCtxtGetLastError(ctxt);
		fail(reterr, len, -EBADMSG, "malformed XML: %.100s",
		     e && e->message ? e->message : "not well-formed");
		/* libxml2 messages end in a newline */
		if (reterr && len > 0 && reterr[0] && reterr[strlen(reterr) - 1] == '\n')
			reterr[strlen(reterr) - 1] = '\0';
		free_doc(doc);
		xmlFreeParserCtxt(ctxt);
		return false;
	}
	xmlFreeParserCtxt(ctxt);
	*ret = doc;
	return true;
}

/* ---- document walk ---- */

static void parse_client(struct eap_acxml *m, const xmlNode *n)
{
	const xmlNode *c;

	if (is_el(n, "version")) {
		set_str(&m->client.version, text_of(n));
	} else if (is_el(n, "device-id")) {
		set_str(&m->client.computer_name, attr_of(n, "computer-name"));
		set_str(&m->client.device_type, attr_of(n, "device-type"));
		set_str(&m->client.platform_version, attr_of(n, "platform-version"));
		set_str(&m->client.unique_id, attr_of(n, "unique-id"));
		set_str(&m->client.unique_id_global, attr_of(n, "unique-id-global"));
	} else if (is_el(n, "mac-address-list")) {
		for (c = n->children; c; c = c->next) {
			if (!is_el(c, "mac-address") || m->client.n_macs >= EAP_ACXML_MAX_MACS)
				continue;
			m->client.macs =
				xrealloc(m->client.macs, (m->client.n_macs + 1) * sizeof(char *));
			m->client.macs[m->client.n_macs++] = text_of(c);
		}
	}
}

static enum eap_field_type field_type(const char *type)
{
	if (!type || strcmp(type, "text") == 0)
		return EAP_FIELD_TEXT;
	if (strcmp(type, "password") == 0)
		return EAP_FIELD_PASSWORD;
	if (strcmp(type, "hidden") == 0)
		return EAP_FIELD_HIDDEN;
	return _EAP_FIELD_MAX; /* submit, reset, anything else: not ours to answer */
}

static int parse_select(struct eap_form *f, const xmlNode *n, char *reterr, size_t len)
{
	_cleanup_free_ char *name = attr_of(n, "name"), *label = attr_of(n, "label");
	struct eap_form_field *field;
	const xmlNode *o;

	if (!eap_acxml_name_ok(name))
		return fail(reterr, len, -EBADMSG, "form select has an unusable name");
	field = eap_form_add_field(f, EAP_FIELD_SELECT, name, label, NULL);
	for (o = n->children; o; o = o->next) {
		_cleanup_free_ char *text = NULL, *value = NULL, *selected = NULL;

		if (!is_el(o, "option"))
			continue;
		if (field->n_options >= EAP_ACXML_MAX_OPTIONS)
			return fail(reterr, len, -EBADMSG, "too many options in a form select");
		text = text_of(o);
		value = attr_of(o, "value");
		selected = attr_of(o, "selected");
		/* an option without value="" submits its text (HTML forms, as ASA uses them) */
		eap_form_add_option(field, value ? value : text, text);
		if (selected || !field->value)
			set_str(&field->value, xstrdup(value ? value : text));
	}
	if (field->n_options == 0)
		return fail(reterr, len, -EBADMSG, "form select '%s' has no options", name);
	return 0;
}

static int parse_form(struct eap_acxml *m, const xmlNode *form, char *reterr, size_t len)
{
	const xmlNode *n;
	int r;

	for (n = form->children; n; n = n->next) {
		if (m->form->n_fields >= EAP_ACXML_MAX_FIELDS)
			return fail(reterr, len, -EBADMSG, "too many form fields");
		if (is_el(n, "select")) {
			if ((r = parse_select(m->form, n, reterr, len)) < 0)
				return r;
		} else if (is_el(n, "input")) {
			_cleanup_free_ char *type = attr_of(n, "type"), *name = attr_of(n, "name"),
					    *label = attr_of(n, "label"),
					    *value = attr_of(n, "value");
			enum eap_field_type t = field_type(type);

			if (t == _EAP_FIELD_MAX)
				continue;
			if (!eap_acxml_name_ok(name))
				return fail(reterr, len, -EBADMSG,
					    "form input has an unusable name");
			eap_form_add_field(m->form, t, name, label, value);
		}
	}
	return 0;
}

static int parse_auth(struct eap_acxml *m, const xmlNode *auth, char *reterr, size_t len)
{
	const xmlNode *n;
	int r;

	set_str(&m->auth_id, attr_of(auth, "id"));
	for (n = auth->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (m->type == EAP_ACXML_AUTH_REPLY) {
			_cleanup_secret_ struct secret *v = NULL;

			if (m->answers.n >= EAP_ACXML_MAX_FIELDS)
				return fail(reterr, len, -EBADMSG, "too many answers");
			v = secret_text_of(n);
			eap_answers_add(&m->answers, (const char *)n->name, v);
		} else if (is_el(n, "message")) {
			set_str(&m->message, text_of(n));
		} else if (is_el(n, "banner")) {
			set_str(&m->banner, text_of(n));
		} else if (is_el(n, "error")) {
			set_str(&m->error, text_of(n));
		} else if (is_el(n, "form")) {
			if (!m->form)
				m->form = eap_form_new(EAP_METHOD_ANYCONNECT, NULL);
			if ((r = parse_form(m, n, reterr, len)) < 0)
				return r;
		}
	}
	if (m->error && !m->error[0]) {
		free(m->error);
		m->error = NULL;
	}
	return 0;
}

static void parse_opaque(struct eap_acxml *m, const xmlNode *op)
{
	const xmlNode *n;

	for (n = op->children; n; n = n->next) {
		if (is_el(n, "tunnel-group"))
			set_str(&m->tunnel_group, text_of(n));
		else if (is_el(n, "config-hash"))
			set_str(&m->config_hash, text_of(n));
	}
}

/* <config><vpn-profile-manifest><vpn><file type="profile"><uri/><hash/></file>... */
static void parse_manifest(struct eap_acxml *m, const xmlNode *n, unsigned int depth)
{
	const xmlNode *c;

	if (depth > 6)
		return;
	for (c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (is_el(c, "file")) {
			_cleanup_free_ char *type = attr_of(c, "type");
			const xmlNode *f;

			if (type && strcmp(type, "profile") != 0)
				continue;
			for (f = c->children; f; f = f->next) {
				if (is_el(f, "uri"))
					set_str(&m->profile_url, text_of(f));
				else if (is_el(f, "hash"))
					set_str(&m->profile_hash, text_of(f));
			}
		} else {
			parse_manifest(m, c, depth + 1);
		}
	}
}

static int parse_child(struct eap_acxml *m, const xmlNode *n, char *reterr, size_t len)
{
	_cleanup_free_ char *is_for = NULL;

	if (is_el(n, "group-access")) {
		set_str(&m->group_access, text_of(n));
	} else if (is_el(n, "client-cert-fail")) {
		m->client_cert_fail = true;
	} else if (is_el(n, "client-cert-request")) {
		m->client_cert_request = true;
	} else if (is_el(n, "host-scan") || is_el(n, "host-scan-ticket") ||
		   is_el(n, "host-scan-token")) {
		m->host_scan = true;
	} else if (is_el(n, "opaque")) {
		is_for = attr_of(n, "is-for");
		if (is_for && strcmp(is_for, "sg") == 0)
			parse_opaque(m, n);
	} else if (is_el(n, "auth")) {
		return parse_auth(m, n, reterr, len);
	} else if (is_el(n, "session-id")) {
		set_str(&m->session_id, text_of(n));
	} else if (is_el(n, "session-token")) {
		secret_free(m->session_token);
		m->session_token = secret_text_of(n);
	} else if (is_el(n, "config")) {
		parse_manifest(m, n, 0);
	} else {
		parse_client(m, n);
	}
	return 0;
}

static int parse_root(struct eap_acxml *m, const xmlNode *root, char *reterr, size_t len)
{
	_cleanup_free_ char *type = NULL;
	const xmlNode *n;
	int r;

	if (!root || !is_el(root, "config-auth") || root->ns)
		return fail(reterr, len, -EBADMSG, "root element is not <config-auth>");
	type = attr_of(root, "type");
	if (!type)
		return fail(reterr, len, -EBADMSG, "<config-auth> without a type");
	m->type = type_from_string(type);
	if (m->type < 0)
		return fail(reterr, len, -EBADMSG, "unknown <config-auth> type '%.32s'", type);
	for (n = root->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if ((r = parse_child(m, n, reterr, len)) < 0)
			return r;
	}
	return 0;
}

/* Passwords and tokens sat in text nodes: wipe every text before libxml2 frees it. */
static void wipe_tree(xmlNode *n)
{
	xmlAttr *a;

	for (; n; n = n->next) {
		if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) && n->content)
			secret_wipe(n->content, strlen((const char *)n->content));
		if (n->type == XML_ELEMENT_NODE)
			for (a = n->properties; a; a = a->next)
				wipe_tree(a->children);
		wipe_tree(n->children);
	}
}

static void free_doc(xmlDoc *doc)
{
	if (!doc)
		return;
	wipe_tree(doc->children);
	xmlFreeDoc(doc);
}

int eap_acxml_parse(const uint8_t *xml, size_t n, struct eap_acxml **ret, char *reterr,
		    size_t reterr_len)
{
	struct eap_acxml *m;
	xmlDoc *doc = NULL;
	int r;

	if (n > EAP_XML_MAX)
		return fail(reterr, reterr_len, -EMSGSIZE,
			    "XML document of %zu bytes over the %u cap", n, EAP_XML_MAX);
	if (n == 0)
		return fail(reterr, reterr_len, -EBADMSG, "empty XML document");
	if (!parse_safe(xml, n, &doc, reterr, reterr_len))
		return -EBADMSG;
	m = xcalloc(1, sizeof(*m));
	r = parse_root(m, xmlDocGetRootElement(doc), reterr, reterr_len);
	free_doc(doc);
	if (r == 0 && m->tunnel_group) {
		r = raw_opaque(xml, n, &m->opaque, &m->opaque_len);
		if (r < 0)
			r = fail(reterr, reterr_len, -EBADMSG, "opaque element not found verbatim");
	}
	if (r < 0) {
		eap_acxml_free(m);
		return r;
	}
	*ret = m;
	return 0;
}

void eap_acxml_client_done(struct eap_acxml_client *c)
{
	size_t i;

	free(c->version);
	free(c->computer_name);
	free(c->device_type);
	free(c->platform_version);
	free(c->unique_id);
	free(c->unique_id_global);
	for (i = 0; i < c->n_macs; i++)
		free(c->macs[i]);
	free(c->macs);
	*c = (struct eap_acxml_client){0};
}

struct eap_acxml *eap_acxml_free(struct eap_acxml *m)
{
	if (!m)
		return NULL;
	eap_acxml_client_done(&m->client);
	free(m->group_access);
	free(m->opaque);
	free(m->tunnel_group);
	free(m->config_hash);
	free(m->auth_id);
	free(m->message);
	free(m->banner);
	free(m->error);
	eap_form_free(m->form);
	eap_answers_clear(&m->answers);
	free(m->session_id);
	secret_free(m->session_token);
	free(m->profile_url);
	free(m->profile_hash);
	free(m);
	return NULL;
}

/* ---- builders ---- */

/* XML 1.0 §2.2: these control characters cannot appear in a document at all. */
static bool char_ok(uint8_t c)
{
	return c >= 0x20 || c == '\t' || c == '\n' || c == '\r';
}

static int put_escaped(struct buf_writer *wr, const void *data, size_t n)
{
	const uint8_t *p = data;
	size_t i;

	for (i = 0; i < n; i++) {
		switch (p[i]) {
		case '&':
			buf_put_str(wr, "&amp;");
			break;
		case '<':
			buf_put_str(wr, "&lt;");
			break;
		case '>':
			buf_put_str(wr, "&gt;");
			break;
		case '"':
			buf_put_str(wr, "&quot;");
			break;
		case '\'':
			buf_put_str(wr, "&apos;");
			break;
		default:
			if (!char_ok(p[i]))
				return -EINVAL;
			buf_put_u8(wr, p[i]);
		}
	}
	return buf_writer_error(wr);
}

static int put_esc_str(struct buf_writer *wr, const char *s)
{
	return put_escaped(wr, s, strlen(s));
}

/* <name>text</name>, or nothing when text is NULL */
static int put_el(struct buf_writer *wr, const char *name, const char *text)
{
	if (!text)
		return 0;
	buf_put_str(wr, "<");
	buf_put_str(wr, name);
	buf_put_str(wr, ">");
	if (put_esc_str(wr, text) < 0)
		return -EINVAL;
	buf_put_str(wr, "</");
	buf_put_str(wr, name);
	return buf_put_str(wr, ">");
}

/* name="value" with a leading space, or nothing when value is NULL */
static int put_attr(struct buf_writer *wr, const char *name, const char *value)
{
	if (!value)
		return 0;
	buf_put_str(wr, " ");
	buf_put_str(wr, name);
	buf_put_str(wr, "=\"");
	if (put_esc_str(wr, value) < 0)
		return -EINVAL;
	return buf_put_str(wr, "\"");
}

static void put_open(struct buf_writer *wr, enum eap_acxml_type type)
{
	buf_put_str(
		wr,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<config-auth client=\"vpn\" type=\"");
	buf_put_str(wr, type_names[type]);
	buf_put_str(wr, "\" aggregate-auth-version=\"2\">");
}

static int put_close(struct buf_writer *wr)
{
	buf_put_str(wr, "</config-auth>\n");
	return buf_writer_error(wr);
}

static int put_client(struct buf_writer *wr, const struct eap_acxml_client *c)
{
	int r = 0;
	size_t i;

	if (c->version) {
		buf_put_str(wr, "\n<version who=\"vpn\">");
		r |= put_esc_str(wr, c->version);
		buf_put_str(wr, "</version>");
	}
	buf_put_str(wr, "\n<device-id");
	r |= put_attr(wr, "computer-name", c->computer_name);
	r |= put_attr(wr, "device-type", c->device_type);
	r |= put_attr(wr, "platform-version", c->platform_version);
	r |= put_attr(wr, "unique-id", c->unique_id);
	r |= put_attr(wr, "unique-id-global", c->unique_id_global);
	buf_put_str(wr, ">linux-64</device-id>");
	if (c->n_macs > 0) {
		buf_put_str(wr, "\n<mac-address-list>");
		for (i = 0; i < c->n_macs; i++) {
			buf_put_str(wr, i == 0 ? "<mac-address public-interface=\"true\">"
					       : "<mac-address>");
			r |= put_esc_str(wr, c->macs[i]);
			buf_put_str(wr, "</mac-address>");
		}
		buf_put_str(wr, "</mac-address-list>");
	}
	return r ? -EINVAL : buf_writer_error(wr);
}

int eap_acxml_build_hello(struct buf_writer *wr)
{
	put_open(wr, EAP_ACXML_HELLO);
	return put_close(wr);
}

int eap_acxml_build_init(struct buf_writer *wr, const struct eap_acxml_client *c,
			 const char *group_access, bool client_cert_fail)
{
	int r;

	put_open(wr, EAP_ACXML_INIT);
	if ((r = put_client(wr, c)) < 0)
		return r;
	if (client_cert_fail)
		buf_put_str(wr, "\n<client-cert-fail></client-cert-fail>");
	if (group_access) {
		buf_put_str(wr, "\n");
		if ((r = put_el(wr, "group-access", group_access)) < 0)
			return r;
	}
	buf_put_str(wr, "\n");
	return put_close(wr);
}

int eap_acxml_build_auth_request(struct buf_writer *wr, const struct eap_acxml_auth_request *ar)
{
	int r = 0;

	put_open(wr, EAP_ACXML_AUTH_REQUEST);
	buf_put_str(wr, "\n<opaque is-for=\"sg\">");
	r |= put_el(wr, "tunnel-group", ar->tunnel_group);
	r |= put_el(wr, "config-hash", ar->config_hash);
	buf_put_str(wr, "</opaque>\n<auth id=\"main\">");
	r |= put_el(wr, "message", ar->message);
	r |= put_el(wr, "banner", ar->banner);
	r |= put_el(wr, "error", ar->error);
	buf_put_str(wr, "\n<form>"
			"<input type=\"text\" name=\"username\" label=\"Username:\"></input>"
			"<input type=\"password\" name=\"password\" label=\"Password:\"></input>"
			"</form></auth>\n");
	return r ? -EINVAL : put_close(wr);
}

int eap_acxml_build_auth_reply(struct buf_writer *wr, const struct eap_acxml_client *c,
			       const uint8_t *opaque, size_t opaque_len,
			       const struct eap_acxml_reply_field *fields, size_t n)
{
	size_t i;
	int r;

	put_open(wr, EAP_ACXML_AUTH_REPLY);
	if ((r = put_client(wr, c)) < 0)
		return r;
	buf_put_str(wr, "\n<session-token></session-token><session-id></session-id>\n");
	if (opaque_len > 0)
		buf_put_bytes(wr, opaque, opaque_len); /* verbatim, §6.2 */
	buf_put_str(wr, "\n<auth>");
	for (i = 0; i < n; i++) {
		if (!eap_acxml_name_ok(fields[i].name))
			return -EINVAL;
		buf_put_str(wr, "<");
		buf_put_str(wr, fields[i].name);
		buf_put_str(wr, ">");
		if ((r = put_escaped(wr, fields[i].value, fields[i].len)) < 0)
			return r;
		buf_put_str(wr, "</");
		buf_put_str(wr, fields[i].name);
		buf_put_str(wr, ">");
	}
	buf_put_str(wr, "</auth>\n");
	return put_close(wr);
}

int eap_acxml_build_complete(struct buf_writer *wr, const struct eap_acxml_complete *c)
{
	int r = 0;

	put_open(wr, EAP_ACXML_COMPLETE);
	buf_put_str(wr, "\n");
	r |= put_el(wr, "session-id", c->session_id);
	if (c->session_token) {
		buf_put_str(wr, "\n<session-token>");
		r |= put_escaped(wr, secret_data(c->session_token), secret_len(c->session_token));
		buf_put_str(wr, "</session-token>");
	}
	buf_put_str(wr, "\n<auth id=\"success\">");
	r |= put_el(wr, "banner", c->banner);
	buf_put_str(wr, "<message id=\"0\" param1=\"\" param2=\"\"></message></auth>\n");
	if (c->profile_url && c->profile_hash) {
		buf_put_str(wr, "<config client=\"vpn\" type=\"private\"><vpn-profile-manifest>"
				"<vpn rev=\"1.0\"><file type=\"profile\" service-type=\"user\">");
		r |= put_el(wr, "uri", c->profile_url);
		buf_put_str(wr, "<hash type=\"sha1\">");
		r |= put_esc_str(wr, c->profile_hash);
		buf_put_str(wr, "</hash></file></vpn></vpn-profile-manifest></config>\n");
	}
	return r ? -EINVAL : put_close(wr);
}

int eap_acxml_build_ack(struct buf_writer *wr, const struct eap_acxml_client *c)
{
	int r;

	put_open(wr, EAP_ACXML_ACK);
	if ((r = put_client(wr, c)) < 0)
		return r;
	buf_put_str(wr, "\n");
	return put_close(wr);
}
