/*
 * profile_update.c - profile updates pushed by the gateway, the decision half (no I/O).
 *
 * The `complete` message of EAP-AnyConnect may carry, as Secure Client's SSL login does,
 *   <config client="vpn" type="private"><vpn-profile-manifest><vpn rev="1.0">
 *     <file type="profile" service-type="user"><uri>/profile.xml</uri>
 *       <hash type="sha1">A8B0...</hash></file></vpn></vpn-profile-manifest></config>
 * This file parses that manifest, turns a uri into an https:// URL on the gateway the
 * user logged in to, and decides what platform_https.c may install: only a file whose
 * bytes match the manifest hash and parse as a valid AnyConnectProfile, under a plain
 * file name (no path), and only when the installed copy differs.
 */
#define _GNU_SOURCE /* asprintf */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/hex.h"
#include "core/xmalloc.h"
#include "profile/profile_internal.h"
#include "profile/profile_update.h"

#define LOG_MODULE "profile"
#include "core/log.h"

#define HASH_NAMES_(h, s, n) s,
static const char *const hash_names[] = {PROFILE_HASHES(HASH_NAMES_)};
#undef HASH_NAMES_
#define HASH_LENS_(h, s, n) n,
static const size_t hash_lens[] = {PROFILE_HASHES(HASH_LENS_)};
#undef HASH_LENS_

const char *profile_hash_name(enum profile_hash h)
{
	return (int)h >= 0 && h < _PROFILE_HASH_MAX ? hash_names[h] : "?";
}

static enum profile_hash hash_from_name(const char *s)
{
	for (size_t i = 0; s && i < ARRAY_SIZE(hash_names); i++)
		if (strcasecmp(hash_names[i], s) == 0)
			return (enum profile_hash)i;
	return _PROFILE_HASH_INVALID;
}

static const EVP_MD *hash_md(enum profile_hash h)
{
	switch (h) {
	case PROFILE_HASH_SHA1:
		return EVP_sha1(); /* what ASA and Secure Client put in the manifest */
	case PROFILE_HASH_SHA256:
		return EVP_sha256();
	case PROFILE_HASH_SHA512:
		return EVP_sha512();
	case _PROFILE_HASH_MAX:
	case _PROFILE_HASH_INVALID:
		break;
	}
	return NULL;
}

/* A file name we are willing to create in a profile directory. */
static bool safe_name(const char *n)
{
	size_t len = strlen(n);

	if (len < 5 || len > PROFILE_UPDATE_NAME_MAX || n[0] == '.' ||
	    strcasecmp(n + len - 4, ".xml") != 0)
		return false;
	return strspn(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") ==
	       len;
}

static xmlChar *attr(const xmlNode *n, const char *name)
{
	return xmlGetProp(n, (const xmlChar *)name);
}

/* One <file>: checks the uri, the hash and its type before anything trusts them. */
static int add_entry(const char *uri, const char *type, const char *hash, const char *src,
		     unsigned int line, struct profile_manifest *m, struct profile_diags *diags)
{
	struct profile_manifest_file f = {0};
	const char *base;
	size_t hlen = 0;

	f.hash_type = hash_from_name(type ? type : "sha1");
	if (!uri || !hash || f.hash_type == _PROFILE_HASH_INVALID) {
		profile_diag_add(diags, PROFILE_DIAG_ERROR, src, line, "file",
				 "a profile entry needs a uri and a sha1, sha256 or sha512 hash");
		return -EBADMSG;
	}
	if (hex_decode(hash, f.hash, sizeof(f.hash), &hlen) < 0 || hlen != hash_lens[f.hash_type]) {
		profile_diag_add(diags, PROFILE_DIAG_ERROR, src, line, "hash",
				 "'%.140s' is not a %s hash", hash, profile_hash_name(f.hash_type));
		return -EBADMSG;
	}
	base = strrchr(uri, '/');
	base = base ? base + 1 : uri;
	if (uri[0] != '/' || strstr(uri, "..") || strpbrk(uri, "?#\\%@ \t\r\n") ||
	    !safe_name(base)) {
		profile_diag_add(diags, PROFILE_DIAG_ERROR, src, line, "uri",
				 "'%.200s' is not a path to a profile file on the gateway", uri);
		return -EBADMSG;
	}
	f.uri = xstrdup(uri);
	f.file_name = xstrdup(base);
	m->v = xrealloc(m->v, (m->n + 1) * sizeof(*m->v));
	m->v[m->n++] = f;
	return 0;
}

static int manifest_file(const xmlNode *n, const char *src, struct profile_manifest *m,
			 struct profile_diags *diags)
{
	_cleanup_free_ char *uri = NULL, *hash = NULL;
	xmlChar *type = NULL;
	int r;

	for (const xmlNode *c = n->children; c; c = c->next) {
		if (profile_xml_is(c, "uri") && !uri) {
			uri = profile_xml_text(c);
		} else if (profile_xml_is(c, "hash") && !hash) {
			hash = profile_xml_text(c);
			type = attr(c, "type");
		}
	}
	r = add_entry(uri, (const char *)type, hash, src, profile_xml_line(n), m, diags);
	xmlFree(type);
	return r;
}

int profile_manifest_from_entry(const char *uri, const char *hash_type, const char *hash,
				struct profile_manifest *ret, struct profile_diags *diags)
{
	struct profile_manifest m = {0};
	int r = add_entry(uri, hash_type, hash, "complete", 0, &m, diags);

	if (r < 0)
		return r;
	*ret = m;
	return 0;
}

/* <vpn-profile-manifest><vpn><file type="profile">...: other file types are not ours. */
static int walk_manifest(const xmlNode *node, const char *src, struct profile_manifest *m,
			 struct profile_diags *diags)
{
	int r = 0;

	for (const xmlNode *vpn = node->children; vpn; vpn = vpn->next) {
		if (!profile_xml_is(vpn, "vpn"))
			continue;
		for (const xmlNode *f = vpn->children; f; f = f->next) {
			xmlChar *type;
			bool is_profile;

			if (!profile_xml_is(f, "file"))
				continue;
			type = attr(f, "type");
			is_profile = !type || strcmp((const char *)type, "profile") == 0;
			xmlFree(type);
			if (is_profile && manifest_file(f, src, m, diags) < 0)
				r = -EBADMSG;
		}
	}
	return r;
}

static const xmlNode *find_manifest(const xmlNode *n, int depth)
{
	/* config-auth > config > vpn-profile-manifest; a little slack, never unbounded */
	if (depth > 4)
		return NULL;
	for (const xmlNode *c = n->children; c; c = c->next) {
		const xmlNode *m;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (profile_xml_is(c, "vpn-profile-manifest"))
			return c;
		m = find_manifest(c, depth + 1);
		if (m)
			return m;
	}
	return NULL;
}

int profile_manifest_parse(const char *src, const void *xml, size_t len,
			   struct profile_manifest *ret, struct profile_diags *diags)
{
	struct profile_manifest m = {0};
	const xmlNode *root, *mf;
	xmlDoc *doc = NULL;
	int r;

	src = src ? src : "complete";
	r = profile_xml_read(src, xml, len, &doc, diags);
	if (r < 0)
		return r;
	root = xmlDocGetRootElement(doc);
	mf = profile_xml_is(root, "vpn-profile-manifest") ? root : find_manifest(root, 0);
	r = mf ? walk_manifest(mf, src, &m, diags) : -ENOENT;
	xmlFreeDoc(doc);
	if (r == 0 && m.n == 0)
		r = -ENOENT;
	if (r < 0) {
		profile_manifest_done(&m);
		return r;
	}
	*ret = m;
	return 0;
}

void profile_manifest_done(struct profile_manifest *m)
{
	for (size_t i = 0; m && i < m->n; i++) {
		free(m->v[i].uri);
		free(m->v[i].file_name);
	}
	if (m) {
		free(m->v);
		*m = (struct profile_manifest){0};
	}
}

int profile_manifest_url(const struct profile_manifest_file *f, const char *host_address,
			 char **ret_url)
{
	_cleanup_free_ char *host = NULL;
	char port[16] = "";
	unsigned int p = 0;
	bool v6;
	char *url;

	if (!host_address || !*host_address)
		return -EINVAL;
	if (strncasecmp(host_address, "http://", 7) == 0)
		return -EPERM; /* updates only ever come over verified TLS */
	if (profile_address_split(host_address, &host, &p) < 0 || strpbrk(host, "@[] \t\r\n\\%"))
		return -EINVAL;
	v6 = strchr(host, ':') != NULL;
	if (p)
		snprintf(port, sizeof(port), ":%u", p);
	if (asprintf(&url, "https://%s%s%s%s%s", v6 ? "[" : "", host, v6 ? "]" : "", port, f->uri) <
	    0)
		abort();
	*ret_url = url;
	return 0;
}

static int digest(enum profile_hash t, const void *data, size_t len, uint8_t out[static 64])
{
	const EVP_MD *md = hash_md(t);
	unsigned int n = 0;

	if (!md || EVP_Digest(data, len, out, &n, md, NULL) != 1 || n != hash_lens[t])
		return -EINVAL;
	return 0;
}

int profile_update_needed(const struct profile_manifest_file *f, const void *current, size_t len,
			  bool *ret_needed)
{
	uint8_t h[64];
	int r;

	if (!current) {
		*ret_needed = true;
		return 0;
	}
	r = digest(f->hash_type, current, len, h);
	if (r < 0)
		return r;
	*ret_needed = CRYPTO_memcmp(h, f->hash, hash_lens[f->hash_type]) != 0;
	return 0;
}

int profile_update_verify(const struct profile_manifest_file *f, const void *data, size_t len,
			  struct profile_diags *diags)
{
	struct profile *p = NULL;
	uint8_t h[64];
	int r;

	if (len > PROFILE_FILE_MAX) {
		profile_diag_add(diags, PROFILE_DIAG_ERROR, f->file_name, 0, NULL,
				 "download of %zu bytes is over the %u-byte limit", len,
				 PROFILE_FILE_MAX);
		return -EMSGSIZE;
	}
	r = digest(f->hash_type, data, len, h);
	if (r < 0)
		return r;
	if (CRYPTO_memcmp(h, f->hash, hash_lens[f->hash_type]) != 0) {
		profile_diag_add(diags, PROFILE_DIAG_ERROR, f->file_name, 0, NULL,
				 "downloaded file does not match the %s hash of the manifest",
				 profile_hash_name(f->hash_type));
		return -EACCES;
	}
	/* A profile we could not load next time must never replace a working one. */
	r = profile_parse(f->file_name, data, len, &p, diags);
	if (r == -EMEDIUMTYPE)
		profile_diag_add(diags, PROFILE_DIAG_ERROR, f->file_name, 0, NULL,
				 "downloaded file is not an AnyConnectProfile");
	if (r < 0)
		return r == -EMEDIUMTYPE ? -EBADMSG : r;
	profile_free(p);
	return 0;
}

static int apply_one(const struct profile_manifest_file *f, const char *host_address,
		     const struct profile_update_ops *ops, void *ud, struct profile_diags *diags)
{
	_cleanup_free_ uint8_t *cur = NULL, *data = NULL;
	_cleanup_free_ char *url = NULL;
	size_t cur_len = 0, len = 0;
	bool needed = true;
	int r;

	r = ops->read_installed(ud, f->file_name, &cur, &cur_len);
	if (r < 0 && r != -ENOENT)
		return r;
	if ((r = profile_update_needed(f, r < 0 ? NULL : cur, cur_len, &needed)) < 0)
		return r;
	if (!needed) {
		log_debug("profile %s is up to date", f->file_name);
		return 0;
	}
	if ((r = profile_manifest_url(f, host_address, &url)) < 0) {
		profile_diag_add(diags, PROFILE_DIAG_ERROR, f->file_name, 0, NULL,
				 "no https URL for gateway '%s': %s",
				 host_address ? host_address : "", err_str(r));
		return r;
	}
	r = ops->fetch(ud, url, PROFILE_FILE_MAX, &data, &len);
	if (r < 0) {
		profile_diag_add(diags, PROFILE_DIAG_ERROR, f->file_name, 0, NULL,
				 "download from %s failed: %s", url, err_str(r));
		return r;
	}
	if ((r = profile_update_verify(f, data, len, diags)) < 0)
		return r;
	r = ops->install(ud, f->file_name, data, len);
	if (r < 0) {
		profile_diag_add(diags, PROFILE_DIAG_ERROR, f->file_name, 0, NULL,
				 "install failed: %s", err_str(r));
		return r;
	}
	log_info("profile %s updated from %s", f->file_name, url);
	return 1;
}

int profile_update_apply(const struct profile_manifest *m, const char *host_address,
			 const struct profile_update_ops *ops, void *user_data,
			 struct profile_diags *diags)
{
	int installed = 0, first = 0;

	for (size_t i = 0; i < m->n; i++) {
		int r = apply_one(&m->v[i], host_address, ops, user_data, diags);

		if (r > 0)
			installed++;
		else if (r < 0 && first == 0)
			first = r;
	}
	return first < 0 ? first : installed;
}
