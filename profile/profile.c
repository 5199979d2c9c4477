/*
 * profile.c - one AnyConnectProfile document (AnyConnectProfile.xsd): ClientInitialization
 * settings through the key table, ServerList/HostEntry hosts, and the list-shaped
 * elements (BackupServerList, CertificatePinList, TrustedHttpsServerList).
 *
 * As Secure Client does, the namespace is not checked (profiles in the wild carry none,
 * the encoding namespace, or a made-up one), unknown elements are kept and reported at
 * debug level, and ServerList may repeat. A value the schema rejects is an error.
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "core/xmalloc.h"
#include "profile/profile_internal.h"

#define LOG_MODULE "profile"
#include "core/log.h"

#define PROFILE_KEY_NONE (-1)

struct walk {
	struct profile *p;
	const char *file;
	struct profile_diags *diags;
	int r; /* first error */
};

/* Elements of the schema Anyroam accepts without using (certificate enrollment, mobile). */
static const char *const client_ignored[] = {
	"CertificateMatch",
	"CertificateEnrollment",
	"MobilePolicy",
	"DeviceLockRequired",
};
static const char *const host_ignored[] = {
	"LoadBalancingServerList",
	"CAURL",
	"MobileHostEntryInfo",
};

static bool in_list(const char *const *list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], name) == 0)
			return true;
	return false;
}

static void fail(struct walk *w, int r)
{
	if (r < 0 && w->r == 0)
		w->r = r;
}

static void unknown(struct walk *w, const xmlNode *n, const char *where)
{
	unsigned int line = profile_xml_line(n);

	profile_strv_push(&w->p->unknown, (const char *)n->name, line);
	profile_diag_add(w->diags, PROFILE_DIAG_DEBUG, w->file, line, (const char *)n->name,
			 "unknown element in %s, kept", where);
	log_debug("%s:%u: unknown element %s in %s kept", w->file, line, (const char *)n->name,
		  where);
}

/* <List><Item>text</Item>...</List>: each non-empty Item text is appended. */
static void walk_list(struct walk *w, const xmlNode *list, const char *item,
		      struct profile_strv *out)
{
	for (const xmlNode *c = list->children; c; c = c->next) {
		_cleanup_free_ char *t = NULL;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (!profile_xml_is(c, item)) {
			unknown(w, c, (const char *)list->name);
			continue;
		}
		t = profile_xml_text(c);
		if (*t)
			profile_strv_push(out, t, profile_xml_line(c));
	}
}

static char *child_text(const xmlNode *n, const char *name)
{
	for (const xmlNode *c = n->children; c; c = c->next)
		if (profile_xml_is(c, name))
			return profile_xml_text(c);
	return xstrdup("");
}

static void walk_trusted_https(struct walk *w, const xmlNode *list)
{
	struct profile *p = w->p;

	for (const xmlNode *c = list->children; c; c = c->next) {
		struct profile_trusted_https *t;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (!profile_xml_is(c, "TrustedHttpsServer")) {
			unknown(w, c, "TrustedHttpsServerList");
			continue;
		}
		p->trusted = xrealloc(p->trusted, (p->n_trusted + 1) * sizeof(*p->trusted));
		t = &p->trusted[p->n_trusted++];
		t->address = child_text(c, "Address");
		t->port = child_text(c, "Port");
		t->certificate_hash = child_text(c, "CertificateHash");
	}
}

/* Elements that are lists rather than settings; true if n was one of them. */
static bool walk_client_special(struct walk *w, const xmlNode *n, int parent)
{
	if (parent == PROFILE_KEY_NONE && profile_xml_is(n, "BackupServerList"))
		walk_list(w, n, "HostAddress", &w->p->backups);
	else if (parent == PROFILE_KEY_CERTIFICATE_PINNING &&
		 profile_xml_is(n, "CertificatePinList"))
		walk_list(w, n, "Pin", &w->p->pins);
	else if (parent == PROFILE_KEY_AUTOMATIC_VPN_POLICY &&
		 profile_xml_is(n, "TrustedHttpsServerList"))
		walk_trusted_https(w, n);
	else if (parent == PROFILE_KEY_NONE &&
		 in_list(client_ignored, ARRAY_SIZE(client_ignored), (const char *)n->name))
		log_debug("%s:%u: %s is not used by Anyroam", w->file, profile_xml_line(n),
			  (const char *)n->name);
	else
		return false;
	return true;
}

static bool walk_host_special(struct walk *w, struct profile_host *h, const xmlNode *n, int parent)
{
	if (parent == PROFILE_KEY_NONE && profile_xml_is(n, "BackupServerList"))
		walk_list(w, n, "HostAddress", &h->backups);
	else if (parent == PROFILE_KEY_NONE && profile_xml_is(n, "CertificatePinList"))
		walk_list(w, n, "Pin", &h->pins);
	else if (parent == PROFILE_KEY_NONE &&
		 in_list(host_ignored, ARRAY_SIZE(host_ignored), (const char *)n->name))
		log_debug("%s:%u: %s is not used by Anyroam", w->file, profile_xml_line(n),
			  (const char *)n->name);
	else
		return false;
	return true;
}

/* One setting element: its value (direct text, mixed content allowed) and attribute. */
static void set_slot(struct walk *w, enum profile_key k, const xmlNode *n,
		     struct profile_slot *slot)
{
	_cleanup_free_ char *t = profile_xml_text(n);

	fail(w, profile_key_set(k, t, profile_xml_line(n), w->file, slot, w->diags));
	if (profile_key_has_user_controllable(k))
		fail(w, profile_key_set_uc(n, w->file, slot, w->diags));
}

/* Walks the children of a ClientInitialization (parent NONE) or of a mixed setting. */
static void walk_settings(struct walk *w, const xmlNode *node, int parent, struct profile_host *h)
{
	for (const xmlNode *c = node->children; c; c = c->next) {
		enum profile_key k;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		k = profile_key_lookup((const char *)c->name, parent, h != NULL);
		if (k == _PROFILE_KEY_INVALID) {
			bool special = h ? walk_host_special(w, h, c, parent)
					 : walk_client_special(w, c, parent);
			if (!special)
				unknown(w, c, (const char *)node->name);
			continue;
		}
		set_slot(w, k, c, h ? &h->slot[PROFILE_HOST_SLOT(k)] : &w->p->client[k]);
		walk_settings(w, c, (int)k, h);
	}
}

static void walk_host(struct walk *w, const xmlNode *n)
{
	struct profile *p = w->p;
	struct profile_host *h = xcalloc(1, sizeof(*h));

	h->profile = p;
	h->line = profile_xml_line(n);
	profile_xml_check_stray_text(n, w->file, w->diags);
	walk_settings(w, n, PROFILE_KEY_NONE, h);
	if (!h->slot[PROFILE_HOST_SLOT(PROFILE_KEY_HOST_NAME)].text ||
	    !*h->slot[PROFILE_HOST_SLOT(PROFILE_KEY_HOST_NAME)].text) {
		profile_diag_add(w->diags, PROFILE_DIAG_ERROR, w->file, h->line, "HostEntry",
				 "HostName is missing or empty");
		fail(w, -EBADMSG);
		profile_host_free(h);
		return;
	}
	p->hosts = xrealloc(p->hosts, (p->n_hosts + 1) * sizeof(*p->hosts));
	p->hosts[p->n_hosts++] = h;
}

static void walk_server_list(struct walk *w, const xmlNode *list)
{
	profile_xml_check_stray_text(list, w->file, w->diags);
	for (const xmlNode *c = list->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (profile_xml_is(c, "HostEntry"))
			walk_host(w, c);
		else
			unknown(w, c, "ServerList");
	}
}

static void walk_root(struct walk *w, const xmlNode *root)
{
	profile_xml_check_stray_text(root, w->file, w->diags);
	for (const xmlNode *c = root->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (profile_xml_is(c, "ClientInitialization")) {
			profile_xml_check_stray_text(c, w->file, w->diags);
			walk_settings(w, c, PROFILE_KEY_NONE, NULL);
		} else if (profile_xml_is(c, "ServerList")) {
			walk_server_list(w, c);
		} else {
			unknown(w, c, "AnyConnectProfile");
		}
	}
}

int profile_parse(const char *file, const void *data, size_t len, struct profile **ret_profile,
		  struct profile_diags *diags)
{
	struct walk w = {.file = file ? file : "(input)", .diags = diags};
	xmlDoc *doc = NULL;
	const xmlNode *root;
	int r;

	r = profile_xml_read_root(w.file, data, len, "AnyConnectProfile", &doc, &root, diags);
	if (r < 0)
		return r;
	w.p = xcalloc(1, sizeof(*w.p));
	w.p->file = xstrdup(w.file);
	walk_root(&w, root);
	xmlFreeDoc(doc);
	if (w.r < 0) {
		profile_free(w.p);
		return w.r;
	}
	*ret_profile = w.p;
	return 0;
}

void profile_host_free(struct profile_host *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < PROFILE_HOST_KEY_COUNT; i++)
		profile_slot_done(&h->slot[i]);
	profile_strv_done(&h->backups);
	profile_strv_done(&h->pins);
	free(h);
}

struct profile *profile_free(struct profile *p)
{
	if (!p)
		return NULL;
	for (size_t i = 0; i < PROFILE_CLIENT_KEY_COUNT; i++)
		profile_slot_done(&p->client[i]);
	for (size_t i = 0; i < p->n_hosts; i++)
		profile_host_free(p->hosts[i]);
	for (size_t i = 0; i < p->n_trusted; i++) {
		free((char *)p->trusted[i].address);
		free((char *)p->trusted[i].port);
		free((char *)p->trusted[i].certificate_hash);
	}
	free(p->trusted);
	free(p->hosts);
	profile_strv_done(&p->unknown);
	profile_strv_done(&p->backups);
	profile_strv_done(&p->pins);
	free(p->file);
	free(p);
	return NULL;
}

void profile_freep(struct profile **p)
{
	*p = profile_free(*p);
}

const char *profile_file(const struct profile *p)
{
	return p->file;
}

size_t profile_host_count(const struct profile *p)
{
	return p->n_hosts;
}

const struct profile_host *profile_host_at(const struct profile *p, size_t i)
{
	return i < p->n_hosts ? p->hosts[i] : NULL;
}

size_t profile_unknown_count(const struct profile *p)
{
	return p->unknown.n;
}

const char *profile_unknown_at(const struct profile *p, size_t i, unsigned int *ret_line)
{
	if (i >= p->unknown.n)
		return NULL;
	if (ret_line)
		*ret_line = p->unknown.lines[i];
	return p->unknown.v[i];
}

size_t profile_backup_server_count(const struct profile *p)
{
	return p->backups.n;
}

const char *profile_backup_server_at(const struct profile *p, size_t i)
{
	return i < p->backups.n ? p->backups.v[i] : NULL;
}

size_t profile_pin_count(const struct profile *p)
{
	return p->pins.n;
}

const char *profile_pin_at(const struct profile *p, size_t i)
{
	return i < p->pins.n ? p->pins.v[i] : NULL;
}

size_t profile_trusted_https_count(const struct profile *p)
{
	return p->n_trusted;
}

const struct profile_trusted_https *profile_trusted_https_at(const struct profile *p, size_t i)
{
	return i < p->n_trusted ? &p->trusted[i] : NULL;
}
