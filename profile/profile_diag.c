/*
 * profile_diag.c - structured diagnostics: file, line, element and message, so the
 * caller (ui/, daemon) words one line per problem (STYLE.md §11). Never printed here.
 */
#define _GNU_SOURCE /* asprintf */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/xmalloc.h"
#include "profile/profile_internal.h"

void profile_diag_add(struct profile_diags *d, enum profile_diag_level level, const char *file,
		      unsigned int line, const char *element, const char *fmt, ...)
{
	struct profile_diag *g;
	va_list ap;
	char *msg;

	if (!d)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort(); /* OOM, as xmalloc */
	va_end(ap);
	d->v = xrealloc(d->v, (d->n + 1) * sizeof(*d->v));
	g = &d->v[d->n++];
	*g = (struct profile_diag){
		.level = level,
		.file = xstrdup(file ? file : "(input)"),
		.line = line,
		.element = element ? xstrdup(element) : NULL,
		.message = msg,
	};
	if (level == PROFILE_DIAG_ERROR)
		d->n_errors++;
}

void profile_diags_done(struct profile_diags *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].element);
		free(d->v[i].message);
	}
	free(d->v);
	*d = (struct profile_diags){0};
}

char *profile_diag_format(const struct profile_diag *g)
{
	char line[32] = "";
	char *s;

	if (g->line)
		snprintf(line, sizeof(line), ":%u", g->line);
	if (asprintf(&s, "%s%s: %s%s%s", g->file, line, g->element ? g->element : "",
		     g->element ? ": " : "", g->message) < 0)
		abort();
	return s;
}

const struct profile_diag *profile_diags_first_error(const struct profile_diags *d)
{
	for (size_t i = 0; d && i < d->n; i++)
		if (d->v[i].level == PROFILE_DIAG_ERROR)
			return &d->v[i];
	return NULL;
}
