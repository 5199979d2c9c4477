/*
 * dart_zip.c - manifest.json and the ZIP itself (libarchive). summary.txt goes first
 * so a person opening the bundle reads it before anything else; manifest.json second,
 * listing every other file with its size and SHA-256 (FIPS 180-4) so a help desk can
 * tell the bundle is whole.
 */
#define LOG_MODULE "dart"
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "anyroam_version.h"
#include "core/hex.h"
#include "core/log.h"
#include "daemon/dart_bundle.h"

static void sha256_hex(const void *p, size_t n, char out[65])
{
	uint8_t md[32];
	unsigned int mdlen = sizeof(md);

	if (!EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL)) {
		strcpy(out, "(sha256 failed)");
		return;
	}
	hex_encode(md, sizeof(md), out, 0);
}

static void add_file(struct dart_sb *sb, const char *name, const char *data, size_t len, bool last)
{
	char hash[65];

	sha256_hex(data, len, hash);
	dart_sb_adds(sb, "    {\"name\":");
	dart_sb_add_json_str(sb, name);
	dart_sb_addf(sb, ",\"size\":%zu,\"sha256\":\"%s\"}%s\n", len, hash, last ? "" : ",");
}

static void add_versions(struct dart_sb *sb)
{
	struct utsname u;

	dart_sb_adds(sb, "  \"versions\": {\"anyroam\":\"" ANYROAM_VERSION "\",\"libarchive\":");
	/* not archive_version_details(): libarchive 3.6 leaks its buffer on every call */
	dart_sb_add_json_str(sb, archive_version_string());
	dart_sb_adds(sb, ",\"openssl\":");
	dart_sb_add_json_str(sb, OpenSSL_version(OPENSSL_VERSION));
	if (uname(&u) == 0) {
		dart_sb_adds(sb, ",\"kernel\":");
		dart_sb_add_json_str(sb, u.release);
	}
	dart_sb_adds(sb, "},\n");
}

char *dart_zip_manifest(const struct dart_bundle *b, const char *summary)
{
	struct dart_sb sb = {0};
	time_t t = (time_t)(b->now / USEC_PER_SEC);
	char created[32] = "?";
	struct tm tm;

	if (gmtime_r(&t, &tm))
		strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	dart_sb_addf(&sb, "{\n  \"format\": \"anyroam-dart 1\",\n  \"created\": \"%s\",\n",
		     created);
	dart_sb_addf(&sb, "  \"collected_as_uid\": %u,\n", (unsigned)geteuid());
	add_versions(&sb);
	dart_sb_adds(&sb, "  \"files\": [\n");
	add_file(&sb, "summary.txt", summary, strlen(summary), b->n == 0);
	for (size_t i = 0; i < b->n; i++)
		add_file(&sb, b->e[i].name, b->e[i].data, b->e[i].len, i + 1 == b->n);
	dart_sb_adds(&sb, "  ]\n}\n");
	return dart_sb_steal(&sb);
}

static int write_one(struct archive *a, const char *name, const char *data, size_t len,
		     time_t mtime)
{
	struct archive_entry *e = archive_entry_new();
	int r = 0;

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_mtime(e, mtime, 0);
	if (archive_write_header(a, e) != ARCHIVE_OK ||
	    (len && archive_write_data(a, data, len) != (la_ssize_t)len)) {
		log_warning("zip: %s: %s", name, archive_error_string(a));
		r = -EIO;
	}
	archive_entry_free(e);
	return r;
}

static int write_all(struct archive *a, const struct dart_bundle *b, const char *summary,
		     const char *manifest)
{
	time_t mtime = (time_t)(b->now / USEC_PER_SEC);
	int r;

	if ((r = write_one(a, "summary.txt", summary, strlen(summary), mtime)) < 0 ||
	    (r = write_one(a, "manifest.json", manifest, strlen(manifest), mtime)) < 0)
		return r;
	for (size_t i = 0; i < b->n; i++)
		if ((r = write_one(a, b->e[i].name, b->e[i].data, b->e[i].len, mtime)) < 0)
			return r;
	return 0;
}

int dart_zip_write(const struct dart_bundle *b, const char *summary, const char *manifest,
		   const char *path)
{
	struct archive *a;
	int fd, r;

	/* O_NOFOLLOW: a symlink planted at the output name must not redirect the write */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return -errno;
	a = archive_write_new();
	if (!a || archive_write_set_format_zip(a) != ARCHIVE_OK ||
	    archive_write_open_fd(a, fd) != ARCHIVE_OK) {
		if (a)
			archive_write_free(a);
		close(fd);
		return -EIO;
	}
	r = write_all(a, b, summary, manifest);
	if (archive_write_close(a) != ARCHIVE_OK && r == 0)
		r = -EIO;
	archive_write_free(a);
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}
