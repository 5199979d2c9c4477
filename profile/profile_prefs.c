/*
 * profile_prefs.c - AnyConnectPreferences: the per-user preferences.xml (~/.anyconnect on
 * older clients) and the machine-wide preferences_global.xml. Top-level elements
 * (DefaultUser, DefaultHostName, ...) are kept as text; ControllablePreferences children
 * are settings typed by the profile key table and only ever apply where the profile
 * allows UserControllable (profile_effective()).
 */
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "profile/profile_internal.h"

#define LOG_MODULE "profile"
#include "core/log.h"

struct profile_prefs {
	char *file;
	struct profile_strv names;
	struct profile_strv values;
	struct profile_slot controllable[PROFILE_CLIENT_KEY_COUNT];
};

const struct profile_slot *profile_prefs_slot(const struct profile_prefs *p, enum profile_key key)
{
	if (!p || (int)key < 0 || (size_t)key >= PROFILE_CLIENT_KEY_COUNT ||
	    !p->controllable[key].text)
		return NULL;
	return &p->controllable[key];
}

const char *profile_prefs_file(const struct profile_prefs *p)
{
	return p->file;
}

static int walk_controllable(struct profile_prefs *p, const xmlNode *list,
			     struct profile_diags *diags)
{
	int r = 0;

	for (const xmlNode *c = list->children; c; c = c->next) {
		enum profile_key k;
		_cleanup_free_ char *t = NULL;
		unsigned int line;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		line = profile_xml_line(c);
		k = profile_key_from_name((const char *)c->name);
		if (k == _PROFILE_KEY_INVALID || PROFILE_KEY_IS_HOST(k) ||
		    !profile_key_has_user_controllable(k)) {
			profile_diag_add(diags, PROFILE_DIAG_DEBUG, p->file, line,
					 (const char *)c->name,
					 "not a user-controllable setting, kept and ignored");
			log_debug("%s:%u: preference %s is not user-controllable", p->file, line,
				  (const char *)c->name);
			continue;
		}
		t = profile_xml_text(c);
		if (profile_key_set(k, t, line, p->file, &p->controllable[k], diags) < 0)
			r = -EBADMSG;
		/* A preference may nest like the profile (AutoReconnectBehavior in AutoReconnect).
		 */
		if (walk_controllable(p, c, diags) < 0)
			r = -EBADMSG;
	}
	return r;
}

static int walk_prefs(struct profile_prefs *p, const xmlNode *root, struct profile_diags *diags)
{
	int r = 0;

	profile_xml_check_stray_text(root, p->file, diags);
	for (const xmlNode *c = root->children; c; c = c->next) {
		_cleanup_free_ char *t = NULL;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (profile_xml_is(c, "ControllablePreferences")) {
			if (walk_controllable(p, c, diags) < 0)
				r = -EBADMSG;
			continue;
		}
		t = profile_xml_text(c);
		profile_strv_push(&p->names, (const char *)c->name, profile_xml_line(c));
		profile_strv_push(&p->values, t, profile_xml_line(c));
	}
	return r;
}

int profile_prefs_parse(const char *file, const void *data, size_t len,
			struct profile_prefs **ret_prefs, struct profile_diags *diags)
{
	struct profile_prefs *p;
	xmlDoc *doc = NULL;
	const xmlNode *root;
	int r;

	file = file ? file : "(input)";
	r = profile_xml_read_root(file, data, len, "AnyConnectPreferences", &doc, &root, diags);
	if (r < 0)
		return r;
	p = xcalloc(1, sizeof(*p));
	p->file = xstrdup(file);
	r = walk_prefs(p, root, diags);
	xmlFreeDoc(doc);
	if (r < 0) {
		profile_prefs_free(p);
		return r;
	}
	*ret_prefs = p;
	return 0;
}

struct profile_prefs *profile_prefs_free(struct profile_prefs *p)
{
	if (!p)
		return NULL;
	profile_strv_done(&p->names);
	profile_strv_done(&p->values);
	for (size_t i = 0; i < PROFILE_CLIENT_KEY_COUNT; i++)
		profile_slot_done(&p->controllable[i]);
	free(p->file);
	free(p);
	return NULL;
}

void profile_prefs_freep(struct profile_prefs **p)
{
	*p = profile_prefs_free(*p);
}

const char *profile_prefs_get(const struct profile_prefs *p, const char *name)
{
	for (size_t i = 0; p && i < p->names.n; i++)
		if (strcmp(p->names.v[i], name) == 0)
			return p->values.v[i];
	return NULL;
}

const char *profile_prefs_default_host(const struct profile_prefs *p)
{
	const char *h = profile_prefs_get(p, "DefaultHostName");

	if (h && *h)
		return h;
	h = profile_prefs_get(p, "DefaultHost"); /* older clients' ~/.anyconnect */
	return h && *h ? h : NULL;
}

size_t profile_prefs_count(const struct profile_prefs *p)
{
	return p->names.n;
}

const char *profile_prefs_at(const struct profile_prefs *p, size_t i, const char **ret_value)
{
	if (i >= p->names.n)
		return NULL;
	if (ret_value)
		*ret_value = p->values.v[i];
	return p->names.v[i];
}
