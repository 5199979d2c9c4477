/*
 * profile_set.c - effective values and the merged profile directories.
 *
 * Precedence per setting, lowest first: schema default, the profile, preferences_global.xml,
 * preferences.xml; a preference counts only when the profile (or the schema default of the
 * attribute) says UserControllable="true". Hosts of every profile form one list, as Secure
 * Client shows them; each host keeps the ClientInitialization of the profile it came from.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/xmalloc.h"
#include "profile/profile_internal.h"

#define LOG_MODULE "profile"
#include "core/log.h"

struct profile_set {
	struct profile **profiles;
	size_t n_profiles;
	const struct profile_host **hosts;
	size_t n_hosts;
	struct profile_prefs *global;
	struct profile_prefs *user;
};

const char *const profile_default_dirs[3] = {
	PROFILE_DIR_ANYROAM,
	PROFILE_DIR_SECURECLIENT,
	PROFILE_DIR_ANYCONNECT,
};

#define ORIGIN_NAME_(o, s) s,
static const char *const origin_names[] = {PROFILE_ORIGINS(ORIGIN_NAME_)};
#undef ORIGIN_NAME_

const char *profile_origin_name(enum profile_origin origin)
{
	return (int)origin >= 0 && origin < _PROFILE_ORIGIN_MAX ? origin_names[origin] : "?";
}

#define AUTH_NAME_(a, s) s,
static const char *const auth_names[] = {PROFILE_AUTH_METHODS(AUTH_NAME_)};
#undef AUTH_NAME_

const char *profile_auth_name(enum profile_auth a)
{
	return (int)a >= 0 && a < _PROFILE_AUTH_MAX ? auth_names[a] : "?";
}

static enum profile_auth auth_from_name(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(auth_names); i++)
		if (strcmp(auth_names[i], s) == 0)
			return (enum profile_auth)i;
	return _PROFILE_AUTH_INVALID;
}

static void apply_pref(const struct profile_prefs *prefs, enum profile_key key,
		       enum profile_origin origin, struct profile_value *v)
{
	const struct profile_slot *s = profile_prefs_slot(prefs, key);

	if (!s)
		return;
	v->text = s->text;
	v->num = s->num;
	v->origin = origin;
	v->file = profile_prefs_file(prefs);
	v->line = s->line;
}

int profile_effective(const struct profile *p, const struct profile_prefs *global,
		      const struct profile_prefs *user, enum profile_key key,
		      struct profile_value *ret)
{
	const struct profile_slot *s;
	struct profile_value v;

	if ((int)key < 0 || (size_t)key >= PROFILE_CLIENT_KEY_COUNT)
		return -EINVAL;
	s = p ? &p->client[key] : NULL;
	v = (struct profile_value){.text = profile_key_default(key),
				   .num = profile_key_default_num(key),
				   .origin = PROFILE_ORIGIN_DEFAULT,
				   .user_controllable = profile_key_uc_default(key) == 1};
	if (s && s->text) {
		v.text = s->text;
		v.num = s->num;
		v.origin = PROFILE_ORIGIN_PROFILE;
		v.file = p->file;
		v.line = s->line;
	}
	if (s && s->has_uc)
		v.user_controllable = s->uc;
	if (v.user_controllable) {
		apply_pref(global, key, PROFILE_ORIGIN_GLOBAL_PREF, &v);
		apply_pref(user, key, PROFILE_ORIGIN_USER_PREF, &v);
	}
	*ret = v;
	return 0;
}

struct profile_set *profile_set_new(void)
{
	return xcalloc(1, sizeof(struct profile_set));
}

struct profile_set *profile_set_free(struct profile_set *set)
{
	if (!set)
		return NULL;
	for (size_t i = 0; i < set->n_profiles; i++)
		profile_free(set->profiles[i]);
	free(set->profiles);
	free(set->hosts);
	profile_prefs_free(set->global);
	profile_prefs_free(set->user);
	free(set);
	return NULL;
}

void profile_set_freep(struct profile_set **set)
{
	*set = profile_set_free(*set);
}

static const struct profile_host *find_by_name(const struct profile_set *set, const char *name)
{
	for (size_t i = 0; i < set->n_hosts; i++)
		if (strcmp(profile_host_name(set->hosts[i]), name) == 0)
			return set->hosts[i];
	return NULL;
}

void profile_set_add(struct profile_set *set, struct profile *p, struct profile_diags *diags)
{
	if (!p)
		return;
	set->profiles = xrealloc(set->profiles, (set->n_profiles + 1) * sizeof(*set->profiles));
	set->profiles[set->n_profiles++] = p;
	for (size_t i = 0; i < p->n_hosts; i++) {
		const struct profile_host *h = p->hosts[i], *first;

		first = find_by_name(set, profile_host_name(h));
		if (first) {
			/* Deterministic: the earlier directory / file name keeps the name. */
			profile_diag_add(diags, PROFILE_DIAG_WARNING, p->file, h->line, "HostName",
					 "'%s' is already defined in %s:%u; this entry is ignored",
					 profile_host_name(h), first->profile->file, first->line);
			log_warning("%s:%u: HostName '%s' already defined in %s:%u; ignored",
				    p->file, h->line, profile_host_name(h), first->profile->file,
				    first->line);
			continue;
		}
		set->hosts = xrealloc(set->hosts, (set->n_hosts + 1) * sizeof(*set->hosts));
		set->hosts[set->n_hosts++] = h;
	}
}

void profile_set_set_prefs(struct profile_set *set, struct profile_prefs *global,
			   struct profile_prefs *user)
{
	if (global) {
		profile_prefs_free(set->global);
		set->global = global;
	}
	if (user) {
		profile_prefs_free(set->user);
		set->user = user;
	}
}

size_t profile_set_profile_count(const struct profile_set *set)
{
	return set->n_profiles;
}

const struct profile *profile_set_profile_at(const struct profile_set *set, size_t i)
{
	return i < set->n_profiles ? set->profiles[i] : NULL;
}

size_t profile_set_host_count(const struct profile_set *set)
{
	return set->n_hosts;
}

const struct profile_host *profile_set_host_at(const struct profile_set *set, size_t i)
{
	return i < set->n_hosts ? set->hosts[i] : NULL;
}

const struct profile_host *profile_set_find_host(const struct profile_set *set, const char *name)
{
	const struct profile_host *h;

	if (!name)
		return NULL;
	h = find_by_name(set, name);
	if (h)
		return h;
	/* DNS names are case-insensitive (RFC 4343); HostName is a label users typed. */
	for (size_t i = 0; i < set->n_hosts; i++)
		if (strcasecmp(profile_host_address(set->hosts[i]), name) == 0)
			return set->hosts[i];
	return NULL;
}

int profile_set_effective(const struct profile_set *set, const struct profile_host *h,
			  enum profile_key key, struct profile_value *ret)
{
	const struct profile *p = h ? h->profile : (set->n_profiles ? set->profiles[0] : NULL);

	return profile_effective(p, set->global, set->user, key, ret);
}

static int settings_auth(const struct profile_host *h, struct profile_settings *s)
{
	struct profile_value std, m;
	int r;

	if ((r = profile_host_value(h, PROFILE_KEY_STANDARD_AUTHENTICATION_ONLY, &std)) < 0 ||
	    (r = profile_host_value(h, PROFILE_KEY_AUTH_METHOD_DURING_IKE_NEGOTIATION, &m)) < 0)
		return r;
	if (std.num) {
		s->auth_method = auth_from_name(m.text);
		s->auth_method_value = m;
		return 0;
	}
	/* Cisco's own gateways: EAP-AnyConnect unless StandardAuthenticationOnly is true. */
	s->auth_method = PROFILE_AUTH_EAP_ANYCONNECT;
	s->auth_method_value = std;
	s->auth_method_value.text = profile_auth_name(PROFILE_AUTH_EAP_ANYCONNECT);
	s->auth_method_value.num = PROFILE_AUTH_EAP_ANYCONNECT;
	return 0;
}

static void settings_pins(const struct profile_host *h, struct profile_settings *s)
{
	const struct profile_strv *v = h->pins.n ? &h->pins : &h->profile->pins;

	s->n_pins = v->n;
	s->pins = (const char *const *)v->v;
}

int profile_set_host_settings(const struct profile_set *set, const struct profile_host *h,
			      struct profile_settings *ret)
{
	struct profile_settings s = {0};
	int r;

	if (!h)
		return -EINVAL;
	s.host_name = profile_host_name(h);
	s.host_address = profile_host_address(h);
	if ((r = profile_host_value(h, PROFILE_KEY_USER_GROUP, &s.user_group)) < 0 ||
	    (r = profile_host_value(h, PROFILE_KEY_PRIMARY_PROTOCOL, &s.primary_protocol)) < 0 ||
	    (r = profile_host_value(h, PROFILE_KEY_IKE_IDENTITY, &s.ike_identity)) < 0 ||
	    (r = settings_auth(h, &s)) < 0)
		return r;
	if ((r = profile_set_effective(set, h, PROFILE_KEY_AUTO_RECONNECT, &s.auto_reconnect)) <
		    0 ||
	    (r = profile_set_effective(set, h, PROFILE_KEY_AUTO_RECONNECT_BEHAVIOR,
				       &s.auto_reconnect_behavior)) < 0 ||
	    (r = profile_set_effective(set, h, PROFILE_KEY_AUTHENTICATION_TIMEOUT,
				       &s.authentication_timeout)) < 0 ||
	    (r = profile_set_effective(set, h, PROFILE_KEY_LOCAL_LAN_ACCESS, &s.local_lan_access)) <
		    0 ||
	    (r = profile_set_effective(set, h, PROFILE_KEY_IP_PROTOCOL_SUPPORT,
				       &s.ip_protocol_support)) < 0 ||
	    (r = profile_set_effective(set, h, PROFILE_KEY_CERTIFICATE_PINNING,
				       &s.certificate_pinning)) < 0)
		return r;
	settings_pins(h, &s);
	*ret = s;
	return 0;
}
