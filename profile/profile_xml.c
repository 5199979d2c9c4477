/*
 * profile_xml.c - libxml2 used the strict way (STYLE.md §12, "Lenient XML"): no network,
 * no DTD loading, no entity substitution, no recovery; a DOCTYPE is refused outright so
 * neither an external DTD nor an internal entity (billion laughs) can matter. libxml2's
 * own error text and line go into a diagnostic; nothing is printed.
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "core/xmalloc.h"
#include "profile/profile_internal.h"

#define LOG_MODULE "profile"
#include "core/log.h"

static int parse_options(void)
{
	int o = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_BIG_LINES |
		XML_PARSE_NOCDATA;
#ifdef XML_PARSE_NO_XXE
	o |= XML_PARSE_NO_XXE; /* libxml2 >= 2.13 */
#endif
	return o;
}

static char *trimmed(const char *s)
{
	size_t n;

	s += strspn(s, " \t\r\n");
	n = strlen(s);
	while (n && strchr(" \t\r\n", s[n - 1]))
		n--;
	return xstrndup(s, n);
}

/* The first error: later ones are mostly consequences of it. */
struct first_error {
	bool set;
	int line;
	char *message;
};

static void keep_first_error(void *user_data, xmlErrorPtr e)
{
	xmlParserCtxt *ctxt = user_data;
	struct first_error *f = ctxt ? ctxt->_private : NULL;

	if (!f || f->set || !e || e->level < XML_ERR_ERROR)
		return;
	f->set = true;
	f->line = e->line;
	f->message = xstrdup(e->message ? e->message : "");
}

static void report_parse_error(xmlParserCtxt *ctxt, const struct first_error *f, const char *file,
			       struct profile_diags *diags)
{
	const xmlError *e = xmlCtxtGetLastError(ctxt);
	_cleanup_free_ char *msg = NULL;

	if (f->set) {
		msg = trimmed(f->message);
		profile_diag_add(diags, PROFILE_DIAG_ERROR, file,
				 f->line > 0 ? (unsigned int)f->line : 0, NULL,
				 "not well-formed XML: %s", msg);
		return;
	}
	if (!e || !e->message) {
		profile_diag_add(diags, PROFILE_DIAG_ERROR, file, 0, NULL, "not well-formed XML");
		return;
	}
	msg = trimmed(e->message);
	profile_diag_add(diags, PROFILE_DIAG_ERROR, file, e->line > 0 ? (unsigned int)e->line : 0,
			 NULL, "not well-formed XML: %s", msg);
}

/*
 * Some libxml2 errors (encoding conversion) have no parser context and go to the
 * thread's generic handler, which prints to stderr; libraries never print, so it is
 * silenced for the parse and the caller's handler put back afterwards.
 */
static void silent(void *ctx, const char *msg, ...)
{
}

static xmlDoc *read_quietly(xmlParserCtxt *ctxt, const void *data, size_t len)
{
	xmlGenericErrorFunc old = xmlGenericError;
	void *old_ctx = xmlGenericErrorContext;
	xmlDoc *doc;

	xmlSetGenericErrorFunc(NULL, silent);
	doc = xmlCtxtReadMemory(ctxt, data, (int)len, NULL, NULL, parse_options());
	xmlSetGenericErrorFunc(old_ctx, old);
	return doc;
}

int profile_xml_read(const char *file, const void *data, size_t len, xmlDoc **ret_doc,
		     struct profile_diags *diags)
{
	struct first_error first = {0};
	xmlParserCtxt *ctxt;
	xmlDoc *doc;

	if (len > PROFILE_FILE_MAX) {
		profile_diag_add(diags, PROFILE_DIAG_ERROR, file, 0, NULL,
				 "%zu bytes is over the %u-byte limit", len, PROFILE_FILE_MAX);
		return -EMSGSIZE;
	}
	if (len > INT32_MAX || !data) /* xmlCtxtReadMemory takes an int */
		return -EINVAL;
	ctxt = xmlNewParserCtxt();
	if (!ctxt)
		abort(); /* OOM, as xmalloc */
	/* Structured handler: records the error instead of libxml2 printing it. */
	ctxt->_private = &first;
	ctxt->sax->serror = keep_first_error;
	doc = read_quietly(ctxt, data, len);
	if (!doc || !ctxt->wellFormed) {
		report_parse_error(ctxt, &first, file, diags);
		free(first.message);
		xmlFreeDoc(doc);
		xmlFreeParserCtxt(ctxt);
		return -EBADMSG;
	}
	free(first.message);
	xmlFreeParserCtxt(ctxt);
	if (doc->intSubset || doc->extSubset) {
		profile_diag_add(diags, PROFILE_DIAG_ERROR, file,
				 doc->intSubset ? profile_xml_line((xmlNode *)doc->intSubset) : 0,
				 NULL, "a DOCTYPE is not allowed in a profile");
		xmlFreeDoc(doc);
		return -EBADMSG;
	}
	if (!xmlDocGetRootElement(doc)) {
		profile_diag_add(diags, PROFILE_DIAG_ERROR, file, 0, NULL, "no root element");
		xmlFreeDoc(doc);
		return -EBADMSG;
	}
	*ret_doc = doc;
	return 0;
}

int profile_xml_read_root(const char *file, const void *data, size_t len, const char *root_name,
			  xmlDoc **ret_doc, const xmlNode **ret_root, struct profile_diags *diags)
{
	xmlDoc *doc = NULL;
	const xmlNode *root;
	int r = profile_xml_read(file, data, len, &doc, diags);

	if (r < 0)
		return r;
	root = xmlDocGetRootElement(doc);
	if (!profile_xml_is(root, root_name)) {
		xmlFreeDoc(doc);
		return -EMEDIUMTYPE;
	}
	*ret_doc = doc;
	*ret_root = root;
	return 0;
}

char *profile_xml_text(const xmlNode *node)
{
	size_t len = 0;
	char *buf = xstrdup(""), *t;

	for (const xmlNode *c = node->children; c; c = c->next) {
		size_t n;

		if ((c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE) || !c->content)
			continue;
		n = strlen((const char *)c->content);
		buf = xrealloc(buf, len + n + 1);
		memcpy(buf + len, c->content, n + 1);
		len += n;
	}
	t = trimmed(buf);
	free(buf);
	return t;
}

unsigned int profile_xml_line(const xmlNode *node)
{
	long l = xmlGetLineNo(node);

	return l > 0 ? (unsigned int)l : 0;
}

bool profile_xml_is(const xmlNode *node, const char *name)
{
	return node->type == XML_ELEMENT_NODE && strcmp((const char *)node->name, name) == 0;
}

void profile_xml_check_stray_text(const xmlNode *node, const char *file,
				  struct profile_diags *diags)
{
	_cleanup_free_ char *t = profile_xml_text(node);

	if (*t) {
		profile_diag_add(diags, PROFILE_DIAG_DEBUG, file, profile_xml_line(node),
				 (const char *)node->name, "stray text '%.40s' ignored", t);
		log_debug("%s:%u: %s: stray text ignored", file, profile_xml_line(node),
			  (const char *)node->name);
	}
}
