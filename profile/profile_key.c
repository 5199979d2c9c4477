/*
 * profile_key.c - the settings table generated from PROFILE_CLIENT_KEYS/PROFILE_HOST_KEYS
 * in profile.h: element names, types, schema defaults (AnyConnectProfile.xsd) and value
 * validation. Values are checked as the schema types them, after trimming the XML
 * whitespace that hand-edited profiles carry around enum values.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "profile/profile_internal.h"

#define PROFILE_KEY_NONE (-1)

struct key_info {
	const char *name;
	int parent;
	enum profile_type type;
	const char *def;
	const char *values; /* '|'-separated */
	long min, max;
	int uc;
};

#define KEY_INFO_(k, n, p, t, d, v, mn, mx, u) \
	{.name = n,                            \
	 .parent = PROFILE_KEY_##p,            \
	 .type = PROFILE_TYPE_##t,             \
	 .def = d,                             \
	 .values = v,                          \
	 .min = mn,                            \
	 .max = mx,                            \
	 .uc = u},
static const struct key_info keys[] = {PROFILE_CLIENT_KEYS(KEY_INFO_) PROFILE_HOST_KEYS(KEY_INFO_)};
#undef KEY_INFO_

_Static_assert(ARRAY_SIZE(keys) == _PROFILE_KEY_MAX, "key table and enum disagree");

static const struct key_info *info(enum profile_key key)
{
	return (int)key >= 0 && key < _PROFILE_KEY_MAX ? &keys[key] : NULL;
}

const char *profile_key_name(enum profile_key key)
{
	return info(key) ? info(key)->name : NULL;
}

enum profile_key profile_key_from_name(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(keys); i++)
		if (strcmp(keys[i].name, name) == 0)
			return (enum profile_key)i;
	return _PROFILE_KEY_INVALID;
}

enum profile_type profile_key_type(enum profile_key key)
{
	return info(key) ? info(key)->type : PROFILE_TYPE_STRING;
}

const char *profile_key_default(enum profile_key key)
{
	return info(key) ? info(key)->def : "";
}

bool profile_key_has_user_controllable(enum profile_key key)
{
	return info(key) && info(key)->uc >= 0;
}

int profile_key_parent(enum profile_key key)
{
	return info(key) ? info(key)->parent : PROFILE_KEY_NONE;
}

int profile_key_uc_default(enum profile_key key)
{
	return info(key) ? info(key)->uc : -1;
}

enum profile_key profile_key_lookup(const char *name, int parent, bool host_scope)
{
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		bool host = PROFILE_KEY_IS_HOST((enum profile_key)i);

		if (host == host_scope && keys[i].parent == parent &&
		    strcmp(keys[i].name, name) == 0)
			return (enum profile_key)i;
	}
	return _PROFILE_KEY_INVALID;
}

/* Index of text among the '|'-separated values, or -1. */
static long enum_index(const char *values, const char *text)
{
	size_t tlen = strlen(text);
	long idx = 0;

	for (const char *p = values; p; idx++) {
		const char *bar = strchr(p, '|');
		size_t n = bar ? (size_t)(bar - p) : strlen(p);

		if (n == tlen && memcmp(p, text, n) == 0)
			return idx;
		p = bar ? bar + 1 : NULL;
	}
	return -1;
}

/* "A, B or C" for messages: the values list with its separators spelled out. */
static char *enum_list(const char *values)
{
	size_t n = strlen(values), out = 0;
	char *s = xmalloc(n * 2 + 1);

	for (size_t i = 0; i < n; i++) {
		if (values[i] == '|') {
			s[out++] = ',';
			s[out++] = ' ';
		} else {
			s[out++] = values[i];
		}
	}
	s[out] = '\0';
	return s;
}

static int parse_long(const char *text, long *ret)
{
	char *end;
	long v;

	if (!*text || strspn(text, "0123456789-+") != strlen(text))
		return -EBADMSG;
	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || *end)
		return -EBADMSG;
	*ret = v;
	return 0;
}

static int check_value(const struct key_info *k, const char *text, long *ret_num, const char *file,
		       unsigned int line, struct profile_diags *diags)
{
	_cleanup_free_ char *list = NULL;
	long v;

	switch (k->type) {
	case PROFILE_TYPE_BOOL:
		v = enum_index("false|true", text);
		if (v < 0)
			goto bad_enum;
		*ret_num = v;
		return 0;
	case PROFILE_TYPE_ENUM:
		v = enum_index(k->values, text);
		if (v < 0)
			goto bad_enum;
		*ret_num = v;
		return 0;
	case PROFILE_TYPE_INT:
		if (parse_long(text, &v) < 0) {
			profile_diag_add(diags, PROFILE_DIAG_ERROR, file, line, k->name,
					 "'%s' is not a number", text);
			return -EBADMSG;
		}
		if (v < k->min || v > k->max) {
			profile_diag_add(diags, PROFILE_DIAG_ERROR, file, line, k->name,
					 "'%s' is not in %ld..%ld", text, k->min, k->max);
			return -EBADMSG;
		}
		*ret_num = v;
		return 0;
	case PROFILE_TYPE_STRING:
		*ret_num = 0;
		return 0;
	case _PROFILE_TYPE_MAX:
		break;
	}
	return -EINVAL;
bad_enum:
	list = enum_list(k->type == PROFILE_TYPE_BOOL ? "true|false" : k->values);
	profile_diag_add(diags, PROFILE_DIAG_ERROR, file, line, k->name, "'%s' is not one of %s",
			 text, list);
	return -EBADMSG;
}

int profile_key_set(enum profile_key key, const char *text, unsigned int line, const char *file,
		    struct profile_slot *slot, struct profile_diags *diags)
{
	const struct key_info *k = info(key);
	long num;
	int r;

	if (!k)
		return -EINVAL;
	if (slot->present)
		profile_diag_add(diags, PROFILE_DIAG_WARNING, file, line, k->name,
				 "repeated (first at line %u); the last one is used", slot->line);
	slot->present = true;
	slot->line = line;
	free(slot->text);
	slot->text = NULL;
	/* An empty element takes the schema default (XML Schema §3.3.1 "default"). */
	if (!*text && k->type != PROFILE_TYPE_STRING)
		return 0;
	r = check_value(k, text, &num, file, line, diags);
	if (r < 0)
		return r;
	slot->text = xstrdup(text);
	slot->num = num;
	return 0;
}

int profile_key_set_uc(const xmlNode *node, const char *file, struct profile_slot *slot,
		       struct profile_diags *diags)
{
	xmlChar *v = xmlGetProp(node, (const xmlChar *)"UserControllable");
	int r = 0;

	if (!v)
		return 0;
	if (strcmp((char *)v, "true") == 0 || strcmp((char *)v, "false") == 0) {
		slot->has_uc = true;
		slot->uc = strcmp((char *)v, "true") == 0;
	} else {
		profile_diag_add(diags, PROFILE_DIAG_ERROR, file, profile_xml_line(node),
				 (const char *)node->name,
				 "UserControllable '%s' is not one of true, false", (char *)v);
		r = -EBADMSG;
	}
	xmlFree(v);
	return r;
}

void profile_slot_done(struct profile_slot *slot)
{
	free(slot->text);
	*slot = (struct profile_slot){0};
}

long profile_key_default_num(enum profile_key key)
{
	const struct key_info *k = info(key);
	long v = 0;

	if (!k)
		return 0;
	switch (k->type) {
	case PROFILE_TYPE_BOOL:
		return enum_index("false|true", k->def);
	case PROFILE_TYPE_ENUM:
		return enum_index(k->values, k->def);
	case PROFILE_TYPE_INT:
		return parse_long(k->def, &v) < 0 ? 0 : v;
	case PROFILE_TYPE_STRING:
	case _PROFILE_TYPE_MAX:
		break;
	}
	return 0;
}
