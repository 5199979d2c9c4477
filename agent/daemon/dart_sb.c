/* dart_sb.c - the growing text buffer of the DART collector; see dart_sb.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "daemon/dart_sb.h"

static void reserve(struct dart_sb *sb, size_t more)
{
	size_t want = sb->n + more + 1;

	if (want <= sb->cap)
		return;
	sb->cap = sb->cap ? sb->cap : 256;
	while (sb->cap < want)
		sb->cap *= 2;
	sb->p = xrealloc(sb->p, sb->cap);
}

void dart_sb_add(struct dart_sb *sb, const void *p, size_t n)
{
	reserve(sb, n);
	if (n)
		memcpy(sb->p + sb->n, p, n);
	sb->n += n;
	sb->p[sb->n] = '\0';
}

void dart_sb_adds(struct dart_sb *sb, const char *s)
{
	dart_sb_add(sb, s, strlen(s));
}

void dart_sb_addf(struct dart_sb *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	reserve(sb, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(sb->p + sb->n, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->n += (size_t)n;
}

void dart_sb_add_json_str(struct dart_sb *sb, const char *s)
{
	dart_sb_add(sb, "\"", 1);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			dart_sb_addf(sb, "\\%c", ch);
		else if (ch == '\n')
			dart_sb_adds(sb, "\\n");
		else if (ch == '\t')
			dart_sb_adds(sb, "\\t");
		else if (ch < 0x20 || ch == 0x7f)
			dart_sb_addf(sb, "\\u%04x", ch);
		else
			dart_sb_add(sb, s, 1);
	}
	dart_sb_add(sb, "\"", 1);
}

char *dart_sb_steal(struct dart_sb *sb)
{
	char *p = sb->p ? sb->p : xstrdup("");

	*sb = (struct dart_sb){0};
	return p;
}

void dart_sb_done(struct dart_sb *sb)
{
	free(sb->p);
	*sb = (struct dart_sb){0};
}
