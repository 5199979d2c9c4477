/*
 * daemon_prefs.c - Secure Client preference files for the profile set (profile/README.md
 * "Precedence"): preferences_global.xml, then the connecting user's preferences.xml,
 * override a profile's ClientInitialization settings marked UserControllable="true".
 * - global: the first of PROFILE_PREFS_GLOBAL_ANYROAM, _SECURECLIENT, _ANYCONNECT that
 *   exists (or --prefs-global FILE);
 * - user: anyroamd is one system daemon, so "the user" is the one whose `anyroam connect`
 *   starts a login: ~/.config/anyroam/preferences.xml, else ~/.anyconnect of that uid
 *   (or --prefs-user FILE for everyone). A reconnect keeps the policy of its login.
 * A broken file is skipped with its errors logged; a missing one is normal.
 */
#define LOG_MODULE "daemon"
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/log.h"
#include "core/xmalloc.h"
#include "daemon/daemon.h"
#include "profile/profile.h"

static struct profile_prefs *load_one(const char *const *paths, size_t n,
				      const struct profile_fs_ops *ops, const char *what,
				      struct profile_diags *dg)
{
	struct profile_prefs *p = NULL;
	int r = profile_prefs_load(paths, n, ops, NULL, &p, dg);

	if (r == -ENOENT)
		log_debug("no %s preferences file", what);
	else if (r < 0)
		log_warning("%s preferences (%s%s) not used: %s", what, paths[0],
			    n > 1 ? ", ..." : "", err_str(r));
	return r < 0 ? NULL : p;
}

/* The user's two candidate files under their home directory, or 0 if unknown. */
static size_t user_paths(uid_t uid, char *a, char *b, size_t len)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) != 0 || !res || !pw.pw_dir ||
	    pw.pw_dir[0] != '/')
		return 0;
	if (snprintf(a, len, "%s/%s", pw.pw_dir, PROFILE_PREFS_USER_ANYROAM) >= (int)len ||
	    snprintf(b, len, "%s/%s", pw.pw_dir, PROFILE_PREFS_USER_ANYCONNECT) >= (int)len)
		return 0;
	return 2;
}

void daemon_prefs_load(struct daemon *d, const struct profile_fs_ops *ops, struct profile_diags *dg)
{
	static const char *const global_paths[] = {PROFILE_PREFS_GLOBAL_ANYROAM,
						   PROFILE_PREFS_GLOBAL_SECURECLIENT,
						   PROFILE_PREFS_GLOBAL_ANYCONNECT};
	const char *one[1];
	char a[4200], b[4200];
	const char *up[2] = {a, b};
	struct profile_prefs *global, *user = NULL;
	size_t n;

	if (d->opts.prefs_global) {
		one[0] = d->opts.prefs_global;
		global = load_one(one, 1, ops, "global", dg);
	} else {
		global = load_one(global_paths, ARRAY_SIZE(global_paths), ops, "global", dg);
	}
	if (d->opts.prefs_user) {
		one[0] = d->opts.prefs_user;
		user = load_one(one, 1, ops, "user", dg);
	} else if (d->prefs_uid_set && (n = user_paths(d->prefs_uid, a, b, sizeof(a))) > 0) {
		user = load_one(up, n, ops, "user", dg);
	}
	log_info("preferences: global %s, user %s", global ? "loaded" : "none",
		 user ? "loaded" : "none");
	profile_set_set_prefs(d->profiles, global, user);
}

void daemon_prefs_for_user(struct daemon *d, uid_t uid)
{
	if (d->prefs_uid_set && d->prefs_uid == uid)
		return;
	d->prefs_uid = uid;
	d->prefs_uid_set = true;
	daemon_load_profiles(d); /* a fresh set: the previous user's preferences go */
}
