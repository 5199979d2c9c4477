/* ui_print.c - text and JSON output of control messages. */
#include "ui.h"

#include <inttypes.h>
#include <time.h>

void ui_print_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_value(FILE *f, const struct ctl_value *v)
{
	switch (v->type) {
	case CTL_FT_INT:
		fprintf(f, "%" PRId64, v->i);
		break;
	case CTL_FT_STR:
		ui_print_json_string(f, v->str);
		break;
	case CTL_FT_SECRET: /* never shown (the daemon never sends one to us anyway) */
		ui_print_json_string(f, SECRET_HIDDEN);
		break;
	case _CTL_FT_MAX:
		fputs("null", f);
		break;
	}
}

void ui_print_json_fields(FILE *f, const struct ctl_msg *m, size_t from, size_t to)
{
	bool first = true;

	fputc('{', f);
	for (size_t i = from; i < to && i < m->n_fields; i++) {
		const struct ctl_value *v = &m->fields[i];

		if (v->tag == CTL_F_ERRNO)
			continue;
		fputs(first ? "" : ",", f);
		ui_print_json_string(f, ctl_field_to_string(v->tag));
		fputc(':', f);
		json_value(f, v);
		first = false;
	}
	fputc('}', f);
}

void ui_print_text_fields(FILE *f, const struct ctl_msg *m)
{
	for (size_t i = 0; i < m->n_fields; i++) {
		const struct ctl_value *v = &m->fields[i];

		if (v->tag == CTL_F_ERRNO)
			continue;
		if (v->type == CTL_FT_INT)
			fprintf(f, "%s: %" PRId64 "\n", ctl_field_to_string(v->tag), v->i);
		else if (v->type == CTL_FT_STR)
			fprintf(f, "%s: %s\n", ctl_field_to_string(v->tag), v->str);
	}
}

/* The DART shape of the seed, on one line: date, time, type, source, description. */
void ui_print_record(const struct ui_opts *o, const struct ctl_msg *ev)
{
	const char *type = ctl_msg_get_str(ev, CTL_F_RECORD_TYPE);
	const char *src = ctl_msg_get_str(ev, CTL_F_RECORD_SOURCE);
	const char *msg = ctl_msg_get_str(ev, CTL_F_MESSAGE);
	int64_t us = 0;
	char when[32] = "";
	time_t t;
	struct tm tm;

	if (o->json) {
		ui_print_json_fields(o->out, ev, 0, ev->n_fields);
		fputc('\n', o->out);
		fflush(o->out);
		return;
	}
	(void)ctl_msg_get_int(ev, CTL_F_TIME_USEC, &us);
	t = (time_t)(us / 1000000);
	if (localtime_r(&t, &tm))
		strftime(when, sizeof(when), "%m/%d/%Y %H:%M:%S", &tm);
	fprintf(o->out, "%s %-11s %s: %s\n", when, type ? type : "-", src ? src : "-",
		msg ? msg : "");
	fflush(o->out);
}
