/*
 * test_profile.c - profile/: every real profile of tests/data/shared-profiles (a copy of ../shared/testdata/profiles), the
 * seed's profile, the lab profile, schema defaults, UserControllable and preferences,
 * merging directories, and the strict-XML rules (DOCTYPE, size, malformed).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/log.h"
#include "core/xmalloc.h"
#include "profile/profile.h"
#include "tests/gateway/gw_lab.h"

#define SHARED_PROFILES ANYROAM_TESTDATA "/shared-profiles"
#define FIXTURES	ANYROAM_TESTDATA "/profiles"

static uint8_t *slurp(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, n;
	uint8_t tmp[4096];

	assert_non_null(f);
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0) {
		buf = xrealloc(buf, len + n + 1);
		memcpy(buf + len, tmp, n);
		len += n;
	}
	fclose(f);
	*ret_len = len;
	return buf;
}

static char *diag_str(const struct profile_diags *d)
{
	const struct profile_diag *g = profile_diags_first_error(d);

	return g ? profile_diag_format(g) : xstrdup("");
}

/* Parses a file relative to dir under its bare name (as messages show it). */
static int parse_file(const char *dir, const char *name, struct profile **ret,
		      struct profile_diags *d)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ uint8_t *data = NULL;
	size_t len;

	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	data = slurp(path, &len);
	return profile_parse(name, data, len, ret, d);
}

static struct profile *parse_ok(const char *dir, const char *name)
{
	struct profile_diags d = {0};
	struct profile *p = NULL;
	int r = parse_file(dir, name, &p, &d);

	if (r < 0) {
		_cleanup_free_ char *s = diag_str(&d);
		fail_msg("%s: %d %s", name, r, s);
	}
	assert_int_equal(d.n_errors, 0);
	profile_diags_done(&d);
	return p;
}

static void assert_value(const struct profile_value *v, const char *text, long num,
			 enum profile_origin origin)
{
	assert_string_equal(v->text, text);
	assert_int_equal(v->num, num);
	assert_int_equal(v->origin, origin);
}

static void effective(const struct profile *p, enum profile_key k, struct profile_value *v)
{
	assert_int_equal(profile_effective(p, NULL, NULL, k, v), 0);
}

/* ---- the seed's profile ---- */

static void test_seed_profile(void **state)
{
	_cleanup_(profile_freep) struct profile *p = parse_ok(FIXTURES, "seed-acvpn.xml");
	_cleanup_(profile_set_freep) struct profile_set *set = profile_set_new();
	const struct profile_host *h;
	struct profile_settings s;
	struct profile_value v;

	effective(p, PROFILE_KEY_AUTO_RECONNECT, &v);
	assert_value(&v, "true", 1, PROFILE_ORIGIN_PROFILE);
	assert_int_equal(v.line, 17);
	assert_false(v.user_controllable);
	effective(p, PROFILE_KEY_AUTO_RECONNECT_BEHAVIOR, &v);
	assert_value(&v, "ReconnectAfterResume", PROFILE_BEHAVIOR_RECONNECT_AFTER_RESUME,
		     PROFILE_ORIGIN_PROFILE);
	effective(p, PROFILE_KEY_AUTHENTICATION_TIMEOUT, &v);
	assert_value(&v, "12", 12, PROFILE_ORIGIN_PROFILE);
	effective(p, PROFILE_KEY_PPP_EXCLUSION, &v);
	assert_value(&v, "Disable", 1, PROFILE_ORIGIN_PROFILE);
	effective(p, PROFILE_KEY_AUTO_SERVER_SELECTION_IMPROVEMENT, &v);
	assert_value(&v, "20", 20, PROFILE_ORIGIN_PROFILE);
	effective(p, PROFILE_KEY_CERTIFICATE_PINNING, &v);
	assert_value(&v, "false", 0, PROFILE_ORIGIN_DEFAULT);
	assert_int_equal(profile_unknown_count(p), 0);

	profile_set_add(set, steal_ptr(p), NULL);
	h = profile_set_find_host(set, "IKEv2_Gateway");
	assert_non_null(h);
	assert_ptr_equal(profile_set_find_host(set, "FLEXVPN-C8KV.example.com"), h);
	assert_null(profile_set_find_host(set, "ikev2_gateway")); /* HostName is exact */
	assert_int_equal(profile_set_host_settings(set, h, &s), 0);
	assert_string_equal(s.host_address, "flexvpn-c8kv.example.com");
	assert_value(&s.primary_protocol, "IPsec", 1, PROFILE_ORIGIN_PROFILE);
	assert_int_equal(s.auth_method, PROFILE_AUTH_EAP_ANYCONNECT);
	assert_int_equal(s.auth_method_value.origin, PROFILE_ORIGIN_PROFILE);
	assert_int_equal(s.auto_reconnect.num, 1);
	assert_int_equal(s.auto_reconnect_behavior.num, PROFILE_BEHAVIOR_RECONNECT_AFTER_RESUME);
	assert_int_equal(s.authentication_timeout.num, 12);
	assert_value(&s.local_lan_access, "false", 0, PROFILE_ORIGIN_PROFILE);
	assert_value(&s.ip_protocol_support, "IPv4,IPv6", 2, PROFILE_ORIGIN_PROFILE);
	assert_value(&s.user_group, "", 0, PROFILE_ORIGIN_DEFAULT);
	assert_value(&s.ike_identity, "", 0, PROFILE_ORIGIN_DEFAULT);
	assert_int_equal(s.n_pins, 0);
}

static void test_bad_enum_message(void **state)
{
	struct profile_diags d = {0};
	struct profile *p = NULL;
	_cleanup_free_ char *msg = NULL;

	assert_int_equal(parse_file(FIXTURES, "acvpn-bad-behavior.xml", &p, &d), -EBADMSG);
	assert_null(p);
	assert_int_equal(d.n_errors, 1);
	msg = diag_str(&d);
	assert_string_equal(
		msg, "acvpn-bad-behavior.xml:18: AutoReconnectBehavior: 'Reconnect' is not one "
		     "of DisconnectOnSuspend, ReconnectAfterResume");
	profile_diags_done(&d);
}

/* ---- the lab profile ---- */

static void test_lab_profile(void **state)
{
	_cleanup_free_ char *xml = profile_lab_xml("10.2.0.2");
	_cleanup_free_ uint8_t *fixture = NULL;
	_cleanup_(profile_set_freep) struct profile_set *set = profile_set_new();
	struct profile *p = NULL;
	struct profile_settings s;
	size_t len;

	fixture = slurp(FIXTURES "/lab.xml", &len);
	assert_int_equal(len, strlen(xml));
	assert_memory_equal(fixture, xml, len);
	assert_int_equal(profile_parse("lab.xml", xml, strlen(xml), &p, NULL), 0);
	profile_set_add(set, p, NULL);
	assert_int_equal(profile_set_host_settings(set, profile_set_find_host(set, "10.2.0.2"), &s),
			 0);
	assert_string_equal(s.host_name, "IKEv2_Gateway");
	assert_string_equal(s.primary_protocol.text, "IPsec");
	assert_int_equal(s.auth_method, PROFILE_AUTH_EAP_ANYCONNECT);
	assert_int_equal(s.auto_reconnect.num, 1);
	assert_int_equal(s.auto_reconnect_behavior.num, PROFILE_BEHAVIOR_RECONNECT_AFTER_RESUME);
}

/* The profile anyroam-gw --lab really writes (tests/gateway/gw_lab.c). */
static void test_gateway_lab_profile(void **state)
{
	_cleanup_(profile_set_freep) struct profile_set *set = profile_set_new();
	struct profile_diags d = {0};
	struct profile *p = NULL;
	struct profile_settings s;
	char *xml = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&xml, &len);

	assert_non_null(f);
	gw_lab_write_profile(f, "10.2.0.2");
	assert_int_equal(fclose(f), 0);
	assert_int_equal(profile_parse("lab.xml", xml, len, &p, &d), 0);
	assert_int_equal(d.n_errors, 0);
	assert_int_equal(profile_unknown_count(p), 0);
	free(xml);
	profile_set_add(set, p, NULL);
	assert_int_equal(
		profile_set_host_settings(set, profile_set_find_host(set, "IKEv2_Gateway"), &s), 0);
	assert_string_equal(s.host_address, "10.2.0.2");
	assert_string_equal(s.primary_protocol.text, "IPsec");
	assert_int_equal(s.auth_method, PROFILE_AUTH_EAP_ANYCONNECT);
	assert_int_equal(s.auto_reconnect.num, 1);
	assert_int_equal(s.auto_reconnect_behavior.num, PROFILE_BEHAVIOR_RECONNECT_AFTER_RESUME);
	profile_diags_done(&d);
}

static void test_lab_escapes_address(void **state)
{
	_cleanup_free_ char *xml = profile_lab_xml("a<b>&\"'");
	_cleanup_(profile_freep) struct profile *p = NULL;
	struct profile_value v;

	assert_int_equal(profile_parse("lab.xml", xml, strlen(xml), &p, NULL), 0);
	assert_int_equal(profile_host_value(profile_host_at(p, 0), PROFILE_KEY_HOST_ADDRESS, &v),
			 0);
	assert_string_equal(v.text, "a<b>&\"'");
}

/* ---- schema defaults ---- */

static void test_schema_defaults(void **state)
{
	static const char xml[] = "<AnyConnectProfile><ServerList><HostEntry><HostName>h</HostName>"
				  "</HostEntry></ServerList></AnyConnectProfile>";
	_cleanup_(profile_set_freep) struct profile_set *set = profile_set_new();
	struct profile *p = NULL;
	struct profile_settings s;
	struct profile_value v;

	assert_int_equal(profile_parse("d.xml", xml, sizeof(xml) - 1, &p, NULL), 0);
	effective(p, PROFILE_KEY_AUTO_RECONNECT, &v);
	assert_value(&v, "true", 1, PROFILE_ORIGIN_DEFAULT);
	assert_false(v.user_controllable);
	assert_null(v.file);
	effective(p, PROFILE_KEY_LOCAL_LAN_ACCESS, &v);
	assert_value(&v, "false", 0, PROFILE_ORIGIN_DEFAULT);
	assert_true(v.user_controllable);
	effective(NULL, PROFILE_KEY_CAPTIVE_PORTAL_REMEDIATION_TIMEOUT, &v);
	assert_value(&v, "5", 5, PROFILE_ORIGIN_DEFAULT);
	effective(NULL, PROFILE_KEY_TRUSTED_NETWORK_POLICY, &v);
	assert_value(&v, "Disconnect", 2, PROFILE_ORIGIN_DEFAULT);
	profile_set_add(set, p, NULL);
	assert_int_equal(profile_set_host_settings(set, profile_set_host_at(set, 0), &s), 0);
	assert_string_equal(s.host_address, "h"); /* no HostAddress: the HostName */
	assert_value(&s.primary_protocol, "SSL", 0, PROFILE_ORIGIN_DEFAULT);
	assert_int_equal(s.auth_method, PROFILE_AUTH_EAP_ANYCONNECT);
	assert_value(&s.auto_reconnect_behavior, "DisconnectOnSuspend", 0, PROFILE_ORIGIN_DEFAULT);
	assert_value(&s.authentication_timeout, "30", 30, PROFILE_ORIGIN_DEFAULT);
}

static void test_standard_auth_default_gtc(void **state)
{
	static const char xml[] = "<AnyConnectProfile><ServerList><HostEntry><HostName>h</HostName>"
				  "<PrimaryProtocol>IPsec<StandardAuthenticationOnly>true"
				  "</StandardAuthenticationOnly></PrimaryProtocol>"
				  "</HostEntry></ServerList></AnyConnectProfile>";
	_cleanup_(profile_set_freep) struct profile_set *set = profile_set_new();
	struct profile *p = NULL;
	struct profile_settings s;

	assert_int_equal(profile_parse("g.xml", xml, sizeof(xml) - 1, &p, NULL), 0);
	profile_set_add(set, p, NULL);
	assert_int_equal(profile_set_host_settings(set, profile_set_host_at(set, 0), &s), 0);
	assert_int_equal(s.auth_method, PROFILE_AUTH_EAP_GTC);
	assert_int_equal(s.auth_method_value.origin, PROFILE_ORIGIN_DEFAULT);
}

/* ---- preferences and UserControllable ---- */

static struct profile_prefs *prefs_ok(const char *dir, const char *name)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ uint8_t *data = NULL;
	struct profile_prefs *p = NULL;
	size_t len;

	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	data = slurp(path, &len);
	assert_int_equal(profile_prefs_parse(name, data, len, &p, NULL), 0);
	return p;
}

static void test_user_controllable(void **state)
{
	_cleanup_(profile_freep) struct profile *p = parse_ok(FIXTURES, "user-controllable.xml");
	_cleanup_(profile_prefs_freep) struct profile_prefs *g =
		prefs_ok(FIXTURES, "prefs-global.xml");
	_cleanup_(profile_prefs_freep) struct profile_prefs *u =
		prefs_ok(FIXTURES, "prefs-user.xml");
	struct profile_value v;

	/* UserControllable=true in the profile: the global preference, no user one */
	assert_int_equal(profile_effective(p, g, u, PROFILE_KEY_LOCAL_LAN_ACCESS, &v), 0);
	assert_value(&v, "true", 1, PROFILE_ORIGIN_GLOBAL_PREF);
	assert_string_equal(v.file, "prefs-global.xml");
	assert_int_equal(v.line, 5);
	/* UserControllable=false: the user's choice is ignored */
	assert_int_equal(profile_effective(p, g, u, PROFILE_KEY_AUTO_CONNECT_ON_START, &v), 0);
	assert_value(&v, "false", 0, PROFILE_ORIGIN_PROFILE);
	/* both preferences: the user's wins */
	assert_int_equal(profile_effective(p, g, u, PROFILE_KEY_MINIMIZE_ON_CONNECT, &v), 0);
	assert_value(&v, "true", 1, PROFILE_ORIGIN_USER_PREF);
	assert_int_equal(profile_effective(p, g, NULL, PROFILE_KEY_MINIMIZE_ON_CONNECT, &v), 0);
	assert_value(&v, "false", 0, PROFILE_ORIGIN_GLOBAL_PREF);
	/* AutoReconnectBehavior is controllable here (the schema default is false) */
	assert_int_equal(profile_effective(p, g, u, PROFILE_KEY_AUTO_RECONNECT_BEHAVIOR, &v), 0);
	assert_value(&v, "ReconnectAfterResume", 1, PROFILE_ORIGIN_USER_PREF);
	/* no UserControllable attribute in the schema: preferences never apply */
	assert_int_equal(profile_effective(p, g, u, PROFILE_KEY_AUTHENTICATION_TIMEOUT, &v), 0);
	assert_value(&v, "45", 45, PROFILE_ORIGIN_PROFILE);
	assert_string_equal(profile_prefs_default_host(u), "Lab");
	assert_string_equal(profile_prefs_get(u, "DefaultUser"), "test");
	assert_null(profile_prefs_get(u, "NoSuch"));
}

static void test_seed_blocks_user_reconnect_choice(void **state)
{
	_cleanup_(profile_freep) struct profile *p = parse_ok(FIXTURES, "seed-acvpn.xml");
	static const char xml[] =
		"<AnyConnectPreferences><ControllablePreferences>"
		"<AutoReconnectBehavior>DisconnectOnSuspend</AutoReconnectBehavior>"
		"<LocalLanAccess>true</LocalLanAccess>"
		"</ControllablePreferences></AnyConnectPreferences>";
	_cleanup_(profile_prefs_freep) struct profile_prefs *u = NULL;
	struct profile_value v;

	assert_int_equal(profile_prefs_parse("preferences.xml", xml, sizeof(xml) - 1, &u, NULL), 0);
	assert_int_equal(profile_effective(p, NULL, u, PROFILE_KEY_AUTO_RECONNECT_BEHAVIOR, &v), 0);
	assert_value(&v, "ReconnectAfterResume", 1, PROFILE_ORIGIN_PROFILE);
	assert_int_equal(profile_effective(p, NULL, u, PROFILE_KEY_LOCAL_LAN_ACCESS, &v), 0);
	assert_value(&v, "true", 1, PROFILE_ORIGIN_USER_PREF);
}

static void test_prefs_bad_value(void **state)
{
	static const char xml[] = "<AnyConnectPreferences>\n<ControllablePreferences>\n"
				  "<LocalLanAccess>yes</LocalLanAccess></ControllablePreferences>"
				  "</AnyConnectPreferences>";
	struct profile_diags d = {0};
	struct profile_prefs *u = NULL;
	_cleanup_free_ char *msg = NULL;

	assert_int_equal(profile_prefs_parse("preferences.xml", xml, sizeof(xml) - 1, &u, &d),
			 -EBADMSG);
	assert_null(u);
	msg = diag_str(&d);
	assert_string_equal(msg,
			    "preferences.xml:3: LocalLanAccess: 'yes' is not one of true, false");
	profile_diags_done(&d);
}

/* ---- merged directories ---- */

static int list_dir(void *ud, const char *dir, char ***ret_names, size_t *ret_n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL;
	size_t n = 0;

	if (!d)
		return -errno;
	/* readdir order is arbitrary: the loader must sort */
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	*ret_names = v;
	*ret_n = n;
	return 0;
}

static int read_file(void *ud, const char *path, uint8_t **ret, size_t *ret_len)
{
	*ret = slurp(path, ret_len);
	return 0;
}

/* An empty directory lists no names (NULL, 0): loaded as nothing, no qsort(NULL) (UBSan). */
static void test_empty_dir(void **state)
{
	static const struct profile_fs_ops ops = {list_dir, read_file};
	char dir[] = "/tmp/anyroam-empty.XXXXXX";
	const char *dirs[1] = {dir};
	_cleanup_(profile_set_freep) struct profile_set *set = profile_set_new();
	struct profile_diags d = {0};

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(profile_set_load_dirs(set, dirs, 1, &ops, NULL, &d), 0);
	assert_int_equal(profile_set_host_count(set), 0);
	assert_int_equal(d.n_errors, 0);
	profile_diags_done(&d);
	rmdir(dir);
}

static void test_merge_dirs(void **state)
{
	static const struct profile_fs_ops ops = {list_dir, read_file};
	const char *const dirs[] = {FIXTURES "/dir-a", FIXTURES "/no-such-dir", FIXTURES "/dir-b"};
	_cleanup_(profile_set_freep) struct profile_set *set = profile_set_new();
	struct profile_diags d = {0};
	const struct profile_host *h;
	struct profile_value v;
	size_t warnings = 0;

	assert_int_equal(profile_set_load_dirs(set, dirs, 3, &ops, NULL, &d), 4);
	assert_int_equal(profile_set_host_count(set), 5); /* Corp, Shared, Lab2, Legacy + lab */
	/* Shared: first file wins; Corp: first directory wins */
	h = profile_set_find_host(set, "Shared");
	assert_string_equal(profile_host_address(h), "a.shared.example");
	h = profile_set_find_host(set, "Corp");
	assert_string_equal(profile_host_address(h), "vpn.corp.example");
	/* each host takes its own profile's ClientInitialization */
	assert_int_equal(profile_set_effective(set, h, PROFILE_KEY_AUTHENTICATION_TIMEOUT, &v), 0);
	assert_int_equal(v.num, 20);
	h = profile_set_find_host(set, "Legacy");
	assert_int_equal(profile_set_effective(set, h, PROFILE_KEY_AUTHENTICATION_TIMEOUT, &v), 0);
	assert_int_equal(v.num, 90);
	assert_non_null(profile_set_find_host(set, "IKEv2_Gateway")); /* dir-b/lab-copy.xml */
	for (size_t i = 0; i < d.n; i++)
		warnings += d.v[i].level == PROFILE_DIAG_WARNING &&
			    strstr(d.v[i].message, "already defined");
	assert_int_equal(warnings, 2);
	assert_int_equal(d.n_errors, 1); /* dir-b/broken.xml, skipped */
	assert_non_null(strstr(profile_diags_first_error(&d)->file, "broken.xml"));
	profile_diags_done(&d);
}

/* ---- the real-world files ---- */

struct real_file {
	const char *name;
	int r; /* profile_parse result */
	size_t hosts;
	unsigned int err_line; /* for failures */
	const char *err_text;
};

static const struct real_file real_files[] = {
	{"asdm-full-clientinit-crlf.xml", 0, 1, 0, NULL},
	{"broken-hostname-case-mismatch.xml", -EBADMSG, 0, 4,
	 "Opening and ending tag mismatch: Hostname line 4 and HostName"},
	{"broken-nested-root-unclosed.xml", -EBADMSG, 0, 92,
	 "Premature end of data in tag AnyConnectProfile"},
	{"broken-plist-root-end-tag-mismatch.xml", -EBADMSG, 0, 92,
	 "Opening and ending tag mismatch: plist line 3 and AnyConnectProfile"},
	{"broken-truncated-start-tag.xml", -EBADMSG, 0, 40, "error parsing attribute name"},
	{"cjk-hostname-url-address.xml", 0, 1, 0, NULL},
	{"cjk-hostnames-comment-many-hosts.xml", 0, 12, 0, NULL},
	{"clientinit-only-no-serverlist.xml", 0, 0, 0, NULL},
	{"localpolicy-commented-decl.xml", -EMEDIUMTYPE, 0, 0, NULL},
	{"localpolicy-namespaced-updatepolicy.xml", -EMEDIUMTYPE, 0, 0, NULL},
	{"localpolicy-no-namespace.xml", -EMEDIUMTYPE, 0, 0, NULL},
	{"minimal-no-decl-stray-text.xml", 0, 1, 0, NULL},
	{"minimal-two-hosts-no-eol.xml", 0, 2, 0, NULL},
	{"mobile-hostentry-info-crlf.xml", 0, 1, 0, NULL},
	{"multi-serverlist-emoji-hostnames.xml", 0, 6, 0, NULL},
	{"ocserv-certificatematch-backupserver.xml", 0, 1, 0, NULL},
	{"preferences-global-crlf.xml", -EMEDIUMTYPE, 0, 0, NULL},
	{"preferences-legacy-defaulthost.xml", -EMEDIUMTYPE, 0, 0, NULL},
	{"preferences-user-empty-crlf.xml", -EMEDIUMTYPE, 0, 0, NULL},
	{"preferences-user-no-eol.xml", -EMEDIUMTYPE, 0, 0, NULL},
	{"single-host-usergroup.xml", 0, 1, 0, NULL},
	{"two-hosts-crlf-space-indent.xml", 0, 2, 0, NULL},
};

static void check_real_file(const struct real_file *f)
{
	struct profile_diags d = {0};
	struct profile *p = NULL;
	int r = parse_file(SHARED_PROFILES, f->name, &p, &d);

	if (r != f->r) {
		_cleanup_free_ char *s = diag_str(&d);
		fail_msg("%s: got %d, want %d (%s)", f->name, r, f->r, s);
	}
	if (r == 0) {
		assert_int_equal(profile_host_count(p), f->hosts);
		assert_int_equal(d.n_errors, 0);
	}
	if (f->err_text) {
		const struct profile_diag *g = profile_diags_first_error(&d);

		assert_non_null(g);
		assert_string_equal(g->file, f->name);
		assert_int_equal(g->line, f->err_line);
		assert_non_null(strstr(g->message, f->err_text));
	}
	profile_free(p);
	profile_diags_done(&d);
}

static void test_real_files(void **state)
{
	DIR *dir = opendir(SHARED_PROFILES);
	struct dirent *e;
	size_t seen = 0;

	for (size_t i = 0; i < ARRAY_SIZE(real_files); i++)
		check_real_file(&real_files[i]);
	/* every .xml there is in the table: a new file must get an expectation */
	assert_non_null(dir);
	while ((e = readdir(dir))) {
		size_t n = strlen(e->d_name);
		bool found = false;

		if (n < 4 || strcmp(e->d_name + n - 4, ".xml") != 0)
			continue;
		for (size_t i = 0; i < ARRAY_SIZE(real_files); i++)
			found |= strcmp(real_files[i].name, e->d_name) == 0;
		if (!found)
			fail_msg("%s has no expectation", e->d_name);
		seen++;
	}
	closedir(dir);
	assert_int_equal(seen, ARRAY_SIZE(real_files));
}

static void test_real_details(void **state)
{
	_cleanup_(profile_freep) struct profile *multi =
		parse_ok(SHARED_PROFILES, "multi-serverlist-emoji-hostnames.xml");
	_cleanup_(profile_freep) struct profile *ocs =
		parse_ok(SHARED_PROFILES, "ocserv-certificatematch-backupserver.xml");
	_cleanup_(profile_freep) struct profile *cjk =
		parse_ok(SHARED_PROFILES, "cjk-hostnames-comment-many-hosts.xml");
	_cleanup_(profile_freep) struct profile *ug =
		parse_ok(SHARED_PROFILES, "single-host-usergroup.xml");
	struct profile_value v;
	bool strict = false;

	/* enum values with a newline and indent before the end tag */
	effective(multi, PROFILE_KEY_AUTO_RECONNECT_BEHAVIOR, &v);
	assert_value(&v, "DisconnectOnSuspend", 0, PROFILE_ORIGIN_PROFILE);
	/* HostName with a leading space and a 4-byte UTF-8 emoji: trimmed */
	assert_string_equal(profile_host_name(profile_host_at(multi, 0)), "\xF0\x9F\x94\x98---AU");
	/* local-policy elements in a profile are unknown, kept, not fatal */
	for (size_t i = 0; i < profile_unknown_count(ocs); i++)
		strict |= strcmp(profile_unknown_at(ocs, i, NULL), "StrictCertificateTrust") == 0;
	assert_true(strict);
	assert_true(profile_backup_server_count(ocs) >= 1);
	assert_string_equal(profile_host_name(profile_host_at(cjk, 0)),
			    "HK-\xE9\xA6\x99\xE6\xB8\xAF"
			    "A");
	assert_int_equal(profile_host_value(profile_host_at(ug, 0), PROFILE_KEY_USER_GROUP, &v), 0);
	assert_int_equal(v.origin, PROFILE_ORIGIN_PROFILE);
	assert_true(*v.text);
}

static void test_real_prefs_and_policy(void **state)
{
	_cleanup_(profile_prefs_freep) struct profile_prefs *g =
		prefs_ok(SHARED_PROFILES, "preferences-global-crlf.xml");
	_cleanup_(profile_prefs_freep) struct profile_prefs *l =
		prefs_ok(SHARED_PROFILES, "preferences-legacy-defaulthost.xml");
	_cleanup_(profile_prefs_freep) struct profile_prefs *e =
		prefs_ok(SHARED_PROFILES, "preferences-user-empty-crlf.xml");
	_cleanup_(profile_prefs_freep) struct profile_prefs *n =
		prefs_ok(SHARED_PROFILES, "preferences-user-no-eol.xml");
	const char *names[] = {"localpolicy-commented-decl.xml",
			       "localpolicy-namespaced-updatepolicy.xml",
			       "localpolicy-no-namespace.xml"};
	const bool bypass[] = {false, false, true};
	struct profile_value v;

	assert_string_equal(profile_prefs_default_host(g), "mx-f01-example.example.com:4443");
	assert_int_equal(profile_effective(NULL, g, NULL, PROFILE_KEY_LOCAL_LAN_ACCESS, &v), 0);
	assert_value(&v, "true", 1, PROFILE_ORIGIN_GLOBAL_PREF);
	assert_string_equal(profile_prefs_default_host(l), "vpn3000.case.edu");
	assert_null(profile_prefs_default_host(e));
	assert_string_equal(profile_prefs_get(n, "DefaultGroup"), "BigLotsAnyConnect");
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		_cleanup_free_ char *path = NULL;
		_cleanup_free_ uint8_t *data = NULL;
		_cleanup_(profile_policy_freep) struct profile_policy *pol = NULL;
		bool b = false;
		size_t len;

		assert_true(asprintf(&path, "%s/%s", SHARED_PROFILES, names[i]) > 0);
		data = slurp(path, &len);
		assert_int_equal(profile_policy_parse(names[i], data, len, &pol, NULL), 0);
		assert_int_equal(profile_policy_bool(pol, "BypassDownloader", &b), 0);
		assert_int_equal(b, bypass[i]);
		if (i > 0) {
			assert_int_equal(profile_policy_bool(
						 pol,
						 "UpdatePolicy/AllowVPNProfileUpdatesFromAnyServer",
						 &b),
					 0);
			assert_true(b);
		}
		assert_int_equal(profile_policy_bool(pol, "NoSuchFlag", &b), -ENOENT);
	}
}

/* ---- strict XML ---- */

static void expect_error(const char *xml, int want, const char *text)
{
	struct profile_diags d = {0};
	struct profile *p = NULL;
	_cleanup_free_ char *msg = NULL;

	assert_int_equal(profile_parse("t.xml", xml, strlen(xml), &p, &d), want);
	assert_null(p);
	msg = diag_str(&d);
	if (!strstr(msg, text))
		fail_msg("'%s' does not contain '%s'", msg, text);
	profile_diags_done(&d);
}

static void test_strict_xml(void **state)
{
	char *big;

	/* billion laughs and an external entity never reach the walker */
	expect_error("<?xml version=\"1.0\"?>\n<!DOCTYPE p [<!ENTITY a \"aaaaaaaa\"><!ENTITY b "
		     "\"&a;&a;&a;&a;\">]>\n"
		     "<AnyConnectProfile><ServerList><HostEntry><HostName>&b;</HostName></"
		     "HostEntry></ServerList>"
		     "</AnyConnectProfile>",
		     -EBADMSG, "DOCTYPE is not allowed");
	expect_error("<!DOCTYPE p [<!ENTITY x SYSTEM "
		     "\"file:///etc/passwd\">]><AnyConnectProfile>&x;</AnyConnectProfile>",
		     -EBADMSG, "DOCTYPE is not allowed");
	expect_error("<AnyConnectProfile><ClientInitialization>", -EBADMSG,
		     "t.xml:1: not well-formed XML");
	expect_error("", -EBADMSG, "not well-formed XML");
	expect_error("<AnyConnectProfile>\n<ClientInitialization>\n<AuthenticationTimeout>500</"
		     "AuthenticationTimeout>"
		     "</ClientInitialization></AnyConnectProfile>",
		     -EBADMSG, "t.xml:3: AuthenticationTimeout: '500' is not in 10..120");
	expect_error("<AnyConnectProfile><ClientInitialization><LocalLanAccess "
		     "UserControllable=\"maybe\">true"
		     "</LocalLanAccess></ClientInitialization></AnyConnectProfile>",
		     -EBADMSG,
		     "LocalLanAccess: UserControllable 'maybe' is not one of true, false");
	expect_error("<AnyConnectProfile><ServerList>\n<HostEntry><HostAddress>x</HostAddress></"
		     "HostEntry>"
		     "</ServerList></AnyConnectProfile>",
		     -EBADMSG, "t.xml:2: HostEntry: HostName is missing or empty");
	expect_error("<AnyConnectProfile><ClientInitialization><AuthenticationTimeout>3x</"
		     "AuthenticationTimeout>"
		     "</ClientInitialization></AnyConnectProfile>",
		     -EBADMSG, "'3x' is not a number");
	big = xcalloc(1, PROFILE_FILE_MAX + 2);
	memset(big, ' ', PROFILE_FILE_MAX + 1);
	expect_error(big, -EMSGSIZE, "over the");
	free(big);
}

/* Libraries never print: libxml2's encoding errors (no parser context) stay silent. */
static void test_no_stderr_output(void **state)
{
	static const char *const inputs[] = {
		"<?xml version=\"1.0\" "
		"encoding=\"Shift_JIS\"?><AnyConnectProfile>\x82\xff\xff</AnyConnectProfile>",
		"<?xml version=\"1.0\" "
		"encoding=\"ISO-2022-JP\"?><AnyConnectProfile>\x1b$B\xff\xff</AnyConnectProfile>",
		"<AnyConnectProfile><Hostname></HostName></AnyConnectProfile>",
	};
	char path[] = "/tmp/anyroam-stderr.XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	struct stat st;

	assert_true(fd >= 0 && saved >= 0);
	fflush(stderr);
	assert_true(dup2(fd, STDERR_FILENO) >= 0);
	for (size_t i = 0; i < ARRAY_SIZE(inputs); i++) {
		struct profile_diags d = {0};
		struct profile *p = NULL;

		assert_int_equal(profile_parse("e.xml", inputs[i], strlen(inputs[i]), &p, &d),
				 -EBADMSG);
		assert_int_equal(d.n_errors, 1);
		profile_diags_done(&d);
	}
	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	assert_int_equal(fstat(fd, &st), 0);
	close(fd);
	unlink(path);
	assert_int_equal(st.st_size, 0);
}

static void test_unknown_kept(void **state)
{
	_cleanup_(profile_freep) struct profile *p = parse_ok(FIXTURES, "user-controllable.xml");
	unsigned int line = 0;

	assert_int_equal(profile_unknown_count(p), 1);
	assert_string_equal(profile_unknown_at(p, 0, &line), "FutureSetting");
	assert_int_equal(line, 15);
	assert_int_equal(profile_pin_count(p), 1);
	assert_string_equal(profile_pin_at(p, 0), "4C5E9A3F");
}

/* Every single-bit flip of the seed profile: an error or a profile, never a crash. */
static void test_bit_flips(void **state)
{
	_cleanup_free_ uint8_t *data = NULL;
	size_t len, ok = 0, bad = 0;

	data = slurp(FIXTURES "/seed-acvpn.xml", &len);
	for (size_t i = 0; i < len; i++) {
		for (int b = 0; b < 8; b += 3) {
			struct profile_diags d = {0};
			struct profile *p = NULL;
			int r;

			data[i] ^= (uint8_t)(1u << b);
			r = profile_parse("f.xml", data, len, &p, &d);
			data[i] ^= (uint8_t)(1u << b);
			if (r == 0)
				ok++;
			else
				bad++;
			assert_true(r == 0 || d.n_errors > 0 || r == -EMEDIUMTYPE);
			profile_free(p);
			profile_diags_done(&d);
		}
	}
	assert_true(ok > 0 && bad > 0);
}

static void expect_split(const char *in, const char *host, unsigned int port)
{
	char *h = NULL;
	unsigned int p = 99;

	assert_int_equal(profile_address_split(in, &h, &p), 0);
	assert_string_equal(h, host);
	assert_int_equal(p, port);
	free(h);
}

static void test_address_split(void **state)
{
	char *h = NULL;
	unsigned int p = 0;

	expect_split("flexvpn-c8kv.example.com", "flexvpn-c8kv.example.com", 0);
	expect_split("mx-f01-example.example.com:4443", "mx-f01-example.example.com", 4443);
	expect_split("192.0.2.139:4443", "192.0.2.139", 4443);
	expect_split("https://127.0.0.1", "127.0.0.1", 0); /* cjk-hostname-url-address.xml */
	expect_split("https://vpn.example.com:8443/Employees", "vpn.example.com", 8443);
	expect_split("[2001:db8::1]:443", "2001:db8::1", 443);
	expect_split("2001:db8::1", "2001:db8::1", 0);
	assert_int_equal(profile_address_split("", &h, &p), -EBADMSG);
	assert_int_equal(profile_address_split("host:", &h, &p), -EBADMSG);
	assert_int_equal(profile_address_split("host:70000", &h, &p), -EBADMSG);
	assert_int_equal(profile_address_split("host:0", &h, &p), -EBADMSG);
	assert_int_equal(profile_address_split("[2001:db8::1", &h, &p), -EBADMSG);
	assert_int_equal(profile_address_split("[::1]x", &h, &p), -EBADMSG);
	assert_null(h);
}

static void test_key_table(void **state)
{
	assert_int_equal(profile_key_from_name("AutoReconnectBehavior"),
			 PROFILE_KEY_AUTO_RECONNECT_BEHAVIOR);
	assert_int_equal(profile_key_from_name("autoreconnect"), _PROFILE_KEY_INVALID);
	assert_string_equal(profile_key_name(PROFILE_KEY_IKE_IDENTITY), "IKEIdentity");
	assert_null(profile_key_name(_PROFILE_KEY_MAX));
	assert_true(PROFILE_KEY_IS_HOST(PROFILE_KEY_HOST_NAME));
	assert_false(PROFILE_KEY_IS_HOST(PROFILE_KEY_ALLOW_MANUAL_HOST_INPUT));
	assert_string_equal(profile_origin_name(PROFILE_ORIGIN_GLOBAL_PREF), "global preference");
	assert_string_equal(profile_auth_name(PROFILE_AUTH_EAP_MSCHAPV2), "EAP-MSCHAPv2");
}

int main(void)
{
	log_set_level(LOG_LEVEL_ERR); /* the merge tests provoke warnings on purpose */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_profile),
		cmocka_unit_test(test_bad_enum_message),
		cmocka_unit_test(test_lab_profile),
		cmocka_unit_test(test_gateway_lab_profile),
		cmocka_unit_test(test_lab_escapes_address),
		cmocka_unit_test(test_schema_defaults),
		cmocka_unit_test(test_standard_auth_default_gtc),
		cmocka_unit_test(test_user_controllable),
		cmocka_unit_test(test_seed_blocks_user_reconnect_choice),
		cmocka_unit_test(test_prefs_bad_value),
		cmocka_unit_test(test_empty_dir),
		cmocka_unit_test(test_merge_dirs),
		cmocka_unit_test(test_real_files),
		cmocka_unit_test(test_real_details),
		cmocka_unit_test(test_real_prefs_and_policy),
		cmocka_unit_test(test_strict_xml),
		cmocka_unit_test(test_no_stderr_output),
		cmocka_unit_test(test_unknown_kept),
		cmocka_unit_test(test_bit_flips),
		cmocka_unit_test(test_address_split),
		cmocka_unit_test(test_key_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
