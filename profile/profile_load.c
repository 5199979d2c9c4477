/*
 * profile_load.c - every profile of the profile directories, merged in a fixed order
 * (directory priority, then file name, bytewise) so duplicate HostNames always resolve
 * the same way. The file system is reached only through struct profile_fs_ops.
 */
#define _GNU_SOURCE /* asprintf */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/xmalloc.h"
#include "profile/profile_internal.h"

#define LOG_MODULE "profile"
#include "core/log.h"

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_xml_name(const char *n)
{
	size_t len = strlen(n);

	return len > 4 && n[0] != '.' && strcasecmp(n + len - 4, ".xml") == 0;
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static int load_file(struct profile_set *set, const char *path, const struct profile_fs_ops *ops,
		     void *user_data, struct profile_diags *diags)
{
	_cleanup_free_ uint8_t *data = NULL;
	struct profile *p = NULL;
	size_t len = 0;
	int r;

	r = ops->read_file(user_data, path, &data, &len);
	if (r < 0) {
		profile_diag_add(diags, PROFILE_DIAG_ERROR, path, 0, NULL, "cannot read: %s",
				 err_str(r));
		return r;
	}
	r = profile_parse(path, data, len, &p, diags);
	if (r == -EMEDIUMTYPE) {
		/* The Secure Client directory also holds other XML (e.g. a local policy). */
		log_debug("%s: not an AnyConnectProfile, skipped", path);
		return 0;
	}
	if (r < 0) {
		log_warning("%s: profile skipped: %s", path, err_str(r));
		return r;
	}
	profile_set_add(set, p, diags);
	return 1;
}

static int load_dir(struct profile_set *set, const char *dir, const struct profile_fs_ops *ops,
		    void *user_data, struct profile_diags *diags)
{
	char **names = NULL;
	size_t n = 0;
	int loaded = 0, r;

	r = ops->list_dir(user_data, dir, &names, &n);
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		profile_diag_add(diags, PROFILE_DIAG_WARNING, dir, 0, NULL, "cannot list: %s",
				 err_str(r));
		return 0;
	}
	/* an empty directory may come back as (NULL, 0): qsort's array must not be NULL
	 * even for 0 elements (C17 7.22.5) */
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *path = NULL;

		if (!is_xml_name(names[i]))
			continue;
		if (asprintf(&path, "%s/%s", dir, names[i]) < 0)
			abort();
		if (load_file(set, path, ops, user_data, diags) > 0)
			loaded++;
	}
	free_names(names, n);
	return loaded;
}

int profile_set_load_dirs(struct profile_set *set, const char *const *dirs, size_t n_dirs,
			  const struct profile_fs_ops *ops, void *user_data,
			  struct profile_diags *diags)
{
	int loaded = 0;

	for (size_t i = 0; i < n_dirs; i++)
		loaded += load_dir(set, dirs[i], ops, user_data, diags);
	return loaded;
}

int profile_prefs_load(const char *const *paths, size_t n_paths, const struct profile_fs_ops *ops,
		       void *user_data, struct profile_prefs **ret_prefs,
		       struct profile_diags *diags)
{
	for (size_t i = 0; i < n_paths; i++) {
		_cleanup_free_ uint8_t *data = NULL;
		size_t len = 0;
		int r;

		r = ops->read_file(user_data, paths[i], &data, &len);
		if (r == -ENOENT)
			continue;
		if (r < 0) {
			profile_diag_add(diags, PROFILE_DIAG_ERROR, paths[i], 0, NULL,
					 "cannot read: %s", err_str(r));
			return r;
		}
		r = profile_prefs_parse(paths[i], data, len, ret_prefs, diags);
		if (r == -EMEDIUMTYPE)
			profile_diag_add(diags, PROFILE_DIAG_ERROR, paths[i], 0, NULL,
					 "root element is not AnyConnectPreferences");
		return r == -EMEDIUMTYPE ? -EBADMSG : r;
	}
	return -ENOENT;
}
