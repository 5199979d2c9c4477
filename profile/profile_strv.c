/*
 * profile_strv.c - a growable list of strings with their source lines (backup servers,
 * pins, unknown elements).
 */
#include <stdlib.h>

#include "core/xmalloc.h"
#include "profile/profile_internal.h"

void profile_strv_push(struct profile_strv *s, const char *str, unsigned int line)
{
	s->v = xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
	s->lines = xrealloc(s->lines, (s->n + 1) * sizeof(*s->lines));
	s->v[s->n] = xstrdup(str);
	s->lines[s->n] = line;
	s->n++;
}

void profile_strv_done(struct profile_strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	free(s->lines);
	*s = (struct profile_strv){0};
}
