/*
 * eap_answers.c - the user's answers to a form, kept as secrets until used.
 */
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "eap/eap_internal.h"

void eap_answers_clear(struct eap_answers *a)
{
	size_t i;

	for (i = 0; i < a->n; i++) {
		free(a->names[i]);
		secret_free(a->values[i]);
	}
	free(a->names);
	free(a->values);
	*a = (struct eap_answers){0};
}

void eap_answers_add(struct eap_answers *a, const char *name, const struct secret *value)
{
	a->names = xrealloc(a->names, (a->n + 1) * sizeof(*a->names));
	a->values = xrealloc(a->values, (a->n + 1) * sizeof(*a->values));
	a->names[a->n] = xstrdup(name);
	a->values[a->n] = secret_dup(value);
	a->n++;
}

const struct secret *eap_answers_get(const struct eap_answers *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (strcmp(a->names[i], name) == 0)
			return a->values[i];
	return NULL;
}
