/*
 * profile_check.c - `anyroam profile check [--global PREFS] [--user PREFS] FILE|DIR...`:
 * parses an AnyConnect profile, preferences or local policy without the daemon and prints
 * every effective setting with its origin. A directory (or several) is loaded the way the
 * agent loads its profile directories: all profiles merged into one host list.
 * Errors go to stderr as "anyroam: file:line: element: message"; exit 0 ok, 1 failed, 2 usage.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOG_MODULE "ui"
#include "core/log.h"
#include "core/xmalloc.h"
#include "profile/profile.h"
#include "ui/profile_check.h"

#define EXIT_USAGE 2

static const char usage_text[] = "usage: anyroam profile check [--global PREFERENCES_GLOBAL.xml] "
				 "[--user PREFERENCES.xml] FILE|DIR...\n";

/* Whole file, refusing anything over the profile cap (+1 so the parser reports it). */
static int read_file(void *user_data, const char *path, uint8_t **ret_data, size_t *ret_len)
{
	size_t cap = PROFILE_FILE_MAX + 1, len = 0;
	uint8_t *buf;
	int fd;

	(void)user_data;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = xmalloc(cap);
	while (len < cap) {
		ssize_t n = read(fd, buf + len, cap - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int r = -errno;

			close(fd);
			free(buf);
			return r;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	*ret_data = buf;
	*ret_len = len;
	return 0;
}

static int list_dir(void *user_data, const char *dir, char ***ret_names, size_t *ret_n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;

	(void)user_data;
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (e->d_type != DT_REG && e->d_type != DT_UNKNOWN && e->d_type != DT_LNK)
			continue;
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	*ret_names = names;
	*ret_n = n;
	return 0;
}

static const struct profile_fs_ops fs_ops = {.list_dir = list_dir, .read_file = read_file};

static void print_diags(const struct profile_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		_cleanup_free_ char *s = NULL;

		if (d->v[i].level == PROFILE_DIAG_DEBUG)
			continue;
		s = profile_diag_format(&d->v[i]);
		fprintf(stderr, "anyroam: %s%s\n",
			d->v[i].level == PROFILE_DIAG_WARNING ? "warning: " : "", s);
	}
}

static void print_value(const char *indent, const char *name, const struct profile_value *v,
			bool show_uc)
{
	printf("%s%-42s %-22s %s", indent, name, *v->text ? v->text : "\"\"",
	       profile_origin_name(v->origin));
	if (v->file)
		printf(" (%s:%u)", v->file, v->line);
	if (show_uc)
		printf(" UserControllable=%s", v->user_controllable ? "true" : "false");
	printf("\n");
}

static void print_client(const struct profile *p, const struct profile_prefs *global,
			 const struct profile_prefs *user)
{
	printf("ClientInitialization:\n");
	for (int k = 0; k < _PROFILE_CLIENT_KEY_END; k++) {
		struct profile_value v;

		if (profile_effective(p, global, user, (enum profile_key)k, &v) < 0)
			continue;
		print_value("  ", profile_key_name((enum profile_key)k), &v,
			    profile_key_has_user_controllable((enum profile_key)k));
	}
	for (size_t i = 0; p && i < profile_backup_server_count(p); i++)
		printf("  %-42s %s\n", "BackupServerList/HostAddress",
		       profile_backup_server_at(p, i));
	for (size_t i = 0; p && i < profile_pin_count(p); i++)
		printf("  %-42s %s\n", "CertificatePinList/Pin", profile_pin_at(p, i));
	for (size_t i = 0; p && i < profile_trusted_https_count(p); i++) {
		const struct profile_trusted_https *t = profile_trusted_https_at(p, i);

		printf("  %-42s %s:%s %s\n", "TrustedHttpsServer", t->address, t->port,
		       t->certificate_hash);
	}
}

static void print_host(const struct profile_set *set, const struct profile_host *h)
{
	struct profile_settings s;

	printf("HostEntry '%s' (%s:%u):\n", profile_host_name(h),
	       profile_file(profile_host_profile(h)), profile_host_line(h));
	for (int k = _PROFILE_CLIENT_KEY_END; k < _PROFILE_KEY_MAX; k++) {
		struct profile_value v;

		if (profile_host_value(h, (enum profile_key)k, &v) < 0)
			continue;
		print_value("  ", profile_key_name((enum profile_key)k), &v, false);
	}
	for (size_t i = 0; i < profile_host_backup_count(h); i++)
		printf("  %-42s %s\n", "BackupServerList/HostAddress",
		       profile_host_backup_at(h, i));
	for (size_t i = 0; i < profile_host_pin_count(h); i++)
		printf("  %-42s %s\n", "CertificatePinList/Pin", profile_host_pin_at(h, i));
	if (profile_set_host_settings(set, h, &s) == 0) {
		printf("  %-42s %s\n", "=> connect to", s.host_address);
		print_value("  ", "=> authentication", &s.auth_method_value, false);
		/* what the agent uses for this host: its own profile plus preferences */
		print_value("  ", "=> AutoReconnect", &s.auto_reconnect, false);
		print_value("  ", "=> AutoReconnectBehavior", &s.auto_reconnect_behavior, false);
		print_value("  ", "=> AuthenticationTimeout", &s.authentication_timeout, false);
		print_value("  ", "=> LocalLanAccess", &s.local_lan_access, false);
		print_value("  ", "=> IPProtocolSupport", &s.ip_protocol_support, false);
		print_value("  ", "=> CertificatePinning", &s.certificate_pinning, false);
	}
}

static void print_unknown(const struct profile *p)
{
	for (size_t i = 0; i < profile_unknown_count(p); i++) {
		unsigned int line;
		const char *name = profile_unknown_at(p, i, &line);

		printf("unknown element kept, not used: %s (%s:%u)\n", name, profile_file(p), line);
	}
}

static void print_prefs(const struct profile_prefs *p, const char *file)
{
	printf("preferences: %s\n", file);
	for (size_t i = 0; i < profile_prefs_count(p); i++) {
		const char *v, *n = profile_prefs_at(p, i, &v);

		printf("  %-42s %s\n", n, *v ? v : "\"\"");
	}
	printf("ControllablePreferences (apply only where the profile allows UserControllable):\n");
	for (int k = 0; k < _PROFILE_CLIENT_KEY_END; k++) {
		struct profile_value v;

		/* as the user preference over schema defaults: shows what the file sets */
		if (profile_effective(NULL, NULL, p, (enum profile_key)k, &v) == 0 &&
		    v.origin == PROFILE_ORIGIN_USER_PREF)
			printf("  %-42s %s (%s:%u)\n", profile_key_name((enum profile_key)k),
			       v.text, v.file, v.line);
	}
}

static void print_policy(const struct profile_policy *p, const char *file)
{
	printf("local policy: %s\n", file);
	for (size_t i = 0; i < profile_policy_count(p); i++) {
		const char *v, *n = profile_policy_at(p, i, &v);

		printf("  %-42s %s\n", n, *v ? v : "\"\"");
	}
}

static int load_prefs(const char *file, struct profile_prefs **ret, struct profile_diags *diags)
{
	_cleanup_free_ uint8_t *data = NULL;
	size_t len;
	int r;

	if (!file)
		return 0;
	r = read_file(NULL, file, &data, &len);
	if (r < 0) {
		fprintf(stderr, "anyroam: %s: %s\n", file, strerror(-r));
		return r;
	}
	r = profile_prefs_parse(file, data, len, ret, diags);
	if (r == -EMEDIUMTYPE)
		fprintf(stderr, "anyroam: %s: root element is not AnyConnectPreferences\n", file);
	return r;
}

/* A single file that is not a profile: preferences or local policy. */
static int check_other(const char *file, const uint8_t *data, size_t len,
		       struct profile_diags *diags)
{
	struct profile_prefs *prefs = NULL;
	struct profile_policy *policy = NULL;
	int r;

	r = profile_prefs_parse(file, data, len, &prefs, diags);
	if (r == 0) {
		print_prefs(prefs, file);
		profile_prefs_free(prefs);
		return 0;
	}
	if (r != -EMEDIUMTYPE)
		return r;
	r = profile_policy_parse(file, data, len, &policy, diags);
	if (r == 0) {
		print_policy(policy, file);
		profile_policy_free(policy);
		return 0;
	}
	if (r == -EMEDIUMTYPE)
		fprintf(stderr,
			"anyroam: %s: root element is not AnyConnectProfile, AnyConnectPreferences "
			"or AnyConnectLocalPolicy\n",
			file);
	return r;
}

static int add_path(struct profile_set *set, const char *path, bool *ret_other,
		    struct profile_diags *diags)
{
	_cleanup_free_ uint8_t *data = NULL;
	struct profile *p = NULL;
	struct stat st;
	size_t len;
	int r;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		const char *dirs[] = {path};

		(void)profile_set_load_dirs(set, dirs, 1, &fs_ops, NULL, diags);
		return diags->n_errors ? -EBADMSG : 0;
	}
	r = read_file(NULL, path, &data, &len);
	if (r < 0) {
		fprintf(stderr, "anyroam: %s: %s\n", path, strerror(-r));
		return r;
	}
	r = profile_parse(path, data, len, &p, diags);
	if (r == 0) {
		profile_set_add(set, p, diags);
		return 0;
	}
	if (r != -EMEDIUMTYPE)
		return r;
	*ret_other = true;
	return check_other(path, data, len, diags);
}

struct check_args {
	const char *global, *user;
	char **paths;
	int n_paths;
};

static int parse_args(int argc, char **argv, struct check_args *a)
{
	int i = 0;

	/* The command table may hand over "profile check ..." or "check ..." */
	if (i < argc && strcmp(argv[i], "profile") == 0)
		i++;
	if (i < argc && strcmp(argv[i], "check") == 0)
		i++;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (strcmp(argv[i], "--global") == 0 && i + 1 < argc)
			a->global = argv[++i];
		else if (strcmp(argv[i], "--user") == 0 && i + 1 < argc)
			a->user = argv[++i];
		else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else
			return -EINVAL;
	}
	a->paths = argv + i;
	a->n_paths = argc - i;
	return a->n_paths > 0 ? 0 : -EINVAL;
}

static int run(const struct check_args *a, struct profile_diags *diags)
{
	_cleanup_(profile_set_freep) struct profile_set *set = profile_set_new();
	struct profile_prefs *global = NULL, *user = NULL;
	bool other = false;
	int r = 0;

	if (load_prefs(a->global, &global, diags) < 0 || load_prefs(a->user, &user, diags) < 0) {
		profile_prefs_free(global);
		profile_prefs_free(user);
		return -EBADMSG;
	}
	profile_set_set_prefs(set, global, user);
	for (int i = 0; i < a->n_paths; i++) {
		int q = add_path(set, a->paths[i], &other, diags);

		if (q < 0 && r == 0)
			r = q;
	}
	if (profile_set_profile_count(set) > 0) {
		const struct profile *first = profile_set_profile_at(set, 0);

		for (size_t i = 0; i < profile_set_profile_count(set); i++)
			printf("profile: %s\n", profile_file(profile_set_profile_at(set, i)));
		if (a->global)
			printf("global preferences: %s\n", a->global);
		if (a->user)
			printf("user preferences: %s\n", a->user);
		print_client(first, global, user);
		for (size_t i = 0; i < profile_set_host_count(set); i++)
			print_host(set, profile_set_host_at(set, i));
		for (size_t i = 0; i < profile_set_profile_count(set); i++)
			print_unknown(profile_set_profile_at(set, i));
	} else if (!other && r == 0) {
		fprintf(stderr, "anyroam: no profile found\n");
		r = -ENOENT;
	}
	return r;
}

int ui_profile_check(int argc, char **argv)
{
	struct profile_diags diags = {0};
	struct check_args a = {0};
	enum log_level level;
	int r;

	if (argc > 0 &&
	    (strcmp(argv[argc - 1], "--help") == 0 || strcmp(argv[argc - 1], "-h") == 0)) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (parse_args(argc, argv, &a) < 0) {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	/* The library also logs what it returns as diagnostics; print each problem once. */
	level = log_get_level();
	log_set_level(LOG_LEVEL_ERR);
	r = run(&a, &diags);
	log_set_level(level);
	print_diags(&diags);
	if (r == 0 && diags.n_errors)
		r = -EBADMSG;
	profile_diags_done(&diags);
	fflush(stdout);
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
