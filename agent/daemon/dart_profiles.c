/*
 * dart_profiles.c - the profile part of a bundle: every profile file of the profile
 * directories, the global and user preferences, and effective.txt, each
 * ClientInitialization setting as the agent would apply it with its origin (schema
 * default, profile, global or user preference) and file:line, via profile/.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/xmalloc.h"
#include "daemon/dart_bundle.h"
#include "daemon/dart_profiles.h"
#include "daemon/dart_sys.h"
#include "profile/profile.h"

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_xml(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && strcmp(name + n - 4, ".xml") == 0;
}

/* Sorted *.xml names of dir; -errno when it cannot be listed. */
static int list_xml(const char *dir, char ***ret, size_t *ret_n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL;
	size_t n = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d)) && n < 256) {
		if (e->d_name[0] == '.' || !is_xml(e->d_name))
			continue;
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_names);
	*ret = v;
	*ret_n = n;
	return 0;
}

static void free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static char *join(const char *dir, const char *name)
{
	char *p = xmalloc(strlen(dir) + strlen(name) + 2);

	sprintf(p, "%s/%s", dir, name);
	return p;
}

/* "/etc/anyroam/profile" -> "etc_anyroam_profile" for the path inside the zip. */
static void dir_tag(const char *dir, char *buf, size_t cap)
{
	size_t n = 0;

	for (; *dir == '/'; dir++)
		;
	for (; *dir && n + 1 < cap; dir++)
		buf[n++] = *dir == '/' ? '_' : *dir;
	buf[n] = '\0';
}

static void effective_of(struct dart_sb *sb, const struct profile *p, const char *file,
			 const struct profile_prefs *g, const struct profile_prefs *u)
{
	dart_sb_addf(sb, "== %s ==\n", file ? file : "(no profile: schema defaults)");
	for (int k = 0; k < _PROFILE_CLIENT_KEY_END; k++) {
		struct profile_value v;

		if (profile_effective(p, g, u, (enum profile_key)k, &v) < 0)
			continue;
		dart_sb_addf(sb, "%-36s %-24s %s", profile_key_name((enum profile_key)k),
			     v.text ? v.text : "", profile_origin_name(v.origin));
		if (v.file)
			dart_sb_addf(sb, " %s:%u", v.file, v.line);
		dart_sb_adds(sb, v.user_controllable ? " (user-controllable)\n" : "\n");
	}
	for (size_t i = 0; p && i < profile_host_count(p); i++) {
		const struct profile_host *h = profile_host_at(p, i);

		dart_sb_addf(sb, "HostEntry %s -> %s (line %u)\n", profile_host_name(h),
			     profile_host_address(h), profile_host_line(h));
	}
	dart_sb_adds(sb, "\n");
}

/* Parses one collected profile for effective.txt (errors go there too). */
static void effective_file(struct dart_sb *sb, const struct dart_entry *e, const char *path,
			   const struct profile_prefs *g, const struct profile_prefs *u)
{
	struct profile_diags dg = {0};
	struct profile *p = NULL;
	int r = profile_parse(path, e->data, e->len, &p, &dg);

	if (r < 0) {
		const struct profile_diag *d = profile_diags_first_error(&dg);
		char *why = d ? profile_diag_format(d) : NULL;

		dart_sb_addf(sb, "== %s ==\nnot used by the agent: %s\n\n", path,
			     why ? why : err_str(r));
		free(why);
	} else {
		effective_of(sb, p, path, g, u);
	}
	profile_free(p);
	profile_diags_done(&dg);
}

static struct profile_prefs *load_prefs(struct dart_bundle *b, const char *const *paths, size_t n,
					const char *name)
{
	for (size_t i = 0; i < n; i++) {
		struct profile_diags dg = {0};
		struct profile_prefs *pr = NULL;
		const struct dart_entry *e;

		if (!dart_bundle_add_file(b, name, paths[i], DART_TEXT_PLAIN, true))
			continue;
		e = &b->e[b->n - 1];
		if (profile_prefs_parse(paths[i], e->data, e->len, &pr, &dg) < 0)
			dart_bundle_note(b, "%s: not valid preferences, ignored", paths[i]);
		profile_diags_done(&dg);
		return pr;
	}
	return NULL;
}

static void collect_dir(struct dart_bundle *b, const char *dir, struct dart_sb *eff,
			const struct profile_prefs *g, const struct profile_prefs *u)
{
	char **names = NULL, tag[256];
	size_t n = 0;
	int r = list_xml(dir, &names, &n);

	if (r == -EACCES || r == -EPERM)
		dart_bundle_note(b, "%s: not readable as uid %u", dir, (unsigned)geteuid());
	if (r < 0)
		return;
	dir_tag(dir, tag, sizeof(tag));
	for (size_t i = 0; i < n; i++) {
		char *path = join(dir, names[i]),
		     *name = xmalloc(strlen(tag) + strlen(names[i]) + 12);

		sprintf(name, "profiles/%s/%s", tag, names[i]);
		if (dart_bundle_add_file(b, name, path, DART_TEXT_PLAIN, false))
			effective_file(eff, &b->e[b->n - 1], path, g, u);
		free(name);
		free(path);
	}
	free_names(names, n);
}

void dart_profiles_collect(struct dart_bundle *b)
{
	static const char *const global[] = {PROFILE_PREFS_GLOBAL_ANYROAM,
					     PROFILE_PREFS_GLOBAL_SECURECLIENT,
					     PROFILE_PREFS_GLOBAL_ANYCONNECT};
	const struct dart_inputs *in = b->in;
	const char *const *dirs = in->profile_dirs ? in->profile_dirs : profile_default_dirs;
	size_t n_dirs = in->profile_dirs ? in->n_profile_dirs : ARRAY_SIZE(profile_default_dirs);
	const char *home = getenv("HOME");
	char *user_path = NULL;
	struct profile_prefs *g, *u = NULL;
	struct dart_sb eff = {0};

	g = load_prefs(b, global, ARRAY_SIZE(global), "profiles/preferences_global.xml");
	if (in->user_prefs)
		user_path = xstrdup(in->user_prefs);
	else if (home && *home)
		user_path = join(home, PROFILE_PREFS_USER_ANYROAM);
	if (user_path)
		u = load_prefs(b, (const char *const[]){user_path}, 1,
			       "profiles/preferences_user.xml");
	dart_sb_adds(&eff, "Effective settings (origin, file:line), as the agent applies them\n\n");
	for (size_t i = 0; i < n_dirs; i++)
		collect_dir(b, dirs[i], &eff, g, u);
	effective_of(&eff, NULL, NULL, g, u);
	dart_bundle_add(b, "profiles/effective.txt", eff.p, eff.n, DART_TEXT_PLAIN);
	profile_prefs_free(g);
	profile_prefs_free(u);
	free(user_path);
}
