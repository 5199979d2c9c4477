/* session_store.c - persistence of the session record; format in session_store.h. */
#include "session_store.h"

#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/hex.h"
#include "core/xmalloc.h"

#define MAGIC "anyroam-session 1"

static int put_line(struct buf_writer *wr, const char *key, const char *value)
{
	(void)buf_put_str(wr, key);
	(void)buf_put_u8(wr, '=');
	(void)buf_put_str(wr, value);
	return buf_put_u8(wr, '\n');
}

static int put_u64(struct buf_writer *wr, const char *key, uint64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%" PRIu64, v);
	return put_line(wr, key, num);
}

static void put_token(struct buf_writer *wr, const struct secret *tok)
{
	size_t n = secret_len(tok);
	char *hex = xmalloc(2 * n + 1);

	hex_encode(secret_data(tok), n, hex, 1);
	put_line(wr, "token", hex);
	secret_wipe(hex, 2 * n + 1);
	free(hex);
}

int session_store_format(const struct session *s, struct buf_writer *wr)
{
	if (!session_can_reconnect(s))
		return -EINVAL;
	wr->sensitive = true;
	(void)buf_put_str(wr, MAGIC "\n");
	put_line(wr, "id", s->id);
	put_token(wr, s->token);
	if (s->host_name[0])
		put_line(wr, "host_name", s->host_name);
	if (s->gateway[0])
		put_line(wr, "gateway", s->gateway);
	put_u64(wr, "gateway_port", s->gateway_port);
	if (s->assigned_ipv4[0])
		put_line(wr, "assigned_ipv4", s->assigned_ipv4);
	put_u64(wr, "dh_group", s->dh_group);
	put_u64(wr, "reconnect_timeout_us", s->reconnect_timeout);
	put_u64(wr, "lost_at_us", s->lost_at);
	for (size_t i = 0; i < s->n_attrs; i++) {
		(void)buf_put_str(wr, "attr=");
		(void)buf_put_str(wr, s->attrs[i].name);
		(void)buf_put_u8(wr, ' ');
		(void)buf_put_str(wr, s->attrs[i].value);
		(void)buf_put_u8(wr, '\n');
	}
	return buf_writer_error(wr);
}

static int parse_u64(const char *v, uint64_t max, uint64_t *ret)
{
	char *end;
	unsigned long long x;

	if (!*v || *v == '-' || *v == '+' || *v == ' ')
		return -EBADMSG;
	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno || *end || x > max)
		return -EBADMSG;
	*ret = x;
	return 0;
}

static int parse_token(struct session *s, const char *v)
{
	uint8_t raw[SESSION_TOKEN_MAX];
	struct secret *tok;
	size_t n;
	int r;

	if (strlen(v) > 2 * SESSION_TOKEN_MAX || strlen(v) % 2)
		return -EBADMSG;
	if ((r = hex_decode(v, raw, sizeof(raw), &n)) < 0)
		return -EBADMSG;
	tok = secret_from(raw, n);
	secret_wipe(raw, sizeof(raw));
	r = session_set_token(s, tok);
	secret_free(tok);
	return r;
}

static int parse_text(char *dst, const char *v, bool spaces)
{
	if (!session_text_ok(v, SESSION_TEXT_MAX, spaces))
		return -EBADMSG;
	strcpy(dst, v);
	return 0;
}

static int parse_attr(struct session *s, const char *v)
{
	const char *sp = strchr(v, ' ');
	char name[33];

	if (!sp || sp == v || (size_t)(sp - v) >= sizeof(name))
		return -EBADMSG;
	memcpy(name, v, (size_t)(sp - v));
	name[sp - v] = '\0';
	return session_add_attr(s, name, sp + 1);
}

/* Keys that may appear once; bit i of *seen marks keys[i]. */
static const char *const keys[] = {
	"id",		"token",	 "host_name", "gateway",
	"gateway_port", "assigned_ipv4", "dh_group",  "reconnect_timeout_us",
	"lost_at_us"};

static int parse_kv(struct session *s, const char *k, const char *v, unsigned *seen)
{
	uint64_t x;
	size_t i;
	int r;

	if (strcmp(k, "attr") == 0)
		return parse_attr(s, v);
	for (i = 0; i < ARRAY_SIZE(keys) && strcmp(keys[i], k) != 0; i++)
		;
	if (i == ARRAY_SIZE(keys) || (*seen & (1u << i)))
		return -EBADMSG;
	*seen |= 1u << i;
	switch (i) {
	case 0:
		return session_set_id(s, v);
	case 1:
		return parse_token(s, v);
	case 2:
		return parse_text(s->host_name, v, true);
	case 3:
		return parse_text(s->gateway, v, false);
	case 4:
		r = parse_u64(v, UINT16_MAX, &x);
		s->gateway_port = (uint16_t)x;
		return r;
	case 5:
		return parse_text(s->assigned_ipv4, v, false);
	case 6:
		r = parse_u64(v, UINT16_MAX, &x);
		s->dh_group = (uint16_t)x;
		return r;
	case 7:
		return parse_u64(v, UINT64_MAX / 2, &s->reconnect_timeout);
	default:
		return parse_u64(v, UINT64_MAX / 2, &s->lost_at);
	}
}

static int parse_line(struct session *s, char *line, unsigned *seen)
{
	char *eq = strchr(line, '=');

	if (!eq)
		return -EBADMSG;
	*eq = '\0';
	return parse_kv(s, line, eq + 1, seen);
}

static int parse_lines(struct session *s, char *text)
{
	unsigned seen = 0;
	char *line, *save = NULL;
	int r;

	if (strncmp(text, MAGIC "\n", strlen(MAGIC) + 1) != 0)
		return -EBADMSG;
	for (line = strtok_r(text + strlen(MAGIC) + 1, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if ((r = parse_line(s, line, &seen)) < 0)
			return r;
	return session_can_reconnect(s) ? 0 : -EBADMSG;
}

int session_store_parse(const char *text, size_t n, struct session *ret)
{
	struct session s;
	char *copy;
	int r;

	if (n > SESSION_STORE_SIZE_MAX || memchr(text, '\0', n))
		return -EBADMSG;
	copy = xstrndup(text, n);
	session_init(&s);
	r = parse_lines(&s, copy);
	secret_wipe(copy, n);
	free(copy);
	if (r < 0) {
		session_done(&s);
		return r;
	}
	*ret = s;
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
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

static int write_file(const char *tmp, const struct buf_writer *wr)
{
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	int r;

	if (fd < 0)
		return -errno;
	r = fchmod(fd, 0600) < 0 ? -errno : 0; /* an old temp file may have had another mode */
	if (r == 0)
		r = write_all(fd, wr->data, wr->len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

int session_store_save(const struct session *s, const char *dir)
{
	char tmp[PATH_MAX], dst[PATH_MAX];
	struct buf_writer wr;
	int r;

	if (snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, SESSION_STORE_FILE) >= (int)sizeof(tmp) ||
	    snprintf(dst, sizeof(dst), "%s/%s", dir, SESSION_STORE_FILE) >= (int)sizeof(dst))
		return -ENAMETOOLONG;
	buf_writer_init(&wr);
	r = session_store_format(s, &wr);
	if (r == 0)
		r = write_file(tmp, &wr);
	buf_writer_done(&wr);
	if (r == 0 && rename(tmp, dst) < 0)
		r = -errno;
	if (r == 0)
		r = fsync_dir(dir);
	if (r < 0)
		(void)unlink(tmp);
	return r;
}

static int read_file(int fd, char *buf, size_t cap, size_t *ret_n)
{
	size_t n = 0;

	for (;;) {
		ssize_t got = read(fd, buf + n, cap - n);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		if (got == 0)
			break;
		n += (size_t)got;
		if (n == cap)
			return -EMSGSIZE;
	}
	*ret_n = n;
	return 0;
}

int session_store_load(const char *dir, struct session *ret)
{
	char path[PATH_MAX];
	struct stat st;
	char *buf;
	size_t n = 0;
	int fd, r;

	if (snprintf(path, sizeof(path), "%s/%s", dir, SESSION_STORE_FILE) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	/* a record others could read or write is not ours to trust */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077) ||
	    st.st_uid != geteuid()) {
		close(fd);
		return -EPERM;
	}
	buf = xmalloc(SESSION_STORE_SIZE_MAX + 1);
	r = read_file(fd, buf, SESSION_STORE_SIZE_MAX + 1, &n);
	close(fd);
	if (r == 0)
		r = session_store_parse(buf, n, ret);
	secret_wipe(buf, SESSION_STORE_SIZE_MAX + 1);
	free(buf);
	return r;
}

int session_store_remove(const char *dir)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", dir, SESSION_STORE_FILE) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}
