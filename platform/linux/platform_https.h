/*
 * platform_https.h - HTTPS GET with libcurl for profile updates, the atomic file install
 * (temporary file, fsync, rename, fsync of the directory) and the file-system side of
 * profile loading (struct profile_fs_ops). The decisions live in profile/.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/err.h"
#include "profile/profile.h"
#include "profile/profile_update.h"

struct platform_https_opts {
	/* The trust store the IKE server certificate is checked against: the CA file
	 * configured for the host, else (NULL) the system store. */
	const char *ca_file;
	long timeout_ms; /* whole transfer; 0 = 30 s */
};

/*
 * GET url (https:// only, no redirects, peer and host name verified). Fails with
 * -EPERM for a non-https URL, -EACCES for a certificate or name failure, -EMSGSIZE over
 * max bytes, -ETIMEDOUT, -ENOENT for HTTP 404, -EPROTO for other HTTP statuses, -EIO
 * otherwise. On failure *reterr_msg (if given) gets curl's text; caller frees.
 */
_must_check_ int platform_https_fetch(const char *url, const struct platform_https_opts *o,
				      size_t max, uint8_t **ret_data, size_t *ret_len,
				      char **reterr_msg);

/* Writes dir/name atomically with mode (temp file in dir, fsync, rename, fsync dir). */
_must_check_ int platform_https_install(const char *dir, const char *name, const void *data,
					size_t len, mode_t mode);

/* Reads a whole file of at most max bytes (-EMSGSIZE beyond). Caller frees. */
_must_check_ int platform_https_read_file(const char *path, size_t max, uint8_t **ret_data,
					  size_t *ret_len);

/* Reading profile directories for profile_set_load_dirs() (user_data unused). */
extern const struct profile_fs_ops platform_https_fs_ops;

/* Profile updates into one directory: pass a struct platform_https_updater as user_data. */
struct platform_https_updater {
	const char *dir; /* e.g. PROFILE_DIR_ANYROAM */
	struct platform_https_opts opts;
	char *last_error; /* curl's text of the last failed fetch; freed by the caller */
};
extern const struct profile_update_ops platform_https_update_ops;
