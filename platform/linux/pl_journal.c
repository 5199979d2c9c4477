/*
 * pl_journal.c - the crash journal: the list of changes that may be applied,
 * persisted to <state_dir>/platform.journal *before* each change (write temp,
 * fsync, rename, fsync the directory), so that after a crash at any point the
 * next start knows everything it might have to undo (platform_recover). An
 * undo of something that never got applied finds nothing and is harmless. The
 * file is removed when the list becomes empty.
 */
#define _GNU_SOURCE /* asprintf */
#define LOG_MODULE  "platform"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/xmalloc.h"
#include "platform/linux/pl_internal.h"

#define JOURNAL_HEADER	  "anyroam-platform-journal 1"
#define JOURNAL_MAX_ITEMS (PLATFORM_MAX_SUBNETS + 16)
#define JOURNAL_MAX_BYTES (JOURNAL_MAX_ITEMS * 300)

int pl_journal_init(struct pl_journal *j, const char *state_dir)
{
	*j = (struct pl_journal){0};
	if (asprintf(&j->path, "%s/platform.journal", state_dir) < 0)
		return -ENOMEM;
	return 0;
}

void pl_journal_done(struct pl_journal *j)
{
	free(j->path);
	free(j->items);
	*j = (struct pl_journal){0};
}

static int fsync_dir_of(const char *path)
{
	_cleanup_free_ char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	int fd, r = 0;

	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int render(const struct pl_journal *j, char **ret, size_t *ret_len)
{
	size_t len = 0;
	char *buf = NULL, line[512];
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return -ENOMEM;
	fprintf(f, "%s\n", JOURNAL_HEADER);
	for (size_t i = 0; i < j->n; i++)
		if (pl_item_format(&j->items[i], line, sizeof(line)) == 0)
			fprintf(f, "%s\n", line);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

/* Atomic replace: a crash leaves either the old or the new list, never half. */
static int persist(const struct pl_journal *j)
{
	_cleanup_free_ char *tmp = NULL, *buf = NULL;
	size_t len;
	int fd, r;

	if (j->n == 0) {
		if (unlink(j->path) < 0 && errno != ENOENT)
			return -errno;
		return fsync_dir_of(j->path);
	}
	if ((r = render(j, &buf, &len)) < 0)
		return r;
	if (asprintf(&tmp, "%s.tmp", j->path) < 0)
		return -ENOMEM;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	r = write_all(fd, buf, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	close(fd);
	if (r == 0 && rename(tmp, j->path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	return fsync_dir_of(j->path);
}

int pl_journal_add(struct pl_journal *j, const struct pl_item *it)
{
	char line[512];
	int r;

	if (pl_item_format(it, line, sizeof(line)) < 0)
		return -EINVAL;
	for (size_t i = 0; i < j->n; i++)
		if (pl_item_eq(&j->items[i], it))
			return 0;
	if (j->n >= JOURNAL_MAX_ITEMS)
		return -EMSGSIZE;
	j->items = xrealloc(j->items, (j->n + 1) * sizeof(*j->items));
	j->items[j->n++] = *it;
	r = persist(j);
	if (r < 0) {
		/* Not recorded means not allowed to apply. */
		j->n--;
		log_warning_fr(r, "cannot write %s", j->path);
	}
	return r;
}

void pl_journal_drop(struct pl_journal *j, const struct pl_item *it)
{
	int r;

	for (size_t i = 0; i < j->n; i++) {
		if (!pl_item_eq(&j->items[i], it))
			continue;
		memmove(&j->items[i], &j->items[i + 1], (j->n - i - 1) * sizeof(*j->items));
		j->n--;
		/* A failed write only means a later recover retries an undo. */
		if ((r = persist(j)) < 0)
			log_warning_fr(r, "cannot write %s", j->path);
		return;
	}
}

static int read_file(const char *path, char **ret)
{
	_cleanup_free_ char *buf = xmalloc(JOURNAL_MAX_BYTES + 1);
	size_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t r = read(fd, buf + n, JOURNAL_MAX_BYTES - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || (n += (size_t)r) == JOURNAL_MAX_BYTES)
			break;
	}
	close(fd);
	buf[n] = '\0';
	*ret = steal_ptr(buf);
	return 0;
}

int pl_journal_load(const char *path, struct pl_item **ret, size_t *ret_n)
{
	_cleanup_free_ char *buf = NULL;
	struct pl_item *items = NULL, it;
	char *save = NULL, *line;
	size_t n = 0;
	int r;

	if ((r = read_file(path, &buf)) < 0)
		return r;
	line = strtok_r(buf, "\n", &save);
	if (!line || strcmp(line, JOURNAL_HEADER) != 0) {
		log_warning("%s: not a platform journal; ignored", path);
		return -EBADMSG;
	}
	while ((line = strtok_r(NULL, "\n", &save)) && n < JOURNAL_MAX_ITEMS) {
		if (pl_item_parse(line, &it) < 0) {
			log_warning("%s: unreadable line '%.80s' skipped", path, line);
			continue;
		}
		items = xrealloc(items, (n + 1) * sizeof(*items));
		items[n++] = it;
	}
	*ret = items;
	*ret_n = n;
	return 0;
}
