/*
 * eap_form.c - the forms the peer hands to its caller instead of prompting.
 */
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "eap/eap_internal.h"

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

struct eap_form *eap_form_new(enum eap_method m, const char *message)
{
	struct eap_form *f = xcalloc(1, sizeof(*f));

	f->method = m;
	f->message = dup_or_null(message);
	return f;
}

struct eap_form_field *eap_form_add_field(struct eap_form *f, enum eap_field_type type,
					  const char *name, const char *label, const char *value)
{
	struct eap_form_field *field;

	f->fields = xrealloc(f->fields, (f->n_fields + 1) * sizeof(*f->fields));
	field = &f->fields[f->n_fields++];
	*field = (struct eap_form_field){
		.type = type,
		.name = xstrdup(name),
		.label = xstrdup(label ? label : ""),
		.value = dup_or_null(value),
	};
	return field;
}

void eap_form_add_option(struct eap_form_field *field, const char *value, const char *label)
{
	field->options = xrealloc(field->options, (field->n_options + 1) * sizeof(*field->options));
	field->options[field->n_options++] = (struct eap_form_option){
		.value = xstrdup(value),
		.label = xstrdup(label ? label : value),
	};
}

static void field_done(struct eap_form_field *field)
{
	size_t i;

	for (i = 0; i < field->n_options; i++) {
		free(field->options[i].value);
		free(field->options[i].label);
	}
	free(field->options);
	free(field->name);
	free(field->label);
	free(field->value);
}

struct eap_form *eap_form_free(struct eap_form *f)
{
	size_t i;

	if (!f)
		return NULL;
	for (i = 0; i < f->n_fields; i++)
		field_done(&f->fields[i]);
	free(f->fields);
	free(f->message);
	free(f->banner);
	free(f->error);
	free(f);
	return NULL;
}

const struct eap_form_field *eap_form_find(const struct eap_form *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->n_fields; i++)
		if (strcmp(f->fields[i].name, name) == 0)
			return &f->fields[i];
	return NULL;
}
