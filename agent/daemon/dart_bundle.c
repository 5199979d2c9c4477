/* dart_bundle.c - the in-memory files of a DART bundle; see dart_bundle.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/xmalloc.h"
#include "daemon/dart_bundle.h"
#include "daemon/dart_sys.h"

void dart_bundle_init(struct dart_bundle *b, const struct dart_inputs *in, usec_t now)
{
	*b = (struct dart_bundle){.in = in, .now = now};
}

void dart_bundle_done(struct dart_bundle *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free(b->e[i].name);
		free(b->e[i].data);
	}
	free(b->e);
	dart_sb_done(&b->notes);
	*b = (struct dart_bundle){0};
}

void dart_bundle_add(struct dart_bundle *b, const char *name, char *data, size_t len,
		     enum dart_text_kind kind)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 32;
		b->e = xrealloc(b->e, b->cap * sizeof(*b->e));
	}
	b->e[b->n++] =
		(struct dart_entry){.name = xstrdup(name), .data = data, .len = len, .kind = kind};
}

void dart_bundle_add_str(struct dart_bundle *b, const char *name, const char *text,
			 enum dart_text_kind kind)
{
	dart_bundle_add(b, name, xstrdup(text), strlen(text), kind);
}

void dart_bundle_note(struct dart_bundle *b, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	dart_sb_addf(&b->notes, "%s\n", line);
	b->n_missing++;
}

const struct dart_entry *dart_bundle_find(const struct dart_bundle *b, const char *name)
{
	for (size_t i = 0; i < b->n; i++)
		if (strcmp(b->e[i].name, name) == 0)
			return &b->e[i];
	return NULL;
}

void dart_bundle_scrub(struct dart_bundle *b, struct dart_scrub *s)
{
	if (s->redact_users)
		for (size_t i = 0; i < b->n; i++)
			dart_scrub_learn_users(s, b->e[i].data);
	for (size_t i = 0; i < b->n; i++) {
		struct dart_entry *e = &b->e[i];
		size_t len, count;
		char *clean = dart_scrub_text(s, e->kind, e->data, e->len, &len, &count);

		explicit_bzero(e->data, e->len);
		free(e->data);
		e->data = clean;
		e->len = len;
		b->n_scrubbed += count;
	}
	/* the notes quote paths, which may hold a user name */
	if (b->notes.n) {
		size_t len;
		char *clean =
			dart_scrub_text(s, DART_TEXT_PLAIN, b->notes.p, b->notes.n, &len, NULL);

		dart_sb_done(&b->notes);
		dart_sb_add(&b->notes, clean, len);
		free(clean);
	}
}

bool dart_bundle_add_file(struct dart_bundle *b, const char *name, const char *path,
			  enum dart_text_kind kind, bool absent_ok)
{
	char *data;
	size_t len;
	bool trunc = false;
	int r = dart_sys_read_file(path, DART_FILE_MAX, &data, &len, &trunc);

	if (r == -EACCES || r == -EPERM) {
		dart_bundle_note(b, "%s: not readable as uid %u", path, (unsigned)geteuid());
		return false;
	}
	if (r == -ENOENT || r == -ENOTDIR) {
		if (!absent_ok)
			dart_bundle_note(b, "%s: not present", path);
		return false;
	}
	if (r < 0) {
		dart_bundle_note(b, "%s: %s", path, err_str(r));
		return false;
	}
	if (trunc)
		dart_bundle_note(b, "%s: only the first %u bytes", path, DART_FILE_MAX);
	dart_bundle_add(b, name, data, len, kind);
	return true;
}

static void argv_text(const char *const *argv, char *buf, size_t cap)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; argv[i] && n < cap; i++)
		n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? " " : "", argv[i]);
}

bool dart_bundle_add_cmd(struct dart_bundle *b, const char *name, const char *const *argv)
{
	char cmd[256], *out;
	size_t len;
	int status = 0, r;

	argv_text(argv, cmd, sizeof(cmd));
	if (b->in->no_commands) {
		dart_bundle_note(b, "%s: commands not run (no_commands)", cmd);
		return false;
	}
	r = dart_sys_run(argv, DART_CMD_TIMEOUT_MS, DART_FILE_MAX, &out, &len, &status);
	if (r == -ENOENT) {
		dart_bundle_note(b, "%s: %s is not installed", cmd, argv[0]);
		return false;
	}
	if (r < 0) {
		dart_bundle_note(b, "%s: could not run it: %s", cmd, err_str(r));
		return false;
	}
	if (status != 0)
		dart_bundle_note(b, "%s: exit status %d (its output is in %s)", cmd, status, name);
	{
		/* the command line heads the file, so the reader knows what produced it */
		struct dart_sb sb = {0};

		dart_sb_addf(&sb, "$ %s\n", cmd);
		dart_sb_add(&sb, out, len);
		free(out);
		len = sb.n;
		dart_bundle_add(b, name, dart_sb_steal(&sb), len, DART_TEXT_PLAIN);
	}
	return true;
}
