/* dart_json.c - control messages as JSON for DART bundles; see dart_json.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "control/ctl_msg.h"
#include "daemon/dart_json.h"
#include "daemon/dart_sb.h"

char *dart_json_from_msg(const struct ctl_msg *m)
{
	struct dart_sb sb = {0};
	bool first = true;

	dart_sb_adds(&sb, "{");
	for (size_t i = 0; i < m->n_fields; i++) {
		const struct ctl_value *v = &m->fields[i];

		if (v->tag == CTL_F_ERRNO || v->type == CTL_FT_SECRET)
			continue;
		dart_sb_adds(&sb, first ? "\n  " : ",\n  ");
		first = false;
		dart_sb_add_json_str(&sb, ctl_field_to_string(v->tag));
		dart_sb_adds(&sb, ": ");
		if (v->type == CTL_FT_INT)
			dart_sb_addf(&sb, "%lld", (long long)v->i);
		else
			dart_sb_add_json_str(&sb, v->str);
	}
	dart_sb_adds(&sb, "\n}\n");
	return dart_sb_steal(&sb);
}

int dart_json_field(const char *name)
{
	for (int f = 1; f < _CTL_F_MAX; f++)
		if (strcmp(ctl_field_to_string((enum ctl_field)f), name) == 0)
			return f;
	return _CTL_F_INVALID;
}

/* Where to cut text of n bytes into a chunk: after a newline, never inside UTF-8. */
static size_t chunk_len(const char *p, size_t n, size_t max)
{
	size_t k;

	if (n <= max)
		return n;
	for (k = max; k > max / 2; k--)
		if (p[k - 1] == '\n')
			return k;
	for (k = max; k > 1 && ((unsigned char)p[k] & 0xc0) == 0x80; k--)
		;
	return k;
}

int dart_json_put_file(struct ctl_msg *m, const char *name, const char *text)
{
	size_t n = strlen(text), at = 0;
	int r;

	if ((r = ctl_msg_add_str(m, CTL_F_PATH, name)) < 0)
		return r;
	while (at < n) {
		size_t k = chunk_len(text + at, n - at, CTL_STR_MAX - 96);
		char *chunk = strndup(text + at, k);

		r = chunk ? ctl_msg_add_str(m, CTL_F_MESSAGE, chunk) : -ENOMEM;
		free(chunk);
		if (r < 0)
			return r;
		at += k;
	}
	return 0;
}

char *dart_json_get_file(const struct ctl_msg *m, const char *name)
{
	struct dart_sb sb = {0};
	bool in = false, found = false;

	for (size_t i = 0; i < m->n_fields; i++) {
		const struct ctl_value *v = &m->fields[i];

		if (v->tag == CTL_F_PATH) {
			in = strcmp(v->str, name) == 0;
			found |= in;
		} else if (in && v->tag == CTL_F_MESSAGE) {
			dart_sb_adds(&sb, v->str);
		}
	}
	return found ? dart_sb_steal(&sb) : NULL;
}
