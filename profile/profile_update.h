/*
 * profile_update.h - profile updates announced in the EAP-AnyConnect `complete` message:
 * manifest parsing, URL, and the install decision. The fetch and the atomic install are
 * I/O and live in platform/linux/platform_https.h.
 *
 * Flow (daemon, after a login):
 *   profile_manifest_parse(complete_xml) -> for each file:
 *     read the installed copy (if any); profile_update_needed() -> no: done
 *     profile_manifest_url(file, HostAddress) -> platform_https_fetch() (same trust store)
 *     profile_update_verify() (hash + valid profile) -> platform_https_install()
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile/profile.h"

#define PROFILE_UPDATE_NAME_MAX 128

#define PROFILE_HASHES(X)       \
	X(SHA1, "sha1", 20)     \
	X(SHA256, "sha256", 32) \
	X(SHA512, "sha512", 64)
#define PROFILE_HASH_ENUM_(h, s, n) PROFILE_HASH_##h,
enum profile_hash {
	PROFILE_HASHES(PROFILE_HASH_ENUM_) _PROFILE_HASH_MAX,
	_PROFILE_HASH_INVALID = -EINVAL,
};
#undef PROFILE_HASH_ENUM_
const char *profile_hash_name(enum profile_hash h);

struct profile_manifest_file {
	char *uri;	 /* "/CACHE/stc/profiles/acvpn.xml": absolute path on the gateway */
	char *file_name; /* "acvpn.xml": its last component, checked [A-Za-z0-9._-]+.xml */
	enum profile_hash hash_type;
	uint8_t hash[64];
};

struct profile_manifest {
	struct profile_manifest_file *v;
	size_t n;
};

/*
 * From the whole `complete` XML (or a bare <vpn-profile-manifest>). src names it in
 * messages. -ENOENT: no profile in it (the common case); -EBADMSG: a bad entry.
 */
_must_check_ int profile_manifest_parse(const char *src, const void *xml, size_t len,
					struct profile_manifest *ret, struct profile_diags *diags);
/*
 * The same from one entry an XML parser elsewhere already took apart (eap/'s
 * eap_peer_outcome profile_url + profile_hash): hash_type NULL means sha1, the type
 * Cisco gateways and anyroam-gw announce.
 */
_must_check_ int profile_manifest_from_entry(const char *uri, const char *hash_type,
					     const char *hash, struct profile_manifest *ret,
					     struct profile_diags *diags);
void profile_manifest_done(struct profile_manifest *m);
/* https://HOST + uri, HOST from the profile's HostAddress; -EPERM for an http:// address. */
_must_check_ int profile_manifest_url(const struct profile_manifest_file *f,
				      const char *host_address, char **ret_url);
/* Whether the installed bytes (NULL = none) differ from the manifest's hash. */
_must_check_ int profile_update_needed(const struct profile_manifest_file *f, const void *current,
				       size_t len, bool *ret_needed);
/*
 * Downloaded bytes may be installed: hash matches (-EACCES if not) and they parse as an
 * AnyConnectProfile without errors (-EBADMSG), within PROFILE_FILE_MAX (-EMSGSIZE).
 */
_must_check_ int profile_update_verify(const struct profile_manifest_file *f, const void *data,
				       size_t len, struct profile_diags *diags);

/* The I/O an update needs, implemented by platform/linux/platform_https.c. */
struct profile_update_ops {
	/* The installed copy of file_name; -ENOENT if there is none. Caller frees. */
	int (*read_installed)(void *user_data, const char *file_name, uint8_t **ret_data,
			      size_t *ret_len);
	/* GET url over verified HTTPS, at most max bytes. Caller frees. */
	int (*fetch)(void *user_data, const char *url, size_t max, uint8_t **ret_data,
		     size_t *ret_len);
	/* Atomically replaces file_name with data. */
	int (*install)(void *user_data, const char *file_name, const void *data, size_t len);
};

/*
 * Runs the flow above for every file of m against the gateway at host_address. Files
 * already up to date are left alone. Returns how many were installed, or the first
 * error (the other files are still tried); details in diags.
 */
int profile_update_apply(const struct profile_manifest *m, const char *host_address,
			 const struct profile_update_ops *ops, void *user_data,
			 struct profile_diags *diags);
