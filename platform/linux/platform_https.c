/*
 * platform_https.c - the I/O side of profiles: libcurl HTTPS fetch for the updates the
 * gateway announces, atomic install, and reading profile files and directories.
 *
 * The fetch trusts exactly what the IKE server certificate is checked against (the
 * host's CA file or the system store), verifies the host name, refuses plain HTTP and
 * redirects, and caps the body before it grows: the bytes are then judged by
 * profile_update_verify() before anything is written.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "core/xmalloc.h"
#include "platform/linux/platform_https.h"

#define LOG_MODULE "https"
#include "core/log.h"

struct body {
	uint8_t *data;
	size_t len;
	size_t max;
	bool over;
};

static size_t on_body(char *p, size_t size, size_t nmemb, void *user_data)
{
	struct body *b = user_data;
	size_t n = size * nmemb;

	if (n > b->max - b->len) {
		b->over = true;
		return 0; /* CURLE_WRITE_ERROR: stop before the cap is passed */
	}
	b->data = xrealloc(b->data, b->len + n + 1);
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return n;
}

static int curl_err(CURLcode c)
{
	switch (c) {
	case CURLE_OK:
		return 0;
	case CURLE_UNSUPPORTED_PROTOCOL:
		return -EPERM;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CONNECT_ERROR:
		return -EACCES;
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_FILESIZE_EXCEEDED:
		return -EMSGSIZE;
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
		return -EHOSTUNREACH;
	default:
		return -EIO;
	}
}

static int setup(CURL *c, const char *url, const struct platform_https_opts *o, struct body *b,
		 char *errbuf)
{
	long timeout = o && o->timeout_ms > 0 ? o->timeout_ms : 30000;

	if (curl_easy_setopt(c, CURLOPT_URL, url) ||
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https") ||
	    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) ||
	    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) ||
	    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) ||
	    curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2) ||
	    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) ||
	    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout) ||
	    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)b->max) ||
	    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) ||
	    curl_easy_setopt(c, CURLOPT_WRITEDATA, b) ||
	    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf) ||
	    curl_easy_setopt(c, CURLOPT_USERAGENT, "AnyConnect Linux_64 5.1.8.105"))
		return -EIO;
	if (o && o->ca_file && curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file))
		return -EIO;
	return 0;
}

static int http_status(CURL *c)
{
	long code = 0;

	if (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code) != CURLE_OK)
		return -EIO;
	return code == 200 ? 0 : code == 404 ? -ENOENT : -EPROTO;
}

int platform_https_fetch(const char *url, const struct platform_https_opts *o, size_t max,
			 uint8_t **ret_data, size_t *ret_len, char **reterr_msg)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct body b = {.max = max};
	CURLcode cc;
	CURL *c;
	int r;

	if (!url || strncasecmp(url, "https://", 8) != 0)
		return -EPERM;
	c = curl_easy_init();
	if (!c)
		return -ENOMEM;
	r = setup(c, url, o, &b, errbuf);
	if (r == 0) {
		cc = curl_easy_perform(c);
		r = b.over ? -EMSGSIZE : curl_err(cc);
		if (r == 0)
			r = http_status(c);
		if (r < 0 && reterr_msg)
			*reterr_msg = xstrdup(*errbuf	     ? errbuf
					      : r == -EPROTO ? "unexpected HTTP status"
							     : curl_easy_strerror(cc));
	}
	curl_easy_cleanup(c);
	if (r < 0) {
		free(b.data);
		return r;
	}
	*ret_data = b.data ? b.data : xcalloc(1, 1);
	*ret_len = b.len;
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

int platform_https_install(const char *dir, const char *name, const void *data, size_t len,
			   mode_t mode)
{
	_cleanup_free_ char *tmp = NULL, *dst = NULL;
	int fd, r;

	if (!name || !*name || strchr(name, '/') || name[0] == '.')
		return -EINVAL;
	if (asprintf(&tmp, "%s/.%s.XXXXXX", dir, name) < 0 ||
	    asprintf(&dst, "%s/%s", dir, name) < 0)
		abort();
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Readers see the old file or the new one, never a torn one (rename(2) is atomic). */
	r = write_all(fd, data, len);
	if (r == 0 && fchmod(fd, mode) < 0)
		r = -errno;
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, dst) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	return fsync_dir(dir);
}

int platform_https_read_file(const char *path, size_t max, uint8_t **ret_data, size_t *ret_len)
{
	size_t len = 0, cap = 4096;
	uint8_t *buf;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = xmalloc(cap);
	for (;;) {
		ssize_t n;

		if (len == cap) {
			if (cap > max) {
				close(fd);
				free(buf);
				return -EMSGSIZE;
			}
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int r = n < 0 ? -errno : 0;

			close(fd);
			if (r == 0 && len > max)
				r = -EMSGSIZE;
			if (r < 0) {
				free(buf);
				return r;
			}
			break;
		}
		len += (size_t)n;
	}
	*ret_data = buf;
	*ret_len = len;
	return 0;
}

static int fs_read(void *user_data, const char *path, uint8_t **ret_data, size_t *ret_len)
{
	/* One byte over the cap, so the parser reports the size rather than a truncation. */
	return platform_https_read_file(path, PROFILE_FILE_MAX + 1, ret_data, ret_len);
}

static int fs_list(void *user_data, const char *dir, char ***ret_names, size_t *ret_n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (e->d_type != DT_REG && e->d_type != DT_LNK && e->d_type != DT_UNKNOWN)
			continue;
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	*ret_names = names;
	*ret_n = n;
	return 0;
}

const struct profile_fs_ops platform_https_fs_ops = {.list_dir = fs_list, .read_file = fs_read};

static int up_read(void *user_data, const char *file_name, uint8_t **ret_data, size_t *ret_len)
{
	const struct platform_https_updater *u = user_data;
	_cleanup_free_ char *path = NULL;

	if (asprintf(&path, "%s/%s", u->dir, file_name) < 0)
		abort();
	return platform_https_read_file(path, PROFILE_FILE_MAX + 1, ret_data, ret_len);
}

static int up_fetch(void *user_data, const char *url, size_t max, uint8_t **ret_data,
		    size_t *ret_len)
{
	struct platform_https_updater *u = user_data;
	char *msg = NULL;
	int r;

	r = platform_https_fetch(url, &u->opts, max, ret_data, ret_len, &msg);
	if (r < 0) {
		log_warning("profile download %s: %s", url, msg ? msg : err_str(r));
		free(u->last_error);
		u->last_error = msg;
	}
	return r;
}

static int up_install(void *user_data, const char *file_name, const void *data, size_t len)
{
	const struct platform_https_updater *u = user_data;

	/* Profiles are not secret but are policy: root-writable, world-readable like Cisco's. */
	return platform_https_install(u->dir, file_name, data, len, 0644);
}

const struct profile_update_ops platform_https_update_ops = {
	.read_installed = up_read,
	.fetch = up_fetch,
	.install = up_install,
};
