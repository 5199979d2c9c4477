/*
 * profile_policy.c - AnyConnectLocalPolicy.xml (AnyConnectLocalPolicy.xsd): flat flags
 * (BypassDownloader, StrictCertificateTrust, ...) and UpdatePolicy's children, kept by
 * path ("UpdatePolicy/AllowVPNProfileUpdatesFromAnyServer"). Values of the schema's
 * boolean flags must be true or false.
 */
#define _GNU_SOURCE /* asprintf */
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "profile/profile_internal.h"

struct profile_policy {
	char *file;
	struct profile_strv names;
	struct profile_strv values;
};

static bool is_bool(const char *t)
{
	return strcmp(t, "true") == 0 || strcmp(t, "false") == 0;
}

/* Flags whose schema type is a boolean (AnyConnectLocalPolicy.xsd); others are text. */
static bool bool_flag(const char *name)
{
	static const char *const prefixes[] = {"Allow",	 "Bypass", "Exclude",	    "Restrict",
					       "Strict", "Fips",   "EnableCRLCheck"};

	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

static int walk_policy(struct profile_policy *p, const xmlNode *node, const char *prefix,
		       struct profile_diags *diags)
{
	int r = 0;

	for (const xmlNode *c = node->children; c; c = c->next) {
		_cleanup_free_ char *path = NULL, *t = NULL;
		bool has_children = false;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (asprintf(&path, "%s%s%s", prefix, *prefix ? "/" : "", (const char *)c->name) <
		    0)
			abort();
		for (const xmlNode *g = c->children; g; g = g->next)
			has_children |= g->type == XML_ELEMENT_NODE;
		if (has_children) {
			if (walk_policy(p, c, path, diags) < 0)
				r = -EBADMSG;
			continue;
		}
		t = profile_xml_text(c);
		if (bool_flag((const char *)c->name) && !is_bool(t)) {
			profile_diag_add(diags, PROFILE_DIAG_ERROR, p->file, profile_xml_line(c),
					 (const char *)c->name, "'%s' is not one of true, false",
					 t);
			r = -EBADMSG;
		}
		profile_strv_push(&p->names, path, profile_xml_line(c));
		profile_strv_push(&p->values, t, profile_xml_line(c));
	}
	return r;
}

int profile_policy_parse(const char *file, const void *data, size_t len,
			 struct profile_policy **ret_policy, struct profile_diags *diags)
{
	struct profile_policy *p;
	xmlDoc *doc = NULL;
	const xmlNode *root;
	int r;

	file = file ? file : "(input)";
	r = profile_xml_read_root(file, data, len, "AnyConnectLocalPolicy", &doc, &root, diags);
	if (r < 0)
		return r;
	p = xcalloc(1, sizeof(*p));
	p->file = xstrdup(file);
	profile_xml_check_stray_text(root, file, diags);
	r = walk_policy(p, root, "", diags);
	xmlFreeDoc(doc);
	if (r < 0) {
		profile_policy_free(p);
		return r;
	}
	*ret_policy = p;
	return 0;
}

struct profile_policy *profile_policy_free(struct profile_policy *p)
{
	if (!p)
		return NULL;
	profile_strv_done(&p->names);
	profile_strv_done(&p->values);
	free(p->file);
	free(p);
	return NULL;
}

void profile_policy_freep(struct profile_policy **p)
{
	*p = profile_policy_free(*p);
}

size_t profile_policy_count(const struct profile_policy *p)
{
	return p->names.n;
}

const char *profile_policy_at(const struct profile_policy *p, size_t i, const char **ret_value)
{
	if (i >= p->names.n)
		return NULL;
	if (ret_value)
		*ret_value = p->values.v[i];
	return p->names.v[i];
}

int profile_policy_bool(const struct profile_policy *p, const char *name, bool *ret)
{
	for (size_t i = 0; i < p->names.n; i++) {
		if (strcmp(p->names.v[i], name) != 0)
			continue;
		if (!is_bool(p->values.v[i]))
			return -EBADMSG;
		*ret = strcmp(p->values.v[i], "true") == 0;
		return 0;
	}
	return -ENOENT;
}
